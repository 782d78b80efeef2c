"""The Upload page with real files: several at once, Excel, the demo withdrawn, every problem named."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from perfdash import service, store
from tests.app.conftest import point_app_at
from tests.ingest.test_workbook import xlsx
from tests.support import html_tables

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
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=120)
    at.switch_page("app_pages/upload.py").run()
    at.file_uploader(key="uploader-0").set_value(files).run()
    assert not at.exception, at.exception
    return at


def test_several_files_each_get_their_own_summary(fresh_demo):
    good = xlsx({"Return": [HEADER, ["2025-10", "R1H", "ae_4hr_all", 71.5, None, None]]})
    bad = b"period,org_code,metric_id,value\n2025-10,R1H,ae_4hr_all,lots\n"
    at = upload_page([("return.xlsx", good, "application/vnd.ms-excel"), ("bad.csv", bad, "text/csv")])
    assert [s.value.replace("\\", "") for s in at.subheader] == ["return.xlsx", "bad.csv", "Commit"]
    assert any("perfdash canonical long form" in m.value for m in at.markdown)
    assert len(at.error) == 2 and "1 problem(s)" in at.error[0].value
    problems = problem_tables(at)[-1]  # return.xlsx has a warning table of its own above
    assert problems[["Line", "Column", "Value"]].values.tolist() == [["2", "value", "lots"]]
    # Chosen together, loaded together: the bad file blocks the good one until it is fixed or removed.
    assert "Fix or remove bad.csv before committing" in at.error[1].value.replace("\\", "")
    commit = [b for b in at.button if b.label == "Commit"]
    assert len(commit) == 1 and commit[0].disabled
    # The good file's counts, as tiles (the bad one has none): October is new to the store.
    tiles = [html_tables.counts(block) for block in html_tables.blocks(at)]
    assert [t for t in tiles if t] == [{"New values": 1, "Revised values": 0, "Unchanged values": 0}]


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


def canonical(*rows: str) -> bytes:
    return ("period,org_code,metric_id,value,numerator,denominator\n" + "".join(rows)).encode()


def withdraw_demo(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Withdraw the demo data").click().run()
    assert not at.exception, at.exception
    return at


def problem_tables(at: AppTest) -> list:
    """Each file's problems as the page shows them (HTML tables, read back as text)."""
    tables = [t["frame"] for t in html_tables.tables(at)]
    return [t for t in tables if "What is wrong" in t.columns]


def commit_button(at: AppTest):
    (commit,) = [b for b in at.button if b.label == "Commit"]
    return commit


def test_two_files_with_the_second_invalid_commit_nothing(fresh_demo):
    good = canonical("2025-10,R1H,ae_4hr_all,71.5,,\n")
    bad = canonical("2025-10,RF4,ae_4hr_all,lots,,\n")
    at = withdraw_demo(upload_page([("good.csv", good, "text/csv"), ("bad.csv", bad, "text/csv")]))
    before = store.table_counts(fresh_demo)
    assert "Fix or remove bad.csv before committing" in at.error[-1].value.replace("\\", "")
    assert commit_button(at).disabled  # a browser cannot press it; the store is as it was
    assert store.table_counts(fresh_demo) == before
    assert not any("loaded as upload" in s.value for s in at.success)


def test_two_valid_files_land_in_one_commit_and_roll_back_one_by_one(fresh_demo):
    first = canonical("2025-10,R1H,ae_4hr_all,71.5,,\n")
    second = canonical("2025-10,RF4,ae_4hr_all,66.0,,\n")
    at = withdraw_demo(upload_page([("first.csv", first, "text/csv"), ("second.csv", second, "text/csv")]))
    summary = at.dataframe[-1].value
    assert summary[["file", "new", "revised", "unchanged"]].values.tolist() == [
        ["first.csv", 1, 0, 0],
        ["second.csv", 1, 0, 0],
    ]
    assert any("these 2 files in one transaction" in m.value for m in at.markdown)
    before = int(store.list_uploads(fresh_demo)["id"].max())
    commit_button(at).click().run()
    assert not at.exception, at.exception
    uploads = store.list_uploads(fresh_demo).set_index("file_name")
    assert uploads.loc[["first.csv", "second.csv"], "id"].tolist() == [before + 1, before + 2]
    assert sum("loaded as upload" in s.value for s in at.success) == 2
    current = store.read_current(fresh_demo).set_index("org_code")["value"].to_dict()
    assert current == {"R1H": 71.5, "RF4": 66.0}
    # Each file is its own upload: rolling back the first leaves the second.
    service.rollback_upload(fresh_demo, before + 1, user="analyst@nhs.net", reason="wrong month")
    assert store.read_current(fresh_demo).set_index("org_code")["value"].to_dict() == {"RF4": 66.0}


def test_files_that_disagree_need_the_one_tick_and_the_later_file_wins(fresh_demo):
    first = canonical("2025-10,R1H,ae_4hr_all,69.5,,\n")
    second = canonical("2025-10,R1H,ae_4hr_all,70.5,,\n")
    at = withdraw_demo(upload_page([("first.csv", first, "text/csv"), ("second.csv", second, "text/csv")]))
    (problems,) = problem_tables(at)  # the conflict is shown on the later file only
    assert problems["What is wrong"].str.contains("differ from first.csv \\(line 2\\) in the same upload").any()
    assert "69.5 to 70.5" in problems["What is wrong"].iloc[0]
    assert commit_button(at).disabled
    (tick,) = [c for c in at.checkbox if c.label.startswith("I have checked the 1 warning(s)")]
    tick.check().run()
    commit_button(at).click().run()
    assert not at.exception, at.exception
    assert store.read_current(fresh_demo)["value"].tolist() == [70.5]
    assert {"first.csv", "second.csv"} <= set(store.list_uploads(fresh_demo)["file_name"])


def test_a_store_fault_in_the_second_file_lands_neither(fresh_demo, monkeypatch):
    monkeypatch.delenv("PERFDASH_DEBUG", raising=False)  # the analyst's view: a message, never a traceback
    first = canonical("2025-10,R1H,ae_4hr_all,71.5,,\n")
    second = canonical("2025-10,RF4,ae_4hr_all,66.0,,\n")
    at = withdraw_demo(upload_page([("first.csv", first, "text/csv"), ("second.csv", second, "text/csv")]))
    with fresh_demo.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER fail_second BEFORE INSERT ON uploads WHEN NEW.file_name = 'second.csv' "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error injected'); END"
        )
    before = store.table_counts(fresh_demo)
    commit_button(at).click().run()
    assert not at.exception, at.exception
    assert any("Nothing was changed" in e.value for e in at.error), [e.value for e in at.error]
    assert store.table_counts(fresh_demo) == before
    assert "first.csv" not in set(store.list_uploads(fresh_demo)["file_name"])
