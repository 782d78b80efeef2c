"""The overview's HTML tables without Streamlit: escaped cells, real links, labelled cells, icons with words."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from perfdash import board, demo, html_table, overview_tables, present
from perfdash.config import Config
from tests.support import html_tables
from tests.support.html_tables import parse

PERIOD = "2025-09"
HOSTILE = '<img src=x onerror=alert(1)> & "quoted" <a href="https://evil.example">x</a>'


@pytest.fixture(scope="module")
def overview(config: Config) -> pd.DataFrame:
    return board.overview(demo.generate(config, last=PERIOD), config, "R1H", PERIOD)


def rows_for(overview: pd.DataFrame, config: Config, national: pd.DataFrame | None = None) -> pd.DataFrame:
    data_to = ["Sep 2025"] * len(overview)
    return overview_tables.overview_rows(
        overview, config, "R1H", PERIOD, data_to, national if national is not None else pd.DataFrame()
    )


def test_a_cell_is_text_unless_this_module_made_it(config: Config):
    columns = [html_table.Column("Name"), html_table.Column("Note", help=HOSTILE)]
    markup = html_table.table(columns, [[HOSTILE, HOSTILE]], caption=HOSTILE)
    assert "<img src=x" not in markup and '<a href="https://evil' not in markup
    assert markup.count("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot;") == 4  # caption, title, 2 cells
    (table,) = parse(markup)
    assert table["frame"].iloc[0].tolist() == [" ".join(HOSTILE.split())] * 2  # read back as the same text
    assert table["links"] == [] and table["images"] == []


def test_links_stay_in_the_app_and_images_are_perfdash_icons():
    assert html_table.link("A & B", "/metric?metric=a&org=R1H") == (
        '<a href="/metric?metric=a&amp;org=R1H">A &amp; B</a>'
    )
    for outside in ("https://evil.example", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="only links within the app"):
            html_table.link("x", outside)
    icons = html_table.IconSheet()
    with pytest.raises(ValueError, match="only SVG data URIs"):
        icons.icon("https://evil.example/x.png", "x")
    assert icons.icon(None, "nothing") == ""


def test_the_sanitiser_removes_markup_that_got_past_the_escaping():
    # As if a builder forgot to escape: the server's sanitiser is the second line, in place of DOMPurify.
    hostile = (
        "<p>kept</p><script>alert(1)</script><img src=x onerror=alert(1)><img src=http://tracker.example/p.png>"
        '<a href="javascript:alert(1)">js</a><a href="https://evil.example/login">out</a><a href="//evil.example">'
        'proto</a><a href="data:text/html,hi">data</a><iframe src="/metric"></iframe><form action="/x"><input>'
        '</form><div style="background:url(/x)" onclick="x()">styled</div>'
        '<svg onload="alert(1)"><a href="javascript:alert(1)"><text>x</text></a>'
        '<image href="https://evil.example/i.png"></image><foreignObject><iframe></iframe></foreignObject>'
        '<use href="data:image/svg+xml,x"></use><animate attributeName="href" to="javascript:alert(1)"></animate>'
        '<path d="M0 0" fill="url(https://evil.example/#p)"></path></svg>'
        '<a href="/metric?metric=a&amp;org=R1H" target="_blank">in</a><!-- note -->'
    )
    cleaned = html_table.sanitised(hostile)
    for gone in (
        "<script",
        "alert",
        "onerror",
        "tracker",
        "javascript",
        "evil",
        "data:text",
        "<iframe",
        "<form",
        "<input",
        "style=",
        "onclick",
        "onload",
        "<image",
        "foreignObject",
        "<use",
        "<animate",
        "target=",
        "note",
    ):
        assert gone not in cleaned, gone
    assert html_tables.document(cleaned) == html_tables.document(
        "<p>kept</p><img><img><a>js</a><a>out</a><a>proto</a><a>data</a><div>styled</div>"
        '<svg><a><text>x</text></a><path d="M0 0"></path></svg><a href="/metric?metric=a&amp;org=R1H">in</a>'
    )


def test_the_sanitiser_keeps_perfdash_markup_whole(overview, config: Config):
    # The overview's table carries its icons' stylesheet, sparklines, disclosures and links.
    body = html_table.page(
        overview_tables.overview_html(rows_for(overview, config), "Every standard", "target", show_domain=True)
        + html_table.card(html_table.link("Chart", "/metric?metric=a"), ("Lead", "A <b>card</b>"), [("Owner", "A & B")])
        + html_table.counts([("Standards met", 12, "Metrics that meet their target"), ("Missing", 3, None)], "Counts")
    )
    assert "<style>" in html_table.sanitised(body)
    assert html_tables.document(html_table.sanitised(body)) == html_tables.document(body)


def test_each_distinct_icon_is_drawn_once_and_named_every_time():
    icons = html_table.IconSheet()
    first = present.assurance_icon_uri("consistent_fail")
    uses = [icons.icon(first, "Fail <1>"), icons.icon(present.assurance_icon_uri(None), "None"), icons.icon(first, "F")]
    assert uses[0] == '<span role="img" aria-label="Fail &lt;1&gt;" class="pd-ico pd-i0"></span>'
    assert uses[2].endswith('class="pd-ico pd-i0"></span>') and 'class="pd-ico pd-i1"' in uses[1]
    assert icons.style().count("background-image") == 2 and icons.style().count(first) == 1


def test_a_missing_icon_draws_nothing_however_the_frame_holds_it():
    # pandas 3 keeps a text column's missing value as NaN: a standard with too few months for SPC has no icon.
    uris = pd.Series([present.assurance_icon_uri("consistent_fail"), None], dtype="str")
    icons = html_table.IconSheet()
    assert [icons.icon(uri, "alt") for uri in [*uris, None]][1:] == ["", ""]
    assert icons.style().count("background-image") == 1
    with pytest.raises(ValueError, match="only SVG data URIs"):
        icons.icon("https://example.com/x.svg", "alt")


def test_a_sparkline_is_an_image_with_the_trend_in_words():
    line = html_table.sparkline([1.0, None, 3.0, 2.0], 'from 1 to 2 <"worse">')
    assert (
        line.startswith('<img src="data:image/svg+xml;base64,')
        and 'alt="from 1 to 2 &lt;&quot;worse&quot;&gt;"' in line
    )
    assert html_table.sparkline([5.0], "one month") == "one month"  # too short to draw: the words alone


def test_a_row_with_the_wrong_number_of_cells_is_refused():
    with pytest.raises(ValueError, match="a row has 1 cells for 2 columns"):
        html_table.table([html_table.Column("a"), html_table.Column("b")], [["x"]], caption="c")


def test_every_overview_row_links_its_chart_and_labels_every_cell(overview, config: Config):
    rows = rows_for(overview, config)
    (table,) = parse(overview_tables.overview_html(rows, "caption", "target", show_domain=True))
    frame = table["frame"]
    assert list(frame.columns) == [
        "Metric", "Latest", "vs target", "vs plan", "Change", "Trend", "SPC reading", "Target in force", "Data to",
    ]  # fmt: skip
    assert frame["Metric"].tolist() == overview["metric"].tolist()
    assert table["links"] == [present.metric_link(m, "R1H", PERIOD) for m in overview["metric_id"]]
    # Each domain heads its rows (a trust's overview lists each domain's metrics together).
    domains = {d.id: d.name for d in config.domains}
    assert table["groups"] == [domains[d] for d in overview["domain"]]
    # Every cell names its column, so the phone's card layout reads "Latest 78.5%".
    assert table["labels"] == list(frame.columns) * len(frame)
    ae = frame.set_index("Metric").loc["A&E 4-hour, all types"]
    assert ae["Latest"].endswith("%") and ae["vs target"].startswith(("✓ Met (", "✗ Not met ("))
    assert ae["Trend"].startswith("Last 13 months: from ") and ae["Data to"] == "Sep 2025"
    # The icons' text alternatives (MDC's wording), then the reading in words.
    words = rows.set_index("Metric").loc["A&E 4-hour, all types"]
    assert ae["SPC reading"] == f"{words['Variation']}{words['Assurance']} {words['SPC reading']}"
    assert words["Variation"].startswith(("Common cause", "Special cause"))
    assert words["Assurance"].startswith(("Pass", "Fail", "Hit and miss", "No assurance"))
    # Without national data there are no national columns; without show_domain no group headings.
    (flat,) = parse(overview_tables.overview_html(rows, "caption", "target", show_domain=False))
    assert set(flat["groups"]) == {None} and "vs England" not in flat["frame"].columns


def test_each_domain_heads_one_group_even_where_the_registry_lists_its_metrics_apart(config: Config):
    ics = board.overview(demo.generate(config, last=PERIOD), config, config.system.code, PERIOD)
    data_to = ["Sep 2025"] * len(ics)
    rows = overview_tables.overview_rows(ics, config, config.system.code, PERIOD, data_to, pd.DataFrame())
    (table,) = parse(overview_tables.overview_html(rows, "caption", "target", show_domain=True))
    domains = {d.id: d.name for d in config.domains}
    runs = [domains[domain] for domain, _ in itertools.groupby(ics["domain"])]
    assert len(runs) > len(set(runs)), "the ICS's overview lists some domains' metrics in two places"
    # One group per domain (here the registry first uses them in its order of domains); its order within each.
    by_domain = ics.groupby("domain", sort=False)
    in_groups = pd.concat([by_domain.get_group(domain) for domain in ics["domain"].unique()])
    assert table["frame"]["Metric"].tolist() == in_groups["metric"].tolist()
    assert table["links"] == [present.metric_link(m, config.system.code, PERIOD) for m in in_groups["metric_id"]]
    assert table["groups"] == [domains[d] for d in in_groups["domain"]]


def test_national_columns_appear_once_any_national_figure_is_loaded(overview, config: Config):
    national = pd.DataFrame(
        {"metric_id": ["ae_4hr_all"], "england": [74.25], "london": [76.0], "rank": [3.0], "peers": [17.0]}
    )
    rows = rows_for(overview, config, national).set_index("Metric")
    assert rows.loc["A&E 4-hour, all types", ["vs England", "vs London", "Rank in London"]].tolist() == [
        "74.2%",
        "76.0%",
        "3 of 17",
    ]
    other = rows.drop(index="A&E 4-hour, all types")
    assert set(other["vs England"]) == set(other["Rank in London"]) == {"–"}


def test_names_from_data_are_escaped_in_the_overview_and_the_matrix(overview, config: Config):
    hostile = overview.assign(metric=HOSTILE, target_words=HOSTILE)
    rows = rows_for(hostile, config)
    markup = overview_tables.overview_html(rows, HOSTILE, "target", show_domain=True)
    markup += overview_tables.matrix_html(hostile, "R1H", PERIOD, HOSTILE)
    assert "<img src=x" not in markup and 'href="https://evil' not in markup
    for table in parse(markup):
        assert all(link.startswith("/metric?") for link in table["links"])


def test_the_matrix_counts_and_links_every_metric_once(overview):
    (table,) = parse(overview_tables.matrix_html(overview, "R1H", PERIOD, "caption"))
    frame = table["frame"]
    assert frame.columns[0] == "Variation" and len(frame) == 6
    counts = [int(cell.split()[0]) for row in frame.iloc[:, 1:].itertuples(index=False) for cell in row]
    assert sum(counts) == len(overview)
    assert sorted(table["links"]) == sorted(present.metric_link(m, "R1H", PERIOD) for m in overview["metric_id"])


def test_trend_words():
    assert overview_tables.trend_words([80.0, None, 77.5, 81.25], "percent") == (
        "Last 3 months: from 80.0% to 81.2% (lowest 77.5%, highest 81.2%)"
    )
    assert overview_tables.trend_words([], "percent") == "No trend: no values in the last 13 months"


def test_numbers_written_as_text_sit_right_as_numbers_do():
    frame = pd.DataFrame({"Month": ["Apr 2025"], "Value": ["78.5%"], "Count": [3]})
    markup = html_table.frame_table(frame, "caption", numbers=("Value",))
    assert '<th scope="col" class="pd-number">Value</th>' in markup
    assert '<th scope="col" class="pd-number">Count</th>' in markup  # a numeric column, named or not
    assert '<th scope="col" class="pd-text">Month</th>' in markup
    assert 'class="pd-number" data-label="Value"' in markup


def test_headline_counts_are_tiles_with_their_meaning_and_escaped_names():
    block = html_table.counts([("Met <b>", 1234, "metrics that meet it"), ("Not met", 2, None)], 'Counts "now"')
    assert block.startswith('<div class="pd-tiles"><ul class="pd-counts" aria-label="Counts &quot;now&quot;">')
    assert '<span class="pd-count-name">Met &lt;b&gt;</span> <span class="pd-count-value">1,234</span>' in block
    assert '<span class="pd-count-meaning">Metrics that meet it.</span>' in block
    assert block.count("<li>") == 2 and block.count("pd-count-meaning") == 1
    assert html_tables.counts(block) == {"Met <b>": 1234, "Not met": 2}


def test_a_long_column_may_break_anywhere_and_the_others_keep_their_kind():
    frame = pd.DataFrame({"Metric": ["A&E"], "Last upload": ["#3 nel-a-very-long-file-name.csv"], "Rows": [3]})
    body = html_table.frame_table(frame, long=("Last upload",))
    assert 'class="pd-long" data-label="Last upload"' in body
    assert 'class="pd-number" data-label="Rows"' in body and 'scope="row" class="pd-text"' in body


def test_a_card_escapes_everything_but_its_link():
    heading = html_table.link(HOSTILE, "/metric?metric=ae_4hr_all")
    body = html_table.card(heading, ("Target not met.", HOSTILE), [("Lead", HOSTILE), ("What <happened>", "x")])
    assert body.count("<a ") == 1 and "<img" not in body and 'href="https://evil' not in body
    assert "<li><strong>What &lt;happened&gt;:</strong> x</li>" in body
    assert body.startswith('<section class="pd-card"><h2><a href="/metric?metric=ae_4hr_all">&lt;img')
    # A heading that is not a link made here is text.
    assert "<h2>&lt;b&gt;x&lt;/b&gt;</h2>" in html_table.card("<b>x</b>", ("", ""), [])
