"""Read-only tables, headline tiles and report cards as semantic HTML blocks: every value escaped. Pure.

Tables have real links and rows that become cards on a phone.

Why HTML and not st.dataframe: a data grid is a canvas the browser lays out and draws on its own (most of the
overview's time in Chromium), it clips long text in fixed-width columns, scrolls inside itself, and its links
do not open from the keyboard. An HTML table wraps its text, shows every row, and its links are <a> elements.

Sparklines are <img> elements with SVG data URIs and a text alternative, and icons come from a stylesheet
(IconSheet): no SVG elements in the page's HTML.

Safety, twice over: a cell is escaped unless it is `Markup` made here (link, image, sparkline), so text from data,
uploads or people can never add markup; and `sanitised` passes every block through an allowlist of the tags and
attributes made here (ammonia, through nh3) before it is shown. That second check used to be DOMPurify in the
browser (st.html), run on every page load; on the server it runs once per distinct block.
"""

from __future__ import annotations

import base64
import functools
import html
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import nh3
import pandas as pd

from perfdash.chart_svg import SVG_ATTRIBUTES, SVG_TAGS
from perfdash.theme import FONT, NHS_BLUE, NHS_DARK_BLUE, NHS_GREY_3, NHS_PALE_GREY, NHS_TEXT, NHS_WARM_YELLOW

_SVG_URI = "data:image/svg+xml;base64,"
_PAINT = re.compile(r"#[0-9a-fA-F]{3,8}|none|[a-z]+")


class Markup(str):
    """HTML made by this module from escaped parts: the only text a cell inserts as it is."""


@dataclass(frozen=True)
class Column:
    """A column: its heading, an optional longer explanation, and how its cells sit.

    kind: 'text'; 'number' (right-aligned); 'icon' (centred); 'long' (sentences whose identifiers or paths may
    break anywhere, so one long token cannot widen the table past the screen).
    """

    name: str
    help: str | None = None
    kind: str = "text"


def escape(value: object) -> str:
    """Text for HTML content or a quoted attribute: <, >, &, ' and " escaped; None as an empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def _within_the_app(href: str) -> bool:
    """A site-relative href ('/metric?...'), not one to another site ('//evil.example', 'https://...')."""
    return href.startswith("/") and not href.startswith("//")


def link(text: object, href: str) -> Markup:
    """A real link (Enter opens it); only a site-relative href ('/metric?...') is accepted."""
    if not _within_the_app(href):
        raise ValueError(f"only links within the app are made here, not {href!r}")
    return Markup(f'<a href="{escape(href)}">{escape(text)}</a>')


class IconSheet:
    """Icons drawn from one stylesheet: each distinct SVG is sent and decoded once, not once per row.

    A table of 49 rows has two MDC icons per row but only a handful of distinct ones; as <img> data URIs they
    were four fifths of the table's bytes. Each use is a role="img" element named by its text alternative.
    """

    def __init__(self, size: int = 24) -> None:
        self.size = size
        self._classes: dict[str, str] = {}

    def icon(self, uri: str | float | None, alt: str) -> Markup:
        """The icon with its text alternative; nothing when there is no icon."""
        # A frame's text column holds a missing icon as NaN, not None (pandas 3's string dtype): a standard
        # with too few months for SPC has none, which real files have and the demo data never had.
        if uri is None or pd.isna(uri):
            return Markup("")
        if not uri.startswith(_SVG_URI):
            raise ValueError("only SVG data URIs made by perfdash are shown as images")
        name = self._classes.setdefault(uri, f"pd-i{len(self._classes)}")
        return Markup(f'<span role="img" aria-label="{escape(alt)}" class="pd-ico {name}"></span>')

    def style(self) -> str:
        """The <style> that draws every icon used so far."""
        rules = "".join(f'.{name} {{ background-image: url("{uri}"); }}' for uri, name in self._classes.items())
        box = f"width: {self.size}px; height: {self.size}px"
        return (
            f"<style>.pd-ico {{ display: inline-block; {box}; background-size: contain; vertical-align: middle; }}"
            f"{rules}</style>"
        )


def sparkline(values: Iterable[float | None], alt: str, *, width: int = 50, height: int = 22) -> Markup:
    """A small line of the values (gaps skipped) as an image, with the trend in words as its alternative."""
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None and not math.isnan(float(v))]
    if len(points) < 2:
        return Markup(escape(alt))
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = high - low or 1.0
    last = max(i for i, _ in points) or 1
    xy = [(2 + i * (width - 4) / last, height - 2 - (v - low) * (height - 4) / span) for i, v in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    end_x, end_y = xy[-1]
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<polyline points="{path}" fill="none" stroke="{NHS_BLUE}" stroke-width="1.5" stroke-linejoin="round"/>'
        f'<circle cx="{end_x:.1f}" cy="{end_y:.1f}" r="2" fill="{NHS_DARK_BLUE}"/></svg>'
    )
    uri = _SVG_URI + base64.b64encode(svg.encode("ascii")).decode("ascii")
    return Markup(f'<img src="{uri}" alt="{escape(alt)}" width="{width}" height="{height}">')


def _cell(value: object) -> str:
    return value if isinstance(value, Markup) else escape(value)


def table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    caption: str,
    groups: Sequence[str | None] | None = None,
) -> str:
    """An HTML table; each row's first cell is its header and every cell carries its column's name (phone layout).

    With `groups` (one name per row, rows of a group together), each group is a <tbody> under a heading row, as
    the domains group the overview's standards.
    """
    head = "".join(
        f'<th scope="col" class="pd-{c.kind}"{f" title={_quoted(c.help)}" if c.help else ""}>{escape(c.name)}</th>'
        for c in columns
    )
    bodies: list[tuple[str | None, list[str]]] = []
    for index, row in enumerate(rows):
        group = groups[index] if groups is not None else None
        if not bodies or bodies[-1][0] != group:
            bodies.append((group, []))
        bodies[-1][1].append(_row(columns, row))
    html_bodies = "".join(
        "<tbody>"
        + (
            f'<tr class="pd-group"><th colspan="{len(columns)}" scope="rowgroup">{escape(group)}</th></tr>'
            if group
            else ""
        )
        + "".join(lines)
        + "</tbody>"
        for group, lines in bodies
    )
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="pd-wrap"><table class="pd-table">{caption_html}'
        f"<thead><tr>{head}</tr></thead>{html_bodies}</table></div>"
    )


def frame_table(
    frame: pd.DataFrame, caption: str = "", numbers: Collection[str] = (), long: Collection[str] = ()
) -> str:
    """A small read-only frame as an HTML table: every value shown as text, numbers right-aligned.

    numbers: columns of numbers already written as text ('78.5%', '13,728'), right-aligned as numbers are.
    long: columns of sentences with long file names or codes in them, which may break anywhere.
    """

    def kind(name: object) -> str:
        if frame[name].dtype.kind in "iuf" or name in numbers:
            return "number"
        return "long" if name in long else "text"

    columns = [Column(str(name), kind=kind(name)) for name in frame]
    return table(columns, frame.itertuples(index=False), caption=caption)


def counts(items: Iterable[tuple[str, int, str | None]], label: str) -> str:
    """Headline counts as a list of tiles: each name, its number and, when given, what it counts, in words.

    One HTML block instead of a row of st.metric columns: no widget code to load, and what each number
    counts is on the page, not behind a help icon.
    """
    tiles = "".join(
        f'<li><span class="pd-count-name">{escape(name)}</span> <span class="pd-count-value">{int(count):,}</span>'
        + (f' <span class="pd-count-meaning">{escape(meaning[:1].upper() + meaning[1:])}.</span>' if meaning else "")
        + "</li>"
        for name, count, meaning in items
    )
    return f'<div class="pd-tiles"><ul class="pd-counts" aria-label={_quoted(label)}>{tiles}</ul></div>'


def card(heading: str, headline: tuple[str, str], lines: Iterable[tuple[str, str]]) -> str:
    """A bordered card: a heading (text, or a link made here), a bold lead-in and its sentence, labelled lines.

    Many cards in one HTML block draw far faster than a bordered container of markdown elements for each.
    """
    items = "".join(f"<li><strong>{escape(name)}:</strong> {escape(text)}</li>" for name, text in lines)
    return (
        f'<section class="pd-card"><h2>{_cell(heading)}</h2>'
        f"<p><strong>{escape(headline[0])}</strong> {escape(headline[1])}</p><ul>{items}</ul></section>"
    )


def _row(columns: Sequence[Column], row: Sequence[object]) -> str:
    if len(row) != len(columns):
        raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns")
    cells = []
    for index, (column, value) in enumerate(zip(columns, row, strict=True)):
        tag, scope = ("th", ' scope="row"') if index == 0 else ("td", "")
        label = escape(column.name)
        cells.append(f'<{tag}{scope} class="pd-{column.kind}" data-label="{label}"><div>{_cell(value)}</div></{tag}>')
    return "<tr>" + "".join(cells) + "</tr>"


def _quoted(text: str) -> str:
    return f'"{escape(text)}"'


# Cards below 640 px of the table's own width (a container query: right whether the sidebar is open or not).
# Colours are the NHS ones from perfdash.theme; the focus style is the NHS service manual's yellow.
STYLE = f"""<style>
.pd-wrap {{ container-type: inline-size; width: 100%; }}
.pd-table {{ border-collapse: collapse; width: 100%; font-family: {FONT}; font-size: 0.75rem; line-height: 1.3;
  color: {NHS_TEXT}; margin: 0 0 1rem 0; }}
.pd-table caption {{ text-align: left; caption-side: top; padding: 0 0 0.4rem 0; color: {NHS_TEXT}; }}
.pd-table th, .pd-table td {{ border-bottom: 1px solid {NHS_PALE_GREY}; padding: 0.3rem 0.2rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }}
.pd-table thead th {{ background: {NHS_PALE_GREY}; font-weight: 700; vertical-align: bottom; }}
.pd-table thead th[title] {{ text-decoration: underline dotted; }}
.pd-table tbody th {{ font-weight: 400; }}
.pd-table tr.pd-group th {{ font-weight: 700; font-size: 0.9rem; padding-top: 0.8rem; color: {NHS_DARK_BLUE}; }}
.pd-table td.pd-number, .pd-table thead th.pd-number {{ text-align: right; }}
.pd-table td.pd-long {{ overflow-wrap: anywhere; min-width: 8rem; }}
.pd-table td.pd-icon {{ text-align: center; padding-left: 0.1rem; padding-right: 0.1rem; }}
.pd-table img {{ vertical-align: middle; }}
.pd-table ul {{ margin: 0.2rem 0 0 0; padding-left: 1rem; font-size: inherit; }}
.pd-table li {{ font-size: inherit; line-height: inherit; margin: 0 0 0.15rem 0; padding: 0; }}
.pd-table summary {{ cursor: pointer; }}
.pd-table summary:focus {{ outline: 3px solid {NHS_WARM_YELLOW}; }}
.pd-table a {{ color: {NHS_BLUE}; font-weight: 700; }}
.pd-table a:focus, .pd-card a:focus, .pd-prose a:focus {{ outline: 3px solid transparent;
  background-color: {NHS_WARM_YELLOW}; color: {NHS_TEXT}; box-shadow: 0 -2px {NHS_WARM_YELLOW}, 0 4px {NHS_TEXT};
  text-decoration: none; }}
/* Under .pd-tiles: Streamlit indents lists with a rule more specific than one class. */
.pd-tiles .pd-counts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 0.75rem;
  list-style: none; margin: 0 0 1rem 0; padding: 0; font-family: {FONT}; color: {NHS_TEXT}; }}
.pd-tiles .pd-counts li {{ border: 1px solid {NHS_GREY_3}; border-radius: 0.5rem; padding: 0.6rem 0.8rem; margin: 0; }}
.pd-count-name {{ display: block; font-size: 0.875rem; }}
.pd-count-value {{ display: block; font-size: 2.25rem; line-height: 1.2; }}
.pd-count-meaning {{ display: block; font-size: 0.75rem; line-height: 1.3; }}
/* Cards are prose: the page's own font, as the markdown around them. */
.pd-card {{ border: 1px solid {NHS_GREY_3}; border-radius: 0.5rem; padding: 0.8rem 1rem; margin: 0 0 1rem 0;
  font-family: inherit; color: inherit; font-size: 1rem; line-height: 1.5; }}
.pd-card h2 {{ font-size: 1.25rem; font-weight: 700; margin: 0 0 0.5rem 0; padding: 0; line-height: 1.3; }}
.pd-card p {{ margin: 0 0 0.5rem 0; }}
.pd-card ul {{ margin: 0; padding-left: 1.25rem; }}
.pd-card li {{ margin: 0 0 0.25rem 0; }}
.pd-card a {{ color: {NHS_BLUE}; }}
/* The Metric page's chart (perfdash.chart_svg) scales with its column; on a phone it scrolls sideways rather than
   shrinking its text below reading size. */
.pd-chart-box {{ overflow-x: auto; margin: 0 0 0.5rem 0; }}
.pd-chart-box svg {{ display: block; min-width: 34rem; height: auto; }}
/* Prose (the executive summary) reads as the markdown around it. */
.pd-prose {{ font-family: inherit; color: inherit; font-size: 1rem; line-height: 1.6; }}
.pd-prose p {{ margin: 0 0 1rem 0; }}
.pd-prose > ul {{ margin: 0 0 1rem 0; padding-left: 1.5rem; }}
.pd-prose > ul li {{ margin: 0 0 0.25rem 0; }}
.pd-prose a {{ color: {NHS_BLUE}; }}
@container (max-width: 640px) {{
  .pd-table thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }}
  .pd-table, .pd-table caption, .pd-table tbody, .pd-table tr, .pd-table th, .pd-table td {{ display: block; }}
  .pd-table tr {{ border: 1px solid {NHS_GREY_3}; border-radius: 4px; margin: 0 0 0.5rem 0; }}
  .pd-table tbody th {{ background: {NHS_PALE_GREY}; font-weight: 700; }}
  .pd-table tr.pd-group {{ border: none; }}
  .pd-table tr.pd-group th {{ background: none; padding-left: 0; }}
  .pd-table td {{ display: grid; grid-template-columns: minmax(6rem, 40%) minmax(0, 1fr); gap: 0.5rem;
    text-align: left; white-space: normal; }}
  .pd-table td.pd-number, .pd-table td.pd-icon {{ text-align: left; white-space: normal; }}
  .pd-table td::before {{ content: attr(data-label); font-weight: 700; }}
}}
</style>"""


def chart_box(svg: str) -> str:
    """A chart drawn by perfdash.chart_svg, in the box that sizes it."""
    return f'<div class="pd-chart-box">{svg}</div>'


def page(*tables: str) -> str:
    """The tables with the style they need, as one HTML block."""
    return STYLE + "".join(tables)


# The tags and attributes perfdash writes (a test checks every page's blocks come through whole) and a few plain
# text ones. <style> is kept (STYLE and IconSheet's rules are ours); DOMPurify, which this replaces, kept it too.
_HTML_TAGS = frozenset(
    (  # noqa: SIM905 (a list of words reads better than 29 quoted ones)
        "a b br caption code details div em h2 h3 i img li ol p section small span strong style summary table tbody"
        " td tfoot th thead tr ul"
    ).split()
)
# And the Metric page's chart, drawn by perfdash.chart_svg (no link, image or script in it).
ALLOWED_TAGS = _HTML_TAGS | SVG_TAGS
ALLOWED_ATTRIBUTES = {
    "*": {"class", "role", "aria-label", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "data-label"},
    "td": {"colspan", "data-label"},
    **SVG_ATTRIBUTES,
}


def _safe_url(tag: str, attribute: str, value: str) -> str | None:
    """Links only within the app and images only as SVG data URIs, as `link` and `sparkline` make them; anything
    else is dropped."""
    if attribute == "href":
        return value if _within_the_app(value) else None
    if attribute == "src":
        return value if value.startswith(_SVG_URI) else None
    if attribute in ("fill", "stroke"):  # a colour, never url(...): a paint reference could fetch from elsewhere
        return value if _PAINT.fullmatch(value) else None
    return value


@functools.lru_cache(maxsize=64)  # at most about 13 MB: 64 blocks of up to 100 KB, each with its input
def sanitised(body: str) -> str:
    """The block with only the tags, attributes and URLs perfdash writes: no script, no handler, no outside link.

    Cached on the block's text: a reload shows the same blocks, so each is cleaned once (about 4 ms for the
    overview's every-standard table), not once per page load in every browser.
    """
    return nh3.clean(
        body,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_safe_url,
        url_schemes={"data"},
        link_rel=None,
        strip_comments=True,
    )
