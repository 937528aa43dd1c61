// Crisis Desk: the mentions queue by keyboard. j / ↓ and k / ↑ move between mentions, x
// chooses the current one for the bulk bar, o / Enter opens it, r starts its reply, ? shows the
// list of keys. No key does anything while the viewer types in a field or holds a modifier.
// The current mention holds the focus (so the focus ring shows it) and each move is said to
// screen readers through a polite live region. Loaded by the queue only.
(function () {
  "use strict";
  var status = document.getElementById("mention-keys-status");
  if (!status) { return; }
  var current = null;  // the id of the current mention: kept when the list is swapped

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#results [data-mention]"));
  }

  function say(text) {
    // Emptied first, so the same words said twice are heard twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  var typing = window.crisisDeskKeys.typing;  // static/js/keys.js, loaded by every page first

  function currentRow() {
    var list = rows();
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("#results [data-mention]") : null;
    if (focused) { return focused; }
    return list.filter(function (row) { return row.dataset.mention === current; })[0] || null;
  }

  function describe(row, list) {
    var who = row.querySelector(".mention-author .fw-semibold");
    return status.dataset.position
      .replace("{n}", String(list.indexOf(row) + 1))
      .replace("{total}", String(list.length))
      .replace("{who}", who ? who.textContent.trim() : "");
  }

  function focusRow(row) {
    var list = rows();
    list.forEach(function (r) { r.classList.remove("mention-current", "bg-primary-subtle"); });
    row.classList.add("mention-current", "bg-primary-subtle");
    current = row.dataset.mention;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
    say(describe(row, list));
  }

  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var row = currentRow();
    var index = row ? list.indexOf(row) + step : (step > 0 ? 0 : list.length - 1);
    focusRow(list[Math.max(0, Math.min(list.length - 1, index))]);
  }

  function pick(row) {
    var box = row.querySelector("[data-bulk-pick]");
    if (!box) { say(status.dataset.noPick); return; }
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));  // the bulk bar counts it
    say(box.checked ? status.dataset.chosen : status.dataset.unchosen);
  }

  function open(row) {
    var link = row.querySelector("[data-testid=mention-text]");
    if (link) { window.location.assign(link.href); }
  }

  function reply(row) {
    var link = row.querySelector("a[data-testid=reply]");
    if (link) { window.location.assign(link.href); } else { say(status.dataset.noReply); }
  }

  function help() {
    var dialog = document.getElementById("mention-keys-help");
    if (dialog && window.bootstrap) { window.bootstrap.Modal.getOrCreateInstance(dialog).show(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target) || document.querySelector(".modal.show")) { return; }
    var key = event.key;
    var onRow = event.target.matches && event.target.matches("#results [data-mention]");
    var row = currentRow();
    // Arrows and Enter keep their own meaning on a button, a link or a menu.
    var free = onRow || event.target === document.body || event.target === document.documentElement;
    if (key === "j" || (key === "ArrowDown" && free)) {
      move(1);
    } else if (key === "k" || (key === "ArrowUp" && free)) {
      move(-1);
    } else if (key === "?") {
      help();
    } else if (row && key === "x") {
      pick(row);
    } else if (row && (key === "o" || (key === "Enter" && onRow))) {
      open(row);
    } else if (row && key === "r") {
      reply(row);
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("focusout", function (event) {
    var row = event.target.closest && event.target.closest("#results [data-mention]");
    if (row && event.target === row && !row.contains(event.relatedTarget)) {
      row.classList.remove("mention-current", "bg-primary-subtle");
    }
  });
})();
