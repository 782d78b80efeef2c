"""Tests for perfdash.spc_chart: traces, colours and symbols, rebase breaks, hover text, units, icons."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import plotly.graph_objects as go
import pytest

from perfdash import spc_chart
from perfdash.periods import month_range
from perfdash.spc import VARIATION_ICONS, xmr
from perfdash.spc_chart import (
    assurance_icon_svg,
    run_chart_figure,
    spc_figure,
    variation_icon_svg,
)
from perfdash.vocabulary import rule_text

BASE = [10, 12, 11, 9, 10, 11, 9, 10, 12, 11]
TAIL_G = [10, 11, 20, 22, 21, 19, 20, 21, 19, 20, 22, 21, 20, 21]
SVG = "{http://www.w3.org/2000/svg}"


def dates_for(n: int) -> list[str]:
    """n consecutive months from April 2023."""
    return month_range("2023-04", "2099-12")[:n]


def trace(fig: go.Figure, name: str) -> go.Scatter:
    """The one trace with this legend name."""
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, f"{name}: {[t.name for t in fig.data]}"
    return found[0]


@pytest.fixture
def mixed() -> tuple[list[str], object]:
    """Case G' (no rebase): concern points then improvement points, one ghost and one gap."""
    values = [*BASE, *TAIL_G]
    values[5] = np.nan
    return dates_for(len(values)), xmr(values, improvement="increase", ghost=[7], target=15)


def test_expected_traces(mixed: tuple) -> None:
    dates, result = mixed
    fig = spc_figure(dates, result, title="A&E 4-hour", unit="percent", targets=[15.0] * len(dates))
    names = [t.name for t in fig.data]
    for name in ("Values", "Mean", "Upper process limit", "Lower process limit", "Target"):
        assert name in names
    assert "Upper 2-sigma line" not in names
    assert trace(fig, "Mean").line.dash is None
    assert trace(fig, "Upper process limit").line.dash == "dash"
    assert trace(fig, "Values").line.color == "#a6a6a6"
    assert list(trace(fig, "Values").x) == dates
    json.loads(fig.to_json())  # serialisable: no NaN or numpy leftovers


def test_near_limits_optional(mixed: tuple) -> None:
    dates, result = mixed
    fig = spc_figure(dates, result, title="t", unit="count", show_near_limits=True)
    upper = trace(fig, "Upper 2-sigma line")
    assert upper.y[0] == pytest.approx(result.points["near_upl"].iat[0])


def test_special_cause_colours_symbols_and_names(mixed: tuple) -> None:
    dates, result = mixed
    fig = spc_figure(dates, result, title="t", unit="count")
    improvement = trace(fig, "Special cause: improvement")
    concern = trace(fig, "Special cause: concern")
    assert improvement.marker.color == "#00b0f0"
    assert concern.marker.color == "#e46c0a"
    assert improvement.marker.symbol != concern.marker.symbol
    assert "circle" not in (improvement.marker.symbol, concern.marker.symbol)
    p = result.points
    expected = p.index[(p["point_type"] == "special_cause_improvement") & ~p["ghosted"]]
    assert list(improvement.x) == [dates[i] for i in expected]
    assert len(concern.x) == int(((p["point_type"] == "special_cause_concern") & p["value"].notna()).sum())


def test_common_and_neutral_markers() -> None:
    values = [*BASE, 13, 12, 13, 14, 12, 13, 14, 12]
    fig = spc_figure(dates_for(18), xmr(values, improvement="neutral"), title="t", unit="count")
    assert trace(fig, "Common cause").marker.color == "#a6a6a6"
    assert trace(fig, "Common cause").marker.symbol == "circle"
    high = trace(fig, "Special cause: unusually high")
    assert (high.marker.color, high.marker.symbol) == ("#490092", "triangle-up")
    assert fig.layout.meta["icon"] == "neutral_high"


def test_ghosted_points_are_hollow(mixed: tuple) -> None:
    dates, result = mixed
    fig = spc_figure(dates, result, title="t", unit="count")
    ghost = trace(fig, spc_chart.GHOST_NAME)
    assert ghost.marker.symbol.endswith("-open")
    assert list(ghost.x) == [dates[7]]
    assert "left out of the calculations" in ghost.hovertext[0]
    shown = [x for t in fig.data if t.mode == "markers" and t.name != spc_chart.GHOST_NAME for x in t.x]
    assert dates[7] not in shown and dates[5] not in shown  # the gap month has no marker


def test_hover_names_month_value_and_rule(mixed: tuple) -> None:
    dates, result = mixed
    fig = spc_figure(dates, result, title="t", unit="percent", targets=[15.0] * len(dates))
    concern = trace(fig, "Special cause: concern")
    first = concern.hovertext[0]
    assert "Apr 2023" in first and "10.0%" in first
    # The rule in plain English, never the package's label.
    assert "a month below the lower process limit" in first or "seven months in a row below the average" in first
    assert "Below LCL" not in first and "7 Points" not in first
    assert "Target: 15.0%" in first
    rules = set(result.points["rule"][result.points["point_type"] == "special_cause_improvement"])
    texts = trace(fig, "Special cause: improvement").hovertext
    assert all(any(rule_text(rule) in text for rule in rules) for text in texts)


def test_rebase_breaks_the_lines() -> None:
    values = [*BASE, *TAIL_G]
    dates = dates_for(len(values))
    result = xmr(values, improvement="increase", rebase=[12])
    fig = spc_figure(dates, result, title="t", unit="count")
    for name in ("Mean", "Upper process limit", "Lower process limit"):
        t = trace(fig, name)
        gap = list(t.x).index(None)
        assert t.y[gap] is None
        assert t.x[gap - 1] == dates[11] and t.x[gap + 1] == dates[12]
    mean = trace(fig, "Mean")
    assert mean.y[0] == pytest.approx(10.5) and mean.y[-1] == pytest.approx(20.5)
    no_rebase = spc_figure(dates, xmr(values, improvement="increase"), title="t", unit="count")
    assert None not in list(trace(no_rebase, "Mean").x)


def test_target_is_a_red_step_that_breaks() -> None:
    values = [*BASE, *TAIL_G]
    dates = dates_for(len(values))
    targets = [None] * 6 + [12.0] * 10 + [18.0] * 8
    fig = spc_figure(dates, xmr(values, improvement="increase"), title="t", unit="count", targets=targets)
    target = trace(fig, "Target")
    assert target.line.color == "#de1b1b"
    assert target.line.shape == "hv"
    assert list(target.y) == targets
    assert target.connectgaps is False
    no_target = spc_figure(dates, xmr(values, improvement="increase"), title="t", unit="count")
    assert "Target" not in [t.name for t in no_target.data]


@pytest.mark.parametrize(
    ("unit", "prefix", "suffix", "title"),
    [
        ("percent", "", "%", "Percentage"),
        ("gbp_thousands", "£", "", "£ thousands"),
        ("minutes", "", "", "Minutes"),
        ("count", "", "", "Count"),
        ("wte", "", "", "Whole-time equivalents (WTE)"),
    ],
)
def test_units(unit: str, prefix: str, suffix: str, title: str) -> None:
    fig = spc_figure(dates_for(15), xmr(BASE + BASE[:5], improvement="increase"), title="t", unit=unit)
    assert (fig.layout.yaxis.tickprefix or "") == prefix
    assert (fig.layout.yaxis.ticksuffix or "") == suffix
    assert fig.layout.yaxis.title.text == title
    if unit == "gbp_thousands":
        assert fig.layout.yaxis.tickformat == ",.0f"  # no SI "k" on top of "£ thousands"


def test_hover_uses_the_tables_formats() -> None:
    dates = dates_for(15)
    fig = spc_figure(dates, xmr([12.4] * 15, improvement="decrease"), title="t", unit="minutes")
    assert "Value: 12:24 min" in trace(fig, "Common cause").hovertext[0]
    assert trace(fig, "Mean").hovertext[0] == "Mean: 12:24 min"
    money = spc_figure(dates, xmr([1234.4] * 15, improvement="increase"), title="t", unit="gbp_thousands")
    assert "Value: £1.2m" in trace(money, "Common cause").hovertext[0]


def test_rebase_reason_is_on_the_chart() -> None:
    values = [*BASE, *TAIL_G]
    dates = dates_for(len(values))
    result = xmr(values, improvement="increase", rebase=[len(BASE)])
    fig = spc_figure(dates, result, title="t", unit="count", rebases=[(dates[len(BASE)], "New triage model.")])
    texts = [a.text for a in fig.layout.annotations]
    assert "Limits recalculated: New triage model" in texts
    assert [s.x0 for s in fig.layout.shapes] == [dates[len(BASE)]]


def test_layout_is_nhs_styled(mixed: tuple) -> None:
    dates, result = mixed
    fig = spc_figure(dates, result, title="Cancer <62 days>", unit="percent")
    assert fig.layout.plot_bgcolor == "#ffffff" and fig.layout.paper_bgcolor == "#ffffff"
    assert "Arial" in fig.layout.font.family
    assert fig.layout.title.font.color == "#005EB8"
    assert fig.layout.title.text == "Cancer &lt;62 days&gt;"  # escaped, not read as markup
    assert fig.layout.meta["variation"] == result.variation
    assert "Special cause variation of an improving nature" in fig.layout.meta["description"]
    assert "mathjax" not in fig.to_json().lower()


def test_annotations(mixed: tuple) -> None:
    dates, result = mixed
    notes = [(dates[12], "New triage model"), ("1999-01", "outside the window")]
    fig = spc_figure(dates, result, title="t", unit="count", annotations=notes)
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["New triage model"]
    assert fig.layout.annotations[0].x == dates[12]
    marker = trace(fig, "Annotation")
    assert list(marker.x) == [dates[12]] and "New triage model" in marker.hovertext[0]


def test_run_chart() -> None:
    values = [5.0, 7.0, 6.0, np.nan, 8.0, 6.0]
    dates = dates_for(len(values))
    result = xmr(values, improvement="increase", profile="mdc")
    assert result.run_chart_only
    for fig in (
        spc_figure(dates, result, title="t", unit="count", targets=[6.5] * 6),
        run_chart_figure(dates, result, title="t", unit="count", targets=[6.5] * 6),
    ):
        names = [t.name for t in fig.data]
        assert "Median" in names and "Target" in names
        assert not {"Mean", "Upper process limit", "Lower process limit"} & set(names)
        assert trace(fig, "Median").y[0] == pytest.approx(6.0)
        assert any("too few points for SPC" in a.text for a in fig.layout.annotations)
        assert fig.layout.meta["run_chart_only"] is True
        assert "Special cause: improvement" not in names


def test_length_mismatch_is_an_error(mixed: tuple) -> None:
    dates, result = mixed
    with pytest.raises(ValueError):
        spc_figure(dates[:-1], result, title="t", unit="count")
    with pytest.raises(ValueError):
        spc_figure(dates, result, title="t", unit="count", targets=[1.0])


# --------------------------------------------------------------------------------------------------
# Icons


def parse(svg: str) -> ET.Element:
    """Parse an SVG string (fails on malformed markup)."""
    return ET.fromstring(svg)


def letters(root: ET.Element) -> list[str]:
    """Text content of every <text> element."""
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("icon", "letter", "colour", "title"),
    [
        ("improvement_high", "H", "#00b0f0", "improving nature, high values"),
        ("improvement_low", "L", "#00b0f0", "improving nature, low values"),
        ("concern_high", "H", "#e46c0a", "concerning nature, high values"),
        ("concern_low", "L", "#e46c0a", "concerning nature, low values"),
        ("neutral_high", "H", "#490092", "neutral nature, high values"),
        ("neutral_low", "L", "#490092", "neutral nature, low values"),
    ],
)
def test_special_cause_icons(icon: str, letter: str, colour: str, title: str) -> None:
    svg = variation_icon_svg(icon, size=64)
    root = parse(svg)
    assert root.get("width") == "64"
    assert title in root.find(f"{SVG}title").text
    assert letters(root) == [letter]
    assert root.find(f"{SVG}circle").get("stroke") == colour
    arrow = root.find(f"{SVG}path").get("d")
    tip = min if letter == "H" else max  # the arrow head points up for H, down for L
    ys = [int(y) for y in re.findall(r"\d+ (\d+)", arrow)]
    assert tip(ys) == ys[-2]
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no external refs


def test_common_cause_icon() -> None:
    root = parse(variation_icon_svg("common_cause"))
    assert root.find(f"{SVG}title").text.startswith("Common cause")
    assert letters(root) == []
    dots = [c for c in root.iter(f"{SVG}circle")][1:]
    assert len(dots) == 7 and len({c.get("cy") for c in dots}) == 1  # a flat line of dots
    assert {c.get("fill") for c in dots} == {"#a6a6a6"}


def test_every_variation_icon_renders() -> None:
    for icon in (*VARIATION_ICONS, "none"):
        parse(variation_icon_svg(icon))
    assert "stroke-dasharray" in variation_icon_svg("none")
    with pytest.raises(ValueError):
        variation_icon_svg("improvement")


@pytest.mark.parametrize(
    ("assurance", "letter", "colour", "title"),
    [
        ("consistent_pass", "P", "#00b0f0", "Pass"),
        ("consistent_fail", "F", "#e46c0a", "Fail"),
        ("inconsistent", "?", "#a6a6a6", "Hit and miss"),
    ],
)
def test_assurance_icons(assurance: str, letter: str, colour: str, title: str) -> None:
    root = parse(assurance_icon_svg(assurance, size=32))
    assert root.get("height") == "32"
    assert root.find(f"{SVG}title").text.startswith(title)
    assert root.get("aria-label") == root.find(f"{SVG}title").text
    assert letters(root) == [letter]
    assert root.find(f"{SVG}circle").get("stroke") == colour


def test_no_assurance_icon() -> None:
    root = parse(assurance_icon_svg(None))
    assert root.find(f"{SVG}title").text.startswith("No assurance")
    ring = root.find(f"{SVG}circle")
    assert ring.get("stroke") == "#a6a6a6" and ring.get("stroke-dasharray")
    assert letters(root) == []
    with pytest.raises(ValueError):
        assurance_icon_svg("pass")
