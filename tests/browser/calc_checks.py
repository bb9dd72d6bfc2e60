"""One data-file case per calculator, run in a page and compared with CPython.

Used by the tests of the unzipped copy, the sub-path copy and Firefox: what
the page shows must be what `calculators.respond` renders under CPython for
the same inputs and the same page facts.
"""

from __future__ import annotations

import calculators
from tests.datafiles import calculator_data
from tests.datafiles import DATA, load_case

from .support import fill_form, submit

# One case each: a worked example, a plan that fits the stock, an eligible assessment.
CASES = {
    "taper": DATA / "taper" / "valid" / "proportional-methadone-80-10pct-stop-5.json",
    "stock": DATA / "stock" / "valid" / "methadone-taper-fits.json",
    "takehome": DATA / "takehome" / "valid" / "who-2025-disruption-programme-30.json",
}

# Keeps the page facts (dates, version, local settings) that calculator.js sends to its worker with
# each calculation, so that CPython renders with the same ones. On file:// mkdocs-material's shim
# replaces window.Worker; calculator.js uses the browser's own, saved as __NativeWorker.
SPY_ON_CONTEXT = """() => {
  const W = window.__NativeWorker || window.Worker;
  if (W.prototype.__spied) return;
  const send = W.prototype.postMessage;
  W.prototype.postMessage = function (msg, transfer) {
    if (msg && msg.type === "run") window.__sentContext = msg.context;
    return send.call(this, msg, transfer);
  };
  W.prototype.__spied = true;
}"""
SENT_CONTEXT = "() => window.__sentContext"

# The text a reader sees of some HTML, parsed by the page itself.
TEXT_OF = """html => { const box = document.createElement("div"); box.innerHTML = html; return box.textContent; }"""


def words(text: str) -> str:
    return " ".join(text.split())


def enter(page, calculator: str, inputs: dict) -> None:
    if calculator == "stock":  # cohort rows: the generic form filler does not add rows
        from .test_stock_browser import enter as enter_stock

        enter_stock(page, inputs)
    else:
        fill_form(page, calculator, inputs)


def expected_text(page, calculator: str, inputs: dict) -> str:
    """What CPython renders for these inputs with the page facts the page sent, as text."""
    context = page.evaluate(SENT_CONTEXT)
    assert context, "the page sent no calculation"
    response = calculators.respond(calculator, inputs, calculator_data(), context)
    assert response["ok"], response["errors"]
    return words(page.evaluate(TEXT_OF, response["html"]))


def check_case(page, calculator: str) -> None:
    """Run the calculator's case on `page` (already on its calculator page); the result equals CPython's."""
    inputs = load_case(CASES[calculator])["inputs"]
    page.evaluate(SPY_ON_CONTEXT)
    enter(page, calculator, inputs)
    submit(page, calculator)
    status = page.locator(f'form[data-calculator="{calculator}"] [data-calculator-status]')
    assert status.get_attribute("data-state") == "done", status.inner_text()
    shown = words(page.locator(f"#result-{calculator}").text_content())
    assert shown, "no result shown"
    assert shown == expected_text(page, calculator, inputs)
