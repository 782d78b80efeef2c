"""`python -m perfdash check` as an operator runs it: config, database and freshness, with exit codes."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from perfdash import service, store
from perfdash.check import EXIT_BROKEN, EXIT_OK, EXIT_STALE
from perfdash.config import load_config
from tests.support.cli import CliResult, run_cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, config: Path | None = None) -> CliResult:
    options = ["--config", str(config)] if config else []
    return run_cli(*options, "check", *args)


def _demo_store(url: str, last: str) -> None:
    service.load_demo(store.get_engine(url), load_config(PROJECT_ROOT / "config.yaml"), last=last)
    store.dispose_engines()


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('check') / 'demo.sqlite'}"
    _demo_store(url, "2025-09")
    return url


def test_fresh_store_exits_zero(demo_url):
    # Every metric in config.yaml is published by the 14th, so on 20 Oct 2025 September is due and loaded.
    result = run("--database", demo_url, "--today", "2025-10-20")
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    assert "config    ok" in result.stdout and "database  ok" in result.stdout
    assert f"schema version {store.SCHEMA_VERSION}" in result.stdout and "1 uploads (1 live)" in result.stdout
    count = len(load_config(PROJECT_ROOT / "config.yaml").metrics)
    assert f"all {count} metrics are up to date" in result.stdout


def test_stale_store_exits_one_and_lists_the_metrics(demo_url):
    result = run("--database", demo_url, "--today", "2025-12-15")
    assert result.returncode == EXIT_STALE
    # Columns are as wide as the longest metric id: compare the words, not the padding.
    assert "ae_4hr_all Sep 2025 Nov 2025 STALE: 2 month(s) behind" in " ".join(result.stdout.split())
    count = len(load_config(PROJECT_ROOT / "config.yaml").metrics)
    assert f"{count} of {count} metrics are stale" in result.stdout


def test_before_publication_day_last_month_is_not_yet_due(demo_url):
    assert run("--database", demo_url, "--today", "2025-11-13").returncode == EXIT_OK
    assert run("--database", demo_url, "--today", "2025-11-14").returncode == EXIT_STALE


def test_invalid_config_exits_two(tmp_path, demo_url):
    bad = tmp_path / "config.yaml"
    bad.write_text("app: {title: x}\n")
    result = run("--database", demo_url, config=bad)
    assert result.returncode == EXIT_BROKEN
    assert "system: Field required" in result.stderr and "Traceback" not in result.stderr


def test_missing_sqlite_file_exits_two_and_creates_nothing(tmp_path):
    path = tmp_path / "typo.sqlite"
    result = run("--database", f"sqlite:///{path}")
    assert result.returncode == EXIT_BROKEN and "no SQLite file" in result.stderr
    assert not path.exists()


def test_wrong_schema_version_exits_two(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = store.get_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
    store.dispose_engines()
    result = run("--database", url)
    assert result.returncode == EXIT_BROKEN and "schema version 99" in result.stderr


def test_unreachable_database_exits_two():
    from tests.support.app_server import free_port

    result = run("--database", f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/perfdash")
    assert result.returncode == EXIT_BROKEN
    assert "Cannot open the database" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.postgres
def test_postgres_store(postgres_server, tmp_path):
    url = postgres_server.create_database("perfdash_check")
    _demo_store(url, "2025-09")
    result = run("--database", url, "--today", "2025-10-20")
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    assert "database  ok: postgresql+psycopg://postgres@127.0.0.1" in result.stdout


def test_empty_store_is_stale_with_nothing_loaded(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    store.get_engine(url)
    store.dispose_engines()
    result = run("--database", url, "--today", "2025-10-20")
    assert result.returncode == EXIT_STALE
    assert "ae_4hr_all none Sep 2025 STALE: nothing loaded" in " ".join(result.stdout.split())
