"""Operations logging: the command line says what was validated, loaded and rolled back, by whom, how long."""

import re
from pathlib import Path

from tests.ingest.corpus import HEADER
from tests.support.cli import CliResult, run_cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, level: str | None = None) -> CliResult:
    env = {"PERFDASH_USER": "analyst@nhs.net"}
    if level:
        env["PERFDASH_LOG_LEVEL"] = level
    return run_cli(*args, env=env)


def test_ingest_and_rollback_are_logged_with_who_and_how_long(tmp_path):
    db = f"sqlite:///{tmp_path / 'logs.sqlite'}"
    path = tmp_path / "april.csv"
    path.write_text(HEADER + "2025-04,R1H,ae_4hr_all,,15230,20410\n2025-04,RRU,amb_cat2_mean,31.5,,\n")
    loaded = run("ingest", str(path), "--database", db)
    assert loaded.returncode == 0, loaded.stderr
    assert re.search(
        r"INFO perfdash: validated 'april\.csv' \(canonical, 0\.0 MB\): 2 rows, 0 errors, 0 warnings in ", loaded.stderr
    )
    assert re.search(
        r"INFO perfdash: loaded 'april\.csv' \(canonical\) by 'analyst@nhs\.net': upload 1, 2 added, 0 revised, "
        r"0 unchanged in \d+\.\d\ds",
        loaded.stderr,
    )
    rolled = run("rollback", "1", "--reason", "wrong month", "--database", db)
    assert rolled.returncode == 0, rolled.stderr
    assert re.search(
        r"INFO perfdash: rolled back upload 1 by 'analyst@nhs\.net' \(reason 'wrong month'\): "
        r"2 values restored in \d+\.\d\ds",
        rolled.stderr,
    )


def test_log_level_can_quieten_it(tmp_path):
    path = tmp_path / "april.csv"
    path.write_text(HEADER + "2025-04,R1H,ae_attendances,100,,\n")
    result = run("ingest", str(path), "--database", f"sqlite:///{tmp_path / 'q.sqlite'}", level="WARNING")
    assert result.returncode == 0 and "INFO" not in result.stderr
