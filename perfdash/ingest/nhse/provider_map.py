"""Provider and site lookup to ICB and NHS England region, from the A&E publication's system mapping file."""

from __future__ import annotations

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Importer, Parsed, Problem
from perfdash.ingest.nhse.common import (
    head_rows,
    header_is,
    missing_columns,
    never_raises,
    org_codes,
    read_text_cells,
)

NAME = "provider_reference"
CODE, PROVIDER_NAME, ICB_CODE, ICB_NAME, REGION = "Code", "Name", "ICB Code", "ICB Name", "Region Name"
COLUMNS = (CODE, PROVIDER_NAME, ICB_CODE, ICB_NAME, REGION)
REFERENCE_COLUMNS = ["code", "name", "icb_code", "icb_name", "region"]
# "London Commissioning Region" -> "London", the name the rest of perfdash (and config.yaml) uses.
_REGION_SUFFIX = r"\s+Commissioning Region$"


def matches(header: list[str]) -> bool:
    """Exactly Code, Name, ICB Code, ICB Name, Region Name."""
    return header_is(header, COLUMNS)


@never_raises(NAME)
def parse(text: str) -> Parsed:
    """Reference rows (code, name, icb_code, icb_name, region); no canonical metric rows."""
    cells = read_text_cells(text)
    problems = missing_columns(cells.columns, COLUMNS, "the provider to ICB mapping file")
    if problems:
        return Parsed(format=NAME, problems=problems)
    codes, has_code = org_codes(cells, CODE, problems)
    reference = pd.DataFrame(
        {
            "code": codes,
            "name": cells[PROVIDER_NAME].str.strip(),
            "icb_code": cells[ICB_CODE].str.strip().str.upper(),
            "icb_name": cells[ICB_NAME].str.strip(),
            "region": cells[REGION].str.strip().str.replace(_REGION_SUFFIX, "", regex=True, case=False),
            LINE: cells[LINE],
        }
    )[has_code]
    notes: list[str] = []

    # A repeated row says nothing new (a warning); a code mapped two different ways is an error.
    repeated = reference["code"].duplicated(keep="first")
    first = reference.drop_duplicates("code", keep="first").set_index("code")
    for line, code, *values in head_rows(reference.loc[repeated, [LINE, *REFERENCE_COLUMNS]]):
        earlier = first.loc[code]
        same = list(earlier[REFERENCE_COLUMNS[1:]]) == values
        problems.append(
            Problem(
                f"code {code} appears again (first on line {int(earlier[LINE])})"
                + ("; the rows are identical, so the repeat is ignored" if same else " with a different mapping"),
                line=int(line),
                column=CODE,
                value=code,
                fix="delete the repeated row" if same else "keep one row per code, with the right ICB and region",
                severity="warning" if same else "error",
            )
        )
    reference = reference[~repeated].drop(columns=LINE).reset_index(drop=True)
    notes.append(
        f"Read {len(reference):,} providers and sites in {reference['icb_code'].nunique():,} ICBs across "
        f"{reference['region'].nunique():,} regions."
    )
    if repeated.any():
        count = int(repeated.sum())
        notes.append(f"Ignored {count:,} repeated code{'' if count == 1 else 's'} (see the problems list).")
    return Parsed(format=NAME, problems=problems, notes=notes, reference=reference)


IMPORTER = Importer(
    name=NAME,
    label="Provider to ICB and region lookup (NHS England A&E system mapping)",
    matches=matches,
    parse=parse,
    metrics=(),
)
