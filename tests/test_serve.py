"""`make serve` serves like a static host: text gzip-compressed when the browser accepts it,
304 when unchanged, binaries as they are, and never on any interface but the one asked for."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
import urllib.error
import urllib.request

import pytest

from sitebuild.serve import Handler


@pytest.fixture()
def base(tmp_path):
    (tmp_path / "handbook").mkdir()
    (tmp_path / "index.html").write_text("<h1>Home</h1>" * 200, encoding="utf-8")
    (tmp_path / "handbook" / "index.html").write_text("<h1>Contents</h1>", encoding="utf-8")
    (tmp_path / "runtime.wasm").write_bytes(b"\0asm" + bytes(1000))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def get(url: str, **headers):
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers))


def test_text_is_compressed_when_accepted_and_plain_otherwise(base):
    compressed = get(base + "index.html", **{"Accept-Encoding": "gzip, deflate"})
    body = compressed.read()
    assert compressed.headers["Content-Encoding"] == "gzip" and compressed.headers["Content-Type"] == "text/html"
    assert gzip.decompress(body) == ("<h1>Home</h1>" * 200).encode() and len(body) < 200
    plain = get(base + "index.html")
    assert plain.headers.get("Content-Encoding") is None and plain.read().startswith(b"<h1>Home</h1>")


def test_a_folder_serves_its_index_and_binaries_go_as_they_are(base):
    folder = get(base + "handbook/", **{"Accept-Encoding": "gzip"})
    assert gzip.decompress(folder.read()) == b"<h1>Contents</h1>"
    wasm = get(base + "runtime.wasm", **{"Accept-Encoding": "gzip"})
    assert wasm.headers.get("Content-Encoding") is None and wasm.headers["Content-Type"] == "application/wasm"


def test_an_unchanged_page_is_not_sent_again(base):
    first = get(base + "index.html", **{"Accept-Encoding": "gzip"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        get(base + "index.html", **{"Accept-Encoding": "gzip", "If-Modified-Since": first.headers["Last-Modified"]})
    assert raised.value.code == 304
