"""Build time: the full build (what `make build` runs) against a plain `mkdocs build` of the
same Markdown with no hook, and the offline zip.

Both builds write into temporary folders, never into site/, which others may be serving.
The plain build gets the Markdown the hook generates, written out beforehand (not timed),
and a copy of mkdocs.yml without `hooks:`; so it pays MkDocs and the theme only, not
loading content/, rendering pages, packing the runtime or writing the service worker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
CAPTURE_HOOK = Path(__file__).resolve().parent / "capture_hook.py"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def full_build_command(dest: Path) -> list[str]:
    """`make build` is `mkdocs build --strict` with the repository's mkdocs.yml (and its hook)."""
    return [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(dest)]


def _repo_config() -> dict:
    # mkdocs.yml has no custom YAML tags, so the safe loader reads it. Paths become absolute,
    # as the configs written here live in a temporary folder.
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(REPO / config.get("docs_dir", "docs"))
    config["theme"]["custom_dir"] = str(REPO / config["theme"]["custom_dir"])
    config["hooks"] = [str(REPO / hook) for hook in config.get("hooks", [])]
    return config


def _write_config(config: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def prepare_plain_build(work: Path) -> Path:
    """Write the Markdown the full build feeds MkDocs, and a config without `hooks:`, into `work`.

    One full build (not timed) runs with capture_hook after the real hook, which writes down
    every page's final Markdown, the navigation and `extra` as the hook left them."""
    docs = work / "docs"
    shutil.copytree(REPO / "docs", docs)  # the static files; the capture overwrites every page
    config = _repo_config()
    capture = {**config, "hooks": config["hooks"] + [str(CAPTURE_HOOK)]}
    run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
         "-f", str(_write_config(capture, work / "capture.yml")), "-d", str(work / "capture-site")],
        env={**ENV, "BENCH_CAPTURE_DIR": str(work)})
    captured = json.loads((work / "config.json").read_text(encoding="utf-8"))
    plain = {**config, "docs_dir": str(docs), "nav": captured["nav"], "extra": captured["extra"]}
    del plain["hooks"]
    return _write_config(plain, work / "mkdocs.yml")


def plain_build_command(config_file: Path, dest: Path) -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file), "-d", str(dest)]


def run(command: list[str], env: dict[str, str] = ENV) -> None:
    """Run `command` in the repository; stop the bench with its output if it fails."""
    done = subprocess.run(command, check=False, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def timed(command: list[str], env: dict[str, str] = ENV) -> float:
    """Seconds of wall clock for one run of `command`."""
    started = time.perf_counter()
    run(command, env)
    return time.perf_counter() - started


def build_times(work: Path, runs: int) -> dict[str, list[float]]:
    """Full and plain builds, interleaved so a burst of load hits both alike; and one full build with an empty
    cache (OAMT_CACHE_DIR: the memory snapshot and the gzipped wasm are made again), as a fresh clone builds."""
    plain_config = prepare_plain_build(work / "plain")
    times: dict[str, list[float]] = {"full_s": [], "plain_s": [], "cold_s": []}
    for n in range(runs):
        times["full_s"].append(timed(full_build_command(work / f"full-site-{n}")))
        times["plain_s"].append(timed(plain_build_command(plain_config, work / f"plain-site-{n}")))
    times["cold_s"].append(timed(full_build_command(work / "cold-site"),
                                 env={**ENV, "OAMT_CACHE_DIR": str(work / "empty-cache")}))
    return times


def offline_zip_bytes(site: Path, dist: Path) -> int:
    """Size of the zip `make offline` makes of this site."""
    run([sys.executable, "-m", "sitebuild.offline", str(site), str(dist)])
    (zip_file,) = dist.glob("*.zip")
    return zip_file.stat().st_size
