"""Scale-out as deployed (docs/deployment.md): two app replicas on one PostgreSQL see each other's writes at once."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import PROJECT_ROOT, seed_demo
from tests.e2e.test_journeys import month_csv, rows_in, upload_and_commit
from tests.support import app_server
from tests.support.browser import open_page, options, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def replicas(postgres_server, tmp_path: Path) -> Iterator[tuple[app_server.AppServer, app_server.AppServer]]:
    """Replicas A and B: separate `streamlit run` processes, one database, one shared cookie secret."""
    url = postgres_server.create_database(f"perfdash_replicas_{secrets.token_hex(4)}")
    seed_demo(url)
    shared = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    started = []
    try:
        for name in ("replica-a", "replica-b"):
            started.append(app_server.start(url, log_dir=tmp_path, extra_env=shared, name=name))
        yield started[0], started[1]
    finally:
        for server in started:
            died = not server.alive()
            server.stop()
            if died:
                print(f"{server.log_path.name} died; its log:\n{server.log_text()[-6000:]}")


def test_a_month_loaded_through_one_replica_shows_on_the_other_without_a_restart(replicas, new_page, tmp_path):
    a, b = replicas
    assert a.process.pid != b.process.pid and a.port != b.port
    reader = new_page()  # a board member whose session lives on replica B
    open_page(reader, b.url, "Overview")
    reader.get_by_text("NEL ICS, Aug 2025. Data to Aug 2025.").wait_for()
    assert "Sep 2025" not in options(reader, "Month")  # B has read and cached the data as it was

    # An analyst on replica A loads September through the Upload page.
    analyst = new_page()
    data = month_csv("2025-09")
    message = upload_and_commit(analyst, a.url, "nel-sep-2025.csv", data)
    assert f"loaded as upload 2: {rows_in(data)} new" in message

    # B was not told anything: the board member reloads (the URL keeps August) and September is there.
    assert "month=2025-08" in reader.url
    reader.reload()
    wait_for_app(reader)
    reader.get_by_text("NEL ICS, Aug 2025. Data to Sep 2025.").wait_for()
    assert options(reader, "Month")[:2] == ["Sep 2025", "Aug 2025"]

    # A scheduled job loads October from the command line (a third process); both replicas show it.
    october = tmp_path / "nel-oct-2025.csv"
    october.write_bytes(month_csv("2025-10"))
    loaded = subprocess.run(
        [
            sys.executable,
            "-m",
            "perfdash",
            "ingest",
            str(october),
            "--database",
            a.database_url,
            "--accept-warnings",
            "--keep-demo",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PERFDASH_USER": "nightly-job@nhs.net"},
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 'nel-oct-2025.csv' (canonical) by 'nightly-job@nhs.net': upload 3" in loaded.stderr  # the log line
    for server in (a, b):
        open_page(reader, server.url, "Overview")
        reader.get_by_text("NEL ICS, Oct 2025. Data to Oct 2025.").wait_for()

    # Both replicas are the processes that started before any of this.
    assert a.alive() and b.alive()
    assert "loaded 'nel-sep-2025.csv'" in a.log_text() and "loaded 'nel-sep-2025.csv'" not in b.log_text()
