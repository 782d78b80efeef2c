"""From uploaded bytes to a preview an analyst can commit: decode, detect, parse, validate, compare."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field, replace

import pandas as pd

from perfdash import store
from perfdash.config import Config
from perfdash.ingest import canonical, plans
from perfdash.ingest.csvtext import header_cells, unfinished_last_line
from perfdash.ingest.decode import DecodeError, decode_bytes
from perfdash.ingest.limits import check_limits
from perfdash.ingest.model import CANONICAL_COLUMNS, Importer, Parsed, Problem, SheetImporter
from perfdash.ingest.validate import validate_rows
from perfdash.ingest.workbook import ReadError, Workbook, csv_sheet, read_sheets, sniff
from perfdash.periods import add_months, label, parse_period
from perfdash.store import Engine

log = logging.getLogger("perfdash")
# perfdash's own forms, filled in by organisations (trust returns); every other format is a publication.
OWN_FORMATS = ("canonical", "wide", "plan")


@dataclass
class Prepared:
    """A validated file ready to preview and commit (or the reasons it cannot be)."""

    file_name: str
    sha256: str
    size: int
    format: str = "unknown"
    format_label: str = ""
    encoding: str = ""
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    reference: pd.DataFrame | None = None
    duplicate_of: int | None = None
    # Provenance recorded on the upload: publication or trust return, and the file's own status.
    origin: str = ""
    file_status: str = ""
    # What `changes` was compared with: the values version, and whether the store had no current value for any
    # of the file's metrics and months (store.Preview).
    compared_version: int | None = None
    compared_with_none: bool = False

    @property
    def errors(self) -> list[Problem]:
        """Problems that block the commit."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems the analyst must tick to acknowledge."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No errors."""
        return not self.errors

    def filled(self) -> str:
        """Which metrics (and providers, for a reference file) the file fills, in one line."""
        if self.reference is not None and self.rows.empty:
            return f"the provider lookup ({len(self.reference)} providers)"
        if self.rows.empty:
            return "nothing"
        if self.format == "plan":
            periods = sorted(self.rows["period"].unique())
            span = label(periods[0]) + ("" if len(periods) == 1 else f" to {label(periods[-1])}")
            orgs = ", ".join(sorted(self.rows["org_code"].unique()))
            return f"plans for {', '.join(sorted(self.rows['metric_id'].unique()))} for {orgs}, {span}"
        metrics = sorted(self.rows["metric_id"].unique())
        periods = sorted(self.rows["period"].unique())
        span = label(periods[0]) + ("" if len(periods) == 1 else f" to {label(periods[-1])}")
        return f"{', '.join(metrics)} for {self.rows['org_code'].nunique()} organisations, {span}"

    def counts(self) -> dict[str, int]:
        """How many rows are new, revised and unchanged."""
        if self.changes.empty:
            return {"new": 0, "revised": 0, "unchanged": 0}
        counts = self.changes["change"].value_counts()
        return {key: int(counts.get(key, 0)) for key in ("new", "revised", "unchanged")}

    def preview(self) -> store.Preview | None:
        """What the commit may take from this preview, when the store has not changed since it was made."""
        if self.compared_version is None:
            return None
        unchanged = None if self.changes.empty else (self.changes["change"] == "unchanged").to_numpy()
        return store.Preview(self.compared_version, self.counts(), self.compared_with_none, unchanged)

    def preview_summary(self) -> pd.DataFrame:
        """New, revised and unchanged value counts per metric and organisation, for the preview."""
        if self.changes.empty:
            return pd.DataFrame(columns=["metric_id", "org_code", "new", "revised", "unchanged"])
        summary = self.changes.groupby(["metric_id", "org_code", "change"]).size().unstack(fill_value=0)
        return summary.reindex(columns=["new", "revised", "unchanged"], fill_value=0).reset_index()

    def problem_table(self) -> pd.DataFrame:
        """Every problem as a table: severity, line, column, value, what is wrong, how to fix it."""
        return pd.DataFrame(
            [
                {
                    "severity": p.severity,
                    "sheet": p.sheet or "",
                    "line": p.line,
                    "column": p.column or "",
                    "value": p.value or "",
                    "problem": p.message,
                    "how to fix": p.fix,
                }
                for p in self.problems
            ],
            columns=["severity", "sheet", "line", "column", "value", "problem", "how to fix"],
        )


def all_importers(config: Config) -> list[Importer]:
    """Every format we read, perfdash's own first."""
    from perfdash.ingest.nhse import IMPORTERS

    # The plan form first: its header (period, org_code, metric_id, plan) would also match the long form's test.
    return [plans.importer(config), *canonical.importers(config), *IMPORTERS]


def detect(header: list[str], config: Config) -> Importer | None:
    """The importer whose header this is, if any."""
    for importer in all_importers(config):
        if importer.matches(header):
            return importer
    return None


def _unrecognised(header: list[str], config: Config) -> Problem:
    first = header[0] if header else ""
    if len(header) == 1 and any(sep in first for sep in (";", "\t", "|")):
        sep = {";": "semicolons", "\t": "tabs", "|": "pipes"}[next(s for s in (";", "\t", "|") if s in first)]
        return Problem(
            f"the file is separated by {sep}, not commas",
            line=1,
            fix="save it as 'CSV (comma delimited)' and upload it again",
        )
    if header and parse_period(first):
        return Problem(
            "the first line looks like data, not a header",
            line=1,
            value=",".join(header)[:80],
            fix="add the header row: period,org_code,metric_id,value,numerator,denominator",
        )
    return Problem(
        "the header does not match any format perfdash reads",
        line=1,
        value=",".join(header)[:120],
        fix=f"download the template from the Upload page; {FORMATS_LISTED}",
    )


# The full list is long (every publication): messages point to it rather than repeat it.
FORMATS_LISTED = "the formats perfdash reads are listed on the Upload page and by `python -m perfdash formats`"


def format_labels(config: Config) -> list[str]:
    """What each format perfdash reads is called, perfdash's own first."""
    return [i.label for i in [*all_importers(config), *all_sheet_importers()]]


def all_sheet_importers() -> list[SheetImporter]:
    """Publications read from workbooks (or CSVs with title blocks), found by content."""
    from perfdash.ingest.nhse import SHEET_IMPORTERS

    return list(SHEET_IMPORTERS)


@dataclass
class ReadResult:
    """A file read and parsed by the importer that recognised it, or the problem saying none did."""

    format: Importer | SheetImporter | None
    parsed: Parsed
    encoding: str = ""
    unrecognised: Problem | None = None


def read_file(file_name: str, data: bytes, config: Config) -> ReadResult:
    """Open a file (CSV, .xlsx, .xls, .ods, or a .zip of one), recognise its format by content, and parse it.

    A CSV goes to the importer its header names; failing that, and for every workbook, each sheet is offered to
    perfdash's own formats (header on its first row) and to the publications' importers, which find their table.
    Raises ReadError or DecodeError when the bytes cannot be opened at all.
    """
    container = sniff(file_name, data)
    if container.member is not None and container.kind == "csv":
        # The CSV inside a .zip gets the same bounds as one uploaded on its own.
        problems = check_limits(container.data, container.member, config)
        if problems:
            raise ReadError(f"{container.member} inside the zip: {problems[0].describe()}")
    encoding = ""
    cut = None  # a CSV's unfinished last line: the file may have been cut short
    if container.kind == "csv":
        decoded = decode_bytes(container.data)
        encoding = decoded.encoding
        cut = unfinished_last_line(decoded.text)
        header = header_cells(decoded.text)
        importer = detect(header, config)
        if importer is not None and importer.parse_bytes is not None and encoding == "utf-8":
            del decoded  # the text is not needed: a million-row file is read from its bytes without a copy
            return ReadResult(importer, _with_problem(importer.parse_bytes(container.data), cut), encoding)
        if importer is not None:
            return ReadResult(importer, _with_problem(importer.parse(decoded.text), cut), encoding)
        workbook = Workbook(
            file_name, "csv", (csv_sheet(container.member or file_name, decoded.text),), container.member
        )
    else:
        workbook = Workbook(file_name, container.kind, read_sheets(container), container.member)
        # perfdash's own forms saved from Excel: the header may sit under a title, within the first rows.
        for sheet in workbook.sheets:
            for row in range(1, min(sheet.height, 20) + 1):
                labels = sheet.labels(row)
                importer = detect(labels, config) if any(labels) else None
                if importer is not None:
                    parsed = importer.parse(sheet.to_csv_text(row))
                    return ReadResult(importer, _on_sheet(parsed, sheet.name, row - 1), encoding)
    for sheet_importer in all_sheet_importers():
        found = sheet_importer.find(workbook)
        if found is not None:
            parsed = sheet_importer.parse(workbook, found)
            sheet_name = getattr(found, "sheet", None)
            if workbook.kind != "csv" and isinstance(sheet_name, str):
                parsed = _on_sheet(parsed, sheet_name, 0)
            return ReadResult(sheet_importer, _with_problem(parsed, cut), encoding)
    if workbook.kind == "csv":
        return ReadResult(None, Parsed(format="unknown"), encoding, _unrecognised(header, config))
    return ReadResult(None, Parsed(format="unknown"), encoding, _unrecognised_workbook(workbook, config))


def _with_problem(parsed: Parsed, problem: Problem | None) -> Parsed:
    """The parse with one more problem (if any), in line order with the importer's own."""
    if problem is not None and problem not in parsed.problems:
        parsed.problems = sorted([*parsed.problems, problem], key=lambda p: (p.line is None, p.line or 0))
    return parsed


def _on_sheet(parsed: Parsed, sheet: str, offset: int) -> Parsed:
    """Problems and rows located on a sheet: lines shifted to the rows Excel shows, the sheet named."""
    parsed.problems = [
        replace(p, sheet=p.sheet or sheet, line=None if p.line is None else p.line + offset) for p in parsed.problems
    ]
    if offset and len(parsed.rows):
        parsed.rows = parsed.rows.assign(line=parsed.rows["line"] + offset)
    return parsed


def _unrecognised_workbook(workbook: Workbook, config: Config) -> Problem:
    return Problem(
        f"this is {workbook.describe()}, and none of its sheets holds a layout perfdash reads",
        fix=f"upload the file exactly as published, or perfdash's template saved as .xlsx; {FORMATS_LISTED}",
    )


def prepare(
    file_name: str,
    data: bytes,
    config: Config,
    engine: Engine | None,
    *,
    today_month: str | None = None,
) -> Prepared:
    """Decode, detect, parse and validate a file, then compare it with the store (read-only); logs the time."""
    started = time.perf_counter()
    prepared = _prepare(file_name, data, config, engine, today_month=today_month)
    log.info(
        "validated %r (%s, %.1f MB): %d rows, %d errors, %d warnings in %.2fs",
        file_name,
        prepared.format,
        prepared.size / 1e6,
        len(prepared.rows),
        len(prepared.errors),
        len(prepared.warnings),
        time.perf_counter() - started,
    )
    return prepared


def _prepare(
    file_name: str, data: bytes, config: Config, engine: Engine | None, *, today_month: str | None
) -> Prepared:
    prepared = Prepared(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    # Bounds first, on the raw bytes: a hostile file is refused in seconds before any parser sees it.
    prepared.problems.extend(check_limits(data, file_name, config))
    if prepared.problems:
        return prepared
    if not data or data.isspace():  # not data.strip(): that copies the whole file
        prepared.problems.append(Problem("The file is empty.", fix="upload a CSV with a header row and data rows"))
        return prepared
    try:
        read = read_file(file_name, data, config)
    except (ReadError, DecodeError) as error:
        prepared.problems.append(Problem(str(error)))
        return prepared
    prepared.encoding = read.encoding
    if read.format is None:
        prepared.problems.append(read.unrecognised)
        return prepared
    prepared.format, prepared.format_label = read.format.name, read.format.label
    parsed = read.parsed
    prepared.origin = store.ORIGIN_RETURN if prepared.format in OWN_FORMATS else store.ORIGIN_PUBLICATION
    prepared.file_status = parsed.status
    prepared.problems.extend(parsed.problems)
    prepared.notes.extend(parsed.notes)
    prepared.reference = parsed.reference
    prepared.rows = parsed.rows
    if parsed.rows.empty:
        if parsed.reference is None and not parsed.errors:
            prepared.problems.append(Problem("The file has no data rows.", fix="add at least one row"))
        return prepared
    if prepared.format == "plan":
        return _finish_plans(prepared, config, engine)
    # Our own formats must name NEL organisations (or providers in the loaded reference); NHS England's
    # publications list every English provider and are kept as benchmark data.
    known_orgs = _known_orgs(config, engine) if prepared.format in OWN_FORMATS else None
    # Every problem at once: rows whose cells could not be read are left out of the checks on values, which
    # would only repeat the same fault in other words.
    unreadable = {p.line for p in parsed.errors if p.line is not None}
    readable = parsed.rows  # no copy of a million rows when every row could be read
    if unreadable:
        readable = readable[~readable["line"].isin(unreadable)].reset_index(drop=True)
    rows, problems = validate_rows(readable, config, known_orgs=known_orgs, today_month=today_month)
    prepared.problems.extend(problems)
    prepared.rows = rows
    if parsed.errors:
        prepared.problems.sort(key=lambda p: (p.line is not None, p.line or 0))
        return prepared
    if prepared.errors or engine is None:
        return prepared
    with engine.connect() as conn:
        # Read first: a write landing during the reads below makes the commit compare again.
        compared_version = store.versions_in(conn).values
        prepared.duplicate_of = store.find_active_upload_by_hash(conn, prepared.sha256)
        # One read of the file's metrics in every month: the history the warnings compare each series with, and
        # (in the file's months) the current values the preview compares with. Only the file's organisations
        # and the board's (whose absence the warnings notice): a NEL return of 170 rows into a national store
        # read every provider's history, 1.3 million rows and 3.3 s.
        history = store.current_in(
            conn,
            metric_ids=sorted(rows["metric_id"].unique()),
            org_codes=sorted(set(rows["org_code"].unique()) | config.board_codes),
        )
    current = history[history["period"].isin(rows["period"].unique())]
    prepared.changes = store.classify_changes(rows[[*CANONICAL_COLUMNS, "line"]], current)
    prepared.compared_version, prepared.compared_with_none = compared_version, current.empty
    prepared.problems.extend(_warnings(prepared.changes, rows, history, config))
    return prepared


def _finish_plans(prepared: Prepared, config: Config, engine: Engine | None) -> Prepared:
    """Validate a plan file (future months allowed) and compare it with the current plans (read-only)."""
    rows, problems = plans.validate_plans(prepared.rows, config, _known_orgs(config, engine))
    prepared.problems.extend(problems)
    prepared.rows = rows
    if prepared.errors or engine is None:
        return prepared
    with engine.connect() as conn:
        prepared.duplicate_of = store.find_active_upload_by_hash(conn, prepared.sha256)
    incoming = plans.as_plan_frame(rows).assign(line=rows["line"].to_numpy())
    changes = store.classify_plan_changes(incoming, store.read_plans(engine))
    # The upload page shows old_value and value for revisions, as it does for values.
    prepared.changes = changes.rename(columns={"plan": "value", "old_plan": "old_value"})
    return prepared


def _known_orgs(config: Config, engine: Engine | None) -> set[str]:
    codes = set(config.board_codes)
    if engine is not None:
        codes |= set(store.read_reference(engine)["code"])
    return codes


def _warnings(changes: pd.DataFrame, rows: pd.DataFrame, current: pd.DataFrame, config: Config) -> list[Problem]:
    """Things that may be right but need a person to say so."""
    warnings: list[Problem] = []
    revised = changes[changes["change"] == "revised"]
    # One warning per month and metric, naming its first revision: the groups' first rows in one step (taking
    # each group's first row in Python cost 0.75 s for a republished national file's 2,032 groups). By the keys
    # as text, so the order is the months' and metrics' whatever types an importer gave the keys.
    months_and_metrics = [revised["period"].astype("str"), revised["metric_id"].astype("str")]
    firsts = revised.groupby(months_and_metrics).agg(
        revised=("line", "size"),
        org_code=("org_code", "first"),
        old=("old_value", "first"),
        new=("value", "first"),
        line=("line", "first"),
    )
    for (period, metric_id), first in zip(firsts.index, firsts.itertuples(index=False), strict=True):
        warnings.append(
            Problem(
                f"{label(period)} is already loaded for {metric_id}; {first.revised} value(s) will be revised "
                f"(e.g. {first.org_code}: {first.old:g} to {first.new:g})",
                line=int(first.line),
                column="value",
                severity="warning",
                fix="tick to confirm this is a revision",
            )
        )
    # An organisation that reported last month but is missing from the file's latest month for a metric.
    latest = rows.groupby("metric_id")["period"].max()
    # Who reported each metric in the month before its latest, and in its latest, each found by one join (a mask
    # of the whole history per metric took 2 s for a national file).
    before = pd.DataFrame({"metric_id": latest.index, "period": [add_months(p, -1) for p in latest]})
    # The months before first (a national history has 120 of them; merging all of it took 0.5 s).
    previous_orgs = _orgs_by_metric(
        current[current["period"].isin(set(before["period"]))].merge(before, on=["metric_id", "period"])
    )
    # A first load has no month before to compare with: skip grouping a million rows twice (0.1 s, 40 MB).
    reported_orgs = (
        _orgs_by_metric(rows.merge(latest.reset_index(), on=["metric_id", "period"])) if previous_orgs else {}
    )
    file_orgs = _orgs_by_metric(rows) if previous_orgs else {}
    for metric_id, period in latest.items():
        previous = previous_orgs.get(metric_id, set())
        if not previous:
            continue
        nel = set(config.metric_orgs(config.metric_by_id[metric_id]))
        # Only organisations of a kind this file carries: an A&E file never has boroughs, a place return no trusts.
        kinds = {config.org_kind(code) for code in file_orgs[metric_id]}
        expected = {code for code in nel if config.org_kind(code) in kinds}
        missing = sorted((previous & expected) - reported_orgs.get(metric_id, set()))
        if missing:
            names = ", ".join(f"{config.org_names.get(code, code)} ({code})" for code in missing)
            warnings.append(
                Problem(
                    f"{names} reported {config.metric_by_id[metric_id].name} ({metric_id}) for "
                    f"{label(add_months(period, -1))} but not for {label(period)}",
                    column="org_code",
                    severity="warning",
                    fix="tick if the organisation has not submitted yet",
                )
            )
    # Only values this file would change: a republished series repeats values already loaded (and already
    # accepted), and warning about each again buried the few that differ (11,697 warnings for 4,977 revisions).
    if not current.empty:  # else no series has a history, and the filter would copy every row of a first load
        warnings.extend(_outliers(changes[changes["change"] != "unchanged"], current))
    return warnings


def _orgs_by_metric(frame: pd.DataFrame) -> dict[str, set[str]]:
    """The organisations in each metric's rows."""
    if frame.empty:
        return {}
    return {metric_id: set(orgs) for metric_id, orgs in frame.groupby("metric_id")["org_code"].unique().items()}


def _outliers(rows: pd.DataFrame, current: pd.DataFrame) -> list[Problem]:
    """Values far outside their own series' history (more than 5 robust SDs from the median)."""
    if current.empty:
        return []
    # The median absolute deviation as two grouped medians (one Python call per series took 3 s at national scale).
    keys = [current["metric_id"], current["org_code"]]
    by_series = current["value"].groupby(keys)
    deviation = (current["value"] - by_series.transform("median")).abs()
    stats = pd.DataFrame(
        {"median": by_series.median(), "mad": deviation.groupby(keys).median(), "n": by_series.count()}
    )
    joined = rows.join(stats, on=["metric_id", "org_code"], how="inner")
    joined = joined[joined["n"] >= 12]
    spread = (joined["mad"] * 1.4826).clip(lower=1e-9)
    far = (joined["value"] - joined["median"]).abs() > 5 * spread + 1e-9
    return [
        Problem(
            f"{row.org_code} {row.metric_id} {label(row.period)}: {row.value:g} is far outside this series' "
            f"history (median {row.median:g} over {row.n} months)",
            line=int(row.line),
            column="value",
            value=f"{row.value:g}",
            severity="warning",
            fix="check the value (a proportion written as 0.85 instead of 85?) and tick if it is right",
        )
        for row in joined[far].itertuples()
    ]
