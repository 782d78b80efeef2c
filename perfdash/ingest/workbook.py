"""Read any uploaded file as sheets of cells: Excel (.xlsx, .xls), OpenDocument (.ods), CSV, or a .zip of one.

Publications come as workbooks with title blocks, super-headers and spacer columns; importers find their sheet
and header row by content with `Sheet.find_row` and read it with `Sheet.table`, whose rows keep the row number
Excel shows, so every problem can name the sheet, the row and the column's header.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.decode import decode_bytes

ZIP_SIGNATURE = b"PK\x03\x04"
EMPTY_ZIP_SIGNATURE = b"PK\x05\x06"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Largest member we unpack from a .zip (bytes); a zip bomb is refused before it is inflated.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
_SPACES = re.compile(r"\s+")


class ReadError(ValueError):
    """The file cannot be opened as a workbook or CSV; the message says why and what to do."""


@dataclass(frozen=True)
class Container:
    """What kind of file the bytes are, and for a .zip the member read from it."""

    kind: str  # "csv", "xlsx", "xls", "ods"
    data: bytes
    member: str | None = None


def cell_text(value: object) -> str:
    """A cell as the text a person reads: 1234.0 is '1234', a date is '2025-04-01', empty is ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def label_text(value: object) -> str:
    """A header cell normalised for matching: spaces and line breaks folded, ends stripped."""
    return _SPACES.sub(" ", cell_text(value)).strip()


def column_letter(index: int) -> str:
    """Excel's letter for a 0-based column index: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells as read: rows[0] is Excel row 1 and rows[r][0] is column A."""

    name: str
    rows: list[list[object]]

    @property
    def height(self) -> int:
        """Number of rows, blank ones included."""
        return len(self.rows)

    def cell(self, row: int, column: int) -> str:
        """Text of a cell by 1-based Excel row and 0-based column ('' beyond the edge)."""
        if not 1 <= row <= len(self.rows):
            return ""
        cells = self.rows[row - 1]
        return cell_text(cells[column]) if 0 <= column < len(cells) else ""

    def labels(self, row: int) -> list[str]:
        """The normalised text of every cell in a 1-based row."""
        if not 1 <= row <= len(self.rows):
            return []
        return [label_text(v) for v in self.rows[row - 1]]

    def find_row(self, required: Iterable[str], *, max_rows: int = 100) -> int | None:
        """The first 1-based row (within max_rows) whose cells include every required label, ignoring case."""
        wanted = {r.lower() for r in required}
        for row in range(1, min(len(self.rows), max_rows) + 1):
            present = {c.lower() for c in self.labels(row) if c}
            if wanted <= present:
                return row
        return None

    def title_value(self, key: str, *, max_rows: int = 30) -> str | None:
        """In a title block ('Period:' | 'March 2025'), the text right of the first cell reading key."""
        wanted = key.lower().rstrip(":")
        for row in range(1, min(len(self.rows), max_rows) + 1):
            cells = self.labels(row)
            for i, text in enumerate(cells):
                if text.lower().rstrip(":").strip() == wanted:
                    rest = [c for c in cells[i + 1 :] if c]
                    return rest[0] if rest else ""
        return None

    def table(self, header_row: int, *, super_row: int | None = None) -> Table:
        """The rows below a header as a frame of text, one column per labelled header cell.

        Blank header cells (spacer columns) are left out unless they hold data, when they are named after their
        letter. With super_row, each label is prefixed by the super-header above it ('A&E attendances / Type 1'),
        a merged super-header carrying right until the next one. Fully blank rows are dropped; LINE is the row.
        """
        header = self.rows[header_row - 1] if 1 <= header_row <= len(self.rows) else []
        body = self.rows[header_row:]
        width = max([len(header), *(len(r) for r in body)], default=0)
        supers = _carried(self.labels(super_row), width) if super_row else [""] * width
        names: list[str] = []
        letters: dict[str, str] = {}
        keep: list[int] = []
        for index in range(width):
            text = label_text(header[index]) if index < len(header) else ""
            has_data = any(index < len(r) and cell_text(r[index]).strip() for r in body)
            if not text and not has_data:
                continue
            name = text or f"(unlabelled column {column_letter(index)})"
            if supers[index] and text:
                name = f"{supers[index]} / {text}"
            base, n = name, 2
            while name in letters:
                name, n = f"{base} ({n})", n + 1
            names.append(name)
            letters[name] = column_letter(index)
            keep.append(index)
        data = {
            name: [cell_text(r[i]) if i < len(r) else "" for r in body] for name, i in zip(names, keep, strict=True)
        }
        frame = pd.DataFrame(data, columns=names, dtype="str")
        frame[LINE] = range(header_row + 1, header_row + 1 + len(body))
        filled = (frame[names].apply(lambda s: s.str.strip()) != "").any(axis=1) if names else frame[LINE] < 0
        frame = frame[filled]
        return Table(sheet=self.name, header_row=header_row, frame=frame.reset_index(drop=True), letters=letters)

    def to_csv_text(self, first_row: int = 1) -> str:
        """The sheet from a 1-based row down, as CSV text (for formats perfdash reads as CSV)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for cells in self.rows[first_row - 1 :]:
            texts = [cell_text(v) for v in cells]
            while texts and texts[-1] == "":
                texts.pop()
            writer.writerow(texts)
        return out.getvalue()


def _carried(labels: list[str], width: int) -> list[str]:
    """Super-header labels carried right across the blank cells of their merged span."""
    carried, current = [], ""
    for index in range(width):
        text = labels[index] if index < len(labels) else ""
        current = text or current
        carried.append(current)
    return carried


@dataclass(frozen=True)
class Table:
    """Rows under a header: text cells named by header label, LINE the Excel row, and each column's letter."""

    sheet: str
    header_row: int
    frame: pd.DataFrame
    letters: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Header labels in sheet order."""
        return [c for c in self.frame.columns if c != LINE]


@dataclass(frozen=True)
class Workbook:
    """A file read as sheets; a CSV is one sheet named after the file."""

    file_name: str
    kind: str
    sheets: tuple[Sheet, ...]
    member: str | None = None

    def sheet(self, name: str) -> Sheet | None:
        """A sheet by name, ignoring case and surrounding spaces."""
        wanted = name.strip().lower()
        return next((s for s in self.sheets if s.name.strip().lower() == wanted), None)

    def describe(self) -> str:
        """'an Excel workbook (.xlsx) with sheets A, B' for messages."""
        what = {
            "xlsx": "an Excel workbook (.xlsx)",
            "xls": "an old-style Excel workbook (.xls)",
            "ods": "an OpenDocument spreadsheet (.ods)",
            "csv": "a CSV file",
        }[self.kind]
        inside = f" inside the zip as {self.member!r}" if self.member else ""
        if self.kind == "csv":
            return what + inside
        names = ", ".join(repr(s.name) for s in self.sheets[:12])
        more = f" and {len(self.sheets) - 12} more" if len(self.sheets) > 12 else ""
        return f"{what}{inside} with sheets {names}{more}"


def sniff(file_name: str, data: bytes) -> Container:
    """Say what the bytes are (by content, not name), unpacking a .zip that holds one data file."""
    if data.startswith(OLE2_SIGNATURE):
        return Container("xls", data)
    if data.startswith((ZIP_SIGNATURE, EMPTY_ZIP_SIGNATURE)):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = archive.namelist()
        except (zipfile.BadZipFile, ValueError) as error:
            raise ReadError(
                f"This file looks like a .zip or .xlsx but cannot be opened ({error}). Download it again."
            ) from None
        if "[Content_Types].xml" in names:
            return Container("xlsx", data)
        if "mimetype" in names and archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument"):
            return Container("ods", data)
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not info.filename.endswith(".DS_Store")
        ]
        if len(members) != 1:
            listed = ", ".join(m.filename for m in members[:5]) or "nothing"
            raise ReadError(
                f"This .zip holds {len(members)} files ({listed}); perfdash reads a .zip holding exactly one CSV or "
                "workbook. Unzip it and upload the files one by one."
            )
        info = members[0]
        if info.file_size > MAX_UNPACKED_BYTES:
            raise ReadError(
                f"{info.filename!r} inside the .zip unpacks to {info.file_size / 1e6:,.0f} MB, over the "
                f"{MAX_UNPACKED_BYTES / 1e6:,.0f} MB perfdash unpacks. Upload a smaller file."
            )
        try:
            with archive.open(info) as member:
                inner = member.read(MAX_UNPACKED_BYTES + 1)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as error:
            raise ReadError(f"{info.filename!r} inside the .zip cannot be unpacked ({error}).") from None
        if len(inner) > MAX_UNPACKED_BYTES:
            raise ReadError(f"{info.filename!r} inside the .zip unpacks to more than perfdash reads.")
        if inner.startswith(ZIP_SIGNATURE) and not _is_office(inner):
            raise ReadError("This .zip holds another .zip. Unzip it and upload the file inside.")
        inside = sniff(info.filename, inner)
        return Container(inside.kind, inside.data, member=info.filename)
    return Container("csv", data)


def _is_office(data: bytes) -> bool:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names or "mimetype" in names


def _whole_sectors(data: bytes) -> bytes:
    """An .xls ending part-way through a block, padded to whole blocks as lenient readers do.

    An old-style Excel file is a 512-byte header and blocks of 512 (or 4096) bytes. Handed a part block,
    calamine's Rust code panics (its message reaches stderr) where it would otherwise say the file is damaged.
    """
    shift = int.from_bytes(data[30:32], "little") if len(data) >= 32 else 9
    sector = 1 << shift if shift in (9, 12) else 512
    partial = (len(data) - 512) % sector if len(data) > 512 else 0
    return data + b"\0" * (sector - partial) if partial else data


def read_sheets(container: Container) -> tuple[Sheet, ...]:
    """Every sheet of a workbook container, cells as Excel holds them (dates as dates, numbers as floats)."""
    from python_calamine import CalamineWorkbook  # imported here: CSV-only commands never load it

    what = {"xlsx": "Excel .xlsx", "xls": "Excel .xls", "ods": "OpenDocument .ods"}[container.kind]
    data = _whole_sectors(container.data) if container.kind == "xls" else container.data
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            sheets.append(Sheet(name=name, rows=sheet.to_python(skip_empty_area=False)))
    # calamine raises its own error types for damaged, encrypted or strict-XML files, and on some cut-short .xls
    # files its Rust code panics: pyo3 raises that as PanicException, a BaseException not importable by name.
    except BaseException as error:
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise  # Ctrl-C and exit stay what they are
        reason = " ".join(str(error).split())[:200]  # calamine's text, on one line
        raise ReadError(
            f"This {what} file cannot be read: it is damaged or cut short (a download that stopped early), "
            f"password-protected, or saved in a format perfdash does not read ({type(error).__name__}: {reason}). "
            "Download it again; if it still fails, open it in Excel and save it again as 'Excel Workbook (.xlsx)'."
        ) from None
    return tuple(sheets)


def csv_sheet(file_name: str, text: str) -> Sheet:
    """A CSV's text as one sheet of strings (CRLF or LF), named after the file."""
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    return Sheet(name=file_name.rsplit("/", 1)[-1], rows=rows)


def read_workbook(file_name: str, data: bytes) -> Workbook:
    """Any supported file as a Workbook; raises ReadError with a message for the analyst."""
    container = sniff(file_name, data)
    if container.kind == "csv":
        text = decode_bytes(container.data).text
        sheets: tuple[Sheet, ...] = (csv_sheet(container.member or file_name, text),)
    else:
        sheets = read_sheets(container)
    return Workbook(file_name=file_name, kind=container.kind, sheets=sheets, member=container.member)
