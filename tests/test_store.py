"""The store, on SQLite and on a real PostgreSQL server: versioned values, rollback, duplicates, audit."""

import os
import random
import tempfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from perfdash import store


@pytest.fixture(autouse=True, params=["row-by-row", "bulk"])
def write_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: small uploads through executemany, and through the Arrow bulk path big files take.

    The bulk path stages a row per scratch file (up to four), as a national file is staged in four parts.
    """
    if request.param == "bulk":
        monkeypatch.setattr(store.bulk, "BULK_ROWS", 1)
        monkeypatch.setattr(store.bulk, "PART_ROWS", 1)
    return request.param


def _rows(values: dict[tuple[str, str, str], float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "period": p,
                "org_code": o,
                "metric_id": m,
                "value": v,
                "numerator": float("nan"),
                "denominator": float("nan"),
            }
            for (m, o, p), v in values.items()
        ]
    )


def _commit(engine, rows: pd.DataFrame, sha: str, who: str = "a@nhs.net") -> store.CommitResult:
    return store.commit(engine, rows, file_name=f"{sha}.csv", sha256=sha, file_format="canonical", uploaded_by=who)


def _current(engine) -> dict[tuple[str, str, str], float]:
    frame = store.read_current(engine)
    return {(r.metric_id, r.org_code, r.period): r.value for r in frame.itertuples()}


def _values_kept(engine) -> int:
    """Every value the store keeps: the current ones and every other."""
    counts = store.table_counts(engine)
    return counts["current_values"] + counts["observations"]


def test_schema_is_made_with_a_version(engine):
    counts = store.table_counts(engine)
    assert counts["meta"] == 3
    assert store.versions(engine) == store.Versions(values=0, commentary=0)


def test_latest_upload_wins_and_nothing_is_overwritten(engine):
    first = _commit(
        engine, _rows({("ae_attendances", "R1H", "2025-04"): 100, ("ae_attendances", "RF4", "2025-04"): 50}), "a"
    )
    assert (first.added, first.revised, first.unchanged) == (2, 0, 0)
    second = _commit(
        engine, _rows({("ae_attendances", "R1H", "2025-04"): 120, ("ae_attendances", "RF4", "2025-04"): 50}), "b"
    )
    assert (second.added, second.revised, second.unchanged) == (0, 1, 1)
    assert _current(engine) == {("ae_attendances", "R1H", "2025-04"): 120, ("ae_attendances", "RF4", "2025-04"): 50}
    history = store.value_history(engine, "ae_attendances", "R1H", "2025-04")
    assert history["value"].tolist() == [100, 120]
    assert _values_kept(engine) == 4
    assert store.versions(engine) == store.Versions(values=2, commentary=0)


def test_rollback_restores_previous_values_and_is_recorded(engine):
    _commit(engine, _rows({("ae_attendances", "R1H", "2025-04"): 100}), "a")
    second = _commit(
        engine, _rows({("ae_attendances", "R1H", "2025-04"): 120, ("ae_attendances", "R1H", "2025-05"): 7}), "b"
    )
    store.rollback_upload(engine, second.upload_id, by="lead@nhs.net", reason="wrong month")
    assert _current(engine) == {("ae_attendances", "R1H", "2025-04"): 100}
    uploads = store.list_uploads(engine).set_index("id")
    assert uploads.at[second.upload_id, "status"] == "rolled back"
    assert uploads.at[second.upload_id, "rolled_back_by"] == "lead@nhs.net"
    assert _values_kept(engine) == 3  # nothing deleted
    with pytest.raises(store.StoreError, match="already been rolled back"):
        store.rollback_upload(engine, second.upload_id, by="x")
    with pytest.raises(store.StoreError, match="no upload 99"):
        store.rollback_upload(engine, 99, by="x")


def test_rolling_back_an_older_upload_keeps_the_newer_value(engine):
    first = _commit(engine, _rows({("ae_attendances", "R1H", "2025-04"): 100}), "a")
    _commit(engine, _rows({("ae_attendances", "R1H", "2025-04"): 120}), "b")
    store.rollback_upload(engine, first.upload_id, by="x")
    assert _current(engine) == {("ae_attendances", "R1H", "2025-04"): 120}


def test_rollback_counts_only_the_values_it_changes(engine):
    r1h, rf4, may = ("ae_attendances", "R1H", "2025-04"), ("ae_attendances", "RF4", "2025-04"), ("x", "R1H", "2025-05")
    _commit(engine, _rows({r1h: 100, rf4: 50}), "a")
    second = _commit(engine, _rows({r1h: 120, rf4: 50, may: 7}), "b")
    assert (second.added, second.revised, second.unchanged) == (1, 1, 1)
    # R1H goes back to 100 and May's new value goes; RF4 was loaded unchanged, so it is not counted.
    assert store.rollback_upload(engine, second.upload_id, by="x") == 2


def test_rollback_counts_equal_what_a_reader_sees_change(engine):
    """Random uploads (values from a tiny set, so repeats are common) then every rollback in random order."""
    chance = random.Random(14)
    keys = [("ae_attendances", org, "2025-04") for org in ("R1H", "RF4", "RQX", "RAT")]
    upload_ids = []
    for number in range(8):
        chosen = chance.sample(keys, chance.randint(1, len(keys)))
        result = _commit(engine, _rows({key: float(chance.choice([1, 2])) for key in chosen}), f"u{number}")
        upload_ids.append(result.upload_id)
    chance.shuffle(upload_ids)
    for upload_id in upload_ids:
        before = _current(engine)
        counted = store.rollback_upload(engine, upload_id, by="x")
        after = _current(engine)
        seen = sum(before.get(key) != after.get(key) for key in before.keys() | after.keys())
        assert counted == seen, f"rolling back upload {upload_id}"
    assert _current(engine) == {}


def test_same_file_twice_changes_nothing(engine):
    rows = _rows({("ae_attendances", "R1H", "2025-04"): 100})
    first = _commit(engine, rows, "same")
    version = store.versions(engine)
    again = _commit(engine, rows, "same")
    assert again.duplicate_of == first.upload_id and again.upload_id is None
    assert store.versions(engine) == version
    assert store.count_uploads(engine) == 1


def test_a_failed_commit_leaves_the_store_unchanged(engine):
    _commit(engine, _rows({("ae_attendances", "R1H", "2025-04"): 100}), "a")
    before = store.table_counts(engine)
    bad = _rows({("ae_attendances", "R1H", "2025-05"): 1})
    bad["value"] = [None]  # NOT NULL violation in the middle of the transaction
    with pytest.raises(sa.exc.IntegrityError):
        store.commit_rows(engine, bad, file_name="x", sha256="x", file_format="canonical", uploaded_by="x")
    assert store.table_counts(engine) == before


def test_concurrent_commits_both_land_in_turn(engine):
    errors: list[BaseException] = []

    def load(sha: str, value: float) -> None:
        try:
            rows = _rows({("ae_attendances", org, "2025-04"): value for org in ("R1H", "RF4", "RQX")})
            _commit(engine, rows, sha)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=load, args=(f"s{i}", float(i))) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    uploads = store.list_uploads(engine)
    assert len(uploads) == 4
    # Never a mix: every current value comes from the same (latest) upload.
    assert store.read_current(engine)["upload_id"].nunique() == 1
    assert sorted(uploads["n_added"].tolist()) == [0, 0, 0, 3]


def test_commentary_is_versioned(engine):
    store.add_commentary(
        engine, metric_id="ae_4hr_all", org_code="R1H", period="2025-04", narrative="First", author="a"
    )
    store.add_commentary(
        engine, metric_id="ae_4hr_all", org_code="R1H", period="2025-04", narrative="Second", author="b"
    )
    latest = store.read_commentary(engine, metric_id="ae_4hr_all")
    assert latest["narrative"].tolist() == ["Second"]
    assert len(store.read_commentary(engine, history=True)) == 2


def test_a_comment_moves_only_the_commentary_version(engine):
    upload = _commit(engine, _rows({("ae_attendances", "R1H", "2025-04"): 100}), "a")
    assert store.versions(engine) == store.Versions(values=1, commentary=0)
    store.add_commentary(
        engine, metric_id="ae_attendances", org_code="R1H", period="2025-04", narrative="Hi", author="a"
    )
    assert store.versions(engine) == store.Versions(values=1, commentary=1)
    store.rollback_upload(engine, upload.upload_id, by="x")
    assert store.versions(engine) == store.Versions(values=2, commentary=1)


def test_a_store_from_before_the_split_keeps_its_version_as_the_values_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    with store.get_engine(url).begin() as conn:
        conn.execute(store.meta_table.delete().where(store.meta_table.c.key != "schema_version"))
        conn.execute(store.meta_table.insert().values(key="data_version", value="41"))
    store.dispose_engines()
    engine = store.get_engine(url)
    assert store.versions(engine) == store.Versions(values=41, commentary=0)
    assert store.table_counts(engine)["meta"] == 3  # schema, values and commentary versions; no stray key
    store.dispose_engines()


def test_reference_table_follows_the_latest_live_upload(engine):
    ref = pd.DataFrame([{"code": "R1H", "name": "Barts", "icb_code": "QMF", "icb_name": "NEL", "region": "London"}])
    empty = pd.DataFrame(columns=store.KEY + store.VALUE_COLUMNS)
    first = store.commit(
        engine,
        empty,
        file_name="map.csv",
        sha256="m1",
        file_format="provider_reference",
        uploaded_by="x",
        reference=ref,
    )
    assert store.read_reference(engine)["code"].tolist() == ["R1H"]
    store.rollback_upload(engine, first.upload_id, by="x")
    assert store.read_reference(engine).empty


def test_wrong_schema_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = store.get_engine(url)
    with engine.begin() as conn:
        conn.execute(store.meta_table.update().where(store.meta_table.c.key == "schema_version").values(value="0"))
    store.dispose_engines()
    with pytest.raises(store.StoreError, match="schema version 0"):
        store.get_engine(url)
    store.dispose_engines()


def test_sqlite_file_uses_wal(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.dispose_engines()


def test_bulk_load_leaves_no_scratch_files(sqlite_engine, write_path):
    rows = _rows({("ae_attendances", org, "2025-04"): 10.0 for org in ("R1H", "RF4", "RQX")})
    _commit(sqlite_engine, rows, "scratch")
    bad = _rows({("ae_attendances", "R1H", "2025-05"): 1})
    bad["value"] = [None]
    with pytest.raises(sa.exc.IntegrityError):
        _commit(sqlite_engine, bad, "bad")
    # The scratch database is detached and deleted once the transaction is over, committed or not.
    assert list(Path(tempfile.gettempdir()).glob(f"perfdash-staging-{os.getpid()}-*")) == []
    with sqlite_engine.connect() as conn:
        assert {row[1] for row in conn.exec_driver_sql("PRAGMA database_list")} <= {"main", "temp"}


def _no_scratch_left(engine) -> None:
    assert list(Path(tempfile.gettempdir()).glob(f"perfdash-staging-{os.getpid()}-*")) == []
    assert "perfdash-write-behind" not in {thread.name for thread in threading.enumerate()}
    with engine.connect() as conn:
        assert {row[1] for row in conn.exec_driver_sql("PRAGMA database_list")} <= {"main", "temp"}


def test_a_failure_in_a_later_part_undoes_the_earlier_parts(sqlite_engine, write_path):
    # Staged in four parts, the second (in key order) breaks NOT NULL after the first was copied, while the
    # later parts are being written or wait to be.
    rows = _rows({("ae_attendances", org, "2025-04"): 10.0 for org in ("R1H", "RF4", "RQX", "RQXZ")})
    rows.loc[rows["org_code"] == "RF4", "value"] = None
    before = store.table_counts(sqlite_engine)
    with pytest.raises(sa.exc.IntegrityError):
        _commit(sqlite_engine, rows, "parts")
    assert store.table_counts(sqlite_engine) == before
    _no_scratch_left(sqlite_engine)


def test_commit_files_is_one_transaction_on_either_write_path(engine, write_path):
    # Several files in one command (issue 16) share the transaction the bulk path writes through (issue 15).
    from perfdash import service
    from perfdash.ingest.pipeline import Prepared

    def prepared(values: dict, name: str) -> Prepared:
        return Prepared(f"{name}.csv", name, 0, format="canonical", rows=_rows(values))

    good = prepared({("ae_attendances", org, "2025-04"): 10.0 for org in ("R1H", "RF4", "RQX")}, "one")
    bad = prepared({("ae_attendances", "R1H", "2025-05"): 1.0}, "two")
    bad.rows["value"] = [None]  # passes no validation, so only the database's NOT NULL can refuse it
    before = store.table_counts(engine)
    with pytest.raises(sa.exc.IntegrityError):
        service.commit_files(engine, [good, bad], user="a@nhs.net")
    assert store.table_counts(engine) == before  # the first file's rows went with the second's failure
    three = prepared({("ae_attendances", "R1H", "2025-05"): 1.0}, "three")
    results = service.commit_files(engine, [good, three], user="a@nhs.net")
    assert [r.added for r in results] == [3, 1]
    assert store.list_uploads(engine)["file_name"].tolist() == ["three.csv", "one.csv"]  # newest first
    assert store.versions(engine).values == 1  # the nested commits joined one transaction: one version bump
    assert list(Path(tempfile.gettempdir()).glob(f"perfdash-staging-{os.getpid()}-*")) == []


def test_reads_filtered_by_month_metric_and_organisation_are_slices_of_the_whole(engine):
    assert store.read_current(engine, org_codes=["R1H"]).empty  # nothing stored: no metric to seek
    _commit(
        engine,
        _rows(
            {
                ("ae_4hr_all", "R1H", "2025-04"): 70.0,
                ("ae_4hr_all", "R1H", "2025-05"): 71.0,
                ("ae_4hr_all", "RF4", "2025-05"): 72.0,
                ("rtt_18wk_incomplete", "RF4", "2025-05"): 60.0,
            }
        ),
        "a",
    )
    whole = store.read_current(engine)
    for filters, expected in (
        ({"periods": ["2025-05"]}, whole["period"] == "2025-05"),
        ({"metric_ids": ["rtt_18wk_incomplete"]}, whole["metric_id"] == "rtt_18wk_incomplete"),
        ({"org_codes": ["R1H"], "periods": ["2025-05"]}, (whole["org_code"] == "R1H") & (whole["period"] == "2025-05")),
    ):
        part = store.read_current(engine, **filters)
        pd.testing.assert_frame_equal(part, whole[expected].reset_index(drop=True))
    assert store.read_current(engine, periods=[]).empty


def test_latest_period_is_the_newest_month_up_to_a_month_for_the_organisations_not_excluded(engine):
    assert store.latest_period(engine, "ae_4hr_all", up_to="2025-12", excluding=[]) is None  # nothing stored
    values = {("ae_4hr_all", "R1H", "2025-04"): 70.0, ("ae_4hr_all", "R1H", "2025-06"): 71.0}
    values |= {("ae_4hr_all", "RF4", "2025-05"): 72.0, ("rtt_18wk_incomplete", "RF4", "2025-07"): 60.0}
    _commit(engine, _rows(values), "a")

    def latest(up_to: str, excluding: list[str], metric_id: str = "ae_4hr_all") -> str | None:
        return store.latest_period(engine, metric_id, up_to=up_to, excluding=excluding)

    assert latest("2025-12", []) == "2025-06"  # not the other metric's July
    assert latest("2025-05", []) == "2025-05"  # up to and including the month
    assert latest("2025-12", ["R1H"]) == "2025-05"
    assert latest("2025-04", ["R1H"]) is None
    assert latest("2025-12", ["R1H", "RF4"], "rtt_18wk_incomplete") is None
    assert latest("2025-12", ["R1H"], "rtt_18wk_incomplete") == "2025-07"


def test_every_value_is_kept_once_and_the_latest_live_one_is_current(engine):
    """Random uploads (values from a tiny set, so repeats are common) and rollbacks, checked against a model: each
    key's current value is its latest live upload's, its history every value loaded, each kept exactly once."""
    chance = random.Random(15)
    keys = [
        (metric, org, period)
        for metric in ("ae_attendances", "rtt_18wk")
        for org in ("R1H", "RF4")
        for period in ("2025-04", "2025-05")
    ]
    loaded: dict[int, dict[tuple[str, str, str], float]] = {}
    rolled_back: set[int] = set()
    for number in range(14):
        live = sorted(set(loaded) - rolled_back)
        if live and chance.random() < 0.3:
            upload_id = chance.choice(live)
            store.rollback_upload(engine, upload_id, by="x")
            rolled_back.add(upload_id)
        else:
            values = {key: float(chance.choice([1, 2])) for key in chance.sample(keys, chance.randint(1, len(keys)))}
            loaded[_commit(engine, _rows(values), f"u{number}").upload_id] = values
        expected = {}
        for upload_id in sorted(set(loaded) - rolled_back):
            expected.update(loaded[upload_id])
        assert _current(engine) == expected
        assert _values_kept(engine) == sum(len(values) for values in loaded.values())
        for key in keys:
            history = store.value_history(engine, *key)
            assert history["upload_id"].tolist() == [u for u in sorted(loaded) if key in loaded[u]]
            assert history["value"].tolist() == [loaded[u][key] for u in sorted(loaded) if key in loaded[u]]
            rolled = history["rolled_back_at"].notna().tolist()
            assert rolled == [u in rolled_back for u in sorted(loaded) if key in loaded[u]]
    assert rolled_back and len(loaded) > len(rolled_back)  # the sequence did both


def _prepared(config, engine, name: str, line: str):
    from perfdash.ingest.pipeline import prepare

    data = f"period,org_code,metric_id,value,numerator,denominator\n{line}\n".encode()
    prepared = prepare(f"{name}.csv", data, config, engine)
    assert prepared.ok, prepared.problems
    return prepared


def _statements(engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def test_a_commit_on_an_unchanged_store_takes_the_previews_counts(config, engine, write_path):
    from perfdash import service

    _commit(engine, _rows({("ae_4hr_all", "R1H", "2025-10"): 70.0}), "before")
    prepared = _prepared(config, engine, "revision", "2025-10,R1H,ae_4hr_all,71,,")
    assert prepared.counts() == {"new": 0, "revised": 1, "unchanged": 0}
    seen = _statements(engine)
    (result,) = service.commit_files(engine, [prepared], user="a@nhs.net")
    assert (result.added, result.revised, result.unchanged) == (0, 1, 0)
    # The store was as the preview saw it: its current values were not read again.
    assert not [s for s in seen if s.lstrip().upper().startswith("SELECT") and "FROM current_values" in s]
    assert store.read_current(engine)["value"].tolist() == [71.0]


def test_a_commit_takes_the_previews_repeats_straight_to_the_history(config, engine, write_path):
    """The preview found which rows repeat current values; the commit writes those as they are, and the rest
    through the comparison in the database, and the store ends as if it had compared every row itself."""
    from perfdash import service

    before = _commit(
        engine, _rows({("ae_4hr_all", "R1H", "2025-10"): 70.0, ("ae_4hr_all", "RF4", "2025-10"): 60.0}), "before"
    )
    lines = "2025-10,R1H,ae_4hr_all,70,,\n2025-10,RF4,ae_4hr_all,61,,\n2025-11,R1H,ae_4hr_all,72,,"
    prepared = _prepared(config, engine, "mixed", lines)
    assert prepared.counts() == {"new": 1, "revised": 1, "unchanged": 1}
    (result,) = service.commit_files(engine, [prepared], user="a@nhs.net")
    current = store.read_current(engine).set_index(["org_code", "period"])
    assert current["value"].to_dict() == {("R1H", "2025-10"): 70.0, ("RF4", "2025-10"): 61.0, ("R1H", "2025-11"): 72.0}
    # The repeat leaves the current value with the upload that set it; the history has both uploads.
    assert current["upload_id"].to_dict() == {
        ("R1H", "2025-10"): before.upload_id,
        ("RF4", "2025-10"): result.upload_id,
        ("R1H", "2025-11"): result.upload_id,
    }
    for org, values in (("R1H", [70.0, 70.0]), ("RF4", [60.0, 61.0])):
        history = store.value_history(engine, "ae_4hr_all", org, "2025-10")
        assert history["upload_id"].tolist() == [before.upload_id, result.upload_id]
        assert history["value"].tolist() == values
    assert _values_kept(engine) == 5
    assert store.rollback_upload(engine, result.upload_id, by="x") == 2  # RF4 back to 60, November gone
    assert store.read_current(engine)["value"].tolist() == [70.0, 60.0]


def test_a_preview_overtaken_by_another_upload_is_compared_again(config, engine, write_path):
    from perfdash import service

    _commit(engine, _rows({("ae_4hr_all", "R1H", "2025-10"): 70.0}), "before")
    revision = _prepared(config, engine, "revision", "2025-10,R1H,ae_4hr_all,71,,")
    first_load = _prepared(config, engine, "november", "2025-11,R1H,ae_4hr_all,72,,")
    assert first_load.counts()["new"] == 1
    # Another analyst loads the same values first: the store's version moves on.
    service.commit_files(
        engine,
        [_prepared(config, engine, "other", "2025-10,R1H,ae_4hr_all,71,,\n2025-11,R1H,ae_4hr_all,72,,")],
        user="b@nhs.net",
    )
    revised, loaded = service.commit_files(engine, [revision, first_load], user="a@nhs.net")
    assert (revised.revised, revised.unchanged) == (0, 1)  # not the preview's "revised"
    assert (loaded.added, loaded.unchanged) == (0, 1)  # and no second insert of November's key
    # Each a repeat of the other analyst's value: kept in the history under its own upload, not made current.
    assert store.read_current(engine)["value"].tolist() == [71.0, 72.0]
    assert store.value_history(engine, "ae_4hr_all", "R1H", "2025-10")["value"].tolist() == [70.0, 71.0, 71.0]
    assert _values_kept(engine) == 5


def test_the_second_file_of_one_commit_is_compared_with_the_first(config, engine, write_path):
    from perfdash import service

    one = _prepared(config, engine, "one", "2025-11,R1H,ae_4hr_all,72,,")
    two = _prepared(config, engine, "two", "2025-11,R1H,ae_4hr_all,73,,")
    assert one.counts()["new"] == two.counts()["new"] == 1  # both previewed against the same store
    first, second = service.commit_files(engine, [one, two], user="a@nhs.net")
    assert (first.added, second.added, second.revised) == (1, 0, 1)
    assert store.read_current(engine)["value"].tolist() == [73.0]


def _merged_by_keys(rows: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """What classify_changes finds for each row, by a plain left merge on the three text keys."""
    old = current[[*store.KEY, *store.VALUE_COLUMNS, "upload_id"]].rename(
        columns={name: f"old_{name}" for name in [*store.VALUE_COLUMNS, "upload_id"]}
    )
    text = rows.assign(**{key: rows[key].astype("str") for key in store.KEY})
    return text.merge(old.assign(**{key: old[key].astype("str") for key in store.KEY}), on=store.KEY, how="left")


@pytest.mark.parametrize("categorical", [True, False])
@pytest.mark.parametrize("every_row_stored", [True, False])
def test_classify_changes_finds_what_a_merge_on_the_keys_finds(categorical, every_row_stored):
    rng = np.random.default_rng(7)
    keys = [
        (m, o, p)
        for m in ("ae_4hr_all", "cancer_62d")
        for o in ("R1H", "RF4", "RQX", "X99")
        for p in ("2025-04", "2025-05")
    ]
    stored = pd.DataFrame(keys, columns=store.KEY).sample(frac=1, random_state=1).reset_index(drop=True)
    stored = stored.assign(
        value=rng.integers(0, 5, len(stored)).astype(float),
        numerator=np.where(rng.random(len(stored)) < 0.5, np.nan, 10.0),
        denominator=np.where(rng.random(len(stored)) < 0.5, np.nan, 20.0),
        upload_id=rng.integers(1, 4, len(stored)),
    )
    # The file: stored keys in another order (all but X99's, an organisation the file does not carry: its codes
    # must not stand for another key's), and keys never stored.
    in_file = stored[stored["org_code"] != "X99"]
    rows = in_file.sample(frac=1.0 if every_row_stored else 0.75, random_state=2)[store.KEY].reset_index(drop=True)
    if not every_row_stored:
        rows = pd.concat(
            [rows, pd.DataFrame([("ae_4hr_all", "RAT", "2025-05"), ("dm01_6wk", "R1H", "2025-04")], columns=store.KEY)]
        )
    rows = rows.reset_index(drop=True).assign(
        value=rng.integers(0, 5, len(rows)).astype(float),
        numerator=np.nan,
        denominator=np.nan,
        line=range(2, len(rows) + 2),
    )
    if categorical:
        rows = rows.assign(**{key: pd.Categorical(rows[key], categories=sorted(set(rows[key]))) for key in store.KEY})
    current = stored.assign(**{key: stored[key].astype("str") for key in store.KEY})

    found = store.classify_changes(rows, current)
    expected = _merged_by_keys(rows, current)
    assert found[store.KEY].astype("str").equals(expected[store.KEY])
    assert found[store.KEY].dtypes.equals(rows[store.KEY].dtypes)  # the file's own keys, as a first load keeps them
    assert found["line"].tolist() == rows["line"].tolist()  # the file's order, one row each
    for name in [*store.VALUE_COLUMNS, "upload_id"]:
        np.testing.assert_array_equal(found[f"old_{name}"].to_numpy(float), expected[f"old_{name}"].to_numpy(float))
    assert found["old_upload_id"].dtype == expected["old_upload_id"].dtype
    is_new = expected["old_value"].isna()
    assert (found["change"] == "new").tolist() == is_new.tolist()
    assert set(found["change"]) <= {"new", "revised", "unchanged"} and (found["change"] != "new").sum() > 0
