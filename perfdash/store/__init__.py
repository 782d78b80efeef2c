"""Storage: the only package with SQL. SQLite by default, PostgreSQL for deployments.

Every load is an upload; every value row is kept for ever. `current_values` is an index of which
observation is current for each (metric, organisation, month): the latest upload not rolled back.
Two versions in `meta` go up on every write so caches in every process can key on them: `values_version`
for uploads and rollbacks, `commentary_version` for comments (a comment must not make replicas re-read values).

The rest of perfdash uses `from perfdash import store; store.X`: this module re-exports the public names of
schema (tables, limits, errors), database (engines, transactions), uploads, values, commentary and plans.
"""

from __future__ import annotations

# The settings tests shorten are read where they are used: patch them on store.database, not here.
from perfdash.store import bulk, database
from perfdash.store.commentary import add_commentary, read_commentary
from perfdash.store.database import (
    BUSY_TIMEOUT_S,
    CONNECT_TIMEOUT_S,
    STATEMENT_TIMEOUT_S,
    Versions,
    check_same_file,
    database_url,
    dispose_engines,
    ensure_schema,
    explain,
    get_engine,
    missing_sqlite_file,
    versions,
    versions_in,
    write_transaction,
)
from perfdash.store.plans import classify_plan_changes, commit_plans, read_plans, save_plans
from perfdash.store.schema import (
    COMMENTARY_VERSION,
    DEFAULT_SQLITE_PATH,
    FIELD_LABELS,
    FIELD_LENGTHS,
    KEY,
    MIGRATIONS,
    ORIGIN_DEMO,
    ORIGIN_PUBLICATION,
    ORIGIN_RETURN,
    PLAN_COLUMNS,
    SCHEMA_VERSION,
    VALUE_COLUMNS,
    VALUES_VERSION,
    CommitResult,
    DatabaseError,
    Engine,
    FieldTooLongError,
    Preview,
    StoreError,
    check_lengths,
    commentary,
    current_values,
    meta_table,
    metadata,
    observations,
    plan_values,
    provider_reference,
    rollbacks,
    uploads,
)
from perfdash.store.uploads import (
    count_uploads,
    find_active_upload_by_hash,
    list_uploads,
    live_demo_uploads,
    orphaned_values,
    read_reference,
    table_counts,
)
from perfdash.store.values import (
    classify_changes,
    commit,
    commit_rows,
    current_for_keys,
    current_in,
    latest_period,
    read_current,
    rollback_upload,
    same_values,
    value_history,
)

# service.flag_conflicts compares values with the store's tolerance under its old private name.
_same = same_values

__all__ = [
    "BUSY_TIMEOUT_S",
    "COMMENTARY_VERSION",
    "CONNECT_TIMEOUT_S",
    "DEFAULT_SQLITE_PATH",
    "FIELD_LABELS",
    "FIELD_LENGTHS",
    "KEY",
    "MIGRATIONS",
    "ORIGIN_DEMO",
    "ORIGIN_PUBLICATION",
    "ORIGIN_RETURN",
    "PLAN_COLUMNS",
    "SCHEMA_VERSION",
    "STATEMENT_TIMEOUT_S",
    "VALUES_VERSION",
    "VALUE_COLUMNS",
    "CommitResult",
    "DatabaseError",
    "Engine",
    "FieldTooLongError",
    "Preview",
    "StoreError",
    "Versions",
    "add_commentary",
    "bulk",
    "check_lengths",
    "check_same_file",
    "classify_changes",
    "classify_plan_changes",
    "commentary",
    "commit",
    "commit_plans",
    "commit_rows",
    "count_uploads",
    "current_for_keys",
    "current_in",
    "current_values",
    "database",
    "database_url",
    "dispose_engines",
    "ensure_schema",
    "explain",
    "find_active_upload_by_hash",
    "get_engine",
    "latest_period",
    "list_uploads",
    "live_demo_uploads",
    "meta_table",
    "metadata",
    "missing_sqlite_file",
    "observations",
    "orphaned_values",
    "plan_values",
    "provider_reference",
    "read_commentary",
    "read_current",
    "read_plans",
    "read_reference",
    "rollback_upload",
    "rollbacks",
    "same_values",
    "save_plans",
    "table_counts",
    "uploads",
    "value_history",
    "versions",
    "versions_in",
    "write_transaction",
]
