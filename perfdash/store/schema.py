"""The store's tables, limits and errors: what every other store module builds on."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from perfdash.config import PROJECT_ROOT

# The rest of perfdash names SQLAlchemy's types through these aliases: only perfdash.store imports sqlalchemy
# (an import-linter contract in pyproject.toml holds us to it).
__all__ = ["DatabaseError", "Engine"]
DatabaseError = sa.exc.SQLAlchemyError

SCHEMA_VERSION = 4
EVERY_DIALECT = "*"
# What each schema version changed, applied in order to an older database in the transaction that found it:
# the statements under EVERY_DIALECT, then those for the store's own dialect ("sqlite", "postgresql").
MIGRATIONS: dict[int, dict[str, list[str]]] = {
    2: {
        EVERY_DIALECT: [
            "ALTER TABLE uploads ADD COLUMN origin VARCHAR(32) NOT NULL DEFAULT ''",
            "ALTER TABLE uploads ADD COLUMN source VARCHAR(255) NOT NULL DEFAULT ''",
            "ALTER TABLE uploads ADD COLUMN file_status VARCHAR(64) NOT NULL DEFAULT ''",
            # Version 1 stores held the demo under its file name; say so, so it can be withdrawn.
            "UPDATE uploads SET origin = 'synthetic demo', source = 'perfdash synthetic demo' "
            "WHERE file_name = 'synthetic-demo-data.csv'",
        ],
    },
    # Keys compare bytewise, observations.upload_id has no foreign key, and PostgreSQL finds an observation's key
    # through a BRIN index (see key_text and observations). PostgreSQL: a collation change keeps the rows and
    # rebuilds the tables' indexes. SQLite: nothing to do; its text already compares bytewise, and an old store
    # keeps its foreign key (dropping one rebuilds the table), which is never violated.
    3: {
        "postgresql": [
            "DROP INDEX IF EXISTS ix_observations_key",
            # Whatever the foreign key was named (PostgreSQL named it when version 2 created the table).
            "DO $$ DECLARE name text; BEGIN FOR name IN SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'observations'::regclass AND contype = 'f' LOOP "
            "EXECUTE 'ALTER TABLE observations DROP CONSTRAINT ' || quote_ident(name); END LOOP; END $$",
            *(
                f'ALTER TABLE {table} ALTER COLUMN metric_id TYPE VARCHAR(64) COLLATE "C", '
                'ALTER COLUMN org_code TYPE VARCHAR(16) COLLATE "C", ALTER COLUMN period TYPE VARCHAR(7) COLLATE "C"'
                for table in ("observations", "current_values", "commentary", "plan_values")
            ),
            "CREATE INDEX IF NOT EXISTS ix_observations_key_range ON observations "
            "USING brin (metric_id, org_code, period) WITH (pages_per_range = 32)",
        ],
    },
    # Every loaded value is kept once: the current ones in current_values, every other in observations (see
    # observations), so the observations that are some key's current value go, and with them the id ranges
    # that named an upload's observations.
    4: {
        EVERY_DIALECT: [
            "DELETE FROM observations WHERE EXISTS (SELECT 1 FROM current_values c "
            "WHERE c.metric_id = observations.metric_id AND c.org_code = observations.org_code "
            "AND c.period = observations.period AND c.upload_id = observations.upload_id)",
            "ALTER TABLE uploads DROP COLUMN first_observation_id",
            "ALTER TABLE uploads DROP COLUMN last_observation_id",
        ],
    },
}
# Where a value came from: a published statistic, an organisation's own return, or made-up demo data.
ORIGIN_PUBLICATION = "publication"
ORIGIN_RETURN = "trust return"
ORIGIN_DEMO = "synthetic demo"
VALUES_VERSION = "values_version"
COMMENTARY_VERSION = "commentary_version"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "perfdash.sqlite"
KEY = ["metric_id", "org_code", "period"]
KEY_LENGTHS = {"metric_id": 64, "org_code": 16, "period": 7}
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


def key_text(length: int) -> sa.types.TypeEngine:
    """A key or code column compared byte by byte: COLLATE "C" on PostgreSQL, SQLite's default BINARY elsewhere.

    Codes and months have no language order, and a locale collation (strcoll per comparison, no abbreviated
    keys) made building the key indexes of a national load twice as slow; bytewise is also the order SQLite
    and Python's sorted() use, so both stores sort keys alike.
    """
    return sa.String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


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
# Every value ever loaded is kept exactly once: a key's current value in current_values, and every other one
# (a value since revised, an upload's repeat of the current value, a rolled-back upload's) here. A first load of
# a month writes current_values alone: writing each value twice, here and there, was half of a national load
# (two B-trees and an index, 190 MB written twice by the WAL). A key's history is the two tables together.
observations = sa.Table(
    "observations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # No foreign key to uploads: checking one per row was a quarter of PostgreSQL's time for a national load
    # (8.6 s of COPY against 6.65 s without, one key-share lock per row). Its writers, commit_rows and rollback,
    # name uploads recorded in the same transaction or before, and uploads are never deleted; the store checks it
    # instead (orphaned_values, run by `perfdash check` and the tests).
    sa.Column("upload_id", sa.Integer, nullable=False),
    sa.Column("metric_id", key_text(64), nullable=False),
    sa.Column("org_code", key_text(16), nullable=False),
    sa.Column("period", key_text(7), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("numerator", sa.Float),
    sa.Column("denominator", sa.Float),
    # No index on upload_id: a rollback, rare, reads the tables through.
    sa.Index("ix_observations_key", *KEY, "upload_id").ddl_if(dialect="sqlite"),
    # PostgreSQL: a block-range (BRIN) index, not a B-tree. Each upload's rows are written in key order, so a
    # range of pages covers a narrow span of keys and one key's history reads a few ranges per upload. Keeping a
    # B-tree entry per row was 2.4 s of a national load's 4.5 s COPY; a BRIN entry per 32 pages costs nothing
    # at insert. A bulk load summarises its new pages itself (0.3 s; values._summarise_key_ranges), and a history
    # lookup takes milliseconds. Rolling back a national upload joins by hash instead (measured 21 s with the
    # B-tree, 25-30 s without).
    sa.Index(
        "ix_observations_key_range", *KEY, postgresql_using="brin", postgresql_with={"pages_per_range": 32}
    ).ddl_if(dialect="postgresql"),
)
current_values = sa.Table(
    "current_values",
    metadata,
    sa.Column("metric_id", key_text(64), primary_key=True),
    sa.Column("org_code", key_text(16), primary_key=True),
    sa.Column("period", key_text(7), primary_key=True),
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
    sa.Column("metric_id", key_text(64), nullable=False),
    sa.Column("org_code", key_text(16), nullable=False),
    sa.Column("period", key_text(7), nullable=False),
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
    sa.Column("metric_id", key_text(64), nullable=False),
    sa.Column("org_code", key_text(16), nullable=False),
    sa.Column("period", key_text(7), nullable=False),
    sa.Column("plan", sa.Float, nullable=False),
    sa.Index("ix_plan_values_key", "metric_id", "org_code", "period", "upload_id"),
)
PLAN_COLUMNS = ["period", "org_code", "metric_id", "plan", "upload_id"]


def sqlite_file_path(engine: Engine) -> str | None:
    """The absolute path of a SQLite store's file; None for PostgreSQL, an in-memory or a URI-named database."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return os.path.abspath(database)


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
class Preview:
    """What a file's preview found, and the values version it compared with.

    A commit in a transaction that has written nothing else, on a store still at that version, takes the counts
    from here instead of comparing a million rows with the store a second time.
    """

    values_version: int
    counts: dict[str, int]
    all_new: bool  # no current value existed for any of the file's metrics and months
    # Per row of the file, in its order: the value is already current (a repeat), so the commit writes it to
    # observations as it is, with no comparison in the database. None: the commit finds out itself.
    unchanged: np.ndarray | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CommitResult:
    """What a commit did."""

    upload_id: int | None
    added: int
    revised: int
    unchanged: int
    duplicate_of: int | None = None  # set when the same file (SHA-256) was already loaded
