"""XmR (individuals) SPC charts as NHSRplotthedots 0.2.2 ("ptd") and NHS England's MDC SQL tool ("mdc").

`xmr()` works on one series, period by period, with rule functions that mirror the R package one to one; the
app, the board pack and the command line all call it (through `board.spc_reading`) for every series.
See shared/reference/spc-making-data-count.md for the algorithm and the reference cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from perfdash.vocabulary import TOO_FEW_POINTS

LIMIT = 2.66  # 3 sigma in mean moving ranges (3 / d2, d2 = 1.128)
NEAR = 2 * (LIMIT / 3)  # the 2-sigma line, written as R writes it so the floats agree
MR_SCREEN = 3.267  # upper range limit used to screen moving-range outliers
RUN = 7  # points in a shift or a trend (hard-coded in NHSRplotthedots, MDC default)

LABELS: tuple[str, ...] = (
    "Common Cause",
    "Above UCL",
    "Below LCL",
    "7 Point Trend (Increasing)",
    "7 Point Trend (Decreasing)",
    "2 in 3 Above CL",
    "2 in 3 Below CL",
    "7 Points Above CL",
    "7 Points Below CL",
)
# Label codes: odd = high side, even non-zero = low side; (code + 1) // 2 is the priority rank (1 = highest).
_COMMON, _ABOVE, _BELOW, _TREND_UP, _TREND_DOWN, _TWO_UP, _TWO_DOWN, _SHIFT_UP, _SHIFT_DOWN = range(9)

POINT_TYPES: tuple[str, ...] = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
IMPROVEMENTS = {"increase": 1, "decrease": -1, "neutral": 0}
ASSURANCES: tuple[str | None, ...] = (None, "consistent_pass", "consistent_fail", "inconsistent")

VARIATION_ICONS: tuple[str, ...] = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
POINT_COLUMNS: tuple[str, ...] = (
    "value",
    "mean",
    "lpl",
    "upl",
    "near_lpl",
    "near_upl",
    "special_cause",
    "rule",
    "point_type",
    "period",
    "ghosted",
    "relative_to_mean",
    "outside_limits",
    "close_to_limits",
    "short_group_warning",
)


@dataclass(frozen=True)
class Profile:
    """The settings on which NHSRplotthedots and the MDC SQL tool differ."""

    name: str
    screen_outliers: bool  # screen moving ranges above 3.267 * mean MR
    screen_mean_too: bool  # MDC-style screening: keep MR <= cut-off and drop outlier points from the mean
    inclusive_assurance: bool  # a target exactly on a limit counts as pass/fail
    improvement_wins: bool  # a point flagged both ways shows the improvement
    trend_across_periods: bool  # the trend rule ignores rebase boundaries
    min_points: int  # fewer usable points than this: run chart only
    short_group: int  # a period with fewer usable points than this gets a warning


PROFILES: dict[str, Profile] = {
    "ptd": Profile("ptd", True, False, False, False, False, 2, 13),
    # MDC SQL: @SettingMinimumPoints = 15, @SettingMinimumPointsPartition = 12.
    "mdc": Profile("mdc", False, True, True, True, True, 15, 12),
}


@dataclass
class XmrResult:
    """One XmR chart: per-point frame plus the summary the board shows."""

    points: pd.DataFrame
    variation: str | None
    assurance: str | None
    short_group_warning: bool
    run_chart_only: bool
    message: str | None
    profile: str
    improvement: str = "increase"
    target: float | None = None
    n: int = 0  # usable (non-missing, non-ghosted) points

    @property
    def icon(self) -> str:
        """MDC variation icon name of the last usable point."""
        return variation_icon(self.variation, self.improvement)


# --------------------------------------------------------------------------------------------------
# Icons (their words are in perfdash.vocabulary)


def variation_icon(variation: str | None, improvement: str) -> str:
    """MDC icon name for a point type ('none' when there is no variation, i.e. a run chart)."""
    direction = _direction(improvement)
    if variation is None:
        return "none"
    if variation == "common_cause":
        return "common_cause"
    if variation == "special_cause_neutral_high":
        return "neutral_high"
    if variation == "special_cause_neutral_low":
        return "neutral_low"
    if variation in ("special_cause_improvement", "special_cause_concern") and direction != 0:
        improving = variation == "special_cause_improvement"
        high = improving == (direction > 0)  # improvement is high for increase metrics, concern low
        return f"{'improvement' if improving else 'concern'}_{'high' if high else 'low'}"
    raise ValueError(f"no icon for variation {variation!r} with improvement {improvement!r}")


# --------------------------------------------------------------------------------------------------
# Rule functions for one group, mirroring R/ptd_calculate_point_type.R (tested against the package's vectors)


# Each rule looks at fixed windows of points, so each is computed over all windows at once
# (sliding_window_view); the results equal the point-by-point loops of the R package (tests pin them).


def seven_point_one_side_mean(signs: Sequence[float]) -> np.ndarray:
    """1 where this point and the 6 before have the same non-zero sign against the mean."""
    v = np.asarray(signs, dtype=float)
    if v.size == 0:
        return np.zeros(0)
    windows = sliding_window_view(np.r_[np.zeros(RUN - 1), v], RUN)
    last = windows[:, -1:]
    return ((last[:, 0] != 0) & np.all(windows == last, axis=1)).astype(float)


def part_of_seven_trend(flags: Sequence[float]) -> np.ndarray:
    """1 where this point or one of the next 6 ends a run of 7, so every point of the run is marked."""
    v = np.asarray(flags, dtype=float)
    if v.size == 0:
        return np.zeros(0)
    windows = sliding_window_view(np.r_[v, np.zeros(RUN - 1)], RUN)
    return np.any(np.abs(windows) == 1, axis=1).astype(float)


def seven_point_trend(y: Sequence[float]) -> np.ndarray:
    """+1/-1 where this point ends 7 strictly increasing/decreasing points (6 same-sign differences)."""
    v = np.asarray(y, dtype=float)
    out = np.zeros(v.size)
    if v.size < RUN:
        return out
    steps = sliding_window_view(np.sign(np.diff(v)), RUN - 1)  # row j: the steps into points j+1 .. j+6
    out[RUN - 1 :] = np.where(np.all(steps == 1, axis=1), 1.0, np.where(np.all(steps == -1, axis=1), -1.0, 0.0))
    return out


def two_in_three(close: Sequence[float], signs: Sequence[float]) -> np.ndarray:
    """1 where a window of 3 around the point has 2+ close to a limit and all 3 on one side of the mean."""
    c = np.r_[0.0, 0.0, np.asarray(close, dtype=float), 0.0, 0.0]
    s = np.r_[0.0, 0.0, np.asarray(signs, dtype=float), 0.0, 0.0]
    # Window k covers padded points k .. k+2; point i is flagged when window i, i+1 or i+2 is a hit.
    hits = (sliding_window_view(c, 3).sum(axis=1) >= 2) & (np.abs(sliding_window_view(s, 3).sum(axis=1)) == 3)
    return (hits[:-2] | hits[1:-1] | hits[2:]).astype(float)


def part_of_two_in_three(flags: Sequence[float], close: Sequence[float]) -> np.ndarray:
    """Only the close points of a 2-in-3 window are flagged (a point beyond 3 sigma does not count)."""
    hit = (np.asarray(flags, dtype=float) == 1) & (np.abs(np.asarray(close, dtype=float)) == 1)
    return hit.astype(float)


# --------------------------------------------------------------------------------------------------
# Element-wise pieces: label choice, point types, assurance


def _ptd_codes(
    outside: np.ndarray,
    signs: np.ndarray,
    trend: np.ndarray,
    trend_sign: np.ndarray,
    two: np.ndarray,
    shift: np.ndarray,
) -> np.ndarray:
    """NHSRplotthedots label: the highest-priority rule wins, whatever its direction."""
    above = signs > 0
    codes = np.zeros(signs.size, dtype=np.int8)
    codes = np.where(shift, np.where(above, _SHIFT_UP, _SHIFT_DOWN), codes)
    codes = np.where(two, np.where(above, _TWO_UP, _TWO_DOWN), codes)
    # R labels a trend "Decreasing" whenever the chosen difference is not +1, even when it is 0.
    codes = np.where(trend, np.where(trend_sign == 1, _TREND_UP, _TREND_DOWN), codes)
    codes = np.where(outside, np.where(signs == 1, _ABOVE, _BELOW), codes)
    return codes.astype(np.int8)


def _mdc_codes(
    above_ucl: np.ndarray,
    below_lcl: np.ndarray,
    signs: np.ndarray,
    trend_up: np.ndarray,
    trend_down: np.ndarray,
    next_sign: np.ndarray,
    two: np.ndarray,
    shift: np.ndarray,
    direction: np.ndarray,
) -> np.ndarray:
    """MDC label: a point flagged both ways shows the improving side, then the ptd priority within a side."""
    high = np.select(
        [above_ucl, trend_up, two & (signs > 0), shift & (signs > 0)],
        [_ABOVE, _TREND_UP, _TWO_UP, _SHIFT_UP],
        _COMMON,
    )
    low = np.select(
        [below_lcl, trend_down, two & (signs < 0), shift & (signs < 0)],
        [_BELOW, _TREND_DOWN, _TWO_DOWN, _SHIFT_DOWN],
        _COMMON,
    )
    both = (high != _COMMON) & (low != _COMMON)
    rank_high, rank_low = (high + 1) // 2, (low + 1) // 2
    # Neutral metrics have no improving side: the stronger rule wins; a point ending one trend and
    # starting the other takes the trend to its right, as NHSRplotthedots does.
    neutral_high = (rank_high < rank_low) | ((rank_high == rank_low) & (next_sign > 0))
    pick_high = np.where(direction > 0, True, np.where(direction < 0, False, neutral_high))
    codes = np.where(high != _COMMON, high, low)
    codes = np.where(both, np.where(pick_high, high, low), codes)
    return codes.astype(np.int8)


def _point_type_codes(codes: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Index into POINT_TYPES from label codes and the improvement direction (+1, -1, 0)."""
    side = np.where(codes == _COMMON, 0, np.where(codes % 2 == 1, 1, -1))
    oriented = side * direction
    return np.select(
        [side == 0, (direction == 0) & (side > 0), (direction == 0) & (side < 0), oriented > 0],
        [0, 3, 4, 1],
        2,
    ).astype(np.int8)


def _assurance_codes(
    target: np.ndarray, lpl: np.ndarray, upl: np.ndarray, direction: np.ndarray, inclusive: bool
) -> np.ndarray:
    """Index into ASSURANCES; strict at a limit for ptd, inclusive for MDC."""
    with np.errstate(invalid="ignore"):
        above = target >= upl if inclusive else target > upl
        below = target <= lpl if inclusive else target < lpl
    known = ~np.isnan(target) & ~np.isnan(lpl) & ~np.isnan(upl) & (direction != 0)
    # For an increase metric a target under the lower limit is always met; the reverse for decrease.
    passes = np.where(direction > 0, below, above)
    fails = np.where(direction > 0, above, below)
    return np.select([~known, passes, fails], [0, 1, 2], 3).astype(np.int8)


def _mean(x: np.ndarray) -> float:
    """Mean by a sequential sum plus R's refinement pass, so a constant series has its exact mean."""
    if x.size == 0:
        return float("nan")
    m = np.cumsum(x)[-1] / x.size
    return float(m + np.cumsum(x - m)[-1] / x.size)


def _direction(improvement: str) -> int:
    """+1, -1 or 0 for 'increase', 'decrease' or 'neutral'."""
    try:
        return IMPROVEMENTS[improvement]
    except KeyError:
        raise ValueError(f"improvement must be one of {sorted(IMPROVEMENTS)}, not {improvement!r}") from None


def _profile(profile: str) -> Profile:
    """Look a profile up by name."""
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, not {profile!r}") from None


def _check_fix_after(fix_after: int | None) -> int | None:
    """fix_after needs at least 2 points to have a moving range."""
    if fix_after is not None and (int(fix_after) != fix_after or fix_after < 2):
        raise ValueError(f"fix_after must be None or an integer >= 2, not {fix_after!r}")
    return None if fix_after is None else int(fix_after)


def _positions(positions: Iterable[int], n: int, name: str) -> np.ndarray:
    """Boolean mask from 0-based positions, checked to be in range."""
    mask = np.zeros(n, dtype=bool)
    for p in positions:
        if int(p) != p or not 0 <= p < n:
            raise ValueError(f"{name} position {p!r} is outside 0..{n - 1}")
        mask[int(p)] = True
    return mask


def _frame(columns: dict[str, Any]) -> pd.DataFrame:
    """Per-point frame with label and point-type codes turned into strings."""
    data = dict(columns)
    data["rule"] = np.asarray(LABELS, dtype=object)[data["rule"]]
    data["point_type"] = np.asarray(POINT_TYPES, dtype=object)[data["point_type"]]
    return pd.DataFrame({name: data[name] for name in POINT_COLUMNS})


def _run_chart_message(min_points: int) -> str:
    """The message shown instead of SPC."""
    return f"{TOO_FEW_POINTS} (n < {min_points})"


# --------------------------------------------------------------------------------------------------
# One series


def _period_limits(y: np.ndarray, fix: int | None, screen: bool, mdc_screen: bool) -> tuple[float, float]:
    """Mean and mean moving range of one period's usable values."""
    base = y if fix is None else y[:fix]
    mr = np.abs(np.diff(base))
    mean, amr = _mean(base), _mean(mr)
    # A zero mean MR screens nothing; R would drop every MR (0 < 0 is false) and lose the limits.
    if screen and amr > 0:
        if mdc_screen:
            keep = mr <= MR_SCREEN * amr
            mean = _mean(base[np.r_[True, keep]])  # MDC also drops the points whose MR was an outlier
        else:
            keep = mr < MR_SCREEN * amr
        amr = _mean(mr[keep])
    return mean, amr


def xmr(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    improvement: str,
    target: float | None = None,
    rebase: Iterable[int] = (),
    fix_after: int | None = None,
    profile: str = "ptd",
    ghost: Iterable[int] = (),
    screen_outliers: bool | None = None,
    min_points: int | None = None,
) -> XmrResult:
    """XmR chart of one series in time order (NaN = missing month); see the module docstring."""
    prof = _profile(profile)
    direction = _direction(improvement)
    fix = _check_fix_after(fix_after)
    screen = prof.screen_outliers if screen_outliers is None else bool(screen_outliers)
    need = max(prof.min_points if min_points is None else int(min_points), 2)
    target_value = None if target is None or np.isnan(target) else float(target)

    y_all = pd.Series(values, dtype=object).to_numpy(dtype=float, na_value=np.nan)
    n = y_all.size
    ghosted = _positions(ghost, n, "ghost")
    starts = _positions(rebase, n, "rebase")
    starts[:1] = False  # the first row always opens period 0
    period = np.cumsum(starts)
    usable = ~np.isnan(y_all) & ~ghosted
    n_usable = int(usable.sum())
    run_chart = n_usable < need

    nan = np.full(n, np.nan)
    cols: dict[str, Any] = {
        "value": y_all,
        "mean": nan.copy(),
        "lpl": nan.copy(),
        "upl": nan.copy(),
        "near_lpl": nan.copy(),
        "near_upl": nan.copy(),
        "special_cause": np.zeros(n, dtype=bool),
        "rule": np.zeros(n, dtype=np.int8),
        "point_type": np.zeros(n, dtype=np.int8),
        "period": period.astype(np.int64),
        "ghosted": ghosted,
        "relative_to_mean": np.zeros(n, dtype=np.int8),
        "outside_limits": np.zeros(n, dtype=bool),
        "close_to_limits": np.zeros(n, dtype=bool),
        "short_group_warning": np.zeros(n, dtype=bool),
    }
    common = {"profile": prof.name, "improvement": improvement, "target": target_value, "n": n_usable}
    if run_chart:
        return XmrResult(
            _frame(cols),
            variation=None,
            assurance=None,
            short_group_warning=False,
            run_chart_only=True,
            message=_run_chart_message(need),
            **common,
        )

    idx = np.flatnonzero(usable)
    names = ("signs", "above", "below", "close", "shift", "two", "trend", "trend_sign")
    flags = {name: np.zeros(idx.size) for name in names}
    for k in range(int(period[-1]) + 1):
        rows = period == k
        at = np.flatnonzero(period[idx] == k)  # this period's usable points, as positions in idx
        y = y_all[idx[at]]
        mean, amr = _period_limits(y, fix, screen, prof.screen_mean_too)
        cols["mean"][rows], cols["lpl"][rows], cols["upl"][rows] = (
            mean,
            mean - LIMIT * amr,
            mean + LIMIT * amr,
        )
        cols["near_lpl"][rows], cols["near_upl"][rows] = mean - NEAR * amr, mean + NEAR * amr
        cols["short_group_warning"][rows] = at.size < prof.short_group
        for name, values in _period_rules(y, mean, amr).items():
            flags[name][at] = values
    signs = flags["signs"]
    above, below, close = (flags[name] == 1 for name in ("above", "below", "close"))
    outside = above | below
    two, shift = flags["two"] == 1, flags["shift"] == 1
    directions = np.full(idx.size, direction)

    if not prof.improvement_wins:
        codes = _ptd_codes(outside, signs, flags["trend"] == 1, flags["trend_sign"], two, shift)
    else:
        groups = np.zeros(idx.size, dtype=np.int64) if prof.trend_across_periods else period[idx]
        up, down, next_sign = _trends(y_all[idx], groups)
        codes = _mdc_codes(above, below, signs, up, down, next_sign, two, shift, directions)

    cols["rule"][idx] = codes
    cols["point_type"][idx] = _point_type_codes(codes, directions)
    cols["special_cause"][idx] = codes != _COMMON
    cols["relative_to_mean"][idx] = signs.astype(np.int8)
    cols["outside_limits"][idx] = outside
    cols["close_to_limits"][idx] = close
    points = _frame(cols)

    target_array = np.array([np.nan if target_value is None else target_value])
    assurance = _assurance_codes(
        target_array, cols["lpl"][-1:], cols["upl"][-1:], directions[:1], prof.inclusive_assurance
    )
    short = bool(cols["short_group_warning"].any())
    return XmrResult(
        points,
        variation=str(points["point_type"].iat[int(idx[-1])]),
        assurance=ASSURANCES[int(assurance[0])],
        short_group_warning=short,
        run_chart_only=False,
        message=f"trial limits: a period has fewer than {prof.short_group} points" if short else None,
        **common,
    )


def _period_rules(y: np.ndarray, mean: float, amr: float) -> dict[str, np.ndarray]:
    """Per-point flags of one period, computed as NHSRplotthedots does (float arrays of 0/1 or signs)."""
    if y.size == 0:
        return {}
    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    above, below = y > upl, y < lpl
    signs = np.sign(y - mean)
    close = ~(above | below) & ((y < mean - NEAR * amr) | (y > mean + NEAR * amr))
    trend = part_of_seven_trend(seven_point_trend(y))
    trend_sign = np.zeros(y.size)
    if y.size > 1:
        # R: a trend point takes the difference to its right when the next point is in a trend too.
        dy = np.sign(np.diff(y))
        right = (np.r_[trend[1:], 0] != 0) & (trend != 0)
        trend_sign = np.where(right, np.r_[dy, dy[-1:]], np.r_[0, dy])
    return {
        "signs": signs,
        "above": above.astype(float),
        "below": below.astype(float),
        "close": close.astype(float),
        "shift": part_of_seven_trend(seven_point_one_side_mean(signs)),
        "two": part_of_two_in_three(two_in_three(close, signs), close),
        "trend": trend,
        "trend_sign": trend_sign,
    }


def _trends(y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points in a rising trend, in a falling trend, and the sign of the step to the next point, per group."""
    up, down, next_sign = np.zeros(y.size, bool), np.zeros(y.size, bool), np.zeros(y.size)
    for k in np.unique(groups):
        at = np.flatnonzero(groups == k)
        t = seven_point_trend(y[at])
        up[at] = part_of_seven_trend(t == 1) == 1
        down[at] = part_of_seven_trend(t == -1) == 1
        next_sign[at] = np.r_[np.sign(np.diff(y[at])), 0]
    return up, down, next_sign
