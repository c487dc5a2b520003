// Live updates without a build step: the server says that something happened; the page
// fetches itself again and swaps its <main>, rendered and escaped by the server.
"use strict";
(function () {
  var url = document.body.getAttribute("data-live");
  if (!url || !window.EventSource || !window.fetch) return;
  var waiting = false;
  function refresh() {
    if (waiting) return;
    waiting = true;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          waiting = false;
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var now = fresh.getElementById("live");
          var old = document.getElementById("live");
          // Keep open <details> open across the swap.
          var open = Array.prototype.map.call(old.querySelectorAll("details[open]"), function (d) {
            var row = d.closest("tr");
            return row ? row.getAttribute("data-id") : null;
          });
          if (now && old) old.replaceWith(now);
          open.forEach(function (id) {
            if (!id) return;
            var d = document.querySelector('tr[data-id="' + id + '"] details');
            if (d) d.open = true;
          });
          var clock = fresh.getElementById("clock");
          if (clock) document.getElementById("clock").textContent = clock.textContent;
        })
        .catch(function () { waiting = false; });
    }, 200);
  }
  var source = new EventSource(url);
  source.onmessage = refresh;
})();
