"""Header mode in a real browser: the app trusts the identity an authenticating proxy puts in request headers.

The browser sends the headers itself here, standing in for the proxy (oauth2-proxy, Azure App Service
authentication); this proves Streamlit 1.67 hands the WebSocket handshake's headers to st.context.headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import run_server, seed_demo
from tests.support import app_server
from tests.support.browser import wait_for_app
from tests.support.configs import write_config_variant

pytestmark = pytest.mark.browser

RULES = [
    {"domain": "nhs.net", "role": "viewer"},
    {"group": "nel-performance-analysts", "role": "analyst"},
]


@pytest.fixture(scope="module")
def header_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[app_server.AppServer]:
    """The app in header mode, reading X-Forwarded-Email and X-Forwarded-Groups."""
    folder = tmp_path_factory.mktemp("header")
    database = f"sqlite:///{folder / 'store.sqlite'}"
    seed_demo(database)
    header_auth = {
        "mode": "header",
        "header_name": "X-Forwarded-Email",
        "groups_header": "X-Forwarded-Groups",
        "default_role": None,
        "role_rules": RULES,
    }
    config_path = write_config_variant(folder, lambda raw: raw.update(auth=header_auth))
    yield from run_server(
        database, folder, config_path=config_path, name="header", extra_env={"PERFDASH_AUTH_MODE": "header"}
    )


def _open(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.locator("h1, [data-testid='stAlert']").first.wait_for()
    wait_for_app(page)


def _menu(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


def test_without_the_header_nobody_is_signed_in(header_app, new_page, screenshot_dir: Path):
    page = new_page()
    for path in ["/", "/upload", "/data"]:
        _open(page, header_app.url + path)
        expect(page.get_by_text("the authenticating proxy did not identify you")).to_be_visible()
        assert page.locator("[data-testid='stSidebarNav'], [data-testid='stFileUploader']").count() == 0
    page.screenshot(path=str(screenshot_dir / "header-no-identity.png"))


def test_a_viewer_named_by_the_proxy(header_app, new_page):
    page = new_page({"X-Forwarded-Email": "Vera.Viewer@nhs.net"})
    _open(page, header_app.url)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    assert _menu(page) == ["Overview", "Exceptions", "Metric", "Organisation", "Sources"]
    assert "vera.viewer@nhs.net" in page.get_by_test_id("stSidebar").inner_text()
    assert page.get_by_role("button", name="Sign out").count() == 0  # the proxy owns the session
    _open(page, header_app.url + "/upload")
    expect(page.get_by_text("Not permitted")).to_be_visible()
    assert page.locator("[data-testid='stFileUploader']").count() == 0


def test_an_analyst_by_the_proxy_groups_header(header_app, new_page, screenshot_dir: Path):
    page = new_page(
        {"X-Forwarded-Email": "ann.analyst@nhs.net", "X-Forwarded-Groups": "staff,nel-performance-analysts"}
    )
    _open(page, header_app.url + "/upload")
    expect(page.get_by_role("heading", name="Upload data", level=1)).to_be_visible()
    expect(page.get_by_test_id("stFileUploader")).to_be_visible()
    assert _menu(page) == ["Overview", "Exceptions", "Metric", "Organisation", "Sources", "Upload", "Data"]
    page.screenshot(path=str(screenshot_dir / "header-analyst-upload.png"))
