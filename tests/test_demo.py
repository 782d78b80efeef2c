"""Demo data: deterministic, complete, realistic, and valid through the normal ingest path."""

from perfdash import demo, service, store
from perfdash.ingest.pipeline import prepare


def test_deterministic_and_complete(config):
    first = demo.generate(config, last="2025-09")
    second = demo.generate(config, last="2025-09")
    assert first.equals(second)
    for metric in config.metrics:
        orgs = set(first.loc[first["metric_id"] == metric.id, "org_code"])
        assert orgs == set(config.metric_orgs(metric)), metric.id
    assert first["period"].min() == "2021-04" and first["period"].max() == "2025-09"


def test_nel_like_levels(config):
    frame = demo.generate(config, last="2025-09")
    barts = frame[(frame["org_code"] == "R1H") & (frame["metric_id"] == "ae_4hr_all")]["value"]
    assert 62 < barts.median() < 80
    cat2 = frame[(frame["metric_id"] == "amb_cat2_mean")]["value"]
    assert 15 < cat2.median() < 60


def test_demo_loads_through_ingest_and_is_labelled(config, sqlite_engine):
    data = demo.to_csv_bytes(demo.generate(config, last="2025-09"))
    assert prepare("demo.csv", data, config, sqlite_engine, today_month="2025-10").ok
    assert service.ensure_demo(sqlite_engine, config) is True
    assert service.ensure_demo(sqlite_engine, config) is False  # only when the store is empty
    uploads = store.list_uploads(sqlite_engine)
    assert uploads["note"].tolist() == [config.app.demo_label]
