"""Engines, the schema's creation and migration, deleted-file detection, and the one write transaction."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from perfdash.store.bulk import detach_staging
from perfdash.store.schema import (
    COMMENTARY_VERSION,
    DEFAULT_SQLITE_PATH,
    EVERY_DIALECT,
    MIGRATIONS,
    SCHEMA_VERSION,
    VALUES_VERSION,
    StoreError,
    meta_table,
    metadata,
    sqlite_file_path,
)

# How long a write waits for another write before saying the store is busy (seconds).
BUSY_TIMEOUT_S = float(os.environ.get("PERFDASH_BUSY_TIMEOUT", "20"))
# PostgreSQL: give up on an unreachable server, and on any one statement, instead of hanging.
CONNECT_TIMEOUT_S = int(os.environ.get("PERFDASH_CONNECT_TIMEOUT", "5"))
STATEMENT_TIMEOUT_S = int(os.environ.get("PERFDASH_STATEMENT_TIMEOUT", "600"))


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
        # 16 KB pages for a new store: a million-row load writes fewer, fuller B-tree pages (about 10% less CPU in
        # the insert and commit); an existing store keeps its page size (WAL mode cannot change it).
        cursor.execute("PRAGMA page_size=16384")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A 16 MB page cache: bulk loads append in key order and reads come from the OS's file cache, so a bigger
        # one (64 MB was tried) only raised a million-row load's peak memory by 48 MB, and slowed its commit.
        cursor.execute("PRAGMA cache_size=-16384")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    sa.event.listen(engine, "checkin", detach_staging)

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


def _remember_file(engine: Engine) -> None:
    path = sqlite_file_path(engine)
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
        steps = MIGRATIONS[version]
        for statement in [*steps.get(EVERY_DIALECT, []), *steps.get(conn.dialect.name, [])]:
            conn.exec_driver_sql(statement)
    conn.execute(meta_table.update().where(meta_table.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))


def _lock(conn: Connection) -> None:
    """Serialise writers: SQLite already holds BEGIN IMMEDIATE; PostgreSQL takes an advisory lock."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7241)")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bump_version(conn: Connection, key: str) -> None:
    conn.execute(
        meta_table.update()
        .where(meta_table.c.key == key)
        .values(value=sa.cast(sa.cast(meta_table.c.value, sa.Integer) + 1, sa.String))
    )


# The write transaction open in this thread or task, so writes nested inside it (service.commit_files) join it;
# its last item says whether a write block has already finished inside it (see untouched).
_ACTIVE_WRITE: ContextVar[tuple[Engine, Connection, str, dict[str, bool]] | None] = ContextVar(
    "perfdash_active_write", default=None
)


@contextmanager
def write_transaction(engine: Engine, *, bumps: str = VALUES_VERSION) -> Iterator[Connection]:
    """One serialised write transaction: all of it lands, or none of it; it bumps one version on success.

    Nested calls (service.commit_files) join the outer transaction.
    """
    active = _ACTIVE_WRITE.get()
    if active is not None and active[0] is engine:
        yield active[1]
        active[3]["written"] = True
        if bumps != active[2]:
            _bump_version(active[1], bumps)
        return
    check_same_file(engine)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{_WRITE_OPTION: True})
            with conn.begin():
                _lock(conn)
                token = _ACTIVE_WRITE.set((engine, conn, bumps, {"written": False}))
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
        return versions_in(conn)


def versions_in(conn: Connection) -> Versions:
    """The versions as this connection's transaction sees them."""
    rows = dict(
        conn.execute(
            sa.select(meta_table.c.key, meta_table.c.value).where(
                meta_table.c.key.in_([VALUES_VERSION, COMMENTARY_VERSION])
            )
        ).all()
    )
    return Versions(values=int(rows[VALUES_VERSION]), commentary=int(rows[COMMENTARY_VERSION]))


def untouched(conn: Connection) -> bool:
    """True inside a write transaction on conn in which no write block has finished yet.

    Until then the store is as its version says: an earlier file of the same transaction (service.commit_files)
    changes values without a new version, which is bumped only when the whole transaction commits.
    """
    active = _ACTIVE_WRITE.get()
    return active is not None and active[1] is conn and not active[3]["written"]
