"""Commentary: narrative and actions per metric, organisation and month, every version kept."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from perfdash.store.database import now, write_transaction
from perfdash.store.schema import COMMENTARY_VERSION, KEY, check_lengths, commentary


def add_commentary(
    engine: Engine,
    *,
    metric_id: str,
    org_code: str,
    period: str,
    narrative: str,
    action: str = "",
    owner: str = "",
    due: str = "",
    author: str,
) -> int:
    """Save a new version of the commentary for a metric, organisation and month (values caches stay valid)."""
    check_lengths(metric_id=metric_id, org_code=org_code, narrative=narrative, action=action, owner=owner, user=author)
    with write_transaction(engine, bumps=COMMENTARY_VERSION) as conn:
        return conn.execute(
            commentary.insert().values(
                metric_id=metric_id,
                org_code=org_code,
                period=period,
                narrative=narrative,
                action=action,
                owner=owner,
                due=due,
                author=author,
                created_at=now(),
            )
        ).inserted_primary_key[0]


def read_commentary(
    engine: Engine, *, metric_id: str | None = None, org_code: str | None = None, history: bool = False
) -> pd.DataFrame:
    """The latest commentary per (metric, organisation, month), or every version with history=True."""
    query = sa.select(commentary).order_by(commentary.c.id)
    if metric_id is not None:
        query = query.where(commentary.c.metric_id == metric_id)
    if org_code is not None:
        query = query.where(commentary.c.org_code == org_code)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in commentary.columns])
    if history or frame.empty:
        return frame
    latest = frame.groupby(KEY, as_index=False)["id"].max()
    frame = frame[frame["id"].isin(latest["id"])]
    # An empty narrative is how a comment is withdrawn: the old versions stay in history.
    return frame[frame["narrative"].str.strip() != ""].reset_index(drop=True)
