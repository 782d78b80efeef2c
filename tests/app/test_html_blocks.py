"""Every HTML block a page shows went through the server's sanitiser, and the sanitiser kept all of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from perfdash import html_table
from tests.support import html_tables

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BAD_FILE = b"period,org_code,metric_id,value\n2025-10,R1H,ae_4hr_all,lots\n2025-10,R1H,nonsense,70\n"


@pytest.fixture
def cleaned(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Each block handed to the real sanitiser this test, with what it gave back."""
    calls: list[tuple[str, str]] = []
    real = html_table.sanitised

    def recording(body: str) -> str:
        calls.append((body, real(body)))
        return calls[-1][1]

    monkeypatch.setattr(html_table, "sanitised", recording)
    return calls


def _views() -> list[tuple[str, dict[str, str]]]:
    """Every page an analyst sees, a trust's views (its benchmark, national columns) as well as the system's."""
    return [
        ("app_pages/overview.py", {}),
        ("app_pages/overview.py", {"org": "R1H"}),
        ("app_pages/metric.py", {}),
        ("app_pages/metric.py", {"metric": "ae_4hr_all", "org": "R1H"}),
        ("app_pages/organisation.py", {"org": "R1H"}),
        ("app_pages/exceptions.py", {}),
        ("app_pages/sources.py", {}),
        ("app_pages/data.py", {}),
        ("app_pages/upload.py", {}),
    ]


def test_every_block_on_every_page_is_sanitised_and_loses_nothing(app_env, cleaned):
    shown: list[str] = []
    for page, params in _views():
        at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=120)
        for name, value in params.items():
            at.query_params[name] = value
        at.switch_page(page).run()
        if page.endswith("upload.py"):  # a file with problems: its problems table and the file's tiles
            at.file_uploader(key="uploader-0").set_value([("bad.csv", BAD_FILE, "text/csv")]).run()
        assert not at.exception, (page, at.exception)
        blocks = html_tables.blocks(at)
        assert blocks, page
        # What the page shows is what the sanitiser gave back, never the block before it.
        assert set(blocks) <= {after for _, after in cleaned}, page
        shown += blocks
    assert any("What is wrong" in block for block in shown), "the upload's problems table was shown"
    for before, after in cleaned:
        assert html_tables.document(after) == html_tables.document(before)


def test_the_same_block_twice_on_a_page_shows_twice():
    def page():
        from perfdash import html_table, ui

        same = html_table.card("Same", ("Lead", "words"), [])
        ui.show_tables(same)
        ui.show_tables(same)
        ui.show_tables(same)

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception, at.exception
    blocks = html_tables.blocks(at)
    assert len(blocks) == 3 and len(set(blocks)) == 1
