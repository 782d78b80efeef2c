"""The overview's board pack button with AppTest: made only on click, then offered as a PDF download."""

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from perfdash import boardpack
from tests.app.conftest import point_app_at
from tests.support import controls


def _app() -> AppTest:
    return AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"), default_timeout=300)


def _downloads(at: AppTest) -> list:
    return at.get("download_button")


@pytest.mark.browser  # kaleido draws the pack's charts with Chromium
def test_prepare_then_download_the_board_pack(app_env):
    try:
        boardpack.chromium_path()
    except boardpack.BoardPackError as error:
        if os.environ.get("PERFDASH_REQUIRE_BROWSER"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    at = _app()
    at.query_params["org"] = "RRU"  # the smallest trust pack keeps the test quick
    at.run()
    assert not at.exception
    assert not _downloads(at), "the pack is made on click, not on every render"
    at.button(key="boardpack_prepare").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    downloads = _downloads(at)
    assert len(downloads) == 1
    assert downloads[0].proto.label == "Download board pack"
    # The PDF is kept for this organisation and month only: another month hides the stale button.
    controls.choose(at, "month", "2025-06").run()
    assert not _downloads(at)


def test_missing_chromium_shows_the_message_not_a_traceback(app_env, monkeypatch):
    point_app_at(monkeypatch, BROWSER_PATH="/nonexistent/chromium")
    at = _app()
    at.query_params["org"] = "RRU"
    at.run()
    at.button(key="boardpack_prepare").click().run()
    assert not at.exception
    assert any("Chromium is needed to draw the charts" in e.value for e in at.error)
    assert not _downloads(at)
