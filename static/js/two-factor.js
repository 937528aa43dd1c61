// Crisis Desk: the recovery-codes page's Copy and Print buttons (shown only when they work).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-codes]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var list = document.querySelector(button.getAttribute("data-copy-codes"));
      var codes = Array.prototype.map.call(list.querySelectorAll("li"), function (item) {
        return item.textContent.trim();
      });
      navigator.clipboard.writeText(codes.join("\n")).then(function () {
        button.textContent = button.getAttribute("data-copied-text");
      });
    });
  });
  document.querySelectorAll("[data-print-page]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
