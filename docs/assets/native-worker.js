// Loaded before mkdocs-material's iframe-worker shim, which replaces
// window.Worker on file:// pages: the calculators need the real one.
window.__NativeWorker = window.Worker;
