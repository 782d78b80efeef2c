"""A load killed at any moment leaves the store exactly as before it, or with the whole upload: never a mix."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from perfdash import national, service, store
from perfdash.ingest.pipeline import prepare
from tests.support.cli import run_cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _consistent(engine) -> tuple[int, int]:
    """Check invariants; return (uploads, values kept)."""
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        kept = sum(
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (store.observations, store.current_values)
        )
        counts = store.uploads.c.n_added + store.uploads.c.n_revised + store.uploads.c.n_unchanged
        declared = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(counts), 0))).scalar_one()
        uploads = conn.execute(sa.select(sa.func.count()).select_from(store.uploads)).scalar_one()
    # Every value kept belongs to an upload that was recorded, with its counts, in the same transaction.
    assert kept == declared
    return uploads, kept


def test_killed_ingest_leaves_no_partial_write(tmp_path, config, demo_sqlite):
    engine = demo_sqlite("2025-09")
    url = str(engine.url)
    # The provider lookup goes in through the same pipeline the CLI uses, in this process (only the load that
    # is killed needs a process of its own).
    reference = national.reference(120).to_csv(index=False).encode()
    service.commit_prepared(engine, prepare("providers.csv", reference, config, engine), user="crash@nhs.net")
    big = tmp_path / "big.csv"
    frame = national.generate(config, providers=120, months=90)
    # Big enough to be staged in parts (the scratch files are written while earlier ones are copied).
    assert store.bulk.staging_parts(len(frame), 0) > 1
    big.write_text(frame.to_csv(index=False))
    env = {**os.environ, "PERFDASH_USER": "crash@nhs.net"}
    baseline = _consistent(engine)
    wal = Path(url.removeprefix("sqlite:///") + "-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0
    process = subprocess.Popen(
        [sys.executable, "-m", "perfdash", "ingest", str(big), "--database", url, "--keep-demo"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it while the write transaction is pouring rows into the WAL: the middle of the commit.
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > wal_before + 2_000_000:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the ingest finished before it could be killed mid-commit"
    assert _consistent(engine) == baseline  # nothing of the killed load is visible
    assert list(Path(tempfile.gettempdir()).glob(f"perfdash-staging-{process.pid}-*")), "killed while copying parts"
    current = store.read_current(engine)
    assert not current.duplicated(["metric_id", "org_code", "period"]).any()
    # The same file loads cleanly afterwards: the killed attempt left nothing behind to trip over.
    result = run_cli("ingest", str(big), "--database", url, "--keep-demo", env={"PERFDASH_USER": "crash@nhs.net"})
    assert result.returncode == 0, result.stderr
    # The killed load's scratch files (its parts) were deleted by the next bulk load.
    assert not list(Path(tempfile.gettempdir()).glob(f"perfdash-staging-{process.pid}-*"))
    uploads, kept = _consistent(engine)
    assert (uploads, kept - baseline[1]) == (baseline[0] + 1, len(frame))
    store.dispose_engines()
