"""Rules every canonical row must pass, whatever file it came from: checks on whole columns, then business rules."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from perfdash.config import UNIT_LABELS, UNIT_RANGES, Config
from perfdash.ingest.columns import Distinct
from perfdash.ingest.model import Problem
from perfdash.periods import add_months, current_month, label

# Whole-cell matches (fullmatch): [0-9] is ASCII whatever the regex engine, and no trailing newline slips through.
_PERIOD_PATTERN = r"[0-9]{4}-[0-9]{2}"
_ORG_PATTERN = r"[A-Z0-9]{3,9}"
# Identifiers (months, codes, metric ids, header names) are plain ASCII with no control characters.
_CONTROL = r"[\x00-\x1f\x7f]"
IDENTIFIER_COLUMNS = ("period", "org_code", "metric_id")


def identifier_problems(cells: pd.DataFrame, columns: tuple[str, ...] = IDENTIFIER_COLUMNS) -> list[Problem]:
    """Refuse identifiers perfdash would otherwise have to guess at, before any normalising.

    Upper- or lower-casing and digit parsing accept look-alikes: a Kelvin sign K lower-cases to k, and
    full-width or Arabic-Indic digits read as a month. A line break inside a code cell hides part of it.
    Columns are raw cell strings (with a LINE column); the header names are checked too.
    """
    from perfdash.ingest.csvtext import LINE

    problems: list[Problem] = []
    for name in cells.columns:
        if name != LINE and not _plain(str(name)):
            problems.append(_identifier_problem(str(name), line=1, column="(header)"))
    by_name = {str(name).strip().lower(): name for name in cells.columns}
    for column in columns:
        if column not in by_name:
            continue
        text = cells[by_name[column]].astype(str).str.strip()
        bad = ~text.str.isascii() | text.str.contains(_CONTROL, regex=True)
        for index in np.flatnonzero(bad.to_numpy())[:50]:
            problems.append(_identifier_problem(text.iat[index], line=int(cells[LINE].iat[index]), column=column))
    return problems


def _plain(text: str) -> bool:
    stripped = text.strip()
    return stripped.isascii() and stripped.isprintable()


def _identifier_problem(text: str, *, line: int, column: str) -> Problem:
    odd = next(c for c in text.strip() if not (c.isascii() and c.isprintable()))
    if odd in "\r\n":
        message = "has a line break inside the cell"
    else:
        name = unicodedata.name(odd, f"U+{ord(odd):04X}")
        message = f"contains {name} (U+{ord(odd):04X}), which is not a plain letter, digit, '-' or '_'"
    return Problem(
        message,
        line=line,
        column=column,
        value=text.encode("unicode_escape").decode("ascii"),
        fix="retype it with plain letters and digits 0-9 (the file may have been converted from a PDF or "
        "another script)",
    )


_FIXES = {
    "is not a known organisation": "use an ODS code from config.yaml (e.g. R1H) or load the provider reference first",
    "is not an organisation code (letters and digits)": "use the ODS or ONS code, e.g. R1H or E09000012",
    "is not a known metric id": "use a metric id from the template, e.g. ae_4hr_all",
}


def _column_checks(
    rows: pd.DataFrame, keys: dict[str, Distinct], config: Config, known_orgs: set[str] | None
) -> list[tuple[str, str, np.ndarray]]:
    """(column, message, failing rows) for each column-level rule, each run once per distinct value."""
    checks = [
        # An empty period was already reported by the parser as "is not a month".
        ("period", "is not a month", keys["period"].mask(lambda v: (v != "") & ~v.str.fullmatch(_PERIOD_PATTERN))),
        (
            "org_code",
            "is not an organisation code (letters and digits)",
            keys["org_code"].mask(lambda v: ~v.str.fullmatch(_ORG_PATTERN)),
        ),
    ]
    if known_orgs is not None:
        checks.append(("org_code", "is not a known organisation", keys["org_code"].mask(lambda v: ~v.isin(known_orgs))))
    metric_ids = set(config.metric_by_id)
    checks.append(("metric_id", "is not a known metric id", keys["metric_id"].mask(lambda v: ~v.isin(metric_ids))))
    return checks


def validate_rows(
    rows: pd.DataFrame, config: Config, *, known_orgs: set[str] | None, today_month: str | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check typed rows; return them with computed values filled in, and every problem found."""
    problems: list[Problem] = []
    # A million rows repeat a few hundred keys: every check on a key runs once per distinct value.
    keys = {column: Distinct.of(rows[column]) for column in IDENTIFIER_COLUMNS}
    for column, message, failing in _column_checks(rows, keys, config, known_orgs):
        for index in np.flatnonzero(failing):
            problems.append(
                Problem(
                    message,
                    line=int(rows["line"].iat[index]),
                    column=column,
                    value=str(rows[column].iat[index]),
                    fix=_FIXES.get(message, ""),
                )
            )
    rows = rows.copy(deep=False)  # copy-on-write: the caller's frame is untouched without copying a million rows
    metric_ids = set(config.metric_by_id)
    known_metric = pd.Series(keys["metric_id"].mask(lambda v: v.isin(metric_ids)), index=rows.index)
    units = {metric_id: metric.unit for metric_id, metric in config.metric_by_id.items()}
    unit_of_metric = keys["metric_id"].values.map(lambda metric_id: units.get(metric_id, ""))

    def is_unit(name: str) -> np.ndarray:
        return keys["metric_id"].mask(lambda _: unit_of_metric == name)

    has_ratio = rows["numerator"].notna() & rows["denominator"].notna()
    missing_value = rows["value"].isna()

    def report(mask: pd.Series, message: str, column: str, fix: str = "", values: pd.Series | None = None) -> None:
        source = rows[column] if values is None else values
        for index in np.flatnonzero(mask.fillna(False).to_numpy()):
            raw = source.iat[index]
            problems.append(
                Problem(message, line=int(rows["line"].iat[index]), column=column, value=_show(raw), fix=fix)
            )

    report(
        missing_value & ~has_ratio,
        "is blank and there is no numerator and denominator to compute it from",
        "value",
        "give the value, or both numerator and denominator",
    )
    report(rows["denominator"] <= 0, "must be greater than zero", "denominator")
    report(rows["numerator"] < 0, "cannot be negative", "numerator")
    report(
        has_ratio & (rows["numerator"] > rows["denominator"]),
        "is larger than the denominator",
        "numerator",
        "a count of successes cannot exceed the count of cases",
    )
    computed = rows["numerator"] / rows["denominator"] * np.where(is_unit("percent"), 100.0, 1.0)
    usable = has_ratio & (rows["denominator"] > 0)
    mismatch = usable & ~missing_value & ((rows["value"] - computed).abs() > 0.05 + 1e-3 * computed.abs())
    report(
        mismatch,
        "does not match numerator / denominator",
        "value",
        "leave value blank to have it computed, or correct the counts",
    )
    was_computed = missing_value & usable
    if was_computed.any():  # a new column only when a value was blank: a million-row copy otherwise
        rows["value"] = rows["value"].where(~was_computed, computed)

    for unit_name, (low, high) in UNIT_RANGES.items():
        in_unit = known_metric & is_unit(unit_name)
        # A value computed from the counts is described as such, so nobody hunts for a number in a blank cell.
        for given, subject, column in (
            (~was_computed, "", "value"),
            (was_computed, "numerator / denominator ", "numerator"),
        ):
            if low is not None:
                word = "cannot be negative" if low == 0 else f"is below {low:g}"
                report(
                    given & in_unit & (rows["value"] < low),
                    f"{subject}{word} for a {UNIT_LABELS[unit_name]} metric",
                    column,
                    values=rows["value"],
                )
            if high is not None:
                fix = "percentages are 0-100: write 85 for 85%" if unit_name == "percent" else ""
                if subject:
                    fix = "the value is blank, so perfdash computed it from the counts: check them"
                report(
                    given & in_unit & (rows["value"] > high),
                    f"{subject}is above {high:g}, the most a {UNIT_LABELS[unit_name]} value can be",
                    column,
                    fix,
                    values=rows["value"],
                )

    limits = config.limits
    now = today_month or current_month()
    latest = add_months(now, limits.months_ahead)
    period = keys["period"]
    known_period = pd.Series(period.mask(lambda v: v != ""), index=rows.index)
    report(
        pd.Series(period.mask(lambda v: (v != "") & (v > latest)), index=rows.index),
        f"is in the future (this month is {label(now)})",
        "period",
        "check the year and month",
    )
    report(
        pd.Series(period.mask(lambda v: (v != "") & (v < limits.earliest_period)), index=rows.index),
        f"is before {label(limits.earliest_period)}, the earliest month perfdash accepts (limits.earliest_period)",
        "period",
        "check the year and month",
    )
    for column in ("value", "numerator", "denominator"):
        report(
            rows[column].abs() > limits.max_abs_value,
            f"is larger than {limits.max_abs_value:,.0f}, more than any NHS figure (limits.max_abs_value)",
            column,
            "check the number: a figure pasted twice, or in the wrong units?",
        )
        # -0 is 0: stored and exported as 0, never as -0.0 (a new column only when the file has a -0).
        numbers = rows[column].to_numpy()
        if np.signbit(numbers[numbers == 0]).any():
            rows[column] = rows[column] + 0.0

    # One integer per (month, organisation, metric) from the codes: duplicated() on it, not on three string columns.
    sizes = [max(len(keys[c].values), 1) for c in IDENTIFIER_COLUMNS]
    combined = (keys["period"].codes.astype(np.int64) * sizes[1] + keys["org_code"].codes) * sizes[2] + keys[
        "metric_id"
    ].codes
    if sizes[0] * sizes[1] * sizes[2] <= 4 * len(rows) + 1_000_000:
        # Few distinct keys for the rows (always, in a real file): count each key's rows, no hash table.
        repeated = np.bincount(combined, minlength=sizes[0] * sizes[1] * sizes[2])[combined] > 1
    else:
        repeated = pd.Series(combined).duplicated(keep=False).to_numpy()
    duplicated = pd.Series(repeated, index=rows.index) & known_period
    if duplicated.any():
        first_line = rows[duplicated].groupby(["period", "org_code", "metric_id"])["line"].transform("min")
        for index in np.flatnonzero(duplicated.to_numpy()):
            line = int(rows["line"].iat[index])
            first = int(first_line.loc[rows.index[index]])
            if line != first:
                problems.append(
                    Problem(
                        f"repeats the month, organisation and metric of line {first}",
                        line=line,
                        column="metric_id",
                        value=" ".join(str(rows[c].iat[index]) for c in ("period", "org_code", "metric_id")),
                        fix="keep one row per month, organisation and metric",
                    )
                )
    return rows, problems


def _show(raw: object) -> str:
    if isinstance(raw, float):
        return "" if np.isnan(raw) else f"{raw:g}"
    return str(raw)
