"""The board pack on a real SQLite store with the demo data, drawn by the real Chromium, read back with poppler.

Each pack is built once per module (module-scoped fixtures) and checked from the PDF itself: pages render,
one chart image per metric with data, the summary's text matches the board's numbers, special characters print.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from pypdf import PdfReader

from perfdash import board, boardpack, demo, present, service, store, targets, vocabulary
from perfdash.config import Config
from perfdash.periods import label
from tests.support.cli import run_entry_point

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2025-09"
# One trust of each kind beside the ICS: acute (Barts Health), community and mental health (NELFT), ambulance
# (LAS). The other acute and mental health trusts' packs are laid out by the same code from the same metrics.
TRUSTS = ["R1H", "RAT", "RRU"]
pytestmark = pytest.mark.browser  # kaleido draws the charts with Chromium


def _unavailable(reason: str) -> None:
    """Fail under `make test` (PERFDASH_REQUIRE_BROWSER=1), else skip with the reason."""
    if os.environ.get("PERFDASH_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (PERFDASH_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    """The system Chromium and poppler's tools, or skip (fail under PERFDASH_REQUIRE_BROWSER)."""
    try:
        path = boardpack.chromium_path()
    except boardpack.BoardPackError as error:
        _unavailable(str(error))
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is needed to check the PDF: apt-get install poppler-utils")
    return path


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory, config: Config) -> Iterator[str]:
    """A SQLite store with the demo data to Sep 2025 and some commentary with characters that must print."""
    url = f"sqlite:///{tmp_path_factory.mktemp('boardpack') / 'demo.sqlite'}"
    engine = store.get_engine(url)
    service.load_demo(engine, config, last=PERIOD)
    store.add_commentary(
        engine,
        metric_id="ae_4hr_all",
        org_code="QMF",
        period=PERIOD,
        narrative="Attendances rose 6% – the most since 2022; £1.2m winter funding keeps ≥ 78% in reach.",
        action="Open the same-day emergency care unit at King George",
        owner="Chief Operating Officer",
        due="2025-12-31",
        author="analyst@nhs.net",
    )
    store.add_commentary(
        engine,
        metric_id="fin_cash_balance",
        org_code="QMF",
        period="2025-08",
        narrative="Cash held up after the August pay award.",
        author="analyst@nhs.net",
    )
    yield url
    store.dispose_engines()


@pytest.fixture(scope="module")
def current(demo_store: str):
    return store.read_current(store.get_engine(demo_store))


@pytest.fixture(scope="module")
def build(chromium: str, demo_store: str, config: Config) -> Callable[[str], boardpack.BoardPack]:
    """Sep 2025 packs from the demo store, each built once for the whole module."""
    packs: dict[str, boardpack.BoardPack] = {}

    def get(org_code: str) -> boardpack.BoardPack:
        if org_code not in packs:
            engine = store.get_engine(demo_store)
            packs[org_code] = boardpack.pack_from_store(engine, config, org_code, generated_by="Board Secretary")
        return packs[org_code]

    return get


@pytest.fixture(scope="module", params=["QMF", *TRUSTS])
def pack(request: pytest.FixtureRequest, build) -> boardpack.BoardPack:
    """The pack for the ICS and for each trust."""
    return build(request.param)


@pytest.fixture(scope="module")
def ics_pack(build) -> boardpack.BoardPack:
    """The ICS pack, for checks of the cover, the commentary and the characters."""
    return build("QMF")


def _pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


# Python's missing values printed as words: never in a board pack. ("None recorded by <lead>." is the exception
# report's sentence for an empty action, from perfdash.exceptions.)
LEAKED = re.compile(r"\b(None|nan|NaN|NaT|<NA>)\b(?! recorded by)")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _summary_text(pdf: bytes) -> str:
    """The text of the summary pages (their running header names the section)."""
    pages = [t for t in _pages_text(pdf) if t.splitlines() and t.splitlines()[0].endswith("Summary of standards")]
    assert pages, "no summary page"
    return _flat(" ".join(pages))


def test_every_page_renders(pack: boardpack.BoardPack, tmp_path: Path):
    reader = PdfReader(io.BytesIO(pack.pdf))
    assert pack.pdf.startswith(b"%PDF")
    assert len(reader.pages) == pack.pages > 5
    path = tmp_path / "pack.pdf"
    path.write_bytes(pack.pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True, timeout=120)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pack.pages
    for image in images:
        with Image.open(image) as picture:
            assert picture.width > picture.height, f"{image.name} is not landscape"
            # Every page prints something: at least the footer, so never a blank sheet.
            assert np.asarray(picture.convert("L")).min() < 128, f"{image.name} is blank"


def test_footer_numbers_every_page_and_gives_the_as_of_date(pack: boardpack.BoardPack):
    texts = _pages_text(pack.pdf)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert f"data as of {label(PERIOD)}" in text


def test_one_chart_per_metric_with_data(pack: boardpack.BoardPack, current, config: Config):
    expected = []
    for metric in config.metrics:
        if board.applies(config, metric, pack.org_code):
            values = board.series(current, config, metric, pack.org_code)
            if (values["period"] <= PERIOD).any():
                expected.append(metric.id)
    assert list(pack.charted) == expected
    reader = PdfReader(io.BytesIO(pack.pdf))
    # The charts are the only raster images (the icons are vector drawings); an exception page repeats its chart.
    assert sum(len(page.images) for page in reader.pages) == len(expected) + len(pack.exceptions)
    chart_pages = _flat(" ".join(p.extract_text() for p in reader.pages if p.images))
    for metric_id in expected:
        assert config.metric_by_id[metric_id].name in chart_pages


def test_summary_text_matches_the_board_numbers(pack: boardpack.BoardPack, current, config: Config):
    table = board.overview(current, config, pack.org_code, PERIOD)
    assert list(table["metric_id"]) == list(pack.summary)
    text = _summary_text(pack.pdf)
    for row in table.itertuples():
        metric = config.metric_by_id[row.metric_id]
        value = vocabulary.format_value(row.value, row.unit)
        # The overview's own words for its vs target cell; no plans are loaded for this pack: the vs plan cell says so.
        versus_target = targets.versus(row.met, row.target, row.unit, metric.direction)
        reading = vocabulary.reading_text(row.variation, row.assurance, row.spc_note)
        reading += f" ({row.agreement})" if row.agreement else ""
        # One row reads: name, latest value, vs target (met and the target), vs plan, SPC reading, data month.
        assert f"{row.metric} {value} {versus_target} no plan {reading} {label(PERIOD)}" in text, row.metric
    assert ("✓ Met (" in text) or ("✗ Not met (" in text)
    # The overview's column names; without national data no England or London columns, and a line says what to load.
    assert "Metric Latest vs target vs plan Variation Assurance SPC reading Data to" in text
    assert "vs England" not in text and "Rank in London" not in text
    assert "No national data is loaded for this month" in text and "on the Upload page" in text


def test_no_missing_value_prints_as_a_word(pack: boardpack.BoardPack):
    assert LEAKED.findall(_flat(" ".join(_pages_text(pack.pdf)))) == []


def test_matrix_places_every_metric_once(pack: boardpack.BoardPack, current, config: Config):
    table = board.overview(current, config, pack.org_code, PERIOD)
    cells = present.summary_matrix(table)
    page = next(t for t in _pages_text(pack.pdf) if "Variation and assurance, " in t)
    flat = _flat(page)
    for metric_name in table["metric"]:
        assert f"• {metric_name}" in flat
    assert sum(len(ids) for ids in cells.values()) == len(table)


def test_cover_says_who_when_and_that_the_data_is_synthetic(ics_pack: boardpack.BoardPack, config: Config):
    cover = _flat(_pages_text(ics_pack.pdf)[0])
    assert "NHS North East London ICB" in cover
    assert "September 2025" in cover
    assert f"Data as of {label(PERIOD)} (latest month loaded)" in cover
    assert re.search(r"Latest upload \d{1,2} \w{3} \d{4} \d{2}:\d{2} (GMT|BST|UTC)", cover)
    assert re.search(r"Generated \d{1,2} \w{3} \d{4} \d{2}:\d{2} \w+ by Board Secretary", cover)
    assert config.app.demo_label.upper() in cover
    # The contents list points at the right pages.
    summary_page = next(i for i, t in enumerate(_pages_text(ics_pack.pdf), start=1) if "Summary of standards, " in t)
    assert f"Summary of standards {summary_page}" in cover


def test_commentary_and_characters_print(ics_pack: boardpack.BoardPack, tmp_path: Path):
    path = tmp_path / "ics.pdf"
    path.write_bytes(ics_pack.pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    for character in ["£", "–", "≥", "≤", "✓", "✗", "⚠", "±", "×"]:
        assert character in text, f"{character!r} did not print"
    flat = _flat(" ".join(_pages_text(ics_pack.pdf)))
    assert "Attendances rose 6% – the most since 2022; £1.2m winter funding keeps ≥ 78% in reach." in flat
    assert "Action: Open the same-day emergency care unit at King George." in flat
    assert "Owner: Chief Operating Officer. Due: 2025-12-31." in flat
    assert "Nothing written for Sep 2025; the latest is from an earlier month." in flat
    assert "Cash held up after the August pay award." in flat
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(ics_pack.pdf)).pages
        for font in page["/Resources"].get_object().get("/Font", {}).values()
    }
    assert any("DejaVuSans" in font for font in fonts), fonts


def test_appendix_explains_the_method_and_profile(ics_pack: boardpack.BoardPack, config: Config):
    pages = _pages_text(ics_pack.pdf)
    first = next(i for i, text in enumerate(pages) if "Appendix: definitions, sources and targets" in text)
    flat = _flat(" ".join(pages[first:]))
    assert "mean ± 2.66 × the mean moving range" in flat
    for rule in ["a single point outside the process limits", "a shift: 7", "a trend: 7", "two out of three"]:
        assert rule in flat
    assert f"Profile in use: {config.app.spc_profile.upper()}" in flat
    for metric in config.metrics:
        assert metric.source in flat


# --------------------------------------------------------------------------------------------------
# Edge cases: a stale metric, a run chart, a metric with no data, real (not demo) data


@pytest.fixture(scope="module")
def edge_pack(chromium: str, tmp_path_factory: pytest.TempPathFactory, config: Config) -> boardpack.BoardPack:
    """LAS (RRU) from a non-demo upload: one metric a month behind, one with 10 months, one with none."""
    rows = demo.generate(config, last=PERIOD)
    rows = rows[rows["org_code"] == "RRU"]
    rows = rows[~((rows["metric_id"] == "amb_cat1_mean") & (rows["period"] == PERIOD))]
    rows = rows[~((rows["metric_id"] == "amb_cat2_mean") & (rows["period"] < "2024-12"))]
    rows = rows[rows["metric_id"] != "wf_turnover"]
    engine = store.get_engine(f"sqlite:///{tmp_path_factory.mktemp('edge') / 'edge.sqlite'}")
    data = rows.to_csv(index=False).encode()
    store.commit(
        engine,
        rows,
        file_name="las.csv",
        sha256=hashlib.sha256(data).hexdigest(),
        file_format="canonical",
        uploaded_by="analyst@nhs.net",
    )
    try:
        return boardpack.pack_from_store(engine, config, "RRU", generated_by="analyst@nhs.net")
    finally:
        store.dispose_engines()


def test_stale_run_chart_and_missing_metrics(edge_pack: boardpack.BoardPack, config: Config):
    assert edge_pack.period == PERIOD
    assert "amb_cat1_mean" in edge_pack.charted and "amb_cat2_mean" in edge_pack.charted
    assert "wf_turnover" in edge_pack.summary and "wf_turnover" not in edge_pack.charted
    text = _summary_text(edge_pack.pdf)
    assert f"{config.metric_by_id['amb_cat1_mean'].name} " in text
    assert "⚠ Aug 2025 stale" in text
    assert f"{config.metric_by_id['wf_turnover'].name} no data" in text
    assert "⚠ no data" in text
    everything = _flat(" ".join(_pages_text(edge_pack.pdf)))
    assert "Run chart only: too few points for SPC" in everything
    assert config.app.demo_label not in everything.lower()
    images = sum(len(page.images) for page in PdfReader(io.BytesIO(edge_pack.pdf)).pages)
    assert images == len(edge_pack.charted) + len(edge_pack.exceptions)


def test_collect_marks_stale_from_the_latest_month_loaded(current, config: Config):
    older = current[~((current["metric_id"] == "dm01_6wk") & (current["period"] == PERIOD))]
    entries = {e.metric.id: e for e in boardpack.collect(older, older.iloc[0:0], config, "R1H", PERIOD)}
    assert entries["dm01_6wk"].stale and entries["dm01_6wk"].value_period == "2025-08"
    assert not entries["ae_4hr_all"].stale
    # A pack for an earlier month is not stale because later months exist.
    earlier = {e.metric.id: e for e in boardpack.collect(current, current.iloc[0:0], config, "R1H", "2025-06")}
    assert not any(e.stale for e in earlier.values())
    assert earlier["ae_4hr_all"].value_period == "2025-06"


# --------------------------------------------------------------------------------------------------
# Choosing the organisation and month


def test_period_defaults_to_the_latest_month_and_rejects_months_without_data(current, config: Config):
    assert boardpack.pack_period(current, config, "R1H") == PERIOD
    assert boardpack.pack_period(current, config, "R1H", "2024-01") == "2024-01"
    with pytest.raises(boardpack.BoardPackError, match=r"no data for Barts Health \(R1H\) in 2019-01"):
        boardpack.pack_period(current, config, "R1H", "2019-01")
    with pytest.raises(boardpack.BoardPackError, match="Unknown organisation 'NOPE'"):
        boardpack.pack_period(current, config, "NOPE")
    with pytest.raises(boardpack.BoardPackError, match="no data for Barts Health"):
        boardpack.pack_period(current.iloc[0:0], config, "R1H")


# --------------------------------------------------------------------------------------------------
# Chromium: one session, no network, a clear message when it is missing


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A loopback 'proxy' that records every request Chromium sends it and refuses them."""

    def _record(self) -> None:
        self.server.seen.append(self.requestline)  # type: ignore[attr-defined]
        self.send_error(502)

    def __getattr__(self, name: str):
        # http.server calls do_<METHOD>: answer every method (GET, CONNECT for https, ...) the same way.
        if name.startswith("do_"):
            return self._record
        raise AttributeError(name)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def recording_proxy() -> Iterator[tuple[str, list[str]]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", server.seen  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


# Hosts Debian's Chromium contacts on its own (accounts, component updates, clock, the default search engine).
BROWSER_HOUSEKEEPING = {
    "accounts.google.com",
    "update.googleapis.com",
    "clients2.google.com",
    "start.duckduckgo.com",
}


def _host(request_line: str) -> str:
    """The host of a proxied request line: 'CONNECT host:443 HTTP/1.1' or 'GET http://host/path HTTP/1.1'."""
    target = request_line.split()[1]
    return re.sub(r"^[a-z]+://", "", target).split("/")[0].split(":")[0]


def test_the_default_proxy_keeps_chromium_on_this_machine():
    host, port = boardpack.OFFLINE_PROXY.rsplit(":", 1)
    assert host == "127.0.0.1" and int(port) > 0


def _charts(current, config: Config, ids: list[str]) -> list[go.Figure]:
    entries = {e.metric.id: e for e in boardpack.collect(current, current.iloc[0:0], config, "QMF", PERIOD)}
    return [boardpack.chart_figure(entries[i], config, "QMF") for i in ids]


def test_charts_come_from_one_page_with_no_network(chromium: str, current, config: Config, recording_proxy):
    proxy, seen = recording_proxy
    assert "http" not in boardpack.chart_page().generate_index().replace("http://www.w3.org", "")
    first, second = _charts(current, config, ["ae_4hr_all", "wf_agency_wte"])
    pngs = boardpack.render_charts([first, second, first], proxy_server=proxy)
    # Chromium itself asks for its housekeeping hosts (sent to a closed loopback port by default, so they
    # fail); the chart page asks for nothing: no plotly.js, MathJax or font from a CDN.
    hosts = {_host(line) for line in seen}
    assert hosts <= BROWSER_HOUSEKEEPING, f"the charts reached for the network: {sorted(hosts - BROWSER_HOUSEKEEPING)}"
    for png in pngs:
        assert png.startswith(b"\x89PNG")
        with Image.open(io.BytesIO(png)) as picture:
            assert picture.size == (boardpack.CHART_PX[0] * 2, boardpack.CHART_PX[1] * 2)
    # Drawn after another chart on the same page, a chart is exactly what it was on a fresh page.
    assert pngs[0] == pngs[2] != pngs[1]


def test_the_network_check_can_see_a_request(chromium: str, recording_proxy):
    proxy, seen = recording_proxy
    figure = go.Figure(
        go.Scatter(y=[1, 2, 3]),
        layout={"images": [{"source": "http://cdn.example.invalid/logo.png", "x": 0, "y": 1, "sizex": 1, "sizey": 1}]},
    )
    boardpack.render_charts([figure], proxy_server=proxy)
    assert any("cdn.example.invalid" in line for line in seen), seen


def test_missing_chromium_gives_a_clear_message(monkeypatch, current, config: Config):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(boardpack.BoardPackError, match=r"Chromium is needed to draw the charts .*apt-get install"):
        boardpack.make_pack(
            current, config, "RRU", commentary=current.iloc[0:0], uploads=current.iloc[0:0], generated_by="x"
        )


def test_a_browser_that_will_not_start_gives_a_clear_message(monkeypatch, current, config: Config):
    monkeypatch.setenv("BROWSER_PATH", shutil.which("false") or "/bin/false")
    with pytest.raises(boardpack.BoardPackError, match=r"could not draw the charts: .*Check that it starts"):
        boardpack.render_charts([go.Figure()])
    # Nothing is left waiting on the dead browser's log pipe, so the process (CLI, app, pytest) can exit.
    readers = [t for t in threading.enumerate() if t.name == "browser_procThread"]
    for thread in readers:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in readers)


# --------------------------------------------------------------------------------------------------
# The command line, as a user runs it


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The real entry point, in a process of its own, as a board secretary would run it.
    return run_entry_point(*args, env={"PERFDASH_USER": "secretary@nhs.net", "PERFDASH_LOG_LEVEL": "WARNING", **env})


def test_cli_writes_a_pack(chromium: str, demo_store: str, tmp_path: Path):
    out = tmp_path / "las.pdf"
    result = _cli("boardpack", "--org", "RRU", "--period", "2025-06", "--out", str(out), "--database", demo_store)
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}: board pack for RRU, 2025-06" in result.stdout
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
    assert "June 2025" in reader.pages[0].extract_text()
    assert "secretary@nhs.net" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "NOPE"], "Unknown organisation 'NOPE'"),
        (["--org", "R1H", "--period", "2019-01"], "There is no data for Barts Health (R1H) in 2019-01"),
        (["--org", "R1H", "--period", "Sept"], "is not a month: write YYYY-MM"),
    ],
)
def test_cli_bad_org_or_month_is_one_clear_line(demo_store: str, tmp_path: Path, args: list[str], message: str):
    out = tmp_path / "pack.pdf"
    result = _cli("boardpack", *args, "--out", str(out), "--database", demo_store)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_without_chromium_says_how_to_install_it(demo_store: str, tmp_path: Path):
    result = _cli(
        "boardpack",
        "--org",
        "RRU",
        "--out",
        str(tmp_path / "p.pdf"),
        "--database",
        demo_store,
        BROWSER_PATH="/nonexistent/chromium",
    )
    assert result.returncode == 1
    assert "Chromium is needed to draw the charts" in result.stderr
    assert "apt-get install chromium" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------------------------------
# Layout: nothing runs into the footer, axis titles stay clear of tick labels

MM = 72 / 25.4  # PDF points per millimetre


def _words(pdf: bytes, tmp_path: Path) -> list[list[tuple[float, float, str]]]:
    """Per page, each word's top and bottom (in mm) and text, as poppler reads them."""
    if shutil.which("pdftotext") is None:
        _unavailable("pdftotext is needed to check the PDF: apt-get install poppler-utils")
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>', page)
        pages.append([(float(top) / MM, float(bottom) / MM, text) for top, bottom, text in words])
    return pages


def _into_footer(pdf: bytes, tmp_path: Path) -> list[str]:
    """Words below the body's bottom edge that are not the footer's own line."""
    body_bottom = boardpack.layout.PAGE_H - boardpack.layout.BOTTOM
    footer_top = boardpack.layout.FOOTER_Y
    return [
        f"page {number}: {text!r} at {top:.1f}-{bottom:.1f} mm"
        for number, words in enumerate(_words(pdf, tmp_path), start=1)
        for top, bottom, text in words
        if bottom > body_bottom + 0.2 and top < footer_top
    ]


def test_nothing_in_a_pack_runs_into_the_footer(pack: boardpack.BoardPack, tmp_path: Path):
    assert _into_footer(pack.pdf, tmp_path) == []


def test_a_crowded_summary_matrix_continues_on_the_next_page_above_the_footer(tmp_path: Path):
    # 90 metrics in one cell, many wrapping onto two lines: far more than one page holds.
    names = [
        f"Metric {i:02d}" + (" with a name long enough to wrap onto a second line" if i % 3 else "") for i in range(90)
    ]
    table = pd.DataFrame(
        {"metric_id": [f"m{i}" for i in range(90)], "metric": names, "variation": "common_cause", "assurance": None}
    )
    pdf = boardpack.layout.Pack("Crowded", "the footer line")
    pdf.add_page()
    boardpack.pages.matrix_page(pdf, table, PERIOD)
    data = bytes(pdf.output())
    assert _into_footer(data, tmp_path) == []
    text = _flat(" ".join(_pages_text(data)))
    assert "90 metrics" in text
    assert all(f"• {name}" in text for name in names)
    assert len(_pages_text(data)) >= 3  # the cover-less first page, then the matrix over at least two pages
    assert "Common cause (continued)" in text


def _ink_box(png: bytes) -> tuple[int, int, int, int] | None:
    """(left, right, top, bottom) of the dark pixels, None on a blank image."""
    dark = np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 160
    ys, xs = np.nonzero(dark)
    return (int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())) if xs.size else None


def _only(figure: go.Figure, part: str) -> go.Figure:
    """The figure with every mark white except the y axis' tick labels or its title; the layout is unchanged."""
    copy = go.Figure(figure)
    for trace in copy.data:
        trace.opacity = 0  # still sets the axis range, unlike hiding it
    copy.update_layout(font_color="white", annotations=[], shapes=[], legend_font_color="white")
    copy.update_xaxes(showline=False, showgrid=False, ticks="", tickfont_color="white")
    copy.update_yaxes(
        showline=False,
        showgrid=False,
        zeroline=False,
        ticks="",
        tickfont_color="black" if part == "ticks" else "white",
        title_font_color="black" if part == "title" else "white",
    )
    return copy


def test_axis_titles_never_overprint_tick_labels(chromium: str, current, config: Config):
    # One chart per unit, with the widest tick labels the pack draws (money in £ thousands, negative too).
    ids = [
        "ae_4hr_all",
        "rtt_waiting_list",
        "amb_cat2_mean",
        "fin_cash_balance",
        "fin_ie_variance_ytd",
        "wf_agency_wte",
    ]
    entries = {e.metric.id: e for e in boardpack.collect(current, current.iloc[0:0], config, "QMF", PERIOD)}
    figures = [boardpack.chart_figure(entries[i], config, "QMF") for i in ids]
    pngs = boardpack.render_charts([_only(f, part) for f in figures for part in ("ticks", "title")])
    for index, metric_id in enumerate(ids):
        ticks, title = _ink_box(pngs[2 * index]), _ink_box(pngs[2 * index + 1])
        assert ticks and title, f"{metric_id}: nothing drawn"
        assert title[0] > 0, f"{metric_id}: the axis title is cut off at the left edge"
        assert title[1] < ticks[0], f"{metric_id}: axis title {title} overprints tick labels {ticks}"


def test_sources_appendix_and_demo_notice(ics_pack: boardpack.BoardPack, config: Config):
    pages = _pages_text(ics_pack.pdf)
    sources_page = next(i for i, text in enumerate(pages) if "Appendix: where each number comes from" in text)
    flat = _flat(" ".join(pages[sources_page : sources_page + 3]))
    assert "synthetic demo" in flat and "Next expected" in flat
    # The demo pack's cover says every number is made up (no real data is loaded).
    assert "every number is made up" in _flat(pages[0])


def test_pack_entries_carry_vs_plan_and_the_chart_draws_it(current, config: Config):
    import pandas as pd

    plans = pd.DataFrame(
        {
            "period": ["2025-08", "2025-09", "2025-10"],
            "org_code": "RF4",
            "metric_id": "ae_4hr_all",
            "plan": [70.0, 99.0, 99.5],
            "upload_id": 1,
        }
    )
    entries = boardpack.collect(
        current, pd.DataFrame(columns=["metric_id", "org_code", "period"]), config, "RF4", PERIOD, plans
    )
    entry = next(e for e in entries if e.metric.id == "ae_4hr_all")
    assert entry.plan == 99.0 and entry.met_plan is False
    assert entry.versus_plan() == "✗ Not met (≥ 99%)"  # the overview's vs plan words
    other = next(e for e in entries if e.metric.id == "rtt_18wk_incomplete")
    assert other.versus_plan() == "no plan"
    figure = boardpack.chart_figure(entry, config, "RF4", plans)
    plan = next(t for t in figure.data if t.name == "Plan")
    assert list(plan.y) == [70.0, 99.0, 99.5] and plan.line.dash == "dash"
