"""The board pack's pages after the cover: summary table, variation × assurance matrix, charts, appendix."""

from __future__ import annotations

import io

import pandas as pd
from fpdf import FontFace
from fpdf.enums import XPos, YPos

from perfdash import present, spc
from perfdash.boardpack.content import (
    MetricEntry,
    appendix_metric,
    block_parts,
    method_paragraphs,
)
from perfdash.boardpack.layout import (
    BLACK,
    BOTTOM,
    CELL_PADDING,
    CONTENT_W,
    LINE,
    MARGIN,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_PALE_GREY,
    PAGE_H,
    PAGE_W,
    TOP,
    WHITE,
    Pack,
    draw_assurance_icon,
    draw_variation_icon,
)
from perfdash.boardpack.model import PackContent
from perfdash.config import Config
from perfdash.periods import label
from perfdash.vocabulary import (
    ASSURANCE_COLUMNS,
    ASSURANCE_DESCRIPTIONS,
    VARIATION_ICON_DESCRIPTIONS,
    VARIATION_ROWS,
    format_value,
)

SUMMARY = "Summary of standards"
MATRIX = "Variation and assurance matrix"
# Each summary column's width in mm without national data, and its alignment; with national data the columns other
# than the icons' narrow to make room (the widths always add up to CONTENT_W).
SUMMARY_COLUMNS = {
    "Metric": (67.0, "LEFT"),
    "Latest": (22.0, "RIGHT"),
    "vs target": (35.0, "LEFT"),
    "vs plan": (31.0, "LEFT"),
    "Variation": (16.0, "CENTER"),
    "Assurance": (17.0, "CENTER"),
    "SPC reading": (57.0, "LEFT"),
    "Data to": (28.0, "LEFT"),
    "vs England": (21.0, "RIGHT"),
    "vs London": (21.0, "RIGHT"),
    "Rank in London": (20.0, "RIGHT"),
}
ICON_HEADINGS = ["Variation", "Assurance"]  # drawn after "vs plan", as on the overview
SUMMARY_SIZE = 7.5
DOMAIN_STYLE = FontFace(emphasis="BOLD", color=NHS_DARK_BLUE, fill_color=WHITE, size_pt=8)

MATRIX_ICON_W = 10.0
MATRIX_LABEL_W = 46.0
MATRIX_CELL_W = (CONTENT_W - MATRIX_ICON_W - MATRIX_LABEL_W) / len(ASSURANCE_COLUMNS)
MATRIX_SIZE = 7.0
MATRIX_HEADINGS_H = 22.0  # both heading rows, as drawn (icon row and words row), with room to spare
# One example icon per matrix row.
ROW_ICONS = {
    "improvement": "improvement_high",
    "common_cause": "common_cause",
    "concern": "concern_low",
    "neutral": "neutral_high",
    "none": None,
    "no_data": None,
}

CHART_W = 152.0  # mm on the page: two metrics fit on a page
CHART_H = 68.0  # the chart image keeps its aspect ratio: CHART_W / CHART_H = CHART_PX[0] / CHART_PX[1]
SIDE_X = MARGIN + CHART_W + 4  # the text column beside each chart
SIDE_W = PAGE_W - MARGIN - SIDE_X
SIDE_LABEL_W = 20.0
SIDE_SIZE = 7.0
BLOCK_TITLE_H = 8.0
APPENDIX_COLUMNS = [("Metric", 52.0), ("Definition", 92.0), ("Source", 58.0), ("Targets", 71.0)]
# The Sources page as a table: what each column of sources.sources_table is called, and its width in mm.
SOURCES_COLUMNS = [
    ("metric", "Metric", 42.0),
    ("publication", "Publication", 50.0),
    ("last_month", "Last month", 17.0),
    ("origin", "Origin", 22.0),
    ("last_upload", "Last upload", 67.0),
    ("next_expected", "Next expected", 32.0),
    ("late", "Late?", 43.0),
]
SOURCES = "Appendix: sources"


def summary_pages(pdf: Pack, made: PackContent, *, new_page: bool) -> None:
    """Every metric's latest value against its target and plan, its icons, its reading in words and, where national
    data is loaded, England, London and its rank, domain by domain: the overview's columns and words."""
    pdf.begin(SUMMARY, new_page=new_page)
    pdf.heading(f"{SUMMARY}, {label(made.period)}")
    pdf.para(
        "Each metric's latest value up to the pack month, judged against the month's target (vs target) and the "
        "organisation's plan trajectory (vs plan). The variation and assurance icons follow Making Data Count (key "
        f"in the appendix); assurance asks whether the {made.config.app.assurance_against} will be met, and the SPC "
        "reading says the same in words, with a note where it reads differently from this month's result. "
        "⚠ marks a metric whose latest month loaded is older than the pack month.",
        8,
        colour=NHS_GREY,
    )
    if made.national_note:
        pdf.para(made.national_note, 8, colour=NHS_GREY)
    pdf.ln(1.5)
    headings = made.summary_headings()
    icons_at = headings.index("vs plan") + 1
    headings[icons_at:icons_at] = ICON_HEADINGS
    icons_w = sum(SUMMARY_COLUMNS[h][0] for h in ICON_HEADINGS)
    scale = (CONTENT_W - icons_w) / sum(SUMMARY_COLUMNS[h][0] for h in headings if h not in ICON_HEADINGS)
    widths = [SUMMARY_COLUMNS[h][0] * (1 if h in ICON_HEADINGS else scale) for h in headings]
    aligns = [SUMMARY_COLUMNS[h][1] for h in headings]
    with pdf.table_of(widths, size=SUMMARY_SIZE, heading_size=7, aligns=aligns) as table:
        table.row(headings)
        for domain in made.config.domains:
            rows = [e for e in made.entries if e.metric.domain == domain.id]
            if not rows:
                continue
            table.row().cell(domain.name, colspan=len(headings), style=DOMAIN_STYLE, align="LEFT")
            for entry in rows:
                cells = made.summary_cells(entry)
                cells[icons_at:icons_at] = [""] * len(ICON_HEADINGS)
                table.row(cells)
                icon, assurance = entry.variation_icon(), entry.assurance
                table.icon(icons_at, lambda x, y, icon=icon: draw_variation_icon(pdf, x, y, icon))
                table.icon(icons_at + 1, lambda x, y, assurance=assurance: draw_assurance_icon(pdf, x, y, assurance))


def _bullet_lines(pdf: Pack, name: str) -> int:
    """Lines one '• name' takes in a matrix cell."""
    return round(
        pdf.text_height(f"• {name}", MATRIX_CELL_W - CELL_PADDING[1] - CELL_PADDING[3], MATRIX_SIZE)
        / (MATRIX_SIZE * LINE)
    )


def matrix_rows(pdf: Pack, table: pd.DataFrame) -> list[tuple[str, str | None, list[str]]]:
    """(row label, row icon, cell texts) per table row; a row too tall for a page continues in further rows."""
    cells = present.summary_matrix(table)
    names = dict(zip(table["metric_id"], table["metric"], strict=True))
    line = MATRIX_SIZE * LINE
    room = PAGE_H - TOP - BOTTOM - MATRIX_HEADINGS_H - CELL_PADDING[0] - CELL_PADDING[2]
    capacity = int(room // line) - 1  # lines per row, less the count line
    rows = []
    for key, row_label in VARIATION_ROWS:
        lists = [[names[i] for i in cells[(key, column)]] for column, _ in ASSURANCE_COLUMNS]
        chunks: list[list[list[str]]] = []  # per continuation row, per column, the names in it
        for column, items in enumerate(lists):
            part, used = 0, 0
            for name in items:
                lines = _bullet_lines(pdf, name)
                if used + lines > capacity:
                    part, used = part + 1, 0
                while len(chunks) <= part:
                    chunks.append([[] for _ in lists])
                chunks[part][column].append(name)
                used += lines
        for index, chunk in enumerate(chunks or [[[] for _ in lists]]):
            texts = []
            for column, items in enumerate(chunk):
                bullets = "\n".join(f"• {n}" for n in items)
                if index == 0:
                    count = len(lists[column])
                    head = f"{count} metric{'' if count == 1 else 's'}" if count else "0"
                    texts.append(f"{head}\n{bullets}" if bullets else head)
                else:
                    texts.append(bullets)
            rows.append((row_label if index == 0 else f"{row_label} (continued)", ROW_ICONS[key], texts))
    return rows


def matrix_page(pdf: Pack, table: pd.DataFrame, period: str, against: str = "target") -> None:
    """The MDC summary matrix: each metric in one cell, by variation (rows) and assurance (columns)."""
    pdf.begin(MATRIX)
    pdf.heading(f"Variation and assurance, {label(period)}")
    pdf.para(
        "Each metric sits in one cell: its SPC variation (rows) against the assurance that it will meet its "
        f"{against} (columns; config.yaml judges assurance against the {against}). The first line of a cell counts "
        "the metrics in it.",
        8,
        colour=NHS_GREY,
    )
    pdf.ln(2)
    widths = [MATRIX_ICON_W, MATRIX_LABEL_W, *[MATRIX_CELL_W] * len(ASSURANCE_COLUMNS)]
    rows = matrix_rows(pdf, table)
    with pdf.table_of(widths, size=MATRIX_SIZE, heading_size=8, shade=False, heading_rows=2) as grid:
        grid.row([""] * len(widths), min_height=9)
        for column, (key, _) in enumerate(ASSURANCE_COLUMNS, start=2):
            if key != "none":  # no target: no icon
                grid.icon(column, lambda x, y, key=key: draw_assurance_icon(pdf, x, y, key, d=7))
        grid.row(["", "Variation \\ Assurance", *[text for _, text in ASSURANCE_COLUMNS]])
        for row_label, icon, texts in rows:
            row = grid.row()
            row.cell("")
            grid.icon(0, lambda x, y, icon=icon: draw_variation_icon(pdf, x, y, icon, d=7))
            row.cell(row_label, style=FontFace(emphasis="BOLD", fill_color=NHS_PALE_GREY))
            for text in texts:
                row.cell(text)
    pdf.ln(3)
    pdf.para(
        "Row icons show one example of each kind: improvement, concern and neither can be high (H) or low (L), "
        "depending on which way is better for the metric.",
        7.5,
        colour=NHS_GREY,
    )


def _side_height(pdf: Pack, parts: list[tuple[str, str]]) -> float:
    width = SIDE_W - SIDE_LABEL_W
    return sum(pdf.text_height(text, width, SIDE_SIZE) + 1.4 for _, text in parts)


def metric_block(pdf: Pack, entry: MetricEntry, png: bytes, config: Config, org_code: str, period: str) -> None:
    """Title bar, chart on the left, definition, targets, rules and commentary on the right."""
    metric = entry.metric
    parts = block_parts(entry, config, org_code, period)
    height = BLOCK_TITLE_H + max(CHART_H, _side_height(pdf, parts)) + 3
    if height > pdf.space_left():
        pdf.add_page()
    top = pdf.get_y()
    if metric.id in pdf.chart_links:  # the executive summary links here
        pdf.set_link(pdf.chart_links[metric.id], y=top, page=pdf.page)
    pdf.set_fill_color(*NHS_PALE_GREY)
    pdf.rect(MARGIN, top, CONTENT_W, BLOCK_TITLE_H - 1, style="F")
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.set_xy(MARGIN + 1.5, top + 0.5)
    name_w = min(pdf.get_string_width(metric.name) + 4, CONTENT_W * 0.5)
    pdf.cell(name_w, 6, metric.name)
    pdf.set_text_color(*BLACK)
    stale = " ⚠ stale" if entry.stale else ""
    shown = format_value(entry.value, metric.unit)
    summary = (
        f"{label(entry.value_period or period)}{stale}: {shown}   "
        f"vs target: {entry.versus_target()}   vs plan: {entry.versus_plan()}   {entry.reading_text()}"
    )
    pdf.set_font("DejaVu", "", 8)
    pdf.set_xy(MARGIN + name_w, top + 0.5)
    pdf.cell(CONTENT_W - name_w - 17, 6, summary, align="R")
    draw_variation_icon(pdf, PAGE_W - MARGIN - 11, top + 3.5, entry.variation_icon())
    draw_assurance_icon(pdf, PAGE_W - MARGIN - 4, top + 3.5, entry.assurance)
    body = top + BLOCK_TITLE_H
    kind = "Run" if entry.result is not None and entry.result.run_chart_only else "SPC"
    alt = (
        f"{kind} chart of {metric.name} for {org_code}: {shown} in {label(entry.value_period or period)}; "
        f"{entry.reading_text()}"
    )
    pdf.image(io.BytesIO(png), x=MARGIN, y=body, w=CHART_W, h=CHART_H, alt_text=alt)
    y, page = body, pdf.page
    for heading, text in parts:
        pdf.set_xy(SIDE_X, y)
        pdf.set_font("DejaVu", "B", SIDE_SIZE)
        pdf.set_text_color(*NHS_DARK_BLUE)
        pdf.cell(SIDE_LABEL_W, SIDE_SIZE * LINE, heading)
        pdf.set_text_color(*BLACK)
        pdf.set_font("DejaVu", "", SIDE_SIZE)
        pdf.set_xy(SIDE_X + SIDE_LABEL_W, y)
        pdf.multi_cell(SIDE_W - SIDE_LABEL_W, SIDE_SIZE * LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        # A very long commentary may run onto the next page; carry on from wherever the text ended.
        y = pdf.get_y() + 1.4
    pdf.set_xy(MARGIN, (max(y, body + CHART_H) if pdf.page == page else y) + 3)


def domain_pages(
    pdf: Pack, entries: list[MetricEntry], charts: dict[str, bytes], config: Config, org_code: str, period: str
) -> None:
    """One section per domain: each charted metric's block, two to a page."""
    for domain in config.domains:
        shown = [e for e in entries if e.metric.domain == domain.id and e.metric.id in charts]
        if not shown:
            continue
        pdf.begin(domain.name)
        pdf.heading(domain.name, 13)
        for entry in shown:
            metric_block(pdf, entry, charts[entry.metric.id], config, org_code, period)


def appendix(pdf: Pack, entries: list[MetricEntry], config: Config, org_code: str, period: str) -> None:
    """Definitions, sources and targets of every metric; then the SPC method and the icon key."""
    pdf.begin("Appendix", "Appendix: definitions, sources and targets")
    pdf.heading("Appendix: definitions, sources and targets")
    with pdf.table_of([w for _, w in APPENDIX_COLUMNS], size=7) as table:
        table.row([heading for heading, _ in APPENDIX_COLUMNS])
        for entry in entries:
            table.row(appendix_metric(entry, config, org_code, period))

    pdf.begin("Appendix", "Appendix: the SPC method and icons")
    pdf.heading("Appendix: how the SPC charts and icons work")
    for text in method_paragraphs(config, org_code):
        pdf.para(text, 8.5)
        pdf.ln(1.2)
    pdf.ln(1.5)
    rows = len(spc.VARIATION_ICONS) + 1
    if pdf.space_left() < 8 + rows * 7.5:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.cell(CONTENT_W / 2, 6, "Variation icons")
    pdf.cell(
        CONTENT_W / 2,
        6,
        f"Assurance icons (against the {config.app.assurance_against})",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*BLACK)
    top = pdf.get_y() + 1
    for index, name in enumerate([*spc.VARIATION_ICONS, "none"]):
        y = top + index * 7.5
        draw_variation_icon(pdf, MARGIN + 4, y + 3, name, d=6.5)
        pdf.set_font("DejaVu", "", 8)
        pdf.set_xy(MARGIN + 10, y)
        pdf.cell(CONTENT_W / 2 - 12, 6, VARIATION_ICON_DESCRIPTIONS[name])
    half = MARGIN + CONTENT_W / 2
    assurances = [*spc.ASSURANCES[1:], None]
    for index, name in enumerate(assurances):
        y = top + index * 7.5
        draw_assurance_icon(pdf, half + 4, y + 3, name, d=6.5)
        pdf.set_font("DejaVu", "", 8)
        pdf.set_xy(half + 10, y)
        pdf.cell(CONTENT_W / 2 - 12, 6, ASSURANCE_DESCRIPTIONS[name])
    pdf.set_xy(half, top + len(assurances) * 7.5 + 2)
    pdf.para(
        "The icons carry letters as well as colour: H and L, with an arrow, say a special cause is high or low; P, "
        "F and ? mean pass, fail and hit and miss; a flat line of dots is common cause and a dashed ring means no "
        "reading. Blue is improvement, orange concern and purple neither, and the SPC reading column says the same "
        "in words, so the pack reads in greyscale.",
        7.5,
        width=CONTENT_W / 2,
        x=half,
        colour=NHS_GREY,
    )


def sources_appendix(pdf: Pack, table: pd.DataFrame) -> None:
    """Where each metric's numbers came from: the Sources page of the app, as a table."""
    pdf.begin("Appendix", SOURCES)
    pdf.heading("Appendix: where each number comes from")
    pdf.para(
        "For each metric: its publication, the last month loaded for North East London, whether those values are "
        "published statistics, a trust return or made-up demonstration values, the upload they came from, when the "
        "next "
        "month is due and whether it is late. The Sources page in the app shows the same.",
        8.5,
    )
    pdf.ln(1.5)
    with pdf.table_of([w for _, _, w in SOURCES_COLUMNS], size=6.5) as grid:
        grid.row([heading for _, heading, _ in SOURCES_COLUMNS])
        for row in table.itertuples(index=False):
            grid.row([str(getattr(row, column)) for column, _, _ in SOURCES_COLUMNS])
