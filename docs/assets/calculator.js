/*
 * The one piece of browser glue shared by every calculator.
 *
 * A calculator page has a form generated at build time from the calculator's
 * declared inputs: <form data-calculator="taper" data-runtime="…/assets/pyodide/"
 * data-runtime-scripts="a.js b.js …">. Once such a page has loaded and the
 * browser is idle (or at the first focus or submit, if sooner) this script
 * starts Pyodide in a Web Worker, restoring the memory snapshot the build made
 * of a runtime that has already imported the calculators (sitebuild/snapshot.py),
 * or booting plainly if that fails. Over http(s) the worker fetches the
 * runtime's real files, so the browser keeps their compiled code; on file://,
 * where Chromium refuses fetch, import and file-URL workers, they ride as
 * base64 in classic <script> files (runtimeSource chooses, in one place). On
 * submit it sends {calculator, inputs} and renders what Python returns.
 * Pages without a calculator form load nothing.
 *
 * The contract with Python (calculators/result.py):
 * @typedef {{ok: boolean, errors: Object<string, string>, result: (Object|null), html: string,
 *            downloads: Array<{filename: string, mime: string, text: string}>}} CalculatorResponse
 */
(function () {
  "use strict";

  var runtime = null; // memoised Promise<{call: function(string, Object): Promise<CalculatorResponse>}>

  /* What the script says, in the page's language: the form carries each English text with its translation
   * (data-words, written by the build: sitebuild/pages.py, CALCULATOR_SCRIPT_WORDS); {names} are filled in. */
  function say(form, english, params) {
    var words = form.__words;
    if (!words) {
      try { words = JSON.parse(form.dataset.words || "{}"); } catch (e) { words = {}; }
      form.__words = words;
    }
    var text = words[english] || english;
    return text.replace(/\{([a-z_]+)\}/g, function (all, name) {
      return params && params[name] !== undefined ? String(params[name]) : all;
    });
  }

  function setStatus(form, state, text) {
    var status = form.querySelector("[data-calculator-status]");
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
    // A CSS-drawn indicator while the calculator is being prepared (handbook.css, .calc-loading).
    status.classList.toggle("calc-loading", state === "loading");
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.async = false;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }

  function fromBase64(text) {
    if (Uint8Array.fromBase64) return Promise.resolve(Uint8Array.fromBase64(text));
    // Older browsers: a data: URL fetch is allowed even on file://.
    return fetch("data:application/octet-stream;base64," + text)
      .then(function (r) { return r.arrayBuffer(); })
      .then(function (b) { return new Uint8Array(b); });
  }

  /* Runs inside the worker: a data: module worker on file:// (the one worker kind Chromium starts
   * there), a same-origin blob: module worker over http(s). Each runtime file arrives either as bytes
   * (embedded) or as the address of the site's own file (fetched); blob URLs are made here, in the
   * worker, because the worker cannot import blob URLs the page created. */
  function workerMain() {
    var py = null;
    var calculators = null;
    var dataJson = "{}";
    var messagesJson = ""; // the page's language's messages (messages-<lang>.js), or none: English
    var bootedCode = null;

    /* The site's own file at that address (over http(s)): its response, if the server has it. */
    async function siteFile(url) {
      var response = await fetch(url);
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response;
    }

    /* The bytes themselves, or the site's own file at that address. */
    async function bytesOf(entry) {
      if (typeof entry !== "string") return entry;
      return new Uint8Array(await (await siteFile(entry)).arrayBuffer());
    }

    /* The snapshot (gzipped bytes, or the site's gzipped file), inflated as it arrives. It holds only the pages
     * of Pyodide's memory that are not all zeros (sitebuild/snapshot.py, "sparse"): a header (the magic word, the
     * memory's size, the page size, the number of pages and their indices), then those pages in that order. They
     * are written straight into a buffer of the memory's size, which starts as zeros and which Pyodide may already
     * hold while the rest arrives (`into`, once the size is known from the build); `done` resolves to the whole
     * memory once every byte is in and gzip's own check has passed. If anything fails, the buffer's first bytes
     * (Pyodide's own snapshot header) are wiped, so it can never be restored half-written. */
    function inflating(entry) {
      var MAGIC = "OAMTSPRS";
      var buffer = null;
      var head = new Uint8Array(0); // the header's bytes gathered so far, until it has all arrived
      var pages = null;
      var pageSize = 0;
      var page = 0; // the page being written, and how much of it is in
      var within = 0;
      function memory(size) {
        if (!buffer) buffer = new Uint8Array(size);
        else if (buffer.length !== size) throw new Error("the snapshot is not of the stated size");
      }
      function readHead(chunk) {
        var both = new Uint8Array(head.length + chunk.length);
        both.set(head);
        both.set(chunk, head.length);
        head = both;
        if (head.length < 20) return null;
        var view = new DataView(head.buffer);
        if (String.fromCharCode.apply(null, head.subarray(0, 8)) !== MAGIC) throw new Error("not a snapshot");
        var size = view.getUint32(8, true);
        var count = view.getUint32(16, true);
        if (head.length < 20 + 4 * count) return null;
        pageSize = view.getUint32(12, true);
        pages = new Uint32Array(count);
        for (var i = 0; i < count; i++) {
          pages[i] = view.getUint32(20 + 4 * i, true);
          if ((i && pages[i] <= pages[i - 1]) || pages[i] * pageSize >= size) throw new Error("a damaged snapshot");
        }
        memory(size);
        var rest = head.subarray(20 + 4 * count);
        head = null;
        return rest;
      }
      function put(chunk) {
        if (!pages && !(chunk = readHead(chunk))) return;
        for (var at = 0; at < chunk.length;) {
          if (page >= pages.length) throw new Error("the snapshot is longer than its pages");
          var start = pages[page] * pageSize;
          var length = Math.min(pageSize, buffer.length - start);
          var n = Math.min(length - within, chunk.length - at);
          buffer.set(chunk.subarray(at, at + n), start + within);
          at += n;
          within += n;
          if (within === length) { page += 1; within = 0; }
        }
      }
      var done = (async function () {
        var body = typeof entry === "string" ? (await siteFile(entry)).body : new Blob([entry]).stream();
        var reader = body.pipeThrough(new DecompressionStream("gzip")).getReader();
        for (;;) {
          var next = await reader.read();
          if (next.done) break;
          put(next.value);
        }
        if (!pages || page !== pages.length) throw new Error("the snapshot is shorter than its pages");
        return buffer;
      })().catch(function (e) {
        if (buffer) buffer.fill(0, 0, 64);
        throw e;
      });
      return {
        done: done,
        into: function (size) {
          if (!(size > 0)) return null;
          try { memory(size); } catch (e) { buffer.fill(0, 0, 64); return null; }
          return buffer;
        },
      };
    }

    function importModule(entry) {
      if (typeof entry === "string") return import(entry);
      return import(URL.createObjectURL(new Blob([entry], {type: "text/javascript"})));
    }

    /* The wasm, compiled as soon as the worker starts, while the modules, the standard library and the
     * snapshot arrive. Over http(s) from the site's own file (the browser compiles it as it streams and keeps
     * the compiled code for the next visit), on file:// from the embedded gzipped bytes. */
    function compileWasm(entry) {
      var response;
      if (typeof entry === "string") {
        response = siteFile(entry);
      } else {
        var body = new Blob([entry]).stream().pipeThrough(new DecompressionStream("gzip"));
        response = Promise.resolve(new Response(body, {headers: {"Content-Type": "application/wasm"}}));
      }
      if (WebAssembly.compileStreaming) return WebAssembly.compileStreaming(response);
      return response.then(function (r) { return r.arrayBuffer(); }).then(function (b) { return WebAssembly.compile(b); });
    }

    // The page sends the calculators' code (sources, data, messages) once its scripts have loaded, which may be
    // after the boot began (over http(s) the worker starts first); the embedded path sends it with the files.
    var codeArrived = null;
    var codeP = new Promise(function (resolve) { codeArrived = resolve; });

    async function boot(msg) {
      var files = msg.files;
      var t0 = performance.now();
      var steps = {};
      function step(name) { steps[name] = Math.round(performance.now() - t0); }
      // Everything is asked for at once: the snapshot (inflated as it arrives), the two modules, the wasm
      // (compiled as it arrives) and the standard library. Pyodide waits for each where it needs it.
      var snapshot = files.snapshot ? inflating(files.snapshot) : null; // the longest to arrive
      var loaderP = importModule(files.pyodideMjs);
      var asmP = importModule(files.asm);
      var wasmModuleP = compileWasm(files.wasm);
      var stdlibP = bytesOf(files.stdlib);
      [loaderP, asmP, wasmModuleP, stdlibP].concat(snapshot ? [snapshot.done] : [])
        .forEach(function (p) { p.catch(function () {}); }); // judged below
      var code = msg.sources ? msg : await codeP;
      // The calculator code must be the version the page's build names (its content hash).
      if (!code.code || code.code !== code.codeFound) {
        throw new Error("the calculator code (" + code.codeFound + ") is not this page's version (" + code.code +
          "); reload the page");
      }
      var loader = await loaderP;
      var createPyodideModule = (await asmP).default;
      step("modules");
      var realFetch = self.fetch;
      var realInstantiateStreaming = WebAssembly.instantiateStreaming;
      // Pyodide fetches exactly these two files: the wasm is answered with a stand-in that the instantiation
      // below recognises (the module compiled above is used), the standard library with its bytes.
      var compiledWasm = new Response(null, {headers: {"Content-Type": "application/wasm"}});
      function runtimeFetch(input, init) {
        var url = String((input && input.url) || input);
        if (url.endsWith("/pyodide.asm.wasm")) return Promise.resolve(compiledWasm);
        if (url.endsWith("/python_stdlib.zip")) return stdlibP.then(function (b) { return new Response(b); });
        return realFetch(input, init);
      }
      function instantiateStreaming(source, imports) {
        return Promise.resolve(source).then(function (response) {
          if (response !== compiledWasm) return realInstantiateStreaming.call(WebAssembly, response, imports);
          return wasmModuleP.then(function (module) {
            return WebAssembly.instantiate(module, imports).then(function (instance) {
              return {module: module, instance: instance};
            });
          });
        });
      }
      /* Boots Pyodide: plainly, or from `snapshot`, the snapshot's bytes (or a promise of them), and `filled`, a
       * promise that they are all there (Pyodide sets itself up meanwhile, and its file system, which comes before
       * the restore, waits for it: fsInit). */
      async function start(snapshot, filled) {
        self.fetch = runtimeFetch;
        WebAssembly.instantiateStreaming = instantiateStreaming;
        try {
          var loading = loader.loadPyodide({
            indexURL: msg.indexURL,
            lockFileContents: code.lock,
            createPyodideModule: createPyodideModule,
            _loadSnapshot: snapshot || undefined,
            // Never a rejection here (Pyodide would leave it unhandled): a failed snapshot ends the race below, and
            // its wiped header would fail the restore anyway.
            fsInit: filled ? function () { return filled.then(function () {}, function () {}); } : undefined,
            stdout: function () {},
            stderr: function () {},
          });
          // Pyodide only logs a failed instantiation (or file system hook) and waits: such a failure ends the boot here.
          var failures = [wasmModuleP].concat(filled ? [filled] : []).map(function (p) {
            return p.then(function () { return loading; });
          });
          return await Promise.race([loading].concat(failures));
        } finally {
          self.fetch = realFetch;
          WebAssembly.instantiateStreaming = realInstantiateStreaming;
        }
      }
      var how = "snapshot";
      try {
        if (!snapshot) throw new Error("no snapshot");
        var filled = snapshot.done.then(function (bytes) { step("snapshot"); return bytes; });
        var buffer = snapshot.into(code.snapshotSize); // null if the size is not known: Pyodide waits for all of it
        py = await start(buffer || filled, buffer ? filled : null);
        // The snapshot must hold this build's calculators (its key is their content hash).
        var key = py.runPython("import sys; getattr(sys, '_oamt_snapshot', '')");
        if (!code.snapshotKey || key !== code.snapshotKey) throw new Error("the snapshot is of another build");
      } catch (e) {
        // Damaged, missing or of another version: boot plainly (slower, same answers).
        py = null;
        how = "plain";
        if (files.snapshot) self.postMessage({type: "slow", message: String((e && e.message) || e)});
        py = await start(null);
      }
      step("python");
      var site = py.runPython("import sysconfig; sysconfig.get_path('purelib')");
      Object.keys(code.sources).forEach(function (path) {
        var full = site + "/" + path;
        py.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
        py.FS.writeFile(full, code.sources[path]);
      });
      calculators = py.pyimport("calculators");
      dataJson = code.data;
      messagesJson = code.messages || "";
      bootedCode = code.code;
      step("calculators");
      return {how: how, steps: steps};
    }

    self.onmessage = async function (event) {
      var msg = event.data;
      try {
        if (msg.type === "code") {
          codeArrived(msg);
        } else if (msg.type === "boot") {
          var done = await boot(msg);
          self.postMessage({type: "ready", id: msg.id, boot: done.how, steps: done.steps});
        } else if (msg.type === "run") {
          if (msg.code !== bootedCode) throw new Error("this worker runs calculator code " + bootedCode +
            ", not this page's " + msg.code + "; reload the page");
          var text = calculators.run_json(msg.calculator, JSON.stringify(msg.inputs), dataJson,
            JSON.stringify(msg.context), messagesJson);
          self.postMessage({type: "result", id: msg.id, text: text});
        }
      } catch (e) {
        self.postMessage({type: "error", id: msg.id, message: String((e && e.message) || e)});
      }
    };
  }

  /* "calculators.js?v=abc" → ["calculators.js", "abc"] */
  function splitVersion(name) {
    var i = name.indexOf("?v=");
    return i < 0 ? [name, ""] : [name.slice(0, i), name.slice(i + 3)];
  }

  /* Loads the runtime scripts the page's build names, each at its content-hashed address, and checks
   * that each file says it is that version (each ends by recording its own in __PYODIDE_EMBED.versions).
   * A file of another build (a cache that answered wrongly, or an earlier build's page still open after
   * an update) is loaded once more past every cache; if it is still another build's, the calculator
   * does not start. Resolves to the version of calculators.js, which the worker checks too. */
  function loadRuntimeScripts(base, names) {
    function wrong() {
      var versions = (window.__PYODIDE_EMBED || {}).versions || {};
      return names.filter(function (n) { var p = splitVersion(n); return versions[p[0]] !== p[1]; });
    }
    return Promise.all(names.map(function (n) { return loadScript(base + n); })).then(function () {
      var stale = wrong();
      if (!stale.length) return null;
      var bust = (stale[0].indexOf("?") < 0 ? "?" : "&") + "reload=" + Date.now();
      return Promise.all(stale.map(function (n) { return loadScript(base + n + bust); })).then(function () {
        if (!wrong().length) return;
        throw new Error("the calculator files this device has belong to another version of the handbook (" +
          wrong().map(function (n) { return splitVersion(n)[0]; }).join(", ") + "); reload the page to get " +
          "this version's");
      });
    }).then(function () {
      return splitVersion(names.filter(function (n) { return splitVersion(n)[0] === "calculators.js"; })[0] || "")[1];
    });
  }

  /* The one place the runtime's source is chosen, by what the page can do. Over http(s): "fetched",
   * the worker (same-origin, from a blob: URL) fetches the site's own files, so the browser streams
   * and compiles the wasm and keeps the compiled code (and the service worker keeps the files) for
   * the next visit. On file://: "embedded", the files ride as base64 in classic scripts. */
  function runtimeSource() {
    return /^https?:$/.test(location.protocol) ? "fetched" : "embedded";
  }

  /* Boots from runtimeSource(); over http(s), if that boot fails (a host that serves .mjs or .wasm
   * with the wrong type, or a copy made for disk that leaves the raw files out: sitebuild/offline.py),
   * boots once more from the embedded scripts, which every copy has. `spec` is {runtime, scripts}: the
   * runtime folder and the runtime scripts the page names (a calculator form's, or calculator.js's own
   * script tag's, which lets the boot begin before the form is parsed). */
  function startRuntime(spec) {
    var first = runtimeSource();
    return startRuntimeFrom(spec, first).catch(function (e) {
      if (first !== "fetched") throw e;
      return startRuntimeFrom(spec, "embedded");
    });
  }

  /* The worker, told which files to boot from. Over http(s) it starts at once and fetches the files itself
   * while the page loads the calculators' code, which it sends on (type "code"); on file:// the page reads
   * every file first and sends them all with the code. */
  function startRuntimeFrom(spec, source) {
    var base = new URL(spec.runtime, document.baseURI).href;
    var names = spec.scripts.split(/\s+/).filter(Boolean);
    var fetched = source === "fetched";
    function address(file) {
      var n = names.filter(function (x) { return splitVersion(x)[0] === file; })[0];
      return n ? base + n : null;
    }
    // Classic scripts the page loads: all of them on file://; over http(s) only the small ones.
    var scripts = names.filter(function (n) {
      var file = splitVersion(n)[0];
      return /\.js$/.test(file) && !(fetched && /\.b64\.js$/.test(file));
    });
    // mkdocs-material's offline shim replaces window.Worker on file://; use the saved native one.
    var NativeWorker = window.__NativeWorker || window.Worker;
    var workerSource = "(" + workerMain.toString() + ")()";
    var worker = null;
    var pending = {};
    var nextId = 1;
    function send(msg, transfer) {
      return new Promise(function (resolve, reject) {
        msg.id = nextId++;
        pending[msg.id] = {resolve: resolve, reject: reject};
        worker.postMessage(msg, transfer || []);
      });
    }
    function startWorker() {
      worker = fetched
        ? new NativeWorker(URL.createObjectURL(new Blob([workerSource], {type: "text/javascript"})), {type: "module"})
        : new NativeWorker("data:text/javascript," + encodeURIComponent(workerSource), {type: "module"});
      worker.onmessage = function (event) {
        var m = event.data;
        if (m.type === "slow") {
          // The snapshot could not be used: the plain boot runs, which takes longer.
          slowBoot = true;
          document.querySelectorAll("form[data-calculator]").forEach(showSlow);
          return;
        }
        var p = pending[m.id];
        if (!p) return;
        delete pending[m.id];
        if (m.type === "error") p.reject(new Error(m.message));
        else p.resolve(m);
      };
      worker.onerror = function (event) {
        var message = (event && event.message) || "the calculator worker stopped";
        Object.keys(pending).forEach(function (id) { pending[id].reject(new Error(message)); });
        pending = {};
      };
    }
    /* What the worker needs besides the files: the calculators' code and data, from the scripts just loaded. */
    function codeMessage(code) {
      var embed = window.__PYODIDE_EMBED;
      return {
        lock: embed.lock,
        sources: embed.sources,
        data: embed.data,
        messages: embed.messages || "",
        code: code,
        codeFound: (embed.versions || {})["calculators.js"],
        snapshotKey: embed.snapshotKey,
        snapshotSize: embed.snapshotSize,
      };
    }
    var booted;
    var files;
    var pageCode = null; // the version of calculators.js this page names; the worker checks every call against it
    if (fetched) {
      files = {
        pyodideMjs: address("pyodide.mjs"), asm: address("pyodide.asm.mjs"), wasm: address("pyodide.asm.wasm"),
        stdlib: address("python_stdlib.zip"), snapshot: address("snapshot.bin.gz"),
      };
      startWorker();
      var bootReply = send({type: "boot", files: files, indexURL: base});
      bootReply.catch(function () {}); // judged below, with the scripts
      booted = loadRuntimeScripts(base, scripts).then(function (code) {
        pageCode = code;
        var msg = codeMessage(code);
        msg.type = "code";
        worker.postMessage(msg);
        return bootReply;
      });
    } else {
      booted = loadRuntimeScripts(base, scripts).then(function (code) {
        pageCode = code;
        var embed = window.__PYODIDE_EMBED;
        var keys = ["pyodideMjs", "asm", "wasmGz", "stdlib", "snapshotGz"];
        return Promise.all(keys.map(function (k) {
          if (!embed[k]) return null;
          return fromBase64(embed[k]).then(function (bytes) { delete embed[k]; return bytes; },
            function () { return null; }); // a damaged snapshot: the plain boot
        })).then(function (d) {
          files = {pyodideMjs: d[0], asm: d[1], wasm: d[2], stdlib: d[3], snapshot: d[4]};
          startWorker();
          var msg = codeMessage(code);
          msg.type = "boot";
          msg.files = files;
          msg.indexURL = base;
          var transfer = Object.keys(files).filter(function (k) { return files[k] && typeof files[k] !== "string"; })
            .map(function (k) { return files[k].buffer; });
          return send(msg, transfer);
        });
      });
    }
    return booted
      .catch(function (e) { if (worker) worker.terminate(); throw e; })
      .then(function (ready) {
        // Which boot ran ("snapshot" or "plain") and from where: for tests and the benchmark.
        document.documentElement.dataset.calculatorBoot = ready.boot + " " + source;
        window.__calculatorBootSteps = ready.steps; // ms since the worker got the files, per step
        if (window.performance && performance.mark) performance.mark("calculator-ready");
        if (fetched && navigator.serviceWorker) {
          // The page may have started before its service worker controlled it: ask it to
          // keep the files this runtime used, so the next visit (or offline) needs no network.
          var used = scripts.map(function (n) { return base + n; }).concat(Object.keys(files)
            .map(function (k) { return files[k]; }).filter(function (u) { return typeof u === "string"; }));
          navigator.serviceWorker.ready.then(function (reg) {
            if (reg.active) reg.active.postMessage({type: "store-runtime", urls: used});
          });
        }
        var code = pageCode;
        return {
          call: function (calculator, inputs, context) {
            return send({type: "run", calculator: calculator, inputs: inputs, context: context, code: code})
              .then(function (m) { return JSON.parse(m.text); });
          },
        };
      });
  }

  var slowBoot = false; // the snapshot could not be used: the plain boot runs

  function showSlow(form) {
    var status = form.querySelector("[data-calculator-status]");
    if (status && status.dataset.state === "loading") {
      setStatus(form, "loading", say(form, "Loading the calculator is taking longer than usual…"));
    }
  }

  /* The runtime, started once per page: from calculator.js's own script tag as soon as it runs (see the
   * end of this file), or for the first form that asks. */
  var runtimeReady = false;
  var runtimeSettled = false; // booted or failed, at least once
  var calculating = 0; // calculations asked for and not yet shown
  function getRuntime(spec) {
    if (!runtime) {
      if (window.performance && performance.mark) performance.mark("calculator-boot-start");
      runtimeReady = false;
      runtime = startRuntime(spec);
      runtime.then(function () { runtimeReady = true; }, function () { runtime = null; }) // a later focus tries again
        .then(function () { runtimeSettled = true; settleIfIdle(); });
    }
    return runtime;
  }

  /* Tells the page, once, that the runtime has booted (or failed) and no calculation is under way (a shared
   * link's first answer is shown): the theme's search index waits for that on a calculator page
   * (docs/assets/search-after-calculator.js), so the two do not share the cores while the runtime boots. */
  function settleIfIdle() {
    if (!runtimeSettled || calculating || window.__calculatorRuntimeSettled) return;
    window.__calculatorRuntimeSettled = true;
    document.dispatchEvent(new Event("calculator-runtime-settled"));
  }

  function formSpec(form) {
    return {runtime: form.dataset.runtime, scripts: form.dataset.runtimeScripts || ""};
  }

  /* The form's status follows the runtime: "Preparing…" (or "taking longer"), then "Calculator ready." */
  function prepare(form) {
    var started = getRuntime(formSpec(form));
    var status = form.querySelector("[data-calculator-status]");
    // A link's errors or a result already shown stay; otherwise say the calculator is loading.
    if (!runtimeReady && status && ["invalid", "done", "working", "loading"].indexOf(status.dataset.state) < 0) {
      setStatus(form, "loading", say(form, "Preparing the calculator…"));
      if (slowBoot) showSlow(form);
    }
    started.then(function () {
      if (status && status.dataset.state === "loading") setStatus(form, "ready", say(form, "Calculator ready."));
    }, function (e) { fail(form, e); });
  }

  /* Starts the runtime once the page has loaded and the browser is idle (within a second or so
   * at most), so it is usually ready before the first input is typed. A runtime already started
   * (early, from the script tag) is only followed. */
  function prepareWhenIdle(form) {
    if (runtime) {
      prepare(form);
      return;
    }
    function idle() {
      if (window.requestIdleCallback) window.requestIdleCallback(function () { prepare(form); }, {timeout: 1000});
      else setTimeout(function () { prepare(form); }, 200);
    }
    if (document.readyState === "complete") idle();
    else window.addEventListener("load", idle, {once: true});
  }

  /* ---- reading the form ---- */

  function fieldApplies(wrapper, form) {
    var rule = wrapper.dataset.shownWhen; // "mode=linear|proportional;medicine=methadone"
    if (!rule) return true;
    return rule.split(";").every(function (clause) {
      var parts = clause.split("=");
      var current = currentValue(form, parts[0]);
      return parts[1].split("|").indexOf(current) >= 0;
    });
  }

  function currentValue(form, name) {
    var el = form.elements.namedItem(name); // an element, or a RadioNodeList: both have .value
    return el ? el.value : "";
  }

  function updateVisibility(form) {
    form.querySelectorAll("[data-shown-when]").forEach(function (wrapper) {
      var on = fieldApplies(wrapper, form);
      wrapper.hidden = !on;
      if (wrapper.tagName === "OPTION") {
        wrapper.disabled = !on;
        var select = wrapper.parentElement;
        if (!on && wrapper.selected) {
          var firstShown = Array.prototype.find.call(select.options, function (o) { return !o.disabled; });
          if (firstShown) firstShown.selected = true;
        }
        return;
      }
      wrapper.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
    });
  }

  /* Form names are the contract names, flat: "criteria.stable_dose", "cohort.0.dose_mg". The page
   * address, the command line and the calculators use the same names; the calculators' field
   * declarations read rows and groups from them. */
  function readInputs(form) {
    var inputs = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      var kind = el.dataset.kind || "";
      if (el.type === "checkbox" && kind === "multichoice") {
        var list = inputs[el.name] || [];
        if (el.checked) list.push(el.value);
        inputs[el.name] = list;
      } else if (el.type === "checkbox") {
        inputs[el.name] = el.checked;
      } else if (el.type === "radio") {
        if (el.checked) inputs[el.name] = el.value;
      } else if (el.tagName !== "BUTTON") {
        inputs[el.name] = el.value;
      }
    });
    return inputs;
  }

  /* ---- showing the answer ---- */

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; el.hidden = true; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showErrors(form, errors) {
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var slot = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]') ||
        form.querySelector('[data-error-for="_form"]');
      if (slot) {
        slot.textContent = (slot.textContent ? slot.textContent + " " : "") + errors[name];
        slot.hidden = false;
      }
      var controls = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      controls.forEach(function (el) { el.setAttribute("aria-invalid", "true"); });
      if (!first && controls.length) first = controls[0];
    });
    return first;
  }

  function resultBox(form) {
    return document.getElementById(form.dataset.resultId);
  }

  /* Errors beside their fields (or at the top), no result, and the status says how many. */
  function showInvalid(form, errors) {
    var box = resultBox(form);
    clearStale(box);
    box.innerHTML = "";
    box.hidden = true;
    var first = showErrors(form, errors);
    var count = Object.keys(errors).length;
    setStatus(form, "invalid", count === 1 ? say(form, "One input needs correcting; no result is shown.")
      : say(form, "Inputs to correct: {count}. No result is shown.", {count: count}));
    if (first) first.focus();
  }

  function render(form, response) {
    clearErrors(form);
    var box = resultBox(form);
    box.querySelectorAll("a[data-download][href]").forEach(function (a) { URL.revokeObjectURL(a.href); });
    if (!response.ok) {
      showInvalid(form, response.errors);
      return;
    }
    clearStale(box);
    box.innerHTML = response.html; // built by Python from validated inputs, every value escaped
    (response.downloads || []).forEach(function (d) {
      var link = box.querySelector('[data-download="' + CSS.escape(d.filename) + '"]');
      if (link) link.href = URL.createObjectURL(new Blob([d.text], {type: d.mime}));
    });
    box.hidden = false;
    setStatus(form, "done", say(form, "Result ready below."));
    // The answer first: focus moves to the result's key-result card (its heading), which scrolls into view,
    // so a reader on a phone lands on the answer and a screen reader reads it next.
    var target = box.querySelector("[data-key-result] [tabindex='-1']") || box;
    target.focus({preventScroll: true});
    box.scrollIntoView({block: "start"});
  }

  /* ---- results tied to their inputs ---- */

  /* The form changed after its result was shown (or while it was being calculated): the result
   * says so at its top (dimmed, handbook.css; on paper only the notice prints), the status line
   * tells screen readers, and its print buttons and download links do nothing until the next
   * calculation. Counting changes (data-generation) lets an answer that arrives after a change
   * be marked at once. */
  function markStale(form) {
    form.dataset.generation = String((Number(form.dataset.generation) || 0) + 1);
    var box = resultBox(form);
    if (!box || box.hidden || box.dataset.stale === "true" || !box.firstElementChild) return;
    box.dataset.stale = "true";
    box.classList.add("calc-result--stale");
    var notice = document.createElement("p");
    notice.className = "calc-stale-notice";
    notice.id = box.id + "-stale";
    notice.textContent = say(form, "Out of date: the inputs changed. Calculate again.");
    box.insertBefore(notice, box.firstChild);
    box.setAttribute("aria-describedby", notice.id);
    box.querySelectorAll("[data-print]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
      button.setAttribute("aria-describedby", notice.id);
    });
    box.querySelectorAll("a[data-download]").forEach(function (a) {
      if (a.hasAttribute("href") && a.href.indexOf("blob:") === 0) URL.revokeObjectURL(a.href);
      a.removeAttribute("href");
      a.setAttribute("aria-disabled", "true");
      a.setAttribute("aria-describedby", notice.id);
    });
    setStatus(form, "stale",
      say(form, "The result below is out of date: the inputs changed. Calculate again to print or download it."));
  }

  function clearStale(box) {
    if (!box) return;
    delete box.dataset.stale;
    box.classList.remove("calc-result--stale");
    box.removeAttribute("aria-describedby");
  }

  function fail(form, error) {
    setStatus(form, "failed", say(form, "The calculator could not start: {reason}. Reload the page to try again; " +
      "the handbook pages still work.", {reason: error.message}));
  }

  /* ---- links that carry the inputs (never a name: the form has none) ---- */

  function saveToFragment(form, inputs) {
    var params = new URLSearchParams();
    Object.keys(inputs).forEach(function (k) {
      var v = inputs[k];
      if (Array.isArray(v)) v.forEach(function (x) { params.append(k, x); });
      else params.append(k, String(v));
    });
    history.replaceState(null, "", "#" + params.toString());
  }

  /* A link's inputs, or null when the address has none (a plain "#heading" is not inputs). */
  function fragmentParams() {
    if (location.hash.length < 2 || location.hash.indexOf("=") < 0) return null;
    return new URLSearchParams(location.hash.slice(1));
  }

  /* What the link says, exactly, for the calculator: every key and value, including keys the
   * form has no control for and values its controls cannot take. Python judges them (an error
   * naming the key or value), so a link never computes with a default in a value's place. */
  function fragmentInputs(form, params) {
    var multi = Object.create(null);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.dataset.kind === "multichoice") multi[el.name] = true;
    });
    var inputs = Object.create(null); // no prototype: a key such as "__proto__" is just a key
    params.forEach(function (value, key) {
      if (multi[key]) (inputs[key] = inputs[key] || []).push(value);
      else if (key in inputs) inputs[key] = [].concat(inputs[key], value); // repeated: Python refuses it
      else inputs[key] = value;
    });
    return inputs;
  }

  /* Shows in the form what it can show of the link; a value a control cannot take leaves it
   * blank or unticked (never the default). Returns {errors, inputs}: errors found before any
   * DOM work (too many rows), else the link's own inputs for the first calculation. */
  function restoreFromFragment(form, params) {
    var errors = ensureRows(form, params);
    var given = new Map(); // name → its values, read once: linear in the length of the link
    params.forEach(function (value, key) {
      if (!given.has(key)) given.set(key, []);
      given.get(key).push(value);
    });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !given.has(el.name)) return;
      var values = given.get(el.name);
      if (el.type === "checkbox") el.checked = el.dataset.kind === "multichoice"
        ? values.indexOf(el.value) >= 0 : /^(true|on|yes|1)$/i.test(values[0]);
      else if (el.type === "radio") el.checked = values[0] === el.value;
      else if (el.tagName === "SELECT") {
        var option = Array.prototype.find.call(el.options, function (o) { return o.value === values[0]; });
        if (option) option.selected = true;
        else el.selectedIndex = -1; // shown blank: the link's value is not one of the choices
      } else if (el.tagName !== "BUTTON") el.value = values[0];
    });
    return {errors: errors, inputs: Object.keys(errors).length ? null : fragmentInputs(form, params)};
  }

  /* ---- repeated rows (for example a cohort of dose bands) ---- */

  /* The most rows a table takes: the field's declared maximum, which the form carries as
   * data-max-rows; this fallback only serves a table declared without one. */
  var MAX_ROWS = 50;

  function maxRows(table) {
    var n = parseInt(table.dataset.maxRows, 10);
    return n > 0 ? n : MAX_ROWS;
  }

  function rowLimitMessage(form, limit, asked) {
    return asked
      ? say(form, "Use at most {limit} rows (this link asks for {asked}): group them, for example patients into " +
        "dose bands.", {limit: limit, asked: asked})
      : say(form, "Use at most {limit} rows: group them, for example patients into dose bands.", {limit: limit});
  }

  /* Enough rows for every row the link names, checked against the limit before any row is added:
   * a link asking for more adds none and returns an error for the rows field. */
  function ensureRows(form, params) {
    var errors = {};
    form.querySelectorAll("[data-rows]").forEach(function (table) {
      var prefix = table.dataset.rows + ".";
      var needed = 0;
      params.forEach(function (_, key) {
        if (key.indexOf(prefix) !== 0) return;
        var m = /^(\d+)(\.|$)/.exec(key.slice(prefix.length));
        if (m) needed = Math.max(needed, m[1].length > 9 ? Infinity : Number(m[1]) + 1);
      });
      var limit = maxRows(table);
      if (needed > limit) {
        errors[table.dataset.rows] = rowLimitMessage(form, limit, isFinite(needed) ? String(needed) : "");
        return;
      }
      addRows(table, needed - table.tBodies[0].rows.length);
    });
    return errors;
  }

  var ROW_ATTRIBUTES = ["name", "data-error-for", "id", "for", "aria-describedby"];

  /* Gives rows from `from` on their numbers ("cohort.3.dose_mg", "cohort-3-dose_mg-error", "Row 4"):
   * one pattern for the table, each row touched once, rows before `from` left alone. */
  function renumberRows(table, from) {
    var name = table.dataset.rows;
    var pattern = new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "([.-])\\d+", "g");
    var rows = table.tBodies[0].rows;
    for (var i = from || 0; i < rows.length; i++) numberRow(rows[i], i, name, pattern);
  }

  function numberRow(row, i, name, pattern) {
    function rewrite(_, separator) { return name + separator + i; }
    row.querySelectorAll("[name], [data-error-for], [id], [for], [aria-describedby]").forEach(function (el) {
      ROW_ATTRIBUTES.forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v) el.setAttribute(attr, v.replace(pattern, rewrite));
      });
    });
    row.querySelectorAll("[data-row-number]").forEach(function (label) { label.textContent = String(i + 1); });
  }

  /* Appends `count` rows in one go and numbers only those. */
  function addRows(table, count) {
    if (!(count > 0)) return;
    var body = table.tBodies[0];
    var template = table.querySelector("template");
    var start = body.rows.length;
    var batch = document.createDocumentFragment();
    for (var k = 0; k < count; k++) batch.appendChild(template.content.cloneNode(true));
    body.appendChild(batch);
    renumberRows(table, start);
  }

  function addRow(table) {
    addRows(table, 1);
  }

  function showRowLimit(form, table) {
    var slot = form.querySelector('[data-error-for="' + CSS.escape(table.dataset.rows) + '"]');
    if (!slot) return;
    slot.textContent = rowLimitMessage(table.closest("form"), maxRows(table), "");
    slot.hidden = false;
  }

  function wireRows(form) {
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      var remove = event.target.closest("[data-remove-row]");
      if (add) {
        var table = form.querySelector('[data-rows="' + CSS.escape(add.dataset.addRow) + '"]');
        if (table.tBodies[0].rows.length >= maxRows(table)) {
          showRowLimit(form, table);
          return;
        }
        addRow(table);
        markStale(form);
        var rows = table.tBodies[0].rows;
        var input = rows[rows.length - 1].querySelector("input");
        if (input) input.focus();
      } else if (remove) {
        var t = remove.closest("[data-rows]");
        if (t.tBodies[0].rows.length > 1) {
          var row = remove.closest("tr");
          var index = row.sectionRowIndex;
          row.remove();
          renumberRows(t, index);
          markStale(form);
        }
      }
    });
  }

  /* Page facts the calculator cannot know, for links and for the provenance of printed results. */
  function pageContext(form) {
    var now = new Date();
    var today = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" +
      String(now.getDate()).padStart(2, "0");
    return {
      bibliography_url: form.dataset.bibliography,
      version: form.dataset.version,
      built: form.dataset.built,
      today: today,
      // The programme's local settings (content/settings.yml), for printed sheets.
      programme: form.dataset.programme || "",
      contacts: form.dataset.contacts || "",
      naloxone: form.dataset.naloxone || "",
      // The page's language: the calculator answers in it (calculators/messages.py); inputs stay the same.
      lang: document.documentElement.lang || "en",
    };
  }

  /* ---- wiring ---- */

  function bind(form) {
    if (form.dataset.bound) return;
    form.dataset.bound = "1";
    var name = form.dataset.calculator;
    // A date that defaults to today (take-home: "Today's date") is filled in from this device's date and shown,
    // so the reader sees it and can correct it; a reset keeps it.
    form.querySelectorAll("input[data-default-today]").forEach(function (el) {
      if (!el.value) { el.defaultValue = pageContext(form).today; el.value = el.defaultValue; }
    });
    wireRows(form);
    form.querySelectorAll("[data-rows]").forEach(function (table) {
      if (!table.tBodies[0].rows.length) addRow(table);
    });
    var params = fragmentParams();
    var link = params ? restoreFromFragment(form, params) : null;
    var linkInputs = link && link.inputs; // the first calculation judges the link itself, not the form
    updateVisibility(form);
    form.addEventListener("change", function () { updateVisibility(form); markStale(form); });
    form.addEventListener("input", function () { markStale(form); });
    form.addEventListener("focusin", function () { prepare(form); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var inputs = linkInputs || readInputs(form);
      if (!linkInputs) saveToFragment(form, inputs); // a link stays as it was written
      linkInputs = null;
      var generation = form.dataset.generation;
      if (!runtime) getRuntime(formSpec(form));
      calculating += 1;
      runtime.then(function (rt) {
        setStatus(form, "working", say(form, "Calculating…"));
        return rt.call(name, inputs, pageContext(form));
      }).then(function (response) {
        render(form, response);
        if (form.dataset.generation !== generation) markStale(form); // the form changed meanwhile
      }, function (e) { fail(form, e); }).then(function () {
        calculating -= 1;
        settleIfIdle();
      });
    });
    form.addEventListener("reset", function () {
      setTimeout(function () {
        clearErrors(form);
        updateVisibility(form);
        markStale(form); // an answer still on its way is for the inputs before the reset
        var box = resultBox(form);
        box.querySelectorAll("a[data-download][href]").forEach(function (a) { URL.revokeObjectURL(a.href); });
        clearStale(box);
        box.innerHTML = "";
        box.hidden = true;
        linkInputs = null;
        var status = form.querySelector("[data-calculator-status]");
        if (status && ["done", "stale", "invalid"].indexOf(status.dataset.state) >= 0) {
          setStatus(form, "cleared", say(form, "Form cleared; no result is shown."));
        }
        history.replaceState(null, "", location.pathname + location.search);
      });
    });
    if (link && Object.keys(link.errors).length) showInvalid(form, link.errors);
    else if (link) form.requestSubmit(); // starts the runtime now and computes as soon as it is ready
    prepareWhenIdle(form);
  }

  function bindAll() {
    document.querySelectorAll("form[data-calculator]").forEach(bind);
  }

  /* Print buttons: data-print="clinician" or "patient" prints only that result sheet
   * (see handbook.css); "page" prints the page as it is. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (!button || button.disabled || button.closest("[data-stale]")) return; // an out-of-date result
    if (button.dataset.print !== "page") document.body.dataset.printing = button.dataset.print;
    window.print();
  });
  window.addEventListener("afterprint", function () { delete document.body.dataset.printing; });

  /* Early start. On a calculator page this script is in the page's <head> (async: overrides/main.html), and its
   * tag names the runtime. A shared link (the page computes by itself) or a page its service worker answers (a
   * repeat visit: the runtime is on this device already) starts the runtime at once, while the page is still
   * loading; the worker does the work, not the page. Otherwise (a first visit, or file://, where the embedded
   * files are read on the page) it starts once the page has loaded and the browser is idle, or at the first focus. */
  var tag = document.currentScript;
  if (tag && tag.dataset.runtime && runtimeSource() === "fetched" &&
      (fragmentParams() || (navigator.serviceWorker && navigator.serviceWorker.controller))) {
    getRuntime({runtime: tag.dataset.runtime, scripts: tag.dataset.runtimeScripts || ""});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bindAll);
  else bindAll();
})();
