"""Lighthouse scores (npm `lighthouse`, pinned in bench/package.json; v12 runs on Node 20).

Lighthouse starts its own Debian Chromium (CHROME_PATH) with the same flags as the rest of
the bench, so no host but 127.0.0.1 resolves; the requests it saw to any other origin are
returned, so the bench can report them.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from .browser import CHROME_FLAGS, CHROMIUM, is_local

LIGHTHOUSE = Path(__file__).resolve().parent / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
# The metrics behind the performance score, so a low score can be read from results.json.
METRICS = ("first-contentful-paint", "largest-contentful-paint", "speed-index", "total-blocking-time")


def chrome_flags() -> str:
    """The flags as the one string Lighthouse splits; quotes keep a value with spaces one flag."""
    flags = ["--headless"]
    for flag in CHROME_FLAGS:
        name, _, value = flag.partition("=")
        flags.append(f"{name}='{value}'" if " " in value else flag)
    return " ".join(flags)


def audit(url: str, report: Path) -> dict:
    """One Lighthouse run on `url` (default mobile settings): scores, performance metrics (ms),
    the scored accessibility and best-practice audits that failed, and any off-site request."""
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `make bench`, which installs it with `npm ci --prefix bench`.")
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={chrome_flags()}"]
    done = subprocess.run(command, check=False, env={**os.environ, "CHROME_PATH": CHROMIUM},
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"Lighthouse failed on {url}:\n{done.stdout}\n{done.stderr}")
    result = json.loads(report.read_text(encoding="utf-8"))
    if result.get("runtimeError"):
        raise SystemExit(f"Lighthouse could not audit {url}: {result['runtimeError']}")
    audits = result["audits"]
    failing = {c: [ref["id"] for ref in result["categories"][c]["auditRefs"]
                   if ref["weight"] > 0 and audits[ref["id"]]["score"] is not None and audits[ref["id"]]["score"] < 1]
               for c in CATEGORIES[1:]}
    return {
        "scores": {c: result["categories"][c]["score"] for c in CATEGORIES},
        "metrics_ms": {m: round(audits[m]["numericValue"]) for m in METRICS},
        "failing_audits": failing,
        "offsite": [r["url"] for r in audits["network-requests"]["details"]["items"] if not is_local(r["url"])],
    }
