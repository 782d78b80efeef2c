"""Page wiring with AppTest: every page renders on demo data without an exception, and reads the URL."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from perfdash.config import load_config
from tests.support import controls, html_tables

# In the default sign-in mode ("none") everyone is an analyst; the admin page is covered in test_roles.
PAGES = [
    "app_pages/overview.py",
    "app_pages/metric.py",
    "app_pages/organisation.py",
    "app_pages/sources.py",
    "app_pages/upload.py",
    "app_pages/data.py",
]


def _app() -> AppTest:
    return AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"), default_timeout=120)


def _chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app_env, page):
    # Opened directly, as a link to the page would.
    at = _app().switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, "every page has a title"


def test_overview_shows_every_domain_and_the_matrix(app_env):
    at = _app().run()
    assert not at.exception
    subheaders = [s.value for s in at.subheader]
    assert "Summary: variation and assurance" in subheaders
    assert not at.dataframe, "read-only tables are HTML tables, not data grids"
    matrix, standards = html_tables.tables(at)
    assert matrix["frame"].columns[0] == "Variation" and "No target" in matrix["frame"].columns
    # One table for every standard, each domain heading its rows (one table draws faster than one per domain).
    for domain in [
        "Acute constitutional standards",
        "Mental health",
        "Urgent and emergency care",
        "Finance",
        "Workforce",
    ]:
        assert domain in standards["groups"]
    assert any("synthetic demo data" in i.value for i in at.info)
    frame = standards["frame"]
    assert len(frame) >= 30 and {"Latest", "SPC reading", "Target in force", "Data to"} <= set(frame.columns)
    # Every metric is in one matrix cell and has one row, each a link to its chart.
    assert sorted(matrix["links"]) == sorted(standards["links"]) and len(standards["links"]) == len(frame)


def test_overview_reads_org_and_month_from_the_url(app_env):
    at = _app()
    at.query_params["org"] = "RF4"
    at.query_params["month"] = "2025-06"
    at.run()
    assert not at.exception
    assert controls.shown(at, "org") == "RF4"
    assert controls.shown(at, "month") == "2025-06"
    assert any("BHRUT, Jun 2025" in c.value for c in at.caption)


def test_metric_page_draws_spc_chart_with_target(app_env):
    at = _app()
    at.query_params["metric"] = "ae_4hr_all"
    at.query_params["org"] = "R1H"
    at.switch_page("app_pages/metric.py").run()
    assert not at.exception
    assert controls.shown(at, "metric") == "ae_4hr_all"
    # The SPC chart is SVG drawn on the server (no plotly.js until a reader asks to zoom), its legend naming the
    # target and every point's hover text a tooltip.
    (chart,) = html_tables.charts(at)
    words = html_tables.chart_texts(chart)
    assert "Target" in words and "Mean" in words
    assert any(word.startswith("Apr 2021\nValue: ") for word in words)
    assert chart.get("aria-label").startswith("A&E 4-hour")
    assert any("Text alternative" in c.value for c in at.caption)
    assert not at.get("plotly_chart")
    at.session_state["interactive-chart"] = True
    at.run()
    assert not at.exception, at.exception
    specs = _chart_specs(at)
    assert len(specs) == 1 and "Target" in [trace.get("name") for trace in specs[0]["data"]]
    # The chart's numbers as an HTML table (in the unit, months in words); the CSV download keeps the raw ones.
    data = next(t["frame"] for t in html_tables.tables(at) if "Lower process limit" in t["frame"])
    assert data["Month"].iloc[0] == "Apr 2021" and data["Value"].iloc[0].endswith("%")
    assert not at.dataframe, "no canvas grid on the Metric page"
    downloads = [b.proto for b in at.get("download_button") if b.proto.label == "Download this table (CSV)"]
    # Each is written when pressed, without a rerun: the page's run does not build the file.
    assert downloads and all(b.deferred_file_id and not b.url and b.ignore_rerun for b in downloads)


def test_changing_organisation_updates_the_url(app_env):
    at = _app().run()
    controls.choose(at, "org", "RQX").run()
    assert not at.exception
    assert at.query_params["org"] == ["RQX"] or at.query_params["org"] == "RQX"


def test_a_readers_choice_of_trust_and_month_follows_them_from_page_to_page(app_env):
    # The menu's links carry no ?org=...&month=...: each page opened from it starts from the reader's choice.
    at = _app().run()
    controls.choose(at, "org", "RQX").run()
    controls.choose(at, "month", "2025-06").run()
    for page in ("app_pages/metric.py", "app_pages/organisation.py", "app_pages/exceptions.py"):
        at.query_params.clear()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert (controls.shown(at, "org"), controls.shown(at, "month")) == ("RQX", "2025-06"), page
    # A choice another page cannot offer leaves that page's own default: only LAS reports ambulance times.
    at.query_params.clear()
    at.query_params["metric"] = "amb_cat2_mean"
    at.switch_page("app_pages/metric.py").run()
    assert controls.shown(at, "org") == load_config().system.code
    # A link opens a new session on the link's choice, which the next pages start from in turn.
    at = _app()
    at.query_params.update({"org": "R1H", "month": "2025-03"})
    at.switch_page("app_pages/metric.py").run()
    assert (controls.shown(at, "org"), controls.shown(at, "month")) == ("R1H", "2025-03")
    at.query_params.clear()
    at.switch_page("app_pages/organisation.py").run()
    assert (controls.shown(at, "org"), controls.shown(at, "month")) == ("R1H", "2025-03")


def test_a_url_the_app_did_not_write_is_the_readers_choice_until_they_pick_again(app_env):
    # The browser's Back button, or a link, puts another ?org= in the URL of a running session.
    at = controls.choose(_app().run(), "org", "RQX").run()
    at.query_params["org"] = "R1H"
    at.run()
    assert controls.shown(at, "org") == "R1H"
    at.switch_page("app_pages/metric.py").run()
    assert controls.shown(at, "org") == "R1H", "the other pages follow it too"
    assert controls.shown(controls.choose(at, "org", "RF4").run(), "org") == "RF4"


def test_a_page_opened_before_any_choice_shows_its_own_default(app_env):
    at = _app().switch_page("app_pages/organisation.py").run()
    assert controls.shown(at, "org") == load_config().organisations[0].code


def test_sources_page_lists_every_metric_with_its_origin(app_env):
    at = _app().switch_page("app_pages/sources.py").run()
    assert not at.exception, at.exception
    assert not at.dataframe, "an HTML table, not a canvas grid"
    ((table, links),) = [(t["frame"], t["links"]) for t in html_tables.tables(at)]
    assert table["Metric"].tolist() == [m.name for m in load_config().metrics]
    assert links == [f"/metric?metric={m.id}" for m in load_config().metrics]
    assert set(table["Origin"]) == {"synthetic demo"}
    assert table["Last upload"].str.startswith("#1 synthetic-demo-data.csv").all()
    assert any("every number is made up" in i.value for i in at.info)


def test_metric_chart_rings_synthetic_points_while_the_demo_is_live(app_env):
    at = _app()
    at.query_params.update({"metric": "ae_4hr_all", "org": "R1H", "month": "2025-09"})
    at.switch_page("app_pages/metric.py").run()
    assert not at.exception, at.exception
    (chart,) = html_tables.charts(at)
    ringed = [word for word in html_tables.chart_texts(chart) if word.endswith(": synthetic demo value, not real data")]
    assert "Synthetic demo value (made up)" in html_tables.chart_texts(chart)  # in the legend
    count = next(c.value for c in at.caption if "synthetic demo values" in c.value)
    assert len(ringed) > 12 and count.startswith(f"Ringed points ({len(ringed)} months)")


def test_organisation_page_counts_its_metrics_in_one_block_of_tiles(app_env):
    from perfdash import board, present, store

    at = _app()
    at.query_params.update({"org": "R1H", "month": "2025-09"})
    at.switch_page("app_pages/organisation.py").run()
    assert not at.exception, at.exception
    config = load_config()
    engine = store.get_engine(app_env)
    table = board.overviews(store.read_current(engine), config, "R1H", ["2025-09"], store.read_plans(engine))["2025-09"]
    shown = {name: count for block in html_tables.blocks(at) for name, count in html_tables.counts(block).items()}
    assert shown == present.target_counts(table) and shown["Metrics reported"] > 0
    assert not at.metric and not at.dataframe


def test_the_server_keeps_what_it_made_at_start_out_of_later_full_collections():
    import gc

    from perfdash import ui

    before = len(gc.get_objects())
    try:
        frozen = ui.freeze_long_lived_objects()
        # Everything alive now (pandas, Streamlit, the registry...) is left out of every later collection's walk.
        assert frozen == gc.get_freeze_count() > 10_000
        assert len(gc.get_objects()) < before - 10_000
    finally:
        gc.unfreeze()
