"""Storage: the only module with SQL. SQLite by default, PostgreSQL for deployments.

Every load is an upload; every value row is kept for ever. `current_values` is an index of which
observation is current for each (metric, organisation, month): the latest upload not rolled back.
Two versions in `meta` go up on every write so caches in every process can key on them: `values_version`
for uploads and rollbacks, `commentary_version` for comments (a comment must not make replicas re-read values).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from perfdash.config import PROJECT_ROOT

# The rest of perfdash names SQLAlchemy's types through these aliases: only this module imports sqlalchemy
# (an import-linter contract in pyproject.toml holds us to it).
__all__ = ["DatabaseError", "Engine"]
DatabaseError = sa.exc.SQLAlchemyError

SCHEMA_VERSION = 2
# What each schema version added, applied in order to an older database (SQLite and PostgreSQL alike).
MIGRATIONS = {
    2: [
        "ALTER TABLE uploads ADD COLUMN origin VARCHAR(32) NOT NULL DEFAULT ''",
        "ALTER TABLE uploads ADD COLUMN source VARCHAR(255) NOT NULL DEFAULT ''",
        "ALTER TABLE uploads ADD COLUMN file_status VARCHAR(64) NOT NULL DEFAULT ''",
        # Version 1 stores held the demo under its file name; say so, so it can be withdrawn.
        "UPDATE uploads SET origin = 'synthetic demo', source = 'perfdash synthetic demo' "
        "WHERE file_name = 'synthetic-demo-data.csv'",
    ],
}
# Where a value came from: a published statistic, an organisation's own return, or made-up demo data.
ORIGIN_PUBLICATION = "publication"
ORIGIN_RETURN = "trust return"
ORIGIN_DEMO = "synthetic demo"
VALUES_VERSION = "values_version"
COMMENTARY_VERSION = "commentary_version"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "perfdash.sqlite"
KEY = ["metric_id", "org_code", "period"]
VALUE_COLUMNS = ["value", "numerator", "denominator"]

# Every bounded text field and its most characters, in one place: the columns below are declared from it,
# and check_lengths refuses longer text before writing, so SQLite (which would store anything) and
# PostgreSQL (which would raise DataError mid-transaction) behave the same.
FIELD_LENGTHS: dict[str, int] = {
    "file_name": 255,
    "sha256": 64,
    "format": 64,
    "user": 255,
    "owner": 255,
    "note": 2000,
    "reason": 2000,
    "narrative": 4000,
    "action": 4000,
    "metric_id": 64,
    "org_code": 16,
}
FIELD_LABELS = {"user": "the user name", "file_name": "the file name", "note": "the note", "reason": "the reason"}
# How long a write waits for another write before saying the store is busy (seconds).
BUSY_TIMEOUT_S = float(os.environ.get("PERFDASH_BUSY_TIMEOUT", "20"))
# PostgreSQL: give up on an unreachable server, and on any one statement, instead of hanging.
CONNECT_TIMEOUT_S = int(os.environ.get("PERFDASH_CONNECT_TIMEOUT", "5"))
STATEMENT_TIMEOUT_S = int(os.environ.get("PERFDASH_STATEMENT_TIMEOUT", "600"))

metadata = sa.MetaData()

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)
uploads = sa.Table(
    "uploads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.String(FIELD_LENGTHS["file_name"]), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("format", sa.String(64), nullable=False),
    sa.Column("uploaded_by", sa.String(FIELD_LENGTHS["user"]), nullable=False),
    sa.Column("uploaded_at", sa.String(32), nullable=False),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("n_added", sa.Integer, nullable=False),
    sa.Column("n_revised", sa.Integer, nullable=False),
    sa.Column("n_unchanged", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("first_observation_id", sa.Integer),
    sa.Column("last_observation_id", sa.Integer),
    # Provenance: publication / trust return / synthetic demo; the format's name; the file's own status.
    sa.Column("origin", sa.String(32), nullable=False, default="", server_default=""),
    sa.Column("source", sa.String(255), nullable=False, default="", server_default=""),
    sa.Column("file_status", sa.String(64), nullable=False, default="", server_default=""),
)
rollbacks = sa.Table(
    "rollbacks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False, unique=True),
    sa.Column("rolled_back_by", sa.String(FIELD_LENGTHS["user"]), nullable=False),
    sa.Column("rolled_back_at", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
)
observations = sa.Table(
    "observations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
    sa.Column("metric_id", sa.String(64), nullable=False),
    sa.Column("org_code", sa.String(16), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("numerator", sa.Float),
    sa.Column("denominator", sa.Float),
    # No index on upload_id: an upload's rows have contiguous ids (one transaction), kept on the upload.
    sa.Index("ix_observations_key", "metric_id", "org_code", "period", "upload_id"),
)
current_values = sa.Table(
    "current_values",
    metadata,
    sa.Column("metric_id", sa.String(64), primary_key=True),
    sa.Column("org_code", sa.String(16), primary_key=True),
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("upload_id", sa.Integer, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("numerator", sa.Float),
    sa.Column("denominator", sa.Float),
    # One B-tree keyed by (metric, org, month) instead of a rowid table plus its primary-key index.
    sqlite_with_rowid=False,
)
commentary = sa.Table(
    "commentary",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("metric_id", sa.String(64), nullable=False),
    sa.Column("org_code", sa.String(16), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("narrative", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False, default=""),
    sa.Column("owner", sa.String(FIELD_LENGTHS["owner"]), nullable=False, default=""),
    sa.Column("due", sa.String(10), nullable=False, default=""),
    sa.Column("author", sa.String(FIELD_LENGTHS["user"]), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Index("ix_commentary_key", "metric_id", "org_code", "period", "id"),
)
provider_reference = sa.Table(
    "provider_reference",
    metadata,
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False, index=True),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("icb_code", sa.String(16), nullable=False),
    sa.Column("icb_name", sa.String(255), nullable=False),
    sa.Column("region", sa.String(128), nullable=False),
)


# Monthly plan values (trajectories) from operating plans; an upload of a plan file writes here, not to
# observations. The current plan for a key is the latest live upload's row, found when read (plans are small).
plan_values = sa.Table(
    "plan_values",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False, index=True),
    sa.Column("metric_id", sa.String(64), nullable=False),
    sa.Column("org_code", sa.String(16), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("plan", sa.Float, nullable=False),
    sa.Index("ix_plan_values_key", "metric_id", "org_code", "period", "upload_id"),
)
PLAN_COLUMNS = ["period", "org_code", "metric_id", "plan", "upload_id"]


class StoreError(RuntimeError):
    """A storage problem explained for the user (wrong schema version, unreachable database)."""


class FieldTooLongError(StoreError):
    """Text longer than its field allows (FIELD_LENGTHS); nothing was written."""


def check_lengths(**fields: str | None) -> None:
    """Refuse text longer than FIELD_LENGTHS allows, naming the field, before anything is written."""
    for name, text in fields.items():
        limit = FIELD_LENGTHS[name]
        if text is not None and len(text) > limit:
            what = FIELD_LABELS.get(name, f"the {name.replace('_', ' ')}")
            raise FieldTooLongError(f"{what[0].upper()}{what[1:]} is {len(text):,} characters; the most is {limit:,}.")


@dataclass(frozen=True)
class CommitResult:
    """What a commit did."""

    upload_id: int | None
    added: int
    revised: int
    unchanged: int
    duplicate_of: int | None = None  # set when the same file (SHA-256) was already loaded


def database_url(url: str | None = None) -> str:
    """The URL to use: explicit, else PERFDASH_DATABASE_URL, else the SQLite file under data/."""
    url = url or os.environ.get("PERFDASH_DATABASE_URL")
    if url:
        # SQLAlchemy 2.1 maps postgresql:// to psycopg 3 already; accept the explicit form too.
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def missing_sqlite_file(url: str) -> str | None:
    """The path of a SQLite database file that does not exist (checking must not create an empty one)."""
    parsed = sa.engine.make_url(url)
    is_file = parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
    return parsed.database if is_file and not os.path.exists(parsed.database) else None


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (deferred for reads, IMMEDIATE for writes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A 64 MB page cache: bulk loads append in key order, so a bigger one only raised peak memory.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    sa.event.listen(engine, "checkin", _detach_staging)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # In WAL mode a deferred read sees a snapshot and never waits for a writer; only writes take the
        # write lock up front (IMMEDIATE), so two writers queue instead of failing half-way.
        writing = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


_WRITE_OPTION = "perfdash_write"
_ENGINES: dict[str, Engine] = {}
# The (device, inode) of each SQLite file when its engine was made: a write refuses a replaced or deleted file.
_FILE_IDENTITY: dict[Engine, tuple[str, tuple[int, int]]] = {}


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process, with the schema made on first use."""
    resolved = database_url(url)
    engine = _ENGINES.get(resolved)
    if engine is None:
        try:
            engine = _create_engine(resolved)
        except (sa.exc.ArgumentError, ValueError) as error:
            raise StoreError(
                f"--database {resolved!r} is not a database URL ({error}); write e.g. "
                "sqlite:///data/perfdash.sqlite or postgresql://user@host/db"
            ) from None
        except ModuleNotFoundError as error:
            raise StoreError(
                f"Cannot use the database {resolved!r}: the driver {error.name} is not installed"
            ) from None
        try:
            ensure_schema(engine)
        except sa.exc.SQLAlchemyError as error:
            engine.dispose()
            raise StoreError(f"Cannot open the database {engine.url.render_as_string()}: {explain(error)}") from None
        _remember_file(engine)
        _ENGINES[resolved] = engine
    return engine


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    parsed = sa.engine.make_url(url)
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "postgresql":
        # libpq: fail fast when the server does not answer; the server: no statement runs for ever.
        connect_args = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}",
        }
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_path(engine: Engine) -> str | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return os.path.abspath(database)


def _remember_file(engine: Engine) -> None:
    path = _sqlite_path(engine)
    if path is not None:
        status = os.stat(path)
        _FILE_IDENTITY[engine] = (path, (status.st_dev, status.st_ino))


def check_same_file(engine: Engine) -> None:
    """Refuse to go on when the SQLite file was deleted or replaced after the app opened it."""
    known = _FILE_IDENTITY.get(engine)
    if known is None:
        return
    path, identity = known
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise StoreError(
            f"The database file {path} has been deleted since perfdash opened it; nothing was written. "
            "Restore the file (or restart perfdash to start a new one)."
        ) from None
    if (status.st_dev, status.st_ino) != identity:
        raise StoreError(
            f"The database file {path} has been replaced since perfdash opened it; nothing was written. "
            "Restart perfdash to use the new file."
        )


def explain(error: BaseException) -> str:
    """A database error in one line an operator understands (the driver's own words after a colon)."""
    original = getattr(error, "orig", None) or error
    text = " ".join(str(original).split())
    lowered = text.lower()
    if "database is locked" in lowered or "lock timeout" in lowered or "statement timeout" in lowered:
        return (
            f"the database is busy with another write for more than {BUSY_TIMEOUT_S:g} s; nothing was written, "
            "try again in a minute"
        )
    if "file is not a database" in lowered or "malformed" in lowered or "disk image" in lowered:
        return f"the database file is damaged or not a database ({text}); restore it from a backup"
    if "disk is full" in lowered or "no space left" in lowered:
        return "the disk is full; nothing was written. Free some space and try again"
    if "readonly database" in lowered or "read-only" in lowered:
        return "the database is read-only for this user; nothing was written. Check the file's permissions"
    if "unable to open database file" in lowered:
        return f"the database file cannot be opened ({text}); check the folder exists and is writable"
    if "timeout expired" in lowered or "connection refused" in lowered or "could not connect" in lowered:
        return f"the database server did not answer within {CONNECT_TIMEOUT_S} s ({text})"
    return text[:300]


def dispose_engines() -> None:
    """Close every pooled connection (tests and the CLI call this before exit)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
    _FILE_IDENTITY.clear()


def ensure_schema(engine: Engine) -> None:
    """Create the tables on first use and refuse a database made by a different schema version."""
    with engine.connect() as conn:
        # A read first: opening an existing store must not queue behind a long write.
        if sa.inspect(conn).has_table(meta_table.name):
            found = dict(conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())
            current = found.get("schema_version") == str(SCHEMA_VERSION)
            versions = VALUES_VERSION in found and COMMENTARY_VERSION in found
            if current and versions and all(sa.inspect(conn).has_table(t) for t in metadata.tables):
                return
    with engine.connect() as conn, conn.execution_options(**{_WRITE_OPTION: True}).begin():
        _lock(conn)
        metadata.create_all(conn)
        rows = dict(conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())
        if "schema_version" not in rows:
            conn.execute(meta_table.insert(), [{"key": "schema_version", "value": str(SCHEMA_VERSION)}])
        elif rows["schema_version"] in {str(v) for v in range(1, SCHEMA_VERSION)}:
            _migrate(conn, int(rows["schema_version"]))
        elif rows["schema_version"] != str(SCHEMA_VERSION):
            raise StoreError(
                f"The database has schema version {rows['schema_version']}, this perfdash expects "
                f"{SCHEMA_VERSION}. Export with the older version and load into a new database."
            )
        if VALUES_VERSION not in rows and "data_version" in rows:
            # A store from before the split: its single data_version carries on as the values version.
            conn.execute(meta_table.update().where(meta_table.c.key == "data_version").values(key=VALUES_VERSION))
            rows[VALUES_VERSION] = rows.pop("data_version")
        missing = [{"key": key, "value": "0"} for key in (VALUES_VERSION, COMMENTARY_VERSION) if key not in rows]
        if missing:
            conn.execute(meta_table.insert(), missing)


def _migrate(conn: Connection, found: int) -> None:
    """Bring an older database up to SCHEMA_VERSION in the same transaction that checked it."""
    for version in range(found + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[version]:
            conn.exec_driver_sql(statement)
    conn.execute(meta_table.update().where(meta_table.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))


def _lock(conn: Connection) -> None:
    """Serialise writers: SQLite already holds BEGIN IMMEDIATE; PostgreSQL takes an advisory lock."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7241)")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bump_version(conn: Connection, key: str) -> None:
    conn.execute(
        meta_table.update()
        .where(meta_table.c.key == key)
        .values(value=sa.cast(sa.cast(meta_table.c.value, sa.Integer) + 1, sa.String))
    )


# The write transaction open in this thread or task, so writes nested inside it (commit_many) join it.
_ACTIVE_WRITE: ContextVar[tuple[Engine, Connection, str] | None] = ContextVar("perfdash_active_write", default=None)


@contextmanager
def write_transaction(engine: Engine, *, bumps: str = VALUES_VERSION) -> Iterator[Connection]:
    """One serialised write transaction: all of it lands, or none of it; it bumps one version on success.

    Nested calls (commit_many) join the outer transaction.
    """
    active = _ACTIVE_WRITE.get()
    if active is not None and active[0] is engine:
        yield active[1]
        if bumps != active[2]:
            _bump_version(active[1], bumps)
        return
    check_same_file(engine)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{_WRITE_OPTION: True})
            with conn.begin():
                _lock(conn)
                token = _ACTIVE_WRITE.set((engine, conn, bumps))
                try:
                    yield conn
                finally:
                    _ACTIVE_WRITE.reset(token)
                _bump_version(conn, bumps)
                # Checked again just before COMMIT: a file deleted during the write loses nothing silently.
                check_same_file(engine)
    except sa.exc.OperationalError as error:
        raise StoreError(explain(error)) from None
    except sa.exc.DataError as error:
        raise StoreError(f"A value does not fit the database: {explain(error)}") from None


@dataclass(frozen=True)
class Versions:
    """The store's versions: `values` changes on uploads and rollbacks, `commentary` when a comment is saved."""

    values: int
    commentary: int


def versions(engine: Engine) -> Versions:
    """Both versions in one single-row-per-key query, cheap enough to read on every page render."""
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                sa.select(meta_table.c.key, meta_table.c.value).where(
                    meta_table.c.key.in_([VALUES_VERSION, COMMENTARY_VERSION])
                )
            ).all()
        )
    return Versions(values=int(rows[VALUES_VERSION]), commentary=int(rows[COMMENTARY_VERSION]))


def _active_upload_ids(conn: Connection) -> sa.Select:
    return sa.select(uploads.c.id).where(uploads.c.id.not_in(sa.select(rollbacks.c.upload_id)))


def find_active_upload_by_hash(conn: Connection, sha256: str) -> int | None:
    """The id of a live upload with this SHA-256, if any."""
    return conn.execute(
        sa.select(sa.func.max(uploads.c.id)).where(
            uploads.c.sha256 == sha256, uploads.c.id.in_(_active_upload_ids(conn))
        )
    ).scalar()


def current_for_keys(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """Current values for the metrics and months present in rows (a superset of their keys)."""
    metric_ids = sorted(rows["metric_id"].unique().tolist())
    periods = sorted(rows["period"].unique().tolist())
    if not metric_ids:
        return pd.DataFrame(columns=[*KEY, *VALUE_COLUMNS, "upload_id"])
    query = sa.select(current_values).where(
        current_values.c.metric_id.in_(metric_ids), current_values.c.period.in_(periods)
    )
    return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in current_values.columns])


def classify_changes(rows: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Each incoming row labelled new, revised or unchanged against current values (old values kept)."""
    if current.empty:
        # First load of these months: everything is new (skips a million-row merge).
        return rows.assign(
            old_value=np.nan, old_numerator=np.nan, old_denominator=np.nan, old_upload_id=np.nan, change="new"
        )
    merged = rows.merge(
        current[[*KEY, *VALUE_COLUMNS, "upload_id"]].rename(
            columns={
                "value": "old_value",
                "numerator": "old_numerator",
                "denominator": "old_denominator",
                "upload_id": "old_upload_id",
            }
        ),
        on=KEY,
        how="left",
    )
    is_new = merged["old_value"].isna()
    same = (
        _same(merged["value"], merged["old_value"])
        & _same(merged["numerator"], merged["old_numerator"])
        & _same(merged["denominator"], merged["old_denominator"])
    )
    merged["change"] = "revised"
    merged.loc[same, "change"] = "unchanged"
    merged.loc[is_new, "change"] = "new"
    return merged


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
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
) -> CommitResult:
    """Record an upload and its values in one serialised transaction; a repeat of a live file is a no-op."""
    rows = rows[[*KEY, *VALUE_COLUMNS]].reset_index(drop=True)
    with write_transaction(engine) as conn:
        duplicate = find_active_upload_by_hash(conn, sha256)
        if duplicate is not None:
            # Nothing changes; raising rolls back the version bump too.
            raise _DuplicateFileError(duplicate)
        changes = classify_changes(rows, current_for_keys(conn, rows))
        counts = changes["change"].value_counts()
        upload_id = conn.execute(
            uploads.insert().values(
                file_name=file_name[:255],
                sha256=sha256,
                format=file_format,
                uploaded_by=uploaded_by,
                uploaded_at=_now(),
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
        first_id, last_id = _insert_observations(conn, upload_id, rows)
        conn.execute(
            uploads.update()
            .where(uploads.c.id == upload_id)
            .values(first_observation_id=first_id, last_observation_id=last_id)
        )
        _upsert_current(conn, upload_id, first_id, last_id)
        if reference is not None:
            _insert_frame(conn, provider_reference, reference.assign(upload_id=upload_id))
    return CommitResult(
        upload_id, int(counts.get("new", 0)), int(counts.get("revised", 0)), int(counts.get("unchanged", 0))
    )


@dataclass(frozen=True)
class Batch:
    """One file's rows and upload details for commit_many (the keyword arguments of commit_rows)."""

    rows: pd.DataFrame
    file_name: str
    sha256: str
    file_format: str
    uploaded_by: str
    note: str = ""
    reference: pd.DataFrame | None = None


def commit_many(engine: Engine, batches: list[Batch]) -> list[CommitResult]:
    """Several files as several uploads in ONE transaction: every one lands, or none does."""
    for batch in batches:
        check_lengths(file_name=batch.file_name, user=batch.uploaded_by, note=batch.note)
    results = []
    with write_transaction(engine):
        # commit_rows' own write_transaction joins this one, so a failure in any file undoes them all.
        for batch in batches:
            results.append(
                commit(
                    engine,
                    batch.rows,
                    file_name=batch.file_name,
                    sha256=batch.sha256,
                    file_format=batch.file_format,
                    uploaded_by=batch.uploaded_by,
                    note=batch.note,
                    reference=batch.reference,
                )
            )
    return results


class _DuplicateFileError(Exception):
    def __init__(self, upload_id: int) -> None:
        self.upload_id = upload_id


def commit(engine: Engine, rows: pd.DataFrame, **kwargs: object) -> CommitResult:
    """commit_rows, reporting an identical earlier file instead of loading it twice."""
    try:
        return commit_rows(engine, rows, **kwargs)  # type: ignore[arg-type]
    except _DuplicateFileError as duplicate:
        return CommitResult(None, 0, 0, 0, duplicate_of=duplicate.upload_id)


def _insert_frame(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    columns = [c.name for c in table.columns if c.name in frame.columns]
    if frame.empty:
        return
    # Plain tuples through the driver's executemany are several times faster than Core's dict binding;
    # NaN becomes NULL (SQLite does that itself, PostgreSQL would store a float NaN).
    lists = [frame[c].tolist() for c in columns]
    if conn.dialect.name != "sqlite":
        lists = [[None if isinstance(v, float) and v != v else v for v in values] for values in lists]
    placeholders = ", ".join(["%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"] * len(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    conn.exec_driver_sql(sql, list(zip(*lists, strict=True)))


def _insert_observations(conn: Connection, upload_id: int, rows: pd.DataFrame) -> tuple[int | None, int | None]:
    """Insert an upload's rows in key order (appends to the index) and return their id range."""
    # SQLite attaches at most 10 databases and a scratch one stays attached until the transaction ends, so
    # a transaction holding many files (several uploads committed together) loads the rest row by row.
    staged = len(conn.connection.info.get(_STAGING, []))
    if len(rows) >= BULK_ROWS and conn.dialect.name == "postgresql":
        _copy_postgres(conn, _arrow_rows(rows, upload_id))
    elif len(rows) >= BULK_ROWS and conn.dialect.name == "sqlite" and staged < _MAX_STAGED:
        _insert_staged_sqlite(conn, _arrow_rows(rows, upload_id))
    else:
        _insert_frame(conn, observations, rows.assign(upload_id=upload_id).sort_values(KEY))
    first, last = conn.execute(
        sa.select(sa.func.min(observations.c.id), sa.func.max(observations.c.id)).where(
            observations.c.id
            > sa.select(sa.func.coalesce(sa.func.max(uploads.c.last_observation_id), 0))
            .where(uploads.c.id < upload_id)
            .scalar_subquery()
        )
    ).one()
    return first, last


# Below this many rows a plain executemany is as fast as staging through Arrow, and simpler.
BULK_ROWS = 20_000
_OBSERVATION_COLUMNS = ["upload_id", *KEY, *VALUE_COLUMNS]
_STAGING = "perfdash_staging"
_STAGING_PREFIX = "perfdash-staging-"
_MAX_STAGED = 8


def _arrow_rows(rows: pd.DataFrame, upload_id: int) -> pa.Table:
    """The rows as an Arrow table in key order (NaN is null), columns as in observations."""
    table = pa.Table.from_pandas(rows[[*KEY, *VALUE_COLUMNS]], preserve_index=False)
    table = table.append_column("upload_id", pa.array(np.full(len(rows), upload_id, dtype=np.int64)))
    return table.select(_OBSERVATION_COLUMNS).sort_by([(column, "ascending") for column in KEY])


def _insert_staged_sqlite(conn: Connection, table: pa.Table) -> None:
    """SQLite's COPY: ADBC writes the rows to a scratch database file in C, which this transaction attaches.

    The scratch file is private and outside the store, so the write itself stays one transaction on the
    store's own connection (all-or-nothing, BEGIN IMMEDIATE); SQLite cannot detach a database inside a
    transaction, so it is detached and deleted when the connection goes back to the pool.
    """
    import adbc_driver_sqlite.dbapi

    _remove_orphaned_staging()
    handle, path = tempfile.mkstemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", suffix=".sqlite")
    os.close(handle)
    with adbc_driver_sqlite.dbapi.connect(path, autocommit=True) as scratch, scratch.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.adbc_ingest("rows", table, mode="create")
    staged = conn.connection.info.setdefault(_STAGING, [])
    schema = f"{_STAGING}_{len(staged)}"
    staged.append((schema, path))
    conn.exec_driver_sql(f"ATTACH DATABASE ? AS {schema}", (path,))
    columns = ", ".join(_OBSERVATION_COLUMNS)
    conn.exec_driver_sql(f"INSERT INTO observations ({columns}) SELECT {columns} FROM {schema}.rows ORDER BY rowid")


def _remove_orphaned_staging() -> None:
    """Delete scratch files left by a load that was killed (their process is gone)."""
    for path in Path(tempfile.gettempdir()).glob(f"{_STAGING_PREFIX}*.sqlite"):
        pid = path.name.removeprefix(_STAGING_PREFIX).split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            path.unlink(missing_ok=True)


def _detach_staging(dbapi_connection, record) -> None:
    """Pool check-in: the transaction is over, so the scratch databases can be detached and deleted."""
    for schema, path in record.info.pop(_STAGING, []):
        try:
            dbapi_connection.execute(f"DETACH DATABASE {schema}")
        finally:
            os.remove(path)


def _copy_postgres(conn: Connection, table: pa.Table) -> None:
    """COPY FROM STDIN on the transaction's own connection, fed CSV that Arrow writes in C."""
    import pyarrow.csv as pcsv

    statement = f"COPY observations ({', '.join(_OBSERVATION_COLUMNS)}) FROM STDIN (FORMAT csv)"
    options = pcsv.WriteOptions(include_header=False)
    dbapi = conn.dialect.loaded_dbapi
    try:
        with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for batch in table.to_batches(max_chunksize=100_000):
                buffer = io.BytesIO()
                pcsv.write_csv(batch, buffer, options)
                copy.write(buffer.getbuffer())
    except dbapi.Error as error:
        # Raised as SQLAlchemy raises every other statement's error (IntegrityError, DataError...).
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi.Error) from error


def _upsert_current(conn: Connection, upload_id: int, first_id: int | None, last_id: int | None) -> None:
    """Point current_values at this upload's rows where they are new or differ."""
    if first_id is None:
        return
    differs = "IS DISTINCT FROM" if conn.dialect.name == "postgresql" else "IS NOT"
    conn.execute(
        sa.text(
            f"""
            INSERT INTO current_values (metric_id, org_code, period, upload_id, value, numerator, denominator)
            SELECT metric_id, org_code, period, upload_id, value, numerator, denominator
            FROM observations WHERE id BETWEEN :first_id AND :last_id
            ON CONFLICT (metric_id, org_code, period) DO UPDATE SET
                upload_id = excluded.upload_id, value = excluded.value,
                numerator = excluded.numerator, denominator = excluded.denominator
            WHERE current_values.value {differs} excluded.value
               OR current_values.numerator {differs} excluded.numerator
               OR current_values.denominator {differs} excluded.denominator
            """
        ),
        {"first_id": first_id, "last_id": last_id},
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
            rollbacks.insert().values(upload_id=upload_id, rolled_back_by=by, rolled_back_at=_now(), reason=reason)
        )
        affected = _recompute_current(conn, upload_id)
        # Plans need no index rebuilt: the current plan is read from live uploads (see read_plans).
        affected += conn.execute(
            sa.select(sa.func.count()).select_from(plan_values).where(plan_values.c.upload_id == upload_id)
        ).scalar_one()
    return affected


def _recompute_current(conn: Connection, upload_id: int) -> int:
    """Rebuild current_values for the keys an upload touched, from the latest live observation.

    Returns how many current values changed: an upload's unchanged rows, and keys a later upload has set
    since, keep their value and are not counted.
    """
    first_id, last_id = conn.execute(
        sa.select(uploads.c.first_observation_id, uploads.c.last_observation_id).where(uploads.c.id == upload_id)
    ).one()
    if first_id is None:
        return 0
    span = {"first_id": first_id, "last_id": last_id}
    # What the touched keys show now, kept in a temporary table to count afterwards what really changed.
    conn.execute(
        sa.text(
            """
            CREATE TEMPORARY TABLE rollback_before AS
            SELECT metric_id, org_code, period, value, numerator, denominator FROM current_values WHERE EXISTS (
                SELECT 1 FROM observations o WHERE o.id BETWEEN :first_id AND :last_id
                AND o.metric_id = current_values.metric_id AND o.org_code = current_values.org_code
                AND o.period = current_values.period)
            """
        ),
        span,
    )
    # Delete the touched keys from the index, then re-insert the latest live observation for each.
    conn.execute(
        sa.text(
            """
            DELETE FROM current_values WHERE EXISTS (
                SELECT 1 FROM observations o WHERE o.id BETWEEN :first_id AND :last_id
                AND o.metric_id = current_values.metric_id AND o.org_code = current_values.org_code
                AND o.period = current_values.period)
            """
        ),
        span,
    )
    conn.execute(
        sa.text(
            """
            INSERT INTO current_values (metric_id, org_code, period, upload_id, value, numerator, denominator)
            SELECT o.metric_id, o.org_code, o.period, o.upload_id, o.value, o.numerator, o.denominator
            FROM observations o
            JOIN (
                SELECT o2.metric_id, o2.org_code, o2.period, MAX(o2.upload_id) AS upload_id
                FROM observations o2
                JOIN (SELECT DISTINCT metric_id, org_code, period FROM observations
                      WHERE id BETWEEN :first_id AND :last_id) k
                  ON k.metric_id = o2.metric_id AND k.org_code = o2.org_code AND k.period = o2.period
                WHERE o2.upload_id NOT IN (SELECT upload_id FROM rollbacks)
                GROUP BY o2.metric_id, o2.org_code, o2.period
            ) latest
              ON latest.metric_id = o.metric_id AND latest.org_code = o.org_code
             AND latest.period = o.period AND latest.upload_id = o.upload_id
            """
        ),
        span,
    )
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
    conn.exec_driver_sql("DROP TABLE rollback_before")
    return int(changed)


def read_current(
    engine: Engine, *, metric_ids: list[str] | None = None, org_codes: list[str] | None = None
) -> pd.DataFrame:
    """Current values as a frame: period, org_code, metric_id, value, numerator, denominator, upload_id."""
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
    names = [c.name for c in query.selected_columns]
    chunks = []
    with engine.connect() as conn:
        # Plain driver tuples: pandas probes each SQLAlchemy Row for namedtuple fields, which cost 13 s of a
        # 14 s read of a national-scale store (a million rows); tuples read in about 2 s. Chunks keep the
        # Python tuples small: a million at once peaked at 740 MB for an 80 MB frame.
        cursor = conn.execute(query).cursor
        while batch := cursor.fetchmany(100_000):
            chunks.append(pd.DataFrame(batch, columns=names))
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=names)
    for column in VALUE_COLUMNS:
        frame[column] = frame[column].astype("float64")
    frame["upload_id"] = frame["upload_id"].astype("int64")
    return frame


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


def value_history(engine: Engine, metric_id: str, org_code: str, period: str) -> pd.DataFrame:
    """Every value ever loaded for one key, oldest first, with the upload that set it and its status."""
    query = (
        sa.select(
            observations.c.upload_id,
            uploads.c.file_name,
            uploads.c.uploaded_by,
            uploads.c.uploaded_at,
            observations.c.value,
            observations.c.numerator,
            observations.c.denominator,
            rollbacks.c.rolled_back_at,
        )
        .select_from(
            observations.join(uploads, uploads.c.id == observations.c.upload_id).outerjoin(
                rollbacks, rollbacks.c.upload_id == uploads.c.id
            )
        )
        .where(
            observations.c.metric_id == metric_id,
            observations.c.org_code == org_code,
            observations.c.period == period,
        )
        .order_by(observations.c.upload_id)
    )
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=[c.name for c in query.selected_columns])


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
                created_at=_now(),
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
    merged.loc[_same(merged["plan"], merged["old_plan"]), "change"] = "unchanged"
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
            raise _DuplicateFileError(duplicate)
        counts = classify_plan_changes(rows, read_plans(conn))["change"].value_counts()
        upload_id = conn.execute(
            uploads.insert().values(
                file_name=file_name[:255],
                sha256=sha256,
                format="plan",
                uploaded_by=uploaded_by,
                uploaded_at=_now(),
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
    except _DuplicateFileError as duplicate:
        return CommitResult(None, 0, 0, 0, duplicate_of=duplicate.upload_id)
