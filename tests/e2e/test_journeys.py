"""Journeys as people make them, in Chromium against `streamlit run`: a board member reads, an analyst loads a month."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perfdash import demo
from perfdash.config import load_config
from tests.e2e.conftest import PROJECT_ROOT, SEEDED_LAST_MONTH, UPLOAD_MONTH
from tests.support.browser import choose, open_page, options, rerun_settled, selected, settle_visuals, wait_for_app

pytestmark = pytest.mark.browser


def month_csv(month: str = UPLOAD_MONTH) -> bytes:
    """One month of every metric for every NEL organisation, in the canonical format (as an analyst sends)."""
    frame = demo.generate(load_config(PROJECT_ROOT / "config.yaml"), last=month)
    return demo.to_csv_bytes(frame[frame["period"] == month])


def rows_in(data: bytes) -> int:
    """Data rows in a CSV (lines after the header)."""
    return len(data.decode("utf-8").strip().splitlines()) - 1


def caption_texts(page) -> list[str]:
    """Every caption on the page."""
    return page.get_by_test_id("stCaptionContainer").all_inner_texts()


def test_board_member_reads_overview_picks_a_trust_and_opens_a_chart(app, page, screenshot_dir: Path):
    open_page(page, app.url, "Overview")
    # Served as `make run` serves it, the server computed this first view before it listened (perfdash.ui.serve).
    assert "warmed the overview's caches in" in app.log_text()
    # ...and then kept what it had made out of every later full garbage collection (a pause in each page view).
    assert re.search(r"froze \d{5,} long-lived objects", app.log_text())
    assert selected(page, "Organisation") == "NEL ICS"
    assert selected(page, "Month") == "Aug 2025"
    page.get_by_text("NEL ICS, Aug 2025. Data to Aug 2025.").wait_for()
    settle_visuals(page)
    page.screenshot(path=screenshot_dir / "journey-overview.png")

    choose(page, "Organisation", "Barts Health")
    page.get_by_text("Barts Health, Aug 2025.").wait_for()
    assert "org=R1H" in page.url  # the choice is in the link, so it can be shared
    # The table shows Barts' own metrics with their reading in words, each name a link to its chart.
    table = page.locator(".pd-html").last.locator("table")
    header = table.locator("thead th").all_inner_texts()
    assert {"Metric", "Latest", "vs target", "vs plan", "SPC reading", "Target in force", "Data to"} <= set(header)
    first_row = table.locator("tbody tr:not(.pd-group)").first.locator("th, td").all_inner_texts()
    assert first_row[0] == "A&E 4-hour, all types"
    assert any(cell.endswith("%") for cell in first_row)
    settle_visuals(page)
    page.screenshot(path=screenshot_dir / "journey-overview-barts.png")

    # Each name opens the metric's chart, for the same trust and month.
    table.get_by_role("link", name="A&E 4-hour, all types").click()
    chart_page = page
    page.wait_for_url("**/metric?**")
    wait_for_app(chart_page)
    chart_page.get_by_role("heading", name="Metric", level=1).wait_for()
    assert "metric=ae_4hr_all" in chart_page.url and "org=R1H" in chart_page.url
    assert selected(chart_page, "Metric") == "A&E 4-hour, all types"
    assert selected(chart_page, "Organisation") == "Barts Health"
    chart_page.locator("svg.pd-chart").wait_for()
    chart_page.get_by_text("Text alternative: A&E 4-hour, all types for Barts Health was").wait_for()
    settle_visuals(chart_page)
    chart_page.screenshot(path=screenshot_dir / "journey-metric-barts.png")

    # The Metric page from the menu keeps working for another metric.
    choose(chart_page, "Metric", "Cancer 62-day combined")
    chart_page.get_by_text("Text alternative: Cancer 62-day combined for Barts Health was").wait_for()


def test_board_member_downloads_the_board_pack(app, page, tmp_path: Path):
    open_page(page, f"{app.url}/?org=R1H&month=2025-08", "Overview")
    page.get_by_text("Barts Health, Aug 2025.").wait_for()
    # Prepared on request (Chromium draws every chart), then offered for download.
    rerun_settled(page, page.get_by_role("button", name="Prepare board pack (PDF)").click)
    download_button = page.get_by_role("button", name="Download board pack")
    download_button.wait_for(timeout=180_000)
    with page.expect_download() as download_info:
        download_button.click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.suffix == ".pdf" and "R1H" in target.name
    assert target.read_bytes()[:5] == b"%PDF-"
    assert "board pack R1H 2025-08 for Local user" in app.log_text()  # logged with pages, charts and seconds


def choose_file(page, base_url: str, name: str, data: bytes) -> None:
    """Open the Upload page and choose one CSV file, as the file picker would."""
    open_page(page, f"{base_url}/upload", "Upload data")
    rerun_settled(
        page,
        lambda: page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
        ),
    )


def upload_and_commit(page, base_url: str, name: str, data: bytes, new: int | None = None) -> str:
    """On the Upload page: choose a file, read the preview, tick any warnings, Commit; return the message.

    new: the new values the preview counts (every row of the file when not given)."""
    choose_file(page, base_url, name, data)
    page.get_by_role("heading", name=name).wait_for()
    page.get_by_text("Read as perfdash canonical long form").wait_for()
    new_values = page.locator(".pd-counts li").filter(has_text="New values")
    assert new_values.locator(".pd-count-value").inner_text() == f"{rows_in(data) if new is None else new:,}"
    # The store holds the demo: the analyst keeps it (withdrawing it is tested in tests/app/test_upload_page.py).
    keep = page.get_by_role("checkbox", name="Keep the demo beside these files")
    if keep.count():
        rerun_settled(page, lambda: page.get_by_test_id("stCheckbox").filter(has_text="Keep the demo").click())
        assert keep.is_checked()
    warnings = page.get_by_role("checkbox", name="I have checked the")
    if warnings.count():
        # The box is drawn over the real input, so tick it by its label as a person would.
        rerun_settled(page, lambda: page.get_by_test_id("stCheckbox").filter(has_text="I have checked the").click())
        assert warnings.is_checked()
    commit = page.get_by_role("button", name="Commit")
    assert commit.is_enabled()
    rerun_settled(page, commit.click)
    success = page.get_by_test_id("stAlertContentSuccess")
    success.wait_for()
    return success.inner_text()


def test_analyst_uploads_a_month_and_the_overview_shows_it(writable_app, page, screenshot_dir: Path):
    open_page(page, writable_app.url, "Overview")
    before = options(page, "Month")
    assert before[0] == "Aug 2025" and "Sep 2025" not in before
    page.get_by_text(f"Data to Aug {SEEDED_LAST_MONTH[:4]}.").wait_for()

    message = upload_and_commit(page, writable_app.url, "nel-sep-2025.csv", month_csv())
    rows = rows_in(month_csv())  # one per metric and NEL organisation it applies to
    assert f"loaded as upload 2: {rows} new, 0 revised, 0 unchanged" in message
    settle_visuals(page)
    page.screenshot(path=screenshot_dir / "journey-upload-committed.png")

    # Back to the overview through the menu: the new month is there and is shown by default.
    rerun_settled(page, lambda: page.get_by_test_id("stSidebarNav").get_by_role("link", name="Overview").click())
    page.get_by_role("heading", name="Overview", level=1).wait_for()
    page.get_by_text("NEL ICS, Sep 2025. Data to Sep 2025.").wait_for()
    after = options(page, "Month")
    assert after[:2] == ["Sep 2025", "Aug 2025"]  # the list is virtualised: only its top is in the DOM
    settle_visuals(page)
    page.screenshot(path=screenshot_dir / "journey-overview-after-upload.png")

    # The Data page's audit log names the file, who loaded it and the counts.
    open_page(page, f"{writable_app.url}/data", "Data and audit")
    newest = page.locator(".pd-html").first.locator("tbody tr").first
    newest.wait_for()
    first_upload = newest.locator("th, td").all_text_contents()
    assert "nel-sep-2025.csv" in first_upload and "local-user" in first_upload, first_upload
    assert page.get_by_test_id("stDataFrame").count() == 0, "no canvas grid on the Data page"
    # The server log says what was loaded, by whom and how long it took.
    assert f"loaded 'nel-sep-2025.csv' (canonical) by 'local-user': upload 2, {rows} added" in writable_app.log_text()


def test_analyst_revises_a_month_reads_the_values_history_and_rolls_the_revision_back(
    writable_app, page, screenshot_dir: Path
):
    """A republished month with one value revised: the rest are repeats, kept in the history, not made current."""
    import io

    import pandas as pd

    from perfdash.vocabulary import format_value

    config = load_config(PROJECT_ROOT / "config.yaml")
    metric = config.metric_by_id["ae_4hr_all"]
    frame = pd.read_csv(io.BytesIO(month_csv(SEEDED_LAST_MONTH)))
    revised = (frame["metric_id"] == metric.id) & (frame["org_code"] == "R1H")
    old_value, numerator, denominator = frame.loc[revised, ["value", "numerator", "denominator"]].iloc[0]
    # More patients seen within 4 hours (two points' worth); the value left blank is computed from the counts.
    seen = numerator + round(denominator * 0.02)
    new_value = seen / denominator * (old_value / (numerator / denominator))
    frame.loc[revised, ["value", "numerator"]] = [None, seen]
    message = upload_and_commit(page, writable_app.url, "republished.csv", frame.to_csv(index=False).encode(), new=0)
    assert f"loaded as upload 2: 0 new, 1 revised, {len(frame) - 1} unchanged" in message

    def history_rows() -> list[list[str]]:
        table = page.locator(".pd-html").filter(has_text="Every load of this value")
        table.locator("tbody tr").first.wait_for()
        return [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]

    open_page(page, f"{writable_app.url}/data", "Data and audit")
    choose(page, "Metric", metric.name)
    choose(page, "Organisation", config.org_names["R1H"])
    assert selected(page, "Month") == "Aug 2025"
    before, after = format_value(old_value, metric.unit), format_value(new_value, metric.unit)
    assert before != after
    rows = history_rows()
    assert [(row[0], row[1], row[4], row[7]) for row in rows] == [
        ("1", "synthetic-demo-data.csv", before, "live"),
        ("2", "republished.csv", after, "live"),
    ], rows
    # A repeated value's history names both uploads with the same value.
    choose(page, "Organisation", config.org_names["RF4"])
    assert [row[0] for row in history_rows()] == ["1", "2"]
    assert len({row[4] for row in history_rows()}) == 1
    settle_visuals(page)
    page.screenshot(path=screenshot_dir / "journey-value-history.png", full_page=True)

    # Rolled back: Barts Health's value is the first again, and the history says which load was withdrawn.
    box = page.get_by_role("combobox", name="Upload", exact=True)
    box.click()
    box.fill("2: republished")
    page.get_by_role("option").filter(has_text="2: republished.csv").click()  # in a form: no rerun yet
    page.get_by_label("Reason").fill("Revised in error")
    page.get_by_test_id("stCheckbox").filter(has_text="I understand its values").click()
    rerun_settled(page, lambda: page.get_by_role("button", name="Roll back").click())
    page.get_by_text("Upload 2 (republished.csv) rolled back: 1 values returned").wait_for()
    choose(page, "Organisation", config.org_names["R1H"])
    rows = history_rows()
    assert [(row[0], row[4]) for row in rows] == [("1", before), ("2", after)]
    assert rows[0][7] == "live" and rows[1][7].startswith("rolled back")
    open_page(page, f"{writable_app.url}/metric?metric={metric.id}&org=R1H", "Metric")
    page.locator("td", has_text=before).first.wait_for()  # in the chart's data table (and its point's tooltip)
    assert page.locator("svg.pd-chart title", has_text=f"Value: {before}").count() >= 1


def test_a_second_commit_of_the_same_file_changes_nothing(writable_app, page):
    data = month_csv()
    upload_and_commit(page, writable_app.url, "nel-sep-2025.csv", data)
    choose_file(page, writable_app.url, "again.csv", data)
    page.get_by_text("This exact file was already loaded as upload 2").wait_for()


def test_analyst_sees_every_problem_of_a_bad_file_in_full_and_nothing_is_written(
    writable_app, page, screenshot_dir: Path
):
    from perfdash import store

    engine = store.get_engine(writable_app.database_url)
    before = store.table_counts(engine)
    header = "period,org_code,metric_id,value,numerator,denominator\n"
    data = (header + "2025-13,R1H,ae_4hr_all,71.5,,\n2025-09,R1H,ae_4hr_all,lots,,\n").encode()
    choose_file(page, writable_app.url, "bad.csv", data)
    page.get_by_text("2 problem(s) must be fixed before this file can be loaded. Nothing has been written.").wait_for()
    table = page.locator(".pd-html").locator("table").filter(has_text="What is wrong")
    assert table.locator("caption").inner_text() == "Problems in bad.csv: 2 error(s) and 0 warning(s), by line."
    rows = [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]
    assert [row[:4] for row in rows] == [["error", "2", "period", "2025-13"], ["error", "3", "value", "lots"]]
    assert rows[1][4:] == ["is not a number", "write a plain number such as 78.5 (no text, no formulas)"]
    # Every cell reads whole: text wraps inside its cell instead of being cut off at the cell's edge.
    clipped = table.locator("th, td").evaluate_all(
        "cells => cells.filter(c => c.scrollWidth > c.clientWidth + 1).length"
    )
    assert clipped == 0
    assert page.get_by_role("button", name="Download the problems (CSV)").is_visible()
    assert page.get_by_role("button", name="Commit").is_disabled()
    settle_visuals(page)
    page.screenshot(path=screenshot_dir / "journey-upload-problems.png")
    assert store.table_counts(engine) == before
    store.dispose_engines()


def test_analyst_downloads_the_metric_pages_data_table(app, page, tmp_path: Path):
    import pandas as pd

    from perfdash.metric_detail import DATA_COLUMNS

    open_page(page, f"{app.url}/metric?metric=ae_4hr_all&org=R1H&month={SEEDED_LAST_MONTH}", "Metric")
    shown = page.locator("table", has=page.get_by_text("Each month of the chart, Barts Health"))
    shown.wait_for()
    # The CSV is written when the button is pressed (ui._download_csv), not on every run of the page.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download this table (CSV)").first.click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert target.name == "ae_4hr_all-R1H.csv"
    table = pd.read_csv(target, dtype={"period": str})
    assert list(table.columns) == DATA_COLUMNS
    assert table["period"].max() == SEEDED_LAST_MONTH and table["period"].is_monotonic_increasing
    assert len(table) == shown.locator("tbody tr").count()  # every month the page shows, no more


def test_board_member_opens_the_chart_of_every_provider_when_asked(writable_app, page, shared_data, tmp_path: Path):
    from perfdash import store
    from tests.support.real_files import load_ae_by_provider

    # NHS England's provider lookup and A&E by provider for April 2025, loaded into the running app's store.
    load_ae_by_provider(store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}"), shared_data)
    store.dispose_engines()
    open_page(page, f"{writable_app.url}/metric?metric=ae_4hr_all&org=RF4&month=2025-04", "Metric")
    page.get_by_role("heading", name="Benchmark, Apr 2025").wait_for()
    charts = page.locator(".js-plotly-plot")
    # The SPC chart is SVG from the server; plotly.js draws every provider's chart only when asked for.
    assert page.locator("svg.pd-chart").count() == 1 and charts.count() == 0
    page.get_by_text("Every provider on one chart").click()
    charts.first.locator("svg.main-svg").first.wait_for()
    assert charts.count() == 1
    assert charts.first.locator(".gtitle").text_content() == "A&E 4-hour, all types: every provider"
    assert page.get_by_text("Text alternative: providers ranked by value").is_visible()
    # NEL's trusts are labelled with their codes among the other providers' points.
    labels = set(charts.first.locator(".textpoint").all_text_contents())
    assert {"R1H", "RF4", "RQX"} <= labels, labels
    assert charts.first.locator(".points path").count() > 100


def test_board_member_keeps_their_trust_and_month_from_page_to_page_through_the_menu(app, page):
    open_page(page, app.url, "Overview")
    choose(page, "Organisation", "Barts Health")
    choose(page, "Month", "Jun 2025")
    page.get_by_text("Barts Health, Jun 2025.").wait_for()
    menu = page.get_by_test_id("stSidebarNav")
    for title, path in (("Metric", "metric"), ("Organisation", "organisation"), ("Exceptions", "exceptions")):
        menu.get_by_role("link", name=title).click()
        page.wait_for_url(f"**/{path}?**")
        page.get_by_role("heading", name=title, level=1).wait_for()
        wait_for_app(page)
        # What the pickers show, and what the URL (a link to share) says.
        assert (selected(page, "Organisation"), selected(page, "Month")) == ("Barts Health", "Jun 2025"), title
        assert "org=R1H" in page.url and "month=2025-06" in page.url, page.url


def test_board_member_steps_back_through_their_choices_with_the_back_button(app, page):
    open_page(page, app.url, "Overview")
    choose(page, "Organisation", "Barts Health")
    choose(page, "Month", "Jun 2025")
    page.get_by_text("Barts Health, Jun 2025.").wait_for()
    # Each choice is a step in the browser's history; Back shows the one before, pickers and page alike.
    for organisation, month in (("Barts Health", "Aug 2025"), ("NEL ICS", "Aug 2025")):
        page.go_back()
        page.get_by_text(f"{organisation}, {month}.").wait_for()
        wait_for_app(page)
        assert (selected(page, "Organisation"), selected(page, "Month")) == (organisation, month)
