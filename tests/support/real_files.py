"""NHS England's real files committed to a store as an analyst's upload would, for pages that compare providers."""

from __future__ import annotations

from pathlib import Path

from perfdash.config import load_config
from perfdash.ingest.pipeline import prepare
from perfdash.service import commit_prepared
from perfdash.store import Engine


def load_ae_by_provider(engine: Engine, shared_data: Path) -> None:
    """NHS England's provider lookup and A&E by provider for April 2025 (../shared/data/nhse-ae), committed."""
    for name in ("provider-icb-mapping.csv", "msitae-2025-04.csv"):
        prepared = prepare(name, (shared_data / "nhse-ae" / name).read_bytes(), load_config(), engine)
        assert prepared.ok
        commit_prepared(engine, prepared, user="test")
