"""Importers for NHS England's published statistics files, read unchanged, in detection order."""

from __future__ import annotations

from perfdash.ingest.model import Importer, SheetImporter
from perfdash.ingest.nhse import (
    ae_provider,
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
    sickness,
)

# Each header rule is exact, so at most one matches; the order only puts the commonest uploads first.
IMPORTERS: list[Importer] = [
    msitae.IMPORTER,
    ae_tidy.IMPORTER,
    rtt.IMPORTER,
    provider_map.IMPORTER,
    mhsds.IMPORTER,
    sickness.IMPORTER,
]

# Publications found inside workbooks (and CSVs with title blocks) by their content, tried in this order.
SHEET_IMPORTERS: list[SheetImporter] = [
    cwt.SHEET_IMPORTER,
    ambsys.SHEET_IMPORTER,
    dementia.SHEET_IMPORTER,
    rtt_bands.IMPORTER,
    rtt_overview.IMPORTER,
    ae_provider.IMPORTER,
    dm01.IMPORTER,
]

__all__ = ["IMPORTERS", "SHEET_IMPORTERS"]
