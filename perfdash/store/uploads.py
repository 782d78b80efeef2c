"""Uploads: finding a live one by its file's hash, listing them, counting rows, the provider reference."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from perfdash.store.schema import (
    ORIGIN_DEMO,
    current_values,
    metadata,
    observations,
    provider_reference,
    rollbacks,
    uploads,
)


class DuplicateFileError(Exception):
    """The same file (SHA-256) is already loaded and live: the write is abandoned, nothing changes."""

    def __init__(self, upload_id: int) -> None:
        self.upload_id = upload_id


def _active_upload_ids(conn: Connection) -> sa.Select:
    return sa.select(uploads.c.id).where(uploads.c.id.not_in(sa.select(rollbacks.c.upload_id)))


def find_active_upload_by_hash(conn: Connection, sha256: str) -> int | None:
    """The id of a live upload with this SHA-256, if any."""
    return conn.execute(
        sa.select(sa.func.max(uploads.c.id)).where(
            uploads.c.sha256 == sha256, uploads.c.id.in_(_active_upload_ids(conn))
        )
    ).scalar()


def list_uploads(engine: Engine) -> pd.DataFrame:
    """Every upload, newest first, with its rollback status."""
    query = (
        sa.select(
            uploads,
            rollbacks.c.rolled_back_by,
            rollbacks.c.rolled_back_at,
            rollbacks.c.reason.label("rollback_reason"),
        )
        .select_from(uploads.outerjoin(rollbacks, rollbacks.c.upload_id == uploads.c.id))
        .order_by(uploads.c.id.desc())
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in query.selected_columns])
    frame["status"] = frame["rolled_back_at"].map(lambda at: "rolled back" if isinstance(at, str) else "live")
    return frame


def live_demo_uploads(engine: Engine) -> list[int]:
    """Ids of synthetic demo uploads that have not been withdrawn (rolled back)."""
    with engine.connect() as conn:
        query = sa.select(uploads.c.id).where(
            uploads.c.origin == ORIGIN_DEMO, uploads.c.id.in_(_active_upload_ids(conn))
        )
        return [int(i) for i in conn.execute(query.order_by(uploads.c.id)).scalars()]


def count_uploads(engine: Engine) -> int:
    """How many uploads have ever been made."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(uploads)).scalar_one())


def read_reference(engine: Engine) -> pd.DataFrame:
    """The provider-to-ICB-and-region lookup from the latest live reference upload (empty if none)."""
    columns = ["code", "name", "icb_code", "icb_name", "region"]
    with engine.connect() as conn:
        latest = conn.execute(
            sa.select(sa.func.max(provider_reference.c.upload_id)).where(
                provider_reference.c.upload_id.in_(_active_upload_ids(conn))
            )
        ).scalar()
        if latest is None:
            return pd.DataFrame(columns=columns)
        query = sa.select(*[provider_reference.c[c] for c in columns]).where(provider_reference.c.upload_id == latest)
        return pd.DataFrame(conn.execute(query).all(), columns=columns)


def table_counts(engine: Engine) -> dict[str, int]:
    """Row counts per table (for tests and `check`)."""
    with engine.connect() as conn:
        return {
            table.name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for table in metadata.sorted_tables
        }


def orphaned_values(engine: Engine) -> int:
    """How many values, current or earlier, name an upload that does not exist (no foreign key; it must be 0)."""
    with engine.connect() as conn:
        return sum(
            int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.upload_id.not_in(sa.select(uploads.c.id)))
                ).scalar_one()
            )
            for table in (observations, current_values)
        )
