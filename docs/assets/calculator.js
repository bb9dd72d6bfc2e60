/*
 * The one piece of browser glue shared by every calculator.
 *
 * A calculator page has a form generated at build time from the calculator's
 * declared inputs: <form data-calculator="taper" data-runtime="…/assets/pyodide/"
 * data-runtime-scripts="a.js b.js …">. On the first focus in such a form this
 * script starts Pyodide in a Web Worker, from runtime files that ride as
 * base64 in classic <script> files (the only way that also works from
 * file://, where Chromium refuses fetch, import and file-URL workers). On
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

  function setStatus(form, state, text) {
    var status = form.querySelector("[data-calculator-status]");
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
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

  /* Runs inside the worker, as the source of a data: module worker (a
   * data: URL is the one worker kind Chromium starts from file://). Blob URLs
   * are made here, in the worker, because the worker cannot import blob URLs
   * the page created. */
  function workerMain() {
    var py = null;
    var calculators = null;
    var dataJson = "{}";

    async function boot(msg) {
      var files = msg.files;
      function blobURL(bytes) {
        return URL.createObjectURL(new Blob([bytes], {type: "text/javascript"}));
      }
      var loader = await import(blobURL(files.pyodideMjs));
      var createPyodideModule = (await import(blobURL(files.asm))).default;
      var realFetch = self.fetch;
      // Pyodide fetches exactly these two files; answer them from memory, only while it boots.
      self.fetch = async function (input, init) {
        var url = String((input && input.url) || input);
        if (url.endsWith("/pyodide.asm.wasm")) {
          var body = new Blob([files.wasmGz]).stream().pipeThrough(new DecompressionStream("gzip"));
          return new Response(body, {headers: {"Content-Type": "application/wasm"}});
        }
        if (url.endsWith("/python_stdlib.zip")) return new Response(files.stdlib);
        return realFetch(input, init);
      };
      try {
        py = await loader.loadPyodide({
          indexURL: msg.indexURL,
          lockFileContents: msg.lock,
          createPyodideModule: createPyodideModule,
          stdout: function () {},
          stderr: function () {},
        });
      } finally {
        self.fetch = realFetch;
      }
      var site = py.runPython("import sysconfig; sysconfig.get_path('purelib')");
      Object.keys(msg.sources).forEach(function (path) {
        var full = site + "/" + path;
        py.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
        py.FS.writeFile(full, msg.sources[path]);
      });
      calculators = py.pyimport("calculators");
      dataJson = msg.data;
    }

    self.onmessage = async function (event) {
      var msg = event.data;
      try {
        if (msg.type === "boot") {
          await boot(msg);
          self.postMessage({type: "ready", id: msg.id});
        } else if (msg.type === "run") {
          var text = calculators.run_json(msg.calculator, JSON.stringify(msg.inputs), dataJson,
            JSON.stringify(msg.context));
          self.postMessage({type: "result", id: msg.id, text: text});
        }
      } catch (e) {
        self.postMessage({type: "error", id: msg.id, message: String((e && e.message) || e)});
      }
    };
  }

  function startRuntime(form) {
    var base = new URL(form.dataset.runtime, document.baseURI).href;
    var names = form.dataset.runtimeScripts.split(/\s+/).filter(Boolean);
    return Promise.all(names.map(function (n) { return loadScript(base + n); }))
      .then(function () {
        var embed = window.__PYODIDE_EMBED;
        return Promise.all(["pyodideMjs", "asm", "wasmGz", "stdlib"].map(function (k) {
          return fromBase64(embed[k]).then(function (bytes) { delete embed[k]; return bytes; });
        })).then(function (decoded) {
          var files = {pyodideMjs: decoded[0], asm: decoded[1], wasmGz: decoded[2], stdlib: decoded[3]};
          // mkdocs-material's offline shim replaces window.Worker on file://; use the saved native one.
          var NativeWorker = window.__NativeWorker || window.Worker;
          var source = "(" + workerMain.toString() + ")()";
          var worker = new NativeWorker("data:text/javascript," + encodeURIComponent(source), {type: "module"});
          var pending = {};
          var nextId = 1;
          worker.onmessage = function (event) {
            var m = event.data;
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
          function send(msg, transfer) {
            return new Promise(function (resolve, reject) {
              msg.id = nextId++;
              pending[msg.id] = {resolve: resolve, reject: reject};
              worker.postMessage(msg, transfer || []);
            });
          }
          return send({
            type: "boot",
            files: files,
            lock: embed.lock,
            sources: embed.sources,
            data: embed.data,
            indexURL: base,
          }, [files.pyodideMjs.buffer, files.asm.buffer, files.wasmGz.buffer, files.stdlib.buffer])
            .then(function () {
              return {
                call: function (calculator, inputs, context) {
                  return send({type: "run", calculator: calculator, inputs: inputs, context: context})
                    .then(function (m) { return JSON.parse(m.text); });
                },
              };
            });
        });
      });
  }

  function getRuntime(form) {
    if (!runtime) {
      setStatus(form, "loading", "Loading the calculator (Python in your browser, nothing is sent anywhere)…");
      runtime = startRuntime(form);
      runtime.catch(function () { runtime = null; }); // let a later focus try again
    }
    return runtime;
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

  function render(form, response) {
    clearErrors(form);
    var box = resultBox(form);
    box.querySelectorAll("a[data-download]").forEach(function (a) { URL.revokeObjectURL(a.href); });
    if (!response.ok) {
      box.innerHTML = "";
      box.hidden = true;
      var first = showErrors(form, response.errors);
      var count = Object.keys(response.errors).length;
      setStatus(form, "invalid", count === 1 ? "One input needs correcting; no result is shown."
        : count + " inputs need correcting; no result is shown.");
      if (first) first.focus();
      return;
    }
    box.innerHTML = response.html; // built by Python from validated inputs, every value escaped
    (response.downloads || []).forEach(function (d) {
      var link = box.querySelector('[data-download="' + CSS.escape(d.filename) + '"]');
      if (link) link.href = URL.createObjectURL(new Blob([d.text], {type: d.mime}));
    });
    box.hidden = false;
    setStatus(form, "done", "Result ready below.");
  }

  function fail(form, error) {
    setStatus(form, "failed", "The calculator could not start: " + error.message +
      ". Reload the page to try again; the handbook pages still work.");
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

  function restoreFromFragment(form) {
    if (location.hash.length < 2 || location.hash.indexOf("=") < 0) return false;
    var params = new URLSearchParams(location.hash.slice(1));
    ensureRows(form, params);
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !params.has(el.name)) return;
      var values = params.getAll(el.name);
      if (el.type === "checkbox") el.checked = el.dataset.kind === "multichoice"
        ? values.indexOf(el.value) >= 0 : values[0] === "true";
      else if (el.type === "radio") el.checked = values[0] === el.value;
      else el.value = values[0];
      restored = true;
    });
    return restored;
  }

  /* ---- repeated rows (for example a cohort of dose bands) ---- */

  function ensureRows(form, params) {
    form.querySelectorAll("[data-rows]").forEach(function (table) {
      var prefix = table.dataset.rows + ".";
      var max = -1;
      params.forEach(function (_, key) {
        if (key.indexOf(prefix) === 0) max = Math.max(max, parseInt(key.slice(prefix.length), 10));
      });
      while (table.tBodies[0].rows.length <= max) addRow(table);
    });
  }

  function renumberRows(table) {
    var name = table.dataset.rows;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row, i) {
      row.querySelectorAll("[name], [data-error-for], [id], label[for]").forEach(function (el) {
        ["name", "data-error-for", "id", "for", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(new RegExp(name + "[.-]\\d+", "g"), function (m) {
            return m.replace(/\d+$/, String(i));
          }));
        });
      });
      var label = row.querySelector("[data-row-number]");
      if (label) label.textContent = String(i + 1);
    });
  }

  function addRow(table) {
    var template = table.querySelector("template");
    table.tBodies[0].appendChild(template.content.cloneNode(true));
    renumberRows(table);
  }

  function wireRows(form) {
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      var remove = event.target.closest("[data-remove-row]");
      if (add) {
        var table = form.querySelector('[data-rows="' + add.dataset.addRow + '"]');
        addRow(table);
        var rows = table.tBodies[0].rows;
        var input = rows[rows.length - 1].querySelector("input");
        if (input) input.focus();
      } else if (remove) {
        var t = remove.closest("[data-rows]");
        if (t.tBodies[0].rows.length > 1) {
          remove.closest("tr").remove();
          renumberRows(t);
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
    };
  }

  /* ---- wiring ---- */

  function bind(form) {
    if (form.dataset.bound) return;
    form.dataset.bound = "1";
    var name = form.dataset.calculator;
    wireRows(form);
    form.querySelectorAll("[data-rows]").forEach(function (table) {
      if (!table.tBodies[0].rows.length) addRow(table);
    });
    var restored = restoreFromFragment(form);
    updateVisibility(form);
    form.addEventListener("change", function () { updateVisibility(form); });
    form.addEventListener("focusin", function () {
      getRuntime(form).then(function () {
        var status = form.querySelector("[data-calculator-status]");
        if (status && status.dataset.state === "loading") setStatus(form, "ready", "Calculator ready.");
      }, function (e) { fail(form, e); });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var inputs = readInputs(form);
      saveToFragment(form, inputs);
      if (!runtime) getRuntime(form);
      runtime.then(function (rt) {
        setStatus(form, "working", "Calculating…");
        return rt.call(name, inputs, pageContext(form));
      }).then(function (response) { render(form, response); }, function (e) { fail(form, e); });
    });
    form.addEventListener("reset", function () {
      setTimeout(function () {
        clearErrors(form);
        updateVisibility(form);
        var box = resultBox(form);
        box.innerHTML = "";
        box.hidden = true;
        history.replaceState(null, "", location.pathname + location.search);
      });
    });
    if (restored) form.requestSubmit();
  }

  function bindAll() {
    document.querySelectorAll("form[data-calculator]").forEach(bind);
  }

  /* Print buttons: data-print="clinician" or "patient" prints only that result sheet
   * (see handbook.css); "page" prints the page as it is. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (!button) return;
    if (button.dataset.print !== "page") document.body.dataset.printing = button.dataset.print;
    window.print();
  });
  window.addEventListener("afterprint", function () { delete document.body.dataset.printing; });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bindAll);
  else bindAll();
})();
