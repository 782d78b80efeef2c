"""The overview opens with the executive summary: counts equal perfdash.summary's, each change links its chart."""

import html
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from perfdash import board, present, store, summary
from perfdash.config import load_config
from tests.app.conftest import point_app_at
from tests.support import html_tables
from tests.support.real_files import load_ae_by_provider


def _app() -> AppTest:
    return AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"), default_timeout=120)


def test_overview_opens_with_the_executive_summary(app_env):
    at = _app()
    at.query_params["org"] = "RF4"
    at.query_params["month"] = "2025-09"
    at.run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Executive summary"
    expected = summary.executive_summary(store.read_current(store.get_engine(app_env)), load_config(), "RF4", "2025-09")
    shown = {name: count for block in html_tables.blocks(at) for name, count in html_tables.counts(block).items()}
    assert shown == {name: count for name, count, _ in expected.counts()}
    assert not at.metric, "the counts are one HTML block, not four st.metric widgets"
    # One HTML block: the headline, the tiles, what is not met and what changed, each standard a real link.
    (block,) = [h for h in html_tables.blocks(at) if '<div class="pd-prose">' in h]
    text = html.unescape(block)
    assert f"<p>{expected.headline()}</p>" in text
    assert expected.changes, "the demo has changes since August"
    for change in expected.changes:
        assert f'<li><a href="/metric?metric={change.metric_id}&org=RF4&month=2025-09">{change.metric}</a>' in text
    for metric_id in expected.not_met:
        assert f'<a href="/metric?metric={metric_id}&org=RF4&month=2025-09">' in text
    assert '<a href="/exceptions?org=RF4&month=2025-09">Exception reports' in text
    assert "What changed since Aug 2025" in text
    assert not any("What changed" in m.value for m in at.markdown), "no markdown elements for the summary"


def test_exceptions_page_lists_one_report_per_failing_metric_with_its_lead(app_env):
    from perfdash import exceptions

    at = _app()
    at.query_params["org"] = "QMF"
    at.query_params["month"] = "2025-09"
    at.switch_page("app_pages/exceptions.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Exceptions"
    engine = store.get_engine(app_env)
    expected = exceptions.reports_for(
        store.read_current(engine), store.read_commentary(engine, org_code="QMF"), load_config(), "QMF", "2025-09"
    )
    assert expected, "the demo has failing metrics"
    text = "\n".join(m.value for m in at.markdown)
    assert f"**{len(expected)} exception reports**" in text
    # One HTML block of cards, in the order of the reports, each headed by a link to its chart.
    (cards,) = html_tables.blocks(at)
    assert cards.count('<section class="pd-card">') == len(expected)
    for report in expected:
        assert f'<h2><a href="/metric?metric={report.metric.id}&amp;org=QMF&amp;month=2025-09">' in cards
        assert f"<strong>Lead:</strong> {html.escape(report.lead)}</li>" in cards
    assert "No narrative provided by" in cards
    assert "None." not in cards.replace("None recorded", "")


def test_metric_page_names_the_lead_and_the_data_quality(app_env):
    at = _app()
    at.query_params["metric"] = "fin_agency_vs_cap"
    at.query_params["org"] = "R1H"
    at.switch_page("app_pages/metric.py").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any(
        c.startswith("Accountable lead: Chief People Officer. Data quality: partly sufficient") for c in captions
    )


def test_every_overview_row_has_a_real_link_to_its_chart(app_env):
    at = _app()
    at.query_params["org"] = "QMF"
    at.run()
    assert not at.exception, at.exception
    (standards,) = [t for t in html_tables.tables(at) if "Latest" in t["frame"]]
    # The metric's name is an <a href>: Enter opens it, unlike a grid's link cell.
    engine = store.get_engine(app_env)
    table = board.overview(store.read_current(engine), load_config(), "QMF", "2025-09", store.read_plans(engine))
    # Every metric once, with its own link (grouped by domain on the page: see test_html_table).
    shown = dict(zip(standards["frame"]["Metric"], standards["links"], strict=True))
    assert len(shown) == len(table)
    links = [present.metric_link(metric_id, "QMF", "2025-09") for metric_id in table["metric_id"]]
    assert shown == dict(zip(table["metric"], links, strict=True))


def test_rollback_explains_what_is_missing_then_resets_and_shows_the_status(app_env, demo_sqlite, monkeypatch):
    engine = demo_sqlite("2025-08", "2025-09")  # a second upload, so one stays live
    url = str(engine.url)
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=url)
    target = int(store.list_uploads(engine).query("status == 'live'").iloc[0]["id"])
    at = _app().switch_page("app_pages/data.py").run()
    at.selectbox[0].select(target)
    at.text_input[0].input("Wrong month loaded")
    next(b for b in at.button if b.label == "Roll back").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "Not rolled back yet: tick the box to confirm that its values will return to what they were before it."
    ]
    assert (store.list_uploads(engine).set_index("id").at[target, "status"]) == "live"
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Roll back").click().run()
    assert not at.exception, at.exception
    assert any("status in the table above is now 'rolled back'" in s.value for s in at.success)
    (table,) = [t["frame"] for t in html_tables.tables(at) if "Upload" in t["frame"]]
    assert list(table.columns[:2]) == ["Upload", "Status"]
    rolled_back = table.set_index("Upload").loc[str(target)]
    assert rolled_back["Status"] == "rolled back" and rolled_back["Rollback"].endswith(": Wrong month loaded")
    assert not at.dataframe, "no canvas grid on the Data page"
    # The form is fresh: nothing chosen, no reason, not ticked, so another click rolls back nothing.
    assert at.selectbox[0].value is None and at.text_input[0].value == "" and not at.checkbox[0].value


def test_powerpoint_button_sits_beside_the_pdf_one(app_env):
    at = _app().run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.button]
    assert labels.index("Prepare board pack (PowerPoint)") == labels.index("Prepare board pack (PDF)") + 1


def _national_store(shared_data: Path, folder: Path, monkeypatch) -> store.Engine:
    """The demo plus NHS England's provider lookup and A&E by provider for April 2025, with the app pointed at it."""
    url = f"sqlite:///{folder / 'national.sqlite'}"
    engine = store.get_engine(url)
    load_ae_by_provider(engine, shared_data)
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=url)
    return engine


def test_overview_compares_with_england_and_london_once_national_data_is_loaded(
    app_env, shared_data, tmp_path, monkeypatch
):
    from perfdash import benchmark

    engine = _national_store(shared_data, tmp_path, monkeypatch)
    config = load_config()
    at = _app()
    at.query_params.update({"org": "RF4", "month": "2025-04"})
    at.run()
    assert not at.exception, at.exception
    expected = benchmark.national_columns(
        store.read_current(engine), store.read_reference(engine), config, "RF4", "2025-04"
    ).set_index("metric_id")
    (standards,) = [t for t in html_tables.tables(at) if "Latest" in t["frame"]]
    row = standards["frame"].set_index("Metric").loc["A&E 4-hour, all types"]
    assert row["vs England"] == f"{expected.at['ae_4hr_all', 'england']:.1f}%"
    assert row["vs London"] == f"{expected.at['ae_4hr_all', 'london']:.1f}%"
    assert (
        row["Rank in London"] == f"{expected.at['ae_4hr_all', 'rank']:.0f} of {expected.at['ae_4hr_all', 'peers']:.0f}"
    )


def test_metric_page_benchmarks_against_every_provider_of_that_metric(app_env, shared_data, tmp_path, monkeypatch):
    from perfdash import benchmark

    # The page reads NEL's rows and, for the benchmark, the metric's rows for every provider: the rank it shows
    # must equal the one worked out from the whole store.
    engine = _national_store(shared_data, tmp_path, monkeypatch)
    config = load_config()
    everything = store.read_current(engine)
    rank, peers = benchmark.peer_rank(
        everything, store.read_reference(engine), config, config.metric_by_id["ae_4hr_all"], "RF4", "2025-04"
    )
    at = _app()
    at.query_params.update({"metric": "ae_4hr_all", "org": "RF4", "month": "2025-04"})
    at.switch_page("app_pages/metric.py").run()
    assert not at.exception, at.exception
    assert "Benchmark, Apr 2025" in [h.value for h in at.subheader]
    assert f"**Rank among peers** (same region and kind of trust): {rank} of {peers}, best first." in [
        m.value for m in at.markdown
    ]
    providers = everything.query("metric_id == 'ae_4hr_all' and period == '2025-04'")["org_code"].nunique()
    assert providers > 100
    # The chart of every provider is drawn only once its expander is opened: until then the page's one chart is
    # the SPC chart, drawn as SVG, and no Plotly chart is sent.
    assert [e.label for e in at.expander if "provider" in e.label] == ["Every provider on one chart"]
    assert len(html_tables.charts(at)) == 1 and not at.get("plotly_chart")
    at.session_state["providers-chart"] = True
    at.run()
    assert not at.exception, at.exception
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert len(specs) == 1 and specs[0]["layout"]["title"]["text"].endswith("every provider")
    # Every provider with a value that month is a point, not only NEL's trusts.
    assert sum(len(trace["hovertext"]) for trace in specs[0]["data"]) == providers
