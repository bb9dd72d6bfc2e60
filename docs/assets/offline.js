/* Offline behaviour shared by every page:
 * - on a hosted copy (http/https), register the service worker that caches the site;
 * - say when the page is being read offline;
 * - on any copy older than FRESH_DAYS, say gently where to find a newer one. */
(function () {
  "use strict";
  var FRESH_DAYS = 180;

  function footerData() {
    return document.querySelector(".handbook-footer__version");
  }

  function notice(id, text, kind) {
    var existing = document.getElementById(id);
    if (existing) { existing.textContent = text; return; }
    var box = document.createElement("div");
    box.id = id;
    box.className = "handbook-notice handbook-notice--" + kind;
    box.setAttribute("role", "status");
    box.textContent = text;
    var main = document.querySelector(".md-content__inner") || document.body;
    main.insertBefore(box, main.firstChild);
  }

  function showOfflineState() {
    var el = document.getElementById("handbook-offline");
    if (!navigator.onLine) {
      notice("handbook-offline", "You are offline. This page and the calculators come from the copy saved on " +
        "this device, version " + (footerData() ? footerData().dataset.version : "") + ".", "offline");
    } else if (el) {
      el.remove();
    }
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

  if ("serviceWorker" in navigator && /^https?:$/.test(location.protocol)) {
    var root = document.querySelector("script[src$='assets/offline.js']");
    var swURL = root ? new URL("../sw.js", root.src) : null;
    if (swURL) navigator.serviceWorker.register(swURL.href, {scope: new URL("./", swURL).href}).catch(function () {});
  }
  window.addEventListener("online", showOfflineState);
  window.addEventListener("offline", showOfflineState);
  document.addEventListener("DOMContentLoaded", function () { showOfflineState(); checkFreshness(); });
})();
