"""Importers for NHS England's published statistics files, read unchanged, in detection order."""

from __future__ import annotations

from perfdash.ingest.model import Importer, SheetImporter
from perfdash.ingest.nhse import ae_provider, ae_tidy, cwt, dm01, msitae, provider_map, rtt, sickness

# Each header rule is exact, so at most one matches; the order only puts the commonest uploads first.
IMPORTERS: list[Importer] = [
    msitae.IMPORTER,
    ae_tidy.IMPORTER,
    rtt.IMPORTER,
    cwt.IMPORTER,
    provider_map.IMPORTER,
    sickness.IMPORTER,
]

# Publications found inside workbooks (and CSVs with title blocks) by their content, tried in this order.
SHEET_IMPORTERS: list[SheetImporter] = [
    ae_provider.IMPORTER,
    dm01.IMPORTER,
]

__all__ = ["IMPORTERS", "SHEET_IMPORTERS"]
