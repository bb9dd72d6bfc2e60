"""Command line: `python -m calculators taper < inputs.json` prints the JSON result.

Exit status 0 with a result, 2 with field errors (printed in the same JSON).
Flags such as `--start-dose-mg 80` set or override single inputs (rows and
criteria by their flat names in the JSON). `--data data.json` reads the
content data the site embeds (formulations, take-home profiles, source
names); without it the calculators use their built-in defaults, and those
that need data say so. The repository's own entry point (see the README)
passes the repository's content.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import CALCULATORS, run
from .fields import MULTICHOICE


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m calculators", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="calculator", required=True)
    for name, calculator in CALCULATORS.items():
        p = sub.add_parser(name, help=calculator.title)
        p.add_argument("--data", metavar="FILE", help="the content data as JSON (what the site embeds)")
        seen = set()
        for f in calculator.fields({}):
            if f.name in seen or "." in f.name:
                continue
            seen.add(f.name)
            p.add_argument("--" + f.name.replace("_", "-"), dest=f.name, metavar=f.unit or "VALUE",
                           action="append" if f.kind == MULTICHOICE else "store", help=f.label)
        for action in calculator.cli_actions:
            p.add_argument(action.flag, action="store_true", help=action.help)
    return top


def read_data(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv: list[str] | None = None, data: dict[str, Any] | None = None) -> int:
    """`data` is given by the repository's entry point (its content); otherwise `--data`, or none."""
    args = parser().parse_args(argv)
    calculator = CALCULATORS[args.calculator]
    if data is None:
        try:
            data = read_data(args.data)
        except (OSError, ValueError) as e:
            print(json.dumps({"ok": False, "errors": {"_form": f"--data: {e}"}, "result": None}))
            return 2
    for action in calculator.cli_actions:
        if getattr(args, action.flag.lstrip("-").replace("-", "_")):
            print(json.dumps(action.run(data), indent=2, ensure_ascii=False))
            return 0
    inputs: Any = {}
    if not sys.stdin.isatty():
        text = sys.stdin.read().strip()
        if text:
            try:
                inputs = json.loads(text)
            except ValueError as e:
                print(json.dumps({"ok": False, "errors": {"_form": f"Standard input is not JSON: {e}"},
                                  "result": None}))
                return 2
    if isinstance(inputs, dict):
        for f in calculator.fields({}):
            value = getattr(args, f.name, None)
            if value is not None:
                inputs[f.name] = value
    result = run(args.calculator, inputs, data)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["ok"] else 2


if __name__ == "__main__":
    sys.exit(main())
