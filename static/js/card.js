/* Member card: show the QR code of the current minute by the phone's clock.
   The page carries the counter URLs of the next hour or so, so it works with no signal; each
   is drawn here (qrcode-generator, loaded before this script) when its minute comes. The
   service worker (sw.js) keeps the page and its scripts for offline visits. */
(function () {
  "use strict";
  var card = document.querySelector("[data-step-seconds]");
  if (!card) return;
  var stepSeconds = parseInt(card.getAttribute("data-step-seconds"), 10) || 60;
  var codes = Array.prototype.slice.call(card.querySelectorAll(".qr[data-step]"));
  var stale = card.querySelector(".qr-stale");
  var lastStep = codes.length ? parseInt(codes[codes.length - 1].getAttribute("data-step"), 10) : 0;
  var refreshing = false;
  var SVG = "http://www.w3.org/2000/svg";
  var BORDER = 2; // quiet zone, in modules

  // One stroked path, a segment per horizontal run of dark modules: a small, crisp SVG.
  function draw(el) {
    if (el.firstChild || !window.qrcode) return;
    var qr = window.qrcode(0, "M");
    qr.addData(el.getAttribute("data-payload"));
    qr.make();
    var count = qr.getModuleCount();
    var size = count + 2 * BORDER;
    var d = [];
    for (var row = 0; row < count; row++) {
      var col = 0, pen = null;
      while (col < count) {
        if (!qr.isDark(row, col)) { col++; continue; }
        var start = col;
        while (col < count && qr.isDark(row, col)) col++;
        // Absolute move at the start of a row, then relative moves along it.
        d.push(pen === null
          ? "M" + (start + BORDER) + " " + (row + BORDER) + ".5h" + (col - start)
          : "m" + (start - pen) + " 0h" + (col - start));
        pen = col;
      }
    }
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("shape-rendering", "crispEdges");
    svg.setAttribute("role", "img");
    var background = document.createElementNS(SVG, "rect");
    background.setAttribute("width", size);
    background.setAttribute("height", size);
    background.setAttribute("fill", "#fff");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("stroke", "#000");
    path.setAttribute("d", d.join(""));
    svg.appendChild(background);
    svg.appendChild(path);
    el.appendChild(svg);
  }

  function show() {
    var step = Math.floor(Date.now() / 1000 / stepSeconds);
    var found = false;
    codes.forEach(function (el) {
      var match = parseInt(el.getAttribute("data-step"), 10) === step;
      if (match) draw(el);
      el.hidden = !match;
      found = found || match;
    });
    if (stale) stale.hidden = found;
    // Online and running low on codes: fetch a fresh page (the worker caches it again).
    // At most one try a minute, so a phone that thinks it is online cannot loop.
    if (!refreshing && navigator.onLine && lastStep - step < 15) {
      var tried = parseInt(window.sessionStorage.getItem("card-refresh") || "0", 10);
      if (Date.now() - tried > 60000) {
        refreshing = true;
        window.sessionStorage.setItem("card-refresh", String(Date.now()));
        window.location.reload();
      }
    }
  }

  show();
  window.setInterval(show, 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) show(); });

  if ("serviceWorker" in navigator && window.caches) {
    var swUrl = card.getAttribute("data-sw-url");
    navigator.serviceWorker.register(swUrl, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // Store this very page and what it needs, so it opens with no network next time.
      var assets = [window.location.pathname];
      document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach(function (el) {
        assets.push(el.getAttribute("href") || el.getAttribute("src"));
      });
      return caches.open("member-card-v1").then(function (cache) {
        return cache.addAll(assets);
      });
    }).then(function () {
      card.setAttribute("data-offline-ready", "1");
    }).catch(function () { /* offline support is a bonus: the card still works online */ });
  }
})();
