/* "Keep everything offline": the box that `<!-- keep-offline -->` puts on a page (sitebuild/manifest.py),
 * loaded by docs/assets/offline.js on hosted copies only.
 *
 * The service worker (sw.js, sitebuild/service_worker.py) lists everything there is to keep — every
 * page and file, the PDFs, the calculators' runtime — with each file's size. This box shows the total
 * before anything starts; on "Keep everything offline" it asks the browser to protect the storage
 * (navigator.storage.persist()) and shows the answer, then asks the worker to store each file in turn,
 * with a progress bar in files and megabytes and a Cancel button. Only when every file is stored does
 * the worker write a marker naming the build: so the status below is read from the cache itself
 * (what is stored now, for which version), never from what this page remembers, and a cancelled or
 * failed run never counts as complete.
 *
 * After an update the new build's worker stores everything again before it takes over; if that did
 * not finish, the box says the copy needs refreshing and, with a connection, finishes it. */
(function () {
  "use strict";
  var box = document.querySelector("[data-keep-offline]");
  if (!box || box.dataset.keepOfflineReady) return;
  box.dataset.keepOfflineReady = "yes";
  var hosted = /^https?:$/.test(location.protocol);
  var supported = hosted && "serviceWorker" in navigator && "caches" in window;

  function mb(bytes) { return (bytes / 1e6).toFixed(1) + " MB"; }
  function roughly(bytes) { return bytes >= 1e9 ? (bytes / 1e9).toFixed(1) + " GB" : mb(bytes); }
  // The theme's buttons set their own display, which the hidden attribute alone does not override.
  function show(e, shown) { e.hidden = !shown; e.style.display = shown ? "" : "none"; }
  function sum(list) { return list.reduce(function (a, e) { return a + e[1]; }, 0); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  var explain = box.querySelector("[data-keep-offline-file]");
  if (!supported) {
    box.dataset.state = hosted ? "unsupported" : "file";
    if (hosted && explain) {
      explain.textContent = "This browser cannot store the handbook for use offline (it may be in a private " +
        "window, or have site storage turned off). Download the zip of the handbook instead: see " +
        "\"A copy on your computer or a USB stick\".";
    }
    return;
  }
  if (explain) explain.hidden = true;

  /* ---- the box ---- */
  var status = el("p", "keep-offline__status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.dataset.keepStatus = "";
  status.style.fontWeight = "bold";
  var total = el("p", "keep-offline__total");
  total.dataset.keepTotal = "";
  var progressRow = el("div", "keep-offline__progress");
  show(progressRow, false);
  var bar = el("progress");
  bar.style.width = "100%";
  bar.style.accentColor = "var(--md-primary-fg-color)";
  bar.id = "keep-offline-progress";
  var barLabel = el("label", "keep-offline__progress-text");
  barLabel.htmlFor = bar.id;
  barLabel.dataset.keepProgress = "";
  progressRow.appendChild(barLabel);
  progressRow.appendChild(bar);
  var buttons = el("p", "keep-offline__buttons");
  var start = el("button", "md-button md-button--primary", "Keep everything offline");
  start.type = "button";
  start.dataset.keepStart = "";
  var cancel = el("button", "md-button", "Cancel");
  cancel.type = "button";
  cancel.dataset.keepCancel = "";
  show(cancel, false);
  buttons.appendChild(start);
  buttons.appendChild(document.createTextNode(" "));
  buttons.appendChild(cancel);
  var persistLine = el("p", "keep-offline__persist");
  persistLine.dataset.keepPersist = "";
  var storageLine = el("p", "keep-offline__storage");
  storageLine.dataset.keepStorage = "";
  [status, total, progressRow, buttons, persistLine, storageLine].forEach(function (e) { box.appendChild(e); });

  function say(state, text) {
    box.dataset.state = state;
    status.textContent = text;
  }

  /* ---- the service worker ---- */
  function controller() {
    if (navigator.serviceWorker.controller) return Promise.resolve(navigator.serviceWorker.controller);
    return new Promise(function (resolve) {
      navigator.serviceWorker.addEventListener("controllerchange", function once() {
        navigator.serviceWorker.removeEventListener("controllerchange", once);
        resolve(navigator.serviceWorker.controller);
      });
    });
  }

  /* A question to the worker. Storing one file may take minutes on a slow connection: only the
   * question of which build it serves has a time limit. */
  function ask(message) {
    var answer = controller().then(function (worker) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        worker.postMessage(message, [channel.port2]);
      });
    });
    if (message.type !== "build") return answer;
    return Promise.race([answer, new Promise(function (resolve, reject) {
      setTimeout(function () { reject(new Error("no answer")); }, 10000);
    })]);
  }

  /* What is stored now, read from the cache: {info, present: [[address, bytes]…], marker, wanted}.
   * `wanted`: this build installed over one that had everything kept, and has not all of it yet. */
  function stored() {
    return ask({type: "build"}).then(function (info) {
      var scope = new URL("./", info.marker).href;
      function json(response) { return response ? response.json().catch(function () { return null; }) : null; }
      return caches.open(info.cache).then(function (cache) {
        return Promise.all([cache.keys(), cache.match(info.marker), cache.match(info.wanted)]);
      }).then(function (got) {
        var urls = {};
        got[0].forEach(function (r) { urls[r.url] = true; });
        var present = info.keep.filter(function (e) { return urls[new URL(e[0], scope).href]; });
        return Promise.all([json(got[1]), json(got[2])]).then(function (read) {
          var marker = read[0];
          return {info: info, scope: scope, present: present, wanted: read[1],
                  marker: marker && marker.build === info.build && present.length === info.keep.length ? marker : null};
        });
      });
    });
  }

  function forget(info) {
    return caches.open(info.cache).then(function (cache) { return cache.delete(info.wanted); }).catch(function () {});
  }

  /* ---- storage: estimate and persistence ---- */
  function showEstimate() {
    if (!navigator.storage || !navigator.storage.estimate) {
      storageLine.textContent = "This browser does not say how much storage it gives this site.";
      return Promise.resolve();
    }
    return navigator.storage.estimate().then(function (e) {
      storageLine.dataset.usage = e.usage;
      storageLine.dataset.quota = e.quota;
      storageLine.textContent = "Storage this browser uses for this site: " + mb(e.usage || 0) +
        "; about " + roughly(Math.max(0, (e.quota || 0) - (e.usage || 0))) + " more is available to it.";
    }).catch(function () {});
  }

  function showPersisted(granted, asked) {
    persistLine.dataset.persisted = granted ? "yes" : "no";
    persistLine.textContent = granted
      ? "The browser agreed to keep this storage: it will not clear it to make space."
      : (asked ? "The browser did not agree to keep this storage for good: " : "This storage is not protected yet: ") +
        "if the device runs short of space, the browser may clear it. Installing the handbook as an app " +
        "often makes the browser agree. Check this box before you go somewhere with no connection.";
  }

  function askPersist() {
    if (!navigator.storage || !navigator.storage.persist) {
      persistLine.dataset.persisted = "unknown";
      persistLine.textContent = "This browser cannot be asked to keep this storage; it may clear it if space runs short.";
      return Promise.resolve();
    }
    return navigator.storage.persist().then(function (granted) { showPersisted(granted, true); },
                                            function () { showPersisted(false, true); });
  }

  /* ---- status ---- */
  var job = null;

  function describe(now) {
    var info = now.info;
    var all = sum(info.keep);
    total.textContent = "In all: " + info.keep.length + " files, " + mb(all) +
      ", with every page, the search, the job aids, the calculators with the runtime they need" +
      (info.keep.some(function (e) { return /^pdf\//.test(e[0]); }) ? ", and the PDFs" : "") + ".";
    total.dataset.files = info.keep.length;
    total.dataset.bytes = all;
    var wanted = now.wanted;
    if (now.marker) {
      box.dataset.build = info.build;
      box.dataset.bytes = now.marker.bytes;
      say("complete", "Everything is available offline: " + mb(now.marker.bytes) + ", version " + info.version +
        " (build " + info.build + "), stored on " + now.marker.stored.slice(0, 10) + ".");
      start.textContent = "Check again";
      return false;
    }
    start.textContent = "Keep everything offline";
    var part = now.present.length + " of " + info.keep.length + " files (" + mb(sum(now.present)) + " of " + mb(all) + ")";
    if (wanted) {
      say("refresh", (wanted.build !== info.build
        ? "Everything was kept offline for version " + wanted.version + " (build " + wanted.build + "). The handbook has " +
          "been updated to version " + info.version + " (build " + info.build + "), and not all of it is stored yet: "
        : "Everything was kept offline for this version, but not all of it is stored now: ") +
        "it needs refreshing. Stored now: " + part + "." +
        (navigator.onLine ? "" : " Connect to the internet to finish."));
      return navigator.onLine; // finish it now
    }
    say("partial", "Stored on this device now, for version " + info.version + " (build " + info.build + "): " + part +
      ". " + (now.present.some(function (e) { return /^assets\/pyodide\//.test(e[0]); })
        ? "" : "The calculators will not work offline until they are stored. ") +
      "Keep everything offline stores the rest: " + mb(all - sum(now.present)) + ".");
    return false;
  }

  function refresh() {
    if (job) return Promise.resolve();
    return stored().then(function (now) {
      var resume = describe(now);
      showEstimate();
      if (resume) run(true);
    }).catch(function () {
      say("waiting", "The handbook is still being saved on this device. This box will show what is stored in a moment.");
      setTimeout(refresh, 3000);
    });
  }

  /* ---- keeping everything ---- */
  function showProgress(doneFiles, files, doneBytes, bytes) {
    var pct = bytes ? Math.floor(100 * doneBytes / bytes) : 100;
    if (doneFiles === files) pct = 100;
    bar.max = bytes || 1;
    bar.value = Math.min(doneBytes, bytes);
    progressRow.dataset.percent = pct;
    barLabel.textContent = doneFiles + " of " + files + " files, " + mb(doneBytes) + " of " + mb(bytes) + " (" + pct + " %)";
  }

  /* Stores what is missing. `auto`: started by the box itself, to finish a copy that needs refreshing. */
  function run(auto) {
    if (job) return;
    if (!navigator.onLine) {
      say(box.dataset.state || "partial", "You are offline: connect to the internet, then keep everything offline.");
      return;
    }
    var current = job = {cancelled: false};
    start.disabled = true;
    show(cancel, true);
    cancel.disabled = false;
    show(progressRow, true);
    askPersist();
    stored().then(function (now) {
      var info = now.info;
      var files = info.keep.length, bytes = sum(info.keep);
      var have = {};
      now.present.forEach(function (e) { have[e[0]] = true; });
      var doneFiles = now.present.length, doneBytes = sum(now.present);
      var todo = info.keep.filter(function (e) { return !have[e[0]]; });
      say("running", "Storing version " + info.version + " on this device…");
      showProgress(doneFiles, files, doneBytes, bytes);
      var i = 0;
      function next() {
        if (current.cancelled) throw {cancelled: true};
        if (i >= todo.length) return ask({type: "keep-done"});
        var entry = todo[i++];
        return ask({type: "keep-one", file: entry[0]}).then(function (answer) {
          if (answer.build !== info.build) throw {newBuild: true};
          if (!answer.ok) throw new Error(answer.error);
          doneFiles += 1;
          doneBytes += answer.bytes;
          showProgress(doneFiles, files, doneBytes, bytes);
          return next();
        });
      }
      return next().then(function (answer) {
        if (answer.build !== info.build) throw {newBuild: true};
        if (!answer.ok) throw new Error(answer.error);
        showProgress(files, files, answer.info.bytes, answer.info.bytes);
      });
    }).then(function () {
      finish(current);
      return refresh();
    }, function (e) {
      finish(current);
      if (e && e.newBuild) return refresh().then(function () { run(auto); });
      return stored().then(function (now) {
        if (!(e && e.cancelled) || !now.wanted) return now;
        // Cancelled: the reader no longer asks for everything, so no refresh starts by itself.
        return forget(now.info).then(function () { now.wanted = null; return now; });
      }).then(function (now) {
        describe(now);
        var part = now.present.length + " of " + now.info.keep.length + " files (" + mb(sum(now.present)) + ")";
        if (!(e && e.cancelled) && auto && now.wanted) {
          // Started by itself and stopped (no connection, whatever the device reports): the copy still needs
          // refreshing, as describe() has just said; the reader is told why it stopped, not that an action failed.
          status.textContent += " It stopped before the end (" + (e && e.message ? e.message : "a file could not be stored") +
            "): connect to the internet and it carries on where it stopped.";
        } else if (e && e.cancelled) {
          say("cancelled", "Cancelled. Stored now, for version " + now.info.version + ": " + part +
            ". The rest is not stored, so the handbook is not completely available offline.");
        } else {
          say("failed", "Stopped before the end: " + (e && e.message ? e.message : "a file could not be stored") +
            ". Stored now: " + part + ". Check the connection and press the button again: it carries on where it stopped.");
        }
        showEstimate();
      });
    });
  }

  function finish(current) {
    if (job === current) job = null;
    start.disabled = false;
    show(cancel, false);
  }

  start.addEventListener("click", function () { run(false); });
  cancel.addEventListener("click", function () {
    if (!job) return;
    job.cancelled = true;
    cancel.disabled = true;
    say("cancelling", "Cancelling after the file being stored now…");
  });
  navigator.serviceWorker.addEventListener("controllerchange", function () { refresh(); });
  window.addEventListener("online", function () { refresh(); });

  say("waiting", "Checking what is stored on this device…");
  if (navigator.storage && navigator.storage.persisted) {
    navigator.storage.persisted().then(function (p) { showPersisted(p, false); }, function () {});
  }
  refresh();
})();
