"""The bulk path's scratch files: a load that cannot write one fails whole and leaves none behind."""

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
