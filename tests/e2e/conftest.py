"""Browser fixtures: Debian's Chromium driven by Playwright against the real app run with `streamlit run`.

Every page a test opens records browser console errors and uncaught page errors; the test fails if any
appeared, except the one documented in tests/support/browser.py (Streamlit's base-path probe).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfdash import service, store
from perfdash.config import load_config
from tests.support import app_server
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, ConsoleLog

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The demo store used by browser tests ends here, so an analyst can upload the following month.
SEEDED_LAST_MONTH = "2025-08"
UPLOAD_MONTH = "2025-09"


@pytest.fixture(scope="session")
def playwright_instance():
    """The Playwright driver, or skip (fail under PERFDASH_REQUIRE_BROWSER) when Chromium is missing."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("PERFDASH_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required (PERFDASH_REQUIRE_BROWSER) but {CHROMIUM} is missing")
        pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install chromium, or make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """One headless Chromium for the session (the system one: Playwright cannot download its own here)."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def console() -> ConsoleLog:
    """The console errors of the pages a test opens."""
    return ConsoleLog()


@pytest.fixture
def new_page(browser, console: ConsoleLog, tmp_path: Path):
    """A factory of fresh pages (own context, downloads on, console errors recorded); asserts no errors after."""
    contexts = []

    def make(extra_headers: dict[str, str] | None = None):
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000},
            accept_downloads=True,
            extra_http_headers=extra_headers or {},
        )
        context.set_default_timeout(60_000)
        # Every page of the context, including tabs opened by links, reports its console errors.
        context.on("page", console.attach)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert not console.errors, "browser console errors:\n" + "\n".join(console.errors)


@pytest.fixture
def page(new_page):
    """One fresh page."""
    return new_page()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tests save screenshots (PERFDASH_SCREENSHOTS to keep them somewhere else)."""
    folder = os.environ.get("PERFDASH_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def seed_demo(url: str, last: str = SEEDED_LAST_MONTH) -> None:
    """Load the demo data up to a month into a store (what the app would do, but ending earlier)."""
    service.load_demo(store.get_engine(url), load_config(PROJECT_ROOT / "config.yaml"), last=last)
    store.dispose_engines()


def run_server(url: str, log_dir: Path, **kwargs) -> Iterator[app_server.AppServer]:
    """Start the app, yield it, stop it; print its log if it died under a test."""
    server = app_server.start(url, log_dir=log_dir, **kwargs)
    try:
        yield server
    finally:
        died = not server.alive()
        server.stop()
        if died:
            print(f"app server died; its log:\n{server.log_text()[-6000:]}")


@pytest.fixture
def writable_app(tmp_path: Path) -> Iterator[app_server.AppServer]:
    """An app on its own store (for journeys that write), with the demo data up to SEEDED_LAST_MONTH."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    seed_demo(url)
    yield from run_server(url, tmp_path)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[app_server.AppServer]:
    """A read-mostly app on a SQLite store holding the demo data (tests that write use their own)."""
    folder = tmp_path_factory.mktemp("app")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    seed_demo(url)
    yield from run_server(url, folder)
