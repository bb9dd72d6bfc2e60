"""Shared fixtures: one strict build of the real site per session, served on
127.0.0.1 (port 0), and one Debian Chromium driven by Playwright."""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import fcntl
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
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
    if getattr(_in_background, "active", False) and shutil.which("nice"):
        cmd = ["nice", "-n", "10", *cmd]   # built ahead: the running browser test comes first
    return subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True)


_in_background = threading.local()


def run_root(tmp_path_factory) -> Path:
    """This run's own temporary folder: under pytest-xdist, the one all workers of the run share (each
    worker's basetemp is a folder inside it); otherwise this session's basetemp. Never a previous run's."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


# ---------------------------------------------------------------- sites built once, ahead of the tests
#
# Each configuration of the site the tests read (the default build, the programme's settings, the
# sign-off copies, ...) is a builder: a function that builds it into an empty folder and fails (raises)
# if the build does. `prebuilt` returns the folder, building it the first time; a build is made once per
# run. While the first tests run, a background thread builds, one after another, the configurations the
# collected tests will ask for (in the order they will ask), so that a test seldom waits for a build.
# Every folder is made in this run's own temporary folder: nothing built by an earlier run is read.

@dataclasses.dataclass(frozen=True)
class Builder:
    name: str
    build: Callable[[Path], None]
    users: frozenset[str]   # the fixtures that read it: it is built ahead only if a collected test uses one
    shared: bool            # one folder for all xdist workers of the run (else one per worker)
    browser: bool           # read by browser tests only: built ahead by the worker that starts Chromium


BUILDERS: dict[str, Builder] = {}


def site_builder(name: str, users: tuple[str, ...], shared: bool = False, browser: bool = True):
    """Register `build(root)` as the builder `name`, read through the fixtures `users`."""
    def register(build: Callable[[Path], None]):
        BUILDERS[name] = Builder(name, build, frozenset(users), shared, browser)
        return build
    return register


def build_or_fail(dest: Path, env: dict[str, str] | None = None, what: str = "the site") -> Path:
    done = build_site(dest, env=env)
    assert done.returncode == 0, f"{what} did not build:\n{done.stdout}\n{done.stderr}"
    return dest


def prebuilt(tmp_path_factory, name: str) -> Path:
    """The folder builder `name` built into, in this run: built now unless it already is (by the
    background thread or, for a shared builder, another worker, which this waits for)."""
    builder = BUILDERS[name]
    base = run_root(tmp_path_factory) if builder.shared else tmp_path_factory.getbasetemp()
    root = base / f"build-{name}"
    with open(base / f"build-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # across threads and processes (one open file each)
        try:
            if not (root / ".built").is_file():
                if root.exists():
                    shutil.rmtree(root)   # a build that failed half-way: start again
                root.mkdir()
                builder.build(root)
                (root / ".built").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return root


_ahead = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="prebuild")


def build_ahead(session, tmp_path_factory, browser: bool) -> None:
    """Queue, for the background thread, the builders (browser ones or the others) that the session's
    tests use, in the order of the first test that uses each."""
    tmp_path_factory.getbasetemp()   # made here, in the main thread, before the background thread asks
    first_use: dict[str, int] = {}
    for index, item in enumerate(session.items):
        names = set(getattr(item, "fixturenames", ()))
        for builder in BUILDERS.values():
            if builder.browser == browser and builder.name not in first_use and builder.users & names:
                first_use[builder.name] = index
    for name in sorted(first_use, key=first_use.get):
        _ahead.submit(_quietly, prebuilt, tmp_path_factory, name)


def _quietly(fn, *args) -> None:
    _in_background.active = True
    try:
        fn(*args)
    except BaseException:  # noqa: BLE001  the test that reads it builds it again and reports the failure
        pass
    finally:
        _in_background.active = False


@pytest.fixture(scope="session", autouse=True)
def _build_ahead(request, tmp_path_factory):
    build_ahead(request.session, tmp_path_factory, browser=False)
    yield
    _ahead.shutdown(wait=True, cancel_futures=True)


@site_builder("default", users=("site_dir",), shared=True, browser=False)
def _default_site(root: Path) -> None:
    build_or_fail(root / "site")


@site_builder("programme", users=("settings_site_dir",), shared=True, browser=False)
def _programme_site(root: Path) -> None:
    content = root / "content"
    shutil.copytree(REPO / "content", content)
    shutil.copy(REPO / "tests" / "fixtures" / "local-settings" / "settings.yml", content / "settings.yml")
    build_or_fail(root / "site", env={"OAMT_CONTENT_DIR": str(content)}, what="the site with the fixture settings")


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    return prebuilt(tmp_path_factory, "default") / "site"


@pytest.fixture(scope="session")
def settings_site_dir(tmp_path_factory) -> Path:
    """The site as a programme would host it: the real content with tests/fixtures/local-settings/settings.yml."""
    return prebuilt(tmp_path_factory, "programme") / "site"


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
def browser(request, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it with apt-get.")
    from playwright.sync_api import sync_playwright

    # This worker runs the browser tests: the sites only they read are built from now on, in the background.
    build_ahead(request.session, tmp_path_factory, browser=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS, headless=True)
        yield b
        b.close()


def pytest_collection_modifyitems(items):
    """Everything under tests/browser/ drives Chromium: `make test-fast` leaves it out with -m "not browser"."""
    for item in items:
        if "/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


def is_browser_test(nodeid: str) -> bool:
    return "/browser/" in nodeid.split("::", 1)[0]


_first_test = True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Under pytest-xdist, a worker whose first test is not a browser test runs beside the browser tests
    (BrowserGroupScheduling gives all of them to one worker, first): it lowers its own priority, so that
    the browser tests, the longest chain of the run, get the CPU when both want it."""
    global _first_test
    if _first_test:
        _first_test = False
        if os.environ.get("PYTEST_XDIST_WORKER") and not is_browser_test(item.nodeid):
            os.nice(10)


try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pytest-xdist is in the test extra (pyproject.toml), for `-n 2`
    LoadScopeScheduling = None

if LoadScopeScheduling is not None:
    class BrowserGroupScheduling(LoadScopeScheduling):
        """The browser tests are one unit of work, which one worker runs, one test after another, in the
        order they are collected: never two browsers at once. Every other test is a unit of its own,
        given to whichever worker is free, so they run beside the browser tests. (pytest-xdist's own
        `--dist loadgroup` with an xdist_group mark would do this, but it renames the test ids through an
        attribute that pytest 9 no longer reads, and the group is lost.)"""

        def _split_scope(self, nodeid: str) -> str:
            return "tests/browser" if is_browser_test(nodeid) else nodeid

    def pytest_xdist_make_scheduler(config, log):
        """Whatever `--dist` asks for (`-n 2` alone means `--dist load`), the browser tests
        stay on one worker; only `--dist each` (every test on every worker) is left as it is."""
        if config.getvalue("dist") != "each":
            return BrowserGroupScheduling(config, log)
        return None
