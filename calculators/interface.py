"""What a calculator declares about itself, once, in its own module.

Every calculator module ends with `CALCULATOR = Calculator(...)`: its name and
title, its form fields (a function of the content data, since some choices
come from data), `run`, the view that shows its result, the content data
sets it reads and its extra command-line actions. The package finds the
declarations (`calculators.CALCULATORS`); the build, the command line and
the tests iterate over them, so adding a calculator means adding a module
and a content page, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .fields import Field

Problem = tuple[str, str, str]  # (where in the file, what is wrong, how to fix it)


@dataclass(frozen=True, eq=False)
class DataSet:
    """Content a calculator reads: files under content/, checked by the build and read into typed values.

    `files` is a pattern under content/: one file holding a list of items
    (`formulations.yml`), or one item per file (`takehome/*.yml`).
    `validate(item_or_list)` returns every problem of one file's content;
    `parse(list_of_valid_items)` reads them into typed values. The site and the
    command line carry the data as JSON (`data[name]`: a list of items), and
    `typed(data)` reads it once and remembers the answer.
    """

    name: str
    files: str
    validate: Callable[[Any], list[Problem]]
    parse: Callable[[Sequence[Mapping[str, Any]]], tuple[Any, ...]]
    default: tuple[Any, ...] = ()  # what the calculators use when the data has no items of this set

    @property
    def one_item_per_file(self) -> bool:
        return "*" in self.files

    def typed(self, data: Mapping[str, Any] | None) -> tuple[Any, ...]:
        items = (data or {}).get(self.name)
        if not items:
            return self.default
        cached = _PARSED.get(id(items))
        if cached is None or cached[0] is not items:
            # The list is kept with its parse, so its id cannot be reused by another list while cached.
            if len(_PARSED) > 16:
                _PARSED.clear()
            cached = _PARSED[id(items)] = (items, self.parse(items))
        return cached[1]


_PARSED: dict[int, tuple[Any, tuple[Any, ...]]] = {}


@dataclass(frozen=True)
class CliAction:
    """An extra command-line action: `python -m calculators NAME --flag` prints `run(data)` as JSON."""

    flag: str
    help: str
    run: Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Calculator:
    name: str
    title: str
    fields: Callable[[Mapping[str, Any]], tuple[Field, ...]]
    run: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
    view: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
    data_sets: tuple[DataSet, ...] = ()
    cli_actions: tuple[CliAction, ...] = ()


def fixed_fields(fields: tuple[Field, ...]) -> Callable[[Mapping[str, Any]], tuple[Field, ...]]:
    """For a calculator whose fields do not depend on content data."""
    return lambda data: fields
