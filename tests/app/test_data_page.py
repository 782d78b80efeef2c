"""The Data page: a value's history as an HTML table, each load in the metric's unit with its upload's status."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from perfdash import service
from perfdash.ingest.pipeline import prepare
from tests.app.conftest import point_app_at
from tests.support import html_tables

HEADER = "period,org_code,metric_id,value,numerator,denominator\n"


def test_a_values_history_shows_each_load_and_its_rollback(app_env, demo_sqlite, monkeypatch, config):
    engine = demo_sqlite("2025-03")
    revised = prepare("ae-revised.csv", (HEADER + "2025-03,R1H,ae_4hr_all,71.26,,\n").encode(), config, engine)
    upload_id = service.commit_prepared(engine, revised, user="ann.analyst@nhs.net").upload_id
    service.rollback_upload(engine, upload_id, user="bob@nhs.net", reason="Not signed off")
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=str(engine.url))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"), default_timeout=120)
    at.switch_page("app_pages/data.py").run()
    at.selectbox(key="h_metric").select("ae_4hr_all").run()
    at.selectbox(key="h_org").select("R1H").run()
    at.selectbox(key="h_month").select("2025-03").run()
    assert not at.exception, at.exception
    assert not at.dataframe, "no canvas grid on the Data page"
    (history,) = [t["frame"] for t in html_tables.tables(at) if "Value" in t["frame"]]
    assert history["File"].tolist() == ["synthetic-demo-data.csv", "ae-revised.csv"]
    assert history["Value"].iloc[1] == "71.3%" and history["Loaded by"].iloc[1] == "ann.analyst@nhs.net"
    assert history["Upload status"].iloc[0] == "live"
    assert history["Upload status"].iloc[1].startswith("rolled back ")
    assert history["Upload"].tolist() == ["1", str(upload_id)]
