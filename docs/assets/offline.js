/* Offline behaviour shared by every page:
 * - on a hosted copy (http/https), register the service worker that caches the site, and say when
 *   a newer version than the page on screen is ready, with a button that reloads into it;
 * - say when the page is being read offline, and whether the calculators work offline;
 * - on any copy older than FRESH_DAYS, say gently where to find a newer one;
 * - on a hosted copy's page with a "Keep everything offline" box, load docs/assets/keep-offline.js. */
(function () {
  "use strict";
  var FRESH_DAYS = 180;
  var hosted = "serviceWorker" in navigator && /^https?:$/.test(location.protocol);
  var root = document.querySelector("script[src*='assets/offline.js']");

  function footerData() {
    return document.querySelector(".handbook-footer__version");
  }

  function pageBuild() {
    var meta = document.querySelector('meta[name="oamt-build"]');
    return meta ? meta.content : "";
  }

  function notice(id, text, kind) {
    var existing = document.getElementById(id);
    if (existing) { existing.firstChild.textContent = text; return existing; }
    var box = document.createElement("div");
    box.id = id;
    box.className = "handbook-notice handbook-notice--" + kind;
    box.setAttribute("role", "status");
    box.appendChild(document.createTextNode(text));
    var main = document.querySelector(".md-content__inner") || document.body;
    main.insertBefore(box, main.firstChild);
    return box;
  }

  /* The calculators' runtime files this build names, at their content-hashed addresses. */
  function runtimeURLs() {
    var form = document.querySelector("form[data-runtime-scripts]");
    if (form) {
      var base = new URL(form.dataset.runtime, document.baseURI);
      return form.dataset.runtimeScripts.split(/\s+/).filter(Boolean).map(function (n) { return new URL(n, base).href; });
    }
    return null; // a page without a calculator: the service worker knows the list
  }

  /* Whether this build's calculator runtime is stored on this device (hosted copies only). */
  function runtimeStored() {
    if (!hosted || !window.caches) return Promise.resolve(true);
    var cacheName = "oamt-" + pageBuild();
    return caches.has(cacheName).then(function (has) {
      if (!has) return false;
      var urls = runtimeURLs();
      var list = urls ? Promise.resolve(urls) : askWorker().then(function (info) {
        return info ? info.runtime.map(function (f) { return new URL(f, swScope()).href; }) : [];
      });
      return list.then(function (all) {
        // A hosted copy uses the site's raw runtime files; the base64 scripts are for a copy opened from disk.
        all = all.filter(function (u) { return !/\.b64\.js(\?|$)/.test(u); });
        if (!all.length) return false;
        return caches.open(cacheName).then(function (cache) {
          return Promise.all(all.map(function (u) { return cache.match(u); }));
        }).then(function (hits) { return hits.every(Boolean); });
      });
    }).catch(function () { return false; });
  }

  function showOfflineState() {
    var el = document.getElementById("handbook-offline");
    if (navigator.onLine) {
      if (el) el.remove();
      return;
    }
    var version = footerData() ? footerData().dataset.version : "";
    runtimeStored().then(function (stored) {
      if (navigator.onLine) return;
      var box = notice("handbook-offline", stored
        ? "You are offline. This page and the calculators come from the copy saved on this device, version " +
          version + "."
        : "You are offline. This page comes from the copy saved on this device, version " + version +
          ". The calculators are not saved on this device for this version: they will not work until you " +
          "open a calculator once with a connection, or press \"Keep everything offline\" on the page " +
          "\"Using this handbook offline\".", "offline");
      box.dataset.calculatorsOffline = stored ? "yes" : "no";
    });
  }

  function checkFreshness() {
    var footer = footerData();
    if (!footer || !footer.dataset.built) return;
    var built = new Date(footer.dataset.built + "T00:00:00Z");
    var ageDays = Math.floor((Date.now() - built.getTime()) / 86400000);
    if (ageDays > FRESH_DAYS) {
      var where = footer.dataset.updates || "the organisation that gave you this copy";
      notice("handbook-stale", "This copy was built " + ageDays + " days ago (" + footer.dataset.built +
        "). Guidance may have changed: get a newer copy from " + where + ".", "stale");
    }
  }

  /* ---- updates: a page of one build under a service worker of another ---- */

  function swScope() {
    return root ? new URL("../", root.src).href : new URL("./", location.href).href;
  }

  function askWorker() {
    var controller = navigator.serviceWorker.controller;
    if (!controller) return Promise.resolve(null);
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      var timer = setTimeout(function () { resolve(null); }, 5000);
      channel.port1.onmessage = function (event) { clearTimeout(timer); resolve(event.data); };
      controller.postMessage({type: "build"}, [channel.port2]);
    });
  }

  function showUpdateReady(info) {
    if (document.getElementById("handbook-update")) return;
    var box = notice("handbook-update", "A newer version of this handbook (" + info.version + ", build " +
      info.build + ") is ready. This page is from the copy you saw before (build " + pageBuild() +
      "): reload to see the new version of every page and calculator. ", "update");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "md-button md-button--primary";
    button.textContent = "Reload";
    button.addEventListener("click", function () { location.reload(); });
    box.appendChild(button);
    box.dataset.build = info.build;
  }

  function checkController() {
    return askWorker().then(function (info) {
      if (info && info.build && pageBuild() && info.build !== pageBuild()) showUpdateReady(info);
    });
  }

  var registered = false;
  function register() {
    if (registered) return;
    registered = true;
    var swURL = new URL("../sw.js", root.src);
    navigator.serviceWorker.register(swURL.href, {scope: new URL("./", swURL).href}).then(function (reg) {
      // A newer build found while this page is open: say so once it has taken over.
      reg.addEventListener("updatefound", function () {
        var installing = reg.installing;
        if (!installing || !navigator.serviceWorker.controller) return; // the first install is no update
        installing.addEventListener("statechange", function () {
          if (installing.state === "activated") checkController();
        });
      });
    }).catch(function () {});
  }

  if (hosted && root) {
    // On a calculator page, once its runtime has booted and a shared link's answer is shown (calculator.js says
    // so): a first install downloads the whole handbook, and an update check fetches sw.js, both of which would
    // share the cores with the runtime's boot. At the latest after half a minute, in case the calculator never
    // starts. Every other page registers at once.
    if (document.querySelector("script[data-runtime]") && !window.__calculatorRuntimeSettled) {
      document.addEventListener("calculator-runtime-settled", register);
      setTimeout(register, 30000);
    } else {
      register();
    }
    navigator.serviceWorker.addEventListener("controllerchange", checkController);
    // The page may have come from an earlier build's cache after the new build took over already.
    checkController();
  }
  /* The "Keep everything offline" box (docs/assets/keep-offline.js), on the pages that have one, on
   * hosted copies: a copy opened from disk keeps the box's own words (the folder is the offline copy). */
  function loadKeepOffline() {
    if (!root || !/^https?:$/.test(location.protocol) || !document.querySelector("[data-keep-offline]")) return;
    var script = document.createElement("script");
    script.src = new URL("keep-offline.js", root.src).href;
    document.body.appendChild(script);
  }

  window.addEventListener("online", showOfflineState);
  window.addEventListener("offline", showOfflineState);
  document.addEventListener("DOMContentLoaded", function () { showOfflineState(); checkFreshness(); loadKeepOffline(); });
})();
