"""RTT full-extract importer on files built in code from the documented 121-column header."""

from __future__ import annotations

import csv
import io
import math
import zipfile

import pytest

from perfdash.config import load_config
from perfdash.ingest.csvtext import header_cells
from perfdash.ingest.model import Parsed
from perfdash.ingest.nhse import rtt
from perfdash.ingest.pipeline import prepare

DESCRIPTIVE = [
    "Period",
    "Provider Parent Org Code",
    "Provider Parent Name",
    "Provider Org Code",
    "Provider Org Name",
    "Commissioner Parent Org Code",
    "Commissioner Parent Name",
    "Commissioner Org Code",
    "Commissioner Org Name",
    "RTT Part Type",
    "RTT Part Description",
    "Treatment Function Code",
    "Treatment Function Name",
]
# Built independently of the importer from nhs-standards.md 2.2: 104 one-week bands then "Gt 104".
BANDS = [f"Gt {w:02d} To {w + 1:02d} Weeks SUM 1" for w in range(104)] + ["Gt 104 Weeks SUM 1"]
HEADER = [*DESCRIPTIVE, *BANDS, "Total", "Patients with unknown clock start date", "Total All"]


def line(
    provider: str,
    commissioner: str,
    bands: dict[int, int | str],
    *,
    part: str = "Part_2",
    tfc: str = "C_999",
    unknown: int = 0,
    total_all: int | str | None = None,
    period: str = "RTT-June-2026",
    name: str = "A HOSPITAL",
) -> list[str]:
    """One extract row; bands maps band index (0 = Gt 00 To 01, 104 = Gt 104) to a count, others blank."""
    band_cells = [str(bands.get(i, "")) for i in range(105)]
    if total_all is None:
        total_all = sum(v for v in bands.values() if isinstance(v, int)) + unknown
    return [
        period, "QMF", "NHS NORTH EAST LONDON ICB", provider, name, "QMF", "", commissioner, "",
        part, "Incomplete Pathways" if part == "Part_2" else "Other", tfc,
        "Total" if tfc == "C_999" else "General Surgery",
        *band_cells, "", str(unknown), str(total_all),
    ]  # fmt: skip


def build(rows: list[list[str]], header: list[str] | None = None) -> str:
    """An extract CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return out.getvalue()


def by_metric(parsed: Parsed, org: str) -> dict[str, tuple[float, float, float]]:
    """metric_id -> (value, numerator, denominator) for one provider."""
    rows = parsed.rows[parsed.rows["org_code"] == org]
    return {r.metric_id: (r.value, r.numerator, r.denominator) for r in rows.itertuples()}


def sample() -> str:
    """Two providers; RAA has three commissioners plus rows the importer must ignore."""
    return build(
        [
            line("RAA", "07T", {0: 100, 17: 50, 18: 40, 51: 9, 52: 3}, part="Part_1A"),  # completed: ignored
            line("RAA", "07T", {0: 100, 17: 50, 18: 40, 51: 9, 52: 3, 104: 2}, unknown=1),  # line 3
            line("RAA", "08M", {5: 20, 30: 10, 60: 4}),
            line("RAA", "07T", {0: 1000, 18: 7}, tfc="C_110"),  # one specialty: already in C_999
            line("RAA", "NONC", {3: 5}),
            line("RAA", "07T", {0: 70}, part="Part_2A"),  # subset of Part_2: ignored
            line("rbb ", "07T", {1: 10, 20: 10}, name="B, HOSPITAL"),  # line 8
        ]
    )


def test_sums_part_2_total_rows_across_commissioners() -> None:
    text = sample()
    assert rtt.matches(header_cells(text))
    parsed = rtt.parse(text)
    assert parsed.problems == []
    raa = by_metric(parsed, "RAA")
    # Within 18 weeks: 100 + 50 (bands 0 and 17) + 20 (band 5) + 5 (band 3); list: (204 + 1 unknown) + 34 + 5.
    assert raa["rtt_waiting_list"][0] == 244
    assert raa["rtt_18wk_incomplete"] == (pytest.approx(100 * 175 / 244), 175, 244)
    assert raa["rtt_52wk_waiters"][0] == 3 + 2 + 4
    assert raa["rtt_52wk_pct"] == (pytest.approx(100 * 9 / 244), 9, 244)
    assert all(math.isnan(x) for x in raa["rtt_52wk_waiters"][1:])  # counts carry no numerator/denominator
    rbb = by_metric(parsed, "RBB")
    assert rbb["rtt_18wk_incomplete"][1:] == (10, 20)
    assert set(parsed.rows["period"]) == {"2026-06"}
    assert set(parsed.rows.loc[parsed.rows["org_code"] == "RAA", "line"]) == {3}  # lines of the uploaded file
    assert set(parsed.rows.loc[parsed.rows["org_code"] == "RBB", "line"]) == {8}
    assert any("summing 4 commissioner rows" in note for note in parsed.notes)
    assert any("Ignored 3 rows" in note for note in parsed.notes)


def test_multi_line_quoted_cells_still_parse_with_right_lines() -> None:
    rows = [
        line("RAA", "07T", {0: 1}),
        line("RBB", "07T", {0: 2}, name="B\nHOSPITAL"),
        line("RCC", "07T", {0: 3}),
    ]
    parsed = rtt.parse(build(rows))
    assert parsed.problems == []
    assert set(parsed.rows["org_code"]) == {"RAA", "RBB", "RCC"}
    assert parsed.rows.loc[parsed.rows["org_code"] == "RAA", "line"].iloc[0] == 2


@pytest.mark.parametrize(
    ("cell", "period"),
    [("RTT-June-2026", "2026-06"), ("RTT-APRIL-2022", "2022-04"), (" rtt-march-2025 ", "2025-03")],
)
def test_period_forms(cell: str, period: str) -> None:
    parsed = rtt.parse(build([line("RAA", "07T", {0: 1}, period=cell)]))
    assert parsed.problems == []
    assert set(parsed.rows["period"]) == {period}


def test_blank_and_dash_bands_count_as_zero() -> None:
    parsed = rtt.parse(build([line("RAA", "07T", {0: 5, 1: "-", 2: "", 60: "1,200"}, total_all=1205)]))
    assert parsed.problems == []
    raa = by_metric(parsed, "RAA")
    assert raa["rtt_18wk_incomplete"][1:] == (5, 1205)
    assert raa["rtt_52wk_waiters"][0] == 1200


def test_bad_content_is_located() -> None:
    rows = [
        line("RAA", "07T", {0: 5}),
        line("RAA", "08M", {0: "five"}, total_all=5),
        line("RBB", "07T", {0: 5}, period="RTT-May-2026"),
        line("RCC", "07T", {0: 5}),
    ]
    parsed = rtt.parse(build(rows))
    located = {(p.line, p.column, p.value) for p in parsed.problems}
    assert located == {(3, "Gt 00 To 01 Weeks SUM 1", "five"), (4, "Period", "RTT-May-2026")}
    assert set(parsed.rows["org_code"]) == {"RAA", "RCC"}


def test_bands_over_total_all_is_a_warning() -> None:
    parsed = rtt.parse(build([line("RAA", "07T", {0: 50}, total_all=40)]))
    [problem] = parsed.problems
    assert (problem.severity, problem.line, problem.column) == ("warning", 2, "Total All")


def test_no_waiting_list_rows_is_a_problem() -> None:
    parsed = rtt.parse(build([line("RAA", "07T", {0: 5}, part="Part_1B")]))
    [problem] = parsed.problems
    assert "Part_2" in problem.message and "C_999" in problem.message
    assert parsed.rows.empty


def test_header_is_strict() -> None:
    assert len(HEADER) == 121
    assert rtt.matches(HEADER)
    # An edited header is still recognised as the RTT extract, so that parse can name what it lacks.
    renamed = [c.replace("Gt 52 To 53", "Gt 52 to 53") for c in HEADER]
    assert rtt.matches(renamed)
    [problem] = rtt.parse(build([line("RAA", "07T", {0: 5})], header=renamed)).problems
    assert "'Gt 52 To 53 Weeks SUM 1'" in problem.message and problem.line == 1
    assert rtt.matches(HEADER[:-1])
    assert not rtt.matches(HEADER[:20])  # too few bands: some other file
    assert not rtt.matches([c for c in HEADER if c != "Provider Org Code"])


def test_wrong_file_reports_missing_columns() -> None:
    parsed = rtt.parse(build([line("RAA", "07T", {0: 5})[:-1]], header=HEADER[:-1]))
    [problem] = parsed.problems
    assert "Total All" in problem.message and problem.line == 1


# --- as downloaded: a .zip holding the one CSV, through the whole pipeline ----------------------------------


def zipped(text: str, member: str = "20250131-RTT-January-2025-full-extract.csv") -> bytes:
    """A .zip holding one CSV, as NHS England publishes the full extract."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, text.encode("utf-8"))
    return out.getvalue()


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_zip_of_the_documented_extract_loads_through_prepare(newline: str) -> None:
    text = sample().replace("\r\n", newline)
    prepared = prepare("Full-CSV-data-file-Jan25-ZIP.zip", zipped(text), load_config(), None)
    assert prepared.ok, [p.describe() for p in prepared.problems]
    assert prepared.format == rtt.NAME
    # RAA, Part_2 C_999 over its three commissioners: within 18 weeks 100 + 50 (07T) + 20 (08M) + 5 (NONC) = 175
    # of Total All 205 + 34 + 5 = 244 = 71.721%; over 52 weeks 3 + 2 (07T) + 4 (08M) = 9.
    raa = prepared.rows[prepared.rows["org_code"] == "RAA"].set_index("metric_id")["value"]
    assert raa["rtt_18wk_incomplete"] == pytest.approx(100 * 175 / 244)
    assert raa["rtt_52wk_waiters"] == 9
    assert raa["rtt_waiting_list"] == 244


def test_zip_with_a_renamed_column_is_refused_naming_it() -> None:
    renamed = [c if c != "Total All" else "Total all pathways" for c in HEADER]
    text = build([line("RAA", "07T", {0: 5})], header=renamed)
    prepared = prepare("Full-CSV-data-file-Jan25-ZIP.zip", zipped(text), load_config(), None)
    assert not prepared.ok and prepared.rows.empty
    assert any("'Total All'" in p.message for p in prepared.errors)
