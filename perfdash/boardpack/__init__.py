"""The board pack: one A4-landscape PDF per organisation and month, made on the server. No Streamlit.

Cover with contents, summary table with MDC icons, the variation × assurance matrix, then domain by domain each
metric's SPC chart with its definition, targets, the rules that fired and the analysts' commentary, and an
appendix; the same pack as editable PowerPoint. `model` reads the store once (`PackInputs`) and gathers one content
model (`PackContent`) from `content` (what goes in, every figure from `perfdash.board`) and `charts` (kaleido);
`build` lays it out as the PDF with `layout`, `pages` and `board_pages` (fpdf2), `slides` as PowerPoint.
"""

from perfdash.boardpack.build import BoardPack, make_pack, pack_from_store, render_pdf
from perfdash.boardpack.charts import (
    CHART_PX,
    OFFLINE_PROXY,
    chart_figure,
    chart_page,
    chromium_path,
    render_charts,
)
from perfdash.boardpack.content import BoardPackError, MetricEntry, collect, org_name, pack_file_name, pack_period
from perfdash.boardpack.model import PackContent, PackInputs, inputs_from_store, pack_content
from perfdash.boardpack.slides import SlidePack, render_slides, slides_from_store

__all__ = [
    "CHART_PX",
    "OFFLINE_PROXY",
    "BoardPack",
    "BoardPackError",
    "MetricEntry",
    "PackContent",
    "PackInputs",
    "SlidePack",
    "chart_figure",
    "chart_page",
    "chromium_path",
    "collect",
    "inputs_from_store",
    "make_pack",
    "org_name",
    "pack_content",
    "pack_file_name",
    "pack_from_store",
    "pack_period",
    "render_charts",
    "render_pdf",
    "render_slides",
    "slides_from_store",
]
