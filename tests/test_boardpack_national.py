"""The pack compares with England and London as the overview does, from NHS England's real A&E by provider file.

The store holds NHS England's provider lookup and its A&E by provider workbook for Dec 2025 (../shared/data).
One content model is made for Barts Health (R1H) and laid out both as the PDF and as PowerPoint; each must show
NHS England's own figures:
- England: the sheet's England row, 1,718,488 of 2,327,015 attendances within 4 hours = 73.849%, shown 73.8%;
- London: the sheet's own London providers (its Region column 'NHS England London'), summed here from the sheet
  (not from perfdash's lookup): within 4 hours over attendances, shown to one decimal.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pypdf import PdfReader

from perfdash import benchmark, board, boardpack, store, targets
from perfdash.config import Config
from perfdash.ingest.pipeline import prepare
from perfdash.ingest.workbook import cell_text, read_workbook
from perfdash.service import commit_prepared
from perfdash.vocabulary import no_narrative
from tests.conftest import SHARED_DATA
from tests.test_boardpack import LEAKED, _into_footer, chromium  # noqa: F401 (fixture)
from tests.test_boardpack_slides import slide_texts

pytestmark = pytest.mark.browser  # kaleido draws the charts with Chromium
FILE = "December-2025-AE-by-provider-Sa9Xc.xls"
LOOKUP = "provider-icb-mapping.csv"
PERIOD = "2025-12"
ORG = "R1H"
AE = "A&E 4-hour, all types"


def _real(name: str) -> Path:
    path = SHARED_DATA / "nhse-ae" / name
    if not path.is_file():
        pytest.skip(f"real NHS England file {path} is missing (it lives beside the project in CI)")
    return path


def _london_from_the_sheet() -> float:
    """London's 4-hour share from the workbook's own provider rows: Σ within 4 hours / Σ attendances."""
    sheet = read_workbook(FILE, _real(FILE).read_bytes()).sheet("Provider Level Data")
    rows = [[cell_text(c) for c in row] for row in sheet.rows]
    header = next(i for i, row in enumerate(rows) if row[1:4] == ["Code", "Region", "Name"])
    within, total = rows[header].index("Total Attendances < 4 hours"), rows[header].index("Total attendances")
    london = [row for row in rows[header + 1 :] if len(row) > total and row[2].strip() == "NHS England London"]
    assert len(london) > 10, "the sheet's London providers"
    return 100 * sum(float(r[within]) for r in london) / sum(float(r[total]) for r in london)


@pytest.fixture(scope="module")
def national_content(chromium, tmp_path_factory: pytest.TempPathFactory, config: Config):  # noqa: F811
    """The content model for Barts Health, Dec 2025, from a store with the lookup and the A&E by provider file."""
    engine = store.get_engine(f"sqlite:///{tmp_path_factory.mktemp('national') / 'national.sqlite'}")
    for name in (LOOKUP, FILE):
        prepared = prepare(name, _real(name).read_bytes(), config, engine)
        assert prepared.ok, prepared
        commit_prepared(engine, prepared, user="analyst@nhs.net")
    try:
        inputs = boardpack.inputs_from_store(engine, ORG, generated_by="Board Secretary")
        yield inputs, boardpack.pack_content(inputs, config, ORG)
    finally:
        store.dispose_engines()


@pytest.fixture(scope="module")
def national_pack(national_content) -> boardpack.BoardPack:
    """The PDF made from the content model."""
    return boardpack.render_pdf(national_content[1])


@pytest.fixture(scope="module")
def national_pdf(national_pack) -> list[str]:
    """The PDF's pages as text, white space folded."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(national_pack.pdf)).pages]


@pytest.fixture(scope="module")
def national_slides(national_content):
    """The PowerPoint made from the same content model, opened with python-pptx."""
    return Presentation(io.BytesIO(boardpack.render_slides(national_content[1]).pptx))


def _expected_cells() -> list[str]:
    england = 100 * 1_718_488 / 2_327_015
    assert england == pytest.approx(73.849, abs=5e-4)  # NHS England's published headline
    return [f"{england:.1f}%", f"{_london_from_the_sheet():.1f}%"]


def test_the_content_compares_with_nhs_englands_own_figures(national_content, config: Config):
    inputs, made = national_content
    assert made.period == PERIOD
    assert made.summary_headings()[-3:] == ["vs England", "vs London", "Rank in London"]
    entry = next(e for e in made.entries if e.metric.id == "ae_4hr_all")
    cells = made.summary_cells(entry)
    assert cells[-3:-1] == _expected_cells() == ["73.8%", "76.3%"]
    # The rank is the benchmark's own (17 London acute trusts in the lookup), not recomputed by the pack.
    rank = benchmark.peer_rank(inputs.current, inputs.reference, config, entry.metric, ORG, PERIOD)
    assert cells[-1] == f"{rank[0]} of {rank[1]}"
    assert made.national_note is None


def test_the_pdf_summary_and_exception_page_show_england_and_london(national_content, national_pdf):
    _, made = national_content
    england, london = _expected_cells()
    summary = " ".join(p for p in national_pdf if "Summary of standards, " in p or p.endswith("Summary of standards"))
    assert (
        "Metric Latest vs target vs plan Variation Assurance SPC reading Data to vs England vs London Rank in London"
        in (summary)
    )
    entry = next(e for e in made.entries if e.metric.id == "ae_4hr_all")
    rank = made.summary_cells(entry)[-1]
    # Barts Health's own 30,755 of 44,740 = 68.742%, below the 78% target, then England, London and its rank.
    assert f"{AE} 68.7% ✗ Not met (≥ 78%) no plan" in summary
    assert f"Dec 2025 {england} {london} {rank}" in summary
    assert "No national data is loaded" not in summary
    page = next(p for p in national_pdf if f"Exception report: {AE}" in p)
    assert f"vs England {england} vs London {london} Rank in London {rank}" in page
    assert "Accountable lead Chief Operating Officer" in page
    assert no_narrative("Chief Operating Officer") in page  # nothing written: the lead is named, never "None"


def test_the_wider_summary_stays_above_the_footer(national_pack, tmp_path: Path):
    assert _into_footer(national_pack.pdf, tmp_path) == []


def test_the_slides_show_the_same_columns_and_figures(national_content, national_slides):
    _, made = national_content
    england, london = _expected_cells()
    tables = [
        [[cell.text for cell in row.cells] for row in shape.table.rows]
        for slide in national_slides.slides
        if slide.shapes.title.text.startswith("Summary of standards")
        for shape in slide.shapes
        if shape.has_table
    ]
    assert all(table[0] == made.summary_headings() for table in tables)
    rows = {row[0]: row for table in tables for row in table[1:]}
    assert rows[AE][1:4] == ["68.7%", "✗ Not met (≥ 78%)", "no plan"]
    assert rows[AE][-3:-1] == [england, london]
    slide = next(s for s in national_slides.slides if s.shapes.title.text == f"Exception report: {AE}")
    facts = dict(next([[c.text for c in row.cells] for row in s.table.rows] for s in slide.shapes if s.has_table))
    assert (facts["vs England"], facts["vs London"]) == (england, london)
    assert facts["What happened"] == no_narrative(facts["Accountable lead"])


def test_the_summary_reads_as_the_overview(national_content, config: Config):
    """Each row's words are the overview's for the same standard: vs target, vs plan and the reading."""
    inputs, made = national_content
    overview = board.overview(inputs.current, config, ORG, PERIOD, inputs.plans).set_index("metric_id")
    for entry in made.entries:
        if not entry.has_data:
            continue
        row = overview.loc[entry.metric.id]
        unit, direction = entry.metric.unit, entry.metric.direction
        cells = dict(zip(made.summary_headings(), made.summary_cells(entry), strict=True))
        assert cells["vs target"] == targets.versus(row["met"], row["target"], unit, direction)
        assert cells["vs plan"] == targets.versus(row["met_plan"], row["plan"], unit, direction, missing="no plan")
        assert cells["SPC reading"].startswith(entry.reading_text())


def test_no_missing_value_prints_as_a_word(national_pdf, national_slides):
    text = " ".join(national_pdf)
    assert LEAKED.findall(text) == []
    assert [t for t in slide_texts(national_slides) if LEAKED.search(t)] == []


def test_without_national_data_the_columns_are_absent_and_a_line_says_what_to_load(national_content, config):
    inputs, _ = national_content
    # The same store's NEL rows only (no other provider, no lookup): nothing to compare with.
    own = inputs.current[inputs.current["org_code"].isin(board.org_choices(config))]
    bare = boardpack.PackInputs(own, inputs.commentary, inputs.uploads, "Board Secretary", reference=pd.DataFrame())
    made = boardpack.pack_content(bare, config, ORG)
    assert made.national.empty
    assert "vs England" not in made.summary_headings()
    assert made.national_note.startswith("No national data is loaded for this month")
    report = made.reports[0]
    facts = dict(made.exception_facts(report))
    assert "vs England" not in facts and facts["Benchmark"] == made.national_note
