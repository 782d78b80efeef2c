"""The one perfdash module that imports Streamlit: cached readers keyed on the store's versions, shared widgets.

Caches sit at the storage boundary and take the store's versions as keys, so a write in any process shows at
once everywhere (every render reads them, a cheap query). Values caches key on the values version only and
commentary caches on the commentary version, so saving a comment never makes a replica re-read the values.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Iterable

import pandas as pd
import streamlit as st

from perfdash import auth, board, markup, service, sources, store
from perfdash.config import Config, load_config
from perfdash.store import Engine

log = logging.getLogger("perfdash")


def run_page(page) -> None:
    """Run the selected page; a failure shows one message (the traceback goes to the server log only)."""
    try:
        page.run()
    except store.StoreError as error:
        st.error(f"The data store could not do that: {markup.plain(error)}", icon=":material/error:")
    except Exception:  # every page failure is a message, never a traceback page
        if os.environ.get("PERFDASH_DEBUG"):
            raise  # developers and the page tests see the real exception
        log.exception("page %r failed", getattr(page, "url_path", page))
        st.error(
            "Something went wrong on this page. Nothing was changed: every write is all-or-nothing. "
            "Reload the page; if it happens again, tell the perfdash team the time it happened.",
            icon=":material/error:",
        )


def _download_csv(frame: pd.DataFrame, file_name: str, key: str | None) -> None:
    """A download button for a frame as a perfdash CSV (cells that cannot run as formulas)."""
    # Written when the button is pressed, without a rerun: not on every run of the page (8 ms of the Metric
    # page's server time), nor kept in memory for each session until then.
    st.download_button(
        "Download this table (CSV)",
        lambda: safe_csv(frame),
        file_name=file_name,
        mime="text/csv",
        key=None if key is None else f"{key}-download",
        on_click="ignore",
    )


# A fixed one-line script that puts one of perfdash's sanitised blocks into the page. Not st.html: that runs
# DOMPurify over every block in every browser on every page load (68 ms of script in a Metric page reload);
# perfdash sanitises each distinct block once, on the server (html_table.sanitised).
_HTML_BLOCK_SCRIPT = (
    'export default ({ parentElement, data }) => { parentElement.querySelector(".pd-html").innerHTML = data };'
)
HTML_BLOCK = "perfdash_html"  # the component's name; the page tests read the blocks by it


def show_tables(*tables: str) -> None:
    """Tables, tiles and cards built by perfdash.html_table, which escapes every value: the app's one raw HTML sink."""
    import hashlib

    from streamlit.errors import StreamlitDuplicateElementId, StreamlitDuplicateElementKey

    from perfdash import html_table

    body = html_table.sanitised(html_table.page(*tables))
    # Registering the same definition again is silent and keeps a fresh runtime (AppTest's) working.
    mount = st.components.v2.component(
        HTML_BLOCK, html='<div class="pd-html"></div>', js=_HTML_BLOCK_SCRIPT, isolate_styles=False
    )
    try:
        mount(data=body)
        return
    except StreamlitDuplicateElementId:  # the same block again on this page: it needs a key of its own
        digest = hashlib.sha1(body.encode()).hexdigest()[:16]
    for copy in itertools.count(1):
        try:
            mount(data=body, key=f"{HTML_BLOCK}-{digest}-{copy}")
            return
        except StreamlitDuplicateElementKey:
            continue


def count_tiles(items: Iterable[tuple[str, int, str | None]], label: str) -> None:
    """Headline counts as one row of tiles (perfdash.html_table.counts): (name, count, what it counts or None)."""
    from perfdash import html_table

    show_tables(html_table.counts(items, label))


def plain_table(
    frame: pd.DataFrame,
    caption: str = "",
    *,
    numbers: tuple[str, ...] = (),
    long: tuple[str, ...] = (),
    download: pd.DataFrame | None = None,
    name: str = "",
    key: str = "",
) -> None:
    """A read-only table as HTML: its text wraps instead of being cut off, and no canvas is drawn.

    numbers: columns of numbers written as text, right-aligned. long: columns whose long file names may break
    anywhere. download: a frame (the raw numbers behind the text shown, say) offered as the CSV file `name`.
    """
    from perfdash import html_table

    show_tables(html_table.frame_table(frame, caption, numbers, long))
    if download is not None:
        _download_csv(download, name, key or None)


@st.cache_resource
def get_config() -> Config:
    """The validated registry (validated once per process, at start-up)."""
    return load_config()


@st.cache_resource
def get_engine() -> Engine:
    """The store, with the demo data loaded if it has never had an upload."""
    engine = store.get_engine()
    service.ensure_demo(engine, get_config())
    return engine


def versions() -> store.Versions:
    """The store's values and commentary versions, read once per call."""
    return store.versions(get_engine())


def values_version() -> int:
    """Changes on every upload and rollback: the key of every cache of values."""
    return versions().values


def commentary_version() -> int:
    """Changes whenever a comment is saved: the key of every cache of commentary."""
    return versions().commentary


def data_version() -> store.Versions:
    """Changes on every write of any kind (for a page that keeps something made from values and comments)."""
    return versions()


@st.cache_resource(max_entries=2, show_spinner=False)
def _current(version: int) -> pd.DataFrame:
    # The board's organisations only (a national store's million rows took 2.5 s after every start and upload);
    # comparisons read a month or metric of every provider. One read-only frame per version for every session.
    return _read_only(store.read_current(get_engine(), org_codes=board.org_choices(get_config())))


@st.cache_data(max_entries=8, show_spinner=False)
def _month_everywhere(version: int, period: str) -> pd.DataFrame:
    """Every organisation's current values in one month (England, regions and every provider included)."""
    return store.read_current(get_engine(), periods=[period])


def _read_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its numeric columns in read-only arrays (an in-place write raises instead of leaking)."""
    columns = {}
    for name in frame.columns:
        if frame[name].dtype.kind in "fiub":
            values = frame[name].to_numpy(copy=True)
            values.flags.writeable = False
            columns[name] = values
        else:
            columns[name] = frame[name].array  # Arrow-backed strings are immutable already
    return pd.DataFrame(columns, index=frame.index, copy=False)


def current() -> pd.DataFrame:
    """The board organisations' current values, re-read after any process writes. Shared: filter, never modify."""
    return _current(values_version())


@st.cache_data(max_entries=2, show_spinner=False)
def _plans(version: int) -> pd.DataFrame:
    return store.read_plans(get_engine())


def plans() -> pd.DataFrame:
    """Current plan trajectories (period, org_code, metric_id, plan); a plan upload bumps the values version."""
    return _plans(values_version())


@st.cache_data(max_entries=64, show_spinner=False)
def _overviews(version: int, org_code: str, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    # The month and the one before together (the executive summary compares them): each series is read once.
    from perfdash.periods import add_months

    months = board.overviews(
        _current(version), get_config(), org_code, [period, add_months(period, -1)], _plans(version)
    )
    return tuple(months.values())


def _overview(version: int, org_code: str, period: str) -> pd.DataFrame:
    return _overviews(version, org_code, period)[0]


def overview(org_code: str, period: str) -> pd.DataFrame:
    """The overview table for an organisation and month."""
    return _overview(values_version(), org_code, period)


@st.cache_data(max_entries=32, show_spinner=False)
def _national(version: int, org_code: str, period: str) -> pd.DataFrame:
    from perfdash import benchmark

    # Every figure is of the one month: read just that month, for every provider.
    month = _month_everywhere(version, period)
    return benchmark.national_columns(month, _reference(version), get_config(), org_code, period)


def national_columns(org_code: str, period: str) -> pd.DataFrame:
    """England, London and the rank among peers per metric with national data in the month."""
    return _national(values_version(), org_code, period)


@st.cache_data(max_entries=64, show_spinner=False)
def _series(version: int, metric_id: str, org_code: str) -> pd.DataFrame:
    config = get_config()
    return board.series(_current(version), config, config.metric_by_id[metric_id], org_code)


def series(metric_id: str, org_code: str) -> pd.DataFrame:
    """A metric's monthly series for an organisation (a roll-up for the ICS), read once per values version."""
    return _series(values_version(), metric_id, org_code)


@st.cache_data(max_entries=64, show_spinner=False)
def _organisations_table(version: int, metric_id: str, month: str) -> pd.DataFrame:
    from perfdash import metric_detail

    config = get_config()
    return metric_detail.organisations_table(_current(version), config, config.metric_by_id[metric_id], month)


def organisations_table(metric_id: str, month: str) -> pd.DataFrame:
    """Every NEL organisation's value and target for a metric and month (Metric page)."""
    return _organisations_table(values_version(), metric_id, month)


@st.cache_data(max_entries=64, show_spinner=False)
def _benchmark_view(version: int, metric_id: str, org_code: str, month: str):
    from perfdash import metric_detail

    config = get_config()
    metric = config.metric_by_id[metric_id]
    everywhere = service.benchmark_rows(get_engine(), config, metric_id, month)
    return metric_detail.benchmark_view(everywhere, _reference(version), config, metric, org_code, month)


def benchmark_view(metric_id: str, org_code: str, month: str):
    """The Metric page's benchmark section (metric_detail.benchmark_view), made once per values version."""
    return _benchmark_view(values_version(), metric_id, org_code, month)


@st.cache_data(max_entries=64, show_spinner=False)
def _synthetic_periods(version: int, metric_id: str, org_codes: tuple[str, ...]) -> set[str]:
    return sources.synthetic_periods(_current(version), _uploads(version), metric_id, list(org_codes))


def synthetic_periods(metric_id: str, org_codes: list[str]) -> set[str]:
    """Months whose values of the metric for these organisations are synthetic demo values."""
    return _synthetic_periods(values_version(), metric_id, tuple(org_codes))


@st.cache_resource(max_entries=64, show_spinner=False)
def _chart(kind: str, values: int, notes: int, metric_id: str, org_code: str, period: str, _draw: Callable):
    # Keyed on the view and both versions; _draw (not hashed) only runs on a miss. A resource, not data: a
    # pickled figure is re-validated when it is read back, which costs what drawing it does.
    return _draw()


def chart(kind: str, metric_id: str, org_code: str, period: str, draw: Callable):
    """A plotly figure made once per chart, view and store version (making one takes 0.05-0.1 s at national
    scale). Shared between sessions: the caller never changes it (st.plotly_chart copies it to send)."""
    both = versions()
    return _chart(kind, both.values, both.commentary, metric_id, org_code, period, draw)


def svg_chart(kind: str, figure, metric_id: str, org_code: str, period: str) -> None:
    """The `kind` chart's figure drawn as SVG on the server (perfdash.chart_svg), once per view and store version."""
    from perfdash import chart_svg, html_table

    drawn = chart(f"{kind}-svg", metric_id, org_code, period, lambda: chart_svg.figure_svg(figure))
    show_tables(html_table.chart_box(drawn))


@st.cache_data(max_entries=32, show_spinner=False)
def _executive_summary(version: int, org_code: str, period: str):
    from perfdash import summary

    return summary.summarise(*_overviews(version, org_code, period), period)


def executive_summary(org_code: str, period: str):
    """The executive summary for an organisation and month, from this month's and last month's overview."""
    return _executive_summary(values_version(), org_code, period)


def executive_summary_panel(result, org_code: str) -> None:
    """Four counts, the standards not met, and what changed since last month, each linked to its chart."""
    from perfdash.overview_tables import executive_summary_html

    st.subheader("Executive summary")
    show_tables(executive_summary_html(result, org_code))


@st.cache_data(max_entries=32, show_spinner=False)
def _exception_reports(version: int, notes_version: int, org_code: str, period: str) -> list:
    # Cached on both versions: each report reads the whole series of its metric (0.15 s at national scale).
    from perfdash import exceptions

    table = _overview(version, org_code, period)
    notes = _commentary(notes_version, None, org_code)
    national = _national(version, org_code, period)
    return exceptions.exception_reports(table, _current(version), notes, get_config(), org_code, period, national)


def exception_reports(org_code: str, period: str) -> list:
    """The exception reports for an organisation and month (perfdash.exceptions), with the latest commentary."""
    both = versions()
    return _exception_reports(both.values, both.commentary, org_code, period)


def exception_report_cards(reports: list, org_code: str) -> None:
    """Every exception report as a card (one HTML block): why, latest, lead, last met, reading, narrative, quality."""
    from perfdash import html_table, present

    show_tables(
        *(
            html_table.card(
                html_table.link(report.metric.name, present.metric_link(report.metric.id, org_code, report.period)),
                report.headline(),
                report.lines(),
            )
            for report in reports
        )
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _summary_matrix_html(version: int, org_code: str, period: str) -> str:
    from perfdash import overview_tables

    caption = "Variation (rows) against assurance (columns). Each metric sits in one cell and links to its chart."
    return overview_tables.matrix_html(_overview(version, org_code, period), org_code, period, caption)


def summary_matrix(org_code: str, period: str) -> None:
    """The MDC matrix as an HTML table: side by side on a laptop, labelled cards on a phone, each name a link."""
    show_tables(summary_matrix_html(org_code, period))


def summary_matrix_html(org_code: str, period: str) -> str:
    """The MDC matrix's HTML, made once per view and values version."""
    return _summary_matrix_html(values_version(), org_code, period)


# Where a reader's own choice of each picker is kept for the other pages: the menu's links carry no
# ?org=...&month=..., so without it every page opened from the menu fell back to the ICS and the latest month.
CHOSEN = "perfdash-chosen-"
# The value this session last showed for each picker and wrote to the URL: a URL naming anything else was not
# written by the app (a shared link, a reload, the browser's Back button), so its value counts as the reader's
# choice.
_SHOWN = "perfdash-shown-"


def select_bound(label: str, choices: list[str], *, key: str, default: str, format_func=str) -> str:
    """A picker kept in the URL (?key=value, so a link can be shared) and, once the reader picks, on every page."""
    linked = st.query_params.get(key)
    if linked in choices and linked != st.session_state.get(_SHOWN + key):
        st.session_state[CHOSEN + key] = linked
    chosen = st.session_state.get(CHOSEN + key)
    current = chosen if chosen in choices else default
    st.session_state[_SHOWN + key] = current
    st.query_params[key] = current
    picker(label, choices, key=key, value=current, format_func=format_func)
    return current


# The pickers are native <select> elements that a fixed components v2 script puts in the page, not st.selectbox:
# Streamlit's selectbox loads about 25 modules and draws its own searchable list on every page view, 50-77 ms of
# the overview's warm reload here (the app's empty frame took 1.22x a blank page with two of them, 1.07x with
# these). A native select is also the control a keyboard, a screen reader and a phone handle best. The script
# builds the label and options with DOM calls (no markup is parsed) and sends the reader's choice back as a trigger.
PICKER_SCRIPT = """export default ({ parentElement, data, setTriggerValue }) => {
  const root = parentElement.querySelector(".pd-pick");
  root.pick = setTriggerValue;
  const built = JSON.stringify([data.id, data.label, data.options]);
  if (root.dataset.built !== built) {
    const label = document.createElement("label");
    label.htmlFor = data.id;
    label.textContent = data.label;
    const select = document.createElement("select");
    select.id = data.id;
    for (const [value, text] of data.options) select.add(new Option(text, value));
    select.addEventListener("change", () => root.pick("picked", select.value));
    root.replaceChildren(label, select);
    root.dataset.built = built;
  }
  root.querySelector("select").value = data.value;
};"""
# Streamlit's own widget look: a 14 px label over a 2.5 rem box in the theme's secondary background.
PICKER_STYLE = """.pd-pick label { display: block; font-size: 0.875rem; line-height: 1.6; margin-bottom: 0.25rem; }
.pd-pick select { box-sizing: border-box; width: 100%; height: 2.5rem; padding: 0 0.5rem; font: inherit;
  color: inherit; background-color: #F0F4F5; border: 1px solid #F0F4F5; border-radius: 0.5rem; cursor: pointer; }
.pd-pick select:hover { border-color: #005EB8; }
.pd-pick select:focus-visible { outline: 2px solid #005EB8; outline-offset: 1px; }"""
PICKER = "perfdash_picker"  # the component's name; the page tests read the pickers by it


def picker(label: str, choices: list[str], *, key: str, value: str, format_func=str) -> None:
    """A native select showing `value`; the reader's choice is kept for every page (see select_bound)."""
    from functools import partial

    mount_picker = st.components.v2.component(
        PICKER, html='<div class="pd-pick"></div>', css=PICKER_STYLE, js=PICKER_SCRIPT, isolate_styles=False
    )
    options = [[choice, str(format_func(choice))] for choice in choices]
    data = {"id": f"pd-pick-{key}", "label": label, "options": options, "value": value}
    mount_picker(key=key, data=data, on_picked_change=partial(_remember, key))


def _remember(key: str) -> None:
    """Keep the reader's new choice of a picker for the other pages (select_bound)."""
    st.session_state[CHOSEN + key] = st.session_state[key]["picked"]


@st.cache_data(max_entries=2, show_spinner=False)
def _months(version: int) -> list[str]:
    return sorted((str(period) for period in _current(version)["period"].unique()), reverse=True)


def months() -> list[str]:
    """Every month with a current value for the board's organisations, newest first (once per values version).

    From the board's values, already read: a national store's other providers add no month the board can pick
    (every NHS England file carries NEL's trusts too), and finding their months scanned every row (0.2 s).
    """
    return _months(values_version())


def org_and_month(config: Config, *, default_org: str) -> tuple[str, str]:
    """The Organisation and Month pickers side by side, both kept in the URL so a link can be shared."""
    from perfdash.periods import label

    left, right = st.columns(2)
    with left:
        org = select_bound(
            "Organisation",
            board.org_choices(config),
            key="org",
            default=default_org,
            format_func=lambda code: config.org_names.get(code, code),
        )
    choices = months()
    with right:
        month = select_bound("Month", choices, key="month", default=choices[0], format_func=label)
    return org, month


@st.cache_data(max_entries=4, show_spinner=False)
def _uploads(version: int) -> pd.DataFrame:
    return store.list_uploads(get_engine())


def uploads() -> pd.DataFrame:
    """Every upload with its provenance and rollback status, newest first."""
    return _uploads(values_version())


@st.cache_data(max_entries=4, show_spinner=False)
def _synthetic_metrics(version: int) -> list[str]:
    return sources.synthetic_metrics(get_config(), _current(version), _uploads(version))


def synthetic_metrics() -> list[str]:
    """Catalogue metrics whose board values still include synthetic demo values."""
    return _synthetic_metrics(values_version())


def synthetic_points(frame: pd.DataFrame) -> pd.Series:
    """For rows of the current values (with upload_id), True where the value is synthetic demo data."""
    return sources.synthetic_mask(frame, uploads())


def demo_banner(config: Config) -> None:
    """Say plainly which numbers are synthetic, while any are."""
    notice = sources.demo_notice(config, synthetic_metrics(), real_loaded=sources.real_data_loaded(uploads()))
    if notice:
        st.info(notice, icon=":material/info:")


@st.cache_data(max_entries=8, show_spinner=False)
def _sources(version: int, today: str) -> pd.DataFrame:
    from datetime import date

    return sources.sources_table(get_config(), _current(version), _uploads(version), date.fromisoformat(today))


def sources_table() -> pd.DataFrame:
    """Per metric: publication, last month loaded, origin, last upload, next due, late."""
    from datetime import date

    return _sources(values_version(), date.today().isoformat())


def signed_in_user(config: Config) -> auth.User | None:
    """The person using the app, by the configured mode; None when nobody is signed in."""
    settings = config.auth
    if settings.mode == "none":
        return auth.local_user()
    if settings.mode == "header":
        # The headers of the browser's WebSocket handshake, as the proxy forwarded them (case-insensitive).
        return auth.user_from_headers(st.context.headers, settings)
    # st.user holds the ID token's claims once st.login has completed (a signed cookie, checked by Streamlit).
    return auth.user_from_claims(st.user.to_dict(), settings)


def current_user() -> auth.User | None:
    """The user for this run (pages call this to check permissions themselves)."""
    return signed_in_user(get_config())


def allowed(user: auth.User | None, permission: str) -> bool:
    """Whether the user may do something."""
    return auth.can(user, permission)


def require(permission: str) -> auth.User:
    """Stop the page with 'not permitted' unless the user's role allows it (defence in depth)."""
    user = current_user()
    if not auth.can(user, permission):
        st.error("Not permitted: your role does not allow this page. Ask an administrator if you need access.")
        st.stop()
    return user


def sign_in_page(config: Config) -> None:
    """What a signed-out visitor sees: a sign-in button and nothing else."""
    st.title(config.app.title)
    if config.auth.mode == "oidc":
        if not _oidc_configured():
            # Say what is missing rather than offer a button that fails with a stack trace.
            st.error(
                "Sign-in is not set up: the server's .streamlit/secrets.toml has no [auth] section. "
                "An administrator can follow docs/authentication.md."
            )
            return
        st.write("Sign in with your NHS account to see the dashboard.")
        if st.button("Sign in", type="primary"):
            st.login()
    else:
        st.error("You are not signed in: the authenticating proxy did not identify you.")


def _oidc_configured() -> bool:
    """Whether Streamlit's secrets hold the [auth] section st.login needs."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all (StreamlitSecretNotFoundError)
        return False


def no_role_page(config: Config, user: auth.User) -> None:
    """What a signed-in person with no role sees: who they are, why there is nothing, and a way out."""
    st.title(config.app.title)
    st.error(
        f"Not permitted: {markup.plain(user.email or 'your account')} has no role in this dashboard. "
        "Ask an administrator to add your email, group or domain to the role rules."
    )
    if user.mode == "oidc" and st.button("Sign out"):
        st.logout()


def sidebar_identity(config: Config, user: auth.User) -> None:
    """Who is signed in, their role, and a sign-out button."""
    with st.sidebar:
        if user.mode == "none":
            st.warning("Sign-in is off (local or demo mode): everyone is an analyst.", icon=":material/lock_open:")
        else:
            st.caption(f"Signed in as **{markup.plain(user.email)}** ({user.role or 'no role'})")
            if user.mode == "oidc" and st.button("Sign out"):
                st.logout()


@st.cache_data(max_entries=256, show_spinner=False)
def _commentary(version: int, metric_id: str | None, org_code: str | None) -> pd.DataFrame:
    return store.read_commentary(get_engine(), metric_id=metric_id, org_code=org_code)


def commentary(metric_id: str | None = None, org_code: str | None = None) -> pd.DataFrame:
    """The latest commentary per month for a metric and organisation."""
    return _commentary(commentary_version(), metric_id, org_code)


@st.cache_data(max_entries=2, show_spinner=False)
def _boardpack_content(values: int, comments: int, org_code: str, period: str, generated_by: str):
    """The pack's content (charts drawn) from the cached frames, shared by the PDF and the PowerPoint."""
    from perfdash import boardpack

    inputs = boardpack.PackInputs(
        # Every organisation: the pack compares with England and London (read on a click, not per page).
        current=store.read_current(get_engine()),
        commentary=_commentary(comments, None, org_code),
        uploads=_uploads(values),
        generated_by=generated_by,
        plans=_plans(values),
        reference=_reference(values),
    )
    return boardpack.pack_content(inputs, get_config(), org_code, period)


@st.cache_data(max_entries=4, show_spinner=False)
def _boardpack(values: int, comments: int, org_code: str, period: str, generated_by: str, kind: str) -> bytes:
    from perfdash import boardpack

    made = _boardpack_content(values, comments, org_code, period, generated_by)
    return boardpack.render_slides(made).data if kind == "pptx" else boardpack.render_pdf(made).data


def boardpack_file(org_code: str, period: str, kind: str) -> bytes:
    """The board pack as "pdf" or "pptx", made once per version of values and comments and per person (raises
    BoardPackError); both formats share one content model, so the charts are drawn once."""
    user = current_user()
    version = versions()
    by = (user.name or user.email) if user else "unknown"
    return _boardpack(version.values, version.commentary, org_code, period, by, kind)


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes safe to open in a spreadsheet."""
    from perfdash.exports import safe_csv as _safe

    return _safe(frame)


@st.cache_data(max_entries=8, show_spinner=False)
def _freshness(version: int, today: str) -> pd.DataFrame:
    from datetime import date

    from perfdash.freshness import freshness as compute

    return compute(_current(version), get_config(), date.fromisoformat(today))


def freshness() -> pd.DataFrame:
    """Per metric: latest month loaded for NEL, the month due by today, and whether it is late."""
    from datetime import date

    return _freshness(values_version(), date.today().isoformat())


@st.cache_data(max_entries=32, show_spinner=False)
def _overview_table_html(version: int, org_code: str, period: str, today: str, show_domain: bool) -> str:
    from perfdash import overview_tables, present
    from perfdash.periods import label

    config = get_config()
    table = _overview(version, org_code, period)
    rows = overview_tables.overview_rows(
        table,
        config,
        org_code,
        period,
        present.data_to(table["metric_id"], _freshness(version, today)),
        _national(version, org_code, period),
    )
    caption = f"Every standard for {config.org_names.get(org_code, org_code)} in {label(period)}."
    return overview_tables.overview_html(rows, caption, config.app.assurance_against, show_domain=show_domain)


def overview_table_html(org_code: str, period: str, *, show_domain: bool = False) -> str:
    """Every standard as one HTML table, made once per view, values version and day ("Data to" depends on today).

    Building it from the overview's rows took a fifth of the overview's run on the server, on every rerun.
    """
    from datetime import date

    return _overview_table_html(values_version(), org_code, period, date.today().isoformat(), show_domain)


def overview_table(org_code: str, period: str, *, show_domain: bool = False) -> None:
    """Every standard as one HTML table: each name a link to its chart, every row and column in view."""
    show_tables(overview_table_html(org_code, period, show_domain=show_domain))


def save_commentary(
    metric_id: str, org_code: str, period: str, narrative: str, action: str, owner: str, due: str, *, author: str
) -> str | None:
    """Validate and save a new commentary version; return a problem in words, or None when saved."""
    from perfdash.commentary import problem_with

    problem = problem_with(narrative, action, due)
    if problem:
        return problem
    try:
        store.add_commentary(
            get_engine(),
            metric_id=metric_id,
            org_code=org_code,
            period=period,
            narrative=narrative.strip(),
            action=action.strip(),
            owner=owner.strip(),
            due=due.strip(),
            author=author,
        )
    except store.StoreError as error:  # a field too long, or the store busy or moved: say so, keep the text
        return str(error)
    return None


@st.cache_data(max_entries=4, show_spinner=False)
def _reference(version: int) -> pd.DataFrame:
    return store.read_reference(get_engine())


def reference() -> pd.DataFrame:
    """The provider-to-ICB-and-region lookup from the latest live reference upload."""
    return _reference(values_version())


# The modules the board pages import on first use (the board pack's are left to its click).
_PAGE_MODULES = (
    "perfdash.benchmark",
    "perfdash.html_table",
    "perfdash.metric_detail",
    "perfdash.overview_tables",
    "perfdash.present",
    "perfdash.spc_chart",
    "perfdash.summary",
    "plotly.graph_objects",
)


def serve(script: str, options: list[str]) -> None:
    """`python dashboard.py [Streamlit options]`: warm (see warm), then serve as `streamlit run` does."""
    import sys
    import time

    from streamlit.web import cli

    from perfdash import logs

    logs.configure()
    started = time.perf_counter()
    try:
        warm()
    except Exception:  # the first visitor computes whatever this could not, and sees the error if it recurs
        log.exception("warming the overview's caches failed")
    else:
        log.info("warmed the overview's caches in %.2fs", time.perf_counter() - started)
    log.info("froze %d long-lived objects out of later garbage collections", freeze_long_lived_objects())
    sys.argv = ["streamlit", "run", script, *options]
    sys.exit(cli.main(prog_name="streamlit"))


def freeze_long_lived_objects() -> int:
    """Keep the libraries and warmed caches out of every later full garbage collection (gc.freeze).

    Streamlit runs a full collection after every script run (runner.postScriptGC), and each walked all of them,
    about 176,000 objects: a 100-240 ms pause of the server, holding the GIL, in every page view (4-17 ms once
    they are frozen). They live as long as the process; a frozen object that later becomes garbage in a
    reference cycle is never collected, which the warmed caches' one replacement after an upload costs at most
    once. Returns how many.
    """
    import gc

    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def warm() -> None:
    """Import the pages' modules and compute the overview's default view (the ICS, the latest month).

    The server does it before it listens, so the first visitor after a restart waits for neither. Streamlit keeps
    a global cache made before its runtime starts (in memory, as it keeps the rest), so the first page finds it.
    """
    import importlib

    for name in _PAGE_MODULES:
        importlib.import_module(name)
    config = get_config()
    if current().empty:
        return
    org, month = config.system.code, months()[0]
    executive_summary(org, month)
    summary_matrix_html(org, month)
    overview_table_html(org, month, show_domain=True)
    sources_table()
    synthetic_metrics()
