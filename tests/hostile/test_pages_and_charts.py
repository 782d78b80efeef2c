"""Issue 16 cases 4, 5 and 11 on the pages: no markup from data in charts, no formula in a download, and a
failing page shows a message, not a traceback."""

from __future__ import annotations

import json
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import streamlit.config
from streamlit.testing.v1 import AppTest

from perfdash import benchmark, exports, markup, spc, spc_chart
from tests.support import html_tables

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LINK = '<a href="https://evil.example/login">Click for NHS login</a>'
STYLED = '<b>bold</b><span style="font-size:80px">big</span>'
FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3", "\t=1"]


def figure_text(figure) -> str:
    """Everything Plotly renders; layout.meta is data it never draws (no template says %{meta})."""
    spec = figure.to_plotly_json()
    spec["layout"].pop("meta", None)
    text = json.dumps(spec, default=str)
    assert "%{meta" not in text
    return text


def test_case4_provider_names_in_the_every_provider_chart_are_text(config):
    metric = config.metric_by_id["ae_4hr_all"]
    providers = pd.DataFrame(
        {
            "org_code": ["R1H", "XYZ", "ABC"],
            "name": ["Barts", LINK, STYLED],
            "value": [70.0, 75.0, 80.0],
            "numerator": [70.0, 75.0, 80.0],
            "denominator": [100.0, 100.0, 100.0],
        }
    )
    text = figure_text(benchmark.caterpillar(providers, metric, {"R1H"}, title=f"{LINK}: every provider"))
    assert "<a " not in text and "<b>bold" not in text and "<span" not in text
    assert '&lt;a href=\\"https://evil.example/login\\"&gt;Click for NHS login&lt;/a&gt;' in text


def test_spc_chart_annotations_and_titles_are_text(config):
    dates = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 13)]
    values = [70.0 + (i % 5) for i in range(24)]
    result = spc.xmr(values, improvement="increase")
    figure = spc_chart.spc_figure(dates, result, title=STYLED, unit="percent", annotations=[("2025-03", LINK)])
    text = figure_text(figure)
    assert "<a " not in text and "<span" not in text and "<b>bold" not in text


def test_one_escaping_helper():
    assert markup.chart_text(LINK) == '&lt;a href="https://evil.example/login"&gt;Click for NHS login&lt;/a&gt;'
    assert markup.chart_text("A & B") == "A &amp; B"


def test_case5_streamlit_table_download_is_off_and_ours_is_neutralised():
    settings = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["disableDataExport"] is True
    assert settings["client"]["showErrorDetails"] == "none"
    # The option exists in this Streamlit (a misspelt key would be ignored silently).
    assert "client.disableDataExport" in streamlit.config.get_config_options()
    csv = exports.safe_csv(pd.DataFrame({"name": FORMULAS, "n": [1, 2, 3, 4, 5]})).decode()
    for formula in FORMULAS[:3]:
        assert f"\n{formula}" not in csv and f",{formula}" not in csv
    assert "'=HYPERLINK" in csv and "'+cmd" in csv and "'@SUM" in csv


def test_no_page_shows_a_table_or_markup_without_the_helpers():
    # Raw HTML only through ui.show_tables (every cell escaped, every block sanitised); tables of data offer
    # perfdash's download, whose cells cannot run as formulas (Streamlit's own grid export is off).
    pages = sorted((PROJECT_ROOT / "app_pages").glob("*.py"))
    for page in pages:
        source = page.read_text()
        for call in (
            "st.html(",
            "unsafe_allow_html",
            "components",
            'st.download_button("Download this data',
        ):
            assert call not in source, f"{page.name} calls {call}"
    for page in ("data.py", "metric.py", "sources.py"):
        source = (PROJECT_ROOT / "app_pages" / page).read_text()
        assert "ui.plain_table(" in source


def test_case11_a_page_failure_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 100)
    monkeypatch.setenv("PERFDASH_DATABASE_URL", f"sqlite:///{junk}")
    monkeypatch.delenv("PERFDASH_DEBUG", raising=False)
    monkeypatch.chdir(PROJECT_ROOT)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("The data store could not do that" in e and "Cannot open the database" in e for e in errors), errors
    st.cache_resource.clear()


class _Markup(HTMLParser):
    """Every tag and attribute in an HTML body."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


ALLOWED_TAGS = {
    "style",
    "div",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "details",
    "summary",
}
ALLOWED_TAGS |= {"ul", "li", "strong", "span", "p"}


def assert_only_our_markup(body: str) -> None:
    """Only the tags the table builder writes; links only within the app; images only SVG data URIs."""
    reader = _Markup()
    reader.feed(body)
    for tag, attrs in reader.tags:
        assert tag in ALLOWED_TAGS, tag
        assert not any(name.startswith("on") for name in attrs), attrs
        if tag == "a":
            assert attrs["href"].startswith(("/metric?", "/exceptions?")), attrs
        if tag == "img":
            assert attrs["src"].startswith("data:image/svg+xml;base64,"), attrs
        if tag == "span" and attrs.get("class", "").startswith("pd-count-"):  # a headline count's parts
            assert attrs["class"] in {"pd-count-name", "pd-count-value", "pd-count-meaning"} and len(attrs) == 1
        elif tag == "span":
            assert attrs["role"] == "img" and attrs["class"].startswith("pd-ico pd-i"), attrs


def test_overview_tables_show_names_from_data_as_text(config):
    from perfdash import board, demo, html_table, overview_tables

    table = board.overview(demo.generate(config, last="2025-09"), config, "R1H", "2025-09")
    table = table.assign(metric=LINK, target_words=STYLED + " " * 80 + LINK, spc_note=LINK, agreement=STYLED)
    table.loc[table.index[0], "value"] = None  # a missing value: the SPC note is shown
    national = pd.DataFrame(
        {"metric_id": ["ae_4hr_all"], "england": [70.0], "london": [71.0], "rank": [2], "peers": [9]}
    )
    rows = overview_tables.overview_rows(table, config, "R1H", "2025-09", [LINK] * len(table), national)
    body = html_table.page(
        overview_tables.overview_html(rows, LINK, "target", show_domain=True),
        overview_tables.matrix_html(table, "R1H", "2025-09", STYLED),
    )
    assert_only_our_markup(body)
    assert "<b>bold" not in body and 'href="https://evil' not in body
    assert "&lt;a href=&quot;https://evil.example/login&quot;&gt;Click for NHS login&lt;/a&gt;" in body


def test_the_executive_summary_shows_names_and_words_from_data_as_text():
    from perfdash import html_table, overview_tables
    from perfdash.summary import Change, ExecutiveSummary

    result = ExecutiveSummary(
        period="2025-09",
        previous="2025-08",
        met=(),
        not_met=("ae_4hr_all",),
        new_special_cause=(),
        consistently_failing=(),
        names={"ae_4hr_all": LINK},
        changes=(Change("ae_4hr_all", STYLED, LINK, concern=True),),
    )
    body = html_table.page(overview_tables.executive_summary_html(result, "R1H"))
    assert_only_our_markup(body)
    assert "<b>bold" not in body and 'href="https://evil' not in body
    assert body.count("&lt;a href=&quot;https://evil.example/login&quot;&gt;Click for NHS login&lt;/a&gt;") == 2


def test_overview_page_html_is_only_our_markup(app_env):
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    blocks = html_tables.blocks(at)
    assert len(blocks) == 3  # the executive summary (with its headline counts), the matrix and every standard
    for block in blocks:
        assert_only_our_markup(block)


def test_provider_names_in_the_metric_pages_tables_are_text():
    from perfdash import html_table

    frame = pd.DataFrame({"Level": ["Region", LINK], "Name": [STYLED, "=cmd"], "Providers": [3, 4]})
    body = html_table.page(html_table.frame_table(frame, caption=LINK))
    assert_only_our_markup(body)
    assert "<b>bold" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
    assert '<td class="pd-number" data-label="Providers"><div>4</div></td>' in body
