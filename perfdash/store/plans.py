"""Plans (monthly trajectories): written as uploads like values, the current plan found when read."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from perfdash.store.database import now, write_transaction
from perfdash.store.schema import KEY, ORIGIN_RETURN, PLAN_COLUMNS, CommitResult, plan_values, rollbacks, uploads
from perfdash.store.uploads import DuplicateFileError, find_active_upload_by_hash
from perfdash.store.values import same_values


def _current_plans_query() -> sa.Select:
    """The latest live upload's plan for every (metric, organisation, month)."""
    live = plan_values.c.upload_id.not_in(sa.select(rollbacks.c.upload_id))
    latest = (
        sa.select(
            plan_values.c.metric_id,
            plan_values.c.org_code,
            plan_values.c.period,
            sa.func.max(plan_values.c.upload_id).label("upload_id"),
        )
        .where(live)
        .group_by(plan_values.c.metric_id, plan_values.c.org_code, plan_values.c.period)
        .subquery()
    )
    return (
        sa.select(
            plan_values.c.period,
            plan_values.c.org_code,
            plan_values.c.metric_id,
            plan_values.c.plan,
            plan_values.c.upload_id,
        )
        .join(
            latest,
            sa.and_(
                latest.c.metric_id == plan_values.c.metric_id,
                latest.c.org_code == plan_values.c.org_code,
                latest.c.period == plan_values.c.period,
                latest.c.upload_id == plan_values.c.upload_id,
            ),
        )
        .order_by(plan_values.c.metric_id, plan_values.c.org_code, plan_values.c.period)
    )


def read_plans(engine: Engine | Connection) -> pd.DataFrame:
    """Current plans: period, org_code, metric_id, plan, upload_id (rolled-back uploads excluded)."""
    if isinstance(engine, Connection):
        rows = engine.execute(_current_plans_query()).all()
    else:
        with engine.connect() as conn:
            rows = conn.execute(_current_plans_query()).all()
    frame = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    frame["plan"] = frame["plan"].astype("float64")
    return frame


def classify_plan_changes(rows: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Each incoming plan row labelled new, revised or unchanged against the current plans (old plan kept)."""
    merged = rows.merge(current[[*KEY, "plan"]].rename(columns={"plan": "old_plan"}), on=KEY, how="left")
    merged["change"] = "revised"
    merged.loc[same_values(merged["plan"], merged["old_plan"]), "change"] = "unchanged"
    merged.loc[merged["old_plan"].isna(), "change"] = "new"
    return merged


def commit_plans(
    engine: Engine,
    rows: pd.DataFrame,
    *,
    file_name: str,
    sha256: str,
    uploaded_by: str,
    note: str = "",
    origin: str = ORIGIN_RETURN,
    source: str = "",
) -> CommitResult:
    """Record a plan file as one upload (audited and rolled back like values); a repeat of a live file is a no-op."""
    rows = rows[[*KEY, "plan"]].reset_index(drop=True)
    with write_transaction(engine) as conn:
        duplicate = find_active_upload_by_hash(conn, sha256)
        if duplicate is not None:
            raise DuplicateFileError(duplicate)
        counts = classify_plan_changes(rows, read_plans(conn))["change"].value_counts()
        upload_id = conn.execute(
            uploads.insert().values(
                file_name=file_name[:255],
                sha256=sha256,
                format="plan",
                uploaded_by=uploaded_by,
                uploaded_at=now(),
                n_rows=len(rows),
                n_added=int(counts.get("new", 0)),
                n_revised=int(counts.get("revised", 0)),
                n_unchanged=int(counts.get("unchanged", 0)),
                note=note,
                origin=origin[:32],
                source=source[:255],
            )
        ).inserted_primary_key[0]
        conn.execute(plan_values.insert(), rows.assign(upload_id=upload_id).to_dict("records"))
    return CommitResult(
        upload_id, int(counts.get("new", 0)), int(counts.get("revised", 0)), int(counts.get("unchanged", 0))
    )


def save_plans(engine: Engine, rows: pd.DataFrame, **kwargs: str) -> CommitResult:
    """commit_plans, reporting an identical earlier file instead of loading it twice."""
    try:
        return commit_plans(engine, rows, **kwargs)
    except DuplicateFileError as duplicate:
        return CommitResult(None, 0, 0, 0, duplicate_of=duplicate.upload_id)
