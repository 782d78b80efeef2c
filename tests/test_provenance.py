"""Every value knows its origin, and the synthetic demo never mixes with real data unseen."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from perfdash import service, store
from perfdash.ingest.pipeline import prepare
from tests.support.cli import CliResult, run_cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RETURN = b"period,org_code,metric_id,value,numerator,denominator\n2025-04,R1H,ae_4hr_all,,700,1000\n"


def run(*args: str) -> CliResult:
    return run_cli(*args, env={"PERFDASH_USER": "analyst@nhs.net"})


def uploads(engine) -> pd.DataFrame:
    return store.list_uploads(engine).set_index("id")


def test_each_upload_records_origin_source_and_status(engine, config):
    service.load_demo(engine, config, last="2025-03")
    prepared = prepare("nel-return.csv", RETURN, config, engine)
    assert prepared.origin == "trust return" and prepared.format_label.startswith("perfdash canonical long form")
    service.commit_prepared(engine, prepared, user="ann@nhs.net")
    frame = uploads(engine)
    assert frame.loc[1, "origin"] == "synthetic demo"
    assert frame.loc[2, "origin"] == "trust return" and frame.loc[2, "source"] == prepared.format_label
    current = store.read_current(engine, metric_ids=["ae_4hr_all"], org_codes=["R1H"])
    april = current[current["period"] == "2025-04"]
    assert april["upload_id"].tolist() == [2]


def test_withdrawing_the_demo_is_recorded_like_a_rollback(engine, config):
    service.load_demo(engine, config, last="2025-03")
    before = len(store.read_current(engine))
    assert service.demo_is_live(engine)
    withdrawn = service.withdraw_demo(engine, user="ann@nhs.net")
    assert withdrawn == before
    assert store.read_current(engine).empty
    assert not service.demo_is_live(engine)
    row = uploads(engine).loc[1]
    assert row["status"] == "rolled back"
    assert row["rollback_reason"] == service.DEMO_WITHDRAWN
    assert row["rolled_back_by"] == "ann@nhs.net"


def test_cli_refuses_a_real_file_over_the_demo_until_told(tmp_path, config):
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert run("demo", "--database", db).returncode == 0
    path = tmp_path / "nel-return.csv"
    path.write_bytes(RETURN)
    engine = store.get_engine(db)
    counts = store.table_counts(engine)
    refused = run("ingest", str(path), "--database", db)
    assert refused.returncode == 3
    assert "--withdraw-demo" in refused.stderr and "--keep-demo" in refused.stderr
    assert store.table_counts(engine) == counts
    loaded = run("ingest", str(path), "--database", db, "--withdraw-demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "withdrew the synthetic demo data" in loaded.stdout
    # Previewed against the store without the demo: a new value, not a revision of a made-up one.
    assert "added 1, revised 0, unchanged 0" in loaded.stdout
    assert store.read_current(engine)["upload_id"].tolist() == [2]
    store.dispose_engines()


def test_cli_keep_demo_loads_beside_it(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    run("demo", "--database", db)
    path = tmp_path / "nel-return.csv"
    path.write_bytes(RETURN.replace(b"2025-04", b"2000-04"))  # a month the demo does not cover
    result = run("ingest", str(path), "--database", db, "--keep-demo")
    assert result.returncode == 0, result.stderr
    engine = store.get_engine(db)
    assert service.demo_is_live(engine)
    store.dispose_engines()


def test_a_version_1_store_is_migrated_and_its_demo_recognised(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    store.ensure_schema(engine)
    with engine.begin() as conn:
        for column in ("origin", "source", "file_status"):
            conn.exec_driver_sql(f"ALTER TABLE uploads DROP COLUMN {column}")
        for column in ("first_observation_id", "last_observation_id"):  # dropped by version 4
            conn.exec_driver_sql(f"ALTER TABLE uploads ADD COLUMN {column} INTEGER")
        conn.exec_driver_sql("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        conn.exec_driver_sql(
            "INSERT INTO uploads (file_name, sha256, format, uploaded_by, uploaded_at, n_rows, n_added, n_revised, "
            "n_unchanged, note) VALUES ('synthetic-demo-data.csv', 'x', 'canonical', 'demo', '2025', 0, 0, 0, 0, '')"
        )
    store.ensure_schema(engine)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar_one()
    assert version == str(store.SCHEMA_VERSION)
    assert store.live_demo_uploads(engine) == [1]
    store.dispose_engines()


def test_rollback_says_what_is_missing():
    from perfdash.service import rollback_problem

    assert rollback_problem(3, True, "Wrong month") is None
    assert rollback_problem(3, False, "Wrong month") == (
        "Not rolled back yet: tick the box to confirm that its values will return to what they were before it."
    )
    assert rollback_problem(None, False, " ") == (
        "Not rolled back yet: choose the upload to roll back; give a reason (it is kept in the audit log); tick the "
        "box to confirm that its values will return to what they were before it."
    )


def test_files_committed_together_keep_their_provenance(sqlite_engine, config):
    other = RETURN.replace(b"R1H", b"RF4")
    files = [prepare("a.csv", RETURN, config, sqlite_engine), prepare("b.csv", other, config, sqlite_engine)]
    results = service.commit_files(sqlite_engine, files, user="ann@nhs.net")
    frame = uploads(sqlite_engine)
    assert [frame.loc[r.upload_id, "origin"] for r in results] == ["trust return", "trust return"]
    assert frame.loc[results[0].upload_id, "source"] == files[0].format_label
