// Crisis Desk: deadlines tick. Every <time data-countdown> shows the time left until its
// datetime ("in 4 min 32 s"), then how long it has been missed ("1 min 02 s overdue", red
// when it carries data-alarm="1"); every <time data-elapsed> shows the time since its
// datetime. The words come from the page (data-future, data-past: "%s" is the time). Panels
// swapped in by htmx or by live pages are found on the next tick.
(function () {
  "use strict";

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // Each count says its unit ("in 4 min 05 s", "1 h 05 min overdue"), in the page's language
  // (<body data-time-units="d h min s">).
  var UNITS = (document.body.dataset.timeUnits || "d h min s").split(" ");

  function span(seconds) {
    var s = Math.floor(Math.abs(seconds));
    var days = Math.floor(s / 86400);
    var hours = Math.floor((s % 86400) / 3600);
    var minutes = Math.floor((s % 3600) / 60);
    if (days > 0) { return days + " " + UNITS[0] + " " + hours + " " + UNITS[1]; }
    if (hours > 0) { return hours + " " + UNITS[1] + " " + two(minutes) + " " + UNITS[2]; }
    if (minutes > 0) { return minutes + " " + UNITS[2] + " " + two(s % 60) + " " + UNITS[3]; }
    return (s % 60) + " " + UNITS[3];
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) { return; }
      var missed = at <= now;
      var words = (missed ? el.dataset.past : el.dataset.future) || "%s";
      el.textContent = words.replace("%s", span((at - now) / 1000));
      if (el.dataset.alarm === "1") {
        el.classList.toggle("text-danger", missed);
        el.classList.toggle("fw-semibold", missed);
      }
    });
    document.querySelectorAll("time[data-elapsed]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(since)) { el.textContent = span((now - since) / 1000); }
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
