"""Tidy historical A&E importer: the real 2016-2019 file and small synthetic files."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable

import pytest

from perfdash.ingest.csvtext import header_cells
from perfdash.ingest.model import Parsed
from perfdash.ingest.nhse import ae_tidy

TIDY = "ae-attendances-2016-2019-tidy.csv"
HEADER = ["period", "org_code", "type", "attendances", "breaches", "admissions"]


def build(rows: list[tuple]) -> str:
    """A tidy CSV text, quoted like the real file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def values(parsed: Parsed) -> dict[tuple[str, str, str], float]:
    """(period, org_code, metric_id) -> value."""
    return {(r.period, r.org_code, r.metric_id): r.value for r in parsed.rows.itertuples()}


def test_real_tidy_file_loads_all_36_months(real_file: Callable[[str], str]) -> None:
    text = real_file(TIDY)
    assert ae_tidy.matches(header_cells(text))
    parsed = ae_tidy.parse(text)
    assert parsed.problems == []
    rows = parsed.rows
    assert rows["period"].nunique() == 36
    assert (rows["period"].min(), rows["period"].max()) == ("2016-04", "2019-03")
    assert rows["org_code"].nunique() == 274

    # Independently: one organisation-month per distinct (period, org), type 1 rows where there is type 1.
    groups: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record in csv.DictReader(io.StringIO(text)):
        g = groups[(record["period"][:7], record["org_code"])]
        g["att"] += int(record["attendances"])
        g["breaches"] += int(record["breaches"])
        g["adm"] += int(record["admissions"])
        if record["type"] == "1":
            g["att1"] += int(record["attendances"])
            g["breaches1"] += int(record["breaches"])
            g["has1"] = 1
    counts = rows["metric_id"].value_counts().to_dict()
    assert counts["ae_attendances"] == counts["emergency_admissions"] == len(groups)
    assert counts["ae_4hr_all"] == sum(g["att"] > 0 for g in groups.values())
    assert counts["ae_4hr_type1"] == sum(g["has1"] and g["att1"] > 0 for g in groups.values())

    got = values(parsed)
    # Spot checks on the largest organisations in three months, computed from the raw rows.
    for month in ("2016-04", "2017-10", "2019-03"):
        code = max((k for k in groups if k[0] == month), key=lambda k: groups[k]["att"])[1]
        g = groups[(month, code)]
        assert got[(month, code, "ae_4hr_all")] == pytest.approx(100 * (g["att"] - g["breaches"]) / g["att"])
        assert got[(month, code, "ae_4hr_type1")] == pytest.approx(100 * (g["att1"] - g["breaches1"]) / g["att1"])
        assert got[(month, code, "ae_attendances")] == g["att"]
        assert got[(month, code, "emergency_admissions")] == g["adm"]


def test_sums_over_types_and_type1_only_when_present() -> None:
    text = build(
        [
            ("2017-01-01", "RAA", "1", 1000, 200, 300),
            ("2017-01-01", "RAA", "2", 100, 0, 5),
            ("2017-01-01", "RAA", "other", 900, 10, 0),
            ("2017-01-01", "NBB", "other", 500, 5, 0),
            ("2017-02-01", "NCC", "1", 0, 0, 0),
        ]
    )
    parsed = ae_tidy.parse(text)
    assert parsed.problems == []
    got = values(parsed)
    assert got[("2017-01", "RAA", "ae_4hr_all")] == pytest.approx(100 * 1790 / 2000)
    assert got[("2017-01", "RAA", "ae_4hr_type1")] == pytest.approx(80.0)
    assert got[("2017-01", "RAA", "ae_attendances")] == 2000
    assert got[("2017-01", "RAA", "emergency_admissions")] == 305
    assert ("2017-01", "NBB", "ae_4hr_type1") not in got
    assert ("2017-02", "NCC", "ae_4hr_all") not in got and ("2017-02", "NCC", "ae_4hr_type1") not in got
    assert got[("2017-02", "NCC", "ae_attendances")] == 0
    raa = parsed.rows[parsed.rows["org_code"] == "RAA"]
    assert set(raa["line"]) == {2}  # the first line of the organisation-month


def test_bad_cells_are_problems_on_their_lines() -> None:
    text = build(
        [
            ("2017-01-01", "RAA", "1", 1000, 200, 300),
            ("Jan 2017", "RBB", "1", 10, 1, 1),
            ("2017-01-01", "RCC", "4", 10, 1, 1),
            ("2017-01-01", "RDD", "1", "lots", 1, 1),
            ("2017-01-01", "REE", "1", 10, 11, 1),
            ("2017-01-01", "RAA", "1", 5, 0, 0),
        ]
    )
    parsed = ae_tidy.parse(text)
    located = {(p.line, p.column) for p in parsed.problems}
    assert located == {(3, "period"), (4, "type"), (5, "attendances"), (6, "breaches"), (7, None)}
    assert all(p.severity == "error" for p in parsed.problems)
    assert set(parsed.rows["org_code"]) == {"RAA", "RDD", "REE"}
    got = values(parsed)
    assert got[("2017-01", "RAA", "ae_attendances")] == 1000  # the repeated row is not added
    assert ("2017-01", "REE", "ae_4hr_all") not in got


def test_blank_breaches_are_missing_with_a_warning() -> None:
    parsed = ae_tidy.parse(build([("2017-01-01", "RAA", "1", 100, "-", 4)]))
    [problem] = parsed.problems
    assert (problem.severity, problem.line, problem.column) == ("warning", 2, "breaches")
    assert set(parsed.rows["metric_id"]) == {"ae_attendances", "emergency_admissions"}
    assert any("treated as missing" in note for note in parsed.notes)


def test_header_is_strict() -> None:
    assert ae_tidy.matches(HEADER)
    assert ae_tidy.matches(list(reversed(HEADER)))
    assert not ae_tidy.matches([*HEADER[:-1], "admitted"])
    assert not ae_tidy.matches([*HEADER, "extra"])
