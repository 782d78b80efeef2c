"""The board pack as PowerPoint: opened with python-pptx, the same pages as slides, tables with real cells."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation

from perfdash import board, boardpack, exceptions, store, summary
from perfdash.config import Config
from tests.test_boardpack import LEAKED, PERIOD, chromium, demo_store  # noqa: F401 (fixtures)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser  # kaleido draws the charts with Chromium


@pytest.fixture(scope="module")
def slides(chromium, demo_store, config: Config) -> boardpack.SlidePack:  # noqa: F811
    return boardpack.slides_from_store(store.get_engine(demo_store), config, "RF4", PERIOD, generated_by="Secretary")


def _tables(slide) -> list[list[list[str]]]:
    return [
        [[cell.text for cell in row.cells] for row in shape.table.rows] for shape in slide.shapes if shape.has_table
    ]


def test_the_slides_are_the_packs_pages(slides, demo_store, config: Config):  # noqa: F811
    deck = Presentation(io.BytesIO(slides.pptx))
    assert len(deck.slides) == slides.slides
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles[0].startswith("Board performance pack: Barking, Havering and Redbridge")
    assert titles[1] == "Executive summary, Sep 2025"  # the summary first, as in the PDF
    engine = store.get_engine(demo_store)
    current = store.read_current(engine)
    expected = summary.executive_summary(current, config, "RF4", PERIOD)
    counts = _tables(deck.slides[1])[0]
    assert counts[0] == ["Count", "Standards", "What it counts"]
    assert [[int(row[0]), row[1]] for row in counts[1:]] == [[c, n] for n, c, _ in expected.counts()]
    reports = exceptions.reports_for(current, store.read_commentary(engine, org_code="RF4"), config, "RF4", PERIOD)
    exception_slides = [s for s in deck.slides if s.shapes.title.text.startswith("Exception report: ")]
    assert [s.shapes.title.text for s in exception_slides] == [f"Exception report: {r.metric.name}" for r in reports]
    for slide, report in zip(exception_slides, reports, strict=True):
        facts = dict(_tables(slide)[0])
        assert facts["Accountable lead"] == report.lead
        assert facts["What happened"] != "None"
        if report.narrative is None:
            assert facts["What happened"] == f"No narrative provided by {report.lead}."
        assert sum(1 for shape in slide.shapes if shape.shape_type == 13) == 1  # the chart, a picture
    # Every charted metric has its slide with the chart as a picture.
    chart_slides = [s for s in deck.slides if any(shape.shape_type == 13 for shape in s.shapes)]
    assert len(chart_slides) == len(slides.charted) + len(slides.exceptions)
    summary_rows = [
        row for s in deck.slides if s.shapes.title.text.startswith("Summary of standards") for row in _tables(s)[0][1:]
    ]
    applies = [m.name for m in config.metrics if board.applies(config, m, "RF4")]
    assert [row[0] for row in summary_rows] == applies
    # The overview's columns (no national data in the demo: no England or London columns, and a line says so).
    summary_slides = [s for s in deck.slides if s.shapes.title.text.startswith("Summary of standards")]
    assert _tables(summary_slides[0])[0][0] == ["Metric", "Latest", "vs target", "vs plan", "SPC reading", "Data to"]
    assert any("No national data is loaded" in shape.text_frame.text for shape in summary_slides[0].shapes)


def slide_texts(deck) -> list[str]:
    """Every text box's text and every table cell's, slide by slide."""
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
            elif shape.has_text_frame:
                texts.append(shape.text_frame.text)
    return texts


def test_no_missing_value_prints_as_a_word(slides):
    texts = slide_texts(Presentation(io.BytesIO(slides.pptx)))
    assert len(texts) > 100
    assert [t for t in texts if LEAKED.search(t)] == []


def test_cli_writes_pptx(chromium, demo_store, tmp_path: Path):  # noqa: F811
    out = tmp_path / "pack.pptx"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "perfdash",
            "boardpack",
            "--org",
            "RF4",
            "--period",
            PERIOD,
            "--out",
            str(out),
            "--format",
            "pptx",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**__import__("os").environ, "PERFDASH_DATABASE_URL": demo_store},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "slides" in result.stdout
    assert len(Presentation(str(out)).slides) > 10
