"""Issue 16 cases 12 and 15 across lines: a quoted cell spanning lines is bounded, located, and refused in codes."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from perfdash.ingest.limits import check_limits
from perfdash.ingest.pipeline import prepare
from tests.ingest.corpus import HEADER
from tests.ingest.nhse.test_msitae import build, row

TODAY = "2025-06"


def refused_in_bounds(config, data: bytes) -> list[str]:
    """check_limits refuses within seconds, holding memory for a chunk (not the file); the messages it gives."""
    tracemalloc.start()
    started = time.perf_counter()
    problems = check_limits(data, "hostile.csv", config)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 5, f"took {elapsed:.1f}s"
    assert peak < 80 * 1024 * 1024, f"peaked at {peak / 1e6:.0f} MB for a {len(data) / 1e6:.0f} MB file"
    assert problems, "not refused"
    texts = [p.describe() for p in problems]
    assert all(len(t) < 600 and "\n" not in t for t in texts), texts
    return texts


def test_a_50_mb_cell_split_over_quoted_lines_is_refused_where_it_begins(config):
    data = (HEADER + "2025-04,R1H,ae_attendances,75,,\n2025-04,RF4,ae_attendances,").encode()
    data += b'"' + b"9999\n" * 10_000_000 + b'",,\n'
    (text,) = refused_in_bounds(config, data)
    assert text.startswith("line 3: the quoted cell that begins here, in column 4 (value) runs on for more than ")
    assert "limits.max_cell_chars in config.yaml" in text


def test_an_unterminated_quote_that_swallows_the_rest_of_the_file_is_refused(config):
    data = (HEADER + '2025-04,"R1H,ae_attendances,75,,\n').encode() + b"2025-04,RF4,ae_attendances,75,,\n" * 1_000_000
    (text,) = refused_in_bounds(config, data)
    assert text.startswith("line 2: the quoted cell that begins here, in column 2 (org_code) ")
    assert "runs on for more than" in text


def test_an_unterminated_quote_near_the_end_says_the_file_looks_cut_short(config):
    data = (HEADER + "2025-04,R1H,ae_attendances,75,,\n" * 3 + '2025-04,R1H,"ae_atten').encode()
    (text,) = refused_in_bounds(config, data)
    assert text.startswith("line 5: the quoted cell that begins here, in column 3 (metric_id) is never closed")
    assert "looks cut short" in text


def test_doubled_quotes_belong_to_their_cell_and_count_towards_its_length(config):
    data = (HEADER + '2025-04,R1H,ae_attendances,"' + 'a""\n' * 3000 + '",,\n').encode()
    (text,) = refused_in_bounds(config, data)
    assert text.startswith("line 2: the quoted cell that begins here, in column 4 (value) is 12,000 characters long")


def test_quotes_that_are_text_or_cells_within_the_limit_pass_the_bounds(config):
    fine = HEADER + '2025-04,R1H,"ae_""x""",12" screen,,\n2025-04,"R1H","ae_attendances","1,234",,\n'
    assert check_limits(fine.encode(), "fine.csv", config) == []
    wrapped = build([row("R1H", **{"Org name": "ROYAL\nLONDON " * 300})])  # 4,200 characters over 300 lines
    assert check_limits(wrapped.encode(), "msitae.csv", config) == []


LINE_BREAK = "has a line break inside the cell, so it runs onto the next line"


@pytest.mark.parametrize(
    "name, text, where",
    [
        ("canonical code", HEADER + '2025-04,"R1\nH",ae_attendances,75,,\n', "line 2, column org_code"),
        ("canonical period", HEADER + '"2025-04\n",R1H,ae_attendances,75,,\n', "line 2, column period"),
        ("canonical value", HEADER + '2025-04,R1H,ae_attendances,"75\n",,\n', "line 2, column value"),
        ("wide", 'period,org_code,ae_attendances\n2025-04,R1H,5\n2025-04,"RF4\n",5\n', "line 3, column org_code"),
        ("plan", 'period,org_code,metric_id,plan\n2025-04,RF4,"ae_4hr_all\n",77\n', "line 2, column metric_id"),
        ("msitae", build([row("RF4"), row("R1H\n")]), "line 3, column Org Code"),
        (
            "msitae after a wrapped name",
            build([row("RF4", **{"Org name": "A\nB"}), row("R1H", **{"A&E attendances Type 1": "7\n"})]),
            "line 4, column A&E attendances Type 1",
        ),
    ],
)
def test_case15_a_line_break_in_a_quoted_code_or_number_is_refused_where_the_cell_begins(config, name, text, where):
    prepared = prepare(f"{name}.csv", text.encode(), config, None, today_month=TODAY)
    assert [p.describe()[: len(where) + 2 + len(LINE_BREAK)] for p in prepared.errors] == [f"{where}: {LINE_BREAK}"]
    assert prepared.rows.empty


def test_a_published_name_may_wrap_and_later_lines_stay_right(config):
    text = build([row("RF4", **{"Org name": "KING GEORGE\nHOSPITAL"}), row("R1H", **{"A&E attendances Type 1": "x"})])
    prepared = prepare("msitae.csv", text.encode(), config, None, today_month=TODAY)
    assert [p.line for p in prepared.errors] == [4], [p.describe() for p in prepared.problems]


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n1,"ab""cd""ef""gh"\n2,"x"\n',  # doubled quotes: one cell of 14 characters
        'a,b\n1,"short"\n2,"ab\ncd\nef\ngh"\n',  # a cell of 11 characters over four lines
        'a,b\n1,"x"\n2,"never closed\n3,4\n',  # the file ends inside a quoted cell
        'a,b\n1,12" screen\n2,""\n3,"ok"\n',  # a literal quote, an empty quoted cell
    ],
)
def test_quotes_read_the_same_whatever_the_chunk_boundaries(monkeypatch, text):
    """A doubled quote split between two chunks still belongs to its cell: every chunk size gives one answer."""
    from perfdash.ingest import limits

    def where(size: int) -> list[tuple[int | None, str]]:
        monkeypatch.setattr(limits, "_CHUNK", size)
        # The place, and the cell named: a small chunk may stop at the limit before the cell's end is seen.
        return [(p.line, p.message[:50]) for p in limits._quoted_cell_problems(text.encode(), 10)]

    expected = where(1 << 20)
    assert all(where(size) == expected for size in range(1, len(text) + 1)), expected
