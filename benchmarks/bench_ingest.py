"""Ingest throughput: a generated 1,000,000-row canonical file into an empty SQLite store, validation included.

Run: .venv/bin/python benchmarks/bench_ingest.py   (prints figures; asserts nothing)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfdash import national, service, store
from perfdash.config import load_config
from perfdash.ingest.pipeline import prepare


def main() -> None:
    config = load_config()
    with tempfile.TemporaryDirectory() as folder:
        engine = store.get_engine(f"sqlite:///{folder}/bench.sqlite")
        ref = national.reference(220).to_csv(index=False).encode()
        service.commit_prepared(engine, prepare("providers.csv", ref, config, engine), user="bench")
        frame = national.generate(config, providers=220, months=120)
        data = frame.to_csv(index=False).encode()
        rows = len(frame)
        print(f"file: {rows:,} rows, {len(data) / 1e6:.1f} MB")
        started = time.perf_counter()
        prepared = prepare("national.csv", data, config, engine)
        validated = time.perf_counter()
        assert prepared.ok, prepared.errors[:3]
        result = service.commit_prepared(engine, prepared, user="bench")
        done = time.perf_counter()
        print(f"validate + preview: {validated - started:.2f} s ({rows / (validated - started):,.0f} rows/s)")
        print(f"commit:             {done - validated:.2f} s ({rows / (done - validated):,.0f} rows/s)")
        total = done - started
        print(f"total ingest:       {total:.2f} s ({rows / total:,.0f} rows/s); added {result.added:,}")
        store.dispose_engines()


if __name__ == "__main__":
    main()
