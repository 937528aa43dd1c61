// Crisis Desk: choosing many mentions in the queue for one act (views.mentions.bulk). "All on
// this page" ticks every mention shown; the bar says how many are chosen. Without JavaScript
// each checkbox still works on its own.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  function picks() { return document.querySelectorAll("[data-bulk-pick]"); }
  function count() {
    var bar = document.getElementById("bulk-form");
    if (!bar) { return; }
    var chosen = Array.prototype.filter.call(picks(), function (p) { return p.checked; }).length;
    var label = bar.querySelector("[data-bulk-count]");
    label.textContent = chosen ? label.dataset.some.replace("%s", chosen) : label.dataset.none;
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-bulk-all]")) {
      picks().forEach(function (p) { p.checked = target.checked; });
    }
    if (target.matches("[data-bulk-all], [data-bulk-pick]")) { count(); }
  });
  if (form) { count(); }
})();
