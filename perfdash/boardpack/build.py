"""Make the board pack: content from the board, charts from kaleido, pages laid out by fpdf2."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from perfdash import benchmark, board, exceptions, sources, store, summary
from perfdash.boardpack import board_pages, charts, content, layout, pages
from perfdash.config import Config
from perfdash.periods import add_months, label
from perfdash.store import Engine

log = logging.getLogger("perfdash")


@dataclass(frozen=True)
class BoardPack:
    """The PDF and what went into it (the tests check the PDF against this)."""

    pdf: bytes
    org_code: str
    period: str
    pages: int
    summary: tuple[str, ...]  # metric ids in the summary table, in order
    charted: tuple[str, ...]  # metric ids with a chart, in order
    exceptions: tuple[str, ...]  # metric ids with an exception report page, in order
    file_name: str


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
    """Build the pack from frames the caller already has (the app passes its cached ones)."""
    # current: store.read_current's frame; commentary: store.read_commentary's (latest per month); uploads:
    # store.list_uploads' (latest upload time, demo label). period: default the latest month with data.
    started = time.perf_counter()
    name = content.org_name(config, org_code)
    period = content.pack_period(current, config, org_code, period)
    charts.chromium_path()  # fail before the slow part when the charts cannot be drawn
    entries = content.collect(current, commentary, config, org_code, period, plans)
    charted = [e for e in entries if e.reading is not None]
    pngs = charts.render_charts([charts.chart_figure(e, config, org_code, plans) for e in charted])
    images = dict(zip([e.metric.id for e in charted], pngs, strict=True))
    data_month = max(e.latest_loaded for e in entries if e.latest_loaded)
    uploaded = content.latest_upload(uploads)
    synthetic = sources.synthetic_metrics(config, current, uploads)
    notice = sources.demo_notice(config, synthetic, real_loaded=sources.real_data_loaded(uploads))
    short = config.org_names.get(org_code, org_code)
    footer = f"{short} · data as of {label(data_month)}" + (f", latest upload {uploaded}" if uploaded else "")
    if notice:
        footer += f" · {config.app.demo_label}"
    pdf = layout.Pack(f"{short} · Board performance pack · {label(period)}", footer)
    pdf.set_title(f"Board performance pack: {name}, {label(period)}")
    pdf.set_author(generated_by)
    pdf.set_creator("perfdash")
    pdf.set_lang("en-GB")
    facts = [
        ("Month", label(period)),
        ("Data as of", f"{label(data_month)} (latest month loaded)"),
        ("Latest upload", uploaded or "none recorded"),
        ("Generated", f"{content.uk_time(generated_at or datetime.now(UTC))} by {generated_by}"),
        ("SPC profile", config.app.spc_profile.upper()),
    ]
    layout.cover(
        pdf, config, name, facts, config.app.demo_label if notice else None, notice, content.long_month(period)
    )
    # The rest of the cover is kept for the contents, which fpdf2 writes once every section's page is known.
    # Page 2 is what a board reads first: the executive summary, then an exception report per failing metric.
    overview = board.overview(current, config, org_code, period)
    headline = summary.summarise(overview, board.overview(current, config, org_code, add_months(period, -1)), period)
    national = benchmark.national_columns(
        current, reference if reference is not None else pd.DataFrame(), config, org_code, period
    )
    reports = exceptions.exception_reports(overview, current, commentary, config, org_code, period, national)
    links = {r.metric.id: pdf.add_link() for r in reports}
    for change in headline.changes:
        if change.metric_id not in links and change.metric_id in images:
            pdf.chart_links[change.metric_id] = links[change.metric_id] = pdf.add_link()
    pdf.section = board_pages.EXECUTIVE_SUMMARY  # the page break that follows draws page 2's running header
    pdf.insert_toc_placeholder(layout.contents, pages=1)
    board_pages.executive_summary_page(pdf, headline, reports, links, new_page=False)
    pages.summary_pages(pdf, entries, config, period, new_page=True)
    pages.matrix_page(pdf, content.summary_table(entries), period, config.app.assurance_against)
    board_pages.exception_pages(pdf, reports, images, links)
    pages.domain_pages(pdf, entries, images, config, org_code, period)
    when = generated_at or datetime.now(UTC)
    pages.sources_appendix(pdf, sources.sources_table(config, current, uploads, when.date()))
    pages.appendix(pdf, entries, config, org_code, period)
    data = bytes(pdf.output())
    log.info(
        "board pack %s %s for %s: %d pages, %d charts in %.1fs",
        org_code,
        period,
        generated_by,
        pdf.pages_count,
        len(charted),
        time.perf_counter() - started,
    )
    return BoardPack(
        pdf=data,
        org_code=org_code,
        period=period,
        pages=pdf.pages_count,
        summary=tuple(e.metric.id for e in entries),
        charted=tuple(e.metric.id for e in charted),
        exceptions=tuple(r.metric.id for r in reports),
        file_name=content.pack_file_name(org_code, period),
    )


def build_pack(
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
) -> bytes:
    """The pack's PDF bytes (see make_pack)."""
    return make_pack(
        current,
        config,
        org_code,
        period,
        commentary=commentary,
        uploads=uploads,
        generated_by=generated_by,
        generated_at=generated_at,
        plans=plans,
        reference=reference,
    ).pdf


def pack_from_store(
    engine: Engine, config: Config, org_code: str, period: str | None = None, *, generated_by: str
) -> BoardPack:
    """Read current values, commentary and uploads from the store, then build the pack."""
    return make_pack(
        store.read_current(engine),
        config,
        org_code,
        period,
        commentary=store.read_commentary(engine, org_code=org_code),
        uploads=store.list_uploads(engine),
        generated_by=generated_by,
        plans=store.read_plans(engine),
        reference=store.read_reference(engine),
    )
