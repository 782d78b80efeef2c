"""Use cases shared by the command line and the pages: load files, load the demo, export."""

from __future__ import annotations

import io
import logging
import time

import pandas as pd

from perfdash import demo, store
from perfdash.config import Config
from perfdash.ingest.model import CANONICAL_COLUMNS
from perfdash.ingest.pipeline import Prepared, prepare
from perfdash.store import Engine

log = logging.getLogger("perfdash")


def commit_prepared(
    engine: Engine, prepared: Prepared, *, user: str, note: str = "", origin: str | None = None
) -> store.CommitResult:
    """Write a validated file as one upload (refusing one with errors), recording where its values came from."""
    if not prepared.ok:
        raise ValueError(f"{prepared.file_name} has {len(prepared.errors)} error(s) and cannot be committed")
    started = time.perf_counter()
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
