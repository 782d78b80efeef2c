"""The pack opens with the executive summary (page 2) and has one exception report page per failing metric."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from perfdash import exceptions, store, summary
from perfdash.config import Config
from tests.test_boardpack import PERIOD, build, chromium, demo_store, ics_pack  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser  # kaleido draws the charts with Chromium


def _pages(pdf: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_page_two_is_the_executive_summary(ics_pack, demo_store, config: Config):  # noqa: F811
    engine = store.get_engine(demo_store)
    expected = summary.executive_summary(store.read_current(engine), config, "QMF", PERIOD)
    pages = _pages(ics_pack.pdf)
    assert pages[1].startswith("NEL ICS · Board performance pack · Sep 2025 Executive summary")
    assert "Executive summary, Sep 2025" in pages[1]
    assert expected.headline() in pages[1]
    for name, count, _ in expected.counts():
        assert f"{count} {name}" in pages[1]
    summary_text = " ".join(pages[1:3])
    for change in expected.changes:
        assert change.text() in summary_text
    for metric_id in expected.not_met:
        assert expected.names[metric_id] in summary_text
    # Each changed metric's name is a link inside the pack (to its exception page or chart).
    links = [
        annotation.get_object()
        for page in PdfReader(io.BytesIO(ics_pack.pdf)).pages[1:3]
        for annotation in page.get("/Annots", [])
    ]
    assert sum(1 for a in links if a.get("/Subtype") == "/Link") >= len(expected.changes)


def test_one_exception_page_per_failing_metric_each_naming_its_lead(ics_pack, demo_store, config: Config):  # noqa: F811
    engine = store.get_engine(demo_store)
    reports = exceptions.reports_for(
        store.read_current(engine), store.read_commentary(engine, org_code="QMF"), config, "QMF", PERIOD
    )
    assert reports and ics_pack.exceptions == tuple(r.metric.id for r in reports)
    pages = [p for p in _pages(ics_pack.pdf) if "Exception report: " in p]
    assert len(pages) == len(reports)
    for page, report in zip(pages, reports, strict=True):
        assert f"Exception report: {report.metric.name}" in page
        assert f"Accountable lead {report.lead}" in page
        assert report.since_met_text() in page
        assert report.latest_text() in page
        assert "Commentary: None" not in page and "None up to" not in page
        if report.narrative is None:
            assert f"No narrative provided by {report.lead}." in page


def test_exception_pages_render(ics_pack, tmp_path: Path):  # noqa: F811
    first = 1 + next(i for i, p in enumerate(_pages(ics_pack.pdf)) if "Exception report: " in p)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "2", "-l", str(first), "-"],
        input=ics_pack.pdf,
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
