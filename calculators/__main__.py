"""Command line: `python -m calculators taper < inputs.json` prints the JSON result.

Exit status 0 with a result, 2 with field errors (printed in the same JSON).
Flags such as `--start-dose-mg 80` set or override single inputs.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import CALCULATORS, run
from .fields import MULTICHOICE


def content_data() -> dict:
    """Content the calculators read (formulations, profiles), validated as in the build."""
    try:
        from sitebuild.content import calculator_data
    except ImportError:  # running outside the repository: calculators that need no data still work
        return {}
    return calculator_data()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calculators", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="calculator", required=True)
    for name, module in CALCULATORS.items():
        p = sub.add_parser(name, help=module.TITLE)
        for f in module.FIELDS:
            p.add_argument("--" + f.name.replace("_", "-"), dest=f.name, metavar=f.unit or "VALUE",
                           action="append" if f.kind == MULTICHOICE else "store", help=f.label)
        for flag, help_text in getattr(module, "CLI_FLAGS", {}).items():
            p.add_argument(flag, action="store_true", help=help_text)
    args = parser.parse_args(argv)
    module = CALCULATORS[args.calculator]
    data = content_data()
    for flag in getattr(module, "CLI_FLAGS", {}):
        if getattr(args, flag.lstrip("-").replace("-", "_")):
            print(json.dumps(module.cli_flag(flag, data), indent=2, ensure_ascii=False))
            return 0
    inputs = {}
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
        for f in module.FIELDS:
            value = getattr(args, f.name, None)
            if value is not None:
                inputs[f.name] = value
    result = run(args.calculator, inputs, data)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["ok"] else 2


if __name__ == "__main__":
    sys.exit(main())
