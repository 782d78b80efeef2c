"""The Metric page's chart as server-drawn SVG: what the Plotly figure shows, drawn without plotly.js."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from perfdash import chart_svg, html_table
from perfdash.spc import xmr
from perfdash.spc_chart import mark_synthetic, spc_figure
from tests.support import html_tables
from tests.test_spc_chart import BASE, TAIL_G, dates_for


def parse(svg: str) -> ET.Element:
    """The chart as XML (fails on malformed markup)."""
    return ET.fromstring(svg)


def tooltips(root: ET.Element, tag: str | None = None) -> list[str]:
    """The hover text of every shape (of one tag) that has one."""
    return [
        (title.text or "")
        for element in root.iter()
        if tag is None or element.tag == tag
        for title in element.findall("title")
        if element.tag != "svg"
    ]


def points_of(root: ET.Element) -> list[str]:
    """The tooltips of the data points (month, then value)."""
    return [tip for tip in tooltips(root) if tip.splitlines()[1:2] and tip.splitlines()[1].startswith("Value: ")]


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("text")]


@pytest.fixture
def chart() -> tuple[list[str], object]:
    """Concern points then improvement points, one ghost and one gap (test_spc_chart's case G')."""
    values = [*BASE, *TAIL_G]
    values[5] = np.nan
    return dates_for(len(values)), xmr(values, improvement="increase", ghost=[7])


def figure(chart, **extra):
    dates, result = chart
    targets = [None] * 6 + [12.0] * 10 + [18.0] * 8
    return spc_figure(dates, result, title="A&E 4-hour", unit="percent", targets=targets, **extra)


def test_every_point_is_drawn_with_its_hover_text_as_a_tooltip(chart):
    fig = figure(chart)
    root = parse(chart_svg.figure_svg(fig))
    shown = sum(1 for value in chart[1].points["value"] if value == value)
    markers = [t for t in fig.data if "markers" in (t.mode or "")]
    points = points_of(root)
    assert len(points) == shown == sum(len(t.x) for t in markers)
    # The same words as Plotly's hover, as plain text: month, value in its unit, the rule or the ghosting.
    first = next(tip for tip in points if tip.startswith("Apr 2023")).splitlines()
    assert first[1].startswith("Value: ") and first[1].endswith("%") and first[2].startswith("Rule: ")
    assert any("Ghosted: left out of the calculations" in tip for tip in points)
    # Special causes keep their shapes (colour is not the only signal): diamonds and squares are paths.
    fills = {path.get("fill") for path in root.iter("path") if path.find("title") is not None}
    assert {"#00b0f0", "#e46c0a"} <= fills


def test_lines_break_at_a_rebase_and_the_target_steps(chart):
    dates, _ = chart
    values = [*BASE, *TAIL_G]
    values[5] = np.nan
    root = parse(chart_svg.figure_svg(figure((dates, xmr(values, improvement="increase", rebase=[12])))))
    lines = {path.findtext("title"): path.get("d") for path in root.iter("path") if path.get("fill") == "none"}
    for name in ("Mean", "Upper process limit", "Lower process limit"):
        assert lines[name].count("M") == 2, name  # two periods, two pieces
    assert lines["Values"].count("M") == 2  # broken at the missing month
    target = lines["Target"]
    assert "H" in target and "V" in target and target.count("M") == 1  # a step line that starts at month 7
    assert root.find(".//path[title='Upper process limit']").get("stroke-dasharray") == chart_svg.DASHES["dash"]


def test_axes_use_round_steps_months_in_words_and_the_unit():
    assert [chart_svg.nice_step(span) for span in (1, 7, 12, 55, 0.03, 170_000)] == [0.2, 2, 2.5, 20, 0.01, 50_000]
    assert [chart_svg.month_step(n) for n in (6, 12, 13, 30, 68, 130)] == [1, 2, 2, 3, 12, 24]
    values = [*BASE, *TAIL_G]
    money = spc_figure(dates_for(len(values)), xmr(values, improvement="increase"), title="t", unit="gbp_thousands")
    root = parse(chart_svg.figure_svg(money))
    ticks = [t for t in texts(root) if t.startswith("£") and t != "£ thousands"]
    assert ticks and all(re.fullmatch(r"£\d+", t) for t in ticks), ticks
    assert "£ thousands" in texts(root)  # the y axis title
    months = [t for t in texts(root) if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t)]
    assert months[0] == "Apr 2023" and len(months) <= 10


def test_the_legend_names_each_line_and_point_type(chart):
    fig = figure(chart)
    words = texts(parse(chart_svg.figure_svg(fig)))
    legend = [t.name for t in fig.data if t.name and t.showlegend is not False]
    assert "Values" not in legend and all(name in words for name in legend)


def test_plans_extend_the_months_and_synthetic_points_are_ringed(chart):
    dates, result = chart
    later = dates_for(len(dates) + 3)[-1]  # a plan runs three months past the data
    fig = spc_figure(dates, result, title="t", unit="count", plans=[(dates[-1], 20.0), (later, 21.0)])
    mark_synthetic(fig, dates, result.points["value"].tolist(), [i < 4 for i in range(len(dates))])
    root = parse(chart_svg.figure_svg(fig))
    rings = [tip for tip in tooltips(root, "circle") if "synthetic demo value" in tip]
    assert rings == [f"{month} 2023: synthetic demo value, not real data" for month in ("Apr", "May", "Jun", "Jul")]
    plan = root.find(".//path[title='Plan']")
    assert plan.get("stroke-dasharray") == chart_svg.DASHES["dash"]
    plan_end = float(re.findall(r"L([\d.]+) ", plan.get("d"))[-1])
    assert max(float(c.get("cx")) for c in root.iter("circle")) < plan_end <= chart_svg.WIDTH - chart_svg.RIGHT


def test_commentary_is_text_however_it_is_written(chart):
    dates, _ = chart
    note = '<script>alert("x")</script> & <img src=x onerror=alert(1)> a long note that keeps going past the box'
    svg = chart_svg.figure_svg(figure(chart, annotations=[(dates[10], note)]))
    root = parse(svg)
    assert note in tooltips(root)  # whole on hover, as written
    assert any(t.endswith("…") and t.startswith("<script>") for t in texts(root))  # shortened in its box
    assert "<script" not in svg and "<img" not in svg
    # The sanitiser, the one way HTML reaches the page, keeps the chart whole and still drops what is not ours.
    assert html_tables.document(html_table.sanitised(svg)) == html_tables.document(svg)
    hostile = svg.replace("<title>", '<title onload="alert(1)">', 1).replace("</svg>", "<script>x()</script></svg>")
    cleaned = html_table.sanitised(hostile)
    assert "onload" not in cleaned and "<script" not in cleaned


def test_described_for_screen_readers_and_drawn_for_short_series():
    values = [5.0, 7.0, 6.0, np.nan, 8.0, 6.0]
    result = xmr(values, improvement="increase", profile="mdc")
    fig = spc_figure(dates_for(6), result, title="Short", unit="count", targets=[6.5] * 6)
    root = parse(chart_svg.figure_svg(fig))
    assert root.get("role") == "img" and root.get("aria-label") == fig.layout.meta["description"]
    assert any("too few points for SPC" in t for t in texts(root))
    assert "Median" in texts(root)
    assert len(points_of(root)) == 5


def test_one_month_sits_in_the_middle_with_only_its_own_tick():
    result = xmr([31_250.0], improvement="decrease", profile="mdc")
    root = parse(chart_svg.figure_svg(spc_figure(dates_for(1), result, title="One", unit="count")))
    (point,) = [c for c in root.iter("circle") if (c.findtext("title") or "").startswith("Apr 2023\n")]
    plot_left = min(float(x) for x in re.findall(r"M([\d.]+) ", root.find(".//g[@font-size='13']/path").get("d")))
    assert float(point.get("cx")) == pytest.approx((plot_left + chart_svg.WIDTH - chart_svg.RIGHT) / 2, abs=1)
    assert [t for t in texts(root) if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t)] == ["Apr 2023"]


def test_a_long_title_wraps_onto_a_second_line_above_the_plot(chart):
    dates, result = chart
    short = parse(chart_svg.figure_svg(spc_figure(dates, result, title="A&E 4-hour, Barts Health", unit="percent")))
    name = "A&E 4-hour, Barking, Havering and Redbridge University Hospitals NHS Trust (all sites and services)"
    long = parse(chart_svg.figure_svg(spc_figure(dates, result, title=name, unit="percent")))
    lines = [t.text for t in long.iter("text") if t.get("font-size") == "18"]
    assert len(lines) == 2 and " ".join(lines) == name
    assert all(len(line) <= chart_svg.TITLE_CHARACTERS for line in lines)
    height = lambda root: float(root.get("viewBox").split()[3])  # noqa: E731
    assert height(long) == height(short) + 22
