// Live updates without a build step: the server says that something happened; the page
// fetches itself again and swaps its <main>, rendered and escaped by the server.
"use strict";
(function () {
  var url = document.body.getAttribute("data-live");
  if (!url || !window.EventSource || !window.fetch) return;
  var waiting = false;
  var again = false; // an event came while fetching: fetch once more afterwards
  function done() {
    waiting = false;
    if (again) { again = false; refresh(); }
  }
  function refresh() {
    if (waiting) { again = true; return; }
    waiting = true;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return done();
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var now = fresh.getElementById("live");
          var old = document.getElementById("live");
          // Keep open <details> open across the swap.
          var open = Array.prototype.map.call(old.querySelectorAll("details[open]"), function (d) {
            var row = d.closest("tr");
            return row ? row.getAttribute("data-id") : null;
          });
          // Keep what the user is typing (and where) across the swap.
          var typed = Array.prototype.filter.call(old.querySelectorAll("input[id]"), function (i) {
            return i.value !== i.defaultValue;
          });
          var focused = document.activeElement && old.contains(document.activeElement)
            ? document.activeElement.id : null;
          if (!now || !old) return done();
          old.replaceWith(now);
          typed.forEach(function (i) {
            var twin = document.getElementById(i.id);
            if (twin) twin.value = i.value;
          });
          if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
          open.forEach(function (id) {
            if (!id) return;
            var d = document.querySelector('tr[data-id="' + id + '"] details');
            if (d) d.open = true;
          });
          var clock = fresh.getElementById("clock");
          if (clock) document.getElementById("clock").textContent = clock.textContent;
          done();
        })
        .catch(done);
    }, 200);
  }
  var source = new EventSource(url);
  source.onmessage = refresh;
  // What happened between rendering the page and the stream opening: fetch once.
  source.onopen = refresh;
})();
