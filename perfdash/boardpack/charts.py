"""The board pack's charts: the Metric page's SPC charts, drawn to PNG by kaleido in one headless Chromium.

No network: plotly.js comes from the installed package, MathJax is off, and every http(s) request (Chromium's
own housekeeping: Google accounts, component updates, its clock) goes to a closed loopback port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import kaleido
import pandas as pd
import plotly.graph_objects as go

from perfdash import board, metric_detail, spc_chart
from perfdash.boardpack.content import BoardPackError, MetricEntry
from perfdash.config import Config

CHART_PX = (880, 394)  # CSS pixels, the aspect ratio of the chart's place on the page, drawn at scale 2
CHART_SCALE = 2
OFFLINE_PROXY = "127.0.0.1:9"  # a closed loopback port: any http(s) request from Chromium fails at once
CHROMIUM_HELP = "install it with `apt-get install chromium` (or `make run`, which runs scripts/system-deps.sh)"
AXIS_TITLE_GAP = 10  # px between the y axis title and the longest tick label


def chromium_path() -> str:
    """The Chromium kaleido will use (BROWSER_PATH, else PATH and the usual places); BoardPackError if none."""
    from choreographer.browsers.chromium import Chromium

    explicit = os.environ.get("BROWSER_PATH")
    path = explicit or Chromium.find_browser(skip_local=False)
    if not path or not Path(path).is_file() or not os.access(path, os.X_OK):
        where = f" (BROWSER_PATH={explicit} is not a program)" if explicit else ""
        raise BoardPackError(f"Chromium is needed to draw the charts{where}: {CHROMIUM_HELP}.")
    return str(path)


def chart_page() -> kaleido.PageGenerator:
    """kaleido's page with plotly.js from the installed package and MathJax off: nothing from a CDN."""
    return kaleido.PageGenerator(mathjax=False)


class _OneTab(kaleido.Kaleido):
    """kaleido without its page reload after every figure (a private hook of the pinned kaleido 1.5)."""

    # The reload re-parses 4.6 MB of plotly.js each time: about 0.5 s a chart instead of 0.12 s, which put the
    # ICS pack over 30 s. Each render replaces the previous plot (a test checks that a chart drawn after others
    # is byte-identical to one drawn on a fresh page); if kaleido renames the hook this falls back to reloading.
    async def _return_kaleido_tab(self, tab: object) -> None:
        await self.tabs_ready.put(tab)


def render_charts(
    figures: Sequence[go.Figure],
    *,
    width: int = CHART_PX[0],
    height: int = CHART_PX[1],
    scale: float = CHART_SCALE,
    proxy_server: str = OFFLINE_PROXY,
) -> list[bytes]:
    """PNG bytes of each Plotly figure, drawn one after another by a single headless Chromium."""
    if not figures:
        return []
    browser = chromium_path()
    opts = {"format": "png", "width": width, "height": height, "scale": scale}

    async def draw() -> list[bytes]:
        # One tab, in order: on two cores a second tab was no faster.
        k = _OneTab(n=1, page_generator=chart_page(), path=browser, proxy_server=proxy_server)
        try:
            await k.open()
            return [await k.calc_fig(figure, opts) for figure in figures]
        finally:
            # Close after a failed start too (`async with` would not): otherwise choreographer's non-daemon
            # thread reading Chromium's log pipe waits for ever and the process cannot exit.
            with contextlib.suppress(Exception):
                await k.close()

    # A thread of its own gives the browser its own event loop, also inside Streamlit's script thread.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="boardpack-charts") as pool:
        try:
            return pool.submit(asyncio.run, draw()).result()
        except Exception as error:  # choreographer and kaleido raise many kinds; each means "no charts"
            detail = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
            raise BoardPackError(
                f"Chromium ({browser}) could not draw the charts: {detail.rstrip('.')}. "
                f"Check that it starts, or reinstall it: {CHROMIUM_HELP}."
            ) from error


def _short(text: str, length: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def chart_figure(entry: MetricEntry, config: Config, org_code: str, plans: pd.DataFrame | None = None) -> go.Figure:
    """The SPC chart (a run chart with too few points) as on the Metric page, sized for the page."""
    reading = entry.reading
    if reading is None:
        raise ValueError(f"{entry.metric.id} has no data to chart")
    steps = board.target_series(config, entry.metric, org_code, reading.periods, entry.series)
    plan = board.plan_rows(plans, entry.metric, org_code)
    # The full commentary sits beside the chart; on it a short label keeps the axes from stretching to fit.
    annotations = [
        (row.period, _short(row.narrative)) for row in entry.commentary.itertuples() if row.period in reading.periods
    ]
    rebases = [r for r in metric_detail.rebases(config, entry.metric, org_code) if r[0] in reading.periods]
    figure = spc_chart.spc_figure(
        reading.periods,
        reading.result,
        title=f"{entry.metric.name}, {config.org_names.get(org_code, org_code)}",
        unit=entry.metric.unit,
        targets=steps,
        annotations=annotations,
        rebases=rebases,
        plans=list(zip(plan["period"], plan["plan"], strict=True)),
    )
    # The block's title bar names the metric, so the chart gives its title's room to the plot. Plotly widens the
    # left margin to fit the tick labels and puts the axis title beyond them, so the two never overprint.
    top = 34 if reading.result.run_chart_only or annotations or rebases else 14
    figure.update_layout(title=None, margin={"t": top, "l": 16, "r": 16, "b": 56}, width=CHART_PX[0])
    figure.update_yaxes(automargin=True, title_standoff=AXIS_TITLE_GAP)
    return figure
