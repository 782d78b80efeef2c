"""Sign-in and roles, run in-process with AppTest: what each role reaches, and that changes carry the email.

AppTest cannot run the real OIDC redirect, so `at.user` stands in for the ID-token claims Streamlit would hold
after st.login (tests/e2e/test_oidc_signin.py runs the real flow in a browser). The app reads a temporary
registry with auth.mode oidc and its own role rules, and a copy of the demo store.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from perfdash import markup, store
from tests.app.conftest import point_app_at
from tests.support import controls, html_tables
from tests.support.configs import write_config_variant

ROOT = Path(__file__).resolve().parents[2]
TITLE = "North East London performance standards"
RULES = [
    {"email": "perf.lead@nhs.net", "role": "admin"},
    {"domain": "nhs.net", "role": "viewer"},
    {"group": "nel-performance-analysts", "role": "analyst"},
]
VIEWER = {"is_logged_in": True, "email": "vera.viewer@nhs.net", "name": "Vera Viewer"}
ANALYST = {
    "is_logged_in": True,
    "email": "Ann.Analyst@nhs.net",
    "name": "Ann Analyst",
    "groups": ["nel-performance-analysts"],
}
ADMIN = {"is_logged_in": True, "email": "perf.lead@nhs.net", "name": "Performance Lead"}
NO_ROLE = {"is_logged_in": True, "email": "someone@example.org", "name": "Someone"}
SIGNED_OUT = {"is_logged_in": False}
BOARD_PAGES = ["app_pages/overview.py", "app_pages/metric.py", "app_pages/organisation.py"]
RESTRICTED = {
    "app_pages/upload.py": "Upload data",
    "app_pages/data.py": "Data and audit",
    "app_pages/admin.py": "Configuration",
}
NOT_PERMITTED = "Not permitted"


@pytest.fixture(scope="module")
def oidc_files(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A registry in oidc mode with the test's role rules, and a copy of the demo store for tests that only read."""
    folder = tmp_path_factory.mktemp("oidc")
    config_path = write_config_variant(
        folder, lambda raw: raw.update(auth={"mode": "oidc", "default_role": None, "role_rules": RULES})
    )
    database = folder / "read-only.sqlite"
    shutil.copy(demo_database.removeprefix("sqlite:///"), database)
    return config_path, database


def _oidc(monkeypatch: pytest.MonkeyPatch, config_path: Path, database: Path) -> str:
    monkeypatch.delenv("PERFDASH_AUTH_MODE", raising=False)
    url = f"sqlite:///{database}"
    point_app_at(monkeypatch, PERFDASH_CONFIG=str(config_path), PERFDASH_DATABASE_URL=url)
    return url


@pytest.fixture
def oidc_reader(app_env: str, oidc_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    """The oidc registry on a store these tests only read (shared, with its caches, across the module); its URL."""
    return _oidc(monkeypatch, *oidc_files)


@pytest.fixture
def oidc_app(app_env: str, oidc_files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The oidc registry on a writable copy of the demo store of the test's own; its URL."""
    database = tmp_path / "store.sqlite"
    shutil.copy(app_env.removeprefix("sqlite:///"), database)
    return _oidc(monkeypatch, oidc_files[0], database)


# What the sign-in page checks for; the values are never used because AppTest cannot run st.login.
AUTH_SECRETS = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-only",
    "client_id": "perfdash",
    "client_secret": "test-only",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def _app(user: dict) -> AppTest:
    """The entrypoint, as a user, with an [auth] secrets section."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.user = dict(user)
    at.secrets["auth"] = dict(AUTH_SECRETS)
    return at


def _run(user: dict, page: str | None = None) -> AppTest:
    """Run the entrypoint as a user, then switch to a page if given."""
    at = _app(user)
    if page is not None:
        at.switch_page(page)  # opened directly, as a link to the page would
    at.run()
    assert not at.exception, at.exception
    return at


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def _sidebar_text(at: AppTest) -> str:
    return " ".join(str(getattr(e, "value", "")) for e in at.sidebar.children.values())


def test_signed_out_sees_only_the_sign_in_button(oidc_reader):
    at = _run(SIGNED_OUT)
    assert _titles(at) == [TITLE]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not html_tables.blocks(at) and not controls.pickers(at) and not at.sidebar.children
    # No page is registered while signed out, so asking for one still runs only the sign-in gate.
    for page in [*BOARD_PAGES, *RESTRICTED]:
        at.switch_page(page).run()
        assert not at.exception
        assert _titles(at) == [TITLE], page
        assert [b.label for b in at.button] == ["Sign in"]
        assert not at.file_uploader and not at.dataframe and not html_tables.blocks(at)


def test_sign_in_not_set_up_says_so_instead_of_offering_a_broken_button(oidc_reader):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.user = dict(SIGNED_OUT)
    at.secrets["other"] = "no [auth] section here"
    at.run()
    assert not at.exception
    assert "Sign-in is not set up" in _errors(at) and not at.button


def test_signed_in_with_no_role_is_permitted_nothing(oidc_reader):
    at = _run(NO_ROLE)
    assert _titles(at) == [TITLE]
    assert NOT_PERMITTED in _errors(at) and "someone" in _errors(at)
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.dataframe and not html_tables.blocks(at) and not at.sidebar.children


def test_viewer_reads_board_pages_and_is_refused_the_rest(oidc_reader):
    at = _run(VIEWER)
    assert _titles(at) == ["Overview"]
    assert html_tables.blocks(at), "the overview shows data"
    assert markup.plain("vera.viewer@nhs.net") in _sidebar_text(at) and "(viewer)" in _sidebar_text(at)
    for page in BOARD_PAGES[1:]:
        at.switch_page(page).run()
        assert not at.exception and NOT_PERMITTED not in _errors(at), page
        assert at.title, page
    # No commentary form for a viewer on the metric page.
    at.switch_page("app_pages/metric.py").run()
    assert not [b for b in at.button if "commentary" in b.label.lower()]
    for page, title in RESTRICTED.items():
        at.switch_page(page).run()
        assert not at.exception
        assert NOT_PERMITTED in _errors(at), page
        assert title not in _titles(at) and not at.file_uploader and not at.dataframe, page
        assert not html_tables.blocks(at), page


def test_analyst_reaches_upload_and_data_but_not_configuration(oidc_reader):
    at = _run(ANALYST, "app_pages/upload.py")
    assert _titles(at) == ["Upload data"] and at.file_uploader
    assert any("Largest file accepted: 100 MB" in c.value for c in at.caption)
    assert markup.plain("ann.analyst@nhs.net") in _sidebar_text(at) and "(analyst)" in _sidebar_text(at)
    at.switch_page("app_pages/data.py").run()
    assert _titles(at) == ["Data and audit"] and NOT_PERMITTED not in _errors(at)
    assert [b for b in at.button if b.label == "Roll back"], "the rollback form is there"
    at.switch_page("app_pages/admin.py").run()
    assert NOT_PERMITTED in _errors(at) and "Configuration" not in _titles(at)


def test_admin_reaches_configuration_with_the_role_rules(oidc_reader):
    at = _run(ADMIN, "app_pages/admin.py")
    assert _titles(at) == ["Configuration"] and NOT_PERMITTED not in _errors(at)
    rules = at.dataframe[0].value
    assert rules["email"].tolist()[0] == "perf.lead@nhs.net" and set(rules["role"]) == {"admin", "viewer", "analyst"}
    permissions = at.dataframe[1].value.set_index("role")
    assert not permissions.at["viewer", "upload"] and permissions.at["analyst", "rollback"]
    assert permissions.at["admin", "admin"] and not permissions.at["analyst", "admin"]
    at.switch_page("app_pages/upload.py").run()
    assert _titles(at) == ["Upload data"]


def test_an_analyst_upload_records_their_email(oidc_app):
    at = _run(ANALYST, "app_pages/upload.py")
    csv = b"period,org_code,metric_id,value,numerator,denominator\n2025-09,RRU,amb_cat2_mean,31.5,,\n"
    at.file_uploader(key="uploader-0").set_value(("ambulance-september.csv", csv, "text/csv")).run()
    assert not at.exception and not at.error, _errors(at)
    # The store holds the demo: keep it (the journey tests withdrawing it), and accept any warnings it raises.
    assert any(b.label == "Withdraw the demo data" for b in at.button)
    for box in at.checkbox:
        box.check()
    at.run()
    commit = [b for b in at.button if b.label == "Commit"]
    assert commit, "the file is ready to commit"
    commit[0].click().run()
    assert not at.exception
    uploads = store.list_uploads(store.get_engine(oidc_app))
    latest = uploads.iloc[0]
    assert latest["file_name"] == "ambulance-september.csv"
    assert latest["uploaded_by"] == "ann.analyst@nhs.net"
    assert any("loaded as upload" in s.value for s in at.success)


def test_an_analyst_rollback_records_their_email(oidc_app):
    engine = store.get_engine(oidc_app)
    live = store.list_uploads(engine)
    target = int(live[live["status"] == "live"].iloc[0]["id"])
    at = _run(ANALYST, "app_pages/data.py")
    at.selectbox[0].select(target)
    at.text_input[0].input("Wrong month loaded")
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Roll back").click().run()
    assert not at.exception
    row = store.list_uploads(engine).set_index("id").loc[target]
    assert row["status"] == "rolled back"
    assert row["rolled_back_by"] == "ann.analyst@nhs.net"


def test_an_analyst_commentary_records_their_email(oidc_app):
    at = _app(ANALYST)
    at.query_params.update({"metric": "ae_4hr_all", "month": "2025-09"})
    at.run()
    at.switch_page("app_pages/metric.py").run()
    assert not at.exception
    assert [e.label for e in at.expander if "commentary" in e.label] == ["Write the commentary for Sep 2025"]
    assert not [b for b in at.button if "commentary" in b.label.lower()], "the form is drawn when opened"
    at.session_state["commentary-form"] = True  # the analyst opens it
    at.run()
    save = [b for b in at.button if "commentary" in b.label.lower()]
    assert save, "an analyst gets the commentary form"
    at.text_area[0].input("Ambulance handover delays rose over the bank holiday.")
    save[0].click().run()
    assert not at.exception, at.exception
    notes = store.read_commentary(store.get_engine(oidc_app), metric_id="ae_4hr_all")
    assert notes["narrative"].tolist() == ["Ambulance handover delays rose over the bank holiday."]
    assert notes["author"].tolist() == ["ann.analyst@nhs.net"]
    # The saved note shows on the page as an HTML table (its text wraps), not a canvas grid.
    shown = [t["frame"] for t in html_tables.tables(at) if "What happened" in t["frame"]]
    assert shown and shown[0]["What happened"].tolist() == ["Ambulance handover delays rose over the bank holiday."]
    assert shown[0]["Written by"].tolist() == ["ann.analyst@nhs.net"]
    assert not at.dataframe
    # The chart, made once per view and store version (ui.chart), is made again with the note on it.
    (chart,) = html_tables.charts(at)
    assert "Ambulance handover delays rose over the bank holiday." in html_tables.chart_texts(chart)
