"""Command line: `python -m calculators taper < inputs.json` prints the JSON result.

Exit status 0 with a result, 2 with field errors (printed in the same JSON),
1 when the calculator itself fails (a fault to report; the JSON says so).
No input, however malformed, prints a traceback: every answer is JSON.
Flags such as `--start-dose-mg 80` set or override single inputs (rows and
criteria by their flat names in the JSON). `--data data.json` reads the
content data the site embeds (formulations, take-home profiles, source
names); without it the calculators use their built-in defaults, and those
that need data say so. The repository's own entry point (see the README)
passes the repository's content. `--lang fr` gives the messages in French when the
data carries that language's catalogs (the repository's content does).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import CALCULATORS, INTERNAL_ERROR, read_json, run
from .fields import MULTICHOICE
from .messages import speaking


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m calculators", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="calculator", required=True)
    for name, calculator in CALCULATORS.items():
        p = sub.add_parser(name, help=calculator.title)
        p.add_argument("--data", metavar="FILE", help="the content data as JSON (what the site embeds)")
        p.add_argument("--lang", metavar="LANG", default="",
                       help="the language of the messages (fr, ru, uk, ar: those the data has catalogs for); "
                            "names and values stay the same")
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
    """The content data from `--data`; ValueError with a message for a file that cannot be used."""
    if not path:
        return {}
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    data, problem = read_json(text, f"The data in {path}")
    if problem:
        raise ValueError(problem)
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object of data set names and their items")
    return data


def data_problems(calculator: Any, data: dict[str, Any]) -> list[str]:
    """What is wrong with the content data a calculator reads, checked as the build checks its files."""
    found = []
    for data_set in calculator.data_sets:
        items = data.get(data_set.name)
        if items is None:
            continue
        if not isinstance(items, list):
            found.append(f"{data_set.name}: expected a list of items")
            continue
        problems = ([p for item in items for p in data_set.validate(item)] if data_set.one_item_per_file
                    else data_set.validate(items))
        found += [f"{data_set.name}: {where}: {what} ({fix})" for where, what, fix in problems]
    return found


def _print(response: Any) -> None:
    """The answer as JSON; characters the terminal cannot show are written as escapes."""
    try:
        print(json.dumps(response, indent=2, ensure_ascii=False))
    except UnicodeEncodeError:
        print(json.dumps(response, indent=2, ensure_ascii=True))


def _form_error(message: str) -> dict[str, Any]:
    return {"ok": False, "errors": {"_form": message}, "result": None}


def read_stdin() -> tuple[Any, str | None]:
    """The inputs from standard input: (value, None), or (None, a message)."""
    if sys.stdin is None or sys.stdin.isatty():
        return {}, None
    stream = getattr(sys.stdin, "buffer", None)
    if stream is not None:
        try:
            text = stream.read().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            return None, f"Standard input is not UTF-8 text ({e.reason} at byte {e.start})."
    else:
        text = sys.stdin.read()
    text = text.strip()
    if not text:
        return {}, None
    return read_json(text, "The inputs on standard input")


def main(argv: list[str] | None = None, data: dict[str, Any] | None = None) -> int:
    """`data` is given by the repository's entry point (its content); otherwise `--data`, or none."""
    args = parser().parse_args(argv)
    calculator = CALCULATORS[args.calculator]
    if data is None:
        try:
            data = read_data(args.data)
        except (OSError, ValueError) as e:
            _print(_form_error(f"--data: {e}"))
            return 2
        try:
            problems = data_problems(calculator, data)
        except Exception:  # a validator that cannot read the data at all
            problems = ["the data cannot be read as the site's content data"]
        if problems:
            _print(_form_error("--data: " + "; ".join(problems[:10])))
            return 2
    try:
        for action in calculator.cli_actions:
            if getattr(args, action.flag.lstrip("-").replace("-", "_")):
                _print(action.run(data))
                return 0
        inputs, problem = read_stdin()
        if problem:
            _print(_form_error(problem))
            return 2
        if isinstance(inputs, dict):
            for f in calculator.fields(data):
                value = getattr(args, f.name, None)
                if value is not None:
                    inputs[f.name] = value
        with speaking((data.get("messages") or {}).get(args.lang)):
            result = run(args.calculator, inputs, data)
    except Exception:  # a fault in a calculator (or in the data given) must not end as a stack trace
        _print(_form_error(INTERNAL_ERROR))
        return 1
    _print(result)
    return 0 if result["ok"] else 2


if __name__ == "__main__":
    sys.exit(main())
