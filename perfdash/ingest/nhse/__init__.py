"""Importers for NHS England's published statistics files, read unchanged, in detection order."""

from __future__ import annotations

from perfdash.ingest.model import Importer, SheetImporter
from perfdash.ingest.nhse import (
    ae_tidy,
    ambsys,
    cwt,
    dementia,
    dm01,
    mhsds,
    msitae,
    provider_map,
    rtt,
    rtt_bands,
    rtt_overview,
)

# Each header rule is exact, so at most one matches; the order only puts the commonest uploads first.
IMPORTERS: list[Importer] = [
    msitae.IMPORTER,
    ae_tidy.IMPORTER,
    rtt.IMPORTER,
    dm01.IMPORTER,
    provider_map.IMPORTER,
    mhsds.IMPORTER,
]

# Publications found inside workbooks (and CSVs with title blocks) by their content, tried in this order.
SHEET_IMPORTERS: list[SheetImporter] = [
    cwt.SHEET_IMPORTER,
    ambsys.SHEET_IMPORTER,
    dementia.SHEET_IMPORTER,
    rtt_bands.IMPORTER,
    rtt_overview.IMPORTER,
]

__all__ = ["IMPORTERS", "SHEET_IMPORTERS"]
