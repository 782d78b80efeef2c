"""The board pack's document: A4 landscape in NHS colours, DejaVu Sans, running header and footer, MDC icons as
vectors, tables with fpdf2's `FPDF.table()` and the cover's contents with `insert_toc_placeholder`."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode, XPos, YPos
from fpdf.outline import OutlineSection
from fpdf.table import RowLayoutInfo, Table

from perfdash import spc_chart, theme
from perfdash.boardpack.content import BoardPackError
from perfdash.config import Config
from perfdash.vocabulary import ASSURANCE_DESCRIPTIONS, VARIATION_ICON_DESCRIPTIONS

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian fonts-dejavu-core (scripts/system-deps.sh)
NHS_BLUE = theme.rgb(theme.NHS_BLUE)
NHS_DARK_BLUE = theme.rgb(theme.NHS_DARK_BLUE)
NHS_GREY = theme.rgb(theme.NHS_DARK_GREY)
NHS_PALE_GREY = theme.rgb(theme.NHS_PALE_GREY)
WHITE = theme.rgb(theme.WHITE)
BLACK = theme.rgb(theme.NHS_TEXT)
DEMO_AMBER = theme.rgb(theme.NHS_WARM_YELLOW)

PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 12.0
TOP = 17.0  # below the running header
BOTTOM = 14.0  # above the footer
FOOTER_Y = PAGE_H - 10  # the footer's line; nothing else may print below PAGE_H - BOTTOM
CONTENT_W = PAGE_W - 2 * MARGIN
LINE = 0.48  # line height per point of font size, in mm
ICON_MM = 6.0
CELL_PADDING = (1.2, 0.9, 1.2, 0.9)  # top, right, bottom, left


class IconTable(Table):
    """fpdf2's table, drawing vector icons centred in cells once their row is laid out.

    The icons come after the row's text in the page's content, so the text reads in column order when copied or
    extracted, and each icon keeps its alt text (an image inside a table cell can have none).
    """

    def __init__(self, fpdf: FPDF, **kwargs: object) -> None:
        super().__init__(fpdf, **kwargs)
        self.icons: dict[int, list[tuple[int, Callable[[float, float], None]]]] = {}

    def icon(self, column: int, draw: Callable[[float, float], None]) -> None:
        """Draw an icon centred in `column` of the row added last: draw(cx, cy)."""
        self.icons.setdefault(len(self.rows) - 1, []).append((column, draw))

    # fpdf2 2.8 renders each row, a repeated heading row too, through this hook (pinned in requirements.txt).
    def _render_table_row(self, i: int, row_layout_info: RowLayoutInfo, cell_x_positions, **kwargs: object) -> None:
        top = self._fpdf.y
        super()._render_table_row(i, row_layout_info, cell_x_positions, **kwargs)
        after = self._fpdf.x, self._fpdf.y
        for column, draw in self.icons.get(i, []):
            draw((cell_x_positions[column] + cell_x_positions[column + 1]) / 2, top + row_layout_info.height / 2)
        self._fpdf.set_xy(*after)


class Pack(FPDF):
    """FPDF with the pack's running header and footer and a few layout helpers."""

    def __init__(self, title: str, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.pack_title = title
        self.footer_text = footer_text
        self.section = ""
        self.chart_links: dict[str, int] = {}  # metric id -> internal link set where its chart block starts
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.alias_nb_pages()
        self.c_margin = 1.2
        _load_fonts(self)

    def header(self) -> None:
        """NHS-blue rule with the pack title and section (not on the cover)."""
        if self.page_no() == 1:
            return
        self.set_fill_color(*NHS_BLUE)
        self.rect(0, 0, PAGE_W, 2.2, style="F")
        self.set_font("DejaVu", "B", 8)
        self.set_text_color(*NHS_DARK_BLUE)
        self.set_xy(MARGIN, 5)
        self.cell(CONTENT_W / 2, 5, self.pack_title)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*NHS_GREY)
        self.set_xy(MARGIN + CONTENT_W / 2, 5)
        self.cell(CONTENT_W / 2, 5, self.section, align="R")
        self.set_draw_color(*NHS_PALE_GREY)
        self.set_line_width(0.3)
        self.line(MARGIN, 11.5, PAGE_W - MARGIN, 11.5)
        self.set_text_color(*BLACK)
        self.set_y(TOP)

    def footer(self) -> None:
        """Data as-of date on the left, 'Page n of N' on the right."""
        self.set_y(FOOTER_Y)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*NHS_GREY)
        self.set_x(MARGIN)
        self.cell(CONTENT_W * 0.8, 5, self.footer_text)
        self.set_x(MARGIN + CONTENT_W * 0.8)
        self.cell(CONTENT_W * 0.2, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*BLACK)

    def begin(self, section: str, entry: str | None = None, *, new_page: bool = True) -> None:
        """Start a section: running header, and a PDF bookmark that the cover's contents list."""
        self.section = section
        if new_page:
            self.add_page()
        self.start_section(entry or section)

    def space_left(self) -> float:
        """Millimetres left above the footer on this page."""
        return PAGE_H - BOTTOM - self.get_y()

    def heading(self, text: str, size: float = 15) -> None:
        """A section heading in NHS dark blue."""
        self.set_font("DejaVu", "B", size)
        self.set_text_color(*NHS_DARK_BLUE)
        self.set_x(MARGIN)
        self.multi_cell(CONTENT_W, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*BLACK)
        self.ln(1.5)

    def para(
        self,
        text: str,
        size: float = 9,
        *,
        width: float = CONTENT_W,
        x: float | None = None,
        bold: bool = False,
        colour: tuple[int, int, int] = BLACK,
    ) -> None:
        """A left-aligned paragraph that wraps, leaving the cursor at the left margin below it."""
        self.set_font("DejaVu", "B" if bold else "", size)
        self.set_text_color(*colour)
        self.set_x(MARGIN if x is None else x)
        self.multi_cell(width, size * LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*BLACK)

    def text_height(self, text: str, width: float, size: float, bold: bool = False) -> float:
        """Height a paragraph would take."""
        self.set_font("DejaVu", "B" if bold else "", size)
        lines = self.multi_cell(width, size * LINE, text, align="L", dry_run=True, output="LINES")
        return len(lines) * size * LINE

    @contextmanager
    def table_of(
        self,
        widths: Sequence[float],
        *,
        size: float,
        heading_size: float | None = None,
        shade: bool = True,
        aligns: Sequence[str] | None = None,
        heading_rows: int = 1,
    ) -> Iterator[IconTable]:
        """fpdf2's table in the pack's style: NHS-blue heading repeated on each page, pale-grey rule under rows."""
        self.set_font("DejaVu", "", size)
        self.set_text_color(*BLACK)
        self.set_fill_color(*WHITE)  # fpdf2 starts every cell from the current style, fill colour included
        self.set_draw_color(*NHS_PALE_GREY)
        self.set_line_width(0.2)
        self.set_x(MARGIN)
        table = IconTable(
            self,
            col_widths=list(widths),
            width=sum(widths),
            align="LEFT",
            text_align=tuple(aligns) if aligns else "LEFT",
            line_height=size * LINE,
            padding=CELL_PADDING,
            headings_style=FontFace(emphasis="BOLD", color=WHITE, fill_color=NHS_BLUE, size_pt=heading_size or size),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            cell_fill_mode=TableCellFillMode.ROWS if shade else TableCellFillMode.NONE,
            cell_fill_color=NHS_PALE_GREY,
            num_heading_rows=heading_rows,
            repeat_headings=1,
            v_align="MIDDLE",
        )
        yield table
        table.render()  # as FPDF.table() does on leaving its block


def _load_fonts(pdf: FPDF) -> None:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.is_file() or not bold.is_file():
        raise BoardPackError(
            f"DejaVu Sans is needed for the board pack ({regular} not found): install it with "
            "`apt-get install fonts-dejavu-core` (scripts/system-deps.sh does this)."
        )
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))


# --------------------------------------------------------------------------------------------------
# Icons: the app's own MDC SVGs (letters H/L/P/F/? and arrows, so they read in greyscale), drawn as vectors


def _svg(svg: str) -> io.BytesIO:
    # fpdf2 skips <title> with a warning; the PDF carries the description as the image's alt text instead.
    return io.BytesIO(re.sub(r"<title>.*?</title>", "", svg).encode("utf-8"))


def variation_icon(icon: str | None) -> io.BytesIO:
    """The MDC variation icon as SVG for an image or a table cell; a dashed ring when there is no reading."""
    return _svg(spc_chart.variation_icon_svg(icon or "none"))


def assurance_icon(assurance: str | None) -> io.BytesIO:
    """The MDC assurance icon as SVG; a dashed ring when there is none."""
    return _svg(spc_chart.assurance_icon_svg(assurance))


def draw_variation_icon(pdf: FPDF, cx: float, cy: float, icon: str | None, d: float = ICON_MM) -> None:
    """The MDC variation icon centred at (cx, cy), with its description as alt text."""
    alt = VARIATION_ICON_DESCRIPTIONS[icon or "none"]
    pdf.image(variation_icon(icon), x=cx - d / 2, y=cy - d / 2, w=d, h=d, alt_text=alt)


def draw_assurance_icon(pdf: FPDF, cx: float, cy: float, assurance: str | None, d: float = ICON_MM) -> None:
    """The MDC assurance icon centred at (cx, cy), with its description as alt text."""
    alt = ASSURANCE_DESCRIPTIONS[assurance]
    pdf.image(assurance_icon(assurance), x=cx - d / 2, y=cy - d / 2, w=d, h=d, alt_text=alt)


# --------------------------------------------------------------------------------------------------
# Cover and contents


def cover(
    pdf: Pack,
    config: Config,
    name: str,
    facts: Sequence[tuple[str, str]],
    demo_label: str | None,
    demo_notice: str | None,
    long_month: str,
) -> None:
    """The cover: title band, organisation, the facts, the demo warning, and room for the contents."""
    pdf.add_page()
    pdf.set_fill_color(*NHS_BLUE)
    pdf.rect(0, 0, PAGE_W, 52, style="F")
    pdf.set_text_color(*WHITE)
    for y, size, height, text in ((12, 11, 6, config.app.title), (22, 26, 12, "Board performance pack")):
        pdf.set_font("DejaVu", "B", size)
        pdf.set_xy(MARGIN + 4, y)
        pdf.cell(CONTENT_W, height, text)
    pdf.set_font("DejaVu", "", 16)
    pdf.set_xy(MARGIN + 4, 36)
    pdf.cell(CONTENT_W, 8, long_month)
    pdf.set_xy(MARGIN + 4, 60)
    pdf.set_font("DejaVu", "B", 18)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.multi_cell(CONTENT_W - 8, 9, name, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*BLACK)
    pdf.ln(3)
    for key, value in facts:
        pdf.set_x(MARGIN + 4)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(40, 6.5, key)
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(CONTENT_W - 48, 6.5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if demo_label:
        pdf.ln(4)
        top = pdf.get_y()
        pdf.set_fill_color(*DEMO_AMBER)
        pdf.set_font("DejaVu", "", 9)
        # The notice names the metrics that are still synthetic once real data is loaded: it may take lines.
        lines = len(pdf.multi_cell(CONTENT_W - 16, 4.5, demo_notice or "", dry_run=True, output="LINES"))
        height = 9 + lines * 4.5
        pdf.rect(MARGIN + 4, top, CONTENT_W - 8, height, style="F")
        pdf.set_xy(MARGIN + 8, top + 1.5)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(CONTENT_W - 16, 5.5, f"⚠ {demo_label.upper()}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(MARGIN + 8)
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(CONTENT_W - 16, 4.5, demo_notice or "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(top + height + 2)
    pdf.ln(4)
    pdf.set_x(MARGIN + 4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.cell(CONTENT_W, 7, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*BLACK)


def contents(pdf: FPDF, outline: list[OutlineSection]) -> None:
    """The cover's contents list, written by fpdf2 once every section's page is known (two columns if long)."""
    pdf.set_font("DejaVu", "", 9.5)
    top, line = pdf.get_y(), 5.6
    per_column = max(1, int((PAGE_H - BOTTOM - top) // line))
    width = 140.0 if len(outline) <= per_column else (CONTENT_W - 8) / 2
    for index, section in enumerate(outline):
        column, row = divmod(index, per_column)
        pdf.set_xy(MARGIN + 4 + column * width, top + row * line)
        pdf.cell(width - 20, line, section.name, link=pdf.add_link(page=section.page_number))
        pdf.cell(14, line, str(section.page_number), align="R")
