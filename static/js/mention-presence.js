// Crisis Desk: who else is on a mention right now ("Ayşe is replying", "Can is viewing"), so two
// people do not answer the same customer (views.mentions.presence). Every second the page
// tells the server it is on its mention, if it is about one (a mention's page: viewing; the
// reply composer: replying), and hears who else is on each mention it shows
// ([data-presence-for]); a page that is left says goodbye at once, and one that goes silent
// lapses within seconds on the server. Only a change is written into the page, so a screen
// reader hears each arrival once. Without JavaScript the page shows who was there when it was
// rendered.
(function () {
  "use strict";
  var root = document.querySelector("[data-presence-url]");
  if (!root) { return; }
  var url = root.dataset.presenceUrl;
  var here = root.dataset.presenceHere || "";
  var doing = root.dataset.presenceDoing || "";
  var drill = root.dataset.presenceDrill === "true";
  var FAST = 1000;     // a page being looked at: an arrival shows within 2 s
  var SLOW = 5000;     // a tab in the background still says it is there
  var LONGEST = 30000; // waiting after errors, at most
  var failures = 0;
  var timer = null;

  function token() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  function shownIds() {
    var ids = [];
    document.querySelectorAll("[data-presence-for]").forEach(function (box) {
      if (ids.indexOf(box.dataset.presenceFor) === -1) { ids.push(box.dataset.presenceFor); }
    });
    return ids;
  }

  function body(leaving) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token());
    if (here) {
      data.append("here", here);
      data.append("doing", doing);
    }
    if (leaving) {
      data.append("leaving", "true");
      return data;
    }
    if (drill) { data.append("drill", "true"); }
    shownIds().forEach(function (id) { data.append("mention", id); });
    return data;
  }

  function render(answer) {
    document.querySelectorAll("[data-presence-for]").forEach(function (box) {
      var people = answer[box.dataset.presenceFor] || [];
      var only = box.dataset.presenceOnly;
      if (only) { people = people.filter(function (p) { return p.doing === only; }); }
      var text = people.map(function (p) { return p.text; }).join("\n");
      if (box.dataset.presenceShown === text) { return; }
      box.dataset.presenceShown = text;
      var items = box.hasAttribute("data-presence-items");
      box.replaceChildren.apply(box, people.map(function (p) {
        var line = document.createElement(items ? "li" : "span");
        if (!items) {
          line.className = "badge me-1 " + (p.doing === "replying" ? "text-bg-warning" : "text-bg-light border");
        }
        line.textContent = p.text;
        return line;
      }));
      box.hidden = people.length === 0;
      var warning = box.closest("[data-presence-warning]");
      if (warning) {
        warning.hidden = people.length === 0 && !warning.hasAttribute("data-presence-keep");
      }
    });
  }

  function beat() {
    return fetch(url, {
      method: "POST",
      body: body(false),
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-CSRFToken": token() }
    }).then(function (r) {
      if (!r.ok) { throw new Error("presence: " + r.status); }
      return r.json();
    }).then(function (answer) {
      failures = 0;
      render(answer.mentions || {});
    });
  }

  function next() {
    var wait = document.hidden ? SLOW : FAST;
    if (failures) { wait = Math.min(LONGEST, FAST * Math.pow(2, failures)); }
    window.clearTimeout(timer);
    timer = window.setTimeout(loop, wait);
  }

  function loop() {
    beat().catch(function () { failures += 1; }).then(next, next);
  }

  window.addEventListener("pagehide", function () {
    window.clearTimeout(timer);
    if (here && navigator.sendBeacon) { navigator.sendBeacon(url, body(true)); }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { loop(); }  // back from the browser's cache: there again
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { window.clearTimeout(timer); loop(); }
  });
  loop();
})();
