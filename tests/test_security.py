"""Hardening that spans files: no raw HTML, upload limits that agree, secrets kept out of git, names as text."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from perfdash import service, store

ROOT = Path(__file__).resolve().parents[1]
APP_CODE = [
    ROOT / "dashboard.py",
    *sorted((ROOT / "app_pages").glob("*.py")),
    *sorted((ROOT / "perfdash").rglob("*.py")),
]
# Ways to put raw HTML or script into a Streamlit page.
RAW_HTML = re.compile(
    r"unsafe_allow_html|\bst\.html\(|components\.v[12]|components\.html|streamlit\.components|st\.components"
)


# The one sink: ui.show_tables shows blocks that perfdash.html_table built, escaping every cell, and sanitised on
# the server (pinned by tests/test_html_table.py, tests/app/test_html_blocks.py and the hostile page tests).
ONE_SINK = "perfdash/ui.py: mount = st.components.v2.component("
# The pickers (ui.picker) are the one other component: a fixed empty <div> and a fixed script that builds a label
# and a select from text (pinned below), so no value reaches the page as markup.
PICKER = "perfdash/ui.py: mount_picker = st.components.v2.component("


def test_app_code_never_renders_raw_html():
    offenders = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in APP_CODE
        for line in path.read_text(encoding="utf-8").splitlines()
        if RAW_HTML.search(line)
    ]
    assert len(APP_CODE) > 10
    assert offenders == [ONE_SINK, PICKER], "raw HTML in the app:\n" + "\n".join(offenders)


def test_the_pickers_script_puts_text_in_the_page_never_markup():
    from perfdash import ui

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser", "eval(", "Function("):
        assert sink not in ui.PICKER_SCRIPT, sink
    assert "label.textContent = data.label" in ui.PICKER_SCRIPT
    assert "new Option(text, value)" in ui.PICKER_SCRIPT  # an option's text and value are set as text


def test_no_pages_folder_that_would_bypass_the_sign_in_gate():
    # A pages/ folder beside the entrypoint puts Streamlit in legacy mode, where /upload skips dashboard.py.
    assert not (ROOT / "pages").exists()


def _streamlit_config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_upload_limit_agrees_with_the_registry(config):
    assert _streamlit_config()["server"]["maxUploadSize"] == config.app.max_upload_mb
    # The page tells the user the same number and passes it to the uploader.
    page = (ROOT / "app_pages" / "upload.py").read_text(encoding="utf-8")
    assert "max_upload_size=config.app.max_upload_mb" in page
    assert "Largest file accepted: {config.app.max_upload_mb} MB" in page


def test_production_settings():
    settings = _streamlit_config()
    assert settings["client"]["toolbarMode"] == "minimal"
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["server"]["headless"] is True


def _git(*args: str) -> subprocess.CompletedProcess | None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_secrets_are_ignored_and_never_tracked():
    ignore_lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignore_lines
    checked = _git("check-ignore", "--no-index", "-q", ".streamlit/secrets.toml")
    if checked is not None:
        assert checked.returncode == 0, "git does not ignore .streamlit/secrets.toml"
        tracked = _git("ls-files", "--", "*secrets.toml", ".streamlit/secrets.toml")
        assert tracked.stdout.strip() == "", f"a secrets file is tracked: {tracked.stdout}"
        assert _git("check-ignore", "--no-index", "-q", ".streamlit/secrets.toml.example").returncode == 1


def test_secrets_example_documents_every_key_without_real_values():
    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    auth = tomllib.loads(text)["auth"]
    assert set(auth) == {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"}
    assert auth["redirect_uri"].endswith("/oauth2callback")
    assert auth["cookie_secret"].startswith("replace-") and auth["client_secret"].startswith("replace-")
    assert auth["client_id"] == "00000000-0000-0000-0000-000000000000"
    assert "/common/" not in auth["server_metadata_url"] and "<tenant-id>" in auth["server_metadata_url"]


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "..\\..\\Windows\\win.ini",
        "/etc/cron.d/perfdash.csv",
        "<img src=x onerror=alert(1)>.csv",
        "x" * 300 + ".csv",
    ],
)
def test_an_uploaded_file_name_is_stored_as_text_only(tmp_path, monkeypatch, config, name):
    monkeypatch.chdir(tmp_path)
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    passwd = Path("/etc/passwd").read_bytes() if Path("/etc/passwd").exists() else None
    prepared = service.prepare(name, service.template_csv(config), config, engine)
    if len(name) > store.FIELD_LENGTHS["file_name"]:
        # Refused with a message before anything is written, the same on SQLite and PostgreSQL (issue 16).
        assert [p.message for p in prepared.errors] == [f"the file name is {len(name):,} characters; the most is 255"]
        assert store.count_uploads(engine) == 0
    else:
        assert prepared.ok
        service.commit_prepared(engine, prepared, user="ann.analyst@nhs.net")
        assert store.list_uploads(engine)["file_name"].tolist() == [name]
    store.dispose_engines()
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    # Only the store itself (and SQLite's journal files) appeared; nothing was written under the name.
    assert {str(p) for p in set(after) - set(before)} <= {"store.sqlite", "store.sqlite-wal", "store.sqlite-shm"}
    if passwd is not None:
        assert Path("/etc/passwd").read_bytes() == passwd
