"""The calculators speak the reader's language (issue 18), under CPython.

- every message of the calculators has a checked translation in each language, and the shipped .po files
  have no problem (placeholders kept, plural forms counted);
- for every case file, in every language: the same answer (ok or not, the same fields in error, the same
  result values), the same numbers in the shown result, and no English sentence left in it;
- numbers, dates and plural forms follow each language's locale;
- a .po file that breaks a placeholder fails the build naming the file, the message and the reason.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from decimal import Decimal
from html import unescape

import pytest

import calculators
from calculators.fields import date_text, number_text, plural
from calculators.messages import speaking, tr_n
from sitebuild import messages
from sitebuild.content import ContentError, calculator_data as content_calculator_data, default_content_dir
from tests.datafiles import calculator_data, data_files, load_case
from tests.test_decimal_input import AMBIGUOUS
from tests.test_i18n import english_runs

LANGS = ("fr", "ru", "uk", "ar")
CASES = [(name, path) for name in sorted(calculators.CALCULATORS) for kind in ("valid", "invalid")
         for path in data_files(name, kind)]


def text_of(html: str, citations: bool = True) -> str:
    """The text a reader sees; without `citations`, the source references left out (they quote their English
    sources, on purpose). Spaces are collapsed, but not the no-break spaces that group digits."""
    if not citations:
        html = re.sub(r'<a class="cite"[^>]*>.*?</a>', " ", html, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def numbers_in(text: str, lang: str) -> Counter:
    """The numbers a reader sees, as plain decimals, whatever the language's grouping and decimal mark."""
    data = calculator_data()["messages"]
    locale = data[lang]["locale"] if lang != "en" else {"group": ",", "decimal": "."}
    # Where the decimal mark is a comma, a point between digits is read as one too: figures quoted from a label
    # ("0.4 mg") may keep the point.
    marks = "[.,]" if locale["decimal"] == "," else re.escape(locale["decimal"])
    group = re.escape(locale["group"])
    found = re.findall(rf"\d{{1,3}}(?:{group}\d{{3}})+(?:{marks}\d+)?|\d+(?:{marks}\d+)?", text)
    return Counter(str(Decimal(re.sub(marks, ".", n.replace(locale["group"], "")))) for n in found)


def test_every_message_is_translated_in_every_language():
    report = messages.report(default_content_dir(), calculator_data())
    assert set(LANGS) <= set(report)
    for lang in LANGS:
        assert report[lang]["missing"] == [], f"{lang}: {len(report[lang]['missing'])} messages still in English"
        assert report[lang]["messages"] > 300  # the calculators' messages were found (tr/tr_n/marked calls)


def test_the_shipped_translations_have_no_problem():
    problems: list = []
    messages.compile_all(default_content_dir(), calculator_data(), problems)
    assert problems == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name,path", CASES, ids=[f"{n}-{p.parent.name}-{p.stem}" for n, p in CASES])
def test_every_case_gives_the_same_answer_in_the_readers_language(name, path, lang):
    inputs = load_case(path)["inputs"]
    data = calculator_data()
    context = {"today": "2026-11-30", "version": "test", "built": "2026-11-30"}
    # A decimal typed with a comma is the decimal where the language writes one (tests/test_decimal_input.py).
    english = calculators.respond(name, english_reading(inputs, data["messages"][lang]["locale"]["decimal"]),
                                  data, context)
    translated = calculators.respond(name, inputs, data, {**context, "lang": lang})
    assert translated["ok"] == english["ok"]
    assert set(translated["errors"]) == set(english["errors"])
    for field, message in translated["errors"].items():
        assert message, field
        assert not english_runs(message, 6), (field, message)
    if english["ok"]:
        shown, english_shown = text_of(translated["html"]), text_of(english["html"])
        left = english_runs(text_of(translated["html"], citations=False))
        assert not left, left[:3]
        assert numbers_in(shown, lang) == numbers_in(english_shown, "en")
        # The contract is language-neutral: the same names and values (only the texts meant to be read differ).
        assert _values(translated["result"]) == _values(english["result"])


def english_reading(value, mark: str):
    """The inputs as an English page would need them typed to mean the same: where the language's decimal mark is
    a comma, 7,5 becomes 7.5 (a figure that is asked again in both, such as 1,500, is left as it is)."""
    if isinstance(value, dict):
        return {k: english_reading(v, mark) for k, v in value.items()}
    if isinstance(value, list):
        return [english_reading(v, mark) for v in value]
    if mark == "," and isinstance(value, str) and re.fullmatch(r"[+-]?(\d+,\d*|,\d+)", value.strip()) \
            and not AMBIGUOUS.match(value.strip()):
        return value.replace(",", ".")
    return value


# Keys whose text is a name, an id or a value of the contract (the same in every language); every other text of a
# result is written for a reader.
ID_KEYS = {"name", "id", "value", "source_id", "level", "medicine", "mode", "kind", "status", "formulation",
           "profile", "outcome", "state", "code", "key"}


def _values(value, key: str = ""):
    """Numbers, booleans, ids and dates of a result, without its sentences."""
    if isinstance(value, dict):
        return {k: _values(v, k) for k, v in value.items() if not isinstance(v, str) or k in ID_KEYS or _is_value(v)}
    if isinstance(value, list):
        return [_values(v, key) for v in value if not isinstance(v, str) or _is_value(v)]
    return value


def _is_value(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}", text))


def test_numbers_dates_and_plurals_follow_the_language():
    data = calculator_data()["messages"]
    with speaking(data["fr"]):
        assert number_text("100800.5") == "100\u202f800,5"
        assert date_text("2026-12-01") == "mar. 1 déc. 2026"
        assert plural(1, "days") == "1 jour" and plural(3, "days") == "3 jours"
    with speaking(data["ru"]):
        assert [plural(n, "days") for n in (1, 2, 5, 21, 1.5)] == ["1 день", "2 дня", "5 дней", "21 день", "1,5 дня"]
    with speaking(data["uk"]):
        assert [plural(n, "days") for n in (1, 3, 11)] == ["1 день", "3 дні", "11 днів"]
    with speaking(data["ar"]):
        forms = [plural(n, "days") for n in (0, 1, 2, 3, 11, 100)]
        assert all(re.search(r"\d", f) for f in forms), forms  # every form keeps the figure
        assert number_text("1200.5") == "1,200.5"
    assert number_text("100800.5") == "100,800.5" and date_text("2026-12-01") == "Tue 1 Dec 2026"
    assert tr_n("{n} day", "{n} days", 2, n="2") == "2 days"


def test_a_broken_translation_fails_the_build_naming_file_message_and_reason(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(default_content_dir(), content)
    po = content / "translations" / "fr" / "messages" / "fields.po"
    text = po.read_text(encoding="utf-8")
    entry = re.search(r'msgid "([^"]*\{(\w+)\}[^"]*)"\nmsgstr "([^"]+)"', text)
    assert entry, "no French message with a placeholder to break"
    broken = entry.group(3).replace("{" + entry.group(2) + "}", "{" + entry.group(2) + "_x}")
    po.write_text(text.replace(f'msgstr "{entry.group(3)}"', f'msgstr "{broken}"', 1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        content_calculator_data(content)
    message = str(caught.value)
    assert "translations/fr/messages/fields.po" in message and "placeholders" in message
