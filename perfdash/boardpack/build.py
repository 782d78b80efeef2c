"""The board pack as PDF: the content model (`model`) laid out by fpdf2 (`layout`, `pages`, `board_pages`)."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import pandas as pd

from perfdash.boardpack import board_pages, content, layout, pages
from perfdash.boardpack.model import PackContent, PackFile, PackInputs, inputs_from_store, pack_content
from perfdash.config import Config
from perfdash.periods import label
from perfdash.store import Engine

log = logging.getLogger("perfdash")


class BoardPack(PackFile):
    """The pack as PDF: `pdf` is its bytes and `pages` how many pages."""

    pdf = property(lambda self: self.data)
    pages = property(lambda self: self.count)


def render_pdf(made: PackContent) -> BoardPack:
    """Lay the pack's content out as the PDF: cover with contents, executive summary, exceptions, charts, appendix."""
    started = time.perf_counter()
    config, period = made.config, made.period
    footer = f"{made.short} · data as of {label(made.data_month)}"
    if made.uploaded:
        footer += f", latest upload {made.uploaded}"
    if made.notice:
        footer += f" · {config.app.demo_label}"
    pdf = layout.Pack(f"{made.short} · Board performance pack · {label(period)}", footer)
    pdf.set_title(made.title())
    pdf.set_author(made.generated_by)
    pdf.set_creator("perfdash")
    pdf.set_lang("en-GB")
    demo = config.app.demo_label if made.notice else None
    layout.cover(pdf, config, made.name, made.facts(), demo, made.notice, content.long_month(period))
    # The rest of the cover is kept for the contents, which fpdf2 writes once every section's page is known.
    # Page 2 is what a board reads first: the executive summary, then an exception report per failing metric.
    links = {r.metric.id: pdf.add_link() for r in made.reports}
    for change in made.headline.changes:
        if change.metric_id not in links and change.metric_id in made.images:
            pdf.chart_links[change.metric_id] = links[change.metric_id] = pdf.add_link()
    pdf.section = board_pages.EXECUTIVE_SUMMARY  # the page break that follows draws page 2's running header
    pdf.insert_toc_placeholder(layout.contents, pages=1)
    board_pages.executive_summary_page(pdf, made, links, new_page=False)
    pages.summary_pages(pdf, made, new_page=True)
    pages.matrix_page(pdf, content.summary_table(made.entries), period, config.app.assurance_against)
    board_pages.exception_pages(pdf, made, links)
    pages.domain_pages(pdf, made.entries, made.images, config, made.org_code, period)
    pages.sources_appendix(pdf, made.sources)
    pages.appendix(pdf, made.entries, config, made.org_code, period)
    data = bytes(pdf.output())
    log.info(
        "board pack %s %s for %s: %d pages, %d charts laid out in %.1fs",
        made.org_code,
        period,
        made.generated_by,
        pdf.pages_count,
        len(made.images),
        time.perf_counter() - started,
    )
    return made.written(BoardPack, data, pdf.pages_count)


def make_pack(
    current: pd.DataFrame,
    config: Config,
    org_code: str,
    period: str | None = None,
    *,
    commentary: pd.DataFrame,
    uploads: pd.DataFrame,
    generated_by: str,
    generated_at: datetime | None = None,
    plans: pd.DataFrame | None = None,
    reference: pd.DataFrame | None = None,
) -> BoardPack:
    """The PDF pack from frames the caller already has (see model.PackInputs); period: default the latest month."""
    inputs = PackInputs(current, commentary, uploads, generated_by, plans, reference, generated_at)
    return render_pdf(pack_content(inputs, config, org_code, period))


def pack_from_store(
    engine: Engine, config: Config, org_code: str, period: str | None = None, *, generated_by: str
) -> BoardPack:
    """Read the store once, then build the PDF pack."""
    return render_pdf(
        pack_content(inputs_from_store(engine, org_code, generated_by=generated_by), config, org_code, period)
    )
