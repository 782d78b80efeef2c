"""The overview in Chromium against a blank Streamlit page served the same way; the other board pages warm.

Run: .venv/bin/python benchmarks/bench_pages.py [--scale demo|national|both] [--rounds N] [--store-dir DIR]
(prints figures and ratios; asserts nothing; needs Chromium).

Both apps run with `streamlit run` and the same options (tests/support/app_server.py). A page is "drawn"
when the script has finished and every grid on it has drawn its cells, every HTML table its rows and every
chart its SVG.
- cold first render: a new server process, then the first page load in a new browser context (the
  server's caches are empty; the process start itself is not counted, for either side);
- warm reload: reloading the page in the same tab.
Blank and overview are interleaved round by round and compared by their minimums. So is the app's frame alone
(the same menu and pickers, no content), which shows how much of the budget Streamlit's frame takes, and a blank
page with one Plotly chart: what plotly.js costs any page, which the Metric page no longer pays (its chart is SVG
drawn on the server, perfdash.chart_svg; the Plotly one is drawn only when a reader opens it to zoom).
Then, on a copy of the store, the Metric page's first view after an upload: three times, the latest month loaded
again with its values revised (`python -m perfdash ingest`, as an analyst would from the command line), and the
page reloaded (its caches are keyed on the store's version, so this view reads the store again).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

import streamlit.runtime.caching  # noqa: E402, F401 (its loggers exist once it has loaded: see below)

from benchmarks.bench_app import build_store  # noqa: E402

# perfdash.ui declares its caches outside any page run (here, read for the pickers' script), which Streamlit notes.
logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
logging.getLogger("streamlit.runtime.caching.cache_resource_api").setLevel(logging.ERROR)
from perfdash import store, ui  # noqa: E402
from tests.support import app_server  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, wait_for_app  # noqa: E402

BLANK_SCRIPT = 'import streamlit as st\n\nst.set_page_config(layout="wide")\nst.title("Blank")\n'
# The app's frame with no content: the same sidebar menu of eight pages and the overview's two pickers (perfdash's
# own, ui.picker's script and style, as many choices as the demo has organisations and months; without importing
# perfdash, which would add pandas to its cold start). Its ratio to the blank page is the part of the overview's
# 1.5x budget that Streamlit's navigation and the pickers take before any table is drawn.
SHELL_SCRIPT = f"""import streamlit as st

st.set_page_config(layout="wide")
mount_picker = st.components.v2.component(
    {ui.PICKER!r}, html='<div class="pd-pick"></div>', css={ui.PICKER_STYLE!r}, js={ui.PICKER_SCRIPT!r},
    isolate_styles=False,
)


def picker(label, key, choices):
    data = {{"id": f"pd-pick-{{key}}", "label": label, "options": [[c, c] for c in choices], "value": choices[0]}}
    mount_picker(key=key, data=data, on_picked_change=lambda: None)


def overview():
    st.title("Shell")
    left, right = st.columns(2)
    with left:
        picker("Organisation", "org", [f"Organisation {{n}}" for n in range(15)])
    with right:
        picker("Month", "month", [f"Month {{n}}" for n in range(48)])


titles = ["Exceptions", "Metric", "Organisation", "Sources", "Upload", "Data", "Configuration"]
pages = [st.Page(overview, title="Overview", url_path="overview", default=True)]
pages += [st.Page(lambda: st.title("Other"), title=title, url_path=title.lower()) for title in titles]
st.sidebar.warning("Sign-in is off (local or demo mode): everyone is an analyst.", icon=":material/lock_open:")
st.navigation(pages).run()
"""
# A blank page with one Plotly chart the size of the Metric page's SPC chart (nine lines and point sets over 68
# months): what any page with a Plotly chart costs in Streamlit (plotly.js loaded and started). It was the floor
# under the Metric page's 1 s until that page's chart became server-drawn SVG.
CHART_SCRIPT = """import plotly.graph_objects as go
import streamlit as st

st.set_page_config(layout="wide")
st.title("Chart")
months = [f"{2020 + n // 12}-{n % 12 + 1:02d}-01" for n in range(68)]
figure = go.Figure(
    [go.Scatter(x=months, y=[70 + (n * 7 + k) % 13 for n in range(68)], name=f"Line {k}") for k in range(9)]
)
st.plotly_chart(figure, width="stretch")
"""
# Every grid has cells, every HTML table its rows and every chart its SVG (the grid's cells are in the DOM for
# accessibility; an HTML table is laid out with the page, so its rows being there means it is drawn), and no
# element still shows Streamlit's loading skeleton: an element whose code is still loading is a skeleton, so
# without that check a page whose tables had not arrived yet counted as drawn. wait_for_app, which ends `drawn`,
# also waits until every HTML block (ui.show_tables) has been filled by its script.
_DRAWN = """() => {
  const grids = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
  const tables = [...document.querySelectorAll('.pd-html table')];
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return grids.every(g => g.querySelector('[role="gridcell"]')) && tables.every(t => t.querySelector('tbody tr'))
    && charts.every(c => c.querySelector('svg.main-svg')) && !document.querySelector('[data-testid="stSkeleton"]');
}"""


# Milliseconds from the start of navigation to each milestone of a reload, recorded in the page by a mutation
# observer. It is installed only for extra reloads after the timed ones, so it cannot slow the figures above.
_TIMELINE = """(() => {
  const seen = window.__perfdashTimeline = {};
  let filled = 0;
  const mark = name => { if (!(name in seen)) seen[name] = Math.round(performance.now()); };
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app?.getAttribute('data-test-connection-state') === 'CONNECTED') mark('connected');
    if (document.querySelector('h1')) mark('first heading');
    if (document.querySelector('[data-testid="stSidebarNav"]')) mark('menu');
    if (seen['first heading'] && app?.getAttribute('data-test-script-state') === 'notRunning') mark('script done');
    if (document.querySelector('[data-testid="stSelectbox"], .pd-pick select')) mark('pickers');
    if (document.querySelector('svg.main-svg')) mark('chart drawn');
    const now = document.querySelectorAll('.pd-html > *').length;
    if (now > filled) { filled = now; seen['last block filled'] = Math.round(performance.now()); }
  }).observe(document, {subtree: true, childList: true, attributes: true});
})();"""
MILESTONES = ("connected", "first heading", "menu", "script done", "pickers", "chart drawn", "last block filled")


def drawn(page, heading: str) -> None:
    """Wait until the script is done and everything on the page is drawn."""
    wait_for_app(page, timeout=600_000)
    page.get_by_role("heading", name=heading, level=1).wait_for(timeout=600_000)
    page.wait_for_function(_DRAWN, timeout=600_000, polling=10)
    wait_for_app(page, timeout=600_000)


def _timed(action, page, heading: str) -> float:
    started = time.perf_counter()
    action()
    drawn(page, heading)
    return time.perf_counter() - started


def measure(url: str, rounds: int, folder: Path, scale: str) -> tuple[dict[str, list[float]], dict]:
    """Cold first render and warm reload for the blank page, the app's empty frame and the overview, interleaved;
    then the milestones of a warm reload of each."""
    from playwright.sync_api import sync_playwright

    blank, shell, chart = folder / "blank_page.py", folder / "shell_page.py", folder / "chart_page.py"
    blank.write_text(BLANK_SCRIPT)
    shell.write_text(SHELL_SCRIPT)
    chart.write_text(CHART_SCRIPT)
    sides = (
        ("blank", str(blank), "Blank"),
        ("shell", str(shell), "Shell"),
        ("chart", str(chart), "Chart"),
        ("overview", "dashboard.py", "Overview"),
    )
    times: dict[str, list[float]] = {f"{side[0]} {k}": [] for side in sides for k in ("cold", "warm")}
    timeline: dict[str, dict[str, list[int]]] = {side[0]: {} for side in sides}
    switches: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for round_number in range(rounds):
            for side, script, heading in sides:
                server = app_server.start(url, log_dir=folder, name=f"{side}-{scale}", timeout=300, script=script)
                try:
                    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    times[f"{side} cold"].append(_timed(partial(page.goto, server.url), page, heading))
                    for _ in range(3):
                        times[f"{side} warm"].append(_timed(page.reload, page, heading))
                    context.add_init_script(_TIMELINE)
                    for _ in range(2):
                        page.reload()
                        drawn(page, heading)
                        for name, at in page.evaluate("window.__perfdashTimeline").items():
                            timeline[side].setdefault(name, []).append(at)
                    if side == "overview" and round_number == rounds - 1:
                        switches = _page_switches(page, server.url)
                    context.close()
                finally:
                    server.stop()
        times["metric first view after an upload"] = _after_uploads(chromium, url, folder, scale)
        chromium.close()
    return {**times, **switches}, timeline


def _after_uploads(chromium, url: str, folder: Path, scale: str) -> list[float]:
    """The Metric page's reload after each of three uploads of a revised month, on a copy of the store."""
    source = Path(store.get_engine(url).url.database)
    store.dispose_engines()
    copy = folder / f"{scale}-uploads.sqlite"
    shutil.copy(source, copy)
    copy_url = f"sqlite:///{copy}"
    latest = store.read_current(store.get_engine(copy_url)).query("period == period.max()")
    store.dispose_engines()
    server = app_server.start(copy_url, log_dir=folder, name=f"uploads-{scale}", timeout=300)
    timings = []
    try:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{server.url}/metric")
        drawn(page, "Metric")
        for number in range(1, 4):
            month = folder / f"revised-month-{number}.csv"
            revised = latest.copy()
            # A ratio is revised through its numerator (the file's value must match its counts).
            counted = revised["numerator"].notna() & revised["denominator"].notna()
            revised.loc[counted, "numerator"] = (revised.loc[counted, "numerator"] * (1 - number / 100)).round()
            revised.loc[counted, "value"] = float("nan")
            revised.loc[~counted, "value"] *= 1 - number / 100
            revised[["period", "org_code", "metric_id", "value", "numerator", "denominator"]].to_csv(month, index=False)
            command = [sys.executable, "-m", "perfdash", "ingest", str(month), "--database", copy_url]
            command += ["--user", "bench", "--accept-warnings", "--keep-demo"]
            subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True)
            timings.append(_timed(page.reload, page, "Metric"))
        context.close()
    finally:
        server.stop()
        for path in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            path.unlink(missing_ok=True)
    return timings


def _page_switches(page, base_url: str) -> dict[str, list[float]]:
    """The other pages opened by URL, then reloaded (warm: their caches are filled)."""
    results: dict[str, list[float]] = {}
    for path, heading in (
        ("metric", "Metric"),
        ("organisation", "Organisation"),
        ("data", "Data and audit"),
        ("exceptions", "Exceptions"),
        ("sources", "Sources"),
    ):
        page.goto(f"{base_url}/{path}")
        drawn(page, heading)
        results[f"{path} warm"] = [_timed(page.reload, page, heading) for _ in range(3)]
    return results


def report(scale: str, times: dict[str, list[float]], timeline: dict[str, dict[str, list[int]]]) -> None:
    """Minimums and ratios to the blank page of the same kind, and where a warm reload's time goes."""
    print(f"== {scale}")
    for kind, target in (("cold", 2.0), ("warm", 1.5)):
        floor = min(times[f"blank {kind}"])
        best = min(times[f"overview {kind}"])
        print(
            f"  overview {kind}: min {best:.2f} s vs blank {floor:.2f} s = {best / floor:.2f}x (target {target}x); "
            f"all {', '.join(f'{t:.2f}' for t in times[f'overview {kind}'])}"
        )
        frame = min(times[f"shell {kind}"])
        print(f"    the app's frame alone (menu, pickers, no content) {kind}: {frame:.2f} s = {frame / floor:.2f}x")
    chart = min(times["chart warm"])
    print(
        f"  a blank page with one Plotly chart, warm: {chart:.2f} s = {chart / min(times['blank warm']):.2f}x "
        "(what plotly.js costs a page; the Metric page's chart is SVG)"
    )
    for name, values in times.items():
        if not name.startswith(("blank", "shell", "chart", "overview")):
            print(f"  {name}: min {min(values):.2f} s (target 1 s); all {', '.join(f'{t:.2f}' for t in values)}")
    print("  a warm reload's milestones, ms from the start of navigation (medians of the extra reloads):")
    for side, seen in timeline.items():
        marks = [f"{name} {statistics.median(seen[name]):.0f}" for name in MILESTONES if name in seen]
        print(f"    {side}: {', '.join(marks)}")


def main() -> None:
    """Build the stores, then measure each scale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["demo", "national", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store-dir", help="keep generated stores here and reuse them")
    args = parser.parse_args()
    scales = ["demo", "national"] if args.scale == "both" else [args.scale]
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.store_dir) if args.store_dir else Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for scale in scales:
            url = build_store(scale, folder)
            store.dispose_engines()
            report(scale, *measure(url, args.rounds, folder, scale))


if __name__ == "__main__":
    main()
