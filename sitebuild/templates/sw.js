/* Service worker of the hosted handbook (written at build time by sitebuild/service_worker.py).
 * After one visit, every page and the search work with no connection; the calculator runtime is
 * cached the first time a calculator starts, so pages without a calculator never download it.
 * Files are cached under a name that changes with every deployment. */
"use strict";
var CACHE = __CACHE_NAME__;
var FILES = __FILES__;
var scopeURL = new URL("./", self.location.href);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // cache: "reload" skips the browser's HTTP cache, which may still hold the previous version's pages.
    return cache.addAll(FILES.map(function (f) { return new Request(new URL(f, scopeURL).href, {cache: "reload"}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("oamt-") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(request, {ignoreSearch: true}).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone()); // the runtime, on first use
        return response;
      }).catch(function () {
        // Offline and not cached: a directory URL may be cached as its index.html.
        var url = new URL(request.url);
        if (url.pathname.endsWith("/")) return cache.match(url.href + "index.html");
        return Response.error();
      });
    });
  }));
});
