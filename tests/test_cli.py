"""`python -m perfdash` as a user runs it: in a subprocess, against a real SQLite file."""

from pathlib import Path

import pytest

from perfdash import service, store
from perfdash.config import load_config
from perfdash.ingest.pipeline import prepare
from tests.ingest.corpus import BAD_FILES, HEADER
from tests.support.cli import CliResult, run_cli, run_entry_point

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = PROJECT_ROOT) -> CliResult:
    return run_cli(*args, env={"PERFDASH_USER": "analyst@nhs.net"}, cwd=cwd)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def test_ingest_valid_file_reports_counts(tmp_path, db):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "2025-04,R1H,ae_4hr_all,,15230,20410\n2025-04,RRU,amb_cat2_mean,31.5,,\n")
    result = run("ingest", str(path), "--database", db)
    assert result.returncode == 0, result.stderr
    assert "added 2, revised 0, unchanged 0" in result.stdout
    assert "read as perfdash canonical long form" in result.stdout
    assert "fills: ae_4hr_all, amb_cat2_mean for 2 organisations, Apr 2025" in result.stdout
    again = run("ingest", str(path), "--database", db)
    assert "identical to upload 1; nothing changed" in again.stdout


def test_dry_run_writes_nothing(tmp_path, db):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "2025-04,R1H,ae_attendances,100,,\n")
    result = run("ingest", str(path), "--database", db, "--dry-run")
    assert result.returncode == 0 and "Dry run: nothing was written." in result.stdout
    assert store.count_uploads(store.get_engine(db)) == 0
    store.dispose_engines()


@pytest.mark.parametrize("bad", BAD_FILES[::5], ids=[f.name for f in BAD_FILES[::5]])
def test_ingest_rejects_bad_files_without_traceback(tmp_path, db, bad):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "2025-04,R1H,ae_attendances,100,,\n")
    # A store that already holds a value, loaded in-process (test_ingest_valid_file_reports_counts covers the
    # CLI doing it): one interpreter start per case instead of two.
    engine = store.get_engine(db)
    service.commit_prepared(engine, prepare("good.csv", good.read_bytes(), load_config(), engine), user="setup")
    before = store.table_counts(store.get_engine(db))
    assert before["current_values"] == 1
    path = tmp_path / "bad.csv"
    path.write_bytes(bad.data)
    result = run("ingest", str(good), str(path), "--database", db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert bad.expect in result.stderr
    if bad.line is not None:
        assert f"line {bad.line}" in result.stderr
    assert "Nothing was loaded" in result.stderr
    assert store.table_counts(store.get_engine(db)) == before
    store.dispose_engines()


def test_export_ingest_export_round_trip(tmp_path, db):
    assert run("demo", "--database", db).returncode == 0
    first = tmp_path / "first.csv"
    assert run("export", "--out", str(first), "--database", db).returncode == 0
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    loaded = run("ingest", str(first), "--database", empty)
    assert loaded.returncode == 0, loaded.stderr
    second = tmp_path / "second.csv"
    assert run("export", "--out", str(second), "--database", empty).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text().count("\n") > 5000


def test_uploads_and_rollback(tmp_path, db):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "2025-04,R1H,ae_attendances,100,,\n")
    run("ingest", str(path), "--database", db)
    path.write_text(HEADER + "2025-04,R1H,ae_attendances,120,,\n")
    revised = run("ingest", str(path), "--database", db)
    assert revised.returncode == 3 and "already loaded" in revised.stderr  # a revision needs a decision
    assert run("ingest", str(path), "--database", db, "--accept-warnings").returncode == 0
    listing = run("uploads", "--database", db)
    assert "analyst@nhs.net" in listing.stdout and listing.stdout.count("live") == 2
    result = run("rollback", "2", "--database", db, "--reason", "wrong file")
    assert result.returncode == 0 and "1 values returned" in result.stdout
    assert "rolled back" in run("uploads", "--database", db).stdout
    assert run("rollback", "2", "--database", db).returncode == 2  # every failure exits 2 (issue 16)
    current = store.read_current(store.get_engine(db))
    assert current["value"].tolist() == [100]
    store.dispose_engines()


def test_bad_config_is_one_clear_line(tmp_path, db):
    bad = tmp_path / "config.yaml"
    bad.write_text("app: {title: x}\n")
    result = run("--config", str(bad), "demo", "--database", db)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "system: Field required" in result.stderr


def test_formats_lists_every_format_a_refusal_points_to():
    # A refused file's message sends the analyst to `python -m perfdash formats`: it must list what prepare reads.
    from perfdash.ingest.pipeline import FORMATS_LISTED, format_labels

    result = run("formats")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == format_labels(load_config())
    assert any(line.startswith("perfdash canonical long form") for line in result.stdout.splitlines())
    assert "python -m perfdash formats" in FORMATS_LISTED


def test_the_real_entry_point_loads_a_file_and_fails_in_one_line(tmp_path, db):
    """`python -m perfdash` as a separate process: the exit codes and streams the in-process runs stand for."""
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "2025-04,R1H,ae_4hr_all,,15230,20410\n")
    loaded = run_entry_point("ingest", str(path), "--database", db, env={"PERFDASH_USER": "analyst@nhs.net"})
    assert loaded.returncode == 0, loaded.stderr
    assert "added 1, revised 0, unchanged 0" in loaded.stdout
    missing = run_entry_point("ingest", str(tmp_path / "absent.csv"), "--database", db)
    assert missing.returncode == 1  # a file that cannot be read is refused like any bad file
    assert "Traceback" not in missing.stderr
    assert len([line for line in missing.stderr.splitlines() if "absent.csv" in line]) == 1
