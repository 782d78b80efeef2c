"""Column helpers for million-row files: work once per distinct value, never once per row in Python."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from perfdash.config import Config


def map_distinct(values: pd.Series, function: Callable[[str], str]) -> pd.Series:
    """function applied to each distinct string, spread back over the rows (files repeat few months and ids)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    mapped = pd.array([function(value) for value in distinct], dtype="str")
    return pd.Series(mapped.take(codes), index=values.index, dtype="str")


def metric_units(metric_ids: pd.Series, config: Config) -> pd.Series:
    """Each row's metric unit ('' for an unknown metric id)."""
    units = {metric_id: metric.unit for metric_id, metric in config.metric_by_id.items()}
    return map_distinct(metric_ids, lambda metric_id: units.get(metric_id, ""))
