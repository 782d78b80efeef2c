"""Bounds checked on an upload's raw bytes before anything parses it: size, line length, columns, cell
length, and for .xlsx/.zip the size once decompressed.

Every check reads the bytes in fixed-size chunks, so a hostile file is refused within seconds in memory
bounded by the limits (never a copy of the file), and no message quotes more than a few characters of it.
"""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np

from perfdash.config import Config
from perfdash.ingest.model import Problem

_CHUNK = 8 * 1024 * 1024
_ZIP_SIGNATURE = b"PK\x03\x04"
_QUOTE_LIMIT = 40
# Bytes after which a quote opens a cell: a delimiter, a line break, or a closing quote ("" inside a cell).
_FIELD_START = np.zeros(256, dtype=bool)
_FIELD_START[[ord(","), ord("\n"), ord("\r"), ord('"')]] = True


def check_limits(data: bytes, file_name: str, config: Config) -> list[Problem]:
    """Every bound the raw upload breaks, each as a problem naming the limit and its config.yaml setting."""
    from perfdash.store import FIELD_LENGTHS

    limits = config.limits
    problems: list[Problem] = []
    if len(file_name) > FIELD_LENGTHS["file_name"]:
        problems.append(
            Problem(
                f"the file name is {len(file_name):,} characters; the most is {FIELD_LENGTHS['file_name']}",
                fix="rename the file to something shorter and upload it again",
            )
        )
    max_bytes = config.app.max_upload_mb * 1024 * 1024
    if len(data) > max_bytes:
        problems.append(
            Problem(
                f"the file is {len(data) / 1024 / 1024:.1f} MB, over the {config.app.max_upload_mb} MB limit "
                "(app.max_upload_mb in config.yaml)",
                fix="split it into several files (for example one per year) and upload them one by one",
            )
        )
        return problems
    if data.startswith(_ZIP_SIGNATURE):
        problems.extend(_zip_problems(data, limits.max_unzipped_mb))
        return problems
    if data[:8].startswith((b"\xd0\xcf\x11\xe0", b"%PDF")):
        return problems  # an old Excel file or a PDF: the reader (or the decoder's refusal) bounds it
    longest, line = _longest_line(data)
    if longest > limits.max_line_chars:
        problems.append(
            Problem(
                f"this line is {longest:,} characters long; the most perfdash reads is "
                f"{limits.max_line_chars:,} (limits.max_line_chars in config.yaml)",
                line=line,
                fix="check the file is a monthly extract with one row per line, not a single-line export",
            )
        )
        # The header may be the long line: count its columns without reading past the limit.
        problems.extend(_column_problems(data, limits.max_columns, scan=limits.max_line_chars * 2))
        return problems
    problems.extend(_column_problems(data, limits.max_columns, scan=limits.max_line_chars))
    if longest > limits.max_cell_chars:
        problems.extend(_cell_problems(data, limits.max_cell_chars))
    if not problems and b'"' in data:
        # A quoted cell may span lines, so no single line is long: follow the quotes themselves.
        problems.extend(_quoted_cell_problems(data, limits.max_cell_chars))
    return problems


def _longest_line(data: bytes) -> tuple[int, int]:
    """The length in bytes of the longest line, and its 1-based number (chunked: no copy of the file)."""
    longest, longest_line, line_start, lines_before = 0, 1, 0, 0
    for offset in range(0, len(data), _CHUNK):
        chunk = np.frombuffer(data, dtype=np.uint8, count=min(_CHUNK, len(data) - offset), offset=offset)
        ends = np.flatnonzero(chunk == 10) + offset
        if ends.size:
            starts = np.concatenate(([line_start], ends[:-1] + 1))
            lengths = ends - starts
            index = int(np.argmax(lengths))
            if lengths[index] > longest:
                longest, longest_line = int(lengths[index]), lines_before + index + 1
            line_start = int(ends[-1]) + 1
            lines_before += ends.size
    tail = len(data) - line_start
    if tail > longest:
        longest, longest_line = tail, lines_before + 1
    return longest, longest_line


def _first_line(data: bytes, scan: int) -> tuple[int, bytes]:
    """The first line with content (1-based number, at most `scan` bytes of it)."""
    number, position = 1, 0
    while position < len(data):
        end = data.find(b"\n", position, position + scan)
        stop = end if end != -1 else min(len(data), position + scan)
        line = data[position:stop]
        if line.strip(b" ,\t;\r"):
            return number, line
        if end == -1:
            break
        number, position = number + 1, end + 1
    return number, b""


def _column_problems(data: bytes, max_columns: int, *, scan: int) -> list[Problem]:
    number, header = _first_line(data, scan)
    # Commas outside quotes; a quoted header cell rarely holds one, and counting can only over-estimate.
    columns = header.count(b",") + 1
    if columns > max_columns and b'"' in header:
        columns = len(next(csv.reader(io.StringIO(header.decode("utf-8", "replace"))), []))
    if columns <= max_columns:
        return []
    return [
        Problem(
            f"the header has {columns:,}{'+' if len(header) >= scan else ''} columns; the most perfdash reads is "
            f"{max_columns:,} (limits.max_columns in config.yaml)",
            line=number,
            fix="check it is the right file: perfdash's formats and NHS England's files have far fewer columns",
        )
    ]


def _cell_problems(data: bytes, max_cell_chars: int) -> list[Problem]:
    """Cells longer than the limit, looking only at lines long enough to hold one (first 5 reported)."""
    problems: list[Problem] = []
    number, position = 0, 0
    while position < len(data) and len(problems) < 5:
        end = data.find(b"\n", position)
        end = len(data) if end == -1 else end
        number += 1
        if end - position > max_cell_chars:
            text = data[position:end].decode("utf-8", "replace")
            for column, cell in enumerate(next(csv.reader([text]), []), start=1):
                if len(cell) > max_cell_chars:
                    problems.append(
                        Problem(
                            f"cell {column} is {len(cell):,} characters long; the most perfdash reads is "
                            f"{max_cell_chars:,} (limits.max_cell_chars in config.yaml)",
                            line=number,
                            value=cell[:_QUOTE_LIMIT] + "...",
                            fix="a cell holds one code, name or number: check for a missing line break or quote",
                        )
                    )
                    break
        position = end + 1
    return problems


def _zip_problems(data: bytes, max_unzipped_mb: int) -> list[Problem]:
    """An .xlsx or .zip whose declared contents exceed the limit (zipfile never inflates past them)."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return [
            Problem(
                "the file looks like an Excel .xlsx, .ods or .zip file but is damaged or cut short (its list of "
                "contents, kept at the end of the file, is missing)",
                fix="download it again; if it still fails, open it and save it again",
            )
        ]
    total = sum(entry.file_size for entry in entries)
    if total > max_unzipped_mb * 1024 * 1024 or len(entries) > 10_000:
        return [
            Problem(
                f"the file unpacks to {total / 1024 / 1024:,.0f} MB in {len(entries):,} parts; the most perfdash "
                f"reads is {max_unzipped_mb:,} MB (limits.max_unzipped_mb in config.yaml)",
                fix="upload the sheet you need saved as CSV, or split the workbook",
            )
        ]
    return []


def _quoted_cell_problems(data: bytes, max_cell_chars: int) -> list[Problem]:
    """A quoted cell longer than the limit (however many lines it spans) or never closed, located where it began.

    Quotes are followed chunk by chunk with numpy (a doubled quote inside a cell is part of it), so a 50 MB cell
    split over many short lines, or an unterminated quote that swallows the rest of the file, is refused in
    seconds without a copy of the file.
    """
    scan = _QuoteScan(data, max_cell_chars)
    start, length, how = scan.run()
    if start is None:
        return []
    line, column = _where(data, start)
    where = f"the quoted cell that begins here{column}"
    limit = f"the most perfdash reads in a cell is {max_cell_chars:,} (limits.max_cell_chars in config.yaml)"
    if how == "closed":
        message = f"{where} is {length:,} characters long; {limit}"
        fix = "a cell holds one code, name or number: check for a missing or extra quote"
    elif how == "running":
        # Stopped at the limit, not at its end: whether a quote closes it later makes no difference.
        message = f"{where} runs on for more than {length:,} characters; {limit}"
        fix = "a cell holds one code, name or number: check for a missing or extra quote"
    elif length > max_cell_chars:
        message = f"{where} is never closed: it runs on for {length:,} characters to the end of the file; {limit}"
        fix = "add the closing quote, or remove the stray opening quote"
    else:
        message = f"{where} is never closed: the file ends inside it, so it looks cut short"
        fix = "download the file again (or add the missing closing quote)"
    return [Problem(message, line=line, fix=fix)]


def _where(data: bytes, start: int) -> tuple[int, str]:
    """The 1-based line of a byte, and ', in column N (name)' when its line's earlier cells are plain."""
    line = data.count(b"\n", 0, start) + 1
    line_start = data.rfind(b"\n", 0, start) + 1
    prefix = data[line_start:start]
    if prefix.count(b'"') % 2:
        return line, ""  # this line continues an earlier quoted cell: the column cannot be named from it alone
    number = len(next(csv.reader([prefix.decode("utf-8", "replace")]), [])) if prefix else 1
    header = next(csv.reader([_first_line(data, 4096)[1].decode("utf-8", "replace")]), [])
    name = header[number - 1].strip()[:_QUOTE_LIMIT] if number <= len(header) else ""
    return line, f", in column {number}" + (f" ({name})" if name else "")


class _QuoteScan:
    """Walks a CSV's quotes in chunks: finds the first quoted cell over the limit, or one never closed."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data, self.limit = data, limit
        self.open_at: int | None = None  # where the quoted cell we are inside began
        self.pending: int | None = None  # a closing quote on a chunk's last byte: "" may continue past it

    def run(self) -> tuple[int | None, int, str]:
        """(start, length, how) of the first offending quoted cell: how is "closed", "running" (past the limit
        and not closed yet) or "unclosed" (the file ends inside it); (None, 0, "") when there is none."""
        size = len(self.data)
        for offset in range(0, size, _CHUNK):
            end = min(size, offset + _CHUNK)
            chunk = np.frombuffer(self.data, dtype=np.uint8, count=end - offset, offset=offset)
            quotes = np.flatnonzero(chunk == 34).astype(np.int64) + offset
            found = self._chunk(quotes, end)
            if found is not None:
                return found
        if self.open_at is not None and self.pending is None:
            return self.open_at, size - self.open_at - 1, "unclosed"
        return None, 0, ""

    def _chunk(self, quotes: np.ndarray, end: int) -> tuple[int, int, str] | None:
        if self.pending is not None:
            quotes = np.concatenate(([self.pending], quotes))
            self.pending = None
        found = self._openings_and_closings(quotes)
        if found is None:
            return None
        opens, closes = found
        if not opens.size:
            return None
        if closes.size == opens.size and closes[-1] == end - 1 and end < len(self.data):
            # Whether this quote closes the cell depends on the next chunk's first byte ("" continues it).
            self.pending = int(closes[-1])
            closes = closes[:-1]
        # A closing quote straight followed by an opening one is a doubled quote inside the same cell.
        pairs = min(closes.size, opens.size - 1)
        doubled = opens[1 : pairs + 1] == closes[:pairs] + 1
        starts = opens[np.concatenate(([True], ~doubled))]
        ends = closes[np.concatenate((~doubled, np.ones(closes.size - pairs, dtype=bool)))]
        lengths = ends - starts[: ends.size] - 1
        over = np.flatnonzero(lengths > self.limit)
        if over.size:
            index = int(over[0])
            return int(starts[index]), int(lengths[index]), "closed"
        self.open_at = int(starts[-1]) if starts.size > ends.size else None
        if self.open_at is not None and end - self.open_at - 1 > self.limit and self.pending is None:
            return self.open_at, end - self.open_at - 1, "unclosed" if end == len(self.data) else "running"
        return None

    def _openings_and_closings(self, quotes: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The chunk's opening and closing quotes, alternating from the cell carried in (if any).

        Quotes inside an unquoted cell (12" screen) are literal, as CSV readers take them, and are left out; None
        when there are too many of them to follow (the parser is then left to say what is wrong).
        """
        buffer = np.frombuffer(self.data, dtype=np.uint8)
        for _ in range(100):
            sequence = quotes if self.open_at is None else np.concatenate(([self.open_at], quotes))
            opens = sequence[0::2]
            checked = opens[0 if self.open_at is None else 1 :]  # the carried opening quote was checked before
            at_field_start = _FIELD_START[buffer[np.maximum(checked - 1, 0)]] | (checked == 0)
            if at_field_start.all():
                return opens, sequence[1::2]
            quotes = quotes[quotes != checked[int(np.argmin(at_field_start))]]
        return None
