"""The folders the bench serves side by side, and the 127.0.0.1 server that counts their bytes.

One temporary folder holds, beside each other and served by one server:
  site/   a copy of the built site, so a rebuild of site/ during the run changes nothing;
  bare/   a blank page booting the same pinned Pyodide (node_modules/pyodide) with a bare
          `loadPyodide()`: the floor for the calculators' cold start;
  empty/  an empty mkdocs-material site: the floor for a page's weight.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from sitebuild import pyodide_embed
from sitebuild.serve import Handler

REPO = Path(__file__).resolve().parent.parent

# The stock files a bare loadPyodide() fetches (the lock file too: no lockFileContents here).
BARE_RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")

# The clock starts before the loader is fetched, as the calculators' clock starts before
# their runtime scripts are; Python has run once when loadPyodide resolves.
BARE_PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Bare Pyodide boot</title>
<script type="module">
const started = performance.now();
const { loadPyodide } = await import("./pyodide.mjs");
const pyodide = await loadPyodide();
pyodide.runPython("1 + 1");
window.__bareBootMs = performance.now() - started;
</script>
</html>
"""

EMPTY_CONFIG = """site_name: Empty
use_directory_urls: false
theme:
  name: material
  font: false   # as the handbook: no request to a font service
"""


def copy_site(site: Path, dest: Path) -> Path:
    if not (site / "index.html").exists():
        raise SystemExit(f"{site}/index.html not found: run `make build` first (`make bench` does).")
    shutil.copytree(site, dest)
    return dest


def make_bare_page(dest: Path) -> Path:
    pyodide_embed.check_runtime()  # the same pinned version the site embeds
    dest.mkdir(parents=True)
    for name in BARE_RUNTIME_FILES:
        shutil.copyfile(pyodide_embed.PYODIDE_DIR / name, dest / name)
    (dest / "index.html").write_text(BARE_PAGE, encoding="utf-8")
    return dest


def make_empty_site(dest: Path, work: Path) -> Path:
    """A stock mkdocs-material build of one empty page (the default search plugin included)."""
    (work / "docs").mkdir(parents=True)
    (work / "docs" / "index.md").write_text("# Empty\n", encoding="utf-8")
    (work / "mkdocs.yml").write_text(EMPTY_CONFIG, encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(work / "mkdocs.yml"),
                    "-d", str(dest)], check=True, env=env, capture_output=True, text=True)
    return dest


class _CountingWriter:
    """Wraps a connection's output stream to count the bytes sent (headers and body)."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def write(self, data):
        self.count += len(data)
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)


class CountingHandler(Handler):
    """The handler of `make serve`, quiet, recording (path, bytes sent) for every request."""

    def setup(self):
        super().setup()
        self.wfile = _CountingWriter(self.wfile)

    def handle_one_request(self):
        before = self.wfile.count
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # the browser closed a page mid-transfer
            pass
        if self.wfile.count > before:
            self.server.served.append((self.path, self.wfile.count - before))

    def log_message(self, *args):
        pass


class CountingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    served: list[tuple[str, int]]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def bytes_sent(self, path_part: str = "") -> int:
        return sum(size for path, size in self.served if path_part in path)


def serve(directory: Path) -> CountingServer:
    """Serve `directory` on 127.0.0.1, on a free port (fixed ports collide with other sessions)."""
    server = CountingServer(("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(directory)))
    server.served = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
