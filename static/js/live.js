// Crisis Desk: live pages. The page asks /live/ every few seconds whether what it shows has
// changed (incidents/live.py): a 304 costs nothing. When the answer is a new version, the page
// fetches itself again and swaps every [data-live] part (the war room's panels, the header's
// badges, the stop switch's banner) that the viewer is not using: a part holding the focus,
// an open menu or a field the viewer has typed in waits for the next change, so nothing being
// typed is lost. It catches up by itself after a restart or a lost connection.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.liveUrl;
  if (!url) { return; }
  var FAST = 1000;      // a page being looked at: a change shows within 2 s
  var SLOW = 30000;     // a tab in the background
  var LONGEST = 30000;  // waiting after errors, at most
  var on = (body.dataset.liveOn || "").trim();
  var etag = body.dataset.liveEtag || null;  // the version the page was rendered at
  var failures = 0;
  var behind = false;   // a change came that some part could not take yet

  function typedIn(part) {
    if (part.contains(document.activeElement) && document.activeElement !== document.body) { return true; }
    if (part.querySelector(".dropdown-menu.show, details[open] form")) { return true; }
    return Array.prototype.some.call(part.querySelectorAll("input, textarea, select"), function (f) {
      if (f.type === "hidden" || f.type === "submit") { return false; }
      if (f.type === "checkbox" || f.type === "radio") { return f.checked !== f.defaultChecked; }
      if (f.tagName === "SELECT") {
        // A select with no option marked selected shows its first one (none, if multiple).
        var marked = Array.prototype.some.call(f.options, function (o) { return o.defaultSelected; });
        return Array.prototype.some.call(f.options, function (o, i) {
          var byDefault = marked ? o.defaultSelected : (!f.multiple && i === 0);
          return o.selected !== byDefault;
        });
      }
      return f.value !== f.defaultValue;
    });
  }

  // What changed is said to screen readers, politely and without moving the focus: each part
  // names itself (data-live-say, translated with the page), once per change.
  var announcer = document.getElementById("live-announcer");

  function announce(said) {
    if (!announcer || !said.length) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = said.join(" "); }, 50);
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var waiting = false;
    var said = [];
    document.querySelectorAll("[data-live]").forEach(function (part) {
      var next = part.id && fresh.getElementById(part.id);
      if (!next) { return; }
      if (typedIn(part)) { waiting = true; return; }
      if (part.innerHTML === next.innerHTML) { return; }
      part.replaceWith(next);
      if (window.htmx) { window.htmx.process(next); }
      var say = next.dataset.liveSay;
      if (say && said.indexOf(say) === -1) { said.push(say); }
    });
    behind = waiting;
    announce(said);
  }

  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("live: page " + r.status); }
        return r.text();
      })
      .then(swap);
  }

  function ask() {
    var headers = {};
    if (etag) { headers["If-None-Match"] = etag; }
    var query = on ? "?on=" + encodeURIComponent(on) : "";
    return fetch(url + query, { credentials: "same-origin", cache: "no-store", headers: headers, redirect: "manual" })
      .then(function (r) {
        if (r.status !== 304 && r.status !== 204) { throw new Error("live: " + r.status); }
        failures = 0;
        var version = r.status === 204 ? r.headers.get("ETag") : etag;
        if (version === etag && !behind) { return null; }
        // The page keeps its old version until the fresh copy is in: a refresh lost with the
        // connection is asked for again, not forgotten.
        return refresh().then(function () { etag = version; });
      });
  }

  function next() {
    var wait = document.hidden ? SLOW : FAST;
    if (failures) { wait = Math.min(LONGEST, FAST * Math.pow(2, failures)); }
    window.setTimeout(loop, wait);
  }

  function loop() {
    ask().catch(function () { failures += 1; }).then(next, next);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { ask().catch(function () {}); }
  });
  window.addEventListener("online", function () { ask().catch(function () {}); });
  loop();
})();
