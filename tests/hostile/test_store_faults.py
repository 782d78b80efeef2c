"""Issue 16 cases 1-3, 8, 10, 11 and 13: faults in the store and the command line, on real databases."""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from perfdash import cli, service, store
from tests.ingest.corpus import HEADER


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """The command line in-process, as `python -m perfdash` runs it: exit code, stdout, stderr."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ perfdash: ")


def one_line_failure(code: int, err: str) -> str:
    """The failure's one line (the server log's timestamped INFO lines aside), exit 2, no traceback."""
    assert code == 2, err
    lines = [line for line in err.strip().splitlines() if not LOG_LINE.match(line)]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


def write(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(HEADER + body)
    return str(path)


def test_case1_a_multi_file_ingest_is_one_transaction(tmp_path, db, capsys):
    # A real failure in the second file's write (a trigger aborts it): the first file must not stay behind.
    a = write(tmp_path, "a.csv", "2025-04,R1H,ae_attendances,100,,\n")
    b = write(tmp_path, "b.csv", "2025-04,RF4,ae_attendances,200,,\n")
    engine = store.get_engine(db)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER fail_b BEFORE INSERT ON uploads WHEN NEW.file_name = 'b.csv' "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error injected'); END"
        )
    before = store.table_counts(engine)
    store.dispose_engines()
    code, out, err = run(capsys, "ingest", a, b, "--database", db, "--user", "analyst@nhs.net")
    one_line_failure(code, err)
    assert store.table_counts(store.get_engine(db)) == before
    assert "loaded as upload" not in out


def test_case2_conflicting_files_in_one_command_need_the_tick(tmp_path, db, capsys):
    first = write(tmp_path, "first.csv", "2025-01,R1H,ae_4hr_all,69.5,,\n")
    second = write(tmp_path, "second.csv", "2025-01,R1H,ae_4hr_all,70.5,,\n")
    code, _, err = run(capsys, "ingest", first, second, "--database", db)
    assert code == cli.EXIT_WARNINGS, err
    assert "second.csv: warning: line 2, column value: 1 value(s) for ae_4hr_all, Jan 2025 differ from first.csv" in err
    assert "69.5 to 70.5" in err
    assert store.count_uploads(store.get_engine(db)) == 0
    code, _out, err = run(capsys, "ingest", first, second, "--database", db, "--accept-warnings")
    assert code == 0, err
    current = store.read_current(store.get_engine(db))
    assert current["value"].tolist() == [70.5]
    # The same value twice is no conflict.
    same = write(tmp_path, "same.csv", "2025-02,R1H,ae_4hr_all,71,,\n")
    again = write(tmp_path, "again.csv", "2025-02,R1H,ae_4hr_all,71.0,,\n")
    code, _, err = run(capsys, "ingest", same, again, "--database", db)
    assert code == 0, err


def test_commit_files_is_all_or_nothing_and_nests(tmp_path, config, sqlite_engine):
    from perfdash.ingest.pipeline import prepare

    files = [
        prepare(f"{org}.csv", (HEADER + f"2025-04,{org},ae_attendances,100,,\n").encode(), config, sqlite_engine)
        for org in ("R1H", "RF4", "RQX")
    ]
    version = store.versions(sqlite_engine).values
    results = service.commit_files(sqlite_engine, files, user="a@nhs.net")
    assert [r.added for r in results] == [1, 1, 1]
    assert store.versions(sqlite_engine).values == version + 1  # one transaction, one version
    assert store.count_uploads(sqlite_engine) == 3


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_case3_a_deleted_or_replaced_sqlite_file_refuses_writes(tmp_path, config, how):
    path = tmp_path / "store.sqlite"
    engine = store.get_engine(f"sqlite:///{path}")
    store.read_current(engine)  # the app is running and has read the store
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if how == "replaced":
        sqlite3.connect(path).close()
    with pytest.raises(store.StoreError, match=f"has been {how} since perfdash opened it; nothing was written"):
        store.add_commentary(
            engine, metric_id="ae_4hr_all", org_code="R1H", period="2025-04", narrative="x", author="a"
        )
    store.dispose_engines()


class WriteLock:
    """Another process's long write: BEGIN IMMEDIATE held until released (or for at most `seconds`)."""

    def __init__(self, path: Path, seconds: float) -> None:
        self._release = threading.Event()
        ready = threading.Event()

        def hold() -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            ready.set()
            self._release.wait(seconds)
            conn.execute("ROLLBACK")
            conn.close()

        self._thread = threading.Thread(target=hold)
        self._thread.start()
        ready.wait()

    def join(self) -> None:
        """Release the lock once the test has seen what it waited for."""
        self._release.set()
        self._thread.join()


def test_case8_reads_never_wait_for_a_write_and_a_waiting_write_says_busy(tmp_path, monkeypatch, capsys):
    path = tmp_path / "store.sqlite"
    db = f"sqlite:///{path}"
    monkeypatch.setattr(store.database, "BUSY_TIMEOUT_S", 1.0)  # the config value, made short for the test
    store.get_engine(db)
    store.dispose_engines()
    holder = WriteLock(path, 6)
    started = time.perf_counter()
    code, _out, err = run(capsys, "export", "--out", str(tmp_path / "out.csv"), "--database", db)
    assert code == 0, err
    assert time.perf_counter() - started < 3
    code, _, err = run(capsys, "rollback", "1", "--database", db)
    line = one_line_failure(code, err)
    assert "busy with another write" in line
    holder.join()


def test_case10_over_long_owner_and_user_are_refused_before_writing(engine, capsys):
    before = store.table_counts(engine)
    with pytest.raises(store.FieldTooLongError, match="The owner is 300 characters; the most is 255"):
        store.add_commentary(
            engine, metric_id="ae_4hr_all", org_code="R1H", period="2025-04", narrative="x", owner="o" * 300, author="a"
        )
    with pytest.raises(store.FieldTooLongError, match="The user name is 256 characters"):
        store.add_commentary(
            engine, metric_id="ae_4hr_all", org_code="R1H", period="2025-04", narrative="x", author="a" * 256
        )
    assert store.table_counts(engine) == before


def test_case10_cli_user_over_the_limit(tmp_path, db, capsys):
    path = write(tmp_path, "ok.csv", "2025-04,R1H,ae_attendances,100,,\n")
    code, _, err = run(capsys, "ingest", path, "--database", db, "--user", "u" * 300)
    assert "The user name is 300 characters; the most is 255." in one_line_failure(code, err)
    assert store.count_uploads(store.get_engine(db)) == 0


def test_case11_export_to_a_missing_folder(tmp_path, db, capsys):
    code, _, err = run(capsys, "export", "--out", str(tmp_path / "nope" / "out.csv"), "--database", db)
    assert "No such file or directory" in one_line_failure(code, err)


def test_case11_truncated_database(tmp_path, capsys):
    path = tmp_path / "store.sqlite"
    store.get_engine(f"sqlite:///{path}")
    store.dispose_engines()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] + b"\x00garbage" * 10)
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database at all" * 200)
    for target in (path, tmp_path / "junk.sqlite"):
        code, _, err = run(capsys, "uploads", "--database", f"sqlite:///{target}")
        assert "Cannot open the database" in one_line_failure(code, err)


def test_case11_read_only_database(tmp_path, capsys):
    path = tmp_path / "store.sqlite"
    store.get_engine(f"sqlite:///{path}")
    store.dispose_engines()
    ok = write(tmp_path, "ok.csv", "2025-04,R1H,ae_attendances,100,,\n")
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    code, _, err = run(capsys, "ingest", ok, "--database", url)
    assert "read-only" in one_line_failure(code, err)


def test_case11_full_disk(tmp_path, config):
    # SQLite's own "database or disk is full", from a page budget the store cannot grow past.
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    sa.event.listen(engine, "connect", lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count={pages}"))
    engine.dispose()
    for _ in range(50):
        before = store.table_counts(engine)
        try:
            store.add_commentary(
                engine, metric_id="ae_4hr_all", org_code="R1H", period="2025-04", narrative="n" * 4000, author="a"
            )
        except store.StoreError as error:
            assert str(error) == "the disk is full; nothing was written. Free some space and try again"
            break
    else:
        pytest.fail("the page budget never ran out")
    assert store.table_counts(engine) == before  # the failed write left nothing behind
    store.dispose_engines()


def test_case11_rollback_of_an_impossible_number_and_a_bad_url(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["rollback", "99999999999999999999", "--database", db])
    assert exit_info.value.code == 2
    assert "is not an upload number" in capsys.readouterr().err
    code, _, err = run(capsys, "rollback", "999999", "--database", db)
    assert "There is no upload 999999." in one_line_failure(code, err)
    with pytest.raises(store.StoreError, match="There is no upload"):
        store.rollback_upload(store.get_engine(db), 10**20, by="a")
    code, _, err = run(capsys, "uploads", "--database", "not a url")
    assert "is not a database URL" in one_line_failure(code, err)


def test_debug_shows_the_traceback(tmp_path, db):
    with pytest.raises(FileNotFoundError):
        cli.main(["--debug", "export", "--out", str(tmp_path / "nope" / "x.csv"), "--database", db])


def test_case13_postgresql_that_never_answers_fails_fast(capsys, monkeypatch):
    # A socket that accepts the connection but never speaks: libpq waits for the server's first message.
    # libpq's shortest timeout (2 s) instead of the default 5 s: the test is that one is set at all.
    monkeypatch.setattr(store.database, "CONNECT_TIMEOUT_S", 2)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        for command in (["uploads"], ["export", "--out", "/tmp/never.csv"]):
            started = time.perf_counter()
            code, _, err = run(capsys, *command, "--database", f"postgresql+psycopg://u@127.0.0.1:{port}/db")
            line = one_line_failure(code, err)
            assert time.perf_counter() - started < store.database.CONNECT_TIMEOUT_S + 5
            assert "did not answer" in line, line
    finally:
        silent.close()


def test_check_reports_unreachable_postgresql_quickly(capsys, monkeypatch):
    monkeypatch.setattr(store.database, "CONNECT_TIMEOUT_S", 2)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        started = time.perf_counter()
        code, _, err = run(
            capsys, "check", "--database", f"postgresql+psycopg://u@127.0.0.1:{silent.getsockname()[1]}/db"
        )
        assert code == 2 and "Traceback" not in err
        assert time.perf_counter() - started < store.database.CONNECT_TIMEOUT_S + 5
    finally:
        silent.close()


def test_uploads_and_check_print_file_names_terminal_safe(tmp_path, db, capsys, config):
    from perfdash.ingest.pipeline import prepare

    name = "evil\x1b[2J\n2025-01-01T00:00:00Z  root  forged.csv\u202e.csv"
    engine = store.get_engine(db)
    prepared = prepare(name, (HEADER + "2025-04,R1H,ae_attendances,100,,\n").encode(), config, engine)
    service.commit_prepared(engine, prepared, user="a\x07@nhs.net")
    store.dispose_engines()
    code, out, _err = run(capsys, "uploads", "--database", db)
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert len(out.strip().splitlines()) == 1  # no forged second audit line
    assert "evil\\x1b[2J\\n2025-01-01" in out
    code, out, _err = run(capsys, "check", "--database", db, "--today", "2025-05-20")
    assert "latest upload 1: evil\\x1b[2J\\n2025-01-01" in out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out


def test_reads_are_not_blocked_when_engine_opens_during_a_write(tmp_path):
    path = tmp_path / "store.sqlite"
    store.get_engine(f"sqlite:///{path}")
    store.dispose_engines()
    holder = WriteLock(path, 4)
    started = time.perf_counter()
    frame = store.read_current(store.get_engine(f"sqlite:///{path}"))
    assert isinstance(frame, pd.DataFrame) and time.perf_counter() - started < 2
    holder.join()
    store.dispose_engines()


@pytest.mark.postgres
def test_postgresql_write_waiting_on_another_is_busy_and_reads_do_not_wait(postgres_server, monkeypatch):
    monkeypatch.setattr(store.database, "STATEMENT_TIMEOUT_S", 1)  # the configured timeout, short for the test
    url = postgres_server.create_database(f"perfdash_busy_{time.monotonic_ns()}")
    engine = store.get_engine(url)
    holder = sa.create_engine(url)
    try:
        with holder.connect() as other:
            other.exec_driver_sql("BEGIN")
            other.exec_driver_sql("SELECT pg_advisory_xact_lock(7241)")  # another process mid-write
            started = time.perf_counter()
            assert store.read_current(engine).empty
            assert time.perf_counter() - started < 1
            with pytest.raises(store.StoreError, match="busy with another write"):
                store.add_commentary(
                    engine, metric_id="ae_4hr_all", org_code="R1H", period="2025-04", narrative="x", author="a"
                )
            assert time.perf_counter() - started < 5
            other.exec_driver_sql("ROLLBACK")
    finally:
        holder.dispose()
        store.dispose_engines()
    assert store.read_commentary(store.get_engine(url)).empty
    store.dispose_engines()


def test_case1_killed_mid_ingest_leaves_none_or_all(tmp_path, config):
    """SIGKILL the real command line while it loads two files: the store holds neither or both, never one."""
    import signal
    import subprocess
    import sys

    from perfdash.periods import add_months

    small = write(tmp_path, "small.csv", "2025-04,R1H,ae_attendances,100,,\n")
    counts = [m.id for m in config.metrics if m.unit == "count"]
    orgs = [config.system.code, *(o.code for o in config.organisations), *config.place_codes]
    months = [add_months("2000-01", i) for i in range(300)]
    big_rows = "".join(
        f"{p},{o},{m},{(i % 900) + 1},,\n"
        for i, (p, o, m) in enumerate((p, o, m) for p in months for o in orgs for m in counts)
    )
    big = write(tmp_path, "big.csv", big_rows)
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store.get_engine(db)
    store.dispose_engines()
    process = subprocess.Popen(
        [sys.executable, "-m", "perfdash", "ingest", small, big, "--database", db, "--accept-warnings"],
        cwd=Path(__file__).resolve().parents[2],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    wal = tmp_path / "store.sqlite-wal"
    baseline = wal.stat().st_size if wal.exists() else 0
    validated = 0
    for line in process.stderr:
        validated += "validated" in line
        if validated == 2:
            break
    # Kill as soon as the write has started (the WAL grows), i.e. part-way through the transaction.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (wal.stat().st_size if wal.exists() else 0) <= baseline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    uploads = store.count_uploads(store.get_engine(db))
    store.dispose_engines()
    assert uploads in (0, 2)
