"""perfdash's own formats: the canonical long form and the wide form (one column per metric id).

Documented normalisations (everything else that is off is an error, never a silent guess):
- spaces around cells are removed; organisation codes are upper-cased;
- numbers may carry thousands separators ("1,234") and, for percentage metrics, a trailing "%";
- `period` may be YYYY-MM or the month's first day YYYY-MM-01;
- a blank `value` with numerator and denominator is computed (percentages: 100 x numerator / denominator).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from perfdash.config import Config
from perfdash.ingest.columns import map_distinct, metric_units
from perfdash.ingest.csvtext import LINE, CsvShapeError, read_cells
from perfdash.ingest.guard import never_raises
from perfdash.ingest.model import Importer, Parsed, Problem
from perfdash.ingest.validate import identifier_problems

LONG_REQUIRED = ["period", "org_code", "metric_id", "value"]
LONG_OPTIONAL = ["numerator", "denominator"]
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NON_FINITE = re.compile(r"^[-+]?(nan|inf|infinity|n/a|na|#div/0!|#value!|#n/a)$", re.IGNORECASE)
_DATE_HINTS = [
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), lambda m: f"{m.group(3)}-{int(m.group(2)):02d}"),
    (re.compile(r"^(\d{4})/(\d{1,2})$"), lambda m: f"{m.group(1)}-{int(m.group(2)):02d}"),
]


def _norm_header(cells: list[str]) -> list[str]:
    return [c.strip().lower() for c in cells]


def is_long(header: list[str]) -> bool:
    """The canonical long form has period, org_code and metric_id columns."""
    return {"period", "org_code", "metric_id"} <= set(_norm_header(header))


def is_wide(header: list[str], metric_ids: set[str]) -> bool:
    """The wide form has period, org_code and then metric ids as columns."""
    names = _norm_header(header)
    return {"period", "org_code"} <= set(names) and "metric_id" not in names and any(n in metric_ids for n in names)


@never_raises("canonical")
def parse_long(text: str | bytes, config: Config) -> Parsed:
    """Parse the canonical long form (text, or the bytes of a UTF-8 file) into rows and problems."""
    parsed = Parsed(format="canonical")
    rows = _read_plain_long(text if isinstance(text, bytes) else text.encode("utf-8"))
    if rows is not None:
        parsed.rows = normalise(rows, config, parsed.problems)
        return parsed
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        cells = read_cells(text)
    except CsvShapeError as error:
        parsed.problems.append(error.problem)
        return parsed
    parsed.problems.extend(identifier_problems(cells))
    if parsed.problems:
        return parsed
    cells.columns = [c if c == LINE else c.strip().lower() for c in cells.columns]
    known = set(LONG_REQUIRED + LONG_OPTIONAL)
    for column in cells.columns:
        if column != LINE and column not in known:
            parsed.problems.append(
                Problem(
                    f"unexpected column {column!r}",
                    line=1,
                    column=column,
                    fix=f"the canonical columns are {', '.join(LONG_REQUIRED + LONG_OPTIONAL)}; remove or rename it",
                )
            )
    for column in LONG_REQUIRED:
        if column not in cells.columns:
            parsed.problems.append(
                Problem(f"required column {column!r} is missing", line=1, column=column, fix="add it to the header row")
            )
    if parsed.problems:
        return parsed
    if cells.empty:
        parsed.problems.append(Problem("The file has a header but no data rows.", fix="add at least one row"))
        return parsed
    for column in LONG_OPTIONAL:
        if column not in cells.columns:
            cells[column] = ""
    parsed.rows = normalise(cells, config, parsed.problems)
    return parsed


@never_raises("wide")
def parse_wide(text: str, config: Config) -> Parsed:
    """Parse the wide form (period, org_code, then one column per metric id) into long rows."""
    parsed = Parsed(format="wide")
    try:
        cells = read_cells(text)
    except CsvShapeError as error:
        parsed.problems.append(error.problem)
        return parsed
    parsed.problems.extend(identifier_problems(cells))
    if parsed.problems:
        return parsed
    cells.columns = [c if c == LINE else c.strip().lower() for c in cells.columns]
    metric_columns = [c for c in cells.columns if c not in ("period", "org_code", LINE)]
    for column in metric_columns:
        if column not in config.metric_by_id:
            parsed.problems.append(
                Problem(
                    f"column {column!r} is not a metric id", line=1, column=column, fix=_suggest_metric(column, config)
                )
            )
    if parsed.problems:
        return parsed
    if cells.empty:
        parsed.problems.append(Problem("The file has a header but no data rows.", fix="add at least one row"))
        return parsed
    long = cells.melt(
        id_vars=["period", "org_code", LINE], value_vars=metric_columns, var_name="metric_id", value_name="value"
    )
    long = long[long["value"].str.strip() != ""]
    long["numerator"] = ""
    long["denominator"] = ""
    # The metric id is the column; report problems in the value against that column name.
    parsed.rows = normalise(long.reset_index(drop=True), config, parsed.problems, value_column_from_metric=True)
    return parsed


def _read_plain_long(data: bytes) -> pd.DataFrame | None:
    """A plain canonical file read by Arrow in one pass: keys as dictionaries, numbers as floats; else None.

    A million-row file repeats a few hundred codes, metrics and months, so the keys are read as dictionary
    arrays (no string per row) and the numbers straight to float64 (Arrow's parser, as _plain_floats uses). Any
    file this is not sure of (quotes, a header that is not exactly the canonical columns, a row of the wrong
    width, a cell that is not a finite number, an identifier with odd characters) gives None, and the string
    path reads it and names every problem as before.
    """
    first_line = data[: data.find(b"\n") + 1 or len(data)]
    if b'"' in data or b"\r" in first_line or not first_line.isascii():
        return None
    names = first_line.decode("ascii").rstrip("\n").split(",")
    canonical = LONG_REQUIRED + LONG_OPTIONAL
    if not set(LONG_REQUIRED) <= set(names) <= set(canonical) or len(set(names)) != len(names):
        return None
    types = {name: pa.dictionary(pa.int32(), pa.string()) for name in ("period", "org_code", "metric_id")}
    types.update({name: pa.float64() for name in ("value", *LONG_OPTIONAL)})
    try:
        table = pcsv.read_csv(
            pa.BufferReader(data),  # the bytes in place: a Python file object would copy each block
            # One thread: about 50 ms slower on a million rows, and 75 MB less peak memory for parse buffers.
            read_options=pcsv.ReadOptions(use_threads=False),
            parse_options=pcsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={name: types[name] for name in names},
                null_values=[""],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0 or table.column_names != names:
        return None
    columns: dict[str, pd.Series] = {}
    for name in ("period", "org_code", "metric_id"):
        column = table[name].unify_dictionaries().combine_chunks() if table[name].num_chunks else None
        if column is None:
            return None
        distinct = column.dictionary.to_pylist()
        # Odd characters, blank keys (a row of bare commas) or spaces: the string path reports or drops them.
        if not all(value and value.isascii() and value.isprintable() and value == value.strip() for value in distinct):
            return None
        codes = column.indices.to_numpy(zero_copy_only=False)
        columns[name] = pd.Series(
            pd.Categorical.from_codes(codes, categories=pd.Index(distinct, dtype="str")), copy=False
        )
    for name in ("value", *LONG_OPTIONAL):
        if name in names:
            if pc.all(pc.is_finite(table[name])).as_py() is False:
                return None  # "nan" or "inf" spelled out (not a blank): the string path names them
            columns[name] = pd.Series(table[name].to_numpy(), dtype="float64", copy=False)
        else:
            columns[name] = pd.Series(np.full(table.num_rows, np.nan), copy=False)
    columns[LINE] = pd.Series(np.arange(2, table.num_rows + 2, dtype=np.int64), copy=False)
    del table
    # Arrow's allocator keeps freed parse buffers for reuse; nothing else here needs them, so give them back.
    pa.default_memory_pool().release_unused()
    # copy=False: the columns as built, not consolidated into a second copy of the numbers.
    return pd.DataFrame(columns, copy=False)


def _suggest_metric(name: str, config: Config) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(config.metric_by_id), n=1)
    return f"did you mean {close[0]!r}?" if close else "see the metric list in the template"


def _plain_floats(raw: pd.Series) -> pd.Series | None:
    """Arrow's cast when every cell is blank or a plain finite number (15x faster); None otherwise."""
    try:
        text = pc.utf8_trim_whitespace(pa.array(raw, type=pa.string()))
        blank = pc.equal(text, "")
        values = pc.cast(pc.if_else(blank, pa.scalar(None, pa.string()), text), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    array = values.to_numpy(zero_copy_only=False)
    present = ~np.isnan(array)
    if not np.isfinite(array[present]).all() or present.sum() != len(array) - pc.sum(blank).as_py():
        return None  # "nan"/"inf" spelled out: the slow path names them
    return pd.Series(array, index=raw.index, dtype="float64")


def _numbers(raw: pd.Series, percent: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numeric strings; return values and a mask of cells that were not numbers."""
    if raw.dtype == "float64":  # read as finite numbers already (_read_plain_long)
        return raw, pd.Series(False, index=raw.index)
    fast = _plain_floats(raw)
    if fast is not None:
        return fast, pd.Series(False, index=raw.index)
    text = raw.fillna("").astype(str).str.strip()
    has_thousands = text.str.match(_THOUSANDS)
    text = text.where(~has_thousands, text.str.replace(",", "", regex=False))
    has_percent = text.str.endswith("%") & percent
    text = text.where(~has_percent, text.str[:-1].str.strip())
    blank = text == ""
    values = pd.to_numeric(text.where(~blank, None), errors="coerce")
    non_finite_text = text.str.match(_NON_FINITE)
    bad = (~blank & values.isna()) | non_finite_text | ~np.isfinite(values.fillna(0.0))
    values = values.where(~bad)
    return values.astype("float64"), bad


def normalise(
    cells: pd.DataFrame, config: Config, problems: list[Problem], *, value_column_from_metric: bool = False
) -> pd.DataFrame:
    """Strings to typed canonical rows, recording a problem (line, column, value) for every bad cell."""
    from perfdash.periods import parse_period

    frame = pd.DataFrame({"line": cells[LINE].astype("int64")})
    # Files repeat a few hundred codes, metrics and months over a million rows: work on each distinct string once.
    # Case is folded for ASCII only: "ß".upper() is "SS" and the Kelvin sign lowers to "k", which would turn
    # a wrong code into a valid-looking one; non-ASCII text stays as written and fails the code checks.
    frame["org_code"] = map_distinct(cells["org_code"], lambda text: _fold(text.strip(), str.upper))
    frame["metric_id"] = map_distinct(cells["metric_id"], lambda text: _fold(text.strip(), str.lower))
    frame["period"] = map_distinct(cells["period"], lambda text: parse_period(text.strip()) or "")
    unit = metric_units(frame["metric_id"], config)
    percent = unit == "percent"
    for column in ("value", "numerator", "denominator"):
        frame[column], bad = _numbers(cells[column], percent)
        for index in np.flatnonzero(bad.to_numpy()):
            raw = str(cells[column].iat[index])
            where = frame["metric_id"].iat[index] if value_column_from_metric and column == "value" else column
            problems.append(
                Problem(
                    "is not a finite number" if _NON_FINITE.match(raw.strip()) else "is not a number",
                    line=int(frame["line"].iat[index]),
                    column=where,
                    value=raw,
                    fix="write a plain number such as 78.5 (no text, no formulas)",
                )
            )
    for index in np.flatnonzero((frame["period"] == "").to_numpy()):
        raw = str(cells["period"].iat[index]).strip()
        problems.append(
            Problem(
                "is not a month",
                line=int(frame["line"].iat[index]),
                column="period",
                value=raw,
                fix=_period_fix(raw),
            )
        )
    return frame[["period", "org_code", "metric_id", "value", "numerator", "denominator", "line"]]


def _fold(text: str, case: Callable[[str], str]) -> str:
    """The text in the given case if it is ASCII; otherwise unchanged (see normalise)."""
    return case(text) if text.isascii() else text


def _period_fix(raw: str) -> str:
    for pattern, build in _DATE_HINTS:
        match = pattern.match(raw)
        if match:
            return f"write the month as YYYY-MM, e.g. {build(match)} (day-first dates are ambiguous)"
    return "write the month as YYYY-MM, e.g. 2025-04"


def importers(config: Config) -> list[Importer]:
    """The two perfdash formats as importers bound to a configuration."""
    metric_ids = set(config.metric_by_id)
    return [
        Importer(
            name="canonical",
            label="perfdash canonical long form (period, org_code, metric_id, value, numerator, denominator)",
            matches=is_long,
            parse=lambda text: parse_long(text, config),
            metrics=tuple(sorted(metric_ids)),
            parse_bytes=lambda data: parse_long(data, config),
        ),
        Importer(
            name="wide",
            label="perfdash wide form (period, org_code, one column per metric id)",
            matches=lambda header: is_wide(header, metric_ids),
            parse=lambda text: parse_wide(text, config),
            metrics=tuple(sorted(metric_ids)),
        ),
    ]
