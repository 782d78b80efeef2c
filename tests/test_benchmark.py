"""Benchmarking on NHS England's real A&E file: England, London and ICB figures as NHS England computes them."""

import csv

import pandas as pd
import pytest

from perfdash import benchmark, store
from perfdash.ingest.pipeline import prepare
from perfdash.service import commit_prepared


@pytest.fixture
def april(shared_data, config, sqlite_engine):
    for name in ("provider-icb-mapping.csv", "msitae-2025-04.csv"):
        prepared = prepare(name, (shared_data / "nhse-ae" / name).read_bytes(), config, sqlite_engine)
        assert prepared.ok
        commit_prepared(sqlite_engine, prepared, user="test")
    return store.read_current(sqlite_engine), store.read_reference(sqlite_engine)


def _published_england_all_types(path) -> float:
    with path.open(newline="") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Period"] == "TOTAL")
    attendances = sum(int(v) for k, v in total.items() if k.startswith("A&E attendances"))
    over = sum(int(v) for k, v in total.items() if k.startswith("Attendances over 4hrs"))
    return 100 * (1 - over / attendances)


def test_england_equals_the_file_total(april, config, shared_data):
    current, reference = april
    metric = config.metric_by_id["ae_4hr_all"]
    table = benchmark.comparison(current, reference, config, metric, "RF4", "2025-04").set_index("level")
    assert round(table.at["This organisation", "value"], 1) == 78.5
    expected = _published_england_all_types(shared_data / "nhse-ae" / "msitae-2025-04.csv")
    assert round(table.at["England", "value"], 1) == round(expected, 1)
    assert table.at["ICB", "name"].startswith("NHS North East London")
    assert table.at["Region", "name"] == "London"
    # An average of trust percentages would be a different (wrong) number.
    providers = benchmark.providers_for(current, reference, config, metric, "2025-04")
    assert abs(providers["value"].mean() - table.at["England", "value"]) > 0.5


def test_london_aggregate_is_summed_counts(april, config):
    current, reference = april
    metric = config.metric_by_id["ae_4hr_all"]
    providers = benchmark.providers_for(current, reference, config, metric, "2025-04")
    london = providers[providers["region"] == "London"]
    table = benchmark.comparison(current, reference, config, metric, "R1H", "2025-04").set_index("level")
    assert table.at["Region", "value"] == pytest.approx(100 * london["numerator"].sum() / london["denominator"].sum())


def test_peer_rank_among_london_acute_trusts(april, config):
    current, reference = april
    metric = config.metric_by_id["ae_4hr_all"]
    rank, out_of = benchmark.peer_rank(current, reference, config, metric, "RQX", "2025-04")
    peers = benchmark.peer_codes(current, reference, "2025-04", "RQX")
    assert "R1H" in peers and "RF4" in peers and "RAT" not in peers  # NELFT has no type 1 department
    assert 1 <= rank <= out_of == len(peers & set(current.loc[current["metric_id"] == "ae_4hr_all", "org_code"]))


def test_caterpillar_highlights_nel(april, config):
    current, reference = april
    metric = config.metric_by_id["ae_4hr_all"]
    providers = benchmark.providers_for(current, reference, config, metric, "2025-04")
    figure = benchmark.caterpillar(providers, metric, {"R1H", "RF4", "RQX", "RAT"}, title="t")
    nel = next(t for t in figure.data if t.name == "North East London")
    assert set(nel.text) == {"R1H", "RF4", "RQX", "RAT"}
    others = next(t for t in figure.data if t.name == "Other providers")
    assert len(others.x) + len(nel.x) == len(providers)
    assert (pd.Series(others.error_y.array) >= 0).all()


def test_benchmark_view_for_a_trust_and_for_the_ics(april, config):
    from perfdash import metric_detail

    current, reference = april
    metric = config.metric_by_id["ae_4hr_all"]
    # A later month than the file's: the view falls back to the latest month with national data and says so.
    view = metric_detail.benchmark_view(current, reference, config, metric, "RF4", "2025-06")
    assert view.month == "2025-04" and view.note == "Latest month with national data up to Jun 2025."
    assert view.table["Level"].tolist() == ["This organisation", "ICB", "Region", "England"]
    assert view.table["Value"].iloc[0] == "78.5%"
    assert view.rank == benchmark.peer_rank(current, reference, config, metric, "RF4", "2025-04")
    icb_count = int(benchmark.comparison(current, reference, config, metric, "RF4", "2025-04")["providers"].iloc[1])
    assert f"({icb_count} providers)" in view.definition
    assert "roll up the 4 NEL organisations in this dashboard's catalogue" in view.definition
    assert len(view.providers) == len(benchmark.providers_for(current, reference, config, metric, "2025-04"))
    # The ICS: its first trust's ICB, region and England, without that trust's own row or a rank.
    ics = metric_detail.benchmark_view(current, reference, config, metric, config.system.code, "2025-04")
    assert ics.note is None and ics.rank is None
    assert "This organisation" not in ics.table["Level"].tolist()
    # A provider outside NEL has no Metric page benchmark.
    assert metric_detail.benchmark_view(current, reference, config, metric, "RJ1", "2025-04") is None


def test_without_the_lookup_no_icb_or_region_row_and_the_page_says_what_to_load(april, config):
    from perfdash import metric_detail

    current, _ = april
    metric = config.metric_by_id["ae_4hr_all"]
    view = metric_detail.benchmark_view(current, pd.DataFrame(), config, metric, "R1H", "2025-04")
    # Before: "ICB (None)" with Barts Health's own value and 1 provider. Now only figures that are what they say.
    assert view.table["Level"].tolist() == ["This organisation", "England"]
    assert view.definition.startswith("ICB and region figures need NHS England's provider lookup")
    assert "load it on the Upload page" in view.definition


def test_areas_loaded_beside_providers_are_not_providers(config):
    metric = config.metric_by_id["amb_cat2_mean"]
    codes = ["RRU", "RX6", "ENG", "Y63", "QMF", "QKK", "E09000012", "E12000007"]
    current = pd.DataFrame(
        {"period": "2025-08", "org_code": codes, "metric_id": metric.id, "value": 25.0, "numerator": None}
    ).assign(denominator=None)
    providers = benchmark.providers_for(current, pd.DataFrame(), config, metric, "2025-08")
    assert sorted(providers["org_code"]) == ["RRU", "RX6"]


def test_national_columns_give_england_london_and_rank(april, config, shared_data):
    current, reference = april
    columns = benchmark.national_columns(current, reference, config, "RF4", "2025-04").set_index("metric_id")
    expected = _published_england_all_types(shared_data / "nhse-ae" / "msitae-2025-04.csv")
    assert round(columns.at["ae_4hr_all", "england"], 1) == round(expected, 1)
    region = benchmark.comparison(current, reference, config, config.metric_by_id["ae_4hr_all"], "RF4", "2025-04")
    assert columns.at["ae_4hr_all", "london"] == pytest.approx(region.set_index("level").at["Region", "value"])
    rank = benchmark.peer_rank(current, reference, config, config.metric_by_id["ae_4hr_all"], "RF4", "2025-04")
    assert (columns.at["ae_4hr_all", "rank"], columns.at["ae_4hr_all", "peers"]) == rank
    assert "fin_cash_balance" not in columns.index  # no national data, no columns
    # Without the lookup there is no London figure from providers, and England is unchanged.
    bare = benchmark.national_columns(current, pd.DataFrame(), config, "RF4", "2025-04").set_index("metric_id")
    assert bare.at["ae_4hr_all", "london"] is None or pd.isna(bare.at["ae_4hr_all", "london"])
    assert bare.at["ae_4hr_all", "england"] == pytest.approx(columns.at["ae_4hr_all", "england"])


@pytest.mark.parametrize("trust", ["RF4", "R1H", "RQX"])
def test_every_rank_in_national_columns_equals_peer_rank(april, config, trust):
    current, reference = april
    columns = benchmark.national_columns(current, reference, config, trust, "2025-04").set_index("metric_id")
    assert len(columns) >= 2  # all types and type 1 at least
    for metric_id, row in columns.iterrows():
        rank = benchmark.peer_rank(current, reference, config, config.metric_by_id[metric_id], trust, "2025-04")
        assert (None if pd.isna(row["rank"]) else (row["rank"], row["peers"])) == rank, metric_id


@pytest.mark.parametrize(
    ("org_code", "month"),
    [("RF4", "2025-04"), ("RF4", "2025-06"), ("NEL", "2025-04"), ("RQX", "2025-05"), ("RJ1", "2025-04")],
)
def test_the_one_month_the_page_reads_gives_the_view_of_every_month(april, config, sqlite_engine, org_code, month):
    from perfdash import metric_detail
    from perfdash.service import benchmark_rows

    current, reference = april
    metric = config.metric_by_id["ae_4hr_all"]
    rows = benchmark_rows(sqlite_engine, config, metric.id, month)
    assert set(rows["period"]) == {"2025-04"} and len(rows) < len(current)
    whole = metric_detail.benchmark_view(current, reference, config, metric, org_code, month)
    read = metric_detail.benchmark_view(rows, reference, config, metric, org_code, month)
    if whole is None:
        assert read is None
        return
    assert (read.month, read.rank, read.note, read.definition) == (
        whole.month,
        whole.rank,
        whole.note,
        whole.definition,
    )
    pd.testing.assert_frame_equal(read.table, whole.table)
    pd.testing.assert_frame_equal(read.providers.reset_index(drop=True), whole.providers.reset_index(drop=True))


def test_no_month_of_national_data_up_to_the_month_reads_nothing(april, config, sqlite_engine):
    from perfdash.service import benchmark_rows

    assert benchmark_rows(sqlite_engine, config, "ae_4hr_all", "2025-03").empty
