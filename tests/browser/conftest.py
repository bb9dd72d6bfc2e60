"""Sites that several browser modules use, each built once per session (tests/conftest.py has the
default build and the builders): the site under a GitHub Pages-like sub-path (test_subpath,
test_install), and the two deployments A and B (test_update, test_install)."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO, build_or_fail, prebuilt, site_builder

from .test_subpath import PREFIX, SubPathHandler
from .test_update import make_content_b

# The sub-path site's server: the build names its address (port included), so the server is made, on
# port 0, before the build; it starts serving when the fixture is first used. In this worker only.
_SUBPATH_SERVERS: dict[Path, tuple[http.server.ThreadingHTTPServer, list[str], str]] = {}


@site_builder("subpath", users=("subpath_site",))
def _subpath_site(root: Path) -> None:
    site = root / "site"
    seen: list[str] = []
    handler = functools.partial(SubPathHandler, directory=str(site), seen=seen)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    try:
        build_or_fail(site, env={"OAMT_SITE_URL": base})
    except BaseException:
        server.server_close()
        raise
    _SUBPATH_SERVERS[root] = (server, seen, base)


@pytest.fixture(scope="session")
def subpath_site(tmp_path_factory):
    """The site built as the Pages workflow builds it (OAMT_SITE_URL is the published
    address) and served under PREFIX; yields (base URL, paths the server was asked for)."""
    server, seen, base = _SUBPATH_SERVERS[prebuilt(tmp_path_factory, "subpath")]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base, seen
    server.shutdown()
    server.server_close()


def _build_id(site: Path) -> str:
    return re.search(r'<meta name="oamt-build" content="(\w+)"', (site / "index.html").read_text()).group(1)


@site_builder("deployment-b", users=("builds",))
def _deployment_b(root: Path) -> None:
    build_or_fail(root / "site-B", env={"OAMT_CONTENT_DIR": str(make_content_b(root))}, what="build B")


@pytest.fixture(scope="session")
def builds(site_dir, tmp_path_factory):
    """{"A": (site, content dir, build id), "B": …}: the real content, and the changed copy.

    A is the session's default build (site_dir): the real content/ is what the build reads when
    OAMT_CONTENT_DIR is not set (sitebuild.content.default_content_dir), so building it again with
    OAMT_CONTENT_DIR=content/ would make the same site. The tests only copy A and B, never change them.
    """
    root = prebuilt(tmp_path_factory, "deployment-b")
    out = {"A": (site_dir, REPO / "content", _build_id(site_dir)),
           "B": (root / "site-B", root / "content-b", _build_id(root / "site-B"))}
    assert out["A"][2] != out["B"][2]
    return out
