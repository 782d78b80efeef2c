"""Time xmr(), the one SPC engine, on 2,000 series of 60 monthly points, one by one as the app runs it; prints."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from perfdash.spc import xmr

N_SERIES = 2_000
N_POINTS = 60
REPEATS = 3


def make_frame(n_series: int = N_SERIES, n_points: int = N_POINTS, seed: int = 1) -> pd.DataFrame:
    """Random walks with shifts, a few gaps and one rebase in ten series, keyed by metric and organisation."""
    rng = np.random.default_rng(seed)
    level = rng.normal(50, 10, (n_series, 1))
    shift = np.where(rng.random((n_series, 1)) < 0.3, rng.normal(0, 5, (n_series, 1)), 0.0)
    values = level + rng.normal(0, 3, (n_series, n_points)) + shift * (np.arange(n_points) >= n_points // 2)
    values[rng.random(values.shape) < 0.01] = np.nan
    rebase = np.zeros(values.shape, dtype=bool)
    rebase[rng.random(n_series) < 0.1, n_points // 2] = True
    series = np.repeat(np.arange(n_series), n_points)
    return pd.DataFrame(
        {
            "metric_id": pd.Series(series % 50).map(lambda m: f"M{m:03d}"),
            "org_code": pd.Series(series // 50).map(lambda o: f"R{o:03d}"),
            "period": np.tile(np.arange(n_points), n_series),
            "value": values.ravel(),
            "improvement": np.array(["increase", "decrease", "neutral"])[series % 3],
            "target": np.where(series % 2 == 0, 50.0, np.nan),
            "rebase": rebase.ravel(),
        }
    )


def main() -> None:
    """Build the data, then report the best of a few timed runs for each profile."""
    frame = make_frame()
    print(f"{N_SERIES:,} series x {N_POINTS} points = {len(frame):,} rows")
    series = [
        (
            group["value"].to_numpy(),
            str(group["improvement"].iat[0]),
            group["target"].iat[-1],
            [int(i) for i in (group["rebase"].to_numpy().nonzero()[0]) if i > 0],
        )
        for _, group in frame.groupby(["metric_id", "org_code"], sort=False)
    ]
    for profile in ("ptd", "mdc"):
        timings = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            results = [
                xmr(values, improvement=improvement, target=target, rebase=rebase, profile=profile)
                for values, improvement, target, rebase in series
            ]
            timings.append(time.perf_counter() - start)
        best = min(timings)
        special = sum(int(r.points["special_cause"].sum()) for r in results)
        print(
            f"{profile}: xmr {best:.3f} s for {N_SERIES:,} series ({N_SERIES / best:,.0f} series/s, "
            f"{1000 * best / N_SERIES:.2f} ms each); {special:,} special-cause points"
        )


if __name__ == "__main__":
    main()
