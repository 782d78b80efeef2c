"""Use cases shared by the command line and the pages: load files, load the demo, export."""

from __future__ import annotations

import io
import logging
import time

import pandas as pd

from perfdash import demo, store
from perfdash.config import Config
from perfdash.ingest import plans
from perfdash.ingest.model import CANONICAL_COLUMNS, Problem
from perfdash.ingest.pipeline import Prepared, prepare
from perfdash.periods import label
from perfdash.store import Engine

log = logging.getLogger("perfdash")


def commit_prepared(
    engine: Engine, prepared: Prepared, *, user: str, note: str = "", origin: str | None = None
) -> store.CommitResult:
    """Write a validated file as one upload (refusing one with errors), recording where its values came from."""
    if not prepared.ok:
        raise ValueError(f"{prepared.file_name} has {len(prepared.errors)} error(s) and cannot be committed")
    store.check_lengths(file_name=prepared.file_name, user=user, note=note)
    started = time.perf_counter()
    if prepared.format == "plan":
        result = store.save_plans(
            engine,
            plans.as_plan_frame(prepared.rows),
            file_name=prepared.file_name,
            sha256=prepared.sha256,
            uploaded_by=user,
            note=note,
            origin=origin or prepared.origin,
            source=prepared.format_label,
        )
        log.info("loaded plan file %r by %r: upload %s", prepared.file_name, user, result.upload_id)
        return result
    result = store.commit(
        engine,
        prepared.rows[CANONICAL_COLUMNS],
        file_name=prepared.file_name,
        sha256=prepared.sha256,
        file_format=prepared.format,
        uploaded_by=user,
        note=note,
        reference=prepared.reference,
        origin=origin or prepared.origin,
        source=prepared.format_label,
        file_status=prepared.file_status,
        preview=prepared.preview(),
    )
    log.info(
        "loaded %r (%s) by %r: upload %s, %d added, %d revised, %d unchanged in %.2fs",
        prepared.file_name,
        prepared.format,
        user,
        result.upload_id,
        result.added,
        result.revised,
        result.unchanged,
        time.perf_counter() - started,
    )
    return result


def commit_files(
    engine: Engine, prepared_files: list[Prepared], *, user: str, note: str = ""
) -> list[store.CommitResult]:
    """Write several validated files as one upload each, in ONE transaction: all of them land, or none."""
    for prepared in prepared_files:
        if not prepared.ok:
            raise ValueError(f"{prepared.file_name} has {len(prepared.errors)} error(s) and cannot be committed")
    started = time.perf_counter()
    # commit_prepared's own transactions join this one: each file keeps its provenance (and a plan file its
    # table), and a failure in any file undoes them all.
    with store.write_transaction(engine):
        results = [commit_prepared(engine, prepared, user=user, note=note) for prepared in prepared_files]
    elapsed = time.perf_counter() - started
    log.info("committed %d files in one transaction in %.2fs", len(prepared_files), elapsed)
    return results


def flag_conflicts(prepared_files: list[Prepared]) -> int:
    """Warn on a later file that sets a value an earlier file of the same batch sets differently.

    Committed together, the later file silently revises the earlier one; like any revision, that needs the
    analyst's tick. Adds the warnings to the later file's problems (idempotent) and returns how many it added.
    """
    frames = [
        p.rows[[*store.KEY, *store.VALUE_COLUMNS, "line"]].assign(file=i)
        for i, p in enumerate(prepared_files)
        if p.ok and not p.rows.empty
    ]
    if len(frames) < 2:
        return 0
    combined = pd.concat(frames, ignore_index=True)
    combined = combined[combined.duplicated(store.KEY, keep=False)]
    if combined.empty:
        return 0
    combined = combined.sort_values([*store.KEY, "file"])
    earlier = combined.groupby(store.KEY, sort=False).shift(1)
    later = combined[earlier["file"].notna()]
    earlier = earlier.loc[later.index]
    same = (
        store._same(later["value"], earlier["value"])
        & store._same(later["numerator"], earlier["numerator"])
        & store._same(later["denominator"], earlier["denominator"])
    )
    differing = later[~same].assign(
        earlier_file=earlier.loc[~same, "file"].astype(int),
        earlier_line=earlier.loc[~same, "line"].astype(int),
        earlier_value=earlier.loc[~same, "value"],
    )
    added = 0
    for (file, earlier_file, period, metric_id), group in differing.groupby(
        ["file", "earlier_file", "period", "metric_id"], sort=True
    ):
        first = group.iloc[0]
        target = prepared_files[int(file)]
        problem = Problem(
            f"{len(group)} value(s) for {metric_id}, {label(period)} differ from "
            f"{prepared_files[int(earlier_file)].file_name} (line {int(first['earlier_line'])}) in the same upload; "
            f"this file's values will replace them (e.g. {first['org_code']}: "
            f"{first['earlier_value']:g} to {first['value']:g})",
            line=int(first["line"]),
            column="value",
            severity="warning",
            fix="tick to confirm, or remove the rows from one of the files",
        )
        if problem not in target.problems:
            target.problems.append(problem)
            added += 1
    return added


def rollback_upload(engine: Engine, upload_id: int, *, user: str, reason: str = "") -> int:
    """Roll back an upload (its values return to what they were before) and log who did it and how long it took."""
    started = time.perf_counter()
    affected = store.rollback_upload(engine, upload_id, by=user, reason=reason)
    log.info(
        "rolled back upload %s by %r (reason %r): %d values restored in %.2fs",
        upload_id,
        user,
        reason,
        affected,
        time.perf_counter() - started,
    )
    return affected


def load_demo(
    engine: Engine, config: Config, *, user: str = "demo-loader", last: str | None = None
) -> store.CommitResult:
    """Generate the synthetic demo data and load it through the normal ingest path."""
    data = demo.to_csv_bytes(demo.generate(config, last=last))
    prepared = prepare(demo.DEMO_FILE_NAME, data, config, engine)
    if not prepared.ok:
        raise RuntimeError("demo data failed validation: " + "; ".join(p.describe() for p in prepared.errors[:5]))
    return commit_prepared(engine, prepared, user=user, note=config.app.demo_label, origin=store.ORIGIN_DEMO)


DEMO_WITHDRAWN = "synthetic demo withdrawn: real data loaded"


def demo_is_live(engine: Engine) -> bool:
    """Whether synthetic demo values are still in the store (not withdrawn)."""
    return bool(store.live_demo_uploads(engine))


def needs_demo_decision(engine: Engine, prepared: list[Prepared]) -> bool:
    """True when real files are about to land in a store that still holds the synthetic demo."""
    real = any(p.ok and p.origin != store.ORIGIN_DEMO for p in prepared)
    return real and demo_is_live(engine)


def withdraw_demo(engine: Engine, *, user: str, reason: str = DEMO_WITHDRAWN) -> int:
    """Withdraw every live synthetic demo upload, recorded like a rollback; returns the values withdrawn."""
    return sum(
        rollback_upload(engine, upload_id, user=user, reason=reason) for upload_id in store.live_demo_uploads(engine)
    )


def ensure_demo(engine: Engine, config: Config) -> bool:
    """Load the demo data when the store has never had an upload; True if it did."""
    if store.count_uploads(engine) > 0:
        return False
    load_demo(engine, config)
    return True


def benchmark_rows(engine: Engine, config: Config, metric_id: str, month: str) -> pd.DataFrame:
    """What the Metric page's benchmark of a month compares: every organisation's current values of the metric,
    and of the one that says which trusts are peers, in the latest month up to `month` with national data.

    That one month (440 rows at national scale): reading the two metrics' every month, 53,000 rows, took
    0.15-0.19 s after each upload, for metric_detail.benchmark_view to use one month of them.
    """
    from perfdash.benchmark import PEER_KIND_METRIC

    period = store.latest_period(engine, metric_id, up_to=month, excluding=sorted(config.org_names))
    metric_ids = sorted({metric_id, PEER_KIND_METRIC})
    return store.read_current(engine, metric_ids=metric_ids, periods=[] if period is None else [period])


def export_frame(engine: Engine) -> pd.DataFrame:
    """Current data in the canonical format, in a stable order."""
    frame = store.read_current(engine)[CANONICAL_COLUMNS]
    return frame.sort_values(["period", "org_code", "metric_id"]).reset_index(drop=True)


def export_csv(engine: Engine) -> bytes:
    """Current data as canonical CSV bytes (numbers round-trip exactly; no cell a spreadsheet would run)."""
    buffer = io.StringIO()
    export_frame(engine).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def template_csv(config: Config) -> bytes:
    """A canonical template with a header and two example rows."""
    rows = [
        {
            "period": "2025-04",
            "org_code": "R1H",
            "metric_id": "ae_4hr_all",
            "value": "",
            "numerator": 15230,
            "denominator": 20410,
        },
        {
            "period": "2025-04",
            "org_code": "RRU",
            "metric_id": "amb_cat2_mean",
            "value": 31.5,
            "numerator": "",
            "denominator": "",
        },
    ]
    return pd.DataFrame(rows, columns=CANONICAL_COLUMNS).to_csv(index=False).encode("utf-8")


def plan_template_csv() -> bytes:
    """A plan template: BHRUT's 4-hour trajectory for the first two months of 2026/27 as the example."""
    rows = [
        {"period": "2026-04", "org_code": "RF4", "metric_id": "ae_4hr_all", "plan": 77.0},
        {"period": "2026-05", "org_code": "RF4", "metric_id": "ae_4hr_all", "plan": 77.5},
    ]
    return pd.DataFrame(rows, columns=plans.PLAN_COLUMNS).to_csv(index=False).encode("utf-8")


def rollback_problem(upload_id: int | None, confirmed: bool, reason: str) -> str | None:
    """What is missing before an upload may be rolled back, in words; None when it may."""
    missing = []
    if upload_id is None:
        missing.append("choose the upload to roll back")
    if not reason.strip():
        missing.append("give a reason (it is kept in the audit log)")
    if not confirmed:
        missing.append("tick the box to confirm that its values will return to what they were before it")
    return None if not missing else "Not rolled back yet: " + "; ".join(missing) + "."
