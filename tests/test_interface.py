"""One calculator interface: each calculator declares itself once, and the build, the command line and
the tests read the declarations. Nothing else lists the calculators."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

import calculators
from calculators import CALCULATORS, fields_for
from calculators.__main__ import parser
from calculators.fields import CHOICE, MULTICHOICE, ROWS
from calculators.interface import Calculator, DataSet
from sitebuild import content as content_model
from sitebuild.pages import BuildInfo, Renderer
from tests.datafiles import DATA, calculator_data, load_case

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "calculators"


def _defines_run(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.FunctionDef) and node.name == "run" for node in tree.body)


def test_every_calculator_module_declares_itself():
    """A module with a `run` entry point is a calculator: without a declaration it would be silently left out."""
    modules = [p.stem for p in sorted(PACKAGE.glob("*.py")) if not p.stem.startswith("_") and _defines_run(p)]
    assert modules, "no calculator module found"
    declared = {c.name: c for c in CALCULATORS.values()}
    for stem in modules:
        module = __import__(f"calculators.{stem}", fromlist=["CALCULATOR"])
        assert isinstance(getattr(module, "CALCULATOR", None), Calculator), f"calculators/{stem}.py declares nothing"
        assert declared[module.CALCULATOR.name] is module.CALCULATOR


def test_the_forms_come_from_the_declarations():
    loaded = content_model.load()
    pages = Renderer(loaded, BuildInfo("test", loaded.chapters[0].last_reviewed, "0")).pages()
    on_pages = {p.calculator for p in loaded.calculator_pages}
    assert on_pages == set(CALCULATORS), "every declared calculator has a page, and only those"
    for page in loaded.calculator_pages:
        html = pages[f"calculators/{page.slug}.md"]
        assert f'data-calculator="{page.calculator}"' in html
        for f in fields_for(page.calculator, loaded.site_data):
            names = [f"{f.name}.0.{c.name}" for c in f.columns] if f.kind == ROWS else [f.name]
            for name in names:
                assert f'name="{name}"' in html, (page.calculator, name)


def test_the_command_line_comes_from_the_declarations():
    sub = next(a for a in parser()._actions if a.dest == "calculator")
    assert set(sub.choices) == set(CALCULATORS)
    for name, calculator in CALCULATORS.items():
        flags = {opt for action in sub.choices[name]._actions for opt in action.option_strings}
        assert {a.flag for a in calculator.cli_actions} <= flags
        assert "--data" in flags


def test_data_set_validation_comes_from_the_declarations(tmp_path, monkeypatch):
    """A data set declared by a new calculator is loaded and validated by the build, with no build change."""
    def validate(item):
        return [] if isinstance(item, dict) and item.get("ok") is True else [("ok", "is not true.", "write ok: true.")]

    extra = DataSet("checks", "checks/*.yml", validate, lambda items: tuple(items))
    fake = replace(CALCULATORS["taper"], name="fake", data_sets=(extra,))
    monkeypatch.setitem(CALCULATORS, "fake", fake)
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    (target / "checks").mkdir()
    (target / "checks" / "good.yml").write_text("ok: true\n", encoding="utf-8")
    assert content_model.calculator_data(target)["checks"] == [{"ok": True}]
    (target / "checks" / "bad.yml").write_text("ok: false\n", encoding="utf-8")
    with pytest.raises(content_model.ContentError) as raised:
        content_model.calculator_data(target)
    assert "content/checks/bad.yml: field 'ok': is not true. Fix: write ok: true." in str(raised.value)


def test_calculators_never_import_the_build():
    for path in PACKAGE.rglob("*.py"):
        assert "sitebuild" not in path.read_text(encoding="utf-8"), path


def test_the_readme_command_line_works_without_the_repository_content(tmp_path):
    """`python -m calculators taper < inputs.json` runs from anywhere: the built-in formulations suffice."""
    shutil.copytree(PACKAGE, tmp_path / "calculators", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "calculators", "taper"], cwd=tmp_path, capture_output=True,
                          text=True, input=json.dumps({"start_dose_mg": "60", "percent": "10", "stop_dose_mg": "5"}))
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["result"]["schedule"]


def test_the_command_line_reads_the_data_the_site_embeds(tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps(calculator_data()), encoding="utf-8")
    case = {"profile": "who-2009", "medicine": "methadone", "days_in_treatment": 100}
    done = subprocess.run([sys.executable, "-m", "calculators", "takehome", "--data", str(data), "--profiles"],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert {p["id"] for p in json.loads(done.stdout)} == {p["id"] for p in calculator_data()["profiles"]}
    done = subprocess.run([sys.executable, "-m", "calculators", "takehome"], cwd=REPO, capture_output=True,
                          text=True, input=json.dumps(case))
    assert done.returncode == 2 and "pass --data" in json.loads(done.stdout)["errors"]["_form"]


def test_nested_and_flat_names_read_the_same():
    data = calculator_data()
    nested = {"medicine": "methadone", "stock_mg": "3000", "horizon_days": 30,
              "cohort": [{"dose_mg": "60", "patients": 2, "protected": False},
                         {"dose_mg": "40", "patients": 1, "protected": True}]}
    flat = {"medicine": "methadone", "stock_mg": "3000", "horizon_days": 30,
            "cohort.0.dose_mg": "60", "cohort.0.patients": 2, "cohort.0.protected": False,
            "cohort.1.dose_mg": "40", "cohort.1.patients": 1, "cohort.1.protected": True}
    assert calculators.run("stock", nested, data) == calculators.run("stock", flat, data)
    bad = calculators.run("stock", {**flat, "cohort.3.dose_mg": "x", "cohort.3.patients": 1}, data)
    assert "cohort.3.dose_mg" in bad["errors"], "errors use the names the row was sent under"


# ---------------------------------------------------------------- what a user sees


class _Text(HTMLParser):
    """The text a reader sees (no attributes, no scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return " ".join(reader.parts)


def internal_ids() -> set[str]:
    """Ids of choices, data items and warnings that are not words: they must never reach a reader."""
    data = calculator_data()
    ids = set()
    for name in CALCULATORS:
        for f in fields_for(name, data):
            ids.add(f.name) if "_" in f.name else None
            if f.kind in (CHOICE, MULTICHOICE):
                ids.update(c.value for c in f.choices)
    ids.update(item["id"] for items in (data.get("formulations", []), data.get("profiles", [])) for item in items)
    return {i for i in ids if re.search(r"[_-]", i)}


CASES = sorted(p for p in DATA.glob("*/valid/*.json") if p.parent.parent.name in CALCULATORS)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_no_internal_id_reaches_a_result_or_a_printed_sheet(case):
    name = case.parent.parent.name
    response = calculators.respond(name, load_case(case)["inputs"], calculator_data(),
                                   {"version": "1", "built": "2026-11-30", "today": "2026-11-30"})
    assert response["ok"], response["errors"]
    text = visible_text(response["html"])  # the page and every printed sheet: print only hides parts
    snake = re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text)
    assert not snake, f"snake_case words shown to the reader: {sorted(set(snake))}"
    shown = [i for i in internal_ids() if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)]
    assert not shown, f"internal ids shown to the reader: {shown}"


def test_a_profile_question_is_shown_as_text(tmp_path):
    """Content is text: '<b>' and '"' in a profile question are shown as typed, never as markup."""
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    profile = (REPO / "content" / "takehome" / "who-2009.yml").read_text(encoding="utf-8")
    question = re.search(r"question: (.+)", profile).group(1)
    odd = 'Is the dose <b>stable</b> and "agreed" & <img src=x onerror=alert(1)>?'
    profile = profile.replace("id: who-2009", "id: xx-escaping").replace(question, json.dumps(odd), 1)
    (target / "takehome" / "xx-escaping.yml").write_text(profile, encoding="utf-8")
    loaded = content_model.load(target)
    page = Renderer(loaded, BuildInfo("test", loaded.chapters[0].last_reviewed, "0")).pages()["calculators/takehome.md"]
    assert "<b>stable</b>" not in page and "<img" not in page
    assert "&lt;b&gt;stable&lt;/b&gt;" in page and "&#34;agreed&#34; &amp; &lt;img" in page
    assert visible_text(page).count(odd) == 1


def test_the_result_vocabulary_is_one():
    """Every warning of every data-file case has a level, an id, its text and its source."""
    for case in CASES:
        name = case.parent.parent.name
        result = calculators.run(name, load_case(case)["inputs"], calculator_data())["result"]
        for w in result.get("warnings", []):
            assert w["level"] in ("danger", "caution", "info"), (case, w)
            assert w["id"] and w["text"] and w["source_id"] and w["source"], (case, w)
        for rule in result["basis"]:
            assert rule["id"] and rule["text"] and rule["source"], (case, rule)
