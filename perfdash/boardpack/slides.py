"""The board pack as an editable PowerPoint file: the PDF's pages as slides, charts as images (the same PNGs),
tables as real tables a board secretary can edit. Content from the same parts as the PDF; python-pptx lays it out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from pptx import Presentation
from pptx.util import Inches, Pt

from perfdash import benchmark, board, exceptions, sources, store, summary
from perfdash.boardpack import charts, content
from perfdash.config import Config
from perfdash.periods import add_months, label
from perfdash.store import Engine
from perfdash.vocabulary import KITE_RATINGS, format_value, target_text

ROWS_PER_SLIDE = 12
WIDE = (Inches(13.333), Inches(7.5))
MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@dataclass(frozen=True)
class SlidePack:
    """The .pptx bytes and what went into them (the tests read the file back against this)."""

    pptx: bytes
    org_code: str
    period: str
    slides: int
    exceptions: tuple[str, ...]
    charted: tuple[str, ...]
    file_name: str


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


def make_slides(
    current: pd.DataFrame,
    config: Config,
    org_code: str,
    period: str | None = None,
    *,
    commentary: pd.DataFrame,
    uploads: pd.DataFrame,
    generated_by: str,
    generated_at: datetime | None = None,
    reference: pd.DataFrame | None = None,
    plans: pd.DataFrame | None = None,
) -> SlidePack:
    """The pack as slides: cover, executive summary, standards not met, summary, exceptions, charts, appendix."""
    name = content.org_name(config, org_code)
    period = content.pack_period(current, config, org_code, period)
    charts.chromium_path()
    entries = content.collect(current, commentary, config, org_code, period, plans)
    charted = [e for e in entries if e.reading is not None]
    pngs = charts.render_charts([charts.chart_figure(e, config, org_code, plans) for e in charted])
    images = dict(zip([e.metric.id for e in charted], pngs, strict=True))
    overview = board.overview(current, config, org_code, period)
    headline = summary.summarise(overview, board.overview(current, config, org_code, add_months(period, -1)), period)
    lookup = reference if reference is not None else pd.DataFrame()
    national = benchmark.national_columns(current, lookup, config, org_code, period)
    reports = exceptions.exception_reports(overview, current, commentary, config, org_code, period, national)

    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDE
    title_only = deck.slide_layouts[5]  # the default template's "Title Only"

    cover = deck.slides.add_slide(title_only)
    _title(cover, f"Board performance pack: {name}")
    uploaded = content.latest_upload(uploads)
    facts = [
        f"Month: {content.long_month(period)}",
        f"Latest upload: {uploaded or 'none recorded'}",
        f"Generated: {content.uk_time(generated_at or datetime.now(UTC))} by {generated_by}",
        f"SPC profile: {config.app.spc_profile.upper()}",
    ]
    notice = sources.demo_notice(
        config, sources.synthetic_metrics(config, current, uploads), real_loaded=sources.real_data_loaded(uploads)
    )
    if notice:
        facts.append(f"⚠ {config.app.demo_label.upper()}: {notice}")
    _text(cover, facts, 1.6, 3.0, 18)

    slide = deck.slides.add_slide(title_only)
    _title(slide, f"Executive summary, {label(period)}")
    _text(slide, [headline.headline()], 1.3, 0.8, 14)
    _table(
        slide,
        ["Count", "Standards", "What it counts"],
        [[str(c), n, m] for n, c, m in headline.counts()],
        2.2,
        [1.2, 3.0, 8.1],
    )
    changes = [f"• {c.text()}" for c in headline.changes] or ["Nothing changed in met, special cause or assurance."]
    _text(slide, [f"What changed since {label(headline.previous)}", *changes], 4.0, 3.3, 12)

    missed = [r for r in reports if r.met is False]
    for part in _chunks(missed):
        slide = deck.slides.add_slide(title_only)
        _title(slide, f"Standards not met, {label(period)}")
        rows = [
            [
                r.metric.name,
                format_value(r.value, r.metric.unit),
                target_text(r.metric.direction, r.target, r.metric.unit),
                "–" if r.plan is None else format_value(r.plan, r.metric.unit),
                r.since_met_short(),
                r.lead,
                KITE_RATINGS[r.quality.overall],
            ]
            for r in part
        ]
        header = ["Standard not met", "Latest", "Target", "Plan", "Last met", "Lead", "Data quality"]
        _table(slide, header, rows, 1.3, [3.4, 1.1, 1.2, 1.0, 1.9, 2.3, 1.4], 10)

    for part in _chunks(entries):
        slide = deck.slides.add_slide(title_only)
        _title(slide, f"Summary of standards, {label(period)}")
        rows = [
            [
                e.metric.name,
                format_value(e.value, e.metric.unit),
                e.target_text(),
                e.met_text(),
                e.reading_text(),
                e.data_to(),
            ]
            for e in part
        ]
        _table(
            slide,
            ["Metric", "Latest", "Target", "Met", "SPC reading", "Data to"],
            rows,
            1.3,
            [3.6, 1.3, 1.4, 1.4, 3.2, 1.4],
            10,
        )

    for report in reports:
        slide = deck.slides.add_slide(title_only)
        _title(slide, f"Exception report: {report.metric.name}")
        _text(slide, [f"{' and '.join(report.reasons)}. {report.latest_text()}"], 1.2, 0.5, 14)
        if report.metric.id in images:
            slide.shapes.add_picture(io.BytesIO(images[report.metric.id]), Inches(0.5), Inches(1.8), width=Inches(7.4))
        facts = [
            ("Accountable lead", report.lead),
            ("Months since last met", report.since_met_text()),
            ("SPC reading", report.reading()),
            ("Benchmark", report.benchmark or "No national data loaded for this month."),
            *report.narrative_parts(),
            ("Data quality", report.quality_text().removeprefix("Data quality: ")),
        ]
        shape = slide.shapes.add_table(len(facts), 2, Inches(8.1), Inches(1.8), Inches(4.8), Inches(4.5))
        shape.table.columns[0].width, shape.table.columns[1].width = Inches(1.5), Inches(3.3)
        for row, (heading, text) in enumerate(facts):
            for column, value in enumerate((heading, text)):
                cell = shape.table.cell(row, column)
                cell.text = value
                cell.text_frame.paragraphs[0].font.size = Pt(9)

    for domain in config.domains:
        for entry in [e for e in entries if e.metric.domain == domain.id and e.metric.id in images]:
            slide = deck.slides.add_slide(title_only)
            _title(slide, f"{domain.name}: {entry.metric.name}")
            slide.shapes.add_picture(io.BytesIO(images[entry.metric.id]), Inches(0.5), Inches(1.3), width=Inches(8.2))
            parts = content.block_parts(entry, config, org_code, period)
            _text(slide, [f"{heading}: {text}" for heading, text in parts], 1.3, 5.8, 9, left=8.9, width=4.0)

    for part in _chunks(entries, 8):
        slide = deck.slides.add_slide(title_only)
        _title(slide, "Appendix: definitions, sources and targets")
        rows = [content.appendix_metric(e, config, org_code, period) for e in part]
        _table(slide, ["Metric", "Definition", "Source", "Targets"], rows, 1.2, [2.6, 4.6, 2.4, 2.7], 8)

    out = io.BytesIO()
    deck.core_properties.title = f"Board performance pack: {name}, {label(period)}"
    deck.core_properties.author = generated_by
    deck.save(out)
    return SlidePack(
        pptx=out.getvalue(),
        org_code=org_code,
        period=period,
        slides=len(deck.slides),
        exceptions=tuple(r.metric.id for r in reports),
        charted=tuple(e.metric.id for e in charted),
        file_name=content.pack_file_name(org_code, period).removesuffix(".pdf") + ".pptx",
    )


def slides_from_store(
    engine: Engine, config: Config, org_code: str, period: str | None = None, *, generated_by: str
) -> SlidePack:
    """Read current values, commentary and uploads from the store, then make the slides."""
    return make_slides(
        store.read_current(engine),
        config,
        org_code,
        period,
        commentary=store.read_commentary(engine, org_code=org_code),
        uploads=store.list_uploads(engine),
        generated_by=generated_by,
        reference=store.read_reference(engine),
        plans=store.read_plans(engine),
    )
