"""The bulk path's scratch files: a load that cannot write one fails whole and leaves none behind."""

import os
import time

import pytest

from perfdash import store
from tests.test_store import _commit, _no_scratch_left, _rows


def test_a_scratch_file_that_cannot_be_written_fails_the_load_and_leaves_nothing(sqlite_engine, monkeypatch):
    # Staged a row per part, as a national file is staged in four parts; the second part's disk is full.
    monkeypatch.setattr(store.bulk, "BULK_ROWS", 1)
    monkeypatch.setattr(store.bulk, "PART_ROWS", 1)
    written = []
    real_ingest = store.bulk._adbc_ingest

    def full_disk_on_the_second_part(path, part):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        real_ingest(path, part)

    monkeypatch.setattr(store.bulk, "_adbc_ingest", full_disk_on_the_second_part)
    rows = _rows({("ae_attendances", org, "2025-04"): 10.0 for org in ("R1H", "RF4", "RQX", "RQXZ")})
    before = store.table_counts(sqlite_engine)
    with pytest.raises(OSError, match="No space"):
        _commit(sqlite_engine, rows, "full")
    assert written, "the first part was written before the second failed"
    assert store.table_counts(sqlite_engine) == before
    _no_scratch_left(sqlite_engine)


def test_a_staged_load_flushes_the_wal_as_it_goes_and_stops_with_its_transaction(sqlite_engine, monkeypatch):
    monkeypatch.setattr(store.bulk, "BULK_ROWS", 1)
    monkeypatch.setattr(store.bulk, "PART_ROWS", 1)
    monkeypatch.setattr(store.bulk.WriteBehind, "FLUSH_EVERY_S", 0.001)
    flushed: list[str] = []
    real_fdatasync = os.fdatasync

    def recording_fdatasync(file: int) -> None:
        flushed.append(os.readlink(f"/proc/self/fd/{file}"))
        real_fdatasync(file)

    monkeypatch.setattr(os, "fdatasync", recording_fdatasync)
    real_stage = store.bulk._stage

    def slow_stage(part):
        time.sleep(0.05)  # long enough for the write-behind thread to take its turn
        return real_stage(part)

    monkeypatch.setattr(store.bulk, "_stage", slow_stage)
    database = sqlite_engine.url.database
    held_before = _files_held(database)
    rows = _rows({("ae_attendances", org, "2025-04"): 10.0 for org in ("R1H", "RF4", "RQX", "RQXZ")})
    assert _commit(sqlite_engine, rows, "flushed").added == 4
    assert f"{database}-wal" in flushed
    assert set(flushed) <= {database, f"{database}-wal"}
    _no_scratch_left(sqlite_engine)
    assert _files_held(database) == held_before  # its own descriptors are closed with it


def _files_held(database: str) -> int:
    """How many of this process's file descriptors are open on the store's file or its WAL."""
    held = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            held += os.readlink(f"/proc/self/fd/{fd}") in (database, f"{database}-wal")
        except FileNotFoundError:  # the listing's own descriptor, closed by now
            continue
    return held
