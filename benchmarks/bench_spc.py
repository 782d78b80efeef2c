"""Time xmr_batch on 10,000 series of 60 monthly points (target: under 2 s); prints, does not assert."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from perfdash.spc import summarise_batch, xmr_batch

N_SERIES = 10_000
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
    for profile in ("ptd", "mdc"):
        timings = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            result = xmr_batch(frame, profile=profile, rebase_col="rebase")
            timings.append(time.perf_counter() - start)
        start = time.perf_counter()
        summary = summarise_batch(result)
        summary_time = time.perf_counter() - start
        best = min(timings)
        special = int(result["special_cause"].sum())
        print(
            f"{profile}: xmr_batch {best:.3f} s ({N_SERIES / best:,.0f} series/s), "
            f"summarise_batch {summary_time:.3f} s; {special:,} special-cause points, "
            f"{summary['variation'].ne('common_cause').sum():,} series not common cause"
        )


if __name__ == "__main__":
    main()
