"""Shared helpers of the NHS England importers: numbers, months and the canonical frame."""

from __future__ import annotations

import pandas as pd
import pytest

from perfdash.ingest.csvtext import read_cells
from perfdash.ingest.model import ROW_COLUMNS, Problem, empty_rows
from perfdash.ingest.nhse.common import (
    build_rows,
    month_of,
    never_raises,
    parse_counts,
    publication_period,
    ratio_rows,
)


@pytest.mark.parametrize(
    ("text", "prefix", "period"),
    [
        ("MSitAE-APRIL-2025", "MSitAE", "2025-04"),
        ("msitae-september-2024", "MSitAE", "2024-09"),
        ("RTT-June-2026", "RTT", "2026-06"),
        ("RTT-APRIL-2022", "RTT", "2022-04"),
        ("RTT-APRIL-2022", "MSitAE", None),
        ("MSitAE-APRIL", "MSitAE", None),
        ("MSitAE-FOO-2025", "MSitAE", None),
    ],
)
def test_publication_period(text: str, prefix: str, period: str | None) -> None:
    assert publication_period(text, prefix) == period


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2025-04-01", "2025-04"),
        ("2025-04-01 00:00:00", "2025-04"),
        ("2025-04", "2025-04"),
        ("01/04/2025", "2025-04"),
        ("30/4/2025", "2025-04"),
        ("APR-25", "2025-04"),
        ("Apr-2025", "2025-04"),
        ("April 2025", "2025-04"),
        ("Sept 2024", "2024-09"),
        ("2025-13-01", None),
        ("31/02/2025", None),
        ("04/31/2025", None),
        ("Q1 2025", None),
        ("", None),
    ],
)
def test_month_of(text: str, period: str | None) -> None:
    assert month_of(text) == period


def test_parse_counts_forgives_blanks_dashes_and_separators() -> None:
    cells = read_cells('n,k\n12,a\n"1,234",a\n-,a\n,a\n 7 ,a\n3.0,a\n12.5,a\n-4,a\n"1,23",a\n')
    problems: list[Problem] = []
    counts = parse_counts(cells, ["n"], problems)
    read = counts.values["n"].tolist()
    assert read[:2] == [12, 1234] and read[4:6] == [7, 3]
    assert pd.isna(read[2]) and pd.isna(read[3])  # '-' and blank are missing, not zero
    assert counts.missing_total == 2
    assert [(p.line, p.column, p.value) for p in problems] == [
        (8, "n", "12.5"),
        (9, "n", "-4"),
        (10, "n", "1,23"),
    ]
    assert counts.bad["n"].tolist() == [False] * 6 + [True] * 3
    zero = parse_counts(cells, ["n"], [], missing_is_zero=True)
    assert zero.values["n"].iloc[2] == 0


def test_problems_per_column_are_capped() -> None:
    cells = read_cells("n\n" + "x\n" * 100)
    problems: list[Problem] = []
    parse_counts(cells, ["n"], problems)
    assert len(problems) == 21
    assert "80 more cells" in problems[-1].message


def test_ratio_rows_skip_zero_denominators_and_build_rows_types() -> None:
    keys = pd.DataFrame({"period": ["2025-04"] * 3, "org_code": ["A", "B", "C"], "line": [2, 3, 4]})
    part = ratio_rows(keys, "m", pd.Series([1.0, 0.0, 2.0]), pd.Series([4.0, 0.0, float("nan")]))
    rows = build_rows([part], ["m"])
    assert list(rows.columns) == ROW_COLUMNS
    assert rows["org_code"].tolist() == ["A"] and rows["value"].tolist() == [25.0]
    assert rows.dtypes.to_dict() == empty_rows().dtypes.to_dict()
    assert build_rows([], ["m"]).dtypes.to_dict() == empty_rows().dtypes.to_dict()


def test_never_raises_turns_errors_into_problems() -> None:
    @never_raises("x")
    def broken(text: str):
        raise KeyError("boom")

    parsed = broken("")
    assert parsed.format == "x" and parsed.rows.empty
    assert "could not read this file" in parsed.problems[0].message
