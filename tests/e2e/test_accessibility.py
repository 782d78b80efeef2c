"""WCAG 2.2 AA in the browser: axe-core on every page, text alternatives for charts, keyboard, not colour alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import axe_playwright_python
import pytest

from perfdash import targets
from tests.e2e.conftest import run_server, seed_demo
from tests.e2e.test_journeys import month_csv
from tests.support.app_server import AppServer
from tests.support.browser import open_page, rerun_settled, settle_visuals, wait_for_app
from tests.support.configs import write_config_variant

pytestmark = pytest.mark.browser

# axe-core 4.12 as vendored by axe-playwright-python (we only use its script).
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ADMIN = {"X-Forwarded-Email": "perf.lead@nhs.net"}  # an admin by config.yaml's role rules
PAGES = [
    ("", "Overview"),
    ("exceptions", "Exceptions"),
    ("metric", "Metric"),
    ("organisation", "Organisation"),
    ("sources", "Sources"),
    ("upload", "Upload data"),
    ("data", "Data and audit"),
    ("admin", "Configuration"),
]


@pytest.fixture(scope="module")
def admin_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app behind a (pretend) authenticating proxy, so an admin can reach every page, Admin included."""
    folder = tmp_path_factory.mktemp("a11y")
    config_path = write_config_variant(folder, lambda raw: raw["auth"].update(mode="header"))
    url = f"sqlite:///{folder / 'store.sqlite'}"
    seed_demo(url)
    yield from run_server(url, folder, config_path=config_path)


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now; WCAG 2.0-2.2 A and AA rules only."""
    page.add_script_tag(content=AXE_SCRIPT)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """Violations in words, with a few offending elements each."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:3]:
            lines.append(f"    {node['target']}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def serious(violations: list[dict]) -> list[dict]:
    """The violations that block or seriously hinder someone."""
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(("path", "heading"), PAGES, ids=[heading for _, heading in PAGES])
def test_axe_finds_no_serious_violation(admin_app, new_page, path, heading, screenshot_dir: Path):
    page = new_page(ADMIN)
    open_page(page, f"{admin_app.url}/{path}", heading)
    settle_visuals(page)
    page.screenshot(path=screenshot_dir / f"a11y-{path or 'overview'}.png")
    violations = axe_violations(page)
    assert not serious(violations), describe(violations)


def test_axe_on_upload_preview(admin_app, new_page):
    page = new_page(ADMIN)
    open_page(page, f"{admin_app.url}/upload", "Upload data")
    rerun_settled(
        page,
        lambda: page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "sep.csv", "mimeType": "text/csv", "buffer": month_csv()}]
        ),
    )
    page.get_by_role("button", name="Commit").wait_for()
    violations = axe_violations(page)
    assert not serious(violations), describe(violations)


def test_axe_on_a_failed_upload(admin_app, new_page):
    page = new_page(ADMIN)
    open_page(page, f"{admin_app.url}/upload", "Upload data")
    bad = b"period,org_code,metric_id,value,numerator,denominator\n2025-13,R1H,ae_attendances,abc,,\n"
    rerun_settled(
        page,
        lambda: page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}]
        ),
    )
    page.get_by_text("must be fixed before this file can be loaded").wait_for()
    violations = axe_violations(page)
    assert not serious(violations), describe(violations)


@pytest.mark.parametrize(
    ("metric_id", "org"),
    [("ae_4hr_all", "QMF"), ("rtt_waiting_list", "R1H"), ("amb_cat2_mean", "RRU"), ("fin_cash_balance", "RF4")],
)
def test_every_chart_has_a_text_alternative_and_its_data(app, page, config, metric_id, org):
    metric = config.metric_by_id[metric_id]
    open_page(page, f"{app.url}/metric?metric={metric_id}&org={org}&month=2025-08", "Metric")
    charts = page.locator("svg.pd-chart")
    charts.first.wait_for()
    alternatives = page.get_by_test_id("stCaptionContainer").filter(has_text="Text alternative:")
    assert alternatives.count() == charts.count() == 1
    text = alternatives.first.inner_text()
    # The latest value, the target (or that there is none) and the SPC reading, in words.
    assert f"{metric.name} for {config.org_names[org]} was " in text and " in Aug 2025; " in text
    assert "target: " in text and "SPC: " in text
    judgement = targets.judge(config, metric, "2025-08", org)
    if not judgement.judged:
        assert judgement.reason.split(";")[0] in text  # says why no target judges the month
    # The chart's numbers are on the page as a table under "Data", with the limits.
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    table = page.get_by_role("table").filter(has_text="Lower process limit")
    headers = table.locator("thead th").all_text_contents()
    assert {"Month", "Value", "Target", "Mean", "Lower process limit", "Upper process limit"} <= set(headers)
    assert table.locator("tbody tr").count() >= 2
    # The chart's title names the metric and organisation.
    assert charts.first.locator("text").first.text_content() == f"{metric.name}, {config.org_names[org]}"
    # Screen readers get the chart's reading in its name; each point's details are its tooltip.
    assert charts.first.get_attribute("role") == "img" and charts.first.get_attribute("aria-label").startswith(
        f"{metric.name}, {config.org_names[org]}: latest "
    )


def test_spc_points_differ_by_shape_and_are_named_not_only_coloured(app, page):
    open_page(page, f"{app.url}/metric?metric=ae_4hr_all&org=QMF&month=2025-08", "Metric")
    chart = page.locator("svg.pd-chart")
    # Each legend entry is a sample of the line or point and its name; a point's class names its shape.
    entries = chart.locator("g:has(> text)").evaluate_all(
        "entries => entries.map(g => [g.querySelector('text').textContent,"
        " [...g.children].filter(e => e.tagName !== 'text').map(e => e.getAttribute('class'))[0]])"
    )
    kinds = ("Common cause", "Special cause", "Ghosted")
    points = {name: shape for name, shape in entries if name.startswith(kinds)}
    assert "Common cause" in points and len(points) >= 2
    assert len(set(points.values())) == len(points), f"two point types share a marker shape: {points}"
    # The points on the chart are drawn in the shapes their legend shows.
    on_chart = chart.locator("circle[class], path[class]").evaluate_all("e => e.map(x => x.getAttribute('class'))")
    assert set(points.values()) <= set(on_chart)
    # Met / not met against the target (and the plan) is a word and a symbol, with the SPC reading in words.
    open_page(page, app.url, "Overview")
    table = page.locator(".pd-html").last.locator("table")
    met = table.locator('tbody td[data-label="vs target"]').all_inner_texts()
    assert met and all(cell.startswith(("✓ Met (", "✗ Not met (", "– (", "no target")) for cell in met)
    # The MDC icons are pictures with their meaning as text, beside the reading in words.
    icons = table.locator('td[data-label="SPC reading"] [role="img"]')
    assert icons.count() >= len(met)
    drawn = icons.evaluate_all(
        "icons => icons.map(i => [i.getAttribute('aria-label'), getComputedStyle(i).backgroundImage.slice(0, 30)])"
    )
    assert all(picture.startswith('url("data:image/svg+xml') for _, picture in drawn)  # the stylesheet survived
    assert all(
        name.startswith(("Common cause", "Special cause", "Pass", "Fail", "Hit and miss", "No ")) for name, _ in drawn
    )


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            // A native select is a combobox named by its <label>.
            const role = e.getAttribute('role') || (e.tagName === 'SELECT' ? 'combobox' : null);
            const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] ? e.labels[0].innerText : null);
            return {tag: e.tagName, role, label,
                    text: (e.innerText || '').trim().slice(0, 80), href: e.getAttribute('href') || ''};
        }"""
    )


def test_keyboard_reaches_every_control_on_the_overview_and_can_change_the_trust(app, page):
    open_page(page, app.url, "Overview")
    # The pickers write the month to the URL on the first run; tab only once that has settled and they are drawn.
    page.get_by_role("combobox", name="Organisation", exact=True).wait_for()
    wait_for_app(page)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # start from the document
    seen = []
    for _ in range(120):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
    comboboxes = {f["label"] for f in seen if f["role"] == "combobox"}
    assert {"Organisation", "Month"} <= comboboxes
    nav_links = {f["text"] for f in seen if f["tag"] == "A" and f["href"].startswith(app.url)}
    assert {"Overview", "Metric", "Organisation"} <= nav_links
    chart_links = [f for f in seen if f["tag"] == "A" and "/metric?metric=" in f["href"]]
    assert len(chart_links) >= 10, "the summary matrix links each metric's chart"
    # Operate it with the keyboard alone: focus the trust picker and type the trust's name, as a native select
    # takes it.
    organisation = page.get_by_role("combobox", name="Organisation", exact=True)
    organisation.focus()
    rerun_settled(page, lambda: page.keyboard.type("Homerton"))
    wait_for_app(page)
    page.get_by_text("Homerton, Aug 2025.").wait_for()
