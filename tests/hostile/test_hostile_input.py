"""Issue 16 cases 7, 12, 14 and 15 and the input limits (truncated real files: test_truncated_files.py)."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pandas as pd
import pytest

from perfdash import service
from perfdash.ingest.limits import check_limits
from perfdash.ingest.pipeline import prepare
from tests.ingest.corpus import HEADER

TODAY = "2025-06"


def messages(prepared) -> list[str]:
    return [p.describe() for p in prepared.errors]


@pytest.fixture(scope="module", autouse=True)
def warm(config) -> None:
    """Import and build everything once, so the timings below measure the file, not first use."""
    prepare("warm.csv", (HEADER + "2025-04,R1H,ae_attendances,75,,\n").encode(), config, None, today_month=TODAY)


def bounded(config, data: bytes, name: str = "hostile.csv", engine=None):
    """prepare() must answer within seconds and hold little beyond the input itself."""
    tracemalloc.start()
    started = time.perf_counter()
    prepared = prepare(name, data, config, engine, today_month=TODAY)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 5, f"took {elapsed:.1f}s"
    assert peak < 64 * 1024 * 1024, f"peaked at {peak / 1e6:.0f} MB over the input"
    for problem in prepared.problems:
        assert len(problem.describe()) < 600
    return prepared


def test_case7_a_million_column_header_is_refused_in_seconds(config):
    header = ",".join(f"c{i}" for i in range(1_000_000)).encode() + b"\n1,2,3\n"
    prepared = bounded(config, header)
    text = messages(prepared)
    assert len(text) == 2
    assert "this line is 7,888,889 characters long; the most perfdash reads is 100,000" in text[0]
    assert "limits.max_line_chars in config.yaml" in text[0]
    assert "the header has" in text[1] and "limits.max_columns" in text[1]


def test_case12_a_50_mb_cell_is_never_echoed(config):
    data = (HEADER + "2025-04,R1H,ae_4hr_all,").encode() + b"9" * 50_000_000 + b",,\n"
    prepared = bounded(config, data)
    assert not prepared.ok
    assert all(len(p.describe()) < 400 for p in prepared.problems)


def test_each_limit_has_its_own_message_and_setting(config):
    wide = ",".join(f"c{i}" for i in range(1500)) + "\n"
    assert (
        "the header has 1,500 columns; the most perfdash reads is 1,000 (limits.max_columns"
        in messages(bounded(config, wide.encode()))[0]
    )
    cell = HEADER + f"2025-04,R1H,ae_4hr_all,75,,{'x' * 6000}\n"
    text = messages(bounded(config, cell.encode()))
    assert "line 2: cell 6 is 6,000 characters long; the most perfdash reads is 5,000" in text[0]
    assert "x" * 200 not in text[0]
    small = config.model_copy(update={"app": config.app.model_copy(update={"max_upload_mb": 1})})
    big = (HEADER + "2025-04,R1H,ae_4hr_all,75,,\n" * 50_000).encode()
    assert "over the 1 MB limit (app.max_upload_mb in config.yaml)" in messages(bounded(small, big))[0]
    name = "n" * 300 + ".csv"
    assert (
        "the file name is 304 characters; the most is 255"
        in messages(bounded(config, (HEADER + "2025-04,R1H,ae_4hr_all,75,,\n").encode(), name=name))[0]
    )


def test_a_zip_bomb_is_refused_from_its_directory(config):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    tight = config.model_copy(update={"limits": config.limits.model_copy(update={"max_unzipped_mb": 2})})
    started = time.perf_counter()
    problems = check_limits(buffer.getvalue(), "bomb.xlsx", tight)
    assert time.perf_counter() - started < 1
    assert len(buffer.getvalue()) < 20_000
    assert "unpacks to 3 MB in 1 parts; the most perfdash reads is 2 MB (limits.max_unzipped_mb" in (
        problems[0].describe()
    )


@pytest.mark.parametrize(
    ("case", "body", "expected"),
    [
        (
            "extra leading field",
            "X,2025-04,R1H,ae_4hr_all,75,,\nX,2025-05,R1H,ae_4hr_all,76,,\n",
            "line 2: this row has 7 cells but the header has 6",
        ),
        (
            "full-width digits",
            "２０２５-０４,R1H,ae_4hr_all,75,,\n",
            "line 2, column period: contains FULLWIDTH DIGIT TWO (U+FF12)",
        ),
        (
            "Arabic-Indic digits",
            "٢٠٢٥-٠٤,R1H,ae_4hr_all,75,,\n",
            "line 2, column period: contains ARABIC-INDIC DIGIT TWO (U+0662)",
        ),
        (
            "Kelvin sign",
            "2025-04,R1H,ae_4hr_all,75,,\n2025-04,R1H,ae_4hr_\u212aall,75,,\n",
            "line 3, column metric_id: contains KELVIN SIGN (U+212A)",
        ),
        ("period 1900-01", "1900-01,R1H,ae_attendances,75,,\n", "line 2, column period: is before Jan 2000"),
        (
            "1.7e308 three times",
            "2025-04,R1H,ae_attendances,1.7e308,,\n2025-04,RF4,ae_attendances,1.7e308,,\n"
            "2025-04,RQX,ae_attendances,1.7e308,,\n",
            "line 2, column value: is larger than 1,000,000,000,000",
        ),
        ("line break in a code", '2025-04,"R1\nH",ae_4hr_all,75,,\n', "line 2, column org_code: has a line break"),
        ("tab inside a code", "2025-04,R1\tH,ae_4hr_all,75,,\n", "column org_code: contains"),
        ("two months ahead", "2025-08,R1H,ae_attendances,75,,\n", "line 2, column period: is in the future"),
    ],
)
def test_case14_strict_parsing(config, case, body, expected):
    prepared = bounded(config, (HEADER + body).encode())
    assert any(expected in m for m in messages(prepared)), (case, messages(prepared))


def test_next_month_is_accepted_and_earliest_is_configurable(config):
    assert bounded(config, (HEADER + "2025-07,R1H,ae_attendances,75,,\n").encode()).ok
    early = config.model_copy(update={"limits": config.limits.model_copy(update={"earliest_period": "2020-01"})})
    prepared = bounded(early, (HEADER + "2019-12,R1H,ae_attendances,75,,\n").encode())
    assert "is before Jan 2020" in messages(prepared)[0]


def test_case14_minus_zero_is_stored_and_exported_as_zero(config, engine):
    prepared = prepare("zero.csv", (HEADER + "2025-04,R1H,ae_12hr_dta_waits,-0,,\n").encode(), config, engine)
    assert prepared.ok, messages(prepared)
    service.commit_prepared(engine, prepared, user="a@nhs.net")
    exported = service.export_csv(engine).decode()
    assert ",-0" not in exported and "2025-04,R1H,ae_12hr_dta_waits,0.0" in exported


def test_case15_a_quoted_line_break_is_refused_where_its_cell_begins(config):
    body = '2025-04,R1H,ae_attendances,"7\n5",,\n\n2025-04,RF4,ae_attendances,y,,\n2025-05,R1H,ae_attendances,x,,\n'
    text = messages(bounded(config, (HEADER + body).encode()))
    assert [m[:75] for m in text] == ["line 2, column value: has a line break inside the cell, so it runs onto the"]


def test_canonical_rows_still_load_with_quotes_and_windows_line_ends(config):
    body = '"2025-04","R1H","ae_attendances","1,234",,\r\n2025-04,RF4,ae_attendances,99,,\r\n'
    prepared = bounded(config, (HEADER.replace("\n", "\r\n") + body).encode())
    assert prepared.ok, messages(prepared)
    assert prepared.rows["value"].tolist() == [1234.0, 99.0]


def test_case14_a_roll_up_never_reads_inf(config):
    from perfdash import board

    frame = pd.DataFrame(
        {
            "period": ["2025-04"] * 3,
            "org_code": ["R1H", "RF4", "RQX"],
            "value": [1.7e308] * 3,
            "numerator": [float("nan")] * 3,
            "denominator": [float("nan")] * 3,
        }
    )
    total = board.rollup(config.metric_by_id["ae_attendances"], frame)
    assert total["value"].isna().all() and total["reporting"].tolist() == [3]


def test_a_csv_inside_a_zip_gets_the_same_bounds(config):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", ",".join(f"c{i}" for i in range(200_000)) + "\n1,2\n")
    text = messages(bounded(config, buffer.getvalue(), name="wide.zip"))
    assert "data.csv inside the zip: line 1: this line is" in text[0] and "limits.max_line_chars" in text[0]
