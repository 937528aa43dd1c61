// Crisis Desk: the approval journey by keyboard. On any page, a goes to the messages waiting for
// the viewer's approval; on that queue, o opens the one waiting longest (or the one holding the
// focus); on a message, a brings the focus to its Approve button, and Enter approves. A key
// never approves by itself: the focus lands on the button, which says what it does, and only
// Enter (or a click) presses it. No key does anything while the viewer types in a field, holds
// a modifier or uses a page with keys of its own (the mentions queue, static/js/mention-keys.js,
// which asks the same typing() kept here on window.crisisDeskKeys).
(function () {
  "use strict";
  var NOT_TYPED = ["checkbox", "radio", "button", "submit", "reset"];

  // Whether a key pressed on this element is being typed into a field (and so is no shortcut).
  function typing(target) {
    var field = target && target.closest ? target.closest("input, textarea, select, [contenteditable]") : null;
    if (!field) { return false; }
    if (field.tagName === "INPUT") { return NOT_TYPED.indexOf(field.type) === -1; }
    return field.tagName !== "DIV" || field.isContentEditable;
  }

  window.crisisDeskKeys = { typing: typing };
  if (document.getElementById("mention-keys-status")) { return; }

  function reach(element) {
    element.scrollIntoView({ block: "center" });
    element.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (typing(event.target)) { return; }
    var target = null;
    if (event.key === "a") {
      var approve = document.querySelector("[data-key-approve]");
      if (approve) {
        event.preventDefault();
        reach(approve);
        return;
      }
      target = document.querySelector("[data-key-approvals]");
      if (target) {
        event.preventDefault();
        window.location.assign(target.getAttribute("href"));
      }
    } else if (event.key === "o") {
      var focused = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest("[data-key-open]") : null;
      target = focused || document.querySelector("[data-key-open]");
      if (target) {
        event.preventDefault();
        window.location.assign(target.getAttribute("href"));
      }
    }
  });
}());
