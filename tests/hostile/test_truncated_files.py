"""Issue 16: every real NHS file, cut short at seeded points, fails in one clear line or reads whole; never writes.

A download that stops early is the commonest damaged upload. Each file in ../shared/data (and a .zip holding one of
the CSVs, made here in memory) is cut after its first byte, at half, without its last byte and at two seeded random
points, and goes through the real pipeline against a real store.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from perfdash import store
from perfdash.ingest.pipeline import Prepared, prepare
from tests.conftest import SHARED_DATA

ZIPPED = "msitae-2025-04.csv.zip"  # the April MSitAE CSV zipped in memory: the .zip reader's turn


def real_files() -> list[str]:
    """The files of ../shared/data by path below it (empty when absent: the test then skips)."""
    if not SHARED_DATA.is_dir():
        return []
    return sorted(str(p.relative_to(SHARED_DATA)) for p in SHARED_DATA.rglob("*") if p.is_file() and p.suffix != ".md")


def file_bytes(root: Path, name: str) -> bytes:
    if name != ZIPPED:
        return (root / name).read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("msitae-2025-04.csv", (root / "nhse-ae" / "msitae-2025-04.csv").read_bytes())
    return buffer.getvalue()


def cut_points(size: int, name: str) -> list[int]:
    """After the first byte, at half, without the last byte, and two seeded random points (the same every run)."""
    rng = random.Random(f"issue16:{name}")
    return sorted({1, size // 2, size - 1, *rng.sample(range(2, size - 1), 2)})


def one_line(prepared: Prepared) -> None:
    for problem in prepared.problems:
        text = problem.describe()
        assert "\n" not in text and "Traceback" not in text and len(text) < 800, text


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", [*real_files(), ZIPPED])
def test_a_real_file_cut_short_fails_in_one_line_or_reads_whole(name, config, shared_data, sqlite_engine):
    data = file_bytes(shared_data, name)
    before = store.table_counts(sqlite_engine)
    whole: Prepared | None = None
    for cut in cut_points(len(data), name):
        piece = data[:cut]
        prepared = prepare(Path(name).name, piece, config, sqlite_engine)  # never raises
        one_line(prepared)
        if prepared.errors:
            continue
        if name.endswith(".csv"):
            # A CSV cut at a line's end is a smaller valid file; cut mid-line, its last line must be flagged.
            last_line = piece.count(b"\n") + 1
            flagged = any(w.line == last_line and "no line break" in w.message for w in prepared.warnings)
            assert piece.endswith((b"\n", b"\r")) or flagged, (name, cut, [p.describe() for p in prepared.problems])
        else:
            # A workbook or zip that still opens (its unused last bytes gone) must read exactly as the whole file.
            whole = whole or prepare(Path(name).name, data, config, None)
            assert prepared.rows.equals(whole.rows), (name, cut)
    assert store.table_counts(sqlite_engine) == before


def test_the_cut_points_cover_both_ends():
    assert cut_points(1000, "x.csv")[0] == 1 and cut_points(1000, "x.csv")[-1] == 999
    assert 500 in cut_points(1000, "x.csv") and len(cut_points(1000, "x.csv")) == 5


def test_a_csv_cut_mid_line_names_the_line_and_an_unfinished_last_value_needs_a_tick(config):
    text = "period,org_code,metric_id,value,numerator,denominator\n2025-04,R1H,ae_attendances,75,,\n"
    cut_in_row = prepare("cut.csv", (text + "2025-04,RF4,ae_att").encode(), config, None, today_month="2025-06")
    assert [p.describe()[:82] for p in cut_in_row.errors] == [
        "line 3: the file ends part-way through this line: it has 3 of the header's 6 cells"
    ]
    cut_in_last_value = prepare("cut.csv", (text + "2025-04,RF4,ae_attendances,75,,1").encode(), config, None)
    assert not cut_in_last_value.errors
    assert [(w.line, w.message[:44]) for w in cut_in_last_value.warnings] == [
        (3, "the file's last line has no line break at it")
    ]
    assert prepare("whole.csv", text.encode(), config, None, today_month="2025-06").problems == []


def test_an_xls_cut_part_way_through_a_block_is_refused_not_a_crash(config, shared_data):
    """calamine's Rust code panics on some cut .xls files (a BaseException): it must come back as one line."""
    data = (shared_data / "nhse-dm01" / "Monthly-Diagnostics-Web-File-Provider-March-2025_SW40K.xls").read_bytes()
    for cut in (513, 514, 1018, 381_640, 777_988):
        prepared = prepare("dm01.xls", data[:cut], config, None)
        assert len(prepared.errors) == 1
        assert "cannot be read: it is damaged or cut short" in prepared.errors[0].message
