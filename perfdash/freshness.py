"""Data freshness: the latest month loaded per metric against the month that should be published by now. Pure."""

from __future__ import annotations

from datetime import date

import pandas as pd

from perfdash.config import Config, Metric
from perfdash.periods import add_months, current_month

COLUMNS = ["metric_id", "latest_loaded", "expected", "stale", "months_behind", "metric", "publication_day"]


def expected_month(publication_day: int, today: date) -> str:
    """The latest month that should be out: month M is published by day `publication_day` of month M+1."""
    months_back = 1 if today.day >= publication_day else 2
    return add_months(current_month(today), -months_back)


def _months_between(first: str, last: str) -> int:
    return (int(last[:4]) * 12 + int(last[5:7])) - (int(first[:4]) * 12 + int(first[5:7]))


def _reported_orgs(config: Config, metric: Metric) -> list[str]:
    # Freshness is about what the board sees: NEL organisations and the ICS, not benchmark providers.
    return [config.system.code, *config.metric_orgs(metric)]


def freshness(current: pd.DataFrame, config: Config, today: date) -> pd.DataFrame:
    """Per configured metric: latest month loaded for NEL (missing if none), the month due by today, stale."""
    latest: dict[str, str] = {}
    if not current.empty:
        by_metric = dict(tuple(current[["metric_id", "org_code", "period"]].groupby("metric_id", sort=False)))
        for metric in config.metrics:
            rows = by_metric.get(metric.id)
            if rows is None:
                continue
            rows = rows[rows["org_code"].isin(_reported_orgs(config, metric))]
            if not rows.empty:
                latest[metric.id] = str(rows["period"].max())
    records = []
    for metric in config.metrics:
        expected = expected_month(metric.publication_day, today)
        loaded = latest.get(metric.id)
        records.append(
            {
                "metric_id": metric.id,
                "latest_loaded": loaded,
                "expected": expected,
                "stale": loaded is None or loaded < expected,
                "months_behind": None if loaded is None else max(_months_between(loaded, expected), 0),
                "metric": metric.name,
                "publication_day": metric.publication_day,
            }
        )
    frame = pd.DataFrame(records, columns=COLUMNS)
    frame["stale"] = frame["stale"].astype(bool)
    frame["months_behind"] = frame["months_behind"].astype("Int64")
    return frame
