"""The board pack's content, gathered once for both renderers.

`inputs_from_store` reads what the pack needs from the store once; `pack_content` turns it into one content model
(every figure from `perfdash.board` and `perfdash.benchmark`, every word from `content` and `perfdash.vocabulary`,
the charts drawn once). The PDF (`build`) and the PowerPoint (`slides`) only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, TypeVar

import pandas as pd

from perfdash import benchmark, exceptions, sources, store, summary
from perfdash.boardpack import charts, content
from perfdash.boardpack.content import MetricEntry
from perfdash.config import Config
from perfdash.exceptions import ExceptionReport
from perfdash.periods import add_months, label
from perfdash.store import Engine
from perfdash.summary import ExecutiveSummary
from perfdash.vocabulary import KITE_RATINGS, NO_CHANGE, format_value, target_text

# The overview's column names, in the overview's order (the PDF adds the two MDC icon columns after "vs plan").
SUMMARY_HEADINGS = ("Metric", "Latest", "vs target", "vs plan", "SPC reading", "Data to")
NOT_MET_HEADINGS = ("Standard not met", "Latest", "Target", "Plan", "Last met", "Lead", "Data quality")
File = TypeVar("File", bound="PackFile")


@dataclass(frozen=True)
class PackInputs:
    """What the pack reads from the store, read once: current values, commentary, uploads, plans and the lookup."""

    current: pd.DataFrame  # store.read_current
    commentary: pd.DataFrame  # store.read_commentary (latest per month)
    uploads: pd.DataFrame  # store.list_uploads (latest upload time, demo label)
    generated_by: str
    plans: pd.DataFrame | None = None  # store.read_plans
    reference: pd.DataFrame | None = None  # store.read_reference (the provider lookup)
    generated_at: datetime | None = None  # default: now


def inputs_from_store(engine: Engine, org_code: str, *, generated_by: str) -> PackInputs:
    """Everything one organisation's pack needs from the store."""
    return PackInputs(
        current=store.read_current(engine),
        commentary=store.read_commentary(engine, org_code=org_code),
        uploads=store.list_uploads(engine),
        generated_by=generated_by,
        plans=store.read_plans(engine),
        reference=store.read_reference(engine),
    )


@dataclass(frozen=True)
class PackFile:
    """A written pack, PDF or PowerPoint, and what went into it (the tests read the file back against this)."""

    data: bytes
    org_code: str
    period: str
    count: int  # pages or slides
    summary: tuple[str, ...]  # metric ids in the summary table, in order
    charted: tuple[str, ...]  # metric ids with a chart, in order
    exceptions: tuple[str, ...]  # metric ids with an exception report, in order
    file_name: str
    unit: ClassVar[str] = "pages"  # what count counts
    extension: ClassVar[str] = "pdf"

    def extent(self) -> str:
        """'37 pages' or '64 slides'."""
        return f"{self.count} {self.unit}"


@dataclass(frozen=True)
class PackContent:
    """Everything the pack shows for one organisation and month, figures and words, whatever the format."""

    config: Config
    org_code: str
    name: str  # the organisation's full name
    period: str
    entries: list[MetricEntry]  # every metric that applies, in registry order
    images: dict[str, bytes]  # metric id -> its chart as PNG
    data_month: str  # the latest month loaded
    uploaded: str | None  # when the latest live upload was made, in words
    notice: str | None  # the demo notice, None with real data only
    generated_by: str
    generated_at: datetime
    headline: ExecutiveSummary
    reports: list[ExceptionReport]  # one per failing metric, in registry order
    national: pd.DataFrame  # benchmark.national_columns for the month (empty: no national data loaded)
    national_note: str | None  # what to load for the England and London comparison, None when it is all there
    sources: pd.DataFrame  # sources.sources_table

    @property
    def short(self) -> str:
        """The organisation's short name, for running headers and footers."""
        return self.config.org_names.get(self.org_code, self.org_code)

    @property
    def charted(self) -> list[MetricEntry]:
        """The metrics with a chart, in registry order."""
        return [e for e in self.entries if e.metric.id in self.images]

    def title(self) -> str:
        """'Board performance pack: NHS North East London ICB, Sep 2025'."""
        return f"Board performance pack: {self.name}, {label(self.period)}"

    def generated(self) -> str:
        """'23 Nov 2025 14:05 GMT by secretary@nhs.net'."""
        return f"{content.uk_time(self.generated_at)} by {self.generated_by}"

    def facts(self) -> list[tuple[str, str]]:
        """The cover's facts: month, data as of, latest upload, when and by whom, SPC profile."""
        return [
            ("Month", label(self.period)),
            ("Data as of", f"{label(self.data_month)} (latest month loaded)"),
            ("Latest upload", self.uploaded or "none recorded"),
            ("Generated", self.generated()),
            ("SPC profile", self.config.app.spc_profile.upper()),
        ]

    def no_changes(self) -> str:
        """What the executive summary says when nothing changed since last month."""
        return f"Nothing changed in met, special cause or assurance since {label(self.headline.previous)}."

    def summary_headings(self) -> list[str]:
        """The summary table's columns: the overview's, with vs England, vs London and rank when national data is in."""
        return [*SUMMARY_HEADINGS, *(benchmark.NATIONAL_HEADINGS if not self.national.empty else ())]

    def summary_cells(self, entry: MetricEntry) -> list[str]:
        """One metric's summary row in the overview's words, under summary_headings."""
        metric = entry.metric
        cells = [
            metric.name,
            format_value(entry.value, metric.unit),
            entry.versus_target(),
            entry.versus_plan(),
            entry.reading_text(),
            entry.data_to(),
        ]
        if not self.national.empty:
            cells += benchmark.national_cells(self.national, metric.id, metric.unit)
        return cells

    def missed(self) -> list[ExceptionReport]:
        """The exception reports of the standards not met, in the executive summary's order."""
        by_id = {r.metric.id: r for r in self.reports}
        return [by_id[m] for m in self.headline.not_met if m in by_id]

    def not_met_cells(self, report: ExceptionReport) -> list[str]:
        """One standard not met, under NOT_MET_HEADINGS."""
        unit = report.metric.unit
        return [
            report.metric.name,
            format_value(report.value, unit),
            target_text(report.metric.direction, report.target, unit),
            NO_CHANGE if report.plan is None else format_value(report.plan, unit),
            report.since_met_short(),
            report.lead,
            KITE_RATINGS[report.quality.overall],
        ]

    def exception_facts(self, report: ExceptionReport, *, narrative: bool = False) -> list[tuple[str, str]]:
        """Beside an exception report's chart: lead, months since met, reading, England and London, (with
        `narrative`, what happened, the action, owner and due date), then data quality."""
        facts = [
            ("Accountable lead", report.lead),
            ("Months since last met", report.since_met_text()),
            ("SPC reading", report.reading()),
        ]
        if not self.national.empty:
            cells = benchmark.national_cells(self.national, report.metric.id, report.metric.unit)
            facts += list(zip(benchmark.NATIONAL_HEADINGS, cells, strict=True))
        if self.national_note:
            facts.append(("Benchmark", self.national_note))
        if narrative:
            facts += report.narrative_parts()
        facts.append(("Data quality", report.quality_text().removeprefix("Data quality: ")))
        return facts

    def written(self, kind: type[File], data: bytes, count: int) -> File:
        """The pack written as a file (a PackFile of `kind`) of `count` pages or slides."""
        return kind(
            data=data,
            org_code=self.org_code,
            period=self.period,
            count=count,
            summary=tuple(e.metric.id for e in self.entries),
            charted=tuple(e.metric.id for e in self.charted),
            exceptions=tuple(r.metric.id for r in self.reports),
            file_name=content.pack_file_name(self.org_code, self.period, kind.extension),
        )


def pack_content(inputs: PackInputs, config: Config, org_code: str, period: str | None = None) -> PackContent:
    """The pack's content for an organisation and month (default: its latest month with data), charts drawn."""
    current, reference = inputs.current, inputs.reference if inputs.reference is not None else pd.DataFrame()
    name = content.org_name(config, org_code)
    figures = content.BoardFigures(current, config, org_code, inputs.plans)
    period = content.pack_period(current, config, org_code, period, figures)
    charts.chromium_path()  # fail before the slow part when the charts cannot be drawn
    entries = content.collect(current, inputs.commentary, config, org_code, period, inputs.plans, figures)
    charted = [e for e in entries if e.reading is not None]
    pngs = charts.render_charts([charts.chart_figure(e, config, org_code, inputs.plans) for e in charted])
    national = benchmark.national_columns(current, reference, config, org_code, period)
    overview = figures.overview(period)
    synthetic = sources.synthetic_metrics(config, current, inputs.uploads)
    when = inputs.generated_at or datetime.now(UTC)
    return PackContent(
        config=config,
        org_code=org_code,
        name=name,
        period=period,
        entries=entries,
        images=dict(zip([e.metric.id for e in charted], pngs, strict=True)),
        data_month=max(e.latest_loaded for e in entries if e.latest_loaded),
        uploaded=content.latest_upload(inputs.uploads),
        notice=sources.demo_notice(config, synthetic, real_loaded=sources.real_data_loaded(inputs.uploads)),
        generated_by=inputs.generated_by,
        generated_at=when,
        headline=summary.summarise(overview, figures.overview(add_months(period, -1)), period),
        reports=exceptions.exception_reports(overview, current, inputs.commentary, config, org_code, period),
        national=national,
        national_note=benchmark.national_missing_text(national, reference),
        sources=sources.sources_table(config, current, inputs.uploads, when.date()),
    )
