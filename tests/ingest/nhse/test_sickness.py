"""NHS Sickness Absence Rates CSV: the real January 2025 file conforms; changed files are refused by name.

Variants are built at test time from the real file in ../shared/data (never copied into the repo).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from perfdash.config import load_config
from perfdash.ingest.nhse import sickness
from perfdash.ingest.pipeline import Prepared, prepare

FILE = "NHS Sickness Absence rates CSV, January 2025.csv"


@pytest.fixture(scope="module")
def real_bytes(shared_data: Path) -> bytes:
    """The CSV exactly as NHS Digital publishes it (CRLF), or skip."""
    path = shared_data / "nhsd-workforce" / FILE
    if not path.is_file():
        pytest.skip(f"real NHS Digital file {path} is missing")
    return path.read_bytes()


@pytest.fixture(scope="module")
def real(real_bytes: bytes) -> Prepared:
    return prepare(FILE, real_bytes, load_config(), None)


@pytest.fixture(scope="module")
def records(real_bytes: bytes) -> list[dict[str, str]]:
    """The file's rows read with the csv module, independently of perfdash."""
    return list(csv.DictReader(io.StringIO(real_bytes.decode("utf-8-sig"), newline="")))


def through(data: bytes) -> Prepared:
    return prepare("sickness.csv", data, load_config(), None)


def edited(real_bytes: bytes, change: dict[str, dict[str, str]] | None = None, rename: dict[str, str] | None = None):
    """The real file with some cells changed (by ORG_CODE, then column) or header names replaced."""
    rows = list(csv.reader(io.StringIO(real_bytes.decode("utf-8-sig"), newline="")))
    header = rows[0]
    for org, cells in (change or {}).items():
        row = next(r for r in rows[1:] if r[header.index("ORG_CODE")] == org)
        for column, text in cells.items():
            row[header.index(column)] = text
    rows[0] = [(rename or {}).get(c, c) for c in header]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def value(prepared: Prepared, org: str, column: str = "value") -> float:
    hit = prepared.rows[prepared.rows["org_code"] == org]
    assert len(hit) == 1, (org, hit)
    return float(hit[column].iat[0])


def test_real_file_loads_every_organisation_but_the_icbs(real: Prepared, records: list[dict[str, str]]) -> None:
    assert real.ok, [p.describe() for p in real.errors]
    assert real.format == "nhsd_sickness"
    assert set(real.rows["period"]) == {"2025-01"}  # DATE 31/01/2025, day first
    assert set(real.rows["metric_id"]) == {"wf_sickness"}
    icbs = {r["ORG_CODE"] for r in records if r["ORG_TYPE"] == "Integrated Care Board"}
    assert len(records) == 280 and len(icbs) == 42
    assert set(real.rows["org_code"]) == {r["ORG_CODE"] for r in records} - icbs
    assert "QMF" not in set(real.rows["org_code"])  # NEL ICB's own staff are not the NEL system
    assert any("no England row" in n for n in real.notes)


def test_totals_equal_the_files_own_totals(real: Prepared, records: list[dict[str, str]]) -> None:
    loaded = [r for r in records if r["ORG_TYPE"] != "Integrated Care Board"]
    assert real.rows["numerator"].sum() == pytest.approx(sum(float(r["FTE_DAYS_LOST"]) for r in loaded), rel=1e-12)
    assert real.rows["denominator"].sum() == pytest.approx(
        sum(float(r["FTE_DAYS_AVAILABLE"]) for r in loaded), rel=1e-12
    )
    # Every published (rounded) rate is ours rounded to 2 decimals.
    published = {r["ORG_CODE"]: float(r["SICKNESS_ABSENCE_RATE_PERCENT"]) for r in loaded}
    ours = dict(zip(real.rows["org_code"], real.rows["value"], strict=True))
    assert {code: round(ours[code], 2) for code in published} == published


def test_nel_figures_equal_hand_worked_values(real: Prepared) -> None:
    # Barts Health R1H: 30,029.7635 / 615,932.60654 FTE days = 4.875% (the file rounds it to 4.88).
    assert value(real, "R1H", "numerator") == pytest.approx(30_029.7635)
    assert value(real, "R1H", "denominator") == pytest.approx(615_932.60654)
    assert value(real, "R1H") == pytest.approx(4.8755, abs=5e-4)
    # London Ambulance Service RRU: 20,877.91215 / 253,052.34995 = 8.250% (file 8.25).
    assert value(real, "RRU") == pytest.approx(100 * 20_877.91215 / 253_052.34995)
    assert value(real, "RRU") == pytest.approx(8.250, abs=5e-4)
    # BHRUT RF4: 13,228.88847 / 257,879.00592 = 5.130%.
    assert value(real, "RF4") == pytest.approx(5.130, abs=5e-4)


def test_lf_line_endings_read_the_same(real: Prepared, real_bytes: bytes) -> None:
    assert b"\r\n" in real_bytes  # published with CRLF
    again = through(real_bytes.replace(b"\r\n", b"\n"))
    assert again.ok and again.rows.equals(real.rows)


def test_renamed_column_is_refused_by_name(real_bytes: bytes) -> None:
    refused = through(edited(real_bytes, rename={"FTE_DAYS_LOST": "FTE_DAYS_LOST_TOTAL"}))
    assert refused.format == "nhsd_sickness" and not refused.ok and refused.rows.empty
    [problem] = refused.errors
    assert problem.column == "FTE_DAYS_LOST" and problem.line == 1
    assert "the header has no 'FTE_DAYS_LOST'; it has 'FTE_DAYS_LOST_TOTAL' instead" in problem.message


def test_swapped_days_are_refused_on_their_line(real_bytes: bytes) -> None:
    refused = through(
        edited(real_bytes, {"R1H": {"FTE_DAYS_LOST": "615932.60654", "FTE_DAYS_AVAILABLE": "30029.7635"}})
    )
    [problem] = refused.errors
    assert (problem.line, problem.column) == (26, "FTE_DAYS_LOST")


def test_a_rate_unlike_its_days_is_refused(real_bytes: bytes) -> None:
    refused = through(edited(real_bytes, {"R1H": {"SICKNESS_ABSENCE_RATE_PERCENT": "5.88"}}))
    [problem] = refused.errors
    assert (problem.line, problem.column) == (26, "SICKNESS_ABSENCE_RATE_PERCENT")
    assert "30,029.76 / 615,932.61 = 4.875%" in problem.message


def test_dash_is_missing_not_zero(real_bytes: bytes) -> None:
    again = through(edited(real_bytes, {"R1H": {"FTE_DAYS_LOST": "-", "SICKNESS_ABSENCE_RATE_PERCENT": "-"}}))
    assert again.ok
    assert "R1H" not in set(again.rows["org_code"]) and "RF4" in set(again.rows["org_code"])


def test_a_row_from_another_month_is_refused(real_bytes: bytes) -> None:
    refused = through(edited(real_bytes, {"R1H": {"DATE": "28/02/2025"}}))
    [problem] = refused.errors
    assert (problem.line, problem.column) == (26, "DATE") and "Feb 2025" in problem.message


def test_header_detection_is_exclusive() -> None:
    assert sickness.matches(list(sickness.COLUMNS))
    assert sickness.matches([c.lower() for c in sickness.COLUMNS])
    assert not sickness.matches(["period", "org_code", "metric_id", "value"])
