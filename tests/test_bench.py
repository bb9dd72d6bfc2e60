"""The pure parts of `make bench`: statistics, the figures read from a page's event log, the
summary, the table and the README section. The benchmark itself is not run here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import lighthouse, report

REPO = Path(__file__).resolve().parent.parent


def test_median_and_ratio():
    assert report.median([3, 1, 2]) == 2
    assert report.median([4, 1, 2, 3]) == 2.5
    assert report.ratio(3000, 2000) == 1.5
    assert report.ratio(1, 3) == 0.33
    with pytest.raises(ValueError):
        report.median([])


def test_longest_task_counts_only_tasks_overlapping_the_window():
    tasks = [[50, 60], [200, 120], [3500, 700]]
    assert report.longest_task_ms(tasks, start=100, end=3100) == 120
    assert report.longest_task_ms(tasks, start=400, end=3000) == 0  # none over 50 ms in the window


def _log(final_state: str = "done") -> dict:
    """A calculator visit as the page logs it: focus at 100 ms, ready at 3,100 ms, two submits."""
    return {
        "focus": 100.0,
        "submits": [3105.0, 3295.0],
        "states": [["loading", 100.0], ["ready", 3100.0], ["working", 3110.0], [final_state, 3200.0],
                   ["working", 3300.0], [final_state, 3340.0]],
        "longtasks": [[50.0, 60.0], [200.0, 120.0], [3500.0, 70.0]],
        "status_text": "One input needs correcting; no result is shown.",
    }


def test_visit_timings_from_the_event_log():
    assert report.visit_timings(_log()) == {
        "ready_ms": 3000.0, "first_result_ms": 95.0, "second_result_ms": 45.0, "longest_task_ms": 120.0}


def test_a_visit_without_a_result_stops_the_bench():
    with pytest.raises(ValueError, match="'invalid', not a result: One input needs correcting"):
        report.visit_timings(_log("invalid"))


def _results() -> dict:
    """report.summarise over made-up runs, plus what __main__ adds."""
    lighthouse_page = {"performance": 0.95, "accessibility": 1, "best-practices": 1,
                       "failing_audits": {"accessibility": [], "best-practices": []}}
    runs = {
        "http": [{"ready_ms": 3000, "first_result_ms": 100, "second_result_ms": 20, "longest_task_ms": 0}] * 3,
        "file": [{"ready_ms": 2900, "first_result_ms": 100, "second_result_ms": 20, "longest_task_ms": 0}] * 3,
        "bare": [{"boot_ms": 2000, "longest_task_ms": 1900}] * 3,
        "warm_visit": [{"ready_ms": 1500, "first_result_ms": 100, "longest_task_ms": 0, "pyodide_bytes": 0}] * 3,
        "page_bytes": [{"chapter": {"bytes": 600_000, "pyodide_bytes": 0},
                        "empty": {"bytes": 300_000, "pyodide_bytes": 0},
                        "chapter_with_service_worker": {"bytes": 4_000_000, "pyodide_bytes": 0},
                        "home_with_service_worker": {"bytes": 4_000_000, "pyodide_bytes": 0}}],
    }
    scores = {"home": dict(lighthouse_page), "taper": {**lighthouse_page, "performance": 0.85}}
    results = report.summarise(runs, {"full_s": [3.0, 3.2, 3.1], "plain_s": [2.0, 2.1, 2.0]},
                               7_650_000, scores, [])
    results["machine"] = {"cpu": "Test CPU", "cores": 2, "date": "2026-11-23", "load_average": 1.5,
                          "load_average_end": 2.0, "chromium": "156.0"}
    results["settings"] = {"runs": 3, "build_runs": 3, "lighthouse_runs": 1, "calculator": "taper"}
    return results


def test_summary_holds_every_headline_figure_as_ratios_of_medians():
    results = _results()
    assert set(report.HEADLINE_KEYS) <= set(results)
    assert results["cold_start_ratio"] == 1.55  # (3000 + 100) / 2000
    assert results["file_vs_http_ratio"] == 0.97  # 3000 / 3100
    assert results["handbook_page_bytes_ratio"] == 2.0
    assert results["build_time_ratio"] == 1.55  # 3.1 / 2.0
    assert results["offline_zip_mb"] == 7.65
    assert results["lighthouse_min_performance"] == 0.85
    assert results["raw"]["bare_boot_ms"] == 2000


def test_missed_goals_and_the_table():
    results = _results()
    assert report.missed_goals(results) == ["cold_start_ratio = 1.55 (goal <= 0.4)",
                                           "lighthouse_min_performance = 0.85 (goal >= 0.95)"]
    section = report.readme_section(results)
    assert section.startswith("Last run 2026-11-23 on Test CPU (2 cores")
    for key in report.HEADLINE_KEYS:
        assert f"(`{key}`)" in section
    assert "| 0.85 (missed) | ≥ 0.95 |" in section
    assert "every page 1" in section


def test_readme_section_is_replaced_between_the_markers_only():
    text = "intro\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n"
    once = report.replace_between_markers(text, "new table\n")
    assert once == "intro\n<!-- bench:start -->\nnew table\n<!-- bench:end -->\nafter\n"
    assert report.replace_between_markers(once, "new table") == once
    with pytest.raises(ValueError, match="bench:start"):
        report.replace_between_markers("no markers here", "table")


def test_the_readme_has_the_markers():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert text.count(report.README_START) == 1 and text.count(report.README_END) == 1


def test_lighthouse_gets_the_resolver_rule_as_one_flag():
    flags = lighthouse.chrome_flags()
    assert "--headless" in flags.split()
    assert "--host-resolver-rules='MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'" in flags


def test_committed_results_hold_every_headline_figure():
    results = json.loads((REPO / "bench" / "results.json").read_text(encoding="utf-8"))
    assert set(report.HEADLINE_KEYS) <= set(results), "run `make bench` to refresh bench/results.json"


def test_what_a_chapter_loads_beyond_an_empty_page_is_listed_by_file():
    visits = {"empty": {"files": [("/empty/index.html", 5000), ("/empty/assets/javascripts/bundle.abc.min.js?x", 40_000)]},
              "chapter": {"files": [("/site/handbook/01-x.html", 30_000), ("/site/assets/javascripts/bundle.abc.min.js", 40_000),
                                    ("/site/assets/stylesheets/handbook.css?v=1", 9_000),
                                    ("/site/assets/offline.js", 4_000)]}}
    assert report.extra_files(visits) == {"handbook/01-x.html": 30_000, "assets/stylesheets/handbook.css": 9_000,
                                          "assets/offline.js": 4_000}
    results = _results()
    results["raw"]["handbook_page_extra_files"] = report.extra_files(visits)
    assert "`assets/stylesheets/handbook.css` 9 kB" in report.readme_section(results)
