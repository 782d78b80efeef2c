"""Bulk writes without a Python object per row: ADBC into a scratch SQLite file, COPY into PostgreSQL."""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from perfdash.store.schema import KEY, KEY_LENGTHS, VALUE_COLUMNS, key_text, sqlite_file_path


def insert_frame(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """Insert a frame's rows with one executemany of plain tuples (small writes)."""
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


# Below this many rows a plain executemany is as fast as staging through Arrow, and simpler.
BULK_ROWS = 20_000
_OBSERVATION_COLUMNS = ["upload_id", *KEY, *VALUE_COLUMNS]
STAGING = "perfdash_staging"
_STAGING_PREFIX = "perfdash-staging-"
MAX_STAGED = 8
# A large file is staged in up to this many parts of at least PART_ROWS, so writing the scratch files overlaps
# copying them (a national file: 3.2 to 2.8 s, whole process); smaller files keep one part, so a transaction of
# several files still stages most of them within SQLite's ten attached databases.
STAGED_PARTS = 4
PART_ROWS = 250_000


def key_order(rows: pd.DataFrame) -> np.ndarray:
    """Row positions in key order (metric, organisation, month): sorted codes, not a sort of million strings."""
    # np.lexsort sorts by its last array first.
    return np.lexsort([_sorted_codes(rows[column]) for column in reversed(KEY)])


def _sorted_codes(column: pd.Series) -> np.ndarray:
    """Integer codes that sort as the column's text does (a categorical's own codes when its categories are sorted)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.is_monotonic_increasing:
        return column.cat.codes.to_numpy()
    return pd.factorize(column, sort=True)[0]


def arrow_rows(
    rows: pd.DataFrame, upload_id: int, batch_rows: int = 100_000, *, parts: int = 1
) -> list[pa.RecordBatchReader]:
    """The rows as Arrow batches in key order (NaN is null), columns as in incoming_table, in `parts` readers.

    Batch by batch, so the sorted copy is never the whole file at once; each part is a run of consecutive keys.
    """
    table = pa.Table.from_pandas(rows[[*KEY, *VALUE_COLUMNS]], preserve_index=False)
    order = key_order(rows)
    schema = pa.schema([pa.field("upload_id", pa.int64()), *[table.schema.field(c) for c in _OBSERVATION_COLUMNS[1:]]])

    def batches(begin: int, end: int) -> Iterator[pa.RecordBatch]:
        for start in range(begin, end, batch_rows):
            chunk = table.take(order[start : min(start + batch_rows, end)]).combine_chunks()
            columns = [pa.array(np.full(chunk.num_rows, upload_id, dtype=np.int64))]
            columns += [chunk[column].chunk(0) for column in _OBSERVATION_COLUMNS[1:]]
            yield pa.RecordBatch.from_arrays(columns, schema=schema)

    bounds = np.linspace(0, len(order), parts + 1).astype(int).tolist()
    return [pa.RecordBatchReader.from_batches(schema, batches(begin, end)) for begin, end in pairwise(bounds)]


INCOMING = "perfdash_incoming"


def incoming_table() -> sa.Table:
    """A temporary table for an upload's rows on their way into the store (one at a time; dropped after use)."""
    return sa.Table(
        INCOMING,
        sa.MetaData(),
        sa.Column("upload_id", sa.Integer, nullable=False),
        *(sa.Column(column, key_text(length), nullable=False) for column, length in KEY_LENGTHS.items()),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("numerator", sa.Float),
        sa.Column("denominator", sa.Float),
        prefixes=["TEMPORARY"],
    )


def staging_parts(rows: int, staged: int) -> int:
    """How many scratch files a load of this many rows is staged in, with `staged` already attached."""
    return max(1, min(STAGED_PARTS, MAX_STAGED - staged, rows // PART_ROWS))


def insert_staged_sqlite(conn: Connection, parts: list[pa.RecordBatchReader], write: Callable[[str], object]) -> None:
    """SQLite's COPY: ADBC writes the rows to scratch database files in C, which this transaction attaches.

    write(table) copies one attached part's rows (the table's name, qualified) into the store.

    The scratch files are private and outside the store, so the write itself stays one transaction on the
    store's own connection (all-or-nothing, BEGIN IMMEDIATE); SQLite cannot detach a database inside a
    transaction, so each is detached and deleted when the connection goes back to the pool. The parts are a
    pipeline on the machine's two cores: a thread has ADBC write part n + 1 (the driver releases the GIL) while
    this connection copies part n into the store (so does sqlite3). Each file is closed by ADBC before it
    is attached: the driver's own SQLite library and Python's never hold one file open at the same time.
    """
    _remove_orphaned_staging()
    info = conn.connection.info
    path = sqlite_file_path(conn.engine)
    if WRITE_BEHIND not in info and path is not None:
        info[WRITE_BEHIND] = WriteBehind([f"{path}-wal", path])
    staged = info.setdefault(STAGING, [])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="perfdash-staging") as writer:
        written = [writer.submit(_stage, part) for part in parts]
        try:
            for future in written:
                path = future.result()
                schema = f"{STAGING}_{len(staged)}"
                staged.append((schema, path))
                conn.exec_driver_sql(f"ATTACH DATABASE ? AS {schema}", (path,))
                write(f"{schema}.rows")
        finally:
            # A failed copy: stop the writer and delete the files it wrote that were never attached.
            for future in written:
                future.cancel()
            attached = {path for _, path in staged}
            for future in written:
                if not future.cancelled() and future.exception() is None and future.result() not in attached:
                    os.remove(future.result())


def _stage(part: pa.RecordBatchReader) -> str:
    """A new scratch file holding the part's rows in a table `rows`; its path."""
    handle, path = tempfile.mkstemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", suffix=".sqlite")
    os.close(handle)
    try:
        _adbc_ingest(path, part)
    except BaseException:
        os.remove(path)
        raise
    return path


def _adbc_ingest(path: str, table: pa.RecordBatchReader) -> None:
    """ADBC's bulk ingest into a new table `rows` of the SQLite file at path.

    Through the driver manager's own API: its DB-API module imports pyarrow.dataset, half a second of start-up.
    """
    import adbc_driver_manager
    import adbc_driver_sqlite

    with (
        adbc_driver_sqlite.connect(path) as database,
        adbc_driver_manager.AdbcConnection(database) as connection,
    ):
        # 16 KB pages, as the store's: the write 0.77 to 0.69 s for a national file.
        for pragma in ("PRAGMA page_size=16384", "PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF"):
            with adbc_driver_manager.AdbcStatement(connection) as statement:
                statement.set_sql_query(pragma)
                statement.execute_update()
        with adbc_driver_manager.AdbcStatement(connection) as statement:
            statement.set_options(
                **{
                    adbc_driver_manager.INGEST_OPTION_TARGET_TABLE: "rows",
                    adbc_driver_manager.INGEST_OPTION_MODE: adbc_driver_manager.INGEST_OPTION_MODE_CREATE,
                }
            )
            statement.bind_stream(table.__arrow_c_stream__())
            statement.execute_update()  # autocommit: the scratch file is private, complete once this returns


def _remove_orphaned_staging() -> None:
    """Delete scratch files left by a load that was killed (their process is gone)."""
    for path in Path(tempfile.gettempdir()).glob(f"{_STAGING_PREFIX}*.sqlite"):
        pid = path.name.removeprefix(_STAGING_PREFIX).split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            path.unlink(missing_ok=True)


WRITE_BEHIND = "perfdash_write_behind"


class WriteBehind:
    """A thread that fdatasyncs the store's files every FLUSH_EVERY_S while a bulk load and its COMMIT run.

    SQLite writes a load's pages to the WAL as it goes, and at COMMIT copies them into the database (the
    checkpoint), fsyncing the WAL before and the database after. Left to the kernel, all those writes wait in
    memory for the two fsyncs: a national load's 190 MB twice. Flushed as they are written, they go to disk while
    the load and the checkpoint work on the other core, and SQLite's own fsyncs find little left: a national
    load's COMMIT took 0.38-0.81 s (median 0.55) and takes 0.35-0.44 s (median 0.38), 6 loads each interleaved.
    An extra fsync never changes what SQLite makes durable or when; it only starts the disk's work earlier.
    """

    FLUSH_EVERY_S = 0.05

    def __init__(self, paths: list[str]) -> None:
        self._files = []
        for path in paths:
            try:
                self._files.append(os.open(path, os.O_RDONLY))
            except FileNotFoundError:
                continue
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="perfdash-write-behind", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.FLUSH_EVERY_S):
            for file in self._files:
                os.fdatasync(file)

    def close(self) -> None:
        """Stop flushing and close the files (SQLite's own fsyncs have made the transaction durable)."""
        self._stop.set()
        self._thread.join()
        for file in self._files:
            os.close(file)


def detach_staging(dbapi_connection, record) -> None:
    """Pool check-in: the transaction is over, so its write-behind stops and its scratch databases are detached
    and deleted."""
    write_behind = record.info.pop(WRITE_BEHIND, None)
    if write_behind is not None:
        write_behind.close()
    for schema, path in record.info.pop(STAGING, []):
        try:
            dbapi_connection.execute(f"DETACH DATABASE {schema}")
        finally:
            os.remove(path)


def copy_postgres(conn: Connection, rows: pd.DataFrame, upload_id: int, table: str) -> None:
    """COPY FROM STDIN into the table on the transaction's own connection, fed CSV that Arrow writes in C."""
    import pyarrow.csv as pcsv

    statement = f"COPY {table} ({', '.join(_OBSERVATION_COLUMNS)}) FROM STDIN (FORMAT csv)"
    options = pcsv.WriteOptions(include_header=False)
    dbapi = conn.dialect.loaded_dbapi
    try:
        with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for batch in arrow_rows(rows, upload_id)[0]:
                buffer = io.BytesIO()
                pcsv.write_csv(batch, buffer, options)
                copy.write(buffer.getbuffer())
    except dbapi.Error as error:
        # Raised as SQLAlchemy raises every other statement's error (IntegrityError, DataError...).
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi.Error) from error
