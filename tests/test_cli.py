"""`python -m calculators` never prints a traceback (issue 13): every input of the fuzz set
(tests/fuzzcases.py: bad numbers and near-miss links), the issue's cases (a start date whose schedule
leaves the calendar, JSON nested 100,000 deep) and malformed standard input are answered with JSON,
exit status 2 and the error at its field. A handful run as a real process; the fuzz set runs in-process
through `calculators.__main__.main`, which is what the process runs.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from calculators import INTERNAL_ERROR
from calculators.__main__ import main
from tests.fuzzcases import all_cases, all_near_misses, content_data

REPO = Path(__file__).resolve().parent.parent
DATA = content_data()
TAPER = {"medicine": "methadone", "start_dose_mg": "80", "stop_dose_mg": "5"}


def cli(args: list[str], stdin: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "calculators", *args], input=stdin, capture_output=True,
                          cwd=REPO, timeout=120)


def answer(done: subprocess.CompletedProcess) -> dict:
    assert b"Traceback" not in done.stdout and b"Traceback" not in done.stderr, done.stderr.decode()[-2000:]
    return json.loads(done.stdout)


ISSUE_CASES = [
    # (name, standard input, field the error is at)
    ("start-date-9999", json.dumps({**TAPER, "start_date": "9999-12-25"}), "start_date"),
    ("nested-100000", "[" * 100_000 + "]" * 100_000, "_form"),
    ("nested-object-100000", '{"a":' * 100_000 + "1" + "}" * 100_000, "_form"),
    ("list", "[1, 2]", "_form"),
    ("string", '"start_dose_mg"', "_form"),
    ("null", "null", "_form"),
    ("not-json", "start_dose_mg=80", "_form"),
    ("huge-integer", '{"start_dose_mg": ' + "9" * 5000 + "}", "_form"),
    ("long-integer", '{"start_dose_mg": ' + "9" * 4000 + "}", "start_dose_mg"),
    ("overflowing-number", '{"start_dose_mg": 1e999}', "start_dose_mg"),
    ("nan", '{"start_dose_mg": NaN}', "start_dose_mg"),
    ("minus-infinity", '{"start_dose_mg": 80, "percent": -Infinity}', "percent"),
    ("mode-case", json.dumps({**TAPER, "mode": "Proportional", "percent": "25"}), "mode"),
    ("mode-typo", json.dumps({**TAPER, "mode": "lineal"}), "mode"),
    ("formulation-typo", json.dumps({**TAPER, "formulation": "bup-typo"}), "formulation"),
    ("unknown-key", json.dumps({**TAPER, "percnet": "50"}), "percnet"),
    ("lone-surrogate-key", '{"start_dose_mg": 80, "\\ud800": 1}', "\ud800"),
]


@pytest.mark.parametrize(("text", "field"), [(t, f) for _, t, f in ISSUE_CASES], ids=[c[0] for c in ISSUE_CASES])
def test_issue_cases_in_process(capsys, monkeypatch, text, field):
    assert_cli_error(capsys, monkeypatch, ["taper"], text.encode("utf-8"), field)


def assert_cli_error(capsys, monkeypatch, argv, stdin: bytes, field: str) -> dict:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(argv, data=DATA)
    out, err = capsys.readouterr()
    assert "Traceback" not in out and "Traceback" not in err
    response = json.loads(out)
    assert code == 2, response
    assert response["ok"] is False and response["result"] is None
    assert response["errors"].get(field), response["errors"]
    assert response["errors"].get("_form") != INTERNAL_ERROR
    return response


FUZZ = all_cases()
NEAR = all_near_misses()


@pytest.mark.parametrize("case", FUZZ, ids=[c.id for c in FUZZ])
def test_every_fuzz_input_is_a_json_error(capsys, monkeypatch, case):
    assert_cli_error(capsys, monkeypatch, [case.calculator], json.dumps(case.inputs()).encode(), case.field)


@pytest.mark.parametrize("case", NEAR, ids=[c.id for c in NEAR])
def test_every_near_miss_is_a_json_error(capsys, monkeypatch, case):
    assert_cli_error(capsys, monkeypatch, [case.calculator], json.dumps(case.inputs()).encode(), case.error_on)


# ---------------------------------------------------------------- as a real process

PROCESS_CASES = [
    ("start-date-9999", json.dumps({**TAPER, "start_date": "9999-12-25"}).encode(), "start_date"),
    ("nested-100000", b"[" * 100_000 + b"]" * 100_000, "_form"),
    ("nan", b'{"start_dose_mg": NaN}', "start_dose_mg"),
    ("not-utf-8", b'{"start_dose_mg": "\xff80"}', "_form"),
    ("unknown-key", json.dumps({**TAPER, "percnet": "50"}).encode(), "percnet"),
]


@pytest.mark.parametrize(("stdin", "field"), [(s, f) for _, s, f in PROCESS_CASES], ids=[c[0] for c in PROCESS_CASES])
def test_the_process_answers_with_json_and_status_2(stdin, field):
    done = cli(["taper"], stdin)
    response = answer(done)
    assert done.returncode == 2 and response["ok"] is False and response["errors"].get(field), response


def test_a_flag_and_standard_input_together():
    done = cli(["taper", "--mode", "Linear"], json.dumps(TAPER).encode())
    response = answer(done)
    assert done.returncode == 2 and "here “linear”" in response["errors"]["mode"]


def test_a_good_input_still_gives_a_result():
    done = cli(["taper"], json.dumps(TAPER).encode())
    assert done.returncode == 0 and answer(done)["ok"] is True


@pytest.mark.parametrize(("content", "words"), [
    (b"[" * 100_000, "nested too deeply"),
    (b"[1, 2]", "JSON object"),
    (b"\xff\xfe", "not UTF-8"),
    (b"{", "not valid JSON"),
], ids=["nested", "list", "not-utf-8", "not-json"])
def test_a_bad_data_file_is_a_form_error(tmp_path, content, words):
    path = tmp_path / "data.json"
    path.write_bytes(content)
    done = cli(["taper", "--data", str(path)], json.dumps(TAPER).encode())
    response = answer(done)
    assert done.returncode == 2 and words in response["errors"]["_form"], response


@pytest.mark.parametrize(("calculator", "content", "words"), [
    ("taper", {"formulations": [{"id": 3}]}, "formulations: [0]"),
    ("takehome", {"profiles": "who-2009"}, "profiles: expected a list"),
    ("takehome", {"profiles": [{"id": "x"}]}, "profiles:"),
], ids=["formulation-incomplete", "profiles-not-a-list", "profile-incomplete"])
def test_content_data_that_fails_the_build_checks_is_a_form_error(tmp_path, calculator, content, words):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    done = cli([calculator, "--data", str(path)], b"{}")
    response = answer(done)
    assert done.returncode == 2 and words in response["errors"]["_form"], response


def test_the_messages_in_the_language_asked_for_with_the_repositorys_content(capsys, monkeypatch):
    import io

    from calculators.__main__ import main
    from tests.datafiles import calculator_data

    data = calculator_data()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    bad = ["taper", "--medicine", "methadone", "--start-dose-mg", "abc"]
    assert main(bad, data=data) == 2
    english = json.loads(capsys.readouterr().out)["errors"]["start_dose_mg"]
    assert main([*bad, "--lang", "fr"], data=data) == 2
    french = json.loads(capsys.readouterr().out)["errors"]["start_dose_mg"]
    asked = "Enter a number, for example {whole} or {decimal}."
    assert english == asked.format(whole="40", decimal="0.4")
    # French words, and the example's decimal written the French way.
    assert french == data["messages"]["fr"]["catalog"][asked].format(whole="40", decimal="0,4")
