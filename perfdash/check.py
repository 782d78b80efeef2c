"""`python -m perfdash check`: is the configuration valid, is the database reachable and current, is data fresh?

Exit codes: 0 all well; 1 some metric is stale (a warning: the app still works, the data is behind);
2 a problem that stops the app (invalid config, unreachable database, wrong schema version, missing file).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from perfdash import store
from perfdash.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config
from perfdash.freshness import freshness
from perfdash.periods import label

EXIT_OK = 0
EXIT_STALE = 1
EXIT_BROKEN = 2


@dataclass
class CheckReport:
    """What the check found: lines to print, fatal problems, and freshness per metric."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fresh: pd.DataFrame | None = None

    @property
    def stale(self) -> pd.DataFrame:
        """The stale metrics (empty when none, or when freshness was not reached)."""
        return self.fresh[self.fresh["stale"]] if self.fresh is not None else pd.DataFrame()

    @property
    def exit_code(self) -> int:
        """0 healthy, 1 stale data, 2 broken."""
        if self.problems:
            return EXIT_BROKEN
        return EXIT_STALE if not self.stale.empty else EXIT_OK


def _status(row) -> str:
    if pd.isna(row.latest_loaded):
        return "STALE: nothing loaded"
    if row.stale:
        return f"STALE: {row.months_behind} month(s) behind"
    return "ok"


def run(config_path: str | None, database_url: str | None, today: date) -> CheckReport:
    """Check the configuration, then the database, then freshness; stop at the first fatal problem."""
    report = CheckReport()
    started = time.perf_counter()
    try:
        config: Config = load_config(config_path)
    except ConfigError as error:
        report.problems.append(f"config: {error}")
        return report
    shown_path = config_path or os.environ.get("PERFDASH_CONFIG") or str(DEFAULT_CONFIG_PATH)
    report.lines.append(
        f"config    ok: {shown_path}: {len(config.metrics)} metrics, {len(config.organisations)} trusts, "
        f"{len(config.places)} places, sign-in mode {config.auth.mode}"
    )

    url = store.database_url(database_url)
    missing = store.missing_sqlite_file(url)
    if missing is not None:
        report.problems.append(f"database: there is no SQLite file at {missing} (check --database / the URL)")
        return report
    try:
        engine = store.get_engine(url)
        version = store.versions(engine)
        counts = store.table_counts(engine)
        uploads = store.list_uploads(engine)
        nel = sorted({config.system.code, *(c for m in config.metrics for c in config.metric_orgs(m))})
        current = store.read_current(engine, org_codes=nel)
        orphaned = store.orphaned_values(engine)
    except store.StoreError as error:
        report.problems.append(f"database: {error}")
        return report
    except (store.DatabaseError, ImportError) as error:
        report.problems.append(f"database: cannot use {url.split('@')[-1]}: {error}")
        return report
    if orphaned:
        report.problems.append(
            f"database: {orphaned:,} values belong to no upload (the store is damaged; restore it from a backup)"
        )
        return report
    live = uploads[uploads["status"] == "live"]
    report.lines.append(
        f"database  ok: {engine.url.render_as_string(hide_password=True)}: schema version {store.SCHEMA_VERSION}, "
        f"values version {version.values}, commentary version {version.commentary}, "
        f"{len(uploads)} uploads ({len(live)} live), "
        f"{counts['current_values']:,} current values, {counts['observations']:,} earlier values kept"
    )
    if not live.empty:
        newest = live.iloc[0]
        report.lines.append(
            f"          latest upload {newest['id']}: {newest['file_name']} by {newest['uploaded_by']} "
            f"at {newest['uploaded_at']}"
        )
    unknown = sorted(set(current["metric_id"]) - set(config.metric_by_id))
    if unknown:
        report.lines.append(f"          note: values for metrics not in the config are ignored: {', '.join(unknown)}")

    report.fresh = freshness(current, config, today)
    width = max(len(m) for m in report.fresh["metric_id"])
    report.lines.append(f"freshness on {today.isoformat()} (month M is due by day `publication_day` of M+1):")
    report.lines.append(f"  {'metric':<{width}}  {'latest':<8}  {'expected':<8}  status")
    for row in report.fresh.itertuples():
        latest = "none" if pd.isna(row.latest_loaded) else label(row.latest_loaded)
        report.lines.append(f"  {row.metric_id:<{width}}  {latest:<8}  {label(row.expected):<8}  {_status(row)}")
    stale = report.stale
    if stale.empty:
        report.lines.append(f"result: all {len(report.fresh)} metrics are up to date")
    else:
        report.lines.append(
            f"result: {len(stale)} of {len(report.fresh)} metrics are stale: {', '.join(stale['metric_id'])}"
        )
    report.lines.append(f"checked in {time.perf_counter() - started:.2f}s")
    return report
