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
        return [Problem("the file looks like a ZIP or Excel file but is damaged", fix="save it again and re-upload")]
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
