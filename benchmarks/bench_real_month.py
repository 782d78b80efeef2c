"""A real month: every publication in ../shared/data in one `ingest` into an empty SQLite store; and Excel throughput.

Run: .venv/bin/python benchmarks/bench_real_month.py   (prints figures; asserts nothing)

1. Every file in ../shared/data, as published, through `python -m perfdash ingest` in one process (imports,
   reading, validation and the commit included), three times, each into a new empty store: the best time.
2. A generated 100,000-row canonical .xlsx (written by XlsxWriter) through `prepare`, against the floor of
   reading the same workbook's cells with python-calamine alone.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"


def real_month() -> None:
    files = sorted(p for p in SHARED.rglob("*") if p.is_file() and p.suffix.lower() in {".csv", ".xls", ".xlsx"})
    size = sum(p.stat().st_size for p in files)
    print(f"real month: {len(files)} files, {size / 1e6:.1f} MB")
    best = float("inf")
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            database = f"sqlite:///{folder}/real.sqlite"
            started = time.perf_counter()
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "perfdash",
                    "ingest",
                    *map(str, files),
                    "--database",
                    database,
                    "--accept-warnings",
                    "--user",
                    "bench",
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            elapsed = time.perf_counter() - started
            if result.returncode != 0:
                print(f"  ingest failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
                return
            best = min(best, elapsed)
    last = [line for line in result.stdout.splitlines() if line.startswith("added")]
    print(f"  one ingest, whole process, best of 3: {best:.2f} s (target under 15 s); {last[-1] if last else ''}")


def excel_throughput(rows: int = 100_000) -> None:
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from perfdash.config import load_config
    from perfdash.ingest.pipeline import prepare

    config = load_config()
    metrics = [m.id for m in config.metrics]
    orgs = [config.system.code, *(o.code for o in config.organisations), *sorted(config.place_codes)]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("Returns")
    sheet.write_row(0, 0, ["period", "org_code", "metric_id", "value", "numerator", "denominator"])
    for i in range(rows):
        # Every (month, organisation, metric) once: months from January 2000 onwards.
        month_index, rest = divmod(i, len(orgs) * len(metrics))
        org, metric = divmod(rest, len(metrics))
        period = f"{2000 + month_index // 12}-{month_index % 12 + 1:02d}"
        sheet.write_row(i + 1, 0, [period, orgs[org], metrics[metric], 40 + i % 50, None, None])
    book.close()
    data = out.getvalue()
    print(f"canonical .xlsx: {rows:,} rows, {len(data) / 1e6:.1f} MB")
    floor, ours = float("inf"), float("inf")
    for _ in range(3):
        started = time.perf_counter()
        CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        floor = min(floor, time.perf_counter() - started)
        started = time.perf_counter()
        prepared = prepare("returns.xlsx", data, config, None, today_month="2026-11")
        ours = min(ours, time.perf_counter() - started)
    status = "ok" if prepared.ok else f"{len(prepared.errors)} errors, e.g. {prepared.errors[0].describe()}"
    print(f"  calamine read alone (floor): {floor:.2f} s ({rows / floor:,.0f} rows/s)")
    print(
        f"  perfdash read + validate:    {ours:.2f} s ({rows / ours:,.0f} rows/s; target 50,000), "
        f"{ours / floor:.1f}x the floor; {status}"
    )


if __name__ == "__main__":
    if SHARED.is_dir():
        real_month()
    else:
        print(f"real month: skipped, {SHARED} is not present")
    excel_throughput()
