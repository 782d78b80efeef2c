"""Every board page on a store holding every real publication in ../shared/data, loaded as an analyst would.

Real files leave gaps the demo never has: standards with too few months for SPC, months with no data, whole
publications that stop years before the latest month. The demo store cannot show that a page copes with them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from perfdash import store
from perfdash.config import load_config
from tests.app.conftest import PROJECT_ROOT, point_app_at
from tests.support import html_tables

SPREADSHEETS = {".csv", ".xls", ".xlsx"}


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with every published file loaded by one `python -m perfdash ingest` (no demo data in it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('real') / 'real.sqlite'}"
    files = sorted(str(p) for p in shared_data.rglob("*") if p.is_file() and p.suffix.lower() in SPREADSHEETS)
    command = [sys.executable, "-m", "perfdash", "ingest", *files, "--database", url, "--accept-warnings"]
    loaded = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert loaded.returncode == 0, loaded.stdout[-3000:] + loaded.stderr[-3000:]
    return url


@pytest.fixture
def real_app(app_env, real_store: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app pointed at the real store."""
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=real_store)
    yield real_store
    store.dispose_engines()


def _app() -> AppTest:
    return AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=120)


def _board_orgs() -> list[str]:
    config = load_config(PROJECT_ROOT / "config.yaml")
    return [config.system.code, *(org.code for org in config.organisations)]


@pytest.mark.parametrize("org", _board_orgs())
def test_the_overview_shows_every_standard_for_each_trust_and_the_ics(real_app, org):
    at = _app()
    at.query_params["org"] = org
    at.run()
    assert not at.exception, at.exception
    (standards,) = [t["frame"] for t in html_tables.tables(at) if "Latest" in t["frame"]]
    assert len(standards) > 0
    # A standard with too few months for SPC has no icon and says why, in words.
    blocks = " ".join(html_tables.blocks(at))
    assert "nan" not in standards.to_string().lower().split()
    assert "too few points for SPC" in blocks or "no data for" in blocks


@pytest.mark.parametrize("page", ["metric", "organisation", "exceptions", "sources"])
def test_the_other_board_pages_open(real_app, page):
    at = _app()
    at.query_params["org"] = "R1H"
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
