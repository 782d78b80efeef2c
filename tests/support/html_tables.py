"""Read the HTML blocks a page shows (ui.show_tables) back into frames, as a reader or screen reader sees them."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pandas as pd


class _Tables(HTMLParser):
    """Headings, cell texts, links and image alternatives of every <table>, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = False
        self._group: str | None = None
        self._group_row = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self.tables.append({"head": [], "rows": [], "links": [], "images": [], "labels": [], "groups": []})
            self._group = None
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
            self._group_row = "pd-group" in (values.get("class") or "")
        elif tag in ("td", "th"):
            self._cell = []
            if not self._in_head and not self._group_row:
                self.tables[-1]["labels"].append(values.get("data-label"))
        elif tag == "a" and self._cell is not None:  # links in a table's cells, not in prose around tables
            self.tables[-1]["links"].append(values.get("href"))
        elif tag == "img" and self._cell is not None:
            self.tables[-1]["images"].append(values.get("alt"))
            self._cell.append(values.get("alt") or "")
        elif values.get("role") == "img" and self._cell is not None:
            self.tables[-1]["images"].append(values.get("aria-label"))
            self._cell.append(values.get("aria-label") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if self._in_head:
                table["head"] = self._row
            elif self._group_row:
                self._group = self._row[0]  # a heading row: the rows below belong to it
            else:
                table["rows"].append(self._row)
                table["groups"].append(self._group)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(markup: str) -> list[dict]:
    """Every table as {'frame': cells under their headings, 'groups': each row's group heading, 'links': hrefs,
    'images': alts, 'labels': data-labels}."""
    reader = _Tables()
    reader.feed(markup)
    return [{**table, "frame": pd.DataFrame(table["rows"], columns=table["head"] or None)} for table in reader.tables]


def frames(markup: str) -> list[pd.DataFrame]:
    """The cells of every table under their headings (an image cell reads as its text alternative)."""
    return [table["frame"] for table in parse(markup)]


def counts(markup: str) -> dict[str, int]:
    """The headline tiles of html_table.counts as {name: number}, read from the markup as a reader sees it."""
    import re

    tiles = re.findall(
        r'<span class="pd-count-name">(.*?)</span> <span class="pd-count-value">([\d,]+)</span>', markup, flags=re.S
    )
    return {html.unescape(name): int(number.replace(",", "")) for name, number in tiles}


def blocks(at) -> list[str]:
    """The HTML of every block an AppTest run shows through ui.show_tables, in page order (main area and sidebar)."""
    from perfdash.ui import HTML_BLOCK
    from tests.support.controls import mounted

    return mounted(at, HTML_BLOCK)


def tables(at) -> list[dict]:
    """Every table (as `parse` reads it) in every block an AppTest run shows, in page order."""
    return [table for block in blocks(at) for table in parse(block)]


def charts(at) -> list[ET.Element]:
    """Every chart drawn as SVG (perfdash.chart_svg) in the blocks an AppTest run shows, parsed, in page order."""
    found = (re.findall(r'<svg class="pd-chart".*?</svg>', block, flags=re.S) for block in blocks(at))
    return [ET.fromstring(svg) for svgs in found for svg in svgs]


def chart_texts(chart: ET.Element) -> list[str]:
    """Every label and tooltip of an SVG chart, as a reader sees or hovers them."""
    return [element.text or "" for element in chart.iter() if element.tag in ("text", "title")]


class _Document(HTMLParser):
    """The document as a reader sees it: tags with their attributes (unescaped, in order) and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("open", tag, tuple(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("close", tag))

    def handle_data(self, data: str) -> None:
        if self.events and self.events[-1][0] == "text":  # one run of text, however it was escaped
            self.events[-1] = ("text", self.events[-1][1] + data)
        else:
            self.events.append(("text", data))


def document(markup: str) -> list[tuple]:
    """Markup as a list of tags and texts: two blocks that differ only in how they are escaped read the same."""
    reader = _Document()
    reader.feed(markup)
    reader.close()
    return reader.events
