"""The plan form of the canonical file: each organisation's monthly plan (trajectory) from its operating plan.

`period,org_code,metric_id,plan`, one row per month, organisation and metric. Read with the canonical rules
(months as YYYY-MM, codes upper-cased, thousands separators and a trailing % on percentages allowed); unlike
values, plans may be for months still to come. Stored apart from values (store.plan_values), audited and
rolled back like any upload.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from perfdash.config import Config
from perfdash.ingest import canonical
from perfdash.ingest.csvtext import LINE, CsvShapeError, read_cells
from perfdash.ingest.model import Importer, Parsed, Problem

PLAN_COLUMNS = ["period", "org_code", "metric_id", "plan"]
# Plans run to the end of the planning period; validate_rows' "in the future" check does not apply to them.
NO_FUTURE_LIMIT = "9000-01"  # far ahead, and still four-digit after validate_rows adds its allowance


def is_plan(header: list[str]) -> bool:
    """A plan file names period, org_code, metric_id and plan, and has no value column."""
    names = {cell.strip().lower() for cell in header}
    return set(PLAN_COLUMNS) <= names and "value" not in names


def _as_plan(problem: Problem) -> Problem:
    """Problems about the value column are about the plan column in this file."""
    if problem.column != "value":
        return problem
    message = problem.message
    if message.startswith("is blank"):
        return replace(problem, column="plan", message="is blank", fix="give the planned value for the month")
    return replace(problem, column="plan", message=message)


def parse_plan(text: str, config: Config) -> Parsed:
    """Parse a plan file into canonical rows whose value is the plan (numerator and denominator blank)."""
    parsed = Parsed(format="plan")
    try:
        cells = read_cells(text)
    except CsvShapeError as error:
        parsed.problems.append(error.problem)
        return parsed
    cells.columns = [c if c == LINE else c.strip().lower() for c in cells.columns]
    for column in cells.columns:
        if column != LINE and column not in PLAN_COLUMNS:
            parsed.problems.append(
                Problem(
                    f"unexpected column {column!r}",
                    line=1,
                    column=column,
                    fix=f"a plan file has the columns {', '.join(PLAN_COLUMNS)}; remove or rename it",
                )
            )
    if parsed.problems:
        return parsed
    if cells.empty:
        parsed.problems.append(Problem("The file has a header but no data rows.", fix="add at least one row"))
        return parsed
    cells = cells.rename(columns={"plan": "value"}).assign(numerator="", denominator="")
    problems: list[Problem] = []
    parsed.rows = canonical.normalise(cells, config, problems)
    parsed.problems.extend(_as_plan(p) for p in problems)
    return parsed


def validate_plans(
    rows: pd.DataFrame, config: Config, known_orgs: set[str] | None
) -> tuple[pd.DataFrame, list[Problem]]:
    """validate_rows' checks (codes, metric ids, ranges, duplicates) with plans allowed in future months."""
    from perfdash.ingest.validate import validate_rows

    checked, problems = validate_rows(rows, config, known_orgs=known_orgs, today_month=NO_FUTURE_LIMIT)
    return checked, [_as_plan(p) for p in problems]


def as_plan_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Canonical rows (value = plan) as the store's plan rows."""
    return rows.rename(columns={"value": "plan"})[["period", "org_code", "metric_id", "plan"]]


def importer(config: Config) -> Importer:
    """The plan form as an importer (checked before the canonical long form, which its header would also match)."""
    return Importer(
        name="plan",
        label="perfdash plan form (period, org_code, metric_id, plan): monthly plan trajectories",
        matches=is_plan,
        parse=lambda text: parse_plan(text, config),
        metrics=tuple(sorted(config.metric_by_id)),
    )
