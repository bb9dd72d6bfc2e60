"""Shared fixtures: one strict build of the real site per session, served on
127.0.0.1 (port 0), and one Debian Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import settings

# The same examples on every run: what passes here passes in CI. Property tests set their own sizes.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.load_profile("repeatable")

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# No DNS for anything but 127.0.0.1, so the browser cannot even look up another host.
CHROME_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def build_site(dest: Path, env: dict[str, str] | None = None,
               config: Path | None = None) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of the repository into `dest`; returns the finished process."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(dest),
           "-f", str(config or REPO / "mkdocs.yml")]
    return subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("site") / "site"
    done = build_site(dest)
    assert done.returncode == 0, f"the site did not build:\n{done.stdout}\n{done.stderr}"
    return dest


@pytest.fixture(scope="session")
def settings_site_dir(tmp_path_factory) -> Path:
    """The site as a programme would host it: the real content with tests/fixtures/local-settings/settings.yml."""
    import shutil

    root = tmp_path_factory.mktemp("programme")
    content = root / "content"
    shutil.copytree(REPO / "content", content)
    shutil.copy(REPO / "tests" / "fixtures" / "local-settings" / "settings.yml", content / "settings.yml")
    done = build_site(root / "site", env={"OAMT_CONTENT_DIR": str(content)})
    assert done.returncode == 0, f"the site did not build with the fixture settings:\n{done.stdout}\n{done.stderr}"
    return root / "site"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # the browser closed a page mid-transfer
            pass


def serve(directory: Path):
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextlib.contextmanager
def serving(directory: Path):
    """The folder served on 127.0.0.1 for the duration; yields its base URL."""
    server = serve(directory)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def http_url(site_dir):
    with serving(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def file_url(site_dir) -> str:
    return site_dir.as_uri() + "/"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it with apt-get.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS, headless=True)
        yield b
        b.close()


def pytest_collection_modifyitems(items):
    """Everything under tests/browser/ drives Chromium: `make test-fast` leaves it out with -m "not browser"."""
    for item in items:
        if "/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)
