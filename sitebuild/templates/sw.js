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
// The part of it a page served over http(s) uses (not the base64 copies for file://): what is stored ahead of use.
var servedRuntimeURLs = __RUNTIME_SERVED__.map(function (f) { return new URL(f, scopeURL).href; });
var runtimeDir = new URL("assets/pyodide/", scopeURL).href;
// "Keep everything offline" (docs/assets/keep-offline.js): [address, bytes] of every file it stores,
// and the marker written once all of them are in this build's cache.
var KEEP = __KEEP__;
var KEEP_MARKER = new URL("__keep-everything__", scopeURL).href;
// Written when this build installs over an earlier build that had everything kept, until this one has.
var KEEP_WANTED = new URL("__keep-everything-wanted__", scopeURL).href;

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
  if (!/\.js$/.test(new URL(url).pathname)) {
    // A raw file (the wasm, the loader modules): its address names the start of its SHA-256.
    return response.clone().arrayBuffer().then(function (bytes) {
      return crypto.subtle.digest("SHA-256", bytes);
    }).then(function (digest) {
      var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      }).join("");
      return hex.slice(0, version.length) === version;
    });
  }
  return response.clone().text().then(function (text) {
    return text.slice(-200).indexOf('] = "' + version + '";') >= 0;
  });
}

function withoutQuery(url) {
  return url.split("?")[0];
}

/* Stores this build's runtime files at `urls` that this build's cache does not hold yet, each checked to be the
 * version its address names: copied from any cache that holds that address, else downloaded with `download`.
 * A file already held is left alone: it was checked when stored, and storing it again would cost every visit
 * a rewrite of megabytes and drop the compiled code the browser keeps beside a cached script. */
function storeRuntime(cache, urls, download) {
  return Promise.all(urls.map(function (url) {
    return cache.match(url).then(function (held) {
      if (held) return;
      return caches.match(url).then(function (hit) {
        return hit || download(url);
      }).then(function (response) {
        return isVersion(url, response).then(function (right) {
          if (!right) throw new Error(url + " is not the version its address names");
          return cache.put(url, response);
        });
      });
    });
  }));
}

/* If an earlier build's cache held the runtime (a calculator was used), store this build's runtime
 * too: unchanged files are copied (same hashed address, same bytes), changed ones downloaded. */
function carryRuntime(cache) {
  return caches.keys().then(function (names) {
    var old = names.filter(function (n) { return n.indexOf("oamt-") === 0 && n !== CACHE; });
    return Promise.all(old.map(function (n) {
      return caches.open(n).then(function (c) { return c.keys(); }).then(function (reqs) {
        return reqs.filter(function (r) { return r.url.indexOf(runtimeDir) === 0; })
          .map(function (r) { return withoutQuery(r.url); });
      });
    })).then(function (held) {
      if (![].concat.apply([], held).length) return;
      return storeRuntime(cache, servedRuntimeURLs, fresh);
    });
  }).catch(function () {
    // Not stored: the pages say so when read offline (docs/assets/offline.js); a calculator used
    // with a connection stores it.
  });
}

/* ---- Keep everything offline ---- */

/* Store one file of KEEP in this build's cache (if it is not there yet); resolves to its size. */
function keepOne(cache, rel) {
  var url = new URL(rel, scopeURL).href;
  var isRuntime = url.indexOf(runtimeDir) === 0;
  return cache.match(url).then(function (hit) {
    if (hit) return hit.blob().then(function (b) { return b.size; });
    return fresh(url).then(function (response) {
      return (isRuntime ? isVersion(url, response) : Promise.resolve(true)).then(function (right) {
        if (!right) throw new Error(rel + " on the server is not this version's file");
        return Promise.all([cache.put(url, response.clone()), response.blob()]);
      }).then(function (done) { return done[1].size; });
    });
  });
}

/* The marker, if every file of KEEP is in the cache: it names the build and the bytes stored. */
function markKept(cache) {
  return Promise.all(KEEP.map(function (entry) {
    return cache.match(new URL(entry[0], scopeURL).href).then(function (hit) {
      if (!hit) throw new Error(entry[0] + " is not stored");
      return hit.blob().then(function (b) { return b.size; });
    });
  })).then(function (sizes) {
    var info = {build: BUILD, version: VERSION, files: sizes.length,
                bytes: sizes.reduce(function (a, b) { return a + b; }, 0), stored: new Date().toISOString()};
    return cache.put(KEEP_MARKER, new Response(JSON.stringify(info), {headers: {"Content-Type": "application/json"}}))
      .then(function () { return cache.delete(KEEP_WANTED); })
      .then(function () { return info; });
  });
}

/* If the reader kept everything of an earlier build, keep everything of this one too (before it
 * takes over, so the copy on the device is never half of each). If that fails, no marker: the page
 * says the copy needs refreshing and stores the rest. */
function carryEverything(cache) {
  return caches.keys().then(function (names) {
    var old = names.filter(function (n) { return n.indexOf("oamt-") === 0 && n !== CACHE; });
    return Promise.all(old.map(function (n) {
      return caches.open(n).then(function (c) { return c.match(KEEP_MARKER); });
    }));
  }).then(function (markers) {
    var earlier = markers.filter(Boolean)[0];
    if (!earlier) return;
    return earlier.text().then(function (text) {
      return cache.put(KEEP_WANTED, new Response(text, {headers: {"Content-Type": "application/json"}}));
    }).then(function () {
      return KEEP.reduce(function (chain, entry) {
        return chain.then(function () { return keepOne(cache, entry[0]); });
      }, Promise.resolve());
    }).then(function () { return markKept(cache); });
  }).catch(function () {});
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // cache: "reload" skips the browser's HTTP cache, which may still hold the previous version's pages.
    return cache.addAll(FILES.map(function (f) { return new Request(new URL(f, scopeURL).href, {cache: "reload"}); }))
      .then(function () { return carryRuntime(cache); })
      .then(function () { return carryEverything(cache); });
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
    event.ports[0].postMessage({build: BUILD, version: VERSION, cache: CACHE, runtime: RUNTIME,
                                keep: KEEP, marker: KEEP_MARKER, wanted: KEEP_WANTED});
  }
  // A calculator page of this build started its runtime (docs/assets/calculator.js), maybe before
  // this worker controlled it: store the runtime, the files it used first. Their addresses are
  // content-hashed, so the browser's HTTP cache may answer.
  if (event.data && event.data.type === "store-runtime" && Array.isArray(event.data.urls)) {
    var used = runtimeURLs.filter(function (url) { return event.data.urls.indexOf(url) >= 0; });
    var rest = servedRuntimeURLs.filter(function (url) { return used.indexOf(url) < 0; });
    var download = function (url) { return fetch(new Request(url, {credentials: "same-origin"})); };
    if (used.length) {
      event.waitUntil(caches.open(CACHE).then(function (cache) {
        return storeRuntime(cache, used, download).then(function () { return storeRuntime(cache, rest, download); });
      }).catch(function () {}));
    }
  }
  // "Keep everything offline": the page asks for each file in turn, then for the marker.
  var port = event.ports[0];
  if (event.data && event.data.type === "keep-one" && port) {
    event.waitUntil(caches.open(CACHE).then(function (cache) { return keepOne(cache, event.data.file); })
      .then(function (bytes) { port.postMessage({ok: true, build: BUILD, bytes: bytes}); },
            function (e) { port.postMessage({ok: false, build: BUILD, error: String(e && e.message || e)}); }));
  }
  if (event.data && event.data.type === "keep-done" && port) {
    event.waitUntil(caches.open(CACHE).then(markKept)
      .then(function (info) { port.postMessage({ok: true, build: BUILD, info: info}); },
            function (e) { port.postMessage({ok: false, build: BUILD, error: String(e && e.message || e)}); }));
  }
});

/* The answer to a GET of this site: from this build's cache, else from the network (storing what it should). */
function answer(request) {
  var url = new URL(request.url);
  var isRuntime = request.url.indexOf(runtimeDir) === 0;
  return caches.open(CACHE).then(function (cache) {
    // The runtime by its exact (content-hashed) address; pages whatever their query. The exact address is tried
    // first: a match that ignores the query reads every entry of the cache, which holds the whole handbook.
    return cache.match(request).then(function (hit) {
      if (hit || isRuntime || !url.search) return hit;
      return cache.match(request, {ignoreSearch: true});
    }).then(function (hit) {
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
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(answer(request));
});
