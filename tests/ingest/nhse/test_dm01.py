"""DM01 diagnostics importer on provider sheets built in code, with and without the published title block."""

from __future__ import annotations

import csv
import io

import pytest

from perfdash.ingest.csvtext import header_cells
from perfdash.ingest.model import Parsed
from perfdash.ingest.nhse import dm01

FIXED = [
    "Regional Team Code",
    "Regional Team Name",
    "Provider Code",
    "Provider Name",
    "Diagnostic ID",
    "Diagnostic Test Name",
    "Total Waiting List",
    "Number waiting 6+ Weeks",
    "Number waiting 13+ Weeks",
    "Percentage waiting 6+ weeks",
]
BANDS = [f"{w:02d} <{w + 1:02d} weeks" if w else "0 <01 weeks" for w in range(13)] + ["13+ weeks"]
ACTIVITY = ["Planned tests / procedures", "Unscheduled tests / procedures"]
HEADER = [*FIXED, *BANDS, *ACTIVITY]
TITLE_BLOCK = [
    ["Title:", "Monthly Diagnostics Waiting Times and Activity"],
    ["Summary:", "Waiting times for diagnostic tests, by provider"],
    ["Period:", "April 2025"],
    ["Source:", "DM01"],
    ["Basis:", "Provider"],
    ["Published:", "12 June 2025"],
    ["Revised:", "-"],
    ["Status:", "Published"],
    ["Contact:", "england.nhsdata@nhs.net"],
]


def test_row(code: str, test: str, waiting: int | str, over_6: int | str, name: str = "A HOSPITAL") -> list[str]:
    """One provider-test row; the weekly bands are left blank (the importer does not read them)."""
    return [
        "Y56",
        "LONDON",
        code,
        name,
        test,
        f"Test {test}",
        str(waiting),
        str(over_6),
        "0",
        "",
        *[""] * 14,
        "",
        "",
    ]


test_row.__test__ = False  # a builder, not a test


def build(
    rows: list[list[str]],
    *,
    title_block: list[list[str]] | None = None,
    header: list[str] | None = None,
    leading_column: bool = True,
) -> str:
    """A provider sheet saved as CSV: title block, blank rows to row 13, header on row 14, England row, data."""
    header = header or HEADER
    width = len(header) + (1 if leading_column else 0)
    lines: list[list[str]] = []
    block = TITLE_BLOCK if title_block is None else title_block
    lines.extend(block)
    if block:
        lines.extend([[]] * (13 - len(block)))
    lines.append(header)
    if block:
        lines.append(["", "", "", "ENGLAND", "", "Total", "1000000", "200000", "10000", "20.0"])
        lines.append([])
    lines.extend(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for cells in lines:
        cells = ([""] if leading_column else []) + list(cells)
        writer.writerow(cells + [""] * (width - len(cells)))  # Excel pads every row to the sheet's width
    return out.getvalue()


def rows_of(parsed: Parsed) -> dict[tuple[str, str], tuple[float, float, float, int]]:
    """(period, org) -> (value, numerator, denominator, line)."""
    return {(r.period, r.org_code): (r.value, r.numerator, r.denominator, r.line) for r in parsed.rows.itertuples()}


def test_published_layout_is_detected_and_read() -> None:
    text = build(
        [
            test_row("RAA", "1", 100, 10),  # line 17
            test_row("RAA", "2", 50, 0),
            test_row("RAA", "TOTAL", 150, 10),  # the provider's total: must not be added
            test_row("RBB", "1", "1,000", 20),
            test_row("RBB", "2", "-", "-"),  # a test the provider does not do
        ]
    )
    assert text.splitlines()[13].startswith(",Regional Team Code,")
    assert dm01.matches(header_cells(text))
    parsed = dm01.parse(text)
    assert parsed.problems == []
    got = rows_of(parsed)
    assert got[("2025-04", "RAA")] == (pytest.approx(100 * 10 / 150), 10, 150, 17)
    assert got[("2025-04", "RBB")] == (pytest.approx(2.0), 20, 1000, 20)
    assert set(parsed.rows["metric_id"]) == {"dm01_6wk"}
    assert "Skipped line 15: the England total row (totals are recomputed from providers)." in parsed.notes
    assert any("Left out 1 provider 'Total' test rows" in note for note in parsed.notes)
    assert any("treated as missing" in note for note in parsed.notes)


def test_a_provider_with_only_a_total_row_uses_it() -> None:
    parsed = dm01.parse(build([test_row("RCC", "TOTAL", 40, 4)]))
    assert rows_of(parsed)[("2025-04", "RCC")][1:3] == (4, 40)


@pytest.mark.parametrize(
    "block",
    [
        [["Title:", "Diagnostics"], ["Period: April 2025"]],
        [["Title:", "Diagnostics"], ["Period:", "Apr-25"]],
        [["Title:", "Diagnostics"], ["Period", "01/04/2025"]],
        [["Monthly Diagnostics Waiting Times and Activity April 2025"]],
        [["Title:", "Diagnostics"], ["April 2025"], ["Published:", "12 June 2025"]],
    ],
)
def test_period_from_the_title_block(block: list[list[str]]) -> None:
    parsed = dm01.parse(build([test_row("RAA", "1", 10, 1)], title_block=block))
    assert parsed.problems == []
    assert parsed.rows["period"].tolist() == ["2025-04"]


def test_no_period_is_a_clear_problem() -> None:
    parsed = dm01.parse(build([test_row("RAA", "1", 10, 1)], title_block=[["Title:", "Diagnostics"]]))
    [problem] = parsed.problems
    assert "which month" in problem.message and "Period" in problem.fix
    assert parsed.rows.empty


def test_unreadable_period_line_is_located() -> None:
    block = [["Title:", "Diagnostics"], ["Period:", "Quarter 1"]]
    parsed = dm01.parse(build([test_row("RAA", "1", 10, 1)], title_block=block))
    [problem] = parsed.problems
    assert (problem.line, problem.value) == (2, "Quarter 1")


def test_two_months_in_the_title_block_are_ambiguous() -> None:
    block = [["Diagnostics waiting times April 2025"], ["Diagnostics waiting times May 2025"]]
    parsed = dm01.parse(build([test_row("RAA", "1", 10, 1)], title_block=block))
    assert any("more than one month" in p.message for p in parsed.problems)
    assert parsed.rows.empty


def test_period_column_without_title_block() -> None:
    header = ["Period", *HEADER]
    rows = [["April 2025", *test_row("RAA", "1", 10, 1)], ["2025-05-01", *test_row("RAA", "1", 20, 1)]]
    text = build(rows, title_block=[], header=header, leading_column=False)
    assert dm01.matches(header_cells(text))
    parsed = dm01.parse(text)
    assert parsed.problems == []
    got = rows_of(parsed)
    assert got[("2025-04", "RAA")][1:] == (1, 10, 2)
    assert got[("2025-05", "RAA")][1:] == (1, 20, 3)


def test_bad_content_is_located() -> None:
    text = build(
        [
            test_row("RAA", "1", 100, "ten"),  # line 17
            test_row("RAA", "2", 10, 20),  # 6+ weeks more than the list
            test_row("RAA", "1", 5, 1),  # repeat of test 1
            test_row("", "1", 5, 1, name="UNKNOWN"),
            test_row("RBB", "1", 100, 10),
        ]
    )
    parsed = dm01.parse(text)
    located = {(p.line, p.column, p.severity) for p in parsed.problems}
    assert located == {
        (17, "Number waiting 6+ Weeks", "error"),
        (18, "Number waiting 6+ Weeks", "error"),
        (19, None, "error"),
        (20, "Provider Code", "warning"),
    }
    assert set(parsed.rows["org_code"]) == {"RBB"}


def test_header_is_strict() -> None:
    assert dm01.matches(HEADER)
    assert dm01.matches(["", *HEADER, "", ""])
    assert not dm01.matches([c.replace("Number waiting 6+ Weeks", "Waiting 6+") for c in HEADER])
    assert not dm01.matches(FIXED)  # no weekly bands
    assert not dm01.matches([*HEADER, "Notes"])
    assert not dm01.matches(["Title:", "Referral to treatment"])
    renamed = build([test_row("RAA", "1", 10, 1)], header=[c.replace("Provider Code", "Org Code") for c in HEADER])
    parsed = dm01.parse(renamed)
    assert parsed.rows.empty and "no header row" in parsed.problems[0].message
