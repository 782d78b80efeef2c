"""Cancer waiting times provider extract importer on files built in code."""

from __future__ import annotations

import csv
import io

import pytest

from perfdash.ingest.csvtext import header_cells
from perfdash.ingest.model import Parsed
from perfdash.ingest.nhse import cwt

HEADER = [
    "PERIOD",
    "STANDARD",
    "ORG CODE",
    "TREATMENT MODALITY",
    "CANCER TYPE",
    "STAGE/ROUTE",
    "TOTAL",
    "WITHIN STANDARD",
    "BREACHES",
]
APR = "2025-04-01"


def build(rows: list[tuple]) -> str:
    """A provider extract CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def values(parsed: Parsed) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    """(period, org_code, metric_id) -> (value, numerator, denominator)."""
    return {
        (r.period, r.org_code, r.metric_id): (r.value, r.numerator, r.denominator) for r in parsed.rows.itertuples()
    }


DETAIL = [
    (APR, "28-day FDS", "RAA", "", "Suspected lung cancer", "URGENT SUSPECTED CANCER", 100, 80, 20),
    (APR, "28-day FDS", "RAA", "", "Suspected breast cancer", "NATIONAL SCREENING PROGRAMME", 50, 45, 5),
    (APR, "62-day Combined", "RAA", "Surgery", "Lung", "URGENT SUSPECTED CANCER", 10, 7, 3),
    (APR, "62-day Combined", "RAA", "Radiotherapy", "Breast", "NATIONAL SCREENING PROGRAMME", 5, 5, 0),
    (APR, "31-day Combined", "RAA", "Surgery", "Lung", "First Treatment", 20, 19, 1),
    (APR, "31-day Combined", "RAA", "Anti-cancer drug regimen", "Lung", "Subsequent Treatment", 10, 10, 0),
]


def test_sums_all_routes_modalities_and_cancer_types() -> None:
    text = build(DETAIL)
    assert cwt.matches(header_cells(text))
    parsed = cwt.parse(text)
    assert parsed.problems == []
    got = values(parsed)
    assert got[("2025-04", "RAA", "cancer_fds_28d")] == (pytest.approx(100 * 125 / 150), 125, 150)
    assert got[("2025-04", "RAA", "cancer_62d")] == (pytest.approx(80.0), 12, 15)
    assert got[("2025-04", "RAA", "cancer_31d")] == (pytest.approx(100 * 29 / 30), 29, 30)
    assert parsed.rows["line"].tolist() == [2, 4, 6]  # first line of each provider-month-standard


def test_aggregate_rows_are_not_added_to_detail_rows() -> None:
    rows = [
        (
            APR,
            "62-day Combined",
            "RBB",
            "ALL MODALITIES",
            "ALL CANCERS",
            "URGENT SUSPECTED CANCER",
            40,
            30,
            10,
        ),
        (APR, "62-day Combined", "RBB", "Surgery", "Lung", "URGENT SUSPECTED CANCER", 25, 20, 5),
        (APR, "62-day Combined", "RBB", "Radiotherapy", "Lung", "URGENT SUSPECTED CANCER", 15, 10, 5),
        (APR, "62-day Combined", "RBB", "ALL MODALITIES", "ALL CANCERS", "Consultant Upgrade", 4, 4, 0),
        (APR, "28-day FDS", "RBB", "", "ALL CANCERS", "URGENT SUSPECTED CANCER", 60, 50, 10),
        (APR, "28-day FDS", "RBB", "", "Suspected lung cancer", "URGENT SUSPECTED CANCER", 60, 50, 10),
        # Another provider with detail only keeps all its rows.
        (APR, "62-day Combined", "RCC", "Surgery", "Lung", "URGENT SUSPECTED CANCER", 25, 20, 5),
        (APR, "62-day Combined", "RCC", "Radiotherapy", "Lung", "URGENT SUSPECTED CANCER", 15, 10, 5),
    ]
    parsed = cwt.parse(build(rows))
    assert parsed.problems == []
    got = values(parsed)
    assert got[("2025-04", "RBB", "cancer_62d")][1:] == (34, 44)
    assert got[("2025-04", "RBB", "cancer_fds_28d")][1:] == (50, 60)
    assert got[("2025-04", "RCC", "cancer_62d")][1:] == (30, 40)
    assert any("Left out 3 detail rows" in note for note in parsed.notes)


@pytest.mark.parametrize(
    "cell", ["2025-04-01", "2025-04", "01/04/2025", "1/4/2025", "APR-25", "Apr-2025", "April 2025"]
)
def test_period_forms(cell: str) -> None:
    parsed = cwt.parse(build([(cell, "62-day Combined", "RAA", "Surgery", "Lung", "First", 4, 3, 1)]))
    assert parsed.problems == []
    assert parsed.rows["period"].tolist() == ["2025-04"]


def test_several_months_and_case_insensitive_standards() -> None:
    rows = [
        ("2025-04-01", "62-DAY COMBINED", "RAA", "Surgery", "Lung", "First", 4, 3, 1),
        ("2025-05-01", "62-day combined", "RAA", "Surgery", "Lung", "First", 5, 5, 0),
        ("2025-05-01", "2WW", "RAA", "", "ALL CANCERS", "", 5, 5, 0),
    ]
    parsed = cwt.parse(build(rows))
    assert parsed.problems == []
    assert sorted(parsed.rows["period"]) == ["2025-04", "2025-05"]
    assert any("Skipped 1 rows for standards perfdash does not track: 2WW (1)" in n for n in parsed.notes)


def test_blanks_and_dashes_are_missing_and_separators_read() -> None:
    rows = [
        (APR, "31-day Combined", "RAA", "Surgery", "Lung", "First Treatment", "1,020", "1,000", "20"),
        (APR, "31-day Combined", "RAA", "Other", "Lung", "First Treatment", "-", "-", "-"),
        (APR, "31-day Combined", "RAA", "Radiotherapy", "Lung", "First Treatment", "", "", ""),
    ]
    parsed = cwt.parse(build(rows))
    assert parsed.problems == []
    assert values(parsed)[("2025-04", "RAA", "cancer_31d")][1:] == (1000, 1020)
    assert "6 cells were blank or '-' and treated as missing (not zero)." in parsed.notes


def test_bad_content_is_located() -> None:
    rows = [
        (APR, "62-day Combined", "RAA", "Surgery", "Lung", "First", 4, 3, 1),
        ("Q1 2025", "62-day Combined", "RAA", "Surgery", "Lung", "First", 4, 3, 1),
        (APR, "62-day Combined", "RAA", "Surgery", "Lung", "First", "four", 3, 1),
        (APR, "62-day Combined", "RAA", "Surgery", "Lung", "First", 4, 5, 0),
        (APR, "62-day Combined", "RAA", "Surgery", "Lung", "First", 4, 3, 2),
        (APR, "62-day Combined", "RAA", "Surgery", "Lung", "First", 4, "", ""),
        (APR, "62-day Combined", "", "Surgery", "Lung", "First", 4, 3, 1),
    ]
    parsed = cwt.parse(build(rows))
    located = {(p.line, p.column, p.severity) for p in parsed.problems}
    assert located == {
        (3, "PERIOD", "error"),
        (4, "TOTAL", "error"),
        (5, "WITHIN STANDARD", "error"),
        (6, "BREACHES", "warning"),
        (7, "WITHIN STANDARD", "warning"),
        (8, "ORG CODE", "error"),
    }
    # Lines 2 and 6 are usable (6 only has a breaches mismatch): 6 within of 8.
    assert values(parsed)[("2025-04", "RAA", "cancer_62d")][1:] == (6, 8)


def test_header_is_strict() -> None:
    assert cwt.matches(HEADER)
    assert cwt.matches([f" {c} " for c in HEADER])
    assert not cwt.matches([c if c != "BREACHES" else "OUTSIDE STANDARD" for c in HEADER])
    assert not cwt.matches([*HEADER, "ORG NAME"])
    assert not cwt.matches([c.title() for c in HEADER])
