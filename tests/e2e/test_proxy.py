"""docs/deployment.md's nginx set-up, copied as written, in front of the real app: pages, sticky route, compression."""

from __future__ import annotations

import os
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from perfdash import demo
from perfdash.config import load_config
from tests.e2e.conftest import PROJECT_ROOT, SEEDED_LAST_MONTH
from tests.e2e.test_journeys import rows_in, upload_and_commit
from tests.e2e.test_transport import handshake
from tests.support import proxy as proxies
from tests.support.browser import blocks_drawn, open_page

pytestmark = pytest.mark.browser

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@contextmanager
def documented_proxy(app_port: int, folder: Path) -> Iterator[str]:
    """The documented nginx in front of an app; without nginx, fail under make test (it installs it), else skip."""
    if not Path(proxies.NGINX).exists():
        missing = "nginx is missing (apt-get install nginx-light, or make system-deps)"
        if os.environ.get("PERFDASH_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)
    with proxies.documented_proxy(app_port, folder) as url:
        yield url


@pytest.fixture
def proxy(app, tmp_path: Path) -> Iterator[str]:
    """The documented nginx in front of the shared read-mostly app."""
    with documented_proxy(app.port, tmp_path / "nginx") as url:
        yield url


def test_the_app_works_through_the_documented_proxy_with_a_sticky_route(proxy, new_page):
    page = new_page()
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    open_page(page, proxy, "Overview")  # the page's WebSocket goes through nginx too
    page.get_by_role("table").first.wait_for()
    assert page.get_by_role("link", name="A&E 4-hour, all types").first.is_visible()
    route = [c for c in page.context.cookies() if c["name"] == "perfdash_route"]
    assert len(route) == 1 and route[0]["value"] and route[0]["httpOnly"]
    # Under the guide's Content-Security-Policy every block is filled (open_page waits for that) and the Metric
    # page's chart is drawn.
    assert page.locator(".pd-html").count() == 3 and page.locator(".pd-html table").count() == 2
    page.get_by_role("link", name="A&E 4-hour, all types").first.click()
    page.get_by_role("heading", name="Metric", level=1).wait_for()
    page.locator("svg.pd-chart").wait_for()
    blocks_drawn(page)
    assert refused == []  # Streamlit's one inline line is allowed by its hash


def test_the_proxy_compresses_the_apps_scripts_and_passes_the_websockets_compression_on(proxy):
    index = _OPENER.open(f"{proxy}/").read().decode()
    (script,) = re.findall(r'src="\./(static/js/index\.[^"]+\.js)"', index)
    plain = _OPENER.open(f"{proxy}/{script}").read()
    request = urllib.request.Request(f"{proxy}/{script}", headers={"Accept-Encoding": "gzip"})
    with _OPENER.open(request) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]  # Streamlit's own caching survives the proxy
        compressed = response.read()
    assert len(compressed) < len(plain) / 2, (len(compressed), len(plain))

    port = int(proxy.rsplit(":", 1)[1])
    assert "sec-websocket-extensions: permessage-deflate" in handshake(port, "permessage-deflate")


def test_an_analyst_uploads_and_commits_a_file_through_the_documented_proxy(writable_app, new_page, tmp_path: Path):
    # The file goes to Streamlit's upload endpoint through nginx, then the preview and the commit run over the
    # proxied WebSocket. Four months (a catch-up): above nginx's 16 KB body buffer, so nginx writes it to a file.
    config = load_config(PROJECT_ROOT / "config.yaml")
    frame = demo.generate(config, last="2025-12")
    data = demo.to_csv_bytes(frame[frame["period"] > SEEDED_LAST_MONTH])
    assert len(data) > 16 * 1024
    with documented_proxy(writable_app.port, tmp_path / "nginx") as url:
        message = upload_and_commit(new_page(), url, "nel-sep-dec-2025.csv", data)
    assert f"loaded as upload 2: {rows_in(data)} new" in message
