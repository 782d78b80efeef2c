"""Issue 16 cases 1 and 2 on the Upload page: the files chosen together are one batch, one tick, one commit."""

from __future__ import annotations

from perfdash import batch, service, store
from perfdash.ingest.pipeline import prepare
from tests.ingest.corpus import HEADER


def prepared(config, engine, name: str, body: str):
    return prepare(name, (HEADER + body).encode(), config, engine, today_month="2025-06")


def test_a_file_with_errors_blocks_the_batch_and_is_named(config, sqlite_engine):
    chosen = batch.batch(
        [
            prepared(config, sqlite_engine, "good.csv", "2025-04,R1H,ae_attendances,100,,\n"),
            prepared(config, sqlite_engine, "bad.csv", "2025-04,RF4,ae_attendances,lots,,\n"),
            prepared(config, sqlite_engine, "worse.csv", "2025-04,RF4,ae_attendances,,,\n"),
        ]
    )
    assert [p.file_name for p in chosen.blocked] == ["bad.csv", "worse.csv"]
    assert chosen.refusal().startswith("Fix or remove bad.csv and worse.csv before committing")
    assert chosen.table()[["file", "errors"]].values.tolist() == [["good.csv", 0], ["bad.csv", 1], ["worse.csv", 1]]


def test_identical_files_are_loaded_once_and_the_summary_counts_the_rest(config, sqlite_engine):
    a = prepared(config, sqlite_engine, "a.csv", "2025-04,R1H,ae_attendances,100,,\n")
    copy = prepared(config, sqlite_engine, "copy of a.csv", "2025-04,R1H,ae_attendances,100,,\n")
    b = prepared(config, sqlite_engine, "b.csv", "2025-04,RF4,ae_attendances,200,,\n2025-05,RF4,ae_attendances,9,,\n")
    chosen = batch.batch([a, copy, b])
    assert [(p.file_name, repeats) for p, repeats in chosen.items] == [
        ("a.csv", None),
        ("copy of a.csv", "a.csv"),
        ("b.csv", None),
    ]
    assert [p.file_name for p in chosen.files] == ["a.csv", "b.csv"]
    assert chosen.refusal() is None and chosen.warning_count == 0
    assert chosen.summary().startswith(
        "Commit writes these 2 files in one transaction, one upload each (3 new, 0 revised and 0 unchanged values"
    )
    assert batch.batch([a]).summary() == "Commit writes a.csv as one upload: 1 new, 0 revised and 0 unchanged values."


def test_a_conflict_is_a_warning_on_the_later_file_of_this_selection_only(config, sqlite_engine):
    first = prepared(config, sqlite_engine, "first.csv", "2025-01,R1H,ae_4hr_all,69.5,,\n")
    second = prepared(config, sqlite_engine, "second.csv", "2025-01,R1H,ae_4hr_all,70.5,,\n")
    chosen = batch.batch([first, second])
    assert chosen.warning_count == 1
    (warning,) = chosen.files[1].warnings
    assert "differ from first.csv (line 2) in the same upload" in warning.message and "69.5 to 70.5" in warning.message
    # The page keeps each prepared file between reruns: deselecting the first must clear the warning.
    assert second.warnings == []
    assert batch.batch([second]).warning_count == 0


def test_the_batch_commits_in_one_go_and_each_upload_rolls_back_alone(config, sqlite_engine):
    first = prepared(config, sqlite_engine, "first.csv", "2025-04,R1H,ae_attendances,100,,\n")
    second = prepared(config, sqlite_engine, "second.csv", "2025-04,RF4,ae_attendances,200,,\n")
    chosen = batch.batch([first, second])
    results = service.commit_files(sqlite_engine, chosen.files, user="analyst@nhs.net")
    lines = chosen.outcome(results)
    assert lines[0].startswith("first.csv loaded as upload 1: 1 new, 0 revised, 0 unchanged")
    assert lines[1].startswith("second.csv loaded as upload 2: 1 new")
    service.rollback_upload(sqlite_engine, 1, user="analyst@nhs.net", reason="test")
    assert store.read_current(sqlite_engine)[["org_code", "value"]].values.tolist() == [["RF4", 200.0]]
