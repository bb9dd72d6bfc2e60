"""`make serve`: serve the built site on 127.0.0.1 only (never all interfaces)."""

from __future__ import annotations

import argparse
import email.utils
import functools
import gzip
import http.server
import os
import sys
import threading
from pathlib import Path

# Text is sent gzip-compressed when the browser accepts it, as GitHub Pages and most static hosts
# do, so that what `make serve` (and `make bench`) show is what a hosted copy costs.
COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".map"}


class Handler(http.server.SimpleHTTPRequestHandler):
    # Some systems' MIME maps lack these; the site does not depend on them, but serve them right.
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                      ".webmanifest": "application/manifest+json"}
    _compressed: dict[tuple[str, float], bytes] = {}   # (path, mtime) → gzip bytes, shared by all requests
    _lock = threading.Lock()

    def do_GET(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if (not os.path.isfile(path) or os.path.splitext(path)[1] not in COMPRESSIBLE
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().do_GET()
        mtime = os.path.getmtime(path)
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                if int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp():
                    self.send_response(304)
                    self.end_headers()
                    return None
            except (TypeError, ValueError):
                pass
        body = self._gzip(path, mtime)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(mtime)))
        self.end_headers()
        self.wfile.write(body)
        return None

    def _gzip(self, path: str, mtime: float) -> bytes:
        key = (path, mtime)
        with self._lock:
            cached = self._compressed.get(key)
        if cached is None:
            with open(path, "rb") as f:
                cached = gzip.compress(f.read(), compresslevel=6, mtime=0)
            with self._lock:
                self._compressed[key] = cached
        return cached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    if not (args.directory / "index.html").exists():
        print(f"{args.directory}/index.html not found: run `make build` first.", file=sys.stderr)
        return 1
    handler = functools.partial(Handler, directory=str(args.directory))
    with http.server.ThreadingHTTPServer((args.host, args.port), handler) as server:
        print(f"Serving the handbook at http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nStopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
