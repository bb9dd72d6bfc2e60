"""For bench/build.py only: a second `hooks:` entry, after sitebuild/mkdocs_hook.py, that writes
down what the real hook handed MkDocs (every page's final Markdown, the navigation and `extra`),
so the plain build gets exactly the same Markdown without running the hook."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

OUT = Path(os.environ["BENCH_CAPTURE_DIR"])


def on_config(config):
    captured = {"nav": config["nav"], "extra": dict(config["extra"])}
    (OUT / "config.json").write_text(json.dumps(captured, default=str), encoding="utf-8")


def on_page_markdown(markdown, page, config, files):
    # MkDocs has already taken the front matter off (title, description…): put it back.
    front_matter = f"---\n{yaml.safe_dump(page.meta, allow_unicode=True)}---\n\n" if page.meta else ""
    target = OUT / "docs" / page.file.src_uri
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(front_matter + markdown, encoding="utf-8")
