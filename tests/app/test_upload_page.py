"""The Upload page with real files: several at once, Excel, the demo withdrawn, every problem named."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from perfdash import service, store
from tests.app.conftest import point_app_at
from tests.ingest.test_workbook import xlsx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEADER = ["period", "org_code", "metric_id", "value", "numerator", "denominator"]


@pytest.fixture
def fresh_demo(monkeypatch: pytest.MonkeyPatch, demo_sqlite):
    """A store of its own with the demo loaded: these tests write to it."""

    url = str(demo_sqlite("2025-09").url)
    monkeypatch.chdir(PROJECT_ROOT)
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=url)
    yield store.get_engine(url)
    store.dispose_engines()


def upload_page(files: list[tuple[str, bytes, str]]) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/upload.py").run()
    at.file_uploader(key="uploader-0").set_value(files).run()
    assert not at.exception, at.exception
    return at


def test_several_files_each_get_their_own_summary(fresh_demo):
    good = xlsx({"Return": [HEADER, ["2025-10", "R1H", "ae_4hr_all", 71.5, None, None]]})
    bad = b"period,org_code,metric_id,value\n2025-10,R1H,ae_4hr_all,lots\n"
    at = upload_page([("return.xlsx", good, "application/vnd.ms-excel"), ("bad.csv", bad, "text/csv")])
    assert [s.value.replace("\\", "") for s in at.subheader] == ["return.xlsx", "bad.csv"]
    assert any("perfdash canonical long form" in m.value for m in at.markdown)
    assert len(at.error) == 1 and "1 problem(s)" in at.error[0].value
    problems = at.dataframe[-1].value
    assert problems[["line", "column", "value"]].values.tolist() == [[2, "value", "lots"]]
    # The demo is live: committing waits for a decision.
    commit = [b for b in at.button if b.label == "Commit"]
    assert len(commit) == 1 and commit[0].disabled


def test_withdrawing_the_demo_then_committing_real_data(fresh_demo):
    good = xlsx({"Return": [HEADER, ["2025-10", "R1H", "ae_4hr_all", 71.5, None, None]]})
    at = upload_page([("return.xlsx", good, "application/vnd.ms-excel")])
    next(b for b in at.button if b.label == "Withdraw the demo data").click().run()
    assert not at.exception
    assert any("Withdrew the synthetic demo data" in s.value for s in at.success)
    assert not service.demo_is_live(fresh_demo)
    commit = next(b for b in at.button if b.label == "Commit")
    assert not commit.disabled
    commit.click().run()
    live = store.list_uploads(fresh_demo)
    latest = live.iloc[0]
    assert (latest["file_name"], latest["origin"], latest["status"]) == ("return.xlsx", "trust return", "live")
    assert store.read_current(fresh_demo)["value"].tolist() == [71.5]


def test_the_same_file_twice_is_shown_once(fresh_demo):
    csv = b"period,org_code,metric_id,value,numerator,denominator\n2025-10,R1H,ae_4hr_all,71.5,,\n"
    at = upload_page([("a.csv", csv, "text/csv"), ("copy of a.csv", csv, "text/csv")])
    assert any("Identical to a\\.csv above" in i.value for i in at.info), [i.value for i in at.info]
    assert len([b for b in at.button if b.label == "Commit"]) == 1
