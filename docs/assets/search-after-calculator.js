/* On a calculator page, the theme's search worker starts once the calculator's runtime has booted (or failed),
 * or as soon as the reader turns to the search, whichever comes first. Building the search index takes
 * about a third of a second of one core, and the theme starts it as the page loads: on a two-core phone or
 * laptop that is exactly when the calculator's runtime boots (docs/assets/calculator.js), and the two
 * slowed each other down (measured: a repeat visit from a link about 0.17 s sooner with the index built
 * after). Pages without a calculator are left as the theme made them.
 *
 * Loaded after mkdocs-material's iframe-worker shim (mkdocs.yml, polyfills), which replaces window.Worker
 * on file://: the worker started later is whichever the page would have started. */
(function () {
  "use strict";
  // A calculator page's calculator.js tag names its runtime (overrides/main.html); this script runs in the <head>.
  if (!document.querySelector("script[data-runtime]")) return;
  var ThemeWorker = window.Worker;
  var SEARCH_WORKER = /\/workers\/search\.[^\/?#]*\.js(?:[?#]|$)/;
  var started = false;
  var waiting = [];

  function startAll() {
    if (started) return;
    started = true;
    waiting.splice(0).forEach(function (start) { start(); });
  }

  /* Stands in for the search worker until it may start: what the theme posts meanwhile is kept, in order, and
   * handed over; what the worker says is passed on as the theme expects (message events). */
  function LaterWorker(url, options) {
    if (!SEARCH_WORKER.test(String(url))) return new ThemeWorker(url, options);
    var events = new EventTarget();
    var queue = [];
    var worker = null;
    var ended = false;
    function pass(event) {
      var copy = event.type === "message" || event.type === "messageerror"
        ? new MessageEvent(event.type, {data: event.data})
        : new ErrorEvent("error", {message: event.message, filename: event.filename, lineno: event.lineno,
                                   colno: event.colno, error: event.error});
      events.dispatchEvent(copy);
      var handler = events["on" + event.type];
      if (typeof handler === "function") handler.call(events, copy);
    }
    function start() {
      if (ended) return;
      worker = new ThemeWorker(url, options);
      ["message", "messageerror", "error"].forEach(function (type) { worker.addEventListener(type, pass); });
      queue.splice(0).forEach(function (args) { worker.postMessage.apply(worker, args); });
    }
    events.postMessage = function () {
      if (worker) worker.postMessage.apply(worker, arguments);
      else queue.push(Array.prototype.slice.call(arguments));
    };
    events.terminate = function () {
      ended = true;
      queue = [];
      if (worker) worker.terminate();
    };
    if (started) start();
    else waiting.push(start);
    return events;
  }
  window.Worker = LaterWorker;

  // The runtime has booted or failed (calculator.js sets the flag and sends the event)...
  if (window.__calculatorRuntimeSettled) startAll();
  document.addEventListener("calculator-runtime-settled", startAll);
  // ...or the reader opens the search (the header's button, or a key that focuses the search box).
  document.addEventListener("focusin", function (event) {
    if (event.target && event.target.closest && event.target.closest(".md-search")) startAll();
  });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "__search") startAll();
  });
})();
