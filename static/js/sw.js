/* Service worker for the member card: the card page opens with no network once loaded.
   Network first for the card page (fresh codes when there is signal), falling back to the
   copy card.js stored in the cache; static files of the card from the cache when offline.
   Logging out forgets the stored card (a shared phone must not keep someone's card). */
"use strict";
var CACHE = "member-card-v1";
var CARD_PATH = /\/me\/card\/$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname.indexOf("/accounts/logout") !== -1) {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (CARD_PATH.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(url.pathname); })
        .then(function (cached) { return cached || Response.error(); });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(url.pathname); })
        .then(function (cached) { return cached || Response.error(); });
    }));
  }
});
