/* Member card: show the QR code of the current minute by the phone's clock.
   The page carries the codes of the next hour or so, so it works with no signal; the
   service worker (sw.js) keeps the page itself for offline visits. */
(function () {
  "use strict";
  var card = document.querySelector("[data-step-seconds]");
  if (!card) return;
  var stepSeconds = parseInt(card.getAttribute("data-step-seconds"), 10) || 60;
  var codes = Array.prototype.slice.call(card.querySelectorAll(".qr[data-step]"));
  var stale = card.querySelector(".qr-stale");
  var lastStep = codes.length ? parseInt(codes[codes.length - 1].getAttribute("data-step"), 10) : 0;
  var refreshing = false;

  function show() {
    var step = Math.floor(Date.now() / 1000 / stepSeconds);
    var found = false;
    codes.forEach(function (el) {
      var match = parseInt(el.getAttribute("data-step"), 10) === step;
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
