"""MSitAE importer: conformance with NHS England's published percentages, and forgiving but exact parsing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pandas as pd
import pytest

from perfdash.ingest.csvtext import header_cells
from perfdash.ingest.model import ROW_COLUMNS
from perfdash.ingest.nhse import msitae

# The header exactly as nhs-standards.md section 2.1 quotes it (22 columns).
HEADER = (
    "Period,Org Code,Parent Org,Org name,A&E attendances Type 1,A&E attendances Type 2,"
    "A&E attendances Other A&E Department,A&E attendances Booked Appointments Type 1,"
    "A&E attendances Booked Appointments Type 2,A&E attendances Booked Appointments Other Department,"
    "Attendances over 4hrs Type 1,Attendances over 4hrs Type 2,Attendances over 4hrs Other Department,"
    "Attendances over 4hrs Booked Appointments Type 1,Attendances over 4hrs Booked Appointments Type 2,"
    "Attendances over 4hrs Booked Appointments Other Department,"
    "Patients who have waited 4-12 hs from DTA to admission,"
    "Patients who have waited 12+ hrs from DTA to admission,Emergency admissions via A&E - Type 1,"
    "Emergency admissions via A&E - Type 2,Emergency admissions via A&E - Other A&E department,"
    "Other emergency admissions"
)
COLUMNS = HEADER.split(",")
ATTENDANCES = COLUMNS[4:10]
OVER_4H = COLUMNS[10:16]
TYPE1_ATTENDANCES = ["A&E attendances Type 1", "A&E attendances Booked Appointments Type 1"]
TYPE1_OVER_4H = ["Attendances over 4hrs Type 1", "Attendances over 4hrs Booked Appointments Type 1"]
ADMISSIONS = COLUMNS[18:21]
DTA_12, DTA_4_12 = COLUMNS[17], COLUMNS[16]
REAL_MONTHS = {
    "msitae-2025-04.csv": "2025-04",
    "msitae-2025-05.csv": "2025-05",
    "msitae-2025-06.csv": "2025-06",
}


# --- builders ------------------------------------------------------------------------------------------


def row(code: str, period: str = "MSitAE-APRIL-2025", parent: str = "NHS ENGLAND LONDON", **cells: str | int) -> dict:
    """One provider row with zeros everywhere except the named cells (keyed by column name)."""
    values = {column: "0" for column in COLUMNS[4:]}
    values.update({column: str(value) for column, value in cells.items()})
    return {
        "Period": period,
        "Org Code": code,
        "Parent Org": parent,
        "Org name": f"{code} HOSPITAL",
        **values,
    }


def build(rows: list[dict], header: list[str] | None = None) -> str:
    """A MSitAE CSV text from rows, quoting cells that contain commas, as NHS England does."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = header or COLUMNS
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(column, "") for column in header])
    return out.getvalue()


def values(rows: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(org_code, metric_id) -> value."""
    return {(r.org_code, r.metric_id): r.value for r in rows.itertuples()}


# --- conformance on the real files ---------------------------------------------------------------------


def published(text: str) -> dict[str, dict[str, int]]:
    """Independently of the importer: per provider, attendances and over-4-hour sums from the raw columns."""
    out = {}
    for record in csv.DictReader(io.StringIO(text)):
        if record["Org Code"].strip() == "TOTAL":
            continue
        out[record["Org Code"].strip()] = {
            "att": sum(int(record[c]) for c in ATTENDANCES),
            "over": sum(int(record[c]) for c in OVER_4H),
            "att1": sum(int(record[c]) for c in TYPE1_ATTENDANCES),
            "over1": sum(int(record[c]) for c in TYPE1_OVER_4H),
            "adm": sum(int(record[c]) for c in ADMISSIONS),
            "dta12": int(record[DTA_12]),
            "dta4": int(record[DTA_4_12]),
        }
    return out


@pytest.mark.parametrize(("name", "period"), REAL_MONTHS.items())
def test_real_file_matches_published_percentages(real_file: Callable[[str], str], name: str, period: str) -> None:
    text = real_file(name)
    assert msitae.matches(header_cells(text))
    parsed = msitae.parse(text)
    assert parsed.problems == []
    assert list(parsed.rows.columns) == ROW_COLUMNS
    expected = published(text)
    got = values(parsed.rows)
    assert set(parsed.rows["org_code"]) == set(expected)  # every provider and site, not only NEL
    assert set(parsed.rows["period"]) == {period}
    checked = 0
    for code, raw in expected.items():
        if raw["att"] > 0:
            assert round(got[(code, "ae_4hr_all")], 1) == round(100 * (1 - raw["over"] / raw["att"]), 1), code
            checked += 1
        else:
            assert (code, "ae_4hr_all") not in got, code
        if raw["att1"] > 0:
            assert round(got[(code, "ae_4hr_type1")], 1) == round(100 * (1 - raw["over1"] / raw["att1"]), 1), code
        else:
            assert (code, "ae_4hr_type1") not in got, code
        assert got[(code, "ae_attendances")] == raw["att"]
        assert got[(code, "emergency_admissions")] == raw["adm"]
        assert got[(code, "ae_12hr_dta_waits")] == raw["dta12"]
        assert got[(code, "ae_4to12hr_dta_waits")] == raw["dta4"]
    assert checked > 150


@pytest.mark.parametrize("name", REAL_MONTHS)
def test_real_file_total_row_is_skipped_and_reported(real_file: Callable[[str], str], name: str) -> None:
    text = real_file(name)
    total_line = next(i for i, line in enumerate(text.splitlines(), start=1) if line.startswith("TOTAL,"))
    parsed = msitae.parse(text)
    assert "TOTAL" not in set(parsed.rows["org_code"])
    assert total_line not in set(parsed.rows["line"])
    assert f"Skipped line {total_line}: the England TOTAL row (totals are recomputed from providers)." in parsed.notes
    assert any("provider and site rows" in note for note in parsed.notes)


def test_readme_worked_examples(real_file: Callable[[str], str]) -> None:
    rows = msitae.parse(real_file("msitae-2025-04.csv")).rows
    got = values(rows)
    assert round(got[("RF4", "ae_4hr_all")], 1) == 78.5
    rf4 = rows[(rows["org_code"] == "RF4") & (rows["metric_id"] == "ae_4hr_all")].iloc[0]
    assert (rf4["numerator"], rf4["denominator"]) == (29_723 - 6_393, 29_723)
    assert round(got[("RHW", "ae_4hr_type1")], 1) == 60.2
    assert round(got[("RHW", "ae_4hr_all")], 1) == 71.3
    rhw = rows[(rows["org_code"] == "RHW") & (rows["metric_id"] == "ae_4hr_type1")].iloc[0]
    assert (rhw["numerator"], rhw["denominator"]) == (11_515 - 4_587, 11_515)


def test_real_file_rows_point_at_their_lines(real_file: Callable[[str], str]) -> None:
    text = real_file("msitae-2025-04.csv")
    lines = text.splitlines()
    rows = msitae.parse(text).rows
    for r in rows.drop_duplicates("org_code").itertuples():
        assert lines[r.line - 1].split(",")[1] == r.org_code


# --- synthetic files -----------------------------------------------------------------------------------


def test_booked_appointments_are_counted_in_addition() -> None:
    text = build(
        [
            row(
                "RAA",
                **{
                    "A&E attendances Type 1": 900,
                    "A&E attendances Booked Appointments Type 1": 100,
                    "A&E attendances Other A&E Department": 1000,
                    "Attendances over 4hrs Type 1": 300,
                    "Attendances over 4hrs Booked Appointments Type 1": 50,
                    "Attendances over 4hrs Other Department": 10,
                },
            )
        ]
    )
    rows = msitae.parse(text).rows
    by_metric = rows.set_index("metric_id")
    assert by_metric.loc["ae_4hr_type1", ["numerator", "denominator"]].tolist() == [650, 1000]
    assert by_metric.loc["ae_4hr_type1", "value"] == pytest.approx(65.0)
    assert by_metric.loc["ae_4hr_all", ["numerator", "denominator"]].tolist() == [1640, 2000]
    assert by_metric.loc["ae_attendances", "value"] == 2000
    assert by_metric.loc["ae_attendances", ["numerator", "denominator"]].isna().all()


def test_zero_attendances_give_no_four_hour_rows() -> None:
    parsed = msitae.parse(build([row("NXX")]))
    metrics = set(parsed.rows["metric_id"])
    assert "ae_4hr_all" not in metrics and "ae_4hr_type1" not in metrics
    assert values(parsed.rows)[("NXX", "ae_attendances")] == 0
    assert any("no A&E attendances" in note for note in parsed.notes)


def test_type1_needs_type1_attendances() -> None:
    rows = msitae.parse(
        build(
            [
                row(
                    "RAT",
                    **{
                        "A&E attendances Other A&E Department": 500,
                        "Attendances over 4hrs Other Department": 5,
                    },
                )
            ]
        )
    ).rows
    got = values(rows)
    assert got[("RAT", "ae_4hr_all")] == pytest.approx(99.0)
    assert ("RAT", "ae_4hr_type1") not in got


def test_total_row_flagged_by_parent_org_or_period_is_skipped() -> None:
    total_by_parent = row("ZZZ", parent="TOTAL ", **{"A&E attendances Type 1": 5})
    total_by_period = row("YYY", period="TOTAL", **{"A&E attendances Type 1": 5})
    parsed = msitae.parse(build([row("RAA", **{"A&E attendances Type 1": 10}), total_by_parent, total_by_period]))
    assert set(parsed.rows["org_code"]) == {"RAA"}
    assert parsed.problems == []
    assert sum("TOTAL row" in note for note in parsed.notes) == 2


def test_codes_are_stripped_and_upper_case_and_parent_trailing_spaces_ignored() -> None:
    text = build([row(" rf4 ", parent="NHS ENGLAND EAST OF ENGLAND ", **{"A&E attendances Type 1": 10})])
    parsed = msitae.parse(text)
    assert set(parsed.rows["org_code"]) == {"RF4"}
    assert parsed.problems == []


def test_period_is_read_from_the_period_cell() -> None:
    rows = msitae.parse(build([row("RAA", period="MSitAE-DECEMBER-2024", **{"A&E attendances Type 1": 1})])).rows
    assert set(rows["period"]) == {"2024-12"}


def test_a_row_from_another_month_is_a_problem_on_its_line() -> None:
    text = build(
        [
            row("RAA", **{"A&E attendances Type 1": 10}),
            row("RBB", **{"A&E attendances Type 1": 10}),
            row("RCC", period="MSitAE-MAY-2025", **{"A&E attendances Type 1": 10}),
        ]
    )
    parsed = msitae.parse(text)
    [problem] = parsed.problems
    assert (problem.line, problem.column, problem.value) == (4, "Period", "MSitAE-MAY-2025")
    assert "May 2025" in problem.message and "Apr 2025" in problem.message
    assert problem.severity == "error"
    assert set(parsed.rows["org_code"]) == {"RAA", "RBB"}


def test_an_unreadable_period_is_a_problem() -> None:
    parsed = msitae.parse(build([row("RAA", period="April 2025", **{"A&E attendances Type 1": 10})]))
    [problem] = parsed.problems
    assert (problem.line, problem.column) == (2, "Period")
    assert "MSitAE-APRIL-2025" in problem.fix
    assert parsed.rows.empty


def test_non_numeric_count_is_a_problem_with_line_and_column() -> None:
    text = build(
        [
            row("RAA", **{"A&E attendances Type 1": 10}),
            row("RBB", **{"A&E attendances Type 1": "12O", DTA_12: 3}),
        ]
    )
    parsed = msitae.parse(text)
    [problem] = parsed.problems
    assert (problem.line, problem.column, problem.value) == (3, "A&E attendances Type 1", "12O")
    assert "whole number" in problem.message and problem.fix
    got = values(parsed.rows)
    assert ("RBB", "ae_4hr_all") not in got and ("RBB", "ae_attendances") not in got
    assert got[("RBB", "ae_12hr_dta_waits")] == 3  # the rest of the row is still read
    assert ("RAA", "ae_4hr_all") in got


def test_blanks_and_dashes_are_missing_not_zero_and_thousands_separators_are_read() -> None:
    text = build(
        [
            row(
                "RAA",
                **{
                    "A&E attendances Type 1": "12,345",
                    "Attendances over 4hrs Type 1": "2,345",
                    "A&E attendances Type 2": "-",
                    "Attendances over 4hrs Type 2": "-",
                    DTA_12: "",
                    DTA_4_12: "-",
                },
            )
        ]
    )
    assert '"12,345"' in text
    parsed = msitae.parse(text)
    assert parsed.problems == []
    got = values(parsed.rows)
    assert got[("RAA", "ae_attendances")] == 12_345
    assert got[("RAA", "ae_4hr_all")] == pytest.approx(100 * 10_000 / 12_345)
    assert ("RAA", "ae_12hr_dta_waits") not in got and ("RAA", "ae_4to12hr_dta_waits") not in got
    assert "4 cells were blank or '-' and treated as missing (not zero)." in parsed.notes


def test_missing_over_four_hours_with_attendances_is_a_warning_and_no_percentage() -> None:
    text = build([row("RAA", **{"A&E attendances Type 1": 100, "Attendances over 4hrs Type 1": "-"})])
    parsed = msitae.parse(text)
    [problem] = parsed.problems
    assert problem.severity == "warning"
    assert (problem.line, problem.column) == (2, "Attendances over 4hrs Type 1")
    assert "ae_4hr_all" not in set(parsed.rows["metric_id"])
    assert values(parsed.rows)[("RAA", "ae_attendances")] == 100


def test_more_over_four_hours_than_attendances_is_an_error() -> None:
    text = build([row("RAA", **{"A&E attendances Type 1": 10, "Attendances over 4hrs Type 1": 11})])
    parsed = msitae.parse(text)
    [problem] = parsed.problems
    assert (problem.line, problem.column, problem.severity) == (2, "Attendances over 4hrs Type 1", "error")
    assert "ae_4hr_all" not in set(parsed.rows["metric_id"])


def test_a_repeated_provider_is_a_problem() -> None:
    text = build([row("RAA", **{"A&E attendances Type 1": 10}), row("RAA", **{"A&E attendances Type 1": 20})])
    parsed = msitae.parse(text)
    [problem] = parsed.problems
    assert problem.line == 3 and "first on line 2" in problem.message
    assert values(parsed.rows)[("RAA", "ae_attendances")] == 10


def test_header_is_strict() -> None:
    assert msitae.matches(COLUMNS)
    assert msitae.matches([f"  {c} " for c in reversed(COLUMNS)])
    renamed = [c.replace("4-12 hs", "4-12 hrs") for c in COLUMNS]
    assert not msitae.matches(renamed)
    assert not msitae.matches(COLUMNS[:-1])
    assert not msitae.matches([*COLUMNS, "Extra"])
    assert not msitae.matches([*COLUMNS[:-1], COLUMNS[0]])


def test_parse_of_the_wrong_file_reports_missing_columns() -> None:
    parsed = msitae.parse("a,b\n1,2\n")
    [problem] = parsed.problems
    assert problem.line == 1 and "MSitAE" in problem.message
    assert parsed.rows.empty


def test_parse_never_raises_on_ragged_or_empty_text() -> None:
    ragged = build([row("RAA")]) + "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24\n"
    for text in ("", ragged, "\n\n", build([])):
        parsed = msitae.parse(text)
        assert parsed.rows.empty
        assert parsed.problems
