"""Helpers for driving the built site as a user would."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

from calculators import fields_for
from calculators.fields import BOOLEAN, CHOICE, MULTICHOICE, YESNO, effective_values, flatten

LOCAL_SCHEMES = {"data", "blob", "about", "file"}


def is_local(url: str, origin: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    return f"{parsed.scheme}://{parsed.netloc}" == origin


@dataclass
class Watch:
    """Everything a page did that a user should never see or that must not happen."""

    offsite: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def open_page(browser, url: str, route: bool = True):
    """A fresh context and page that records requests, console errors and page errors.

    Requests to any other origin are recorded and aborted, never sent. With `route=False` they are only recorded
    (the browser cannot look up any other host: tests/conftest.py), which spares every request a trip
    through the test: for tests that load many pages.
    """
    context = browser.new_context()
    parsed = urlparse(url)
    origin = f"{parsed.scheme}://{parsed.netloc}"
    watch = Watch()

    def abort_offsite(r):
        if is_local(r.request.url, origin):
            r.continue_()
        else:
            watch.offsite.append(r.request.url)
            r.abort()

    if route:
        context.route("**/*", abort_offsite)
    context.on("request", lambda r: watch.requests.append(r.url) or (
        None if is_local(r.url, origin) else watch.offsite.append(r.url)))
    page = context.new_page()
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))
    page.goto(url)
    return context, page, watch


def declared_fields(calculator: str):
    """The fields as the form shows them (a calculator may add fields from content data)."""
    from tests.datafiles import calculator_data

    return fields_for(calculator, calculator_data())


def by_label(scope, label: str, unit: str = "", optional: bool = False):
    """The control with exactly this visible label (which also shows the unit and "(optional)")."""
    name = label + (f" ({unit})" if unit else "") + (" (optional)" if optional else "")
    return scope.get_by_label(name, exact=True)


def fill_form(page, calculator: str, inputs: dict) -> None:
    """Fill a calculator form by its visible labels, as a person would."""
    form = page.locator(f'form[data-calculator="{calculator}"]')
    form.locator("button[type=reset]").click()
    # The calculators' own reading of names and defaults decides what the form shows.
    declared = declared_fields(calculator)
    flat = flatten(inputs, declared)
    effective = effective_values(declared, flat)
    # A name may stand under several questions (one per profile): take the one that applies.
    fields = {}
    for f in declared:
        if f.name in flat and (f.name not in fields or f.applies(effective)):
            fields[f.name] = f
    inputs = {k: v for k, v in flat.items() if k in fields and fields[k].applies(effective)}
    # Choices first: they decide which other fields are shown.
    ordered = sorted(inputs.items(), key=lambda kv: 0 if kv[0] in fields and fields[kv[0]].kind == CHOICE else 1)
    for name, value in ordered:
        f = fields[name]
        if f.kind == CHOICE:
            by_label(form, f.label, f.unit, not f.required).select_option(str(value))
        elif f.kind == MULTICHOICE:
            for v in value:
                label = next(c.label for c in f.choices if c.value == v)
                form.get_by_role("group", name=f.label).get_by_label(label).check()
        elif f.kind == YESNO:
            group = form.get_by_role("group", name=f.label).first
            group.get_by_label("Yes" if value in (True, "yes", "true") else "No", exact=True).check()
        elif f.kind == BOOLEAN:
            box = by_label(form, f.label, f.unit, not f.required)
            box.check() if value in (True, "true") else box.uncheck()
        else:
            by_label(form, f.label, f.unit, not f.required).fill("" if value is None else str(value))


def submit(page, calculator: str) -> None:
    form = page.locator(f'form[data-calculator="{calculator}"]')
    status = form.locator("[data-calculator-status]")
    page.evaluate("s => s.dataset.state = 'submitted'", status.element_handle())
    form.get_by_role("button", name="Calculate").click()
    page.wait_for_function(
        "s => ['done', 'invalid', 'failed'].includes(s.dataset.state)", arg=status.element_handle(), timeout=60_000)


def shown_errors(page, calculator: str) -> dict[str, str]:
    form = page.locator(f'form[data-calculator="{calculator}"]')
    return page.evaluate(
        """f => Object.fromEntries([...f.querySelectorAll('[data-error-for]')]
              .filter(e => !e.hidden && e.textContent.trim()).map(e => [e.dataset.errorFor, e.textContent.trim()]))""",
        form.element_handle())


def goto_offline(page, url: str) -> None:
    """Open `url` in a context that is offline, as a device without a connection would.

    Under Playwright's offline emulation, Chromium 150 (Debian 12) starts each new document with
    `navigator.onLine` true although every request to the network fails; a device with no connection
    reports false. Applying the emulation again after the navigation gives the document that state.
    """
    page.goto(url)
    page.context.set_offline(False)
    page.context.set_offline(True)
    page.wait_for_function("() => navigator.onLine === false")



def wait_for_answer(page, calculator: str, timeout: int = 60_000) -> str:
    """Wait until the form's status says it answered (a result, errors or a failure); returns the state.

    For a page opened from a link, which calculates (or refuses) on its own.
    """
    status = page.locator(f'form[data-calculator="{calculator}"] [data-calculator-status]')
    page.wait_for_function(
        "s => ['done', 'invalid', 'failed'].includes(s.dataset.state)", arg=status.element_handle(), timeout=timeout)
    return status.get_attribute("data-state")


def status_line(page, calculator: str) -> tuple[str, str]:
    """The status line's state and text."""
    status = page.locator(f'form[data-calculator="{calculator}"] [data-calculator-status]')
    return status.get_attribute("data-state") or "", status.inner_text().strip()


# What a result region shows and offers, read in one round trip (see result_facts).
RESULT_FACTS = """box => {
    const notice = box.querySelector('.calc-stale-notice');
    const described = (box.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
        .map(id => document.getElementById(id)).filter(Boolean).map(el => el.textContent.trim()).join(' ');
    return {
        shown: !box.hidden && box.innerHTML.trim() !== '',
        stale: box.dataset.stale === 'true',
        notice: notice && notice.checkVisibility() ? notice.textContent.trim() : '',
        described: described,
        prints: [...box.querySelectorAll('[data-print]')].map(b => ({
            disabled: b.disabled, aria: b.getAttribute('aria-disabled') })),
        downloads: [...box.querySelectorAll('a[data-download]')].map(a => ({
            href: a.getAttribute('href'), aria: a.getAttribute('aria-disabled') })),
    };
}"""


def result_facts(page, calculator: str) -> dict:
    """Whether the result is shown and out of date, its notice, and its print and download controls."""
    return page.evaluate(RESULT_FACTS, page.locator(f"#result-{calculator}").element_handle())
