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


# The settings the caches were filled under, or None when they may hold another store's or config's data.
_caches_filled_under: list[dict[str, str] | None] = [None]


def point_app_at(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    """Set the app's environment (PERFDASH_DATABASE_URL=…) and empty the caches filled under the old one."""
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, demo_database: str) -> Iterator[str]:
    """Point the app at the demo store, with caches that hold nothing from another store or config."""
    monkeypatch.setenv("PERFDASH_DATABASE_URL", demo_database)
    # Page failures raise instead of becoming the user's one-line message, so the tests see them.
    monkeypatch.setenv("PERFDASH_DEBUG", "1")
    monkeypatch.chdir(PROJECT_ROOT)
    # Caches are keyed on the store's versions, which two stores can share: they are cleared whenever the last
    # test ran against anything but the read-only demo store with these settings. Tests on the demo store
    # share them, as the app's sessions do (the computation was tested by the first).
    if _caches_filled_under[0] != _settings():
        st.cache_data.clear()
        st.cache_resource.clear()
    _caches_filled_under[0] = None
    yield demo_database
    settings = _settings()
    _caches_filled_under[0] = settings if settings.get("PERFDASH_DATABASE_URL") == demo_database else None
    store.dispose_engines()
