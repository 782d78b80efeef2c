"""Malformed files an analyst might upload, each with what the error must say (built in code, not copied)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

HEADER = "period,org_code,metric_id,value,numerator,denominator\n"
GOOD_ROW = "2025-04,R1H,ae_4hr_all,,15230,20410\n"


@dataclass(frozen=True)
class BadFile:
    """A malformed file and the words (and line) its error must contain."""

    name: str
    data: bytes
    expect: str
    line: int | None = None


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, HEADER + GOOD_ROW)
    return buffer.getvalue()


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(rows)).encode("utf-8")


BAD_FILES: list[BadFile] = [
    BadFile(
        "semicolons", b"period;org_code;metric_id;value\n2025-04;R1H;ae_4hr_all;75\n", "separated by semicolons", 1
    ),
    BadFile("tabs", b"period\torg_code\tmetric_id\tvalue\n2025-04\tR1H\tae_4hr_all\t75\n", "separated by tabs", 1),
    BadFile("no header", b"2025-04,R1H,ae_4hr_all,75,,\n", "looks like data, not a header", 1),
    BadFile(
        "extra column",
        _csv("2025-04,R1H,ae_4hr_all,75,,,x\n", header=HEADER.strip() + ",comment\n"),
        "unexpected column 'comment'",
        1,
    ),
    BadFile(
        "renamed column",
        _csv("2025-04,R1H,ae_4hr_all,75\n", header="period,org_code,metric_id,val\n"),
        "unexpected column 'val'",
        1,
    ),
    BadFile(
        "missing value column",
        _csv("2025-04,R1H,ae_4hr_all\n", header="period,org_code,metric_id\n"),
        "required column 'value' is missing",
        1,
    ),
    BadFile("duplicate rows", _csv(GOOD_ROW, GOOD_ROW), "repeats the month, organisation and metric of line 2", 3),
    BadFile("ragged row", _csv(GOOD_ROW, "2025-05,R1H,ae_4hr_all,75,,,,\n"), "has 8 cells but the header has 6", 3),
    BadFile("thousands and text", _csv("2025-04,R1H,ae_attendances,lots,,\n"), "is not a number", 2),
    BadFile("85% for a count", _csv("2025-04,R1H,ae_attendances,85%,,\n"), "is not a number", 2),
    BadFile("0.85 then 85 above range", _csv("2025-04,R1H,ae_4hr_all,850,,\n"), "is above 100", 2),
    BadFile("day-first date", _csv("01/04/2025,R1H,ae_4hr_all,75,,\n"), "is not a month", 2),
    BadFile("Apr-25 date", _csv("Apr-25,R1H,ae_4hr_all,75,,\n"), "is not a month", 2),
    BadFile("slash month", _csv("2025/04,R1H,ae_4hr_all,75,,\n"), "is not a month", 2),
    BadFile("month 13", _csv("2025-13,R1H,ae_4hr_all,75,,\n"), "is not a month", 2),
    BadFile("future month", _csv("2099-01,R1H,ae_4hr_all,75,,\n"), "is in the future", 2),
    BadFile("unknown org", _csv("2025-04,ZZZ,ae_4hr_all,75,,\n"), "is not a known organisation", 2),
    BadFile("org with spaces inside", _csv("2025-04,R 1H,ae_4hr_all,75,,\n"), "is not an organisation code", 2),
    BadFile("unknown metric", _csv("2025-04,R1H,ae_5hr,75,,\n"), "is not a known metric id", 2),
    BadFile(
        "numerator above denominator",
        _csv("2025-04,R1H,ae_4hr_all,,25000,20410\n"),
        "is larger than the denominator",
        2,
    ),
    BadFile("zero denominator", _csv("2025-04,R1H,ae_4hr_all,,0,0\n"), "must be greater than zero", 2),
    BadFile("NaN value", _csv("2025-04,R1H,ae_attendances,NaN,,\n"), "is not a finite number", 2),
    BadFile("inf value", _csv("2025-04,R1H,ae_attendances,inf,,\n"), "is not a finite number", 2),
    BadFile("-Infinity value", _csv("2025-04,R1H,fin_cash_balance,-Infinity,,\n"), "is not a finite number", 2),
    BadFile("#DIV/0!", _csv("2025-04,R1H,ae_attendances,#DIV/0!,,\n"), "is not a finite number", 2),
    BadFile("negative count", _csv("2025-04,R1H,ae_attendances,-5,,\n"), "cannot be negative", 2),
    BadFile("negative numerator", _csv("2025-04,R1H,ae_4hr_all,,-5,100\n"), "cannot be negative", 2),
    BadFile(
        "formula in org",
        _csv('2025-04,"=HYPERLINK(""http://x"",""y"")",ae_4hr_all,75,,\n'),
        "is not an organisation code",
        2,
    ),
    BadFile("formula in value", _csv("2025-04,R1H,ae_attendances,=1+1,,\n"), "is not a number", 2),
    BadFile("empty file", b"", "The file is empty"),
    BadFile("whitespace only", b"\n\n  \n", "The file is empty"),
    BadFile("header only", _csv(), "header but no data rows"),
    # A .zip of one CSV is read (NHS England zips its RTT extract); a .zip of several is refused.
    BadFile("zip of two files", _zip("a.csv", "b.csv"), "holds 2 files"),
    BadFile("zip of nothing", _zip(), "holds 0 files"),
    BadFile("binary bytes", bytes(range(256)) * 4, "binary data"),
    BadFile("utf-16", (HEADER + GOOD_ROW).encode("utf-16"), "UTF-16"),
    BadFile(
        "invalid utf-8 after BOM",
        b"\xef\xbb\xbf" + HEADER.encode() + b"2025-04,R1H,ae_4hr_all,\x81\x8d,,\n",
        "not valid UTF-8",
    ),
    BadFile(
        "undecodable bytes",
        HEADER.encode() + b"2025-04,R1H,ae_4hr_all,\x81\x8d\x8f\x90,,\n",
        "cannot be read as UTF-8 or Windows-1252",
    ),
    BadFile(
        "format changes halfway",
        _csv(GOOD_ROW, "period,org_code,metric_id,value,numerator,denominator\n", "2025-05,R1H,ae_4hr_all,75,,\n"),
        "is not a month",
        3,
    ),
    BadFile(
        "wide then long",
        _csv("2025-04,R1H,75\n", "2025-05,R1H,ae_4hr_all,75,,\n", header="period,org_code,ae_4hr_all\n"),
        "has 6 cells but the header has 3",
        3,
    ),
    BadFile(
        "value and counts disagree",
        _csv("2025-04,R1H,ae_4hr_all,90,15230,20410\n"),
        "does not match numerator / denominator",
        2,
    ),
    BadFile("blank value no counts", _csv("2025-04,R1H,ae_4hr_all,,,\n"), "is blank", 2),
    BadFile("percent above 100 with sign", _csv("2025-04,R1H,ae_4hr_all,120%,,\n"), "is above 100", 2),
    BadFile("minutes over a day", _csv("2025-04,RRU,amb_cat2_mean,2000,,\n"), "is above 1440", 2),
    BadFile(
        "wide unknown metric column",
        _csv("2025-04,R1H,75\n", header="period,org_code,ae_5hr\n"),
        "does not match any format",
    ),
    BadFile("pdf", b"%PDF-1.7\n...", "PDF document"),
    BadFile("unrecognised header", _csv("1,2\n", header="name,score\n"), "does not match any format", 1),
]
