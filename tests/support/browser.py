"""Driving the app in Chromium: launch arguments, waiting for Streamlit runs, widgets, console-error filtering."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The only console errors tolerated. When a page is opened by its own URL (/metric, a shared link),
# Streamlit's frontend first probes <page>/_stcore/health and <page>/_stcore/host-config to find the
# app's base path, gets 404, then uses /_stcore/... (streamlit/streamlit#7074, open). Chromium logs each
# 404 as a console error; the app cannot prevent it. Anything else fails the test.
_BASE_PATH_PROBE = re.compile(r"^https?://[^/]+/[^_][^?#]*/_stcore/(health|host-config)$")


def is_allowed(text: str, url: str) -> bool:
    """Whether a console error is Streamlit's base-path probe (see above)."""
    return text.startswith("Failed to load resource: the server responded with a status of 404") and bool(
        _BASE_PATH_PROBE.match(url)
    )


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors seen by the pages of one test."""

    errors: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        """Record errors from a page."""
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        line = f"console.error: {message.text} ({url})"
        (self.tolerated if is_allowed(message.text, url) else self.errors).append(line)


# An HTML block (perfdash.ui.show_tables) is an empty <div class="pd-html"> until its one line of script, a module
# Streamlit loads, has put the block's HTML in (which starts with its <style>); a picker (perfdash.ui.picker) is an
# empty <div class="pd-pick"> until its script has built the label and select; an element whose code is still
# loading shows a skeleton instead.
BLOCKS_DRAWN = """() => !document.querySelector('[data-testid="stSkeleton"]')
  && [...document.querySelectorAll('.pd-html, .pd-pick')].every(block => block.firstElementChild)"""


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until the app is connected, its script is not running (as Streamlit's own e2e tests do) and every
    HTML block on the page is filled."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    blocks_drawn(page, timeout)


def blocks_drawn(page, timeout: float = 60_000) -> None:
    """Wait until no element is still loading and every HTML block has its content."""
    page.wait_for_function(BLOCKS_DRAWN, timeout=timeout, polling=20)


def open_page(page, url: str, heading: str | None = None) -> None:
    """Go to a URL and wait for the page's first run to finish (and its h1, if given)."""
    page.goto(url)
    wait_for_app(page)
    if heading is not None:
        page.get_by_role("heading", name=heading, level=1).wait_for()
    wait_for_app(page)


def rerun_settled(page, action) -> None:
    """Do something that reruns the script and wait for the rerun to start and finish."""
    # Waiting for 'running' first avoids reading the page before the rerun has begun; a very quick
    # rerun may finish before we look, so that wait is short and its timeout is not an error.
    action()
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", timeout=2_000)
    wait_for_app(page)


# perfdash's pickers are native selects (perfdash.ui.picker); the Data page's choice of upload is Streamlit's
# selectbox, an input with its own list. The helpers below take either, by the label a reader sees.
_IS_NATIVE = "element => element.tagName === 'SELECT'"


def choose(page, label: str, option: str) -> None:
    """Pick an option in the picker or selectbox with this label and wait for the rerun."""
    # A run still in progress (say the one st.rerun() starts after a form's action) redraws a selectbox when it
    # reaches it and closes a list opened before that: open it only once the script is idle.
    wait_for_app(page)
    box = page.get_by_role("combobox", name=label, exact=True)
    if box.evaluate(_IS_NATIVE):
        rerun_settled(page, lambda: box.select_option(label=option))
        return
    box.click()
    # Typing filters the list: long lists are virtualised, so an option far down is not in the DOM.
    box.fill(option)
    rerun_settled(page, lambda: page.get_by_role("option", name=option, exact=True).click())


def selected(page, label: str) -> str:
    """The text shown in a picker or selectbox."""
    box = page.get_by_role("combobox", name=label, exact=True)
    return box.evaluate("e => e.tagName === 'SELECT' ? e.options[e.selectedIndex].text : e.value")


def options(page, label: str) -> list[str]:
    """Every option of a picker or selectbox (a selectbox is opened and closed)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    if box.evaluate(_IS_NATIVE):
        return box.evaluate("e => [...e.options].map(option => option.text.trim())")
    box.click()
    listbox = page.get_by_role("listbox")
    listbox.wait_for()
    texts = [text.strip() for text in listbox.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def settle_visuals(page) -> None:
    """Wait for charts and grids to draw before a screenshot."""
    for chart in page.locator(".js-plotly-plot").all():
        chart.locator(".main-svg").first.wait_for()
    page.wait_for_timeout(500)  # canvas grids paint after their ARIA mirror exists; screenshots only
