"""The pages a board reads first: the executive summary (page 2) and one exception report per failing metric."""

from __future__ import annotations

import io

from fpdf.enums import XPos, YPos

from perfdash.boardpack.layout import (
    BLACK,
    CONTENT_W,
    LINE,
    MARGIN,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_PALE_GREY,
    PAGE_W,
    Pack,
)
from perfdash.boardpack.model import NOT_MET_HEADINGS, PackContent
from perfdash.exceptions import ExceptionReport
from perfdash.periods import label
from perfdash.summary import ExecutiveSummary

EXECUTIVE_SUMMARY = "Executive summary"
EXCEPTIONS = "Exception reports"
# Standards not met: each column's width in mm, under model.NOT_MET_HEADINGS; the widths add up to CONTENT_W.
NOT_MET_WIDTHS = [74.0, 22.0, 22.0, 20.0, 40.0, 55.0, 40.0]
EXCEPTION_CHART_W = 176.0  # wider than a domain block's chart: one metric to a page
EXCEPTION_CHART_H = EXCEPTION_CHART_W * 394 / 880  # charts.CHART_PX's aspect ratio
SIDE_GAP = 4.0
SIDE_SIZE = 8.0


def _count_boxes(pdf: Pack, result: ExecutiveSummary) -> None:
    """Four boxes across the page: the count large, what it counts beneath."""
    counts = result.counts()
    gap = 4.0
    width = (CONTENT_W - gap * (len(counts) - 1)) / len(counts)
    top = pdf.get_y()
    for index, (name, count, meaning) in enumerate(counts):
        x = MARGIN + index * (width + gap)
        pdf.set_draw_color(*NHS_BLUE)
        pdf.set_line_width(0.4)
        pdf.rect(x, top, width, 24)
        pdf.set_xy(x + 2, top + 1.5)
        pdf.set_font("DejaVu", "B", 18)
        pdf.set_text_color(*NHS_DARK_BLUE)
        pdf.cell(width - 4, 8, str(count))
        pdf.set_xy(x + 2, top + 9.5)
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.cell(width - 4, 4.5, name)
        pdf.set_xy(x + 2, top + 14)
        pdf.set_font("DejaVu", "", 6.5)
        pdf.set_text_color(*NHS_GREY)
        pdf.multi_cell(width - 4, 6.5 * LINE, meaning[0].upper() + meaning[1:] + ".", align="L")
    pdf.set_text_color(*BLACK)
    pdf.set_xy(MARGIN, top + 27)


def _linked_bullet(pdf: Pack, name: str, words: str, link: int | None, size: float = 8.5) -> None:
    """'• Name words': the name links to the metric's page in the pack."""
    height = size * LINE
    pdf.set_x(MARGIN + 2)
    pdf.set_font("DejaVu", "", size)
    pdf.write(height, "• ")
    if link is not None:
        pdf.set_text_color(*NHS_BLUE)
        pdf.set_font("DejaVu", "U", size)
    pdf.write(height, name, link=link or "")
    pdf.set_text_color(*BLACK)
    pdf.set_font("DejaVu", "", size)
    pdf.write(height, f" {words}")
    pdf.ln(height + 0.8)


def executive_summary_page(pdf: Pack, made: PackContent, links: dict[str, int], *, new_page: bool) -> None:
    """Counts, the standards not met with lead and data quality, and what changed since last month."""
    result = made.headline
    pdf.begin(EXECUTIVE_SUMMARY, new_page=new_page)
    pdf.heading(f"{EXECUTIVE_SUMMARY}, {label(result.period)}")
    pdf.para(result.headline(), 10)
    pdf.ln(2)
    _count_boxes(pdf, result)
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.cell(CONTENT_W, 6, f"What changed since {label(result.previous)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*BLACK)
    if not result.changes:
        pdf.para(made.no_changes(), 8.5)
    for change in result.changes:
        _linked_bullet(pdf, change.metric, change.words, links.get(change.metric_id))
    pdf.ln(2)
    missed = made.missed()
    if missed:
        with pdf.table_of(NOT_MET_WIDTHS, size=7.5, heading_size=7.5) as table:
            table.row(list(NOT_MET_HEADINGS))
            for report in missed:
                name, *cells = made.not_met_cells(report)
                row = table.row()
                row.cell(name, link=links.get(report.metric.id))  # to the metric's exception report
                for text in cells:
                    row.cell(text)
        pdf.ln(3)
    pdf.ln(1)
    pdf.para(
        "Each name links to the metric's exception report or chart in this pack. Consistently failing means the "
        "SPC assurance reading is a fail: the process limits lie wholly on the wrong side of the target.",
        7.5,
        colour=NHS_GREY,
    )


def exception_page(
    pdf: Pack, report: ExceptionReport, facts: list[tuple[str, str]], png: bytes | None, link: int, *, first: bool
) -> None:
    """One page: the chart with target and plan, latest against both, lead, months since met, narrative."""
    metric = report.metric
    if first:
        pdf.begin(EXCEPTIONS)
    else:
        pdf.section = EXCEPTIONS
        pdf.add_page()
    pdf.set_link(link, page=pdf.page)
    pdf.heading(f"Exception report: {metric.name}", 13)
    pdf.para(f"{' and '.join(report.reasons)}. {report.latest_text()}", 10, bold=True)
    pdf.ln(1.5)
    top = pdf.get_y()
    if png is not None:
        alt = f"SPC chart of {metric.name} with its target: {report.latest_text()}"
        pdf.image(io.BytesIO(png), x=MARGIN, y=top, w=EXCEPTION_CHART_W, h=EXCEPTION_CHART_H, alt_text=alt)
    side_x = MARGIN + EXCEPTION_CHART_W + SIDE_GAP
    side_w = PAGE_W - MARGIN - side_x
    pdf.set_xy(side_x, top)
    for heading, text in facts:
        pdf.set_x(side_x)
        pdf.set_font("DejaVu", "B", SIDE_SIZE)
        pdf.set_text_color(*NHS_DARK_BLUE)
        pdf.cell(side_w, SIDE_SIZE * LINE, heading, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*BLACK)
        pdf.set_font("DejaVu", "", SIDE_SIZE)
        pdf.set_x(side_x)
        pdf.multi_cell(side_w, SIDE_SIZE * LINE, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(1.2)
    pdf.set_xy(MARGIN, max(pdf.get_y(), top + (EXCEPTION_CHART_H if png is not None else 0)) + 3)
    pdf.set_fill_color(*NHS_PALE_GREY)
    with pdf.table_of([42.0, CONTENT_W - 42.0], size=8.5, heading_size=8.5) as table:
        table.row(["Commentary", f"Latest up to {label(report.period)}"])
        for heading, text in report.narrative_parts():
            table.row([heading, text])


def exception_pages(pdf: Pack, made: PackContent, links: dict[str, int]) -> None:
    """One exception report page per failing metric, in registry order."""
    for index, report in enumerate(made.reports):
        facts = made.exception_facts(report)
        png = made.images.get(report.metric.id)
        exception_page(pdf, report, facts, png, links[report.metric.id], first=index == 0)
