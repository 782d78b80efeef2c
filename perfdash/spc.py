"""XmR (individuals) SPC charts as NHSRplotthedots 0.2.2 ("ptd") and NHS England's MDC SQL tool ("mdc").

Two implementations share only the element-wise pieces (label choice, point types, assurance):
- `xmr()` works on one series, period by period, with rule functions that mirror the R package one to one;
- `xmr_batch()` works on many series at once with grouped NumPy arithmetic (bincount, run lengths).
The tests check that they agree, so each guards the other.
See shared/reference/spc-making-data-count.md for the algorithm and the reference cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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


def seven_point_one_side_mean(signs: Sequence[float]) -> np.ndarray:
    """1 where this point and the 6 before have the same non-zero sign against the mean."""
    v = np.asarray(signs, dtype=float)
    padded = np.r_[np.zeros(RUN - 1), v]
    out = np.zeros(v.size)
    for i in range(v.size):
        window = padded[i : i + RUN]
        out[i] = float(window[-1] != 0 and bool(np.all(window == window[-1])))
    return out


def part_of_seven_trend(flags: Sequence[float]) -> np.ndarray:
    """1 where this point or one of the next 6 ends a run of 7, so every point of the run is marked."""
    v = np.asarray(flags, dtype=float)
    padded = np.r_[v, np.zeros(RUN - 1)]
    return np.array([float(np.any(np.abs(padded[i : i + RUN]) == 1)) for i in range(v.size)])


def seven_point_trend(y: Sequence[float]) -> np.ndarray:
    """+1/-1 where this point ends 7 strictly increasing/decreasing points (6 same-sign differences)."""
    v = np.asarray(y, dtype=float)
    out = np.zeros(v.size)
    for i in range(RUN - 1, v.size):
        d = np.sign(np.diff(v[i - RUN + 1 : i + 1]))
        if np.all(d == 1):
            out[i] = 1.0
        elif np.all(d == -1):
            out[i] = -1.0
    return out


def two_in_three(close: Sequence[float], signs: Sequence[float]) -> np.ndarray:
    """1 where a window of 3 around the point has 2+ close to a limit and all 3 on one side of the mean."""
    c = np.r_[0.0, 0.0, np.asarray(close, dtype=float), 0.0, 0.0]
    s = np.r_[0.0, 0.0, np.asarray(signs, dtype=float), 0.0, 0.0]
    out = np.zeros(c.size - 4)
    for i in range(out.size):
        hit = any(c[k : k + 3].sum() >= 2 and abs(s[k : k + 3].sum()) == 3 for k in (i, i + 1, i + 2))
        out[i] = float(hit)
    return out


def part_of_two_in_three(flags: Sequence[float], close: Sequence[float]) -> np.ndarray:
    """Only the close points of a 2-in-3 window are flagged (a point beyond 3 sigma does not count)."""
    hit = (np.asarray(flags, dtype=float) == 1) & (np.abs(np.asarray(close, dtype=float)) == 1)
    return hit.astype(float)


# --------------------------------------------------------------------------------------------------
# Element-wise pieces shared by the single and the batched form


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


def _group_mean(groups: np.ndarray, x: np.ndarray, n_groups: int) -> np.ndarray:
    """Per-group `_mean` with bincount: the same sequential sums, so results match bit for bit."""
    count = np.bincount(groups, minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.bincount(groups, weights=x, minlength=n_groups) / count
        return m + np.bincount(groups, weights=x - m[groups], minlength=n_groups) / count


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


# --------------------------------------------------------------------------------------------------
# Many series at once


def _starts(groups: np.ndarray) -> np.ndarray:
    """True where a run of equal group ids begins."""
    return np.r_[True, groups[1:] != groups[:-1]] if groups.size else np.zeros(0, dtype=bool)


def _run_lengths(starts: np.ndarray) -> np.ndarray:
    """Length of the run each element belongs to, given where runs start."""
    run = np.cumsum(starts) - 1
    return np.bincount(run)[run] if run.size else np.zeros(0, dtype=np.int64)


def _engine(
    y_all: np.ndarray,
    series: np.ndarray,
    rebase: np.ndarray,
    ghost: np.ndarray,
    direction_by_series: np.ndarray,
    *,
    prof: Profile,
    fix: int | None,
    screen: bool,
    need: int,
) -> dict[str, np.ndarray]:
    """All per-point columns for series stored one after another (`series` ids sorted, rows in time order)."""
    n = y_all.size
    n_series = direction_by_series.size
    series_start = _starts(series)
    rebase = rebase & ~series_start
    cum = np.cumsum(rebase)
    first_row = np.maximum.accumulate(np.where(series_start, np.arange(n), 0))
    period = cum - cum[first_row]
    group = np.cumsum(series_start | rebase) - 1  # one id per (series, period)
    n_groups = int(group[-1]) + 1 if n else 0
    usable = ~np.isnan(y_all) & ~ghost
    run_chart = np.bincount(series[usable], minlength=n_series) < need

    # Compress to the points that enter the calculations; gaps (NaN, ghosts) join their neighbours.
    idx = np.flatnonzero(usable & ~run_chart[series])
    y, g, s = y_all[idx], group[idx], series[idx]
    m = idx.size
    g_start = _starts(g)
    pos = np.arange(m) - np.maximum.accumulate(np.where(g_start, np.arange(m), 0))
    base = pos < fix if fix is not None else np.ones(m, dtype=bool)

    mean = _group_mean(g[base], y[base], n_groups)
    mr = np.abs(y - np.r_[np.nan, y[:-1]]) if m else np.zeros(0)
    has_mr = ~g_start & base  # base is a prefix of each group, so the previous point is in it too
    amr = _group_mean(g[has_mr], mr[has_mr], n_groups)
    if screen:
        cut = MR_SCREEN * amr[g]
        active = amr[g] > 0  # as in _period_limits: a zero mean MR screens nothing
        if prof.screen_mean_too:
            outlier = has_mr & active & ~(mr <= cut)
            keep_point = base & ~outlier
            mean = _group_mean(g[keep_point], y[keep_point], n_groups)
        else:
            outlier = has_mr & active & ~(mr < cut)
        keep = has_mr & ~outlier
        amr = _group_mean(g[keep], mr[keep], n_groups)
    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    nlpl, nupl = mean - NEAR * amr, mean + NEAR * amr

    above_ucl, below_lcl = y > upl[g], y < lpl[g]
    outside = above_ucl | below_lcl
    signs = np.sign(y - mean[g]).astype(np.int8)
    close = ~outside & ((y < nlpl[g]) | (y > nupl[g]))

    # Shift: every point of a run of >= 7 equal non-zero signs within a period.
    shift = (signs != 0) & (_run_lengths(g_start | (signs != np.r_[0, signs[:-1]])) >= RUN)

    # Two in three: windows of 3 inside one period, >= 2 close, all 3 strictly on one side.
    in_window = np.zeros(m, dtype=bool)
    if m >= 3:
        c = close.astype(np.int8)
        one_side = np.abs(signs[:-2] + signs[1:-1] + signs[2:]) == 3
        w = (g[:-2] == g[2:]) & (c[:-2] + c[1:-1] + c[2:] >= 2) & one_side
        in_window[:-2] |= w
        in_window[1:-1] |= w
        in_window[2:] |= w
    two = close & in_window

    # Trend: a run of >= 6 equal non-zero differences marks its 7+ points.
    t_group = s if prof.trend_across_periods else g
    t_start = _starts(t_group)
    d = np.zeros(m, dtype=np.int8)
    if m:
        d[1:] = np.sign(np.diff(y))
    d[t_start] = 0
    long_run = (d != 0) & (_run_lengths(t_start | (d != np.r_[0, d[:-1]])) >= RUN - 1)
    up, down = long_run & (d > 0), long_run & (d < 0)
    trend_up = up | np.r_[up[1:], False]
    trend_down = down | np.r_[down[1:], False]
    next_d = np.r_[d[1:], 0]

    direction = direction_by_series[s]
    if not prof.improvement_wins:
        trend = trend_up | trend_down
        right = trend & np.r_[trend[1:], False] & ~np.r_[g_start[1:], True]
        codes = _ptd_codes(outside, signs, trend, np.where(right, next_d, d), two, shift)
    else:
        codes = _mdc_codes(above_ucl, below_lcl, signs, trend_up, trend_down, next_d, two, shift, direction)

    # Back to every row: period values on all rows, rule results on the usable ones.
    count = np.bincount(g, minlength=n_groups)
    computed = ~run_chart[series]
    out: dict[str, np.ndarray] = {"value": y_all}
    for name, values in (("mean", mean), ("lpl", lpl), ("upl", upl), ("near_lpl", nlpl), ("near_upl", nupl)):
        out[name] = np.where(computed, values[group], np.nan)
    rule = np.zeros(n, dtype=np.int8)
    rule[idx] = codes
    point_type = np.zeros(n, dtype=np.int8)
    point_type[idx] = _point_type_codes(codes, direction)
    out["special_cause"] = rule != _COMMON
    out["rule"] = rule
    out["point_type"] = point_type
    out["period"] = period.astype(np.int64)
    out["ghosted"] = ghost
    for name, values in (
        ("relative_to_mean", signs),
        ("outside_limits", outside),
        ("close_to_limits", close),
    ):
        full = np.zeros(n, dtype=values.dtype)
        full[idx] = values
        out[name] = full
    out["short_group_warning"] = computed & (count[group] < prof.short_group)
    out["run_chart_only"] = run_chart[series]
    return out


def xmr_batch(
    frame: pd.DataFrame,
    *,
    key_cols: Sequence[str] = ("metric_id", "org_code"),
    value_col: str = "value",
    improvement_col: str = "improvement",
    target_col: str | None = "target",
    profile: str = "ptd",
    rebase_col: str | None = None,
    ghost_col: str | None = None,
    fix_after: int | None = None,
    screen_outliers: bool | None = None,
    min_points: int | None = None,
) -> pd.DataFrame:
    """XmR columns for many series in one vectorised pass; rows keep their order, time order within each key.

    `rebase_col` (bool) marks rows that open a new period, `ghost_col` (bool) rows left out of the
    calculations. The improvement is read from each key's first row. Returns the frame plus the
    per-point columns of `xmr()` and `run_chart_only`; `summarise_batch()` gives one row per key.
    """
    prof = _profile(profile)
    fix = _check_fix_after(fix_after)
    screen = prof.screen_outliers if screen_outliers is None else bool(screen_outliers)
    need = max(prof.min_points if min_points is None else int(min_points), 2)
    keys = list(key_cols)
    result = frame.copy()
    if frame.empty:
        for name in (*POINT_COLUMNS[1:], "run_chart_only"):
            result[name] = pd.Series(dtype=float)
        result.attrs["spc"] = _batch_attrs(keys, value_col, improvement_col, target_col, prof.name)
        return result

    codes = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")  # stable: keeps time order within a key
    series = codes[order]
    firsts = order[_starts(series)]
    raw = frame[improvement_col].to_numpy(dtype=object)[firsts]
    # One direction per key (a Python loop over keys, not rows).
    direction_by_series = np.array([_direction(str(v)) for v in raw], dtype=np.int8)

    def column(name: str | None) -> np.ndarray:
        """A bool column in calculation order (all False when not given)."""
        if name is None:
            return np.zeros(len(frame), dtype=bool)
        return frame[name].fillna(False).to_numpy(dtype=bool)[order]

    y = frame[value_col].to_numpy(dtype=float, na_value=np.nan)[order]
    out = _engine(
        y,
        series,
        column(rebase_col),
        column(ghost_col),
        direction_by_series,
        prof=prof,
        fix=fix,
        screen=screen,
        need=need,
    )
    out["rule"] = np.asarray(LABELS, dtype=object)[out["rule"]]
    out["point_type"] = np.asarray(POINT_TYPES, dtype=object)[out["point_type"]]
    for name in (*POINT_COLUMNS[1:], "run_chart_only"):
        values = np.empty_like(out[name])
        values[order] = out[name]  # back to the caller's row order
        result[name] = values
    result.attrs["spc"] = _batch_attrs(keys, value_col, improvement_col, target_col, prof.name)
    return result


def _batch_attrs(keys: list[str], value: str, improvement: str, target: str | None, profile: str) -> dict:
    """What summarise_batch needs to know about a batch result."""
    return {
        "key_cols": keys,
        "value_col": value,
        "improvement_col": improvement,
        "target_col": target,
        "profile": profile,
    }


def summarise_batch(result: pd.DataFrame, *, key_cols: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per key of an `xmr_batch` result: variation, assurance, last value, limits, n.

    Variation and last value come from the last usable (non-missing, non-ghosted) point; the limits from the
    last row's period; the target is the latest one given for the key.
    """
    info = result.attrs.get("spc") or {}
    keys = list(key_cols if key_cols is not None else info.get("key_cols", ("metric_id", "org_code")))
    value_col = info.get("value_col", "value")
    improvement_col = info.get("improvement_col", "improvement")
    target_col = info.get("target_col", "target")
    prof = _profile(info.get("profile", "ptd"))

    grouped = result.groupby(keys, sort=False, dropna=False)
    value = result[value_col].to_numpy(dtype=float, na_value=np.nan)
    usable = ~np.isnan(value) & ~result["ghosted"].to_numpy(dtype=bool)
    per_key = (
        result[keys]
        .assign(_value=np.where(usable, value, np.nan), _type=result["point_type"].where(usable))
        .assign(_usable=usable)
        .groupby(keys, sort=False, dropna=False)
        .agg(last_value=("_value", "last"), variation=("_type", "last"), n=("_usable", "sum"))
    )
    last_row = grouped.tail(1).set_index(keys)
    summary = pd.DataFrame(index=per_key.index)
    summary["improvement"] = grouped[improvement_col].first()
    if target_col is not None and target_col in result:
        summary["target"] = grouped[target_col].last().astype(float)
    else:
        summary["target"] = np.nan
    summary["n"] = per_key["n"].astype(np.int64)
    summary["last_value"] = per_key["last_value"]
    for name in ("mean", "lpl", "upl"):
        summary[name] = last_row[name]
    summary["run_chart_only"] = last_row["run_chart_only"].astype(bool)
    summary["short_group_warning"] = grouped["short_group_warning"].any()

    improvements = [str(v) for v in summary["improvement"]]
    direction = np.array([_direction(v) for v in improvements], dtype=np.int8)
    run_chart = summary["run_chart_only"].to_numpy(dtype=bool)
    types = per_key["variation"].astype(object).to_numpy()
    variation = np.where(run_chart | pd.isna(types), None, types)
    assurance = _assurance_codes(
        summary["target"].to_numpy(dtype=float, na_value=np.nan),
        summary["lpl"].to_numpy(dtype=float, na_value=np.nan),
        summary["upl"].to_numpy(dtype=float, na_value=np.nan),
        direction,
        prof.inclusive_assurance,
    )
    # object dtype keeps None as None (a str column would turn it into NaN)
    summary["variation"] = pd.Series(variation, index=summary.index, dtype=object)
    assurance_names = np.asarray(ASSURANCES, dtype=object)[assurance]
    summary["assurance"] = pd.Series(assurance_names, index=summary.index, dtype=object)
    icons = [variation_icon(v, imp) for v, imp in zip(variation, improvements, strict=True)]
    summary["icon"] = pd.Series(icons, index=summary.index, dtype=object)
    columns = [
        "variation",
        "assurance",
        "icon",
        "last_value",
        "mean",
        "lpl",
        "upl",
        "n",
        "target",
        "improvement",
    ]
    return summary[[*columns, "run_chart_only", "short_group_warning"]].reset_index()
