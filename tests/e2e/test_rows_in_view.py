"""Issue 13 "every row in view", in Chromium: every row and column readable at 1366x768 without an inner scroll,
nothing wider than a 390 px phone, and each overview row opens its chart with Enter."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import open_page, selected, wait_for_app

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Per table: rows, headings, and every cell or heading whose content is wider or taller than its box (clipped),
# every heading outside the table's box, and whether any box between the table and the page scrolls inside.
MEASURE = """() => [...document.querySelectorAll('.pd-html table')].map(table => {
  const box = table.parentElement.getBoundingClientRect();
  // On a phone the headings row is hidden for sight (each cell labels itself) and kept for screen readers.
  const shown = table.tHead.offsetHeight > 1;
  const cells = [...table.querySelectorAll(shown ? 'th, td' : 'tbody th, tbody td')];
  const clipped = cells.filter(c => c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1)
    .map(c => (c.dataset.label || 'heading') + ': ' + c.innerText.slice(0, 40));
  const headings = [...table.querySelectorAll('thead th')];
  const outside = headings.filter(h => shown).filter(h => {
    const r = h.getBoundingClientRect();
    return r.left < box.left - 1 || r.right > box.right + 1 || r.right > window.innerWidth;
  }).map(h => h.innerText);
  const inner = [];
  for (let e = table.parentElement; e && e.dataset.testid !== 'stMain'; e = e.parentElement) {
    if (e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1) inner.push(e.className);
  }
  return {rows: table.querySelectorAll('tbody tr:not(.pd-group)').length, headings: headings.map(h => h.innerText),
          clipped, outside, inner, width: table.getBoundingClientRect().width, box: box.width};
})"""


def test_every_row_and_column_is_readable_on_a_laptop(app, page, screenshot_dir: Path):
    page.set_viewport_size(LAPTOP)
    open_page(page, f"{app.url}/?org=R1H&month=2025-08", "Overview")
    page.get_by_text("Barts Health, Aug 2025.").wait_for()
    page.locator(".pd-html").nth(1).locator("tbody tr").first.wait_for()
    matrix, standards = page.evaluate(MEASURE)
    assert standards["headings"][:2] == ["Metric", "Latest"] and "SPC reading" in standards["headings"]
    assert "Data to" in standards["headings"] and "Target in force" in standards["headings"]
    links = page.locator(".pd-html").last.locator("tbody th a")
    assert standards["rows"] == links.count() >= 25  # every standard Barts reports, each a row
    for table in (matrix, standards):
        assert table["width"] <= table["box"] + 1, "the table is no wider than the page beside the sidebar"
        assert not table["clipped"], f"cut off: {table['clipped']}"
        assert not table["outside"], f"headings out of sight: {table['outside']}"
        assert not table["inner"], f"an inner scroll: {table['inner']}"
    # The matrix's metric names are in the tables' own text size: Streamlit's global `ul { font-size: 1rem }`
    # made them a third larger than every other cell.
    sizes = (
        page.locator(".pd-html")
        .locator("table")
        .first.evaluate("t => [t.querySelector('td'), t.querySelector('li a')].map(e => getComputedStyle(e).fontSize)")
    )
    assert sizes[0] == sizes[1], sizes
    # The SPC reading and Data to are whole words a reader can see (the grid cut them off).
    first = page.locator(".pd-html").last.locator("tbody tr:not(.pd-group)").first
    assert first.locator('td[data-label="SPC reading"]').inner_text().strip()
    assert first.locator('td[data-label="Data to"]').inner_text().startswith("Aug 2025")
    page.screenshot(path=screenshot_dir / "rows-in-view-1366.png")

    # The Organisation page's table too (25 rows for a trust).
    # (Its first HTML block is the headline tiles; the table is the last.)
    open_page(page, f"{app.url}/organisation?org=R1H&month=2025-08", "Organisation")
    page.locator(".pd-html").last.locator("tbody tr").first.wait_for()
    (organisation,) = page.evaluate(MEASURE)
    assert organisation["rows"] >= 25 and organisation["width"] <= organisation["box"] + 1
    assert not organisation["clipped"] and not organisation["outside"] and not organisation["inner"]

    # The Sources page (a row per metric) and the Data page's audit log, grids until this round.
    for path, heading in (("sources", "Sources"), ("data", "Data and audit")):
        open_page(page, f"{app.url}/{path}", heading)
        page.locator(".pd-html").first.locator("tbody tr").first.wait_for()
        tables = page.evaluate(MEASURE)
        assert tables and tables[0]["rows"] >= 1, path
        for table in tables:
            assert table["width"] <= table["box"] + 1, (path, table["width"], table["box"])
            assert not table["clipped"] and not table["outside"] and not table["inner"], (path, table)


def test_nothing_is_wider_than_a_phone(app, page, screenshot_dir: Path):
    page.set_viewport_size(PHONE)
    for path, heading in (
        ("?org=R1H&month=2025-08", "Overview"),
        ("organisation?org=R1H&month=2025-08", "Organisation"),
    ):
        open_page(page, f"{app.url}/{path}", heading)
        page.locator(".pd-html").last.locator("tbody tr").first.wait_for()
        wide = page.evaluate(
            """() => {
              const main = document.querySelector('[data-testid="stMain"]');
              const over = [...main.querySelectorAll('.pd-html *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .map(e => e.tagName + ' ' + (e.dataset.label || '') + ' ' + (e.innerText || '').slice(0, 30));
              return {page: document.documentElement.scrollWidth, main: main.scrollWidth, over};
            }"""
        )
        assert wide["page"] <= PHONE["width"] and wide["main"] <= PHONE["width"], wide
        assert not wide["over"], f"past the right edge: {wide['over'][:5]}"
        for table in page.evaluate(MEASURE):
            assert not table["clipped"], f"cut off: {table['clipped']}"
            assert not table["inner"], f"an inner scroll: {table['inner']}"
    # On a phone each row is a card whose cells say which column they are.
    open_page(page, f"{app.url}/?org=R1H&month=2025-08", "Overview")
    cell = page.locator(".pd-html").last.locator('td[data-label="vs target"]').first
    label = cell.evaluate("c => getComputedStyle(c, '::before').content")
    assert label == '"vs target"'
    page.screenshot(path=screenshot_dir / "rows-in-view-390.png")


def test_enter_on_an_overview_row_opens_its_chart(app, page):
    open_page(page, f"{app.url}/?org=R1H&month=2025-08", "Overview")
    first = page.locator(".pd-html").last.locator("tbody th a").first
    name = first.inner_text()
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/metric?**")
    wait_for_app(page)
    page.get_by_role("heading", name="Metric", level=1).wait_for()
    assert "org=R1H" in page.url and "month=2025-08" in page.url
    assert selected(page, "Metric") == name
    assert selected(page, "Organisation") == "Barts Health"
