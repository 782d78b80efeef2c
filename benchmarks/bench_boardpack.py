"""Time the board pack on demo data: the ICS pack (every metric; target under 30 s) and a trust pack.

Prints seconds per phase (SPC readings, figures, Chromium drawing the charts, PDF layout) and in total;
asserts nothing. Needs Chromium (scripts/system-deps.sh).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from perfdash import boardpack, service, store
from perfdash.config import load_config

PACKS = [("QMF", "the ICS, every metric"), ("R1H", "Barts Health, a large acute trust"), ("RRU", "LAS")]


def main() -> None:
    """Build each pack twice (the first run warms imports and the page cache) and print the second."""
    config = load_config()
    with tempfile.TemporaryDirectory() as folder:
        engine = store.get_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        service.load_demo(engine, config, last="2025-09")
        current = store.read_current(engine)
        commentary = store.read_commentary(engine)
        uploads = store.list_uploads(engine)
        boardpack.make_pack(current, config, "RRU", commentary=commentary, uploads=uploads, generated_by="bench")
        for org, what in PACKS:
            started = time.perf_counter()
            period = boardpack.pack_period(current, config, org)
            entries = boardpack.collect(current, commentary, config, org, period)
            readings = time.perf_counter()
            figures = [boardpack.chart_figure(e, config, org) for e in entries if e.reading is not None]
            built = time.perf_counter()
            boardpack.render_charts(figures)
            drawn = time.perf_counter()
            pack = boardpack.make_pack(current, config, org, commentary=commentary, uploads=uploads, generated_by="b")
            total = time.perf_counter() - drawn
            print(
                f"{org} ({what}): {total:.1f} s for {pack.pages} pages, {len(pack.charted)} charts, "
                f"{len(pack.pdf) / 1e6:.1f} MB  [phases: SPC {readings - started:.1f} s, figures "
                f"{built - readings:.1f} s, Chromium {drawn - built:.1f} s, layout and the rest "
                f"{total - (drawn - started):.1f} s]"
            )
        store.dispose_engines()


if __name__ == "__main__":
    main()
