"""The app as people meet it, on the demo data and at national scale; prints figures and a markdown table.

National scale: the NEL demo data plus 220 synthetic providers x every metric x 120 months (about a million
current values), loaded through the normal ingest path. For each scale:
  server side: reading the store, board.overview cold and warm, the overview script run by AppTest (first
  run in a fresh process = cold caches; second = warm), SPC over every series, the ICS board pack;
  browser (real Chromium against `streamlit run`): cold start (process start to first rendered overview),
  overview in a new session and on reload (warm), page switches through the menu, the server's peak memory.

Run: .venv/bin/python benchmarks/bench_app.py [--scale demo|national|both] [--store-dir DIR]
(--store-dir keeps the generated stores between runs). Needs Chromium. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # run as a script from anywhere

import pandas as pd  # noqa: E402

from perfdash import board, national, service, store  # noqa: E402
from perfdash.config import load_config  # noqa: E402
from perfdash.ingest.pipeline import prepare  # noqa: E402
from tests.support import app_server  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, wait_for_app  # noqa: E402

REPEATS = 5
RESULTS: list[tuple[str, str, str]] = []  # (measure, scale, figure)


def record(measure: str, scale: str, figure: str) -> None:
    """Print a figure now and keep it for the table."""
    print(f"  {measure}: {figure}", flush=True)
    RESULTS.append((measure, scale, figure))


def build_store(scale: str, folder: Path) -> str:
    """A SQLite store with the demo data, plus the national dataset at national scale (reused if present)."""
    path = folder / f"{scale}.sqlite"
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    config = load_config()
    engine = store.get_engine(url)
    started = time.perf_counter()
    service.load_demo(engine, config)
    if scale == "national":
        reference = national.reference(220).to_csv(index=False).encode()
        service.commit_prepared(engine, prepare("providers.csv", reference, config, engine), user="bench")
        data = national.generate(config, providers=220, months=120).to_csv(index=False).encode()
        prepared = prepare("national.csv", data, config, engine)
        service.commit_prepared(engine, prepared, user="bench", note="national benchmark")
    print(f"  built the {scale} store in {time.perf_counter() - started:.1f} s")
    store.dispose_engines()
    return url


def best(func, repeats: int = REPEATS) -> float:
    """Fastest of a few timed calls (seconds)."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return min(timings)


def server_side(scale: str, url: str) -> None:
    """Store read, overview computation, AppTest runs, SPC throughput, board pack; all in this process."""
    config = load_config()
    engine = store.get_engine(url)
    started = time.perf_counter()
    current = store.read_current(engine)
    record("read current values (cold, per data version)", scale, f"{time.perf_counter() - started:.2f} s")
    record("current values", scale, f"{len(current):,}")
    nel = current[current["org_code"].isin(board.org_choices(config))]
    nel_period = board.latest_period(nel)
    started = time.perf_counter()
    board.overview(current, config, config.system.code, nel_period)
    record("board.overview, ICS, first call", scale, f"{time.perf_counter() - started:.2f} s")
    record(
        "board.overview, ICS (best of 5)",
        scale,
        f"{best(lambda: board.overview(current, config, config.system.code, nel_period)):.2f} s",
    )
    # The overview page as Streamlit runs it (AppTest: the real script, no browser), in a fresh process.
    for line in _apptest_in_subprocess(url):
        measure, figure = line.split("=", 1)
        record(measure, scale, figure)
    _board_pack(scale, current, engine, config)


def _apptest_in_subprocess(url: str) -> list[str]:
    """Run the overview script twice with AppTest in a new process: cold caches, then warm."""
    code = f"""
import os, sys, time
sys.path.insert(0, {str(PROJECT_ROOT)!r})
os.chdir({str(PROJECT_ROOT)!r})
from streamlit.testing.v1 import AppTest
for label in ("AppTest overview run, cold process", "AppTest overview run, warm"):
    started = time.perf_counter()
    at = AppTest.from_file({str(PROJECT_ROOT / "dashboard.py")!r}, default_timeout=600).run()
    assert not at.exception, at.exception
    print(f"{{label}}={{time.perf_counter() - started:.2f}} s")
"""
    env = {**os.environ, "PERFDASH_DATABASE_URL": url, "PERFDASH_LOG_LEVEL": "WARNING"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=1200)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return [line for line in result.stdout.splitlines() if "=" in line]


def _board_pack(scale: str, current: pd.DataFrame, engine, config) -> None:
    """The ICS board pack (every metric) from this store."""
    try:
        from perfdash import boardpack
    except ImportError:
        print("  (no perfdash.boardpack: board pack not timed)")
        return
    commentary = store.read_commentary(engine)
    uploads = store.list_uploads(engine)
    started = time.perf_counter()
    pack = boardpack.make_pack(
        current, config, config.system.code, commentary=commentary, uploads=uploads, generated_by="bench"
    )
    record(
        "board pack, ICS (every metric)",
        scale,
        f"{time.perf_counter() - started:.1f} s, {pack.pages} pages, {len(pack.pdf) / 1e6:.1f} MB",
    )


def _overview_rendered(page) -> None:
    """The overview's first run is over and its first table is drawn."""
    wait_for_app(page, timeout=600_000)
    page.get_by_role("heading", name="Overview", level=1).wait_for(timeout=600_000)
    page.get_by_test_id("stDataFrame").first.locator('[role="gridcell"]').first.wait_for(
        state="attached", timeout=600_000
    )
    wait_for_app(page, timeout=600_000)


def _switch(page, name: str, ready: str) -> float:
    """Click a page in the menu and time until its content is drawn."""
    started = time.perf_counter()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=name, level=1).wait_for(timeout=600_000)
    page.locator(ready).first.wait_for(state="attached", timeout=600_000)
    wait_for_app(page, timeout=600_000)
    return time.perf_counter() - started


def browser(scale: str, url: str, log_dir: Path) -> None:
    """Start the real app and time what a person waits for, in Chromium."""
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    server = app_server.start(url, log_dir=log_dir, name=f"bench-{scale}", timeout=300)
    healthy = time.perf_counter()
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = chromium.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(server.url)
            _overview_rendered(page)
            done = time.perf_counter()
            record(
                "cold start: process start to first rendered overview",
                scale,
                f"{done - started:.1f} s (server healthy after {healthy - started:.1f} s)",
            )
            sessions = []
            for _ in range(REPEATS):
                fresh = context.new_page()
                began = time.perf_counter()
                fresh.goto(server.url)
                _overview_rendered(fresh)
                sessions.append(time.perf_counter() - began)
                fresh.close()
            record("overview in a new session, warm (median of 5)", scale, f"{statistics.median(sessions):.2f} s")
            reloads = []
            for _ in range(REPEATS):
                began = time.perf_counter()
                page.reload()
                _overview_rendered(page)
                reloads.append(time.perf_counter() - began)
            record("overview reload, warm (median of 5)", scale, f"{statistics.median(reloads):.2f} s")
            switches: dict[str, list[float]] = {"Metric": [], "Organisation": [], "Overview": []}
            for _ in range(3):
                switches["Metric"].append(_switch(page, "Metric", ".js-plotly-plot .main-svg"))
                switches["Organisation"].append(_switch(page, "Organisation", '[role="gridcell"]'))
                switches["Overview"].append(_switch(page, "Overview", '[role="gridcell"]'))
            for name, timings in switches.items():
                record(
                    f"page switch to {name} (first; median of 3)",
                    scale,
                    f"{timings[0]:.2f} s; {statistics.median(timings):.2f} s",
                )
            chromium.close()
        peak = server.peak_rss_mb()
        record("server peak memory (VmHWM)", scale, f"{peak:,.0f} MB" if peak else "n/a")
    finally:
        server.stop()


def main() -> None:
    """Build the stores, then measure each scale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["demo", "national", "both"], default="both")
    parser.add_argument("--store-dir", help="keep generated stores here and reuse them")
    args = parser.parse_args()
    scales = ["demo", "national"] if args.scale == "both" else [args.scale]
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.store_dir) if args.store_dir else Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for scale in scales:
            print(f"== {scale}", flush=True)
            url = build_store(scale, folder)
            server_side(scale, url)
            store.dispose_engines()
            if os.path.exists(CHROMIUM):
                browser(scale, url, folder)
            else:
                print(f"  (no {CHROMIUM}: browser figures skipped)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record("benchmark process peak memory", "all", f"{peak:,.0f} MB")
    print("\n| Measure | " + " | ".join(scales) + " |")
    print("|---|" + "---|" * len(scales))
    measures = list(dict.fromkeys(m for m, s, _ in RESULTS if s != "all"))
    for measure in measures:
        cells = [next((f for m, s, f in RESULTS if m == measure and s == scale), "") for scale in scales]
        print(f"| {measure} | " + " | ".join(cells) + " |")
    for measure, scale, figure in RESULTS:
        if scale == "all":
            print(f"| {measure} | {figure} |")


if __name__ == "__main__":
    main()
