"""The board pack as an editable PowerPoint file: the PDF's pages as slides, charts as images (the same PNGs),
tables as real tables a board secretary can edit. The same content model as the PDF (`model`); python-pptx lays it out.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Inches, Pt

from perfdash.boardpack import content
from perfdash.boardpack.model import NOT_MET_HEADINGS, PackContent, PackFile, inputs_from_store, pack_content
from perfdash.config import Config
from perfdash.periods import label
from perfdash.store import Engine

ROWS_PER_SLIDE = 12
CONTENT_INCHES = 12.3  # the slide's width less its margins
# Each summary column's share of the width (inches without national data), by the overview's column name.
SUMMARY_INCHES = {
    "Metric": 3.6,
    "Latest": 1.3,
    "vs target": 1.5,
    "vs plan": 1.4,
    "SPC reading": 3.1,
    "Data to": 1.4,
    "vs England": 1.1,
    "vs London": 1.1,
    "Rank in London": 1.0,
}
WIDE = (Inches(13.333), Inches(7.5))
MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


class SlidePack(PackFile):
    """The pack as PowerPoint: `pptx` is its bytes and `slides` how many slides."""

    unit = "slides"
    extension = "pptx"
    pptx = property(lambda self: self.data)
    slides = property(lambda self: self.count)


def _title(slide, text: str) -> None:
    slide.shapes.title.text = text
    slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(26)


def _text(slide, lines: list[str], top: float, height: float, size: int = 14, left: float = 0.5, width=12.3) -> None:
    """A text box of paragraphs."""
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)


def _table(slide, header: list[str], rows: list[list[str]], top: float, widths: list[float], size: int = 11) -> None:
    """A real PowerPoint table: a heading row, then one row per item."""
    shape = slide.shapes.add_table(
        len(rows) + 1, len(header), Inches(0.5), Inches(top), Inches(sum(widths)), Inches(0.3 * (len(rows) + 1))
    )
    table = shape.table
    for column, width in enumerate(widths):
        table.columns[column].width = Inches(width)
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = str(value)
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = Pt(size)
                paragraph.font.bold = r == 0


def _chunks(rows: list, size: int = ROWS_PER_SLIDE) -> list[list]:
    return [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]


def _scaled(widths: list[float], total: float) -> list[float]:
    """Column widths scaled to fill the slide's width."""
    return [w * total / sum(widths) for w in widths]


def _facts_table(slide, facts: list[tuple[str, str]]) -> None:
    """Heading and text in two columns beside an exception report's chart."""
    shape = slide.shapes.add_table(len(facts), 2, Inches(8.1), Inches(1.8), Inches(4.8), Inches(4.5))
    shape.table.columns[0].width, shape.table.columns[1].width = Inches(1.5), Inches(3.3)
    for row, (heading, text) in enumerate(facts):
        for column, value in enumerate((heading, text)):
            cell = shape.table.cell(row, column)
            cell.text = value
            cell.text_frame.paragraphs[0].font.size = Pt(9)


def render_slides(made: PackContent) -> SlidePack:
    """The pack as slides: cover, executive summary, standards not met, summary, exceptions, charts, appendix."""
    config, period = made.config, made.period
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDE
    title_only = deck.slide_layouts[5]  # the default template's "Title Only"

    cover = deck.slides.add_slide(title_only)
    _title(cover, f"Board performance pack: {made.name}")
    facts = [f"{heading}: {text}" for heading, text in made.facts()]
    if made.notice:
        facts.append(f"⚠ {config.app.demo_label.upper()}: {made.notice}")
    _text(cover, facts, 1.6, 3.0, 18)

    headline = made.headline
    slide = deck.slides.add_slide(title_only)
    _title(slide, f"Executive summary, {label(period)}")
    _text(slide, [headline.headline()], 1.3, 0.8, 14)
    counts = [[str(c), n, m] for n, c, m in headline.counts()]
    _table(slide, ["Count", "Standards", "What it counts"], counts, 2.2, [1.2, 3.0, 8.1])
    changes = [f"• {c.text()}" for c in headline.changes] or [made.no_changes()]
    _text(slide, [f"What changed since {label(headline.previous)}", *changes], 4.0, 3.3, 12)

    for part in _chunks(made.missed()):
        slide = deck.slides.add_slide(title_only)
        _title(slide, f"Standards not met, {label(period)}")
        rows = [made.not_met_cells(r) for r in part]
        _table(slide, list(NOT_MET_HEADINGS), rows, 1.3, [3.4, 1.1, 1.2, 1.0, 1.9, 2.3, 1.4], 10)

    headings = made.summary_headings()
    widths = _scaled([SUMMARY_INCHES[h] for h in headings], CONTENT_INCHES)
    for index, part in enumerate(_chunks(made.entries)):
        slide = deck.slides.add_slide(title_only)
        _title(slide, f"Summary of standards, {label(period)}")
        top = 1.3
        if made.national_note and index == 0:
            _text(slide, [made.national_note], 1.15, 0.4, 10)
            top = 1.6
        _table(slide, headings, [made.summary_cells(e) for e in part], top, widths, 10 if len(headings) < 8 else 9)

    for report in made.reports:
        slide = deck.slides.add_slide(title_only)
        _title(slide, f"Exception report: {report.metric.name}")
        _text(slide, [f"{' and '.join(report.reasons)}. {report.latest_text()}"], 1.2, 0.5, 14)
        if report.metric.id in made.images:
            picture = io.BytesIO(made.images[report.metric.id])
            slide.shapes.add_picture(picture, Inches(0.5), Inches(1.8), width=Inches(7.4))
        _facts_table(slide, made.exception_facts(report, narrative=True))

    for domain in config.domains:
        for entry in [e for e in made.charted if e.metric.domain == domain.id]:
            slide = deck.slides.add_slide(title_only)
            _title(slide, f"{domain.name}: {entry.metric.name}")
            picture = io.BytesIO(made.images[entry.metric.id])
            slide.shapes.add_picture(picture, Inches(0.5), Inches(1.3), width=Inches(8.2))
            parts = content.block_parts(entry, config, made.org_code, period)
            _text(slide, [f"{heading}: {text}" for heading, text in parts], 1.3, 5.8, 9, left=8.9, width=4.0)

    for part in _chunks(made.entries, 8):
        slide = deck.slides.add_slide(title_only)
        _title(slide, "Appendix: definitions, sources and targets")
        rows = [content.appendix_metric(e, config, made.org_code, period) for e in part]
        _table(slide, ["Metric", "Definition", "Source", "Targets"], rows, 1.2, [2.6, 4.6, 2.4, 2.7], 8)

    out = io.BytesIO()
    deck.core_properties.title = made.title()
    deck.core_properties.author = made.generated_by
    deck.save(out)
    return made.written(SlidePack, out.getvalue(), len(deck.slides))


def slides_from_store(
    engine: Engine, config: Config, org_code: str, period: str | None = None, *, generated_by: str
) -> SlidePack:
    """Read the store once, then make the slides."""
    return render_slides(
        pack_content(inputs_from_store(engine, org_code, generated_by=generated_by), config, org_code, period)
    )
