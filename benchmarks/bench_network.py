"""The board's pages over a slow link, through the deployment guide's nginx: what compression saves.

Run: .venv/bin/python benchmarks/bench_network.py [--rounds N] (prints figures; asserts nothing; needs Chromium
and nginx, which `make system-deps` installs).

The app runs twice on the demo store: as configured (its WebSocket compressed, .streamlit/config.toml) and
with `server.enableWebsocketCompression` off. Each sits behind nginx with docs/deployment.md's configuration
as written (tests/support/proxy.py); the compressed app also behind a copy with `gzip off`. Chromium's own
throttling (DevTools protocol) slows every request and WebSocket frame to a link's speed and latency.
- first visit: a new browser context (empty cache) opening the page: Streamlit's scripts with and without gzip;
- warm reload: the page reloaded in the same tab (scripts cached): the WebSocket with and without compression.
The variants are interleaved round by round and compared by their minimums and medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from contextlib import ExitStack
from functools import partial
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.bench_app import build_store  # noqa: E402
from benchmarks.bench_pages import _timed, drawn  # noqa: E402
from tests.support import app_server  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.proxy import documented_proxy  # noqa: E402

# (name, megabits per second each way, added latency in ms)
LINKS = [("10 Mbit/s, 40 ms", 10, 40), ("4 Mbit/s, 60 ms", 4, 60)]
PAGES = [("", "Overview"), ("/metric", "Metric")]


def _throttled_page(browser, mbits: float, latency_ms: float):
    """A page in a new context (empty cache) whose every request and frame goes at the link's pace."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    bytes_per_second = mbits * 1_000_000 / 8
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": bytes_per_second,
            "uploadThroughput": bytes_per_second,
        },
    )
    return context, page


def measure(browser, urls: dict[str, str], rounds: int, mbits: float, latency_ms: float) -> dict[str, list[float]]:
    """First visits (gzip on / off) and warm reloads (WebSocket compressed / not) of each page, interleaved."""
    times: dict[str, list[float]] = {}
    first_visit = {"scripts gzipped": urls["compressed"], "scripts plain": urls["no gzip"]}
    reload = {"websocket compressed": urls["compressed"], "websocket plain": urls["ws plain"]}
    for _ in range(rounds):
        for path, heading in PAGES:
            for variant, base in first_visit.items():
                context, page = _throttled_page(browser, mbits, latency_ms)
                times.setdefault(f"{heading} first visit, {variant}", []).append(
                    _timed(partial(page.goto, base + path), page, heading)
                )
                context.close()
    pages = {}
    for variant, base in reload.items():
        for path, heading in PAGES:
            context, page = _throttled_page(browser, mbits, latency_ms)
            page.goto(base + path)
            drawn(page, heading)
            pages[variant, heading] = (context, page)
    for _ in range(rounds * 3):
        for (variant, heading), (_, page) in pages.items():
            times.setdefault(f"{heading} warm reload, {variant}", []).append(_timed(page.reload, page, heading))
    for context, _ in pages.values():
        context.close()
    return times


def main() -> None:
    """Start the two apps and three proxies, then measure each link."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as temporary, ExitStack() as stack:
        folder = Path(temporary)
        url = build_store("demo", folder)
        compressed = app_server.start(url, log_dir=folder, name="compressed", timeout=300)
        stack.callback(compressed.stop)
        plain = app_server.start(
            url,
            log_dir=folder,
            name="ws-plain",
            timeout=300,
            extra_env={"STREAMLIT_SERVER_ENABLE_WEBSOCKET_COMPRESSION": "false"},
        )
        stack.callback(plain.stop)
        urls = {
            "compressed": stack.enter_context(documented_proxy(compressed.port, folder / "nginx-a")),
            "no gzip": stack.enter_context(documented_proxy(compressed.port, folder / "nginx-b", gzip=False)),
            "ws plain": stack.enter_context(documented_proxy(plain.port, folder / "nginx-c")),
        }
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for name, mbits, latency in LINKS:
                print(f"== {name} (through docs/deployment.md's nginx, demo data, {args.rounds} rounds)")
                for label, values in measure(browser, urls, args.rounds, mbits, latency).items():
                    print(
                        f"  {label:50s} min {min(values):.2f} s  median {statistics.median(values):.2f} s  "
                        f"({len(values)} runs)"
                    )
            browser.close()


if __name__ == "__main__":
    main()
