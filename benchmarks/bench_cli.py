"""Command-line start-up: `python -m perfdash --help` and `check` against `python -c "import pandas"`.

Run: .venv/bin/python benchmarks/bench_cli.py [rounds]   (prints figures; asserts nothing)
The sides are interleaved round by round and compared by their minimums, so load from other work on the
machine hits both alike.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _seconds(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=False, capture_output=True)
    return time.perf_counter() - started


def main(rounds: int = 7) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/check.sqlite"
        subprocess.run([sys.executable, "-m", "perfdash", "demo", "--database", database], cwd=ROOT, check=True)
        sides = {
            "import pandas (floor)": [sys.executable, "-c", "import pandas"],
            "perfdash --help": [sys.executable, "-m", "perfdash", "--help"],
            "perfdash check": [sys.executable, "-m", "perfdash", "check", "--database", database],
        }
        times: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(rounds):
            for name, argv in sides.items():
                times[name].append(_seconds(argv))
    floor = min(times["import pandas (floor)"])
    for name, values in times.items():
        best = min(values)
        median = sorted(values)[len(values) // 2]
        print(f"{name:<24} min {best:.3f} s  median {median:.3f} s  {best / floor:.2f}x floor")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
