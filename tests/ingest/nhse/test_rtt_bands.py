"""RTT weekly-band workbooks: the real admitted (commissioner) workbook, and incomplete-provider ones built in code."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import xlsxwriter

from perfdash.config import load_config
from perfdash.ingest.nhse import rtt_bands
from perfdash.ingest.nhse.published import ENGLAND_CODE
from perfdash.ingest.pipeline import prepare
from perfdash.ingest.workbook import read_workbook

REAL = Path("nhse-rtt") / "Admitted-Commissioner-Dec24-XLSX-2M-revised.xlsx"
INCOMPLETE_SUMMARY = "Monthly Referral to Treatment (RTT) waiting times for incomplete pathways."
# The columns after the bands in NHS England's incomplete workbooks (the admitted ones differ; see the real file).
INCOMPLETE_TAIL = [
    "Total number of incomplete pathways",
    "Total within 18 weeks",
    "% within 18 weeks",
    "Average (median) waiting time (in weeks)",
    "92nd percentile waiting time (in weeks)",
    "Total 52 plus weeks",
    "Total 78 plus weeks",
    "Total 65 plus weeks",
]


@pytest.fixture(scope="module")
def real_bytes(shared_data: Path) -> bytes:
    """The real admitted-pathways commissioner workbook, Dec 2024 (revised)."""
    path = shared_data / REAL
    if not path.is_file():
        pytest.skip(f"real RTT workbook {path} is missing")
    return path.read_bytes()


def bands_for(within_18: int, weeks_18_to_52: int, over_52: int) -> list[int]:
    """105 band counts: `within_18` spread over weeks 0-18, the rest in week 20 and week 60 (or 104 plus)."""
    bands = [0] * 105
    for week in range(18):
        bands[week] = within_18 // 18 + (1 if week < within_18 % 18 else 0)
    bands[20] = weeks_18_to_52
    bands[60] = over_52
    return bands


def incomplete_row(code: list[str], bands: list[int], *, function: str = "C_999") -> list[object]:
    """A row of the incomplete layout: codes, function, bands, then the published totals."""
    total = sum(bands)
    within = sum(bands[:18])
    over_52 = sum(bands[52:])
    return [
        *code,
        function,
        "Total" if function == "C_999" else "General Surgery Service",
        *bands,
        total,
        within,
        within / total if total else "-",
        "-" if not total else 9.5,
        "-" if not total else 40.1,
        over_52,
        sum(bands[78:]),
        sum(bands[65:]),
    ]


def build_workbook(
    sheets: dict[str, tuple[list[str], list[list[object]]]],
    *,
    summary: str = INCOMPLETE_SUMMARY,
    basis: str = "Provider",
    tail: list[str] | None = None,
    header_row: int = 14,
    rename: dict[str, str] | None = None,
) -> bytes:
    """An .xlsx in NHS England's RTT layout: title block in B:C, super-header above the header, data below."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bands = [*(f">{w}-{w + 1}" for w in range(104)), "104 plus"]
    for name, (code_columns, rows) in sheets.items():
        sheet = book.add_worksheet(name)
        title = [
            ("Title:", "Referral to Treatment (RTT) Waiting Times"),
            ("Summary:", summary),
            None,
            ("Period:", "March 2025"),
            ("Source:", "NHS England: monthly RTT data collection"),
            ("Basis:", basis),
            ("Published:", "8th May 2025"),
            ("Revised:", "-"),
            ("Status:", "Published"),
            ("Contact:", "england.rtt@nhs.net"),
        ]
        for offset, pair in enumerate(title):
            if pair:
                sheet.write_row(1 + offset, 1, pair)
        header = [*code_columns, "Treatment Function Code", "Treatment Function", *bands, *(tail or INCOMPLETE_TAIL)]
        header = [(rename or {}).get(h, h) for h in header]
        sheet.write(header_row - 2, 1, f"{name} Level Data")
        sheet.write(
            header_row - 2, 1 + len(code_columns) + 2, "The number of incomplete pathways by week since referral"
        )
        sheet.write_row(header_row - 1, 1, header)
        for index, row in enumerate(rows):
            sheet.write_row(header_row + index, 1, row)
    book.close()
    return out.getvalue()


# Three providers: R1H 30,000 within 18 weeks, 18,000 over 18 to 52, 2,000 over 52 (50,000 waiting);
# RF4 12,000 / 7,000 / 1,000 (20,000); RQX 6,000 / 3,500 / 500 (10,000). England is their sum.
PROVIDERS = {
    "R1H": bands_for(30_000, 18_000, 2_000),
    "RF4": bands_for(12_000, 7_000, 1_000),
    "RQX": bands_for(6_000, 3_500, 500),
}


def incomplete_provider_workbook(**changes: object) -> bytes:
    """National and Provider sheets for the three providers, plus a specialty row that must not be read."""
    england = [sum(week) for week in zip(*PROVIDERS.values(), strict=True)]
    provider_rows = []
    for code, bands in PROVIDERS.items():
        provider_rows.append(incomplete_row(["Y56", code, f"{code} TRUST"], [b // 10 for b in bands], function="C_100"))
        provider_rows.append(incomplete_row(["Y56", code, f"{code} TRUST"], bands))
    sheets = {
        "National": ([], [incomplete_row([], england)]),
        "Region": (["Region Code", "Region Name"], [incomplete_row(["Y56", "LONDON"], england)]),
        "Provider": (["Region Code", "Provider Code", "Provider Name"], provider_rows),
    }
    return build_workbook(sheets, **changes)  # type: ignore[arg-type]


def parsed_from(data: bytes, name: str = "Incomplete-Provider-Mar25-XLSX.xlsx"):
    """Find and parse a workbook with the RTT importer, as the pipeline does."""
    workbook = read_workbook(name, data)
    located = rtt_bands.find(workbook)
    assert located is not None
    return rtt_bands.parse(workbook, located)


def value(parsed, org: str, metric: str) -> float:
    """The one value for an organisation and metric."""
    rows = parsed.rows[(parsed.rows["org_code"] == org) & (parsed.rows["metric_id"] == metric)]
    assert len(rows) == 1, (org, metric, rows)
    return float(rows["value"].iat[0])


# --- the real admitted workbook ------------------------------------------------------------------------


def test_real_admitted_england_and_nel_equal_the_published_figures(real_bytes: bytes) -> None:
    workbook = read_workbook(REAL.name, real_bytes)
    located = rtt_bands.find(workbook)
    assert located is not None and located.pathway == "admitted" and located.facts["Basis"] == "Commissioner"
    started = time.perf_counter()
    parsed = rtt_bands.parse(workbook, located)
    print(f"RTT admitted workbook parsed in {time.perf_counter() - started:.2f}s")  # measured, not asserted
    assert parsed.errors == []
    rows = parsed.rows
    assert set(rows["metric_id"]) == {"rtt_admitted_18wk"} and set(rows["period"]) == {"2024-12"}
    # England (National sheet, C_999): 171,134 of 275,051 with a known clock start within 18 weeks = 62.219%.
    england = rows[rows["org_code"] == ENGLAND_CODE].iloc[0]
    assert (england["numerator"], england["denominator"]) == (171_134, 275_051)
    assert england["value"] == pytest.approx(100 * 171_134 / 275_051) == pytest.approx(62.219, abs=5e-4)
    # NEL ICB QMF: 4,671 of 7,478 = 62.463%.
    assert value(parsed, "QMF", "rtt_admitted_18wk") == pytest.approx(100 * 4_671 / 7_478)
    assert value(parsed, "QMF", "rtt_admitted_18wk") == pytest.approx(62.463, abs=5e-4)
    # 42 ICBs plus England; the NHS ENGLAND ('-') rows are direct commissioning, not loaded.
    assert rows["org_code"].nunique() == 43 and "-" not in set(rows["org_code"])
    # The ICB sheet's totals (NHS ENGLAND rows included) equal the National sheet's: checked and said so.
    assert any("equal to the National sheet's total" in note for note in parsed.notes)
    assert any("revised 10th July 2025" in note for note in parsed.notes)


def test_real_admitted_workbook_through_the_pipeline(real_bytes: bytes) -> None:
    prepared = prepare(REAL.name, real_bytes, load_config(), None)
    assert prepared.ok, [p.describe() for p in prepared.problems]
    assert prepared.format == rtt_bands.NAME
    assert len(prepared.rows) == 43
    assert prepared.file_status == "revised 10th July 2025"  # the title block's Revised: cell


def test_real_layout_with_a_renamed_band_is_refused_naming_it(real_bytes: bytes) -> None:
    workbook = read_workbook(REAL.name, real_bytes)
    icb = workbook.sheet("ICB")
    assert icb is not None
    header = icb.rows[13]
    at = [str(c) for c in header].index(">17-18")
    header[at] = ">17-18 weeks"  # the workbook was read into memory: editing this copy changes no file
    parsed = rtt_bands.parse(workbook, rtt_bands.find(workbook))
    assert parsed.rows.empty
    [problem] = parsed.errors
    assert problem.sheet == "ICB" and problem.line == 14 and problem.column == ">17-18 weeks"
    assert "expected the column '>17-18' after '>16-17'" in problem.message


# --- incomplete pathways, provider basis, built in code --------------------------------------------------


def test_incomplete_provider_fills_the_rtt_metrics_by_hand_worked_figures() -> None:
    parsed = parsed_from(incomplete_provider_workbook())
    assert parsed.errors == [], [p.describe() for p in parsed.problems]
    # R1H: 30,000 of 50,000 within 18 weeks = 60%; 2,000 over 52 weeks = 4% of the list.
    assert value(parsed, "R1H", "rtt_18wk_incomplete") == pytest.approx(60.0)
    assert value(parsed, "R1H", "rtt_52wk_waiters") == 2_000
    assert value(parsed, "R1H", "rtt_52wk_pct") == pytest.approx(4.0)
    assert value(parsed, "R1H", "rtt_waiting_list") == 50_000
    # England: (30,000 + 12,000 + 6,000) / (50,000 + 20,000 + 10,000) = 48,000 / 80,000 = 60%; 3,500 over 52.
    assert value(parsed, ENGLAND_CODE, "rtt_18wk_incomplete") == pytest.approx(60.0)
    assert value(parsed, ENGLAND_CODE, "rtt_52wk_waiters") == 3_500
    assert value(parsed, ENGLAND_CODE, "rtt_waiting_list") == 80_000
    # Region sheet not read; specialty rows (C_100) not read; the providers' totals agree with National.
    assert set(parsed.rows["org_code"]) == {ENGLAND_CODE, "R1H", "RF4", "RQX"}
    assert len(parsed.rows) == 4 * 4
    assert any("'Provider'" in note and "equal to the National" in note for note in parsed.notes)
    assert set(parsed.rows["period"]) == {"2025-03"}


def test_incomplete_provider_through_the_pipeline() -> None:
    prepared = prepare("Incomplete-Provider-Mar25-XLSX.xlsx", incomplete_provider_workbook(), load_config(), None)
    assert prepared.ok, [p.describe() for p in prepared.problems]
    assert prepared.format == rtt_bands.NAME
    assert prepared.rows["metric_id"].nunique() == 4


def test_header_moved_down_is_still_found() -> None:
    parsed = parsed_from(incomplete_provider_workbook(header_row=17))
    assert parsed.errors == []
    assert value(parsed, "RQX", "rtt_18wk_incomplete") == pytest.approx(60.0)  # 6,000 / 10,000


def test_missing_52_week_total_is_refused_naming_it() -> None:
    data = incomplete_provider_workbook(rename={"Total 52 plus weeks": "Total 52+ weeks"})
    parsed = parsed_from(data)
    assert parsed.rows.empty
    assert parsed.errors and parsed.errors[0].column == "Total 52 plus weeks"
    assert "no column 'Total 52 plus weeks'" in parsed.errors[0].message


def test_bands_disagreeing_with_the_published_52_week_total_are_refused() -> None:
    rows = [incomplete_row(["Y56", "R1H", "R1H TRUST"], PROVIDERS["R1H"])]
    rows[0][-3] = 1_999  # 'Total 52 plus weeks' overtyped
    data = build_workbook({"Provider": (["Region Code", "Provider Code", "Provider Name"], rows)})
    parsed = parsed_from(data)
    assert parsed.rows.empty
    [problem] = parsed.errors
    assert problem.column == "Total 52 plus weeks" and problem.line == 15 and problem.sheet == "Provider"
    assert "add up to 2,000" in problem.message and "1,999" in problem.message


def test_summary_that_names_no_pathway_is_refused() -> None:
    parsed = parsed_from(incomplete_provider_workbook(summary="Monthly RTT waiting times."))
    assert parsed.rows.empty
    assert "incomplete, admitted or non-admitted" in parsed.errors[0].message


def test_non_admitted_completed_workbook_fills_its_own_metric() -> None:
    tail = [
        "Patients with unknown clock start date",
        "Total number of completed pathways (all)",
        "Total number of completed pathways (with a known clock start)",
        "Average (median) waiting time (in weeks)",
        "95th percentile waiting time (in weeks)",
        "Total 52 plus weeks",
        "Total 78 plus weeks",
        "Total 65 plus weeks",
    ]
    bands = bands_for(900, 80, 20)  # 900 of 1,000 with a known clock start within 18 weeks = 90%
    row = ["Y56", "RAT", "NELFT", "C_999", "Total", *bands, 5, 1_005, 1_000, "-", "-", 20, 0, 20]
    data = build_workbook(
        {"Provider": (["Region Code", "Provider Code", "Provider Name"], [row])},
        summary="Monthly Referral to Treatment (RTT) waiting times for completed non-admitted pathways.",
        tail=tail,
    )
    parsed = parsed_from(data)
    assert parsed.errors == []
    assert value(parsed, "RAT", "rtt_nonadmitted_18wk") == pytest.approx(90.0)


def test_dash_bands_are_missing_not_zero_but_totals_must_be_numbers() -> None:
    row = incomplete_row(["Y56", "R1H", "R1H TRUST"], PROVIDERS["R1H"])
    row[5 + 104] = "-"  # '104 plus' band: no figure; counted as nobody in the band
    ok = parsed_from(build_workbook({"Provider": (["Region Code", "Provider Code", "Provider Name"], [row])}))
    assert ok.errors == [] and value(ok, "R1H", "rtt_waiting_list") == 50_000
    row[5 + 105] = "n/a"  # the waiting-list total itself
    bad = parsed_from(build_workbook({"Provider": (["Region Code", "Provider Code", "Provider Name"], [row])}))
    assert bad.rows.empty
    assert bad.errors[0].column == "Total number of incomplete pathways" and bad.errors[0].value == "n/a"


def test_real_layout_relabelled_as_an_incomplete_provider_workbook(real_bytes: bytes) -> None:
    """The real workbook, relabelled in memory as the incomplete-pathways provider edition of the same family."""
    workbook = read_workbook("Incomplete-Provider-Dec24-XLSX.xlsx", real_bytes)
    for sheet in workbook.sheets:
        for row in sheet.rows[:15]:
            for at, cell in enumerate(row):
                text = str(cell)
                if text.startswith("Monthly Referral to Treatment (RTT) waiting times for completed"):
                    row[at] = INCOMPLETE_SUMMARY
                elif text == "Commissioner":
                    row[at] = "Provider"
                elif text == "ICB Code":
                    row[at] = "Provider Code"
                elif text == "Total number of completed pathways (with a known clock start)":
                    row[at] = "Total number of incomplete pathways"
    located = rtt_bands.find(workbook)
    assert located is not None and located.pathway == "incomplete" and located.facts["Basis"] == "Provider"
    parsed = rtt_bands.parse(workbook, located)
    assert parsed.errors == [], [p.describe() for p in parsed.problems]
    assert set(parsed.rows["metric_id"]) == set(rtt_bands.INCOMPLETE_METRICS)
    # Same cells, now read as the waiting list: England 171,134 of 275,051 within 18 weeks = 62.219%; the row
    # formerly QMF 4,671 of 7,478 = 62.463%.
    assert value(parsed, ENGLAND_CODE, "rtt_18wk_incomplete") == pytest.approx(100 * 171_134 / 275_051)
    assert value(parsed, ENGLAND_CODE, "rtt_waiting_list") == 275_051
    assert value(parsed, "QMF", "rtt_18wk_incomplete") == pytest.approx(100 * 4_671 / 7_478)
    # Over 52 weeks equals each C_999 row's own 'Total 52 plus weeks' cell, read here straight from the sheet.
    national = workbook.sheet("National")
    header = [str(c) for c in national.rows[13]]
    total_row = next(r for r in national.rows[14:] if str(r[header.index("Treatment Function Code")]) == "C_999")
    published_52 = float(total_row[header.index("Total 52 plus weeks")])
    assert value(parsed, ENGLAND_CODE, "rtt_52wk_waiters") == published_52
    assert value(parsed, ENGLAND_CODE, "rtt_52wk_pct") == pytest.approx(100 * published_52 / 275_051)


def test_sheets_saved_as_csv_load_or_say_which_sheet_to_save(real_bytes: bytes) -> None:
    workbook = read_workbook(REAL.name, real_bytes)
    config = load_config()
    # The ICB sheet saved as CSV (title block and all) still gives NEL's 62.463% (4,671 / 7,478).
    icb = prepare("ICB.csv", workbook.sheet("ICB").to_csv_text().encode(), config, None)
    assert icb.ok and icb.format == rtt_bands.NAME
    qmf = icb.rows[icb.rows["org_code"] == "QMF"]
    assert qmf["value"].iat[0] == pytest.approx(100 * 4_671 / 7_478)
    # The Region sheet has no England, provider or ICB rows: refused, saying what to upload instead.
    region = prepare("Region.csv", workbook.sheet("Region").to_csv_text().encode(), config, None)
    assert not region.ok and region.rows.empty
    assert "National, Provider and ICB sheets" in region.errors[0].fix


def test_incomplete_with_decision_to_admit_is_refused_not_read_as_the_waiting_list() -> None:
    summary = "Monthly Referral to Treatment (RTT) waiting times for incomplete pathways with a decision to admit."
    parsed = parsed_from(incomplete_provider_workbook(summary=summary))
    assert parsed.rows.empty
    assert "subset of the waiting list" in parsed.errors[0].message
    assert "Incomplete (waiting list) workbook" in parsed.errors[0].fix
