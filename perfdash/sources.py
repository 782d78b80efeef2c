"""Where each number came from: per metric, its publication, last month loaded, origin, last upload and lateness. Pure.

Feeds the Sources page, the board pack's appendix, the synthetic-data banner and the synthetic markers on charts.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from perfdash.config import Config
from perfdash.freshness import expected_month, freshness
from perfdash.periods import add_months, label

ORIGIN_DEMO = "synthetic demo"  # as recorded on uploads by perfdash.store
COLUMNS = [
    "metric_id",
    "metric",
    "publication",
    "last_month",
    "origin",
    "last_upload",
    "file_status",
    "next_expected",
    "late",
]

# The Sources page's headings for the table's columns (the CSV download keeps the names above).
HEADINGS = {
    "metric": "Metric",
    "publication": "Publication",
    "last_month": "Last month loaded",
    "origin": "Origin",
    "last_upload": "Last upload",
    "file_status": "File status",
    "next_expected": "Next expected",
    "late": "Late?",
}


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """sources_table as the Sources page shows it: each metric's name a link to its chart, headings in words."""
    from urllib.parse import urlencode

    from perfdash import html_table

    frame = table[list(HEADINGS)].rename(columns=HEADINGS)
    links = [
        html_table.link(name, "/metric?" + urlencode({"metric": metric_id}))
        for name, metric_id in zip(table["metric"], table["metric_id"], strict=True)
    ]
    # object dtype: a string column would turn each link back into plain text, which the table escapes.
    frame["Metric"] = pd.Series(links, index=frame.index, dtype=object)
    return frame


def with_origin(current: pd.DataFrame, uploads: pd.DataFrame) -> pd.DataFrame:
    """Current values with their upload's origin, source, file name, status and load time."""
    columns = ["id", "origin", "source", "file_name", "file_status", "uploaded_at", "uploaded_by"]
    info = uploads.reindex(columns=columns).rename(columns={"id": "upload_id"})
    return current.merge(info, on="upload_id", how="left", validate="many_to_one")


def synthetic_mask(current: pd.DataFrame, uploads: pd.DataFrame) -> pd.Series:
    """True for each current value that came from the synthetic demo (aligned to current's index)."""
    demo_ids = set(uploads.loc[uploads.get("origin", pd.Series(dtype=str)) == ORIGIN_DEMO, "id"].tolist())
    return current["upload_id"].isin(demo_ids)


def synthetic_periods(current: pd.DataFrame, uploads: pd.DataFrame, metric_id: str, org_codes: list[str]) -> set[str]:
    """Months in which any of these organisations' values of the metric are synthetic (a roll-up inherits them)."""
    rows = current[(current["metric_id"] == metric_id) & current["org_code"].isin(org_codes)]
    return set(rows.loc[synthetic_mask(rows, uploads), "period"])


def synthetic_metrics(config: Config, current: pd.DataFrame, uploads: pd.DataFrame) -> list[str]:
    """Ids of catalogue metrics whose values for the board's organisations include synthetic demo values."""
    if current.empty:
        return []
    demo = current[synthetic_mask(current, uploads)]
    found = set(demo.loc[demo["org_code"].isin(config.board_codes), "metric_id"])
    return [m.id for m in config.metrics if m.id in found]


def real_data_loaded(uploads: pd.DataFrame) -> bool:
    """Whether any live upload holds real (not synthetic) values."""
    if uploads.empty:
        return False
    live = uploads[uploads["status"] == "live"]
    return bool((live["origin"] != ORIGIN_DEMO).any())


def demo_notice(config: Config, synthetic: list[str], *, real_loaded: bool) -> str | None:
    """What the banner and the pack say while synthetic values are loaded; None once the demo is withdrawn."""
    if not synthetic:
        return None
    if not real_loaded:
        return f"Showing {config.app.demo_label}: every number is made up for demonstration."
    names = [config.metric_by_id[m].name for m in synthetic]
    listed = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return (
        f"Real data is loaded, but {len(synthetic)} of {len(config.metrics)} metrics still include "
        f"{config.app.demo_label} (made up): {listed}. Synthetic points are marked on charts; an analyst can "
        "withdraw the demo on the Upload page."
    )


def next_publication(publication_day: int, today: date) -> tuple[str, date]:
    """The next month due out after today and the day it is due (month M is published on day N of M+1)."""
    month = add_months(expected_month(publication_day, today), 1)
    due_month = add_months(month, 1)
    return month, date(int(due_month[:4]), int(due_month[5:7]), publication_day)


def sources_table(config: Config, current: pd.DataFrame, uploads: pd.DataFrame, today: date) -> pd.DataFrame:
    """One row per catalogue metric: publication, last month loaded for NEL, origin, last upload, next due, late."""
    fresh = freshness(current, config, today).set_index("metric_id")
    valued = with_origin(current, uploads) if not current.empty else current.assign(origin=None)
    board = valued[valued["org_code"].isin(config.board_codes)]
    by_metric = dict(tuple(board.groupby("metric_id"))) if len(valued) else {}
    records = []
    for metric in config.metrics:
        row = fresh.loc[metric.id]
        loaded = row["latest_loaded"] if isinstance(row["latest_loaded"], str) else None
        month, due = next_publication(metric.publication_day, today)
        rows = by_metric.get(metric.id)
        latest = rows[rows["period"] == loaded] if rows is not None and loaded else None
        if latest is None or latest.empty:
            origin, upload, status = "no data", "none", ""
        else:
            origin = " and ".join(sorted(set(latest["origin"].fillna("unknown").replace("", "unknown"))))
            newest = latest.sort_values("upload_id").iloc[-1]
            upload = (
                f"#{int(newest['upload_id'])} {newest['file_name']} ({newest['source'] or newest['origin']}), "
                f"{str(newest['uploaded_at'])[:10]} by {newest['uploaded_by']}"
            )
            status = newest["file_status"] or ""
        late = (
            "no data yet"
            if loaded is None
            else (f"late: {label(row['expected'])} was due" if row["stale"] else "on time")
        )
        records.append(
            {
                "metric_id": metric.id,
                "metric": metric.name,
                "publication": metric.source,
                "last_month": label(loaded) if loaded else "none",
                "origin": origin,
                "last_upload": upload,
                "file_status": status,
                "next_expected": f"{label(month)}, due {due.day} {due:%b %Y}",
                "late": late,
            }
        )
    return pd.DataFrame(records, columns=COLUMNS)


def late_summary(table: pd.DataFrame) -> str | None:
    """One line for the overview: how many metrics are late or have no data (details on the Sources page)."""
    late = int(table["late"].str.startswith("late").sum())
    missing = int((table["late"] == "no data yet").sum())
    if not late and not missing:
        return None
    parts = []
    if late:
        parts.append(f"{late} metric{'s are' if late != 1 else ' is'} late")
    if missing:
        parts.append(f"{missing} {'have' if missing != 1 else 'has'} no data yet")
    return "; ".join(parts) + ". The Sources page lists each metric's publication, last month and when it is due."
