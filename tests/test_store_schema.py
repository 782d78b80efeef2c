"""The schema's own guarantees on SQLite and PostgreSQL: bytewise keys, no orphaned observation, migration from 2."""

import itertools
import os

import pandas as pd
import pytest
import sqlalchemy as sa

from perfdash import service, store
from perfdash.ingest.pipeline import Prepared
from tests.support.cli import run_cli

KEY_COLUMNS = {
    table: ["metric_id", "org_code", "period"]
    for table in ("observations", "current_values", "commentary", "plan_values")
}
_names = itertools.count()
SCHEMA_2_META = {"schema_version": "2", "values_version": "1", "commentary_version": "0"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """The URL of a database with no tables yet, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"perfdash_schema_{os.getpid()}_{next(_names)}")


def _rows(values: dict[tuple[str, str, str], float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"period": p, "org_code": o, "metric_id": m, "value": v, "numerator": None, "denominator": None}
            for (m, o, p), v in values.items()
        ]
    )


def _commit(engine, values: dict, sha: str) -> store.CommitResult:
    return store.commit(
        engine, _rows(values), file_name=f"{sha}.csv", sha256=sha, file_format="canonical", uploaded_by="a"
    )


def _collations(engine) -> dict[tuple[str, str], str | None]:
    """Each key column's collation on PostgreSQL (None: the database's default)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name IN ('metric_id', 'org_code', 'period')"
            )
        ).all()
    return {(table, column): collation for table, column, collation in rows}


def _observation_foreign_keys(engine) -> list:
    with engine.connect() as conn:
        return sa.inspect(conn).get_foreign_keys("observations")


def _observation_indexes(engine) -> dict[str, str]:
    """Each index on observations and its kind (btree, brin; SQLite's are all B-trees)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return {index["name"]: "btree" for index in sa.inspect(conn).get_indexes("observations")}
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, a.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = 'observations'::regclass"
            )
        ).all()
    return dict(rows)


POSTGRES_OBSERVATION_INDEXES = {"observations_pkey": "btree", "ix_observations_key_range": "brin"}


def test_keys_compare_bytewise_and_observations_have_no_foreign_key(empty_url):
    engine = store.get_engine(empty_url)
    assert _observation_foreign_keys(engine) == []
    if engine.dialect.name == "postgresql":
        expected = {(table, column): "C" for table, columns in KEY_COLUMNS.items() for column in columns}
        assert _collations(engine) == expected
        assert _observation_indexes(engine) == POSTGRES_OBSERVATION_INDEXES
    else:
        assert _observation_indexes(engine) == {"ix_observations_key": "btree"}
    # Keys come back in byte order on both backends, as Python's sorted() orders them.
    orgs = ["R1H", "r1h", "RF4", "R_1", "R-1", "Ra1", "R 1"]
    _commit(engine, {("ae_attendances", org, "2025-04"): 1.0 for org in orgs}, "a")
    assert store.read_current(engine)["org_code"].tolist() == sorted(orgs)
    store.dispose_engines()


def test_every_observation_belongs_to_an_upload(empty_url):
    engine = store.get_engine(empty_url)
    r1h, rf4 = ("ae_attendances", "R1H", "2025-04"), ("ae_attendances", "RF4", "2025-04")
    first = _commit(engine, {r1h: 100, rf4: 50}, "a")
    _commit(engine, {r1h: 120, rf4: 50}, "b")
    files = [
        Prepared("c.csv", "c", 0, format="canonical", rows=_rows({r1h: 130})),
        Prepared("d.csv", "d", 0, format="canonical", rows=_rows({rf4: 60})),
    ]
    service.commit_files(engine, files, user="a")  # two uploads in one transaction
    store.rollback_upload(engine, first.upload_id, by="a")
    bad = _rows({r1h: 1})
    bad["value"] = [None]
    with pytest.raises(sa.exc.IntegrityError):  # a failed write takes its upload row and its rows with it
        store.commit_rows(engine, bad, file_name="x", sha256="x", file_format="canonical", uploaded_by="x")
    counts = store.table_counts(engine)
    assert counts["observations"] + counts["current_values"] == 6  # every value loaded, each kept once
    assert store.orphaned_values(engine) == 0

    # The check can fail: a row naming an upload that does not exist is found, in either table, and `check`
    # refuses the store.
    for table in (store.observations, store.current_values):
        with engine.begin() as conn:
            conn.execute(
                table.insert().values(
                    upload_id=999, metric_id="ae_attendances", org_code="R1H", period="2025-05", value=1.0
                )
            )
    assert store.orphaned_values(engine) == 2
    store.dispose_engines()
    result = run_cli("check", "--database", empty_url)
    assert result.returncode == 2
    assert "2 values belong to no upload" in result.stderr


def _version_2_metadata() -> sa.MetaData:
    """The tables as schema version 2 made them: key columns in the default collation, a foreign key per row and
    a B-tree on observations' keys."""
    old = sa.MetaData()
    for table in store.metadata.sorted_tables:
        copy = table.to_metadata(old)
        for column in KEY_COLUMNS.get(table.name, []):
            copy.c[column].type = sa.String(copy.c[column].type.length)
    for column in ("first_observation_id", "last_observation_id"):  # an upload's id range, dropped in version 4
        old.tables["uploads"].append_column(sa.Column(column, sa.Integer))
    observations = old.tables["observations"]
    observations.append_constraint(sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"]))
    observations.indexes.clear()
    sa.Index("ix_observations_key", *(observations.c[c] for c in [*store.KEY, "upload_id"]))
    return old


def test_a_version_2_store_is_migrated_and_keeps_its_values(empty_url):
    raw = sa.create_engine(empty_url)
    old = _version_2_metadata()
    with raw.begin() as conn:
        old.create_all(conn)
        conn.execute(
            old.tables["meta"].insert(),
            [{"key": key, "value": value} for key, value in SCHEMA_2_META.items()],
        )
        conn.execute(
            old.tables["uploads"]
            .insert()
            .values(
                file_name="old.csv",
                sha256="old",
                format="canonical",
                uploaded_by="a",
                uploaded_at="2025",
                n_rows=2,
                n_added=2,
                n_revised=0,
                n_unchanged=0,
                note="",
                first_observation_id=1,
                last_observation_id=2,
            )
        )
        keys = [("ae_attendances", "R1H", "2025-04", 100.0), ("ae_attendances", "RF4", "2025-04", 50.0)]
        for metric, org, period, value in keys:
            row = {"metric_id": metric, "org_code": org, "period": period, "upload_id": 1, "value": value}
            conn.execute(old.tables["observations"].insert().values(**row))  # ids 1 and 2 in a new database
            conn.execute(old.tables["current_values"].insert().values(**row))
    raw.dispose()

    engine = store.get_engine(empty_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar_one()
    assert version == str(store.SCHEMA_VERSION)
    if engine.dialect.name == "postgresql":
        assert set(_collations(engine).values()) == {"C"}
        assert _observation_foreign_keys(engine) == []
        assert _observation_indexes(engine) == POSTGRES_OBSERVATION_INDEXES
    # An old SQLite store keeps its (never violated) foreign key; either way the values and writes carry on.
    assert store.read_current(engine)["value"].tolist() == [100.0, 50.0]
    # Version 4: a current value is no longer kept twice, and uploads no longer name an id range.
    assert store.table_counts(engine)["observations"] == 0
    with engine.connect() as conn:
        assert "first_observation_id" not in {c["name"] for c in sa.inspect(conn).get_columns("uploads")}
    second = _commit(
        engine, {("ae_attendances", "R1H", "2025-04"): 120.0, ("ae_attendances", "RAT", "2025-04"): 9}, "b"
    )
    assert (second.added, second.revised, second.unchanged) == (1, 1, 0)
    assert store.read_current(engine)[["org_code", "value"]].values.tolist() == [
        ["R1H", 120.0],
        ["RAT", 9.0],
        ["RF4", 50.0],
    ]
    assert store.rollback_upload(engine, second.upload_id, by="a") == 2
    assert store.value_history(engine, "ae_attendances", "R1H", "2025-04")["value"].tolist() == [100.0, 120.0]
    assert store.read_current(engine)["value"].tolist() == [100.0, 50.0]
    store.dispose_engines()


def test_history_finds_every_upload_of_a_key_whether_or_not_the_index_covers_its_pages(empty_url, monkeypatch):
    """Thousands of rows per upload, so PostgreSQL's block-range index has several ranges to rule out."""
    monkeypatch.setattr(store.bulk, "BULK_ROWS", 1)
    engine = store.get_engine(empty_url)
    keys = [(f"m{m:02d}", f"R{o:03d}", f"2024-{p:02d}") for m in range(10) for o in range(60) for p in range(1, 13)]
    first = _commit(engine, {key: 1.0 for key in keys}, "a")
    second = _commit(engine, {key: 2.0 for key in keys}, "b")  # every first value goes to observations
    revised = keys[::7]
    third = _commit(engine, {key: 3.0 for key in revised}, "c")
    assert (first.added, second.revised, third.revised) == (7200, 7200, len(revised))
    samples = [keys[0], keys[7], keys[3601], keys[-1], keys[-2]]

    def histories() -> list[list[tuple[int, float]]]:
        found = [store.value_history(engine, *key) for key in samples]
        return [list(zip(frame["upload_id"], frame["value"], strict=True)) for frame in found]

    expected = [
        [(first.upload_id, 1.0), (second.upload_id, 2.0)] + ([(third.upload_id, 3.0)] if key in revised else [])
        for key in samples
    ]
    assert histories() == expected
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            # The commits summarised their own pages: nothing is left for autovacuum.
            index = "'ix_observations_key_range'"
            assert conn.exec_driver_sql(f"SELECT brin_summarize_new_values({index})").scalar_one() == 0
            # As after a load by a user who does not own the index: no range summarised, every page read.
            conn.exec_driver_sql(
                f"SELECT brin_desummarize_range({index}, block) "
                "FROM generate_series(0, pg_relation_size('observations') / 8192) AS block"
            )
        assert histories() == expected
    store.dispose_engines()


@pytest.mark.postgres
def test_a_load_by_a_user_who_does_not_own_the_tables_leaves_the_summary_to_autovacuum(postgres_server, monkeypatch):
    monkeypatch.setattr(store.bulk, "BULK_ROWS", 1)
    owner_url = postgres_server.create_database(f"perfdash_owner_{os.getpid()}_{next(_names)}")
    owner = store.get_engine(owner_url)
    loader = f"loader_{os.getpid()}_{next(_names)}"
    with owner.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {loader} LOGIN")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {loader}")
        conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {loader}")
    engine = store.get_engine(owner_url.replace("//postgres@", f"//{loader}@"))
    keys = [(f"m{m:02d}", f"R{o:03d}", "2024-01") for m in range(10) for o in range(1000)]
    assert _commit(engine, {key: 1.0 for key in keys}, "a").added == 10_000
    assert _commit(engine, {key: 2.0 for key in keys}, "b").revised == 10_000  # the first values to observations
    assert store.value_history(engine, *keys[1234])["value"].tolist() == [1.0, 2.0]
    with owner.begin() as conn:
        assert conn.exec_driver_sql("SELECT brin_summarize_new_values('ix_observations_key_range')").scalar_one() > 0
    store.dispose_engines()
