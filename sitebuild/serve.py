"""`make serve`: serve the built site on 127.0.0.1 only (never all interfaces)."""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path


class Handler(http.server.SimpleHTTPRequestHandler):
    # Some systems' MIME maps lack these; the site does not depend on them, but serve them right.
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                      ".webmanifest": "application/manifest+json"}


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
