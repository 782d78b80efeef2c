"""NHS England's RTT weekly-band workbooks (.xlsx): incomplete, admitted or non-admitted pathways by week waited.

One family of workbooks, told apart by the title block: 'Summary:' says incomplete pathways (the waiting list),
completed admitted or completed non-admitted pathways; 'Basis:' says Provider or Commissioner. Each sheet has the
title block in B:C, a super-header on row 13 and the header on row 14: organisation code and name (none on
`National`), `Treatment Function Code`, `Treatment Function`, 104 one-week bands `>0-1` ... `>103-104`,
`104 plus`, then totals. `C_999` is the all-specialties total, the only row read per organisation.

Read: `National` (England, stored under its ONS code), `Provider` (provider basis) and `ICB` (commissioner basis;
its `NHS ENGLAND` rows are activity NHS England commissions directly, not a national total, and are skipped).
Region and sub-ICB sheets are not read. Incomplete pathways fill the catalogue's rtt_* metrics; completed
pathways fill the share treated within 18 weeks (of pathways with a known clock start, as NHS England publishes).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Parsed, Problem, SheetImporter
from perfdash.ingest.nhse.common import build_rows, count_rows, month_of, parse_decimals, ratio_rows
from perfdash.ingest.nhse.published import ENGLAND_CODE, expected_sequence, title_facts, whole
from perfdash.ingest.workbook import Sheet, Workbook, cell_text
from perfdash.periods import label

NAME = "nhse_rtt_bands"
FUNCTION_CODE, FUNCTION = "Treatment Function Code", "Treatment Function"
ALL_FUNCTIONS = "C_999"
BANDS = (*(f">{week}-{week + 1}" for week in range(104)), "104 plus")
WITHIN_18, OVER_52 = BANDS[:18], BANDS[52:]
OVER_52_TOTAL = "Total 52 plus weeks"
INCOMPLETE_TOTAL = "Total number of incomplete pathways"
COMPLETED_KNOWN = "Total number of completed pathways (with a known clock start)"
# Organisation code column per sheet level; the National sheet has none.
CODE_COLUMNS = {"provider": "Provider Code", "icb": "ICB Code"}
DIRECT_COMMISSIONING = "-"  # the ICB sheet's NHS ENGLAND rows
INCOMPLETE_METRICS = ("rtt_18wk_incomplete", "rtt_52wk_waiters", "rtt_52wk_pct", "rtt_waiting_list")
COMPLETED_METRIC = {"admitted": "rtt_admitted_18wk", "non-admitted": "rtt_nonadmitted_18wk"}
METRICS = (*INCOMPLETE_METRICS, *COMPLETED_METRIC.values())
MAX_HEADER_ROW = 40
DTA = "incomplete with a decision to admit"
LAYOUT_FIX = (
    "upload the workbook exactly as NHS England publishes it: after 'Treatment Function' come 104 one-week bands "
    "'>0-1' to '>103-104', then '104 plus' and the totals"
)


@dataclass(frozen=True)
class LevelSheet:
    """One sheet to read: its name, what its rows are (england, provider or icb) and its header row."""

    name: str
    level: str
    header_row: int


@dataclass(frozen=True)
class Located:
    """An RTT weekly-band workbook: which pathways, on what basis, for which month, and the sheets to read."""

    sheet: str
    pathway: str | None  # "incomplete", "admitted", "non-admitted", or None when the title block does not say
    facts: dict[str, str]
    sheets: tuple[LevelSheet, ...]
    skipped: tuple[str, ...]


def pathway_of(summary: str) -> str | None:
    """Which pathways a title block's Summary describes."""
    text = summary.lower()
    if "decision to admit" in text or "dta" in text.split():
        return DTA  # a subset of the waiting list: never read as the whole list
    if "incomplete" in text:
        return "incomplete"
    if "non-admitted" in text or "non admitted" in text:
        return "non-admitted"
    if "admitted" in text:
        return "admitted"
    return None


def _level(sheet: Sheet, header_row: int) -> str | None:
    """'england' for a sheet whose first column is the treatment function, 'provider'/'icb' by code column."""
    labels = [c.lower() for c in sheet.labels(header_row) if c]
    for level, column in CODE_COLUMNS.items():
        if column.lower() in labels:
            return level
    if labels and labels[0] == FUNCTION_CODE.lower():
        return "england"
    return None


def find(workbook: Workbook) -> Located | None:
    """The workbook when a sheet's title block names RTT and a header row has 'Treatment Function Code'."""
    chosen: list[LevelSheet] = []
    skipped: list[str] = []
    facts: dict[str, str] = {}
    for sheet in workbook.sheets:
        title = sheet.title_value("Title", max_rows=15) or ""
        if "referral to treatment" not in title.lower():
            continue
        header_row = sheet.find_row([FUNCTION_CODE], max_rows=MAX_HEADER_ROW)
        if header_row is None:
            continue
        facts = facts or title_facts(sheet)
        level = _level(sheet, header_row)
        if level is None:
            skipped.append(sheet.name)
        else:
            chosen.append(LevelSheet(sheet.name, level, header_row))
    if not chosen and not skipped:
        return None
    first = (chosen or [LevelSheet(skipped[0], "", 0)])[0].name
    return Located(first, pathway_of(facts.get("Summary", "")), facts, tuple(chosen), tuple(skipped))


def parse(workbook: Workbook, located: object) -> Parsed:
    """Canonical rows for England and every provider or ICB in the workbook, or the reason it cannot be read."""
    assert isinstance(located, Located)
    facts = located.facts
    period = month_of(facts.get("Period", ""))
    if located.pathway in (None, DTA) or period is None:
        return Parsed(format=NAME, problems=[_title_problem(located, period)])
    if not located.sheets:
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    f"none of the sheets ({', '.join(located.skipped)}) has England, provider or ICB rows",
                    fix="upload the whole workbook as published: perfdash reads its National, Provider and ICB sheets",
                    sheet=located.sheet,
                )
            ],
        )
    total_column = INCOMPLETE_TOTAL if located.pathway == "incomplete" else COMPLETED_KNOWN
    problems: list[Problem] = []
    frames: list[pd.DataFrame] = []
    sheet_totals: list[tuple[str, float]] = []
    notes: list[str] = []
    national: float | None = None
    for level_sheet in located.sheets:
        sheet = workbook.sheet(level_sheet.name)
        assert sheet is not None
        read = _read_sheet(sheet, level_sheet, total_column, problems)
        if read is None:
            continue
        frame, sheet_total, skipped_direct = read
        if level_sheet.level == "england":
            national = sheet_total
        else:
            sheet_totals.append((sheet.name, sheet_total))
        if skipped_direct:
            notes.append(
                f"Sheet {sheet.name!r}: skipped {skipped_direct} 'NHS ENGLAND' row(s): activity NHS England "
                "commissions directly, not a national total."
            )
        frames.append(frame.assign(period=period))
    if any(p.severity == "error" for p in problems):
        return Parsed(format=NAME, problems=problems)  # never load half a workbook
    notes.extend(_total_checks(sheet_totals, national, total_column, problems))
    rows = _canonical(pd.concat(frames, ignore_index=True), located.pathway, total_column)
    basis = facts.get("Basis", "?")
    england_note = f" (England as {ENGLAND_CODE})" if national is not None else ""
    notes.insert(
        0,
        f"RTT {located.pathway} pathways, {basis} basis, {label(period)}: {rows['org_code'].nunique():,} "
        f"organisations{england_note} from treatment function {ALL_FUNCTIONS} (all specialties); "
        f"{len(rows):,} values.",
    )
    status, revised = facts.get("Status", ""), facts.get("Revised", "").strip().strip("-")
    if status or revised:
        notes.append(f"Publication status: {status or 'not stated'}" + (f"; revised {revised}." if revised else "."))
    if located.skipped:
        notes.append(f"Not read: sheets {', '.join(located.skipped)} (regions and sub-ICB locations).")
    if located.pathway != "incomplete":
        notes.append(
            "Completed pathways: the share within 18 weeks is of pathways with a known clock start, as NHS England "
            "publishes it. The board's RTT standard is on incomplete pathways (the waiting list)."
        )
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes, status=file_status(facts))


def file_status(facts: dict[str, str]) -> str:
    """The workbook's own status: 'revised <date>' when its Revised: cell has a date, else its Status: cell."""
    revised = facts.get("Revised", "").strip()
    if revised and revised != "-":
        return f"revised {revised}"
    return facts.get("Status", "").strip()


def _title_problem(located: Located, period: str | None) -> Problem:
    """Why the title block does not say what the workbook holds."""
    if located.pathway == DTA:
        return Problem(
            "this is the workbook of incomplete pathways with a decision to admit, a subset of the waiting list",
            value=located.facts.get("Summary", ""),
            fix="upload the Incomplete (waiting list) workbook for the board's RTT measures",
            sheet=located.sheet,
        )
    if located.pathway is None:
        return Problem(
            "the title block's 'Summary:' does not say whether this is incomplete, admitted or non-admitted pathways",
            value=located.facts.get("Summary", ""),
            fix="upload the RTT workbook exactly as NHS England publishes it, title block included",
            sheet=located.sheet,
        )
    return Problem(
        "the title block's 'Period:' is not a month perfdash can read",
        value=located.facts.get("Period", "(no Period: cell)"),
        fix="the Period cell should read like 'December 2024'",
        sheet=located.sheet,
    )


def _read_sheet(
    sheet: Sheet, level_sheet: LevelSheet, total_column: str, problems: list[Problem]
) -> tuple[pd.DataFrame, float | None, int] | None:
    """The C_999 rows of one sheet as org_code/line/within_18/over_52/total, the sheet's total, skipped rows."""
    table = _total_rows_only(sheet, level_sheet.header_row).table(level_sheet.header_row)
    columns = table.columns
    header_problem = _layout_problem(columns, level_sheet, total_column)
    if header_problem is not None:
        problems.append(header_problem)
        return None
    cells = table.frame[table.frame[FUNCTION_CODE].str.strip().str.upper() == ALL_FUNCTIONS]
    if cells.empty:
        problems.append(
            Problem(
                f"no row has '{FUNCTION_CODE}' {ALL_FUNCTIONS} (the total for all treatment functions)",
                column=FUNCTION_CODE,
                fix="upload the workbook as published; perfdash reads each organisation's C_999 Total row",
                sheet=sheet.name,
            )
        )
        return None
    numbers = parse_decimals(
        cells, [*BANDS, total_column, OVER_52_TOTAL], problems, signed=True, sheet=sheet.name
    ).values
    bands = numbers[list(BANDS)].fillna(0.0)
    code_column = CODE_COLUMNS.get(level_sheet.level)
    codes = (
        cells[code_column].str.strip().str.upper()
        if code_column
        else pd.Series(ENGLAND_CODE, index=cells.index, dtype="str")
    )
    frame = pd.DataFrame(
        {
            "org_code": codes,
            "line": cells[LINE],
            "within_18": whole(bands[list(WITHIN_18)].sum(axis=1)),
            "over_52": whole(bands[list(OVER_52)].sum(axis=1)),
            "total": whole(numbers[total_column]),
        }
    )
    problems.extend(_band_checks(frame, whole(bands.sum(axis=1)), whole(numbers[OVER_52_TOTAL]), total_column, sheet))
    sheet_total = float(frame["total"].sum())
    direct = frame["org_code"] == DIRECT_COMMISSIONING
    problems.extend(_code_problems(frame[~direct], code_column, sheet.name))
    return frame[~direct & (frame["org_code"] != "")], sheet_total, int(direct.sum())


def _total_rows_only(sheet: Sheet, header_row: int) -> Sheet:
    """The sheet with every body row but the C_999 totals blanked (keeping row numbers): 20 times less to read."""
    labels = [c.lower() for c in sheet.labels(header_row)]
    at = labels.index(FUNCTION_CODE.lower())
    body = [
        row if len(row) > at and cell_text(row[at]).strip().upper() == ALL_FUNCTIONS else []
        for row in sheet.rows[header_row:]
    ]
    return Sheet(sheet.name, [*sheet.rows[:header_row], *body])


def _layout_problem(columns: list[str], level_sheet: LevelSheet, total_column: str) -> Problem | None:
    """A problem naming the first column that is not where the published layout has it."""
    lowered = [c.lower() for c in columns]
    start = lowered.index(FUNCTION_CODE.lower())
    departure = expected_sequence(columns, start + 1, (FUNCTION, *BANDS))
    if departure is not None:
        wanted, after, found = departure
        return Problem(
            f"expected the column '{wanted}' after '{after}', found '{found}'",
            line=level_sheet.header_row,
            column=found,
            fix=LAYOUT_FIX,
            sheet=level_sheet.name,
        )
    for needed in (total_column, OVER_52_TOTAL):
        if needed.lower() not in lowered:
            return Problem(
                f"the header has no column '{needed}' (found after the bands: "
                f"{', '.join(repr(c) for c in columns[start + 2 + len(BANDS) :][:8])})",
                line=level_sheet.header_row,
                column=needed,
                fix=LAYOUT_FIX,
                sheet=level_sheet.name,
            )
    return None


def _band_checks(
    frame: pd.DataFrame, all_bands: pd.Series, over_52_total: pd.Series, total_column: str, sheet: Sheet
) -> list[Problem]:
    """Errors where the bands do not add up to the sheet's own totals (a shifted or edited column)."""
    problems = []
    disagree_52 = over_52_total.notna() & ((frame["over_52"] - over_52_total).abs() > 0.5)
    over_total = frame["total"].notna() & (all_bands > frame["total"] + 0.5)
    for index in frame.index[disagree_52][:20]:
        problems.append(
            Problem(
                f"the bands '>52-53' to '104 plus' add up to {frame.at[index, 'over_52']:,.0f}, but "
                f"'{OVER_52_TOTAL}' says {over_52_total[index]:,.0f}",
                line=int(frame.at[index, "line"]),
                column=OVER_52_TOTAL,
                fix="upload the workbook exactly as published; a band column may have been moved or overtyped",
                sheet=sheet.name,
            )
        )
    for index in frame.index[over_total][:20]:
        problems.append(
            Problem(
                f"the weekly bands add up to {all_bands[index]:,.0f}, more than '{total_column}' "
                f"({frame.at[index, 'total']:,.0f})",
                line=int(frame.at[index, "line"]),
                column=total_column,
                fix="upload the workbook exactly as published; a band column may have been moved or overtyped",
                sheet=sheet.name,
            )
        )
    return problems


def _code_problems(frame: pd.DataFrame, code_column: str | None, sheet: str) -> list[Problem]:
    """Errors for blank or repeated organisation codes among the C_999 rows."""
    if code_column is None:
        repeated = frame.iloc[1:]
        return [
            Problem(
                f"the National sheet has more than one {ALL_FUNCTIONS} row",
                line=int(line),
                column=FUNCTION_CODE,
                sheet=sheet,
                fix="upload the workbook as published",
            )
            for line in repeated["line"][:5]
        ]
    blank = frame["org_code"] == ""
    repeated = frame["org_code"].duplicated() & ~blank
    problems = [
        Problem(f"this {ALL_FUNCTIONS} row has no '{code_column}'", line=int(line), column=code_column, sheet=sheet)
        for line in frame.loc[blank, "line"][:20]
    ]
    problems.extend(
        Problem(
            f"'{code_column}' {code} has more than one {ALL_FUNCTIONS} row",
            line=int(line),
            column=code_column,
            value=code,
            sheet=sheet,
            fix="keep one Total row per organisation",
        )
        for code, line in zip(frame.loc[repeated, "org_code"][:20], frame.loc[repeated, "line"][:20], strict=True)
    )
    return problems


def _total_checks(
    sheet_totals: list[tuple[str, float]], national: float | None, total_column: str, problems: list[Problem]
) -> list[str]:
    """Each organisation sheet's C_999 totals summed against the National sheet's: a note, or a warning."""
    notes: list[str] = []
    if national is None:
        return notes
    for sheet, summed in sheet_totals:
        if abs(summed - national) <= 0.5:
            notes.append(
                f"Sheet {sheet!r}: '{total_column}' summed over its rows is {summed:,.0f}, equal to the National "
                "sheet's total."
            )
        else:
            problems.append(
                Problem(
                    f"'{total_column}' summed over the {sheet} sheet is {summed:,.0f}, but the National sheet says "
                    f"{national:,.0f}",
                    column=total_column,
                    sheet=sheet,
                    severity="warning",
                    fix="check the workbook is complete and unedited; tick to load it as published",
                )
            )
    return notes


def _canonical(frame: pd.DataFrame, pathway: str, total_column: str) -> pd.DataFrame:
    """The metric rows for the pathway: rtt_* for incomplete, the 18-week share for completed pathways."""
    keys = frame[["period", "org_code", "line"]]
    if pathway == "incomplete":
        return build_rows(
            [
                ratio_rows(keys, "rtt_18wk_incomplete", frame["within_18"], frame["total"]),
                count_rows(keys, "rtt_52wk_waiters", frame["over_52"]),
                ratio_rows(keys, "rtt_52wk_pct", frame["over_52"], frame["total"]),
                count_rows(keys, "rtt_waiting_list", frame["total"]),
            ],
            INCOMPLETE_METRICS,
        )
    metric = COMPLETED_METRIC[pathway]
    return build_rows([ratio_rows(keys, metric, frame["within_18"], frame["total"])], (metric,))


IMPORTER = SheetImporter(
    name=NAME,
    label="NHS England RTT weekly-band workbook (incomplete, admitted or non-admitted pathways)",
    find=find,
    parse=parse,
    metrics=METRICS,
)
