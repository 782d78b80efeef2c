"""Sign-in through a real OpenID Connect provider in a real browser, and what each role can then reach.

The provider (tests/support/oidc_provider.py) and the app both run on 127.0.0.1. The app is started with
`streamlit run`, auth.mode oidc, and a secrets.toml written for this run (STREAMLIT_SECRETS_FILES), so
st.login goes through discovery, the provider's sign-in form, the code exchange and the ID token's checks.
Every request the browser makes outside loopback is refused and recorded; the tests assert there were none
apart from the provider form's stylesheet on a CDN, which is answered locally with an empty one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from perfdash import store
from tests.e2e.conftest import SEEDED_LAST_MONTH, UPLOAD_MONTH, run_server, seed_demo
from tests.support import app_server
from tests.support.browser import rerun_settled, wait_for_app
from tests.support.configs import write_config_variant
from tests.support.oidc_provider import OidcProvider

pytestmark = pytest.mark.browser

TITLE = "North East London performance standards"
RULES = [
    {"email": "perf.lead@nhs.net", "role": "admin"},
    {"domain": "nhs.net", "role": "viewer"},
    {"group": "nel-performance-analysts", "role": "analyst"},
]
VIEWER = "vera.viewer@nhs.net"
ANALYST = "ann.analyst@nhs.net"
ADMIN = "perf.lead@nhs.net"
NO_ROLE = "someone@example.org"
# The provider's sign-in page links one stylesheet on a CDN; the test answers it with an empty one.
PROVIDER_STYLESHEET = "cdn.jsdelivr.net"
# An upload whose name tries HTML, script and markdown; it must show, and be stored, as these characters.
# (No double quotes: Chromium sends them as %22 in the multipart file name.)
HOSTILE_NAME = "nel <img src=x onerror=window.__pwned=1> [link](https://example.invalid) ..\\etc\\passwd.csv"


@dataclass
class SignInApp:
    """The app in oidc mode, its provider, and the requests the browser tried to send elsewhere."""

    server: app_server.AppServer
    provider: OidcProvider
    screenshots: Path
    external: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The app's base URL."""
        return self.server.url

    def guard(self, page) -> None:
        """Keep the page on loopback: refuse and record any request to another host."""

        def route(route) -> None:
            host = urlsplit(route.request.url).hostname
            if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
                route.continue_()
            elif host == PROVIDER_STYLESHEET:
                route.fulfill(status=200, content_type="text/css", body="")
            else:
                self.external.append(route.request.url)
                route.abort()

        page.route("**/*", route)

    def open(self, page, path: str = "/") -> None:
        """Open a path of the app and wait for its script to finish."""
        page.goto(self.url + path)
        wait_for_app(page)
        # A page's title, or the alert of a page that refused to show (which has no title).
        page.locator("h1, [data-testid='stAlert']").first.wait_for()
        wait_for_app(page)

    def sign_in(self, page, email: str) -> None:
        """Sign in through the provider's form, typing the email, and land back in the app."""
        self.guard(page)
        self.open(page)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.provider.url}/oauth2/authorize*")
        page.get_by_placeholder("sub").fill(email)
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{self.url}/**")
        wait_for_app(page)
        page.get_by_role("heading", level=1).first.wait_for()
        wait_for_app(page)

    def shot(self, page, name: str) -> None:
        """Save a full-page screenshot."""
        page.wait_for_timeout(500)  # let canvas tables and charts paint
        page.screenshot(path=str(self.screenshots / f"oidc-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def signin_app(tmp_path_factory: pytest.TempPathFactory, screenshot_dir: Path) -> Iterator[SignInApp]:
    """The app with auth.mode oidc against a provider on loopback, a demo store, and four known people."""
    folder = tmp_path_factory.mktemp("oidc")
    database = f"sqlite:///{folder / 'store.sqlite'}"
    seed_demo(database)
    config_path = write_config_variant(
        folder, lambda raw: raw.update(auth={"mode": "oidc", "default_role": None, "role_rules": RULES})
    )
    with OidcProvider() as provider:
        port = app_server.free_port()
        redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
        client = provider.register_client(redirect_uri)
        secrets_path = folder / "secrets.toml"
        secrets_path.write_text(
            "[auth]\n"
            f'redirect_uri = "{redirect_uri}"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{client.client_id}"\n'
            f'client_secret = "{client.client_secret}"\n'
            f'server_metadata_url = "{provider.metadata_url}"\n',
            encoding="utf-8",
        )
        provider.add_user(VIEWER, name="Vera Viewer")
        provider.add_user(ANALYST, name="Ann Analyst", groups=["nel-performance-analysts"])
        provider.add_user(ADMIN, name="Performance Lead")
        provider.add_user(NO_ROLE, name="Someone Else")
        running = run_server(
            database,
            folder,
            config_path=config_path,
            port=port,
            name="oidc",
            extra_env={"STREAMLIT_SECRETS_FILES": str(secrets_path), "PERFDASH_AUTH_MODE": "oidc"},
        )
        app = SignInApp(next(running), provider, screenshot_dir)
        try:
            yield app
        finally:
            running.close()  # stops the server
    assert not app.external, f"the browser tried to leave loopback: {app.external}"


def _menu(page) -> list[str]:
    """The page titles in the sidebar menu, as shown."""
    links = page.locator("[data-testid='stSidebarNav'] a")
    return [text.strip() for text in links.all_inner_texts()]


def test_signed_out_reaches_no_page_by_url(signin_app, new_page):
    page = new_page()
    signin_app.guard(page)
    for path in ["/", "/overview", "/metric?metric=ae_4hr_all", "/organisation", "/upload", "/data", "/admin"]:
        signin_app.open(page, path)
        assert page.get_by_role("heading", level=1).all_inner_texts() == [TITLE], path
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        for absent in ["stSidebarNav", "stFileUploader", "stDataFrame", "stPlotlyChart", "stSidebar"]:
            assert page.locator(f"[data-testid='{absent}']").count() == 0, (path, absent)
        assert page.locator(".pd-html").count() == 0, path  # no table, tile or card
        if path == "/upload":
            signin_app.shot(page, "signed-out-upload")


def test_viewer_sees_the_board_and_cannot_change_anything(signin_app, new_page):
    page = new_page()
    signin_app.sign_in(page, VIEWER)
    assert page.get_by_role("heading", level=1).first.inner_text() == "Overview"
    page.locator(".pd-html table").first.wait_for()  # the overview's tables
    assert _menu(page) == ["Overview", "Exceptions", "Metric", "Organisation", "Sources"]
    assert "vera.viewer@nhs.net" in page.locator("[data-testid='stSidebar']").inner_text()
    signin_app.shot(page, "viewer-overview")
    for path in ["/upload", "/data", "/admin"]:
        signin_app.open(page, path)
        page.get_by_text("Not permitted").wait_for()
        assert page.locator("[data-testid='stFileUploader']").count() == 0, path
        assert page.get_by_role("button", name="Roll back").count() == 0, path
        assert page.locator("[data-testid='stDataFrame']").count() == 0, path
        assert _menu(page) == ["Overview", "Exceptions", "Metric", "Organisation", "Sources"], path
        if path == "/upload":
            signin_app.shot(page, "viewer-upload")
    signin_app.open(page, "/metric?metric=ae_4hr_all&org=R1H")
    page.locator("svg.pd-chart").wait_for()
    assert page.get_by_text("the commentary for").count() == 0  # no form to open
    assert page.get_by_role("button", name="Save commentary").count() == 0


def test_analyst_uploads_and_the_audit_log_names_them(signin_app, new_page):
    page = new_page()
    signin_app.sign_in(page, ANALYST)
    assert _menu(page) == ["Overview", "Exceptions", "Metric", "Organisation", "Sources", "Upload", "Data"]
    page.locator("[data-testid='stSidebarNav'] a", has_text="Upload").click()
    page.get_by_role("heading", name="Upload data").wait_for()
    wait_for_app(page)
    csv = f"period,org_code,metric_id,value,numerator,denominator\n{UPLOAD_MONTH},RRU,amb_cat2_mean,31.5,,\n"
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": HOSTILE_NAME, "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    commit = page.get_by_role("button", name="Commit")
    commit.wait_for()
    wait_for_app(page)
    # The file's name is on screen as the characters typed: no image, no link, no script.
    heading = page.locator("[data-testid='stHeadingWithActionElements'] h3").filter(has_text="nel <img")
    assert heading.inner_text().strip() == HOSTILE_NAME
    assert page.locator("img[src='x']").count() == 0
    # Markdown's [label](url) did not make a link (a bare URL may still be auto-linked as itself, http(s) only,
    # wherever the name is shown: the file's preview and the commit summary).
    links = page.locator("a[href*='example.invalid']")
    assert {links.nth(i).inner_text() for i in range(links.count())} <= {"https://example.invalid"}
    assert page.locator("a[href^='javascript']").count() == 0
    keep = page.get_by_text("Keep the demo beside these files")
    if keep.count():
        keep.click()
        wait_for_app(page)
    warnings = page.get_by_text("I have checked the")
    if warnings.count():
        warnings.click()
        wait_for_app(page)
    page.get_by_role("button", name="Commit").click()
    page.get_by_text("loaded as upload").wait_for()
    wait_for_app(page)
    signin_app.shot(page, "analyst-upload-committed")
    assert page.evaluate("window.__pwned") is None
    uploads = store.list_uploads(store.get_engine(signin_app.server.database_url))
    store.dispose_engines()
    latest = uploads.iloc[0]
    assert latest["uploaded_by"] == ANALYST
    assert latest["file_name"] == HOSTILE_NAME
    # The same change is in the audit table on the Data page, where the rollback form is offered.
    signin_app.open(page, "/data")
    page.get_by_role("button", name="Roll back").wait_for()
    row = page.locator(".pd-html").first.locator("tbody tr").first
    row.wait_for()
    newest = row.locator("th, td").all_text_contents()  # as written: the HTML table escapes every cell
    assert ANALYST in newest and HOSTILE_NAME in newest, newest
    signin_app.shot(page, "analyst-data")
    signin_app.open(page, "/admin")
    page.get_by_text("Not permitted").wait_for()


def test_analyst_commentary_is_shown_as_text(signin_app, new_page):
    page = new_page()
    signin_app.sign_in(page, ANALYST)
    # A month inside the chart, so the commentary shows as an annotation on it.
    signin_app.open(page, f"/metric?metric=ae_4hr_all&org=R1H&month={SEEDED_LAST_MONTH}")
    page.locator("svg.pd-chart").wait_for()
    narrative = 'Handover delays <img src=x onerror="window.__pwned=1"> <b>not bold</b>'
    rerun_settled(page, lambda: page.get_by_text("Write the commentary for").click())
    page.get_by_label("What happened").fill(narrative)
    page.get_by_role("button", name="Save commentary").click()
    wait_for_app(page)
    # On the chart the note is text (its box shows the start of it, its tooltip the whole), never markup.
    chart = page.locator("svg.pd-chart")
    chart.locator("title", has_text="<b>not bold</b>").first.wait_for(state="attached")
    assert chart.locator("text", has_text="Handover delays <img").count() == 1
    assert page.locator("svg.pd-chart b, svg.pd-chart img, img[src='x']").count() == 0
    # So it is in the interactive chart, drawn by plotly.js when asked for.
    page.get_by_text("Zoom into the chart, or save it as an image").click()
    page.locator(".js-plotly-plot text", has_text="not bold").first.wait_for()
    assert page.locator(".js-plotly-plot text", has_text="<b>not bold</b>").count() >= 1
    assert page.locator(".js-plotly-plot b, .js-plotly-plot img").count() == 0
    # The commentary table below the chart shows the same text, as text.
    page.locator("td", has_text="<b>not bold</b>").first.wait_for()
    assert page.evaluate("window.__pwned") is None
    signin_app.shot(page, "analyst-commentary")
    page.locator("svg.pd-chart").screenshot(path=str(signin_app.screenshots / "oidc-commentary-chart.png"))
    notes = store.read_commentary(store.get_engine(signin_app.server.database_url), metric_id="ae_4hr_all")
    store.dispose_engines()
    assert notes["author"].tolist() == [ANALYST]


def test_admin_sees_the_configuration(signin_app, new_page):
    page = new_page()
    signin_app.sign_in(page, ADMIN)
    assert _menu(page) == [
        "Overview",
        "Exceptions",
        "Metric",
        "Organisation",
        "Sources",
        "Upload",
        "Data",
        "Configuration",
    ]
    page.locator("[data-testid='stSidebarNav'] a", has_text="Configuration").click()
    page.get_by_role("heading", name="Configuration").first.wait_for()
    page.get_by_text("Mode: oidc").wait_for()
    signin_app.shot(page, "admin-configuration")


def test_an_account_no_rule_matches_is_permitted_nothing(signin_app, new_page):
    page = new_page()
    signin_app.sign_in(page, NO_ROLE)
    page.get_by_text("has no role in this dashboard").wait_for()
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    for path in ["/overview", "/upload"]:
        signin_app.open(page, path)
        page.get_by_text("has no role in this dashboard").wait_for()
        assert page.locator("[data-testid='stDataFrame'], .pd-html, [data-testid='stFileUploader']").count() == 0
    signin_app.shot(page, "no-role")


def test_sign_out_closes_every_page(signin_app, new_page):
    page = new_page()
    signin_app.sign_in(page, ANALYST)
    page.get_by_role("button", name="Sign out").click()
    # Streamlit clears its cookie and sends the browser to the provider's end-session endpoint.
    page.wait_for_url(f"{signin_app.provider.url}/oauth2/end_session*")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{signin_app.url}/**")
    wait_for_app(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    for path in ["/upload", "/data"]:
        signin_app.open(page, path)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert page.locator("[data-testid='stFileUploader'], [data-testid='stSidebarNav']").count() == 0
