"""CSV exports: text that a spreadsheet would run as a formula is neutralised, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from perfdash import service, store
from perfdash.exports import neutralise, safe_csv


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://example.invalid","x")', '\'=HYPERLINK("http://example.invalid","x")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Barts Health", "Barts Health"),
        ("a=b", "a=b"),  # only the first character matters to a spreadsheet
        ("", ""),
        ("-4.5", "-4.5"),  # plain numbers written as text keep their sign
        ("+12", "+12"),
        ("-1e-3", "-1e-3"),
        (-4.5, -4.5),
        (7, 7),
        (None, None),
    ],
)
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_safe_csv_neutralises_text_and_keeps_numbers_numeric():
    frame = pd.DataFrame(
        {
            "note": ["=1+1", "+A1", "-A1", "@A1", "plain"],
            "value": [-3.5, 2.0, np.nan, 0.25, -1e6],
            "count": [1, -2, 3, 4, 5],
            '=HYPERLINK("x")': ["a", "b", "c", "d", "e"],
        }
    )
    data = safe_csv(frame)
    rows = _cells(data)
    assert rows[0] == ["note", "value", "count", '\'=HYPERLINK("x")']
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+A1", "'-A1", "'@A1", "plain"]
    back = pd.read_csv(io.BytesIO(data))
    assert pd.api.types.is_float_dtype(back["value"]) and back["value"].iloc[0] == -3.5
    assert back["value"].isna().iloc[2]
    assert pd.api.types.is_integer_dtype(back["count"]) and back["count"].tolist() == [1, -2, 3, 4, 5]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").replace("e+", "").isdigit(), cell


def test_safe_csv_handles_pandas_string_dtype_and_mixed_objects():
    frame = pd.DataFrame({"s": pd.Series(["=x", "y"], dtype="string"), "o": pd.Series([1.5, "=z"], dtype=object)})
    rows = _cells(safe_csv(frame))
    assert rows[1:] == [["'=x", "1.5"], ["y", "'=z"]]


def test_the_canonical_export_holds_no_formula(sqlite_engine, config):
    # The canonical export must round-trip into the uploader, so it is not apostrophed: it is safe because every
    # text cell in it (month, organisation code, metric id) was validated against the registry on the way in.
    rows = service.template_csv(config).decode() + "2025-04,R1H,fin_ie_variance_ytd,-1250.5,,\n"
    prepared = service.prepare("t.csv", rows.encode(), config, sqlite_engine)
    assert prepared.ok, [p.describe() for p in prepared.errors]
    service.commit_prepared(sqlite_engine, prepared, user="ann.analyst@nhs.net")
    exported = _cells(service.export_csv(sqlite_engine))
    assert len(exported) == 4
    for row in exported:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            if cell.startswith("-"):
                assert float(cell) == -1250.5
    assert store.list_uploads(sqlite_engine)["uploaded_by"].tolist() == ["ann.analyst@nhs.net"]
