"""Tests for perfdash.spc against shared/reference/spc-making-data-count.md (RC1-RC6, 2.2, cases A-J)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfdash import spc
from perfdash.spc import (
    part_of_seven_trend,
    part_of_two_in_three,
    seven_point_one_side_mean,
    seven_point_trend,
    two_in_three,
    variation_icon,
    xmr,
)
from tests.support.examples import examples

RC1 = [
    -0.56047565,
    -0.23017749,
    1.55870831,
    0.07050839,
    0.12928774,
    1.71506499,
    0.46091621,
    -1.26506123,
    -0.68685285,
    -0.44566197,
    1.22408180,
    0.35981383,
    0.40077145,
    0.11068272,
    -0.55584113,
    1.78691314,
    0.49785048,
    -1.96661716,
    0.70135590,
    -0.47279140,
]
RC2 = [*RC1[:14], 10.0, *RC1[15:]]
RC3 = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
RC5 = [89, 86, 75, 77, 81, 74, 72, 78, 76, 82, 77, 54, 66, 77, 86]
BASE = [10, 12, 11, 9, 10, 11, 9, 10, 12, 11]
TAIL_A = [13, 12, 13, 14, 12, 13, 14, 12]
CASE_F = [*BASE, 10, 11, 17, 11, 10, 9, 11, 10]
TAIL_G = [10, 11, 20, 22, 21, 19, 20, 21, 19, 20, 22, 21, 20, 21]


def limits(result: spc.XmrResult, row: int = 0) -> tuple[float, float, float]:
    """(mean, lpl, upl) on one row."""
    p = result.points.iloc[row]
    return float(p["mean"]), float(p["lpl"]), float(p["upl"])


def flagged(result: spc.XmrResult) -> dict[int, str]:
    """1-based position -> rule, for special-cause points only."""
    p = result.points
    return {i + 1: str(p["rule"].iat[i]) for i in np.flatnonzero(p["special_cause"].to_numpy())}


# --------------------------------------------------------------------------------------------------
# 2.1 reference cases from the repositories


def test_rc1_all_points() -> None:
    r = xmr(RC1, improvement="increase")
    assert limits(r) == pytest.approx((0.1416238, -3.01138, 3.294627), abs=1e-6)
    assert r.points["relative_to_mean"].tolist() == [
        *[-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1],
        *[1, 1, -1, 1, -1],
    ]
    assert (r.points["point_type"] == "common_cause").all()
    assert not r.points["special_cause"].any()
    assert r.variation == "common_cause" and r.icon == "common_cause"
    assert r.assurance is None  # no target
    assert not r.short_group_warning and not r.run_chart_only


def test_rc1_facets_split_in_two() -> None:
    first, second = xmr(RC1[:10], improvement="increase"), xmr(RC1[10:], improvement="increase")
    assert limits(first) == pytest.approx((0.07462565, -2.600585, 2.749837), abs=1e-6)
    assert limits(second) == pytest.approx((0.2086220, -3.279005, 3.696249), abs=1e-6)
    assert first.short_group_warning and second.short_group_warning  # n = 10 < 13


def test_rc1_fix_after_12() -> None:
    r = xmr(RC1, improvement="increase", fix_after=12)
    assert limits(r) == pytest.approx((0.1941793, -2.607400, 2.995758), abs=1e-6)
    assert limits(r) != pytest.approx(limits(xmr(RC1, improvement="increase")))
    assert r.points["mean"].nunique() == 1  # frozen limits are used for every point


def test_rc1_target_half_is_inconsistent() -> None:
    r = xmr(RC1, improvement="increase", target=0.5)
    assert r.assurance == "inconsistent"


@pytest.mark.parametrize(
    ("screen", "expected"),
    [(True, (0.6694159, -2.383666, 3.722497)), (False, (0.6694159, -4.596625, 5.935457))],
)
def test_rc2_screening(screen: bool, expected: tuple[float, float, float]) -> None:
    r = xmr(RC2, improvement="increase", screen_outliers=screen)
    assert limits(r) == pytest.approx(expected, abs=1e-6)
    assert r.points["relative_to_mean"].tolist()[:14] == [-1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]
    assert flagged(r) == {15: "Above UCL"}
    assert r.points["point_type"].iat[14] == "special_cause_improvement"


def test_rc2_ptd_screens_by_default() -> None:
    assert limits(xmr(RC2, improvement="increase")) == pytest.approx(
        limits(xmr(RC2, improvement="increase", screen_outliers=True))
    )


def test_moving_range_exactly_at_the_cut_off() -> None:
    # MRs 3267, 748 x 8, 749: mean MR is exactly 1000 and 3.267 * 1000 == 3267.0 in floating point.
    y = [0.0]
    for i, mr in enumerate([3267] + [748] * 8 + [749]):
        y.append(y[-1] + (mr if i % 2 == 0 else -mr))
    amr = {}
    for name, kwargs in {
        "ptd": {},
        "off": {"screen_outliers": False},
        "mdc": {"profile": "mdc", "screen_outliers": True, "min_points": 2},
    }.items():
        mean, _, upl = limits(xmr(y, improvement="increase", **kwargs))
        amr[name] = (upl - mean) / spc.LIMIT
    assert amr["ptd"] == pytest.approx(6733 / 9)  # ptd drops an MR that is not strictly below the cut-off
    assert amr["off"] == pytest.approx(1000)
    assert amr["mdc"] == pytest.approx(1000)  # MDC keeps an MR equal to the cut-off


def test_rc3_deviations_vignette() -> None:
    screened = xmr(RC3, improvement="increase")
    unscreened = xmr(RC3, improvement="increase", screen_outliers=False)
    assert limits(screened) == pytest.approx((1.944444, -0.715556, 4.604444), abs=1e-5)
    assert limits(unscreened) == pytest.approx((1.944444, -3.062614, 6.951503), abs=1e-5)
    for r in (screened, unscreened):
        assert flagged(r) == {5: "Above UCL"}
        assert r.points["point_type"].iat[4] == "special_cause_improvement"
        assert r.variation == "common_cause"


def test_rc4_two_in_three_across_the_mean() -> None:
    y = [1.0, -1.0] * 8
    y[14], y[15] = 5.5, -5.5
    r = xmr(y, improvement="increase")
    mean, lpl, upl = limits(r)
    assert (mean, lpl, upl) == pytest.approx((0.0, -6.175, 6.175), abs=1e-4)
    assert r.points["near_upl"].iat[0] == pytest.approx(4.1167, abs=1e-4)
    assert r.points["close_to_limits"].iloc[14:16].all()
    assert r.points["point_type"].iloc[14:16].tolist() == ["common_cause", "common_cause"]


@pytest.mark.parametrize(
    ("improvement", "target", "expected"),
    [
        ("increase", 50, "consistent_pass"),
        ("increase", 80, "inconsistent"),
        ("increase", 100, "consistent_fail"),
        ("decrease", 50, "consistent_fail"),
        ("decrease", 80, "inconsistent"),
        ("decrease", 100, "consistent_pass"),
    ],
)
def test_rc5_assurance(improvement: str, target: float, expected: str) -> None:
    assert xmr(RC5, improvement=improvement, target=target).assurance == expected


def test_rc5_limits_and_flags() -> None:
    r = xmr(RC5, improvement="increase")
    assert limits(r) == pytest.approx((76.666667, 57.0967, 96.2367), abs=1e-4)
    assert limits(r) == pytest.approx(limits(xmr(RC5, improvement="increase", screen_outliers=False)))
    assert flagged(r) == {12: "Below LCL"}
    assert r.points["point_type"].iat[11] == "special_cause_concern"
    assert not r.points["close_to_limits"].any()
    assert r.variation == "common_cause"


def test_rc6_ratio() -> None:
    num = np.array([5, 7, 5, 7, 7, 5, 4, 9, 8, 13, 8, 7, 8, 7, 12, 11, 8])
    den = np.array([113, 132, 121, 134, 116, 131, 93, 138, 182, 157, 100, 103, 146, 108, 153, 141, 134])
    r = xmr(num / den, improvement="increase")
    mean, lpl, upl = limits(r)
    assert mean == pytest.approx(0.0592974, abs=1e-7)
    assert (round(upl, 4), round(lpl, 4)) == (0.0957, 0.0229)
    assert (upl - mean) / spc.LIMIT == pytest.approx(0.0137014, abs=1e-7)
    assert not r.points["special_cause"].any()


# --------------------------------------------------------------------------------------------------
# 2.2 rule vectors


def test_seven_point_one_side_mean_vectors() -> None:
    assert seven_point_one_side_mean([]).tolist() == []
    assert seven_point_one_side_mean([1] * 6).tolist() == [0] * 6
    assert seven_point_one_side_mean([1] * 6 + [-1]).tolist() == [0] * 7
    assert seven_point_one_side_mean([1] * 8 + [-1]).tolist() == [0] * 6 + [1, 1, 0]
    assert seven_point_one_side_mean([-1] * 8 + [1]).tolist() == [0] * 6 + [1, 1, 0]
    assert seven_point_one_side_mean([-1] + [1] * 8 + [-1]).tolist() == [0] * 7 + [1, 1, 0]
    assert seven_point_one_side_mean([0] * 9).tolist() == [0] * 9  # points on the mean never count


@pytest.mark.parametrize("sign", [1, -1])
def test_part_of_seven_trend_vectors(sign: int) -> None:
    assert part_of_seven_trend([0] * 6 + [sign, 0]).tolist() == [1] * 7 + [0]
    assert part_of_seven_trend([0] * 7 + [sign, 0]).tolist() == [0] + [1] * 7 + [0]
    assert part_of_seven_trend([0] * 6).tolist() == [0] * 6


def test_seven_point_trend_vectors() -> None:
    assert seven_point_trend([]).tolist() == []
    assert seven_point_trend(range(1, 7)).tolist() == [0] * 6
    assert seven_point_trend([1, 2, 3, 3, 4, 5, 6]).tolist() == [0] * 7
    assert seven_point_trend(range(1, 8)).tolist() == [0] * 6 + [1]
    assert seven_point_trend([2, *range(1, 8), 3]).tolist() == [0] * 7 + [1, 0]
    assert seven_point_trend(range(7, 0, -1)).tolist() == [0] * 6 + [-1]
    assert seven_point_trend([2, *range(7, 0, -1), 3]).tolist() == [0] * 7 + [-1, 0]


@pytest.mark.parametrize(
    ("close", "expected"),
    [
        ([1, 0, 1], [1, 1, 1]),
        ([0, 1, 1], [1, 1, 1]),
        ([1, 1, 0], [1, 1, 1]),
        ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 1, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [0, 1, 1, 1, 1, 0, 0]),
        ([0, 0, 0], [0, 0, 0]),
    ],
)
def test_two_in_three_vectors(close: list[int], expected: list[int]) -> None:
    assert two_in_three(close, [1] * len(close)).tolist() == expected
    alternating = [1 if i % 2 == 0 else -1 for i in range(len(close))]
    assert two_in_three(close, alternating).tolist() == [0] * len(close)


@pytest.mark.parametrize(
    ("close", "expected"),
    [
        ([1, 0, 0, 1], [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
        ([1, 0, 1], [1, 0, 1]),
        ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
    ],
)
def test_part_of_two_in_three_vectors(close: list[int], expected: list[int]) -> None:
    ones = [1] * len(close)
    assert part_of_two_in_three(two_in_three(close, ones), close).tolist() == expected


@pytest.mark.parametrize(
    ("improvement", "expected"),
    [
        ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
        ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
        ("neutral", [None, None, None]),
    ],
)
def test_assurance_vectors(improvement: str, expected: list[str | None]) -> None:
    lpl, upl = np.array([1.0, 5.0, 1.0]), np.array([3.0, 7.0, 5.0])
    direction = np.full(3, spc.IMPROVEMENTS[improvement])
    codes = spc._assurance_codes(np.full(3, 4.0), lpl, upl, direction, inclusive=False)
    assert [spc.ASSURANCES[c] for c in codes] == expected
    no_target = spc._assurance_codes(np.full(3, np.nan), lpl, upl, direction, inclusive=False)
    assert [spc.ASSURANCES[c] for c in no_target] == [None] * 3


def test_assurance_uses_the_last_period_only() -> None:
    # Case G: the first period alone would say fail for a target of 15; the last period says pass.
    y = BASE + TAIL_G
    assert xmr(y[:12], improvement="increase", target=15).assurance == "consistent_fail"
    assert xmr(y, improvement="increase", target=15, rebase=[12]).assurance == "consistent_pass"


# --------------------------------------------------------------------------------------------------
# 2.3 designed cases


def test_case_a_shift() -> None:
    r = xmr(BASE + TAIL_A, improvement="increase")
    assert limits(r) == pytest.approx((11.5556, 7.8003, 15.3108), abs=1e-4)
    assert flagged(r) == dict.fromkeys(range(11, 19), "7 Points Above CL")
    assert set(r.points["point_type"].iloc[10:]) == {"special_cause_improvement"}
    assert r.icon == "improvement_high"
    expected = {7: "consistent_pass", 12: "inconsistent", 16: "consistent_fail"}
    for target, assurance in expected.items():
        assert xmr(BASE + TAIL_A, improvement="increase", target=target).assurance == assurance


def test_case_b_trend_up() -> None:
    r = xmr([*BASE, 8, 9, 10, 11, 12, 13, 14, 12], improvement="increase")
    assert limits(r) == pytest.approx((10.7778, 7.0225, 14.5331), abs=1e-4)
    assert flagged(r) == dict.fromkeys(range(11, 18), "7 Point Trend (Increasing)")
    assert set(r.points["point_type"].iloc[10:17]) == {"special_cause_improvement"}
    assert r.variation == "common_cause" and r.icon == "common_cause"


def test_case_c_trend_down_on_a_decrease_metric() -> None:
    r = xmr([*BASE, 14, 13, 12, 11, 10, 9, 8, 10], improvement="decrease")
    assert limits(r) == pytest.approx((10.6667, 6.9114, 14.4220), abs=1e-4)
    assert flagged(r) == dict.fromkeys(range(11, 18), "7 Point Trend (Decreasing)")
    assert set(r.points["point_type"].iloc[10:17]) == {"special_cause_improvement"}
    assert r.icon == "common_cause"


def test_case_d_two_in_three() -> None:
    r = xmr([*BASE, 10, 11, 15, 12, 15, 10, 11, 10], improvement="increase")
    assert limits(r) == pytest.approx((11.0556, 6.0485, 16.0626), abs=1e-4)
    assert r.points["near_upl"].iat[0] == pytest.approx(14.3936, abs=1e-4)
    assert flagged(r) == {13: "2 in 3 Above CL", 15: "2 in 3 Above CL"}  # 14 is not close, so not flagged
    assert r.icon == "common_cause"


def test_case_e_two_in_three_blocked_by_a_point_on_the_mean() -> None:
    r = xmr([*BASE, 10, 11, 15, 11, 15, 10, 11, 10], improvement="increase")
    assert limits(r) == pytest.approx((11.0, 5.68, 16.32), abs=1e-4)
    assert r.points["relative_to_mean"].iat[13] == 0
    assert flagged(r) == {}
    assert r.icon == "common_cause"


def test_case_f_outlier_on_a_decrease_metric() -> None:
    y = [*BASE, 10, 11, 17, 11, 10, 9, 11, 10]
    r = xmr(y, improvement="decrease")
    assert limits(r) == pytest.approx((10.7778, 5.7707, 15.7848), abs=1e-4)
    assert flagged(r) == {13: "Above UCL"}
    assert r.points["point_type"].iat[12] == "special_cause_concern"
    assert r.icon == "common_cause"
    expected = {5: "consistent_fail", 12: "inconsistent", 16: "consistent_pass"}
    for target, assurance in expected.items():
        assert xmr(y, improvement="decrease", target=target).assurance == assurance


def test_case_g_rebase() -> None:
    y = BASE + TAIL_G
    r = xmr(y, improvement="increase", rebase=[12])
    assert limits(r, 0) == pytest.approx((10.5, 6.8727, 14.1273), abs=1e-4)
    assert limits(r, 23) == pytest.approx((20.5, 16.8727, 24.1273), abs=1e-4)
    assert r.points["period"].tolist() == [0] * 12 + [1] * 12
    assert flagged(r) == {}
    assert r.icon == "common_cause"
    assert r.short_group_warning  # both periods have 12 points (< 13)
    expected = {15: "consistent_pass", 21: "inconsistent", 25: "consistent_fail"}
    for target, assurance in expected.items():
        assert xmr(y, improvement="increase", rebase=[12], target=target).assurance == assurance


def test_case_g_prime_no_rebase() -> None:
    r = xmr(BASE + TAIL_G, improvement="increase")
    assert limits(r) == pytest.approx((15.5, 11.8727, 19.1273), abs=1e-4)
    p = r.points
    assert set(p["point_type"].iloc[:12]) == {"special_cause_concern"}
    assert set(p["rule"].iloc[:12]) <= {"Below LCL", "7 Points Below CL"}
    assert set(p["point_type"].iloc[12:]) == {"special_cause_improvement"}
    assert r.icon == "improvement_high"


def test_case_h_neutral() -> None:
    r = xmr(BASE + TAIL_A, improvement="neutral", target=12)
    assert limits(r) == pytest.approx((11.5556, 7.8003, 15.3108), abs=1e-4)
    assert set(r.points["point_type"].iloc[10:]) == {"special_cause_neutral_high"}
    assert set(r.points["point_type"].iloc[:10]) == {"common_cause"}
    assert r.icon == "neutral_high"
    assert r.assurance is None


def test_case_i_conflict_by_label_priority() -> None:
    r = xmr(range(1, 8), improvement="increase")
    assert limits(r) == pytest.approx((4.0, 1.34, 6.66), abs=1e-4)
    p = r.points
    assert p["rule"].tolist() == ["Below LCL", *["7 Point Trend (Increasing)"] * 5, "Above UCL"]
    assert p["point_type"].tolist() == ["special_cause_concern", *["special_cause_improvement"] * 6]
    assert r.icon == "improvement_high"
    assert r.short_group_warning
    assert r.message is not None and "fewer than 13" in r.message


def test_case_j_falling_increase_metric() -> None:
    r = xmr([0, -1, -2, -3, -4, -5, -6, -7], improvement="increase")
    assert limits(r) == pytest.approx((-3.5, -6.16, -0.84), abs=1e-4)
    p = r.points
    assert p["rule"].tolist() == ["Above UCL", *["7 Point Trend (Decreasing)"] * 6, "Below LCL"]
    assert p["point_type"].tolist() == ["special_cause_improvement", *["special_cause_concern"] * 7]
    assert r.icon == "concern_low"


def test_ptd_trend_label_quirk_at_a_tie() -> None:
    # Point 7 ends a rising trend, point 8 (equal) starts another: R takes the 0 difference as "Decreasing".
    y = [*range(1, 8), 7, *range(8, 14)]
    labels = xmr(y, improvement="increase").points["rule"].tolist()
    assert labels[6] == "7 Point Trend (Decreasing)"
    assert labels[7] == "7 Point Trend (Increasing)"


def test_ptd_trend_direction_stays_within_a_period() -> None:
    # Point 15 ends period 0's rising trend; period 1 opens with a trend from a lower value. R looks for the
    # next point only within the period, so point 15 stays "Increasing".
    y = [4, 3, 5, 4, 3, 5, 4, 3, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 3, 4, 3, 4, 3]
    single = xmr(y, improvement="increase", rebase=[15])
    assert single.points["rule"].iat[14] == "7 Point Trend (Increasing)"
    assert single.points["rule"].iat[15] == "Below LCL"


PEAK = [0, 5, 6, 7, 8, 9, 10, 9, 8, 7, 6, 5, 0]  # point 7 ends a rising trend and starts a falling one


@pytest.mark.parametrize(
    ("profile", "improvement", "rule", "point_type"),
    [
        ("ptd", "increase", "7 Point Trend (Decreasing)", "special_cause_concern"),
        ("ptd", "neutral", "7 Point Trend (Decreasing)", "special_cause_neutral_low"),
        ("mdc", "increase", "7 Point Trend (Increasing)", "special_cause_improvement"),
        ("mdc", "decrease", "7 Point Trend (Decreasing)", "special_cause_improvement"),
        ("mdc", "neutral", "7 Point Trend (Decreasing)", "special_cause_neutral_low"),
    ],
)
def test_point_in_two_trends(profile: str, improvement: str, rule: str, point_type: str) -> None:
    p = xmr(PEAK, improvement=improvement, profile=profile, min_points=2).points
    assert (p["rule"].iat[6], p["point_type"].iat[6]) == (rule, point_type)


# --------------------------------------------------------------------------------------------------
# Missing values, ghosts, rebase and validation


def test_missing_months_are_skipped_but_kept() -> None:
    y = [*RC5[:5], np.nan, *RC5[5:]]
    r, plain = xmr(y, improvement="increase"), xmr(RC5, improvement="increase")
    assert len(r.points) == 16
    assert limits(r) == pytest.approx(limits(plain))  # the MR bridges the gap
    assert np.isnan(r.points["value"].iat[5])
    assert r.points["rule"].iat[5] == "Common Cause" and not r.points["special_cause"].iat[5]
    assert r.points["mean"].iat[5] == pytest.approx(limits(plain)[0])  # lines stay continuous
    assert flagged(r) == {13: "Below LCL"}


def test_ghosted_point_is_shown_but_not_used() -> None:
    y = [*RC5[:11], 500.0, *RC5[11:]]
    r = xmr(y, improvement="increase", ghost=[11])
    assert limits(r) == pytest.approx(limits(xmr(RC5, improvement="increase")))
    assert r.points["value"].iat[11] == 500.0
    assert r.points["ghosted"].tolist() == [False] * 11 + [True] + [False] * 4
    assert not r.points["special_cause"].iat[11]
    assert xmr([*RC5, 500.0], improvement="increase", ghost=[15]).variation == "common_cause"
    assert xmr([*RC5, 500.0], improvement="increase").variation == "special_cause_improvement"


def test_variation_is_the_last_usable_point() -> None:
    y = [*BASE, *TAIL_A, np.nan]
    assert xmr(y, improvement="increase").variation == "special_cause_improvement"


def test_ptd_run_chart_below_two_points() -> None:
    r = xmr([5.0, np.nan], improvement="increase", target=3)
    assert r.run_chart_only and r.variation is None and r.assurance is None
    assert r.message == "too few points for SPC (n < 2)"
    assert r.points["lpl"].isna().all()
    assert r.icon == "none"
    assert not xmr([5.0, 6.0], improvement="increase").run_chart_only


@pytest.mark.parametrize(
    "kwargs",
    [
        {"improvement": "up"},
        {"improvement": "increase", "profile": "excel"},
        {"improvement": "increase", "rebase": [99]},
        {"improvement": "increase", "ghost": [-1]},
        {"improvement": "increase", "fix_after": 1},
    ],
)
def test_invalid_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        xmr(RC5, **kwargs)


def test_constant_series_keeps_its_limits() -> None:
    r = xmr([0.1] * 20, improvement="increase")
    assert limits(r) == (0.1, 0.1, 0.1)
    assert not r.points["special_cause"].any()


# --------------------------------------------------------------------------------------------------
# Icons and descriptions


@pytest.mark.parametrize(
    ("variation", "improvement", "icon"),
    [
        ("common_cause", "increase", "common_cause"),
        ("special_cause_improvement", "increase", "improvement_high"),
        ("special_cause_concern", "increase", "concern_low"),
        ("special_cause_improvement", "decrease", "improvement_low"),
        ("special_cause_concern", "decrease", "concern_high"),
        ("special_cause_neutral_high", "neutral", "neutral_high"),
        ("special_cause_neutral_low", "neutral", "neutral_low"),
        (None, "increase", "none"),
    ],
)
def test_variation_icon(variation: str | None, improvement: str, icon: str) -> None:
    assert variation_icon(variation, improvement) == icon


def test_no_improvement_icon_for_a_neutral_metric() -> None:
    with pytest.raises(ValueError):
        variation_icon("special_cause_improvement", "neutral")


# --------------------------------------------------------------------------------------------------
# MDC profile differences


def test_mdc_does_not_screen_rc3() -> None:
    r = xmr(RC3, improvement="increase", profile="mdc", min_points=2)
    assert limits(r) == pytest.approx((1.944444, -3.062614, 6.951503), abs=1e-5)
    assert r.profile == "mdc"


def test_mdc_screening_override_recomputes_the_mean() -> None:
    r = xmr(RC3, improvement="increase", profile="mdc", screen_outliers=True, min_points=2)
    kept = [v for i, v in enumerate(RC3) if i not in (4, 5)]  # MRs 8 and 9 end at points 5 and 6
    assert limits(r)[0] == pytest.approx(np.mean(kept))
    assert limits(r)[2] - limits(r)[0] == pytest.approx(2.66 * 1.0)


def test_mdc_assurance_inclusive_at_a_limit() -> None:
    y = [0.0, 1.0] * 8
    upl = xmr(y, improvement="increase").points["upl"].iat[0]
    lpl = xmr(y, improvement="increase").points["lpl"].iat[0]
    assert xmr(y, improvement="increase", target=upl).assurance == "inconsistent"
    assert xmr(y, improvement="increase", target=upl, profile="mdc").assurance == "consistent_fail"
    assert xmr(y, improvement="increase", target=lpl, profile="mdc").assurance == "consistent_pass"
    assert xmr(y, improvement="decrease", target=upl, profile="mdc").assurance == "consistent_pass"
    assert xmr(y, improvement="decrease", target=lpl, profile="mdc").assurance == "consistent_fail"


def test_mdc_improvement_wins_in_case_i() -> None:
    r = xmr(range(1, 8), improvement="increase", profile="mdc", min_points=2)
    p = r.points
    assert p["rule"].tolist() == [*["7 Point Trend (Increasing)"] * 6, "Above UCL"]
    assert set(p["point_type"]) == {"special_cause_improvement"}
    # Decrease metric: the falling side is the improvement, so point 1 stays "Below LCL".
    down = xmr(range(1, 8), improvement="decrease", profile="mdc", min_points=2).points
    assert down["rule"].iat[0] == "Below LCL" and down["point_type"].iat[0] == "special_cause_improvement"
    assert down["rule"].iat[6] == "Above UCL" and down["point_type"].iat[6] == "special_cause_concern"


def test_mdc_trend_runs_across_rebase_periods() -> None:
    y = [10, 12, 11, 9, 10, 11, 9, 10, 11, 12, 13, 14, 15, 16, 10, 12, 11, 9, 10, 11, 9, 10]
    # Points 7..14 (1-based) rise; the rebase at 0-based 11 cuts that run into 5 + 3 points.
    ptd = xmr(y, improvement="increase", rebase=[11])
    mdc = xmr(y, improvement="increase", rebase=[11], profile="mdc")
    assert not any("Trend" in rule for rule in ptd.points["rule"])
    assert [i + 1 for i, rule in enumerate(mdc.points["rule"]) if "Trend" in rule] == list(range(7, 15))
    # Without a rebase, both profiles see the trend.
    assert "7 Point Trend (Increasing)" in set(xmr(y, improvement="increase").points["rule"])


def test_mdc_shift_does_not_cross_rebase_periods() -> None:
    y = [5, 6, 4, 5, 6, 4, 5, 6, 4, 5, 6, 6, 6, 6, 5, 5, 5, 4, 5, 6, 4, 5, 6, 4, 5, 6, 4, 5]
    r = xmr(y, improvement="increase", rebase=[14], profile="mdc")
    assert r.points["relative_to_mean"].iloc[10:17].tolist() == [1] * 7  # 4 + 3 above their own means
    assert not r.points["special_cause"].any()


def test_mdc_run_chart_below_15_points() -> None:
    r = xmr(RC5[:14], improvement="increase", target=50, profile="mdc")
    assert r.run_chart_only and r.variation is None and r.assurance is None
    assert r.message == "too few points for SPC (n < 15)"
    assert r.points[["mean", "lpl", "upl", "near_lpl", "near_upl"]].isna().all().all()
    assert not r.points["special_cause"].any()
    assert (r.points["rule"] == "Common Cause").all()
    full = xmr(RC5, improvement="increase", target=50, profile="mdc")
    assert not full.run_chart_only and full.assurance == "consistent_pass"
    ghosted = xmr(RC5, improvement="increase", profile="mdc", ghost=[0])
    assert ghosted.run_chart_only  # ghosts do not count towards the 15
    assert not xmr(RC5[:14], improvement="increase").run_chart_only  # ptd only warns


# --------------------------------------------------------------------------------------------------
# Properties

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
series_values = st.lists(st.one_of(finite, st.integers(-5, 5).map(float)), min_size=2, max_size=40)


@given(series_values, st.sampled_from(["ptd", "mdc"]))
@settings(max_examples=examples(150), deadline=None)
def test_limits_symmetric_about_the_mean(values: list[float], profile: str) -> None:
    p = xmr(values, improvement="increase", profile=profile, min_points=2).points
    scale = max(1.0, float(np.abs(values).max()))
    assert np.allclose(p["upl"] - p["mean"], p["mean"] - p["lpl"], rtol=1e-9, atol=1e-9 * scale)
    assert np.allclose(p["near_upl"] - p["mean"], p["mean"] - p["near_lpl"], rtol=1e-9, atol=1e-9 * scale)
    assert (p["upl"] >= p["near_upl"]).all() and (p["near_upl"] >= p["mean"]).all()


@given(
    st.one_of(finite, st.sampled_from([0.1, 0.3, 1 / 3, 99.9, -7.25])),
    st.integers(2, 60),
    st.sampled_from(["ptd", "mdc"]),
    st.sampled_from(["increase", "decrease", "neutral"]),
)
@settings(max_examples=examples(150), deadline=None)
def test_constant_series_has_no_special_cause(value: float, n: int, profile: str, improvement: str) -> None:
    r = xmr([value] * n, improvement=improvement, profile=profile, min_points=2)
    assert not r.points["special_cause"].any()
    assert r.variation == "common_cause"
    assert (r.points["mean"] == value).all()


SWAP = {
    "special_cause_improvement": "special_cause_concern",
    "special_cause_concern": "special_cause_improvement",
    "common_cause": "common_cause",
}
PASS_FAIL = {
    "consistent_pass": "consistent_fail",
    "consistent_fail": "consistent_pass",
    "inconsistent": "inconsistent",
}


@given(series_values, finite)
@settings(max_examples=examples(150), deadline=None)
def test_swapping_direction_swaps_improvement_and_concern(values: list[float], target: float) -> None:
    up = xmr(values, improvement="increase", target=target)
    down = xmr(values, improvement="decrease", target=target)
    assert up.points["rule"].tolist() == down.points["rule"].tolist()
    assert [SWAP[t] for t in up.points["point_type"]] == down.points["point_type"].tolist()
    assert PASS_FAIL[up.assurance] == down.assurance
    assert (
        variation_icon(up.variation, "increase").split("_")[-1]
        == variation_icon(down.variation, "decrease").split("_")[-1]
    )
