"""The pure parts of the bench: statistics, figures from the page's event log,
goals, the results table and the README section it lives in (tests/test_bench.py)."""

from __future__ import annotations

import statistics
from typing import Any

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"

# The goals the spec sets; the other figures are ratios to watch, not pass/fail.
GOALS: dict[str, tuple[str, float]] = {
    "pyodide_bytes_on_handbook_page": ("=", 0),
    "lighthouse_min_performance": (">=", 0.95),
    "lighthouse_min_accessibility": (">=", 1.0),
    "lighthouse_min_best_practices": (">=", 1.0),
}

# Issue 16's figures (the snapshot boot, started before the user types): goals as upper bounds,
# checked when a run measured them (results of an earlier bench do not hold them).
UPPER_GOALS: dict[str, float] = {
    "cold_start_ratio": 0.4,
    "warm_visit_ratio": 0.25,
    "typing_user_wait_ratio": 0.1,
    "shared_link_ratio": 0.5,
    "file_vs_http_ratio": 1.5,
    "main_thread_longest_task_ms": 200,
    "offline_zip_mb": 20,
    "build_time_ratio": 2,
}
SNAPSHOT_KEYS = ("warm_visit_ratio", "typing_user_wait_ratio", "shared_link_ratio")

FINAL_STATES = ("done", "invalid", "failed")

# The figures results.json must hold (the spec's keys), each with its raw figures under "raw".
HEADLINE_KEYS = ("cold_start_ratio", "main_thread_longest_task_ms", "warm_result_ms", "handbook_page_bytes_ratio",
                 "pyodide_bytes_on_handbook_page", "build_time_ratio", "offline_zip_mb", "file_vs_http_ratio",
                 "lighthouse_min_performance", "lighthouse_min_accessibility", "lighthouse_min_best_practices")


def median(values: list[float]) -> float:
    if not values:
        raise ValueError("no runs to take the median of")
    return statistics.median(values)


def ratio(numerator: float, denominator: float, digits: int = 2) -> float:
    return round(numerator / denominator, digits)


def longest_task_ms(tasks: list[list[float]], start: float, end: float) -> float:
    """The longest of the `longtask` entries [startTime, duration] that overlap [start, end].

    The browser only reports tasks over 50 ms, so 0 means "none over 50 ms"."""
    overlapping = [duration for begin, duration in tasks if begin < end and begin + duration > start]
    return max(overlapping, default=0.0)


def first_state_after(states: list[list[Any]], wanted: tuple[str, ...], after: float) -> tuple[str, float]:
    """The first status change to one of `wanted` at or after `after` (a performance.now() time)."""
    for state, t in states:
        if state in wanted and t >= after:
            return state, t
    raise ValueError(f"the calculator never reached {'/'.join(wanted)} after {after:.0f} ms; states: {states}")


def visit_timings(log: dict[str, Any]) -> dict[str, float]:
    """Figures of one calculator visit from the page's event log (see browser.EVENT_LOG_SCRIPT):
    first focus → ready, each submit → its rendered result, and the longest main-thread
    task while the runtime booted."""
    focus = log["focus"]
    # The runtime starts when the page has loaded, so it may be ready before the first focus: the
    # wait is then nothing.
    _, ready = first_state_after(log["states"], ("ready",), 0.0)
    timings = {"ready_ms": round(max(0.0, ready - focus), 1)}
    for n, name in enumerate(("first_result_ms", "second_result_ms")[:len(log["submits"])]):
        submitted = log["submits"][n]
        state, shown = first_state_after(log["states"], FINAL_STATES, submitted)
        if state != "done":
            raise ValueError(f"submit {n + 1} ended as {state!r}, not a result: {log.get('status_text', '')}")
        timings[name] = round(shown - submitted, 1)
    timings["longest_task_ms"] = longest_task_ms(log["longtasks"], min(focus, ready), max(focus, ready))
    return timings


def result_timings(log: dict[str, Any]) -> dict[str, float]:
    """Figures of a visit timed from the navigation (browser.timed_visit): navigation → the first
    result, and the last submit (if any) → that result; the longest main-thread task before it."""
    after = log["submits"][-1] if log["submits"] else 0.0
    state, shown = first_state_after(log["states"], FINAL_STATES, after)
    if state != "done":
        raise ValueError(f"the visit ended as {state!r}, not a result: {log.get('status_text', '')}")
    return {"load_to_result_ms": round(shown, 1), "submit_to_result_ms": round(shown - after, 1),
            "longest_task_ms": longest_task_ms(log["longtasks"], 0.0, shown)}


def missed_goals(results: dict[str, Any]) -> list[str]:
    missed = []
    for key, goal in UPPER_GOALS.items():
        value = results.get(key)
        if value is not None and value > goal:
            missed.append(f"{key} = {value} (goal <= {goal:g})")
    for key, (op, goal) in GOALS.items():
        value = results.get(key)
        ok = value is not None and (value == goal if op == "=" else value >= goal)
        if not ok:
            missed.append(f"{key} = {value} (goal {op} {goal})")
    return missed


def _file_name(path: str) -> str:
    """/site/assets/javascripts/bundle.f13b1293.min.js?v=1 → assets/javascripts/bundle.f13b1293.min.js"""
    return path.split("?", 1)[0].split("/", 2)[-1]


def extra_files(visits: dict) -> dict[str, int]:
    """What a chapter loads beyond an empty mkdocs-material page, by file (the theme's own files are in both),
    largest first."""
    empty = {_file_name(p) for p, _ in visits["empty"].get("files", [])}
    extra: dict[str, int] = {}
    for path, size in visits["chapter"].get("files", []):
        name = _file_name(path)
        if name not in empty:
            extra[name] = extra.get(name, 0) + size
    return dict(sorted(extra.items(), key=lambda kv: -kv[1]))


def summarise(runs: dict, builds: dict, zip_bytes: int, scores: dict, offsite: list[str]) -> dict:
    """The headline figures (medians and ratios of medians), then the raw figures behind them."""
    cold = [r["ready_ms"] + r["first_result_ms"] for r in runs["http"]]
    cold_file = [r["ready_ms"] + r["first_result_ms"] for r in runs["file"]]
    bare = [r["boot_ms"] for r in runs["bare"]]
    warm_visit = [r["ready_ms"] + r["first_result_ms"] for r in runs["warm_visit"]]
    page_bytes = {name: median([v[name]["bytes"] for v in runs["page_bytes"]]) for name in runs["page_bytes"][0]}
    # The most runtime bytes any visit to a page without a calculator cost (the goal is none at all).
    pyodide_bytes = max(v[name]["pyodide_bytes"] for v in runs["page_bytes"] for name in v if name != "empty")
    raw = {
        "calculator_ready_ms": round(median([r["ready_ms"] for r in runs["http"]])),
        "calculator_first_result_ms": round(median([r["first_result_ms"] for r in runs["http"]])),
        "calculator_cold_start_ms": round(median(cold)),
        "bare_boot_ms": round(median(bare)),
        "main_thread_longest_task_max_ms": round(max(r["longest_task_ms"] for r in runs["http"])),
        "bare_longest_task_ms": round(median([r["longest_task_ms"] for r in runs["bare"]])),
        "calculator_warm_visit_ms": round(median(warm_visit)),
        "warm_visit_pyodide_bytes_from_server": max(r["pyodide_bytes"] for r in runs["warm_visit"]),
        "handbook_page_bytes": round(page_bytes["chapter"]),
        "empty_material_page_bytes": round(page_bytes["empty"]),
        "handbook_first_visit_bytes": round(page_bytes["chapter_with_service_worker"]),
        "handbook_page_extra_files": extra_files(runs["page_bytes"][0]),
        "build_s": round(median(builds["full_s"]), 2),
        "cold_cache_build_s": round(median(builds["cold_s"]), 2) if builds.get("cold_s") else None,
        "plain_build_s": round(median(builds["plain_s"]), 2),
        "offline_zip_bytes": zip_bytes,
        "file_cold_start_ms": round(median(cold_file)),
        "lighthouse": scores,
        "offsite_requests": sorted(set(offsite)),
    }
    return {
        "cold_start_ratio": ratio(median(cold), median(bare)),
        "main_thread_longest_task_ms": round(median([r["longest_task_ms"] for r in runs["http"]])),
        "warm_result_ms": round(median([r["second_result_ms"] for r in runs["http"]])),
        "handbook_page_bytes_ratio": ratio(page_bytes["chapter"], page_bytes["empty"]),
        "pyodide_bytes_on_handbook_page": pyodide_bytes,
        "build_time_ratio": ratio(median(builds["full_s"]), median(builds["plain_s"])),
        "offline_zip_mb": round(zip_bytes / 1e6, 2),
        "file_vs_http_ratio": ratio(median(cold_file), median(cold)),
        "lighthouse_min_performance": min(s["performance"] for s in scores.values()),
        "lighthouse_min_accessibility": min(s["accessibility"] for s in scores.values()),
        "lighthouse_min_best_practices": min(s["best-practices"] for s in scores.values()),
        "raw": raw,
        **_snapshot_figures(runs, median(bare), raw),
    }


def _snapshot_figures(runs: dict, bare: float, raw: dict) -> dict:
    """warm_visit_ratio, typing_user_wait_ratio and shared_link_ratio, when the run measured them."""
    out = {}
    for key, runs_key, figure in (("warm_visit_ratio", "warm_load", "load_to_result_ms"),
                                  ("typing_user_wait_ratio", "typing", "submit_to_result_ms"),
                                  ("shared_link_ratio", "link", "load_to_result_ms")):
        values = [r[figure] for r in runs.get(runs_key, [])]
        if values:
            raw[key.replace("_ratio", "_ms")] = round(median(values))
            out[key] = ratio(median(values), bare)
    typed = [r["load_to_result_ms"] for r in runs.get("warm_typed", [])]
    if typed:
        raw["warm_visit_typed_ms"] = round(median(typed))
    return out


# ---------------------------------------------------------------- the table


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def _kb(value: float) -> str:
    return f"{value / 1e3:,.0f} kB"


def _goal(key: str) -> str:
    if key in UPPER_GOALS:
        return f"≤ {UPPER_GOALS[key]:g}"
    if key not in GOALS:
        return "–"
    op, goal = GOALS[key]
    return f"{'≥ ' if op == '>=' else ''}{goal:g}"


def _scores(lighthouse: dict[str, dict], category: str) -> str:
    values = {page: scores[category] for page, scores in lighthouse.items()}
    if len(set(values.values())) == 1:
        text = f"every page {next(iter(values.values())):g}"
    else:
        text = ", ".join(f"{page} {value:g}" for page, value in values.items())
    failing = sorted({audit for scores in lighthouse.values()
                      for audit in scores.get("failing_audits", {}).get(category, [])})
    return text + (f"; failing: {', '.join(failing)}" if failing else "")


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table: figure, value, goal, and the raw figures behind it."""
    raw = results["raw"]
    lighthouse = raw["lighthouse"]
    rows = [
        ("Calculator cold start ÷ bare Pyodide boot", "cold_start_ratio", f"{results['cold_start_ratio']:g}",
         (f"{_ms(raw['calculator_cold_start_ms'])} (first focus → ready {_ms(raw['calculator_ready_ms'])}, "
          f"submit → first result {_ms(raw['calculator_first_result_ms'])}) against `loadPyodide()` on a "
          f"blank page {_ms(raw['bare_boot_ms'])}")),
        *_snapshot_rows(results),
        ("Longest main-thread task while Pyodide boots", "main_thread_longest_task_ms",
         _ms(results["main_thread_longest_task_ms"]),
         f"tasks over 50 ms only; the bare page, booting on the main thread: {_ms(raw['bare_longest_task_ms'])}"),
        ("Second result, runtime up", "warm_result_ms", _ms(results["warm_result_ms"]),
         f"repeat visit with cache and service worker warm: focus → result {_ms(raw['calculator_warm_visit_ms'])}"),
        ("Handbook page bytes ÷ empty mkdocs-material page", "handbook_page_bytes_ratio",
         f"{results['handbook_page_bytes_ratio']:g}",
         (f"{_kb(raw['handbook_page_bytes'])} against {_kb(raw['empty_material_page_bytes'])}; a first visit "
          f"with the service worker caching the handbook: {_kb(raw['handbook_first_visit_bytes'])}")),
        ("Pyodide bytes on pages without a calculator", "pyodide_bytes_on_handbook_page",
         f"{results['pyodide_bytes_on_handbook_page']:,}",
         "home page and a chapter, service worker included"),
        ("`make build` time ÷ plain `mkdocs build`", "build_time_ratio", f"{results['build_time_ratio']:g}",
         f"{raw['build_s']:.2f} s against {raw['plain_build_s']:.2f} s for the same Markdown without the hook, "
         "every language, warm cache" + (f"; with an empty cache (the snapshot and the gzipped wasm made again) "
                                         f"{raw['cold_cache_build_s']:.2f} s" if raw.get("cold_cache_build_s") else "")),
        ("Offline zip", "offline_zip_mb", f"{results['offline_zip_mb']:g} MB",
         f"{raw['offline_zip_bytes']:,} bytes"),
        ("file:// cold start ÷ http cold start", "file_vs_http_ratio", f"{results['file_vs_http_ratio']:g}",
         f"{_ms(raw['file_cold_start_ms'])} against {_ms(raw['calculator_cold_start_ms'])}"),
        ("Lighthouse performance, lowest page", "lighthouse_min_performance",
         f"{results['lighthouse_min_performance']:g}", _scores(lighthouse, "performance")),
        ("Lighthouse accessibility, lowest page", "lighthouse_min_accessibility",
         f"{results['lighthouse_min_accessibility']:g}", _scores(lighthouse, "accessibility")),
        ("Lighthouse best practices, lowest page", "lighthouse_min_best_practices",
         f"{results['lighthouse_min_best_practices']:g}", _scores(lighthouse, "best-practices")),
    ]
    missed = {line.split(" = ")[0] for line in missed_goals(results)}
    lines = ["| Figure | Value | Goal | Behind it |", "| --- | ---: | ---: | --- |"]
    for label, key, value, behind in rows:
        mark = " (missed)" if key in missed else ""
        lines.append(f"| {label} (`{key}`) | {value}{mark} | {_goal(key)} | {behind} |")
    return "\n".join(lines)


def _snapshot_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    raw = results["raw"]
    rows = []
    for label, key, behind in (
            ("Repeat visit ÷ bare boot", "warm_visit_ratio",
             "cache and service worker warm, a link carrying the inputs: page load → first result {ms}{typed}"),
            ("A typing user's wait ÷ bare boot", "typing_user_wait_ratio",
             "first visit, 3 s reading the form, then fill and submit: submit → result {ms}"),
            ("Shared link ÷ bare boot", "shared_link_ratio",
             "first visit of a link carrying the inputs: page load → result {ms}, no user action")):
        if key in results:
            figure = _ms(raw[key.replace("_ratio", "_ms")])
            typed = (f" (typed in by the test driver after the load instead: {_ms(raw['warm_visit_typed_ms'])})"
                     if "warm_visit_typed_ms" in raw else "")
            rows.append((label, key, f"{results[key]:g}",
                         behind.format(ms=figure, typed=typed) + f"; bare `loadPyodide()` {_ms(raw['bare_boot_ms'])}"))
    return rows


def summary_line(results: dict[str, Any]) -> str:
    m, s = results["machine"], results["settings"]
    return (f"Last run {m['date']} on {m['cpu']} ({m['cores']} cores; load average {m['load_average']:g} at the "
            f"start, {m['load_average_end']:g} at the end), Chromium {m['chromium']}, headless, the site served "
            f"gzip-compressed, as GitHub Pages serves it, by `make serve`'s server on 127.0.0.1. "
            f"Medians of {s['runs']} runs ({s['build_runs']} for the builds, {s['lighthouse_runs']} of Lighthouse "
            f"on each page); the calculator timed is `{s['calculator']}`.")


def extra_files_line(results: dict[str, Any]) -> str:
    files = results["raw"].get("handbook_page_extra_files") or {}
    if not files:
        return ""
    listed = ", ".join(f"`{name}` {_kb(size)}" for name, size in files.items())
    return f"A chapter loads, beyond an empty mkdocs-material page: {listed}."


def readme_section(results: dict[str, Any]) -> str:
    extra = extra_files_line(results)
    return summary_line(results) + "\n\n" + table(results) + (f"\n\n{extra}" if extra else "")


def replace_between_markers(text: str, block: str) -> str:
    """`text` with everything between the bench markers replaced by `block`; the markers stay."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {README_START} … {README_END} section to rewrite")
    return text[:start + len(README_START)] + "\n" + block.strip() + "\n" + text[end:]
