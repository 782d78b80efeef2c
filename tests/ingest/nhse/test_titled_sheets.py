"""Titled-sheet importers (A&E by provider, DM01) on sheets built in code: found by content, and never raising."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfdash.ingest.model import SheetImporter
from perfdash.ingest.nhse import ae_provider, dm01
from perfdash.ingest.workbook import Sheet, Workbook
from tests.support.examples import examples

CELLS = st.sampled_from(
    ["", "-", "*", "0", "12", "1,234", "0.5", "73.8%", "x", "Total", "England", "R1H", " rf4 ", "1e3", "-5"]
)


def titled_sheet(title: str, caption: str, header: tuple[str, ...], body: list[list[str]]) -> list[list[object]]:
    """A sheet laid out as NHS England publishes: title block in B:C, a caption, the header, then the body."""
    block: list[list[object]] = [
        [],
        ["", "Title:", title],
        [],
        ["", "Summary:", "The total of booked and non-booked A&E attendances"],
        ["", "Period:", "March 2025"],
        ["", "Status:", "Published"],
        [],
        ["", caption],
    ]
    return [*block, ["", *header], *[["", *r] for r in body]]


LAYOUTS: dict[str, tuple[SheetImporter, list[list[object]]]] = {
    "ae": (ae_provider.IMPORTER, titled_sheet("A&E Attendances", "Provider Level Data", ae_provider.EXPECTED, [])),
    "dm01": (dm01.IMPORTER, titled_sheet("Monthly Diagnostics", "Provider level data", dm01.EXPECTED, [])),
    "dm01_by_test": (
        dm01.IMPORTER,
        titled_sheet("Monthly Diagnostics", "Provider level data", dm01.EXPECTED_BY_TEST, []),
    ),
}


def test_each_layout_is_found_by_its_own_importer_only() -> None:
    for name, (importer, rows) in LAYOUTS.items():
        book = Workbook("x.xlsx", "xlsx", (Sheet("Sheet1", rows),))
        found = [i.name for i in (ae_provider.IMPORTER, dm01.IMPORTER) if i.find(book) is not None]
        assert found == [importer.name], name


def test_an_unrelated_sheet_is_not_found() -> None:
    book = Workbook("x.xlsx", "xlsx", (Sheet("Sheet1", [["Code", "Name"], ["R1H", "Barts"]]),))
    assert ae_provider.find(book) is None and dm01.find(book) is None


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), layout=st.sampled_from(sorted(LAYOUTS)))
def test_parse_never_raises_on_odd_cells(data: st.DataObject, layout: str) -> None:
    importer, rows = LAYOUTS[layout]
    width = len(rows[-1]) - 1
    body = data.draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=6))
    sheet = Sheet("Sheet1", [*rows, *[["", *r] for r in body]])
    book = Workbook("x.xlsx", "xlsx", (sheet,))
    located = importer.find(book)
    assert located is not None
    parsed = importer.parse(book, located)
    assert not any("could not read this file" in p.message for p in parsed.problems), parsed.problems
    assert parsed.rows["value"].notna().all()
    percent = parsed.rows["metric_id"].isin(["ae_4hr_all", "ae_4hr_type1", "dm01_6wk"])
    assert parsed.rows.loc[percent, "value"].between(0, 100).all()
    counts = parsed.rows.loc[~percent, "value"]
    assert (counts >= 0).all()
