"""`python -m bench` (`make bench`, after `make build`): run every measurement side by side,
write bench/results.json, print the table and rewrite it in README.md."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from . import browser as chromium
from . import build, lighthouse, report, sites
from .report import median

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.json"
README = REPO / "README.md"


def machine_facts() -> dict:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {"cpu": cpu, "cores": os.cpu_count(), "date": dt.date.today().isoformat(),
            "load_average": round(os.getloadavg()[0], 2)}


def pages_of(site: Path) -> dict[str, str]:
    """The pages Lighthouse audits, by short name: home, the first chapter, every calculator."""
    chapter = min((site / "handbook").glob("[0-9]*.html"))
    calculators = sorted(p for p in (site / "calculators").glob("*.html")
                         if 'data-calculator="' in p.read_text(encoding="utf-8"))
    pages = {"home": "index.html", "chapter": chapter.relative_to(site).as_posix()}
    pages.update({p.stem: p.relative_to(site).as_posix() for p in calculators})
    return pages


def browser_runs(server: sites.CountingServer, folder: Path, pages: dict[str, str], runs: int,
                 offsite: list[str]) -> tuple[str, dict]:
    """Every in-browser measurement, the cold ones interleaved run by run. Returns the
    Chromium version and the per-run figures."""
    from playwright.sync_api import sync_playwright

    calculator_page = f"calculators/{chromium.CALCULATOR}.html"
    http_calculator = f"{server.origin}/site/{calculator_page}"
    file_calculator = (folder / "site" / calculator_page).as_uri()
    out: dict[str, list] = {"bare": [], "http": [], "file": [], "warm_visit": [], "warm_load": [], "warm_typed": [],
                            "typing": [], "link": [], "page_bytes": []}
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)

        def bare():
            context = chromium.new_context(browser, offsite)
            out["bare"].append(chromium.bare_boot(context, f"{server.origin}/bare/index.html"))
            context.close()

        def http():
            context = chromium.new_context(browser, offsite)
            out["http"].append(report.visit_timings(chromium.calculator_visit(context, http_calculator)))
            # The repeat visit, in the same context: HTTP cache and service worker are warm.
            server.served.clear()
            warm = report.visit_timings(chromium.calculator_visit(context, http_calculator, results=1))
            out["warm_visit"].append({**warm, "pyodide_bytes": server.bytes_sent("/assets/pyodide/")})
            # Once more, timed from the navigation: page load → first result, from a link carrying the inputs, so
            # the figure is the calculator's and not the test driver's typing (about a quarter of a second here).
            out["warm_load"].append(report.result_timings(
                chromium.timed_visit(context, http_calculator + chromium.link_fragment(), submit=False)))
            # And typed in once the page has loaded, for comparison.
            out["warm_typed"].append(report.result_timings(chromium.timed_visit(context, http_calculator)))
            context.close()

        def typing():
            # A first visit: 3 s reading the form, then fill and submit (the runtime started at load).
            context = chromium.new_context(browser, offsite)
            out["typing"].append(report.result_timings(chromium.timed_visit(context, http_calculator, read_s=3)))
            context.close()

        def link():
            # A first visit of a shared link: it computes by itself once the runtime is up.
            context = chromium.new_context(browser, offsite)
            out["link"].append(report.result_timings(
                chromium.timed_visit(context, http_calculator + chromium.link_fragment(), submit=False)))
            context.close()

        def file():
            context = chromium.new_context(browser, offsite)
            out["file"].append(report.visit_timings(chromium.calculator_visit(context, file_calculator)))
            context.close()

        cold = [bare, http, file, typing, link]
        for n in range(runs):
            print(f"  browser run {n + 1} of {runs}", flush=True)
            # A different one goes first each run, so whatever follows a launch or a closed
            # context (clean-up in the browser, a burst of load) does not always hit the same one.
            for measure in cold[n % len(cold):] + cold[:n % len(cold)]:
                measure()

        for n in range(min(runs, 3)):  # bytes hardly vary between runs
            visits = {}
            for name, url, with_service_worker in (
                    ("chapter", f"site/{pages['chapter']}", False),
                    ("empty", "empty/index.html", False),
                    ("chapter_with_service_worker", f"site/{pages['chapter']}", True),
                    ("home_with_service_worker", f"site/{pages['home']}", True)):
                context = chromium.new_context(browser, offsite, "allow" if with_service_worker else "block")
                visits[name] = chromium.page_visit(context, server, f"{server.origin}/{url}", with_service_worker)
                context.close()
            out["page_bytes"].append(visits)
        version = browser.version
        browser.close()
    return version, out


def lighthouse_runs(server: sites.CountingServer, folder: Path, pages: dict[str, str], runs: int,
                    offsite: list[str]) -> dict[str, dict]:
    """Median scores and metrics per page, and every scored audit that failed in any run."""
    scores: dict[str, dict] = {}
    for name, page in pages.items():
        print(f"  Lighthouse: {name}", flush=True)
        audits = [lighthouse.audit(f"{server.origin}/site/{page}", folder / f"lighthouse-{name}-{n}.json")
                  for n in range(runs)]
        for a in audits:
            offsite.extend(a["offsite"])
        scores[name] = {c: median([a["scores"][c] for a in audits]) for c in lighthouse.CATEGORIES}
        scores[name]["metrics_ms"] = {m: round(median([a["metrics_ms"][m] for a in audits]))
                                      for m in lighthouse.METRICS}
        scores[name]["failing_audits"] = {c: sorted({f for a in audits for f in a["failing_audits"][c]})
                                          for c in lighthouse.CATEGORIES[1:]}
    return scores


def write_results(results: dict) -> None:
    temporary = RESULTS.with_name(RESULTS.name + ".tmp")
    temporary.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(RESULTS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="cold runs per browser measurement (default 5)")
    parser.add_argument("--build-runs", type=int, default=3, help="runs of each build (default 3)")
    parser.add_argument("--lighthouse-runs", type=int, default=1, help="Lighthouse runs per page (default 1)")
    parser.add_argument("--site", type=Path, default=REPO / "site", help="the built site (default site/)")
    args = parser.parse_args(argv)

    machine = machine_facts()
    offsite: list[str] = []
    with tempfile.TemporaryDirectory(prefix="oamt-bench-") as tmp:
        folder = Path(tmp)
        print("Preparing the site copy, the bare Pyodide page and an empty mkdocs-material site", flush=True)
        sites.copy_site(args.site, folder / "site")
        sites.make_bare_page(folder / "bare")
        sites.make_empty_site(folder / "empty", folder / "empty-source")
        pages = pages_of(folder / "site")
        server = sites.serve(folder)
        try:
            print(f"In Chromium, {args.runs} cold runs each (site served at {server.origin}/site/)", flush=True)
            machine["chromium"], runs = browser_runs(server, folder, pages, args.runs, offsite)
            print(f"Builds, {args.build_runs} runs each", flush=True)
            builds = build.build_times(folder / "builds", args.build_runs)
            zip_bytes = build.offline_zip_bytes(folder / "site", folder / "dist")
            scores = lighthouse_runs(server, folder, pages, args.lighthouse_runs, offsite)
        finally:
            server.shutdown()
            server.server_close()
    machine["load_average_end"] = round(os.getloadavg()[0], 2)

    results = report.summarise(runs, builds, zip_bytes, scores, offsite)
    results["machine"] = machine
    results["settings"] = {"runs": args.runs, "build_runs": args.build_runs, "lighthouse_runs": args.lighthouse_runs,
                           "calculator": chromium.CALCULATOR, "pages": pages}
    results["runs"] = {**runs, "builds": builds}
    write_results(results)
    README.write_text(report.replace_between_markers(README.read_text(encoding="utf-8"),
                                                     report.readme_section(results)), encoding="utf-8")
    print()
    print(report.readme_section(results))
    print(f"\nWrote {RESULTS.relative_to(REPO)} and the table in README.md.")
    for line in report.missed_goals(results):
        print(f"Missed goal: {line}")
    if results["raw"]["offsite_requests"]:
        print(f"Requests to other origins (blocked by the resolver rule): {results['raw']['offsite_requests']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
