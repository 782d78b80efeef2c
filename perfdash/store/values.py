"""Values: the versioned write of an upload, the preview's comparison, rollback, and reads of current values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from perfdash.store import bulk
from perfdash.store.database import now, untouched, versions_in, write_transaction
from perfdash.store.schema import (
    KEY,
    VALUE_COLUMNS,
    CommitResult,
    Preview,
    StoreError,
    check_lengths,
    current_values,
    observations,
    plan_values,
    provider_reference,
    rollbacks,
    uploads,
)
from perfdash.store.uploads import DuplicateFileError, find_active_upload_by_hash


def current_for_keys(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """Current values for the metrics and months present in rows (a superset of their keys)."""
    metric_ids = sorted(rows["metric_id"].unique().tolist())
    periods = sorted(rows["period"].unique().tolist())
    if not metric_ids:
        return pd.DataFrame(columns=[*KEY, *VALUE_COLUMNS, "upload_id"])
    return current_in(conn, metric_ids=metric_ids, periods=periods)


def classify_changes(rows: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Each incoming row labelled new, revised or unchanged against current values (old values kept)."""
    if current.empty:
        # First load of these months: everything is new (skips a million-row merge).
        return rows.assign(
            old_value=np.nan, old_numerator=np.nan, old_denominator=np.nan, old_upload_id=np.nan, change="new"
        )
    # Each row's current value found by one integer key per row: a merge on three text keys took 2.2-2.5 s for a
    # republished national file, and turned the file's categorical keys into a million strings each.
    position = _positions(rows, current)
    found = position >= 0
    merged = rows.reset_index(drop=True)  # the file's own columns as they are, as a first load keeps them
    for column in [*VALUE_COLUMNS, "upload_id"]:
        merged[f"old_{column}"] = _taken(current[column], position, found)
    if found.all():  # as a merge gives it: whole numbers unless a row has no upload to name
        merged["old_upload_id"] = merged["old_upload_id"].astype("int64")
    is_new = merged["old_value"].isna()
    same = (
        same_values(merged["value"], merged["old_value"])
        & same_values(merged["numerator"], merged["old_numerator"])
        & same_values(merged["denominator"], merged["old_denominator"])
    )
    merged["change"] = "revised"
    merged.loc[same, "change"] = "unchanged"
    merged.loc[is_new, "change"] = "new"
    return merged


def _positions(rows: pd.DataFrame, current: pd.DataFrame) -> np.ndarray:
    """For each row, the position of the current value with the same key (metric, organisation, month), or -1."""
    row_key = np.zeros(len(rows), dtype=np.int64)
    current_key = np.zeros(len(current), dtype=np.int64)
    readable = np.ones(len(rows), dtype=bool)
    known = np.ones(len(current), dtype=bool)
    for column in KEY:
        categories, row_codes = _codes(rows[column])
        current_codes = _codes_in(current[column], categories)
        readable &= row_codes >= 0  # a missing key matches nothing
        known &= current_codes >= 0  # nor does a key the file does not have
        row_key = row_key * len(categories) + row_codes
        current_key = current_key * len(categories) + current_codes
    row_key[~readable] = -1
    stored = np.flatnonzero(known)
    found = pd.Index(current_key[stored]).get_indexer(row_key)
    position = np.full(len(rows), -1, dtype=np.int64)
    position[found >= 0] = stored[found[found >= 0]]
    return position


def _codes(column: pd.Series) -> tuple[list[str], np.ndarray]:
    """The column's distinct values and each row's code among them (a categorical's own, when it is one)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(value) for value in column.cat.categories], column.cat.codes.to_numpy()
    categories = [str(value) for value in column.dropna().unique()]
    return categories, _codes_in(column, categories)


def _codes_in(column: pd.Series, categories: list[str]) -> np.ndarray:
    """Each value's position among the categories, -1 where it is not one (Arrow's hash lookup: 0.02 s for a
    million strings, where pandas took 0.2 s)."""
    values = pa.array(column.astype("str").array)  # no copy: the text is in Arrow already
    found = pc.index_in(values, value_set=pa.array(categories, pa.string()))
    return found.fill_null(-1).to_numpy().astype(np.int64)


def _taken(column: pd.Series, position: np.ndarray, found: np.ndarray) -> np.ndarray:
    """The column's values at the positions found, NaN for rows without one."""
    values = np.full(len(position), np.nan)
    values[found] = column.to_numpy(dtype="float64", na_value=np.nan)[position[found]]
    return values


def same_values(a: pd.Series, b: pd.Series) -> pd.Series:
    """Where two number columns agree within rounding (both missing counts as the same)."""
    a = pd.to_numeric(a, errors="coerce")
    b = pd.to_numeric(b, errors="coerce")
    return ((a - b).abs() <= 1e-9 * (1 + b.abs())) | (a.isna() & b.isna())


def commit_rows(
    engine: Engine,
    rows: pd.DataFrame,
    *,
    file_name: str,
    sha256: str,
    file_format: str,
    uploaded_by: str,
    note: str = "",
    reference: pd.DataFrame | None = None,
    origin: str = "",
    source: str = "",
    file_status: str = "",
    preview: Preview | None = None,
) -> CommitResult:
    """Record an upload and its values in one serialised transaction; a repeat of a live file is a no-op.

    preview: the file's preview, used when nothing has changed the store since it was made.
    """
    rows = rows[[*KEY, *VALUE_COLUMNS]].reset_index(drop=True)
    with write_transaction(engine) as conn:
        duplicate = find_active_upload_by_hash(conn, sha256)
        if duplicate is not None:
            # Nothing changes; raising rolls back the version bump too.
            raise DuplicateFileError(duplicate)
        if preview is not None and untouched(conn) and versions_in(conn).values == preview.values_version:
            # The write lock is ours and the store is as the preview saw it (a national revision load: 4.4 s).
            counts, all_new, unchanged = preview.counts, preview.all_new, preview.unchanged
        else:
            current = current_for_keys(conn, rows)
            all_new, unchanged = current.empty, None
            # The first load of these months is all new: no million-row frame just to count it.
            if all_new:
                counts = {"new": len(rows)}
            else:
                changes = classify_changes(rows, current)["change"]
                counts, unchanged = changes.value_counts(), (changes == "unchanged").to_numpy()
        upload_id = conn.execute(
            uploads.insert().values(
                file_name=file_name[:255],
                sha256=sha256,
                format=file_format,
                uploaded_by=uploaded_by,
                uploaded_at=now(),
                n_rows=len(rows) + (0 if reference is None else len(reference)),
                n_added=int(counts.get("new", 0)),
                n_revised=int(counts.get("revised", 0)),
                n_unchanged=int(counts.get("unchanged", 0)),
                note=note,
                origin=origin[:32],
                source=source[:255],
                file_status=file_status[:64],
            )
        ).inserted_primary_key[0]
        _write_values(conn, upload_id, rows, all_new=all_new, unchanged=unchanged)
        if reference is not None:
            bulk.insert_frame(conn, provider_reference, reference.assign(upload_id=upload_id))
    return CommitResult(
        upload_id, int(counts.get("new", 0)), int(counts.get("revised", 0)), int(counts.get("unchanged", 0))
    )


def commit(engine: Engine, rows: pd.DataFrame, **kwargs: object) -> CommitResult:
    """commit_rows, reporting an identical earlier file instead of loading it twice."""
    try:
        return commit_rows(engine, rows, **kwargs)  # type: ignore[arg-type]
    except DuplicateFileError as duplicate:
        return CommitResult(None, 0, 0, 0, duplicate_of=duplicate.upload_id)


def _write_values(
    conn: Connection, upload_id: int, rows: pd.DataFrame, *, all_new: bool, unchanged: np.ndarray | None = None
) -> None:
    """Write an upload's rows: each new or revised value becomes current, every other goes to observations.

    all_new: no current value exists for any of the upload's metrics and months (checked in this transaction), so
    the rows go straight into current_values. unchanged: the rows whose values are current already (found by the
    comparison that counted them), which go straight into observations: a republished file is mostly repeats,
    and comparing them again in the database (a join of a million rows) doubled PostgreSQL's commit.
    """
    if unchanged is not None and len(unchanged) == len(rows) and unchanged.any():
        _put(conn, upload_id, rows[unchanged], observations)
        rows = rows[~unchanged]
    if not rows.empty:
        _put(conn, upload_id, rows, current_values if all_new else None)
    if conn.dialect.name == "postgresql" and not all_new:
        _summarise_key_ranges(conn)


def _put(conn: Connection, upload_id: int, rows: pd.DataFrame, table: sa.Table | None) -> None:
    """Write the rows into the table as they are, or (None) compare each with the store (_write_from).

    The rows reach the database in bulk, in key order: SQLite through scratch files (bulk.insert_staged_sqlite),
    PostgreSQL by COPY; a few rows through a plain executemany.
    """
    rows = rows.reset_index(drop=True)

    def write(source: str) -> None:
        if table is None:
            _write_from(conn, source)
        else:
            conn.exec_driver_sql(f"INSERT INTO {table.name} ({_COLUMNS}) SELECT {_COLUMNS} FROM {source}")

    # SQLite attaches at most 10 databases and a scratch one stays attached until the transaction ends, so
    # a transaction holding many files (several uploads committed together) loads the rest row by row.
    staged = len(conn.connection.info.get(bulk.STAGING, []))
    big = len(rows) >= bulk.BULK_ROWS
    if big and conn.dialect.name == "sqlite" and staged < bulk.MAX_STAGED:
        bulk.insert_staged_sqlite(
            conn, bulk.arrow_rows(rows, upload_id, parts=bulk.staging_parts(len(rows), staged)), write
        )
        return
    if table is not None:
        if big and conn.dialect.name == "postgresql":
            bulk.copy_postgres(conn, rows, upload_id, table.name)
        else:
            bulk.insert_frame(conn, table, rows.assign(upload_id=upload_id).sort_values(KEY))
        return
    incoming = bulk.incoming_table()
    incoming.create(conn)
    if big and conn.dialect.name == "postgresql":
        bulk.copy_postgres(conn, rows, upload_id, incoming.name)
    else:
        bulk.insert_frame(conn, incoming, rows.assign(upload_id=upload_id).sort_values(KEY))
    write(incoming.name)
    incoming.drop(conn)


_COLUMNS = "metric_id, org_code, period, upload_id, value, numerator, denominator"


def _write_from(conn: Connection, source: str) -> None:
    """Compare one upload's rows in a staging table (upload_id, key, values; in key order) with the store."""
    postgres = conn.dialect.name == "postgresql"
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"
    revised = " OR ".join(f"c.{column} {differs} s.{column}" for column in VALUE_COLUMNS)
    matches = " AND ".join(f"c.{column} = s.{column}" for column in KEY)
    # Key order keeps PostgreSQL's block-range index narrow; SQLite reads the staged rows in that order anyway.
    in_key_order = " ORDER BY s.metric_id, s.org_code, s.period" if postgres else ""
    # Each key the store already holds keeps one of the two values in observations: the current one if the file
    # revises it, else the file's own repeat of it (its values are the same; its upload is the file's).
    conn.exec_driver_sql(
        f"""
        INSERT INTO observations (upload_id, metric_id, org_code, period, value, numerator, denominator)
        SELECT CASE WHEN {revised} THEN c.upload_id ELSE s.upload_id END,
               s.metric_id, s.org_code, s.period, c.value, c.numerator, c.denominator
        FROM {source} s JOIN current_values c ON {matches}{in_key_order}
        """
    )
    # Then the new and revised values become current.
    conn.exec_driver_sql(
        f"""
        INSERT INTO current_values ({_COLUMNS})
        SELECT s.metric_id, s.org_code, s.period, s.upload_id, s.value, s.numerator, s.denominator
        FROM {source} s LEFT JOIN current_values c ON {matches}
        WHERE c.metric_id IS NULL OR {revised}
        ON CONFLICT (metric_id, org_code, period) DO UPDATE SET
            upload_id = excluded.upload_id, value = excluded.value,
            numerator = excluded.numerator, denominator = excluded.denominator
        """
    )


def _summarise_key_ranges(conn: Connection) -> None:
    """PostgreSQL: add the new pages to the BRIN key index now, so the new upload's history is found at once.

    Autovacuum would do it later, unless it is off; PostgreSQL lets only the index's owner do it, so another user
    leaves it to autovacuum (a history lookup meanwhile also reads the unsummarised pages).
    """
    conn.exec_driver_sql(
        "SELECT brin_summarize_new_values(c.oid) FROM pg_class c "
        "WHERE c.oid = to_regclass('ix_observations_key_range') AND pg_has_role(c.relowner, 'USAGE')"
    )


def rollback_upload(engine: Engine, upload_id: int, *, by: str, reason: str = "") -> int:
    """Undo an upload: its values return to what they were before; the rollback is itself recorded."""
    if not 0 < upload_id < 2**63:
        raise StoreError(f"There is no upload {upload_id}.")
    check_lengths(user=by, reason=reason)
    with write_transaction(engine) as conn:
        exists = conn.execute(sa.select(uploads.c.id).where(uploads.c.id == upload_id)).scalar()
        if exists is None:
            raise StoreError(f"There is no upload {upload_id}.")
        if conn.execute(sa.select(rollbacks.c.id).where(rollbacks.c.upload_id == upload_id)).scalar() is not None:
            raise StoreError(f"Upload {upload_id} has already been rolled back.")
        conn.execute(
            rollbacks.insert().values(upload_id=upload_id, rolled_back_by=by, rolled_back_at=now(), reason=reason)
        )
        affected = _recompute_current(conn, upload_id)
        # Plans need no index rebuilt: the current plan is read from live uploads (see read_plans).
        affected += conn.execute(
            sa.select(sa.func.count()).select_from(plan_values).where(plan_values.c.upload_id == upload_id)
        ).scalar_one()
    return affected


def _recompute_current(conn: Connection, upload_id: int) -> int:
    """Take an upload's current values back to observations and restore each key's latest live value before it.

    Returns how many current values changed: an upload's repeats of current values, and its values a later upload
    has revised since, are in observations already, and nothing current changes for them.
    """
    columns = "upload_id, metric_id, org_code, period, value, numerator, denominator"
    # What the upload's keys show now: kept to move to observations and to count afterwards what really changed.
    conn.execute(
        sa.text(
            f"CREATE TEMPORARY TABLE rollback_before AS SELECT {columns} FROM current_values WHERE upload_id = :id"
        ),
        {"id": upload_id},
    )
    conn.exec_driver_sql(f"INSERT INTO observations ({columns}) SELECT {columns} FROM rollback_before")
    conn.execute(sa.text("DELETE FROM current_values WHERE upload_id = :id"), {"id": upload_id})
    # Each key's latest value from an upload still live comes back from observations (the rolled-back upload's
    # own, just moved there, is excluded: its rollback is recorded).
    conn.exec_driver_sql(
        """
        CREATE TEMPORARY TABLE rollback_restored AS
        SELECT o.id, o.upload_id, o.metric_id, o.org_code, o.period, o.value, o.numerator, o.denominator
        FROM observations o
        JOIN (
            SELECT o2.metric_id, o2.org_code, o2.period, MAX(o2.upload_id) AS upload_id
            FROM observations o2
            JOIN rollback_before k
              ON k.metric_id = o2.metric_id AND k.org_code = o2.org_code AND k.period = o2.period
            WHERE o2.upload_id NOT IN (SELECT upload_id FROM rollbacks)
            GROUP BY o2.metric_id, o2.org_code, o2.period
        ) latest
          ON latest.metric_id = o.metric_id AND latest.org_code = o.org_code
         AND latest.period = o.period AND latest.upload_id = o.upload_id
        """
    )
    conn.exec_driver_sql(f"INSERT INTO current_values ({columns}) SELECT {columns} FROM rollback_restored")
    conn.exec_driver_sql("DELETE FROM observations WHERE id IN (SELECT id FROM rollback_restored)")
    differs = "IS DISTINCT FROM" if conn.dialect.name == "postgresql" else "IS NOT"
    # Every key left with a live value was current before, so comparing from the "before" side counts them all.
    changed = conn.exec_driver_sql(
        f"""
        SELECT COUNT(*) FROM rollback_before b LEFT JOIN current_values c
          ON c.metric_id = b.metric_id AND c.org_code = b.org_code AND c.period = b.period
        WHERE c.metric_id IS NULL OR c.value {differs} b.value
           OR c.numerator {differs} b.numerator OR c.denominator {differs} b.denominator
        """
    ).scalar_one()
    conn.exec_driver_sql("DROP TABLE rollback_restored")
    conn.exec_driver_sql("DROP TABLE rollback_before")
    return int(changed)


def read_current(
    engine: Engine,
    *,
    metric_ids: list[str] | None = None,
    org_codes: list[str] | None = None,
    periods: list[str] | None = None,
) -> pd.DataFrame:
    """Current values as a frame: period, org_code, metric_id, value, numerator, denominator, upload_id.

    Each filter given keeps only the rows it lists (the app reads the board's organisations, then one month
    or one metric of every provider, not a national store's million rows).
    """
    with engine.connect() as conn:
        return current_in(conn, metric_ids=metric_ids, org_codes=org_codes, periods=periods)


def current_in(
    conn: Connection,
    *,
    metric_ids: list[str] | None = None,
    org_codes: list[str] | None = None,
    periods: list[str] | None = None,
) -> pd.DataFrame:
    """read_current on an open connection, so it reads the same snapshot as the transaction's other reads."""
    query = sa.select(
        current_values.c.period,
        current_values.c.org_code,
        current_values.c.metric_id,
        current_values.c.value,
        current_values.c.numerator,
        current_values.c.denominator,
        current_values.c.upload_id,
    ).order_by(current_values.c.metric_id, current_values.c.org_code, current_values.c.period)
    if metric_ids is not None:
        query = query.where(current_values.c.metric_id.in_(metric_ids))
    if org_codes is not None:
        query = query.where(current_values.c.org_code.in_(org_codes))
    if periods is not None:
        query = query.where(current_values.c.period.in_(periods))
    if org_codes is not None and metric_ids is None:
        # The key starts with the metric: naming every stored metric lets the database seek each (metric,
        # organisation) pair instead of reading every row (the board's organisations in a national store:
        # 0.075 to 0.009 s on SQLite, read after every upload).
        query = query.where(current_values.c.metric_id.in_(_stored_metric_ids(conn)))
    return _frame(conn, query)


def _frame(conn: Connection, query: sa.Select) -> pd.DataFrame:
    """A query of current_values' columns as a frame: numbers as float64, upload_id as int64."""
    names = [c.name for c in query.selected_columns]
    chunks = []
    # Plain driver tuples: pandas probes each SQLAlchemy Row (or mapping) for its fields, which cost 13 s of a
    # 14 s read of a national-scale store (a million rows); tuples read in about 2 s. Chunks keep the Python
    # tuples small: a million at once peaked at 740 MB for an 80 MB frame.
    cursor = conn.execute(query).cursor
    while batch := cursor.fetchmany(100_000):
        chunks.append(pd.DataFrame(batch, columns=names))
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=names)
    for column in VALUE_COLUMNS:
        frame[column] = frame[column].astype("float64")
    frame["upload_id"] = frame["upload_id"].astype("int64")
    return frame


def _stored_metric_ids(conn: Connection) -> list[str]:
    """Every metric id in current_values, by one index seek per metric (a loose index scan), not a table scan."""
    rows = conn.exec_driver_sql(
        "WITH RECURSIVE stored(metric_id) AS ("
        " SELECT min(metric_id) FROM current_values"
        " UNION ALL SELECT (SELECT min(metric_id) FROM current_values WHERE metric_id > stored.metric_id)"
        " FROM stored WHERE stored.metric_id IS NOT NULL"
        ") SELECT metric_id FROM stored WHERE metric_id IS NOT NULL"
    )
    return [metric_id for (metric_id,) in rows]


def latest_period(engine: Engine, metric_id: str, *, up_to: str, excluding: list[str]) -> str | None:
    """The latest month up to `up_to` with a current value of the metric for an organisation not excluded."""
    query = sa.select(sa.func.max(current_values.c.period)).where(
        current_values.c.metric_id == metric_id,
        current_values.c.period <= up_to,
        current_values.c.org_code.not_in(excluding),
    )
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def value_history(engine: Engine, metric_id: str, org_code: str, period: str) -> pd.DataFrame:
    """Every value ever loaded for one key, oldest first, with the upload that set it and its status."""
    stored = sa.union_all(
        *(
            sa.select(table.c.upload_id, table.c.value, table.c.numerator, table.c.denominator).where(
                table.c.metric_id == metric_id, table.c.org_code == org_code, table.c.period == period
            )
            for table in (observations, current_values)
        )
    ).subquery()
    query = (
        sa.select(
            stored.c.upload_id,
            uploads.c.file_name,
            uploads.c.uploaded_by,
            uploads.c.uploaded_at,
            stored.c.value,
            stored.c.numerator,
            stored.c.denominator,
            rollbacks.c.rolled_back_at,
        )
        .select_from(
            stored.join(uploads, uploads.c.id == stored.c.upload_id).outerjoin(
                rollbacks, rollbacks.c.upload_id == uploads.c.id
            )
        )
        .order_by(stored.c.upload_id)
    )
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # One key's rows are always few: read them through the BRIN key index. Before autovacuum has analysed
            # a new store the planner cannot tell, and scanned every observation instead (0.1 s per million).
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return pd.DataFrame(conn.execute(query).all(), columns=[c.name for c in query.selected_columns])
