"""AppTest fixtures: every page run in-process on a temporary store loaded with the demo data."""

from __future__ import annotations

import os
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


def _settings() -> dict[str, str]:
    """What the app's caches depend on besides the store's versions: its environment."""
    return {k: v for k, v in os.environ.items() if k.startswith(("PERFDASH_", "BROWSER"))}


# The settings the Streamlit caches were filled under. Caches are keyed on the store's versions, which two
# stores can share, so they are emptied whenever a test points the app at other settings; tests with the same
# settings (the read-only demo store, most of all) share them, as the app's sessions do. Every test store has
# its own path, so one URL never names two different stores.
_caches_filled_under: list[dict[str, str] | None] = [None]


def _caches_for_current_settings() -> None:
    if _caches_filled_under[0] != _settings():
        st.cache_data.clear()
        st.cache_resource.clear()
        _caches_filled_under[0] = _settings()


def point_app_at(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    """Set the app's environment (PERFDASH_DATABASE_URL=…), emptying caches filled under other settings."""
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    _caches_for_current_settings()


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, demo_database: str) -> Iterator[str]:
    """Point the app at the demo store, with caches that hold nothing from another store or config."""
    monkeypatch.chdir(PROJECT_ROOT)
    # Page failures raise instead of becoming the user's one-line message, so the tests see them.
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=demo_database, PERFDASH_DEBUG="1")
    yield demo_database
    store.dispose_engines()
