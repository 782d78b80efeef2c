"""Shared fixtures: the registry, stores on SQLite and on a real PostgreSQL server, the shared NHS data."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfdash import store
from perfdash.config import Config, load_config
from tests.support import postgres

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
_database_names = itertools.count()


@pytest.fixture(scope="session")
def config() -> Config:
    """The project's own config.yaml."""
    return load_config(PROJECT_ROOT / "config.yaml")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: a user's fresh clone does not have it (CI always does)."""
    if not (SHARED_DATA / "nhse-ae").is_dir():
        pytest.skip(f"real NHS England files not present at {SHARED_DATA} (they live beside the project in CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer | None]:
    """One PostgreSQL server for the session, on loopback."""
    try:
        server = postgres.start()
    except (RuntimeError, OSError) as error:
        if os.environ.get("PERFDASH_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL unavailable: {error}")
    yield server
    store.dispose_engines()
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty store, once on a SQLite file and once on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"perfdash_{os.getpid()}_{next(_database_names)}")
    engine = store.get_engine(url)
    yield engine
    store.dispose_engines()


@pytest.fixture
def sqlite_engine(tmp_path: Path):
    """An empty SQLite store only (for tests that don't need both backends)."""
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    yield engine
    store.dispose_engines()


@pytest.fixture(scope="session")
def _demo_templates() -> dict[tuple[str, ...], Path]:
    """SQLite files holding the demo data, made once per worker per sequence of loads and then only copied."""
    return {}


@pytest.fixture
def demo_sqlite(tmp_path: Path, _demo_templates: dict[tuple[str, ...], Path], config: Config, tmp_path_factory):
    """A function giving a fresh SQLite store with the demo loaded up to each of `lasts` in turn (one upload each).

    Loading the demo through ingest takes a second or two; dozens of tests that only need it as history copy a
    file made once instead. service.load_demo itself is tested in tests/test_demo.py.
    """
    from perfdash import service

    def make(*lasts: str):
        lasts = lasts or ("2025-03",)
        template = _demo_templates.get(lasts)
        if template is None:
            template = tmp_path_factory.mktemp("demo-template") / "demo.sqlite"
            engine = store.get_engine(f"sqlite:///{template}")
            for last in lasts:
                service.load_demo(engine, config, last=last)
            engine.dispose()  # closes every connection, so the WAL is checkpointed into the file before copying
            _demo_templates[lasts] = template
        target = tmp_path / f"demo-{'-'.join(lasts)}.sqlite"
        shutil.copyfile(template, target)
        return store.get_engine(f"sqlite:///{target}")

    yield make
    store.dispose_engines()
