"""The board pack: one A4-landscape PDF per organisation and month, made on the server. No Streamlit.

Cover with contents, summary table with MDC icons, the variation × assurance matrix, then domain by domain each
metric's SPC chart with its definition, targets, the rules that fired and the analysts' commentary, and an
appendix. Three parts: `content` (what goes in, every figure from `perfdash.board`), `charts` (kaleido) and
`layout` with `pages` (fpdf2); `build` puts them together.
"""

from perfdash.boardpack.build import BoardPack, build_pack, make_pack, pack_from_store
from perfdash.boardpack.charts import (
    CHART_PX,
    OFFLINE_PROXY,
    chart_figure,
    chart_page,
    chromium_path,
    render_charts,
)
from perfdash.boardpack.content import BoardPackError, MetricEntry, collect, org_name, pack_file_name, pack_period
from perfdash.boardpack.slides import SlidePack, make_slides, slides_from_store

__all__ = [
    "CHART_PX",
    "OFFLINE_PROXY",
    "BoardPack",
    "BoardPackError",
    "MetricEntry",
    "SlidePack",
    "build_pack",
    "chart_figure",
    "chart_page",
    "chromium_path",
    "collect",
    "make_pack",
    "make_slides",
    "org_name",
    "pack_file_name",
    "pack_from_store",
    "pack_period",
    "render_charts",
    "slides_from_store",
]
