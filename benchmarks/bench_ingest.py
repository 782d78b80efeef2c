"""Ingest of the national canonical file (1,293,600 rows), whole process, against a whole-process `read_csv` of it.

Run: .venv/bin/python benchmarks/bench_ingest.py [rounds] [--no-postgres]   (prints figures; asserts nothing)

Each round runs the floor (`python -c "import pandas; pandas.read_csv(file)"`) and then
`python -m perfdash ingest file` into a fresh store that already holds the provider reference, as a user
would: start-up, imports, decoding, parsing, validation, preview and the commit. The sides are interleaved
round by round and compared by their minimums, so other work on the machine slows both alike. Peak memory
is each child's own maximum resident set (wait4). PostgreSQL runs on loopback when it is installed.
Then, once, a republished copy of the file (1% of its values revised) is loaded into the last SQLite store:
the preview and the commit compare every row with the store.

The files are generated in a child too: Linux hands a parent's resident high-water mark on to a child it
spawns (exec keeps the larger of the two), so a parent that had held the generated frame made every child
report at least its peak.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_ROWS_PER_S = {"sqlite": 300_000, "postgresql": 200_000}


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one child process (fails loudly if the command fails)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return seconds, usage.ru_maxrss / 1024


def _ingest(path: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "perfdash", "ingest", str(path), "--database", url, "--user", "bench"]


def write_files(folder: Path) -> None:
    """The national canonical file and its provider reference (run in a child: see the module's docstring)."""
    from perfdash import national
    from perfdash.config import load_config

    frame = national.generate(load_config(), providers=220, months=120)
    (folder / "national.csv").write_bytes(frame.to_csv(index=False).encode())
    (folder / "providers.csv").write_text(national.reference(220).to_csv(index=False))


def main(rounds: int, with_postgres: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="perfdash-bench-"))
    server = None
    try:
        subprocess.run([sys.executable, __file__, "--write-files", str(folder)], cwd=ROOT, check=True)
        data = folder / "national.csv"
        with data.open("rb") as file:
            rows = sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b"")) - 1
        reference = folder / "providers.csv"
        template = folder / "template.sqlite"
        subprocess.run(_ingest(reference, f"sqlite:///{template}"), cwd=ROOT, check=True, capture_output=True)
        print(f"file: {rows:,} rows, {data.stat().st_size / 1e6:.1f} MB; {rounds} interleaved rounds")

        targets = {"sqlite": lambda n: _sqlite_copy(template, folder, n)}
        if with_postgres:
            server = _start_postgres()
            if server is not None:
                targets["postgresql"] = lambda n: _postgres_database(server, reference, n)
        floor: list[tuple[float, float]] = []
        ingest: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
        for round_number in range(rounds):
            floor.append(_run([sys.executable, "-c", f"import pandas; pandas.read_csv({str(data)!r})"]))
            for name, fresh_url in targets.items():
                ingest[name].append(_run(_ingest(data, fresh_url(round_number))))
        revision = None
        if "sqlite" in targets:
            # A republished national file: the same rows, 1% of the values revised, into the store the last
            # SQLite round loaded (the preview and the commit compare 1.3 million rows with the store).
            subprocess.run([sys.executable, __file__, "--write-revision", str(folder)], cwd=ROOT, check=True)
            loaded = f"sqlite:///{folder / f'round{rounds - 1}.sqlite'}"
            revision = _run([*_ingest(folder / "revised.csv", loaded), "--accept-warnings"])
        best_floor = min(seconds for seconds, _ in floor)
        print(f"floor, read_csv whole process: min {best_floor:.2f} s, peak {max(mb for _, mb in floor):.0f} MB")
        for name, runs in ingest.items():
            best = min(seconds for seconds, _ in runs)
            print(
                f"{name:<10} ingest whole process: min {best:.2f} s = {rows / best:,.0f} rows/s "
                f"(target {TARGET_ROWS_PER_S[name]:,}); {best / best_floor:.1f}x the floor (target 6x); "
                f"peak {max(mb for _, mb in runs):.0f} MB (target 400); all: "
                + ", ".join(f"{seconds:.2f}" for seconds, _ in runs)
            )
        if revision is not None:
            print(f"sqlite     revision load, whole process (1 run): {revision[0]:.2f} s, peak {revision[1]:.0f} MB")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def write_revision(folder: Path) -> None:
    """revised.csv: national.csv with the value of 1% of its rows (those without counts) raised by 0.1."""
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(folder / "national.csv")
    revise = (np.random.default_rng(1).random(len(frame)) < 0.01) & frame["numerator"].isna().to_numpy()
    frame.loc[revise, "value"] += 0.1
    frame.to_csv(folder / "revised.csv", index=False)


def _sqlite_copy(template: Path, folder: Path, round_number: int) -> str:
    copy = folder / f"round{round_number}.sqlite"
    shutil.copyfile(template, copy)
    return f"sqlite:///{copy}"


def _start_postgres():
    from tests.support import postgres

    try:
        return postgres.start()
    except RuntimeError as error:
        print(f"PostgreSQL skipped: {error}")
        return None


def _postgres_database(server, reference: Path, round_number: int) -> str:
    url = server.create_database(f"bench{round_number}")
    subprocess.run(_ingest(reference, url), cwd=ROOT, check=True, capture_output=True)
    return url


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-files"]:
        write_files(Path(sys.argv[2]))
        raise SystemExit
    if sys.argv[1:2] == ["--write-revision"]:
        write_revision(Path(sys.argv[2]))
        raise SystemExit
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else 3, "--no-postgres" not in sys.argv)
