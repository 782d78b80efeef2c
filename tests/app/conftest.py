"""AppTest fixtures: every page run in-process on a temporary store loaded with the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from perfdash import service, store
from perfdash.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with the demo data (made once; pages only read it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'demo.sqlite'}"
    service.load_demo(store.get_engine(url), load_config(PROJECT_ROOT / "config.yaml"), last="2025-09")
    store.dispose_engines()
    return url


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, demo_database: str) -> Iterator[str]:
    """Point the app at the demo store and start each test with empty Streamlit caches."""
    monkeypatch.setenv("PERFDASH_DATABASE_URL", demo_database)
    # Page failures raise instead of becoming the user's one-line message, so the tests see them.
    monkeypatch.setenv("PERFDASH_DEBUG", "1")
    monkeypatch.chdir(PROJECT_ROOT)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield demo_database
    store.dispose_engines()
