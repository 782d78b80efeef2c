"""The overview's and Organisation page's tables as HTML: every standard, and the variation-assurance matrix. Pure.

`overview_rows` says what each cell shows (the words a board reads, icons and links); `overview_html` and
`matrix_html` lay them out with perfdash.html_table, which escapes every value from data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pandas as pd

from perfdash import present, vocabulary
from perfdash import targets as targets_words
from perfdash.benchmark import NATIONAL_HEADINGS, national_cells
from perfdash.config import Config
from perfdash.html_table import Column, IconSheet, Markup, counts, escape, link, sparkline, table
from perfdash.periods import label
from perfdash.spc_chart import VARIATION_ICON_DESCRIPTIONS
from perfdash.vocabulary import ASSURANCE_COLUMNS, VARIATION_ROWS

if TYPE_CHECKING:
    from perfdash.summary import ExecutiveSummary


def overview_rows(
    table: pd.DataFrame,
    config: Config,
    org_code: str,
    period: str,
    data_to: list[str],
    national: pd.DataFrame,
) -> pd.DataFrame:
    """One row per metric in words, with its chart link, icons and trend (national columns once any are loaded).

    `table` is board.overview's; `data_to` is present.data_to's; `national` is benchmark.national_columns'.
    """
    domain_names = {d.id: d.name for d in config.domains}
    units = table["unit"].tolist()
    rows = pd.DataFrame(
        {
            "Metric": table["metric"].tolist(),
            "href": [present.metric_link(m, org_code, period) for m in table["metric_id"]],
            "Domain": [domain_names[d] for d in table["domain"]],
            "Latest": [vocabulary.format_value(v, u) for v, u in zip(table["value"], units, strict=True)],
            "vs target": [
                targets_words.versus(m, t, u, d)
                for m, t, u, d in zip(table["met"], table["target"], units, table["direction"], strict=True)
            ],
            "vs plan": [
                targets_words.versus(m, t, u, d, missing="no plan")
                for m, t, u, d in zip(table["met_plan"], table["plan"], units, table["direction"], strict=True)
            ],
            "Change": [vocabulary.format_change(c, u) for c, u in zip(table["change"], units, strict=True)],
            "trend": [list(t) if isinstance(t, list | tuple) else list(t or []) for t in table["trend"]],
            "Trend": [trend_words(t, u) for t, u in zip(table["trend"], units, strict=True)],
            "variation_icon": [
                present.variation_icon_uri(v, d) for v, d in zip(table["variation"], table["direction"], strict=True)
            ],
            "Variation": [_variation_alt(v, d) for v, d in zip(table["variation"], table["direction"], strict=True)],
            "assurance_icon": [present.assurance_icon_uri(a) for a in table["assurance"]],
            "Assurance": [vocabulary.describe_assurance(_none(a)) for a in table["assurance"]],
            "SPC reading": [
                vocabulary.reading_text(v, a, n) + (f" ({agree})" if agree else "")
                for v, a, n, agree in zip(
                    table["variation"], table["assurance"], table["spc_note"], table["agreement"], strict=True
                )
            ],
            "Target in force": table["target_words"].tolist(),
            "Data to": list(data_to),
        }
    )
    if not national.empty:
        # Only standards with national data get figures; the columns appear once any national file is loaded.
        cells = [national_cells(national, m, u) for m, u in zip(table["metric_id"], units, strict=True)]
        for position, heading in enumerate(NATIONAL_HEADINGS):
            rows[heading] = [row[position] for row in cells]
    # Domain by domain in the registry's order of domains, as the board pack's summary lists them: the registry
    # lists some domains' metrics in more than one place, and each change of domain starts a heading.
    domain_order = {domain.id: position for position, domain in enumerate(config.domains)}
    return rows.iloc[table["domain"].map(domain_order).to_numpy().argsort(kind="stable")].reset_index(drop=True)


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _variation_alt(variation: str | None, direction: str) -> str:
    name = present.variation_icon_name(_none(variation), direction)
    return VARIATION_ICON_DESCRIPTIONS["none" if name is None else name]


def trend_words(values, unit: str) -> str:
    """The sparkline in words: 'Last 13 months: from 80.0% to 81.3% (lowest 77.4%, highest 82.1%)'."""
    points = [float(v) for v in (values if values is not None else []) if v is not None and not pd.isna(v)]
    if not points:
        return "No trend: no values in the last 13 months"
    if len(points) == 1:
        return f"One month only: {vocabulary.format_value(points[0], unit)}"
    show = vocabulary.format_value
    return (
        f"Last {len(points)} months: from {show(points[0], unit)} to {show(points[-1], unit)} "
        f"(lowest {show(min(points), unit)}, highest {show(max(points), unit)})"
    )


def overview_columns(rows: pd.DataFrame, assurance_against: str) -> list[Column]:
    """The columns shown, with what each means (a heading's title) where the heading alone is short."""
    columns = [
        Column("Metric", "Each name opens the metric's chart"),
        Column("Latest", kind="number"),
        Column("vs target", "This month against the target that judges it"),
        Column("vs plan", "This month against the organisation's plan trajectory"),
        Column("Change", "Since the month before", kind="number"),
        Column("Trend", "The last 13 months", kind="icon"),
        Column(
            "SPC reading",
            "Making Data Count variation and assurance icons (will the "
            f"{assurance_against} be met?), and the reading in words",
        ),
        Column("Target in force", kind="long"),
        Column("Data to"),
    ]
    if "vs England" in rows:
        columns += [
            Column("vs England", "England (NHS England's own figure where published)", kind="number"),
            Column("vs London", "London's figure: the region's providers together", kind="number"),
            Column("Rank in London", "Among London trusts of its kind, best first"),
        ]
    return columns


def overview_html(rows: pd.DataFrame, caption: str, assurance_against: str, *, show_domain: bool) -> str:
    """Every standard as one HTML table: names link to charts; icons and trend are images with words.

    Nine columns (twelve with national data) fit beside the sidebar at 1366x768: the domain heads a group of
    rows instead of taking a column, and the MDC icons sit in the SPC reading's cell beside its words.
    """
    columns = overview_columns(rows, assurance_against)
    icons = IconSheet()
    cells = []
    for row in rows.to_dict("records"):
        special = {
            "Metric": link(row["Metric"], row["href"]),
            "Trend": sparkline(row["trend"], row["Trend"]),
            "Target in force": disclosed(row["Target in force"]),
            "SPC reading": Markup(
                icons.icon(row["variation_icon"], row["Variation"])
                + icons.icon(row["assurance_icon"], row["Assurance"])
                + " "
                + escape(row["SPC reading"])
            ),
        }
        cells.append([special.get(c.name, row.get(c.name)) for c in columns])
    groups = rows["Domain"].tolist() if show_domain else None
    return icons.style() + table(columns, cells, caption=caption, groups=groups)


def disclosed(text: str, *, short: int = 70) -> Markup:
    """A long sentence as its first clause, the rest behind a disclosure (Enter opens it); short text as it is.

    Some targets take 300 characters to explain (why no target judges the month); in a table of twelve
    columns they would make each row a screen tall. The first clause says which target, or that none does.
    """
    breaks = [i for i in (text.find(mark, 12) for mark in ("; ", ": ", ". ", " (")) if i != -1]
    if len(text) <= short or not breaks:
        return Markup(escape(text))
    cut = min(breaks)
    return Markup(f"<details><summary>{escape(text[:cut])}</summary>{escape(text[cut:])}</details>")


def matrix_html(table_: pd.DataFrame, org_code: str, period: str, caption: str) -> str:
    """The variation-assurance matrix: a count and a link to each metric's chart in every cell."""
    cells = present.summary_matrix(table_)
    names = dict(zip(table_["metric_id"], table_["metric"], strict=True))
    columns = [Column("Variation"), *[Column(text) for _, text in ASSURANCE_COLUMNS]]
    rows = []
    for variation, row_label in VARIATION_ROWS:
        row: list[object] = [row_label]
        for assurance, _ in ASSURANCE_COLUMNS:
            ids = cells[(variation, assurance)]
            items = "".join(f"<li>{link(names[i], present.metric_link(i, org_code, period))}</li>" for i in ids)
            # Built only from a count and link(): both escape what came from data.
            row.append(Markup(f"<strong>{len(ids)}</strong> " + (f"<ul>{items}</ul>" if items else "")))
        rows.append(row)
    return table(columns, rows, caption=caption)


def executive_summary_html(result: ExecutiveSummary, org_code: str) -> str:
    """The executive summary as one block: headline, counts, what is not met and what changed, each linked.

    One HTML block instead of six markdown elements, which the browser would each parse as markdown.
    """

    def chart(metric_id: str, name: str) -> Markup:
        return link(name, present.metric_link(metric_id, org_code, result.period))

    parts = [f"<p>{escape(result.headline())}</p>", counts(result.counts(), "Headline counts")]
    if result.not_met:
        names = " · ".join(chart(m, result.names[m]) for m in result.not_met)
        parts.append(f"<p><strong>Not met in {escape(label(result.period))}:</strong> {names}</p>")
    exceptions = "/exceptions?" + urlencode({"org": org_code, "month": result.period})
    parts.append(f"<p>{link('Exception reports: leads, actions and months since last met', exceptions)}</p>")
    parts.append(f"<p><strong>What changed since {escape(label(result.previous))}</strong></p>")
    if result.changes:
        items = "".join(f"<li>{chart(c.metric_id, c.metric)} {escape(c.words)}</li>" for c in result.changes)
        parts.append(f"<ul>{items}</ul>")
    else:
        parts.append(
            f"<p>Nothing changed in met, special cause or assurance since {escape(label(result.previous))}.</p>"
        )
    return '<div class="pd-prose">' + "".join(parts) + "</div>"
