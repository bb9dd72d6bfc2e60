// Makes the calculators' memory snapshot at build time (run by sitebuild/snapshot.py):
//   node sitebuild/make_snapshot.mjs <pyodide dir> <sources.json> <key> <out file>
// Boots the pinned Pyodide with _makeSnapshot, writes the calculators package (the same sources
// the browser gets) into site-packages, imports every module of it, records the snapshot's key
// in sys._oamt_snapshot (the browser checks it against the page's) and writes the raw snapshot.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, sourcesFile, key, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error("usage: node make_snapshot.mjs <pyodide dir> <sources.json> <key> <out file>");
  process.exit(2);
}
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const lock = JSON.parse(fs.readFileSync(path.join(pyodideDir, "pyodide-lock.json"), "utf8"));
const py = await loadPyodide({
  indexURL: pyodideDir + path.sep,
  lockFileContents: { info: lock.info, packages: {} },
  _makeSnapshot: true,
  stdout: () => {},
  stderr: (line) => console.error(line),
});
const sources = JSON.parse(fs.readFileSync(sourcesFile, "utf8"));
const site = py.runPython("import sysconfig; sysconfig.get_path('purelib')");
for (const [rel, text] of Object.entries(sources)) {
  const full = site + "/" + rel;
  py.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
  py.FS.writeFile(full, text);
}
py.runPython(`
import importlib, pkgutil, sys
import calculators
for m in pkgutil.walk_packages(calculators.__path__, "calculators."):
    if not m.name.endswith("__main__"):
        importlib.import_module(m.name)
sys._oamt_snapshot = ${JSON.stringify(key)}
`);
fs.writeFileSync(outFile, py.makeMemorySnapshot());
