/* Service worker of the hosted handbook (written at build time by sitebuild/service_worker.py).
 * After one visit, every page and the search work with no connection; the calculator runtime is
 * cached the first time a calculator starts, so pages without a calculator never download it.
 * Files are cached under the build's id, so a new deployment gets a new cache: every file it stores
 * is fetched past the browser's HTTP cache (cache: "reload") or by a content-hashed address (the
 * runtime), so a new build's cache never holds a previous build's file. */
"use strict";
var CACHE = __CACHE_NAME__;
var BUILD = __BUILD__;
var VERSION = __VERSION__;
var FILES = __FILES__;
var RUNTIME = __RUNTIME__; // this build's runtime scripts, each at its content-hashed address
var scopeURL = new URL("./", self.location.href);
var runtimeURLs = RUNTIME.map(function (f) { return new URL(f, scopeURL).href; });
var runtimeDir = new URL("assets/pyodide/", scopeURL).href;

function fresh(url) {
  return fetch(new Request(url, {cache: "reload", credentials: "same-origin"})).then(function (response) {
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response;
  });
}

/* A runtime file is stored only if it is the version its address names: each ends by recording its
 * own content hash, the ?v= of its address (sitebuild/pyodide_embed.py). A server that already holds
 * another build answers an earlier build's address with the wrong file: that is never stored. */
function isVersion(url, response) {
  var version = new URL(url).searchParams.get("v");
  if (!response.ok || !version) return Promise.resolve(false);
  return response.clone().text().then(function (text) {
    return text.slice(-200).indexOf('] = "' + version + '";') >= 0;
  });
}

/* If an earlier build's cache held the runtime (a calculator was used), store this build's runtime
 * too: unchanged files are copied (same hashed address, same bytes), changed ones downloaded. */
function carryRuntime(cache) {
  return caches.keys().then(function (names) {
    var old = names.filter(function (n) { return n.indexOf("oamt-") === 0 && n !== CACHE; });
    return Promise.all(old.map(function (n) {
      return caches.open(n).then(function (c) { return c.keys(); }).then(function (reqs) {
        return reqs.some(function (r) { return r.url.indexOf(runtimeDir) === 0; }) ? n : null;
      });
    })).then(function (held) {
      held = held.filter(Boolean);
      if (!held.length) return;
      return Promise.all(runtimeURLs.map(function (url) {
        return caches.match(url).then(function (hit) {
          return hit || fresh(url);
        }).then(function (response) {
          return isVersion(url, response).then(function (right) {
            if (!right) throw new Error(url + " is not the version its address names");
            return cache.put(url, response);
          });
        });
      }));
    });
  }).catch(function () {
    // Not stored: the pages say so when read offline (docs/assets/offline.js); a calculator used
    // with a connection stores it.
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // cache: "reload" skips the browser's HTTP cache, which may still hold the previous version's pages.
    return cache.addAll(FILES.map(function (f) { return new Request(new URL(f, scopeURL).href, {cache: "reload"}); }))
      .then(function () { return carryRuntime(cache); });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("oamt-") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// A page asks which build this worker serves (docs/assets/offline.js): a page of another build is
// told a newer version is ready.
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "build" && event.ports[0]) {
    event.ports[0].postMessage({build: BUILD, version: VERSION, cache: CACHE, runtime: RUNTIME});
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  var isRuntime = request.url.indexOf(runtimeDir) === 0;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    // The runtime by its exact (content-hashed) address; pages whatever their query.
    return cache.match(request, {ignoreSearch: !isRuntime}).then(function (hit) {
      if (hit) return hit;
      if (isRuntime) {
        // Only this build's runtime is stored; another address (a page of an earlier build still
        // open) goes to the network, and the page checks what it gets.
        if (runtimeURLs.indexOf(request.url) < 0) return fetch(request);
        return fetch(new Request(request.url, {cache: "reload", credentials: "same-origin"})).then(function (response) {
          return isVersion(request.url, response).then(function (right) {
            if (right) cache.put(request.url, response.clone());
            return response;
          });
        });
      }
      var network = request.mode === "navigate" ? fetch(request)
        : fetch(new Request(request.url, {cache: "reload", credentials: "same-origin"}));
      return network.then(function (response) {
        if (response.ok && request.mode !== "navigate") cache.put(request, response.clone());
        return response;
      }).catch(function () {
        // Offline and not cached: a directory URL may be cached as its index.html.
        if (url.pathname.endsWith("/")) return cache.match(url.href + "index.html");
        return Response.error();
      });
    });
  }));
});
