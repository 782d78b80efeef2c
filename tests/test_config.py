"""The registry: the real file is complete; a broken file fails with the field path."""

from pathlib import Path

import pytest

from perfdash.config import ConfigError, load_config
from tests.support.configs import write_config_variant

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIRED_METRICS = {
    "ae_4hr_all",
    "ae_4hr_type1",
    "ae_12hr_from_arrival",
    "ae_12hr_dta_waits",
    "rtt_18wk_incomplete",
    "rtt_52wk_waiters",
    "dm01_6wk",
    "cancer_fds_28d",
    "cancer_62d",
    "cancer_31d",
    "tt_6wk",
    "tt_18wk",
    "tt_recovery",
    "eip_2wk",
    "cyp_ed_urgent",
    "cyp_ed_routine",
    "dementia_dx_rate",
    "oap_bed_days",
    "amb_cat1_mean",
    "amb_cat1_p90",
    "amb_cat2_mean",
    "amb_cat2_p90",
    "handover_over_45",
    "nhs111_60s",
    "ae_attendances",
    "emergency_admissions",
    "fin_ie_variance_ytd",
    "fin_cip_delivery",
    "fin_agency_vs_cap",
    "fin_capital_vs_plan",
    "fin_cash_balance",
    "wf_vacancy_rate",
    "wf_turnover",
    "wf_sickness",
    "wf_agency_wte",
}


def test_every_required_metric_is_registered(config):
    assert set(config.metric_by_id) >= REQUIRED_METRICS


def test_every_metric_has_unit_direction_target_and_docs(config):
    docs = (PROJECT_ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for metric in config.metrics:
        assert metric.unit and metric.direction and len(metric.definition) > 20, metric.id
        assert metric.targets or metric.no_target_reason, metric.id
        assert len(config.lead_for(metric)) > 3 and metric.id in config.data_quality, metric.id
        assert config.lead_for(metric) in docs and config.data_quality[metric.id].reason in docs, metric.id
        assert f"`{metric.id}`" in docs, f"{metric.id} is missing from docs/metrics.md (run python -m perfdash docs)"


def test_nel_organisations_and_places(config):
    assert {o.code: o.type for o in config.organisations} == {
        "R1H": "acute",
        "RF4": "acute",
        "RQX": "acute",
        "RWK": "mental_health_community",
        "RAT": "mental_health_community",
        "RRU": "ambulance",
    }
    assert config.system.code == "QMF"
    assert len(config.places) == 8


def test_ae_targets_step_by_year(config):
    from perfdash.targets import judge

    metric = config.metric_by_id["ae_4hr_all"]
    assert judge(config, metric, "2023-06", "R1H").value == 76
    assert judge(config, metric, "2024-04", "R1H").value == 78
    assert judge(config, metric, "2026-04", "R1H").value == 82
    # Before the first interim target the 95% standard is shown for reference, not silently judged against.
    before = judge(config, metric, "2022-06", "R1H")
    assert before.value is None and before.reference.value == 95
    assert {t.value for t in metric.targets_in_force("2024-06", "R1H", True)} == {95, 78}


def test_organisation_specific_target_wins(config):
    from perfdash.targets import judge

    metric = config.metric_by_id["fin_cash_balance"]
    assert judge(config, metric, "2024-06", "RF4").value == 20000
    assert judge(config, metric, "2024-06", "QMF").value == 110000


def _write(tmp_path: Path, mutate) -> Path:
    return write_config_variant(tmp_path, mutate)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda raw: raw["metrics"][2].update(unit="furlongs"), "metrics.2.unit"),
        (lambda raw: raw["metrics"][0]["targets"][1].update({"from": "2024-13"}), "metrics.0.targets.1.from"),
        (lambda raw: raw["organisations"][0].update(code="r1h"), "organisations.0.code"),
        (lambda raw: raw["metrics"][1].update(domain="nowhere"), "metrics.1.domain"),
        (lambda raw: raw["metrics"][0].pop("definition"), "metrics.0.definition"),
        (lambda raw: raw["app"].update(spc_profile="excel"), "app.spc_profile"),
        (lambda raw: raw["metrics"][0].update(colour="red"), "metrics.0.colour"),
        (lambda raw: raw["spc"]["rebases"][0].update(metric="nope"), "spc.rebases.0.metric"),
        (lambda raw: raw["data_quality"]["tt_6wk"].update(timeliness="great"), "data_quality.tt_6wk.timeliness"),
        (lambda raw: raw["metric_leads"].update(nope="Chief Nurse"), "metric_leads.nope: unknown metric"),
        (lambda raw: raw["domains"][0].pop("lead"), "domains.0.lead"),
    ],
)
def test_bad_config_names_the_field(tmp_path, mutate, expected):
    with pytest.raises(ConfigError) as error:
        load_config(_write(tmp_path, mutate))
    assert expected in str(error.value)


def test_metric_without_target_needs_a_reason(tmp_path):
    def mutate(raw: dict) -> None:
        raw["metrics"][0]["targets"] = []

    with pytest.raises(ConfigError, match="no_target_reason"):
        load_config(_write(tmp_path, mutate))


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("app: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_a_metric_lead_overrides_its_domains(config):
    assert config.lead_for(config.metric_by_id["ae_4hr_all"]) == "Chief Operating Officer"
    assert config.lead_for(config.metric_by_id["fin_agency_vs_cap"]) == "Chief People Officer"
    assert config.lead_for(config.metric_by_id["fin_cash_balance"]) == "Chief Finance Officer"


def test_a_metric_without_a_rating_reads_not_yet_assessed(tmp_path):
    config = load_config(_write(tmp_path, lambda raw: raw["data_quality"].pop("ae_4hr_all")))
    quality = config.quality_for(config.metric_by_id["ae_4hr_all"])
    assert quality.overall == "not_assessed" and "No data quality rating" in quality.reason


def test_data_quality_overall_is_the_weakest_dimension(config):
    assert config.data_quality["ae_4hr_all"].overall == "sufficient"
    assert config.data_quality["rtt_waiting_list"].overall == "partial"


def test_metric_docs_are_generated_from_the_registry(config):
    from perfdash.docs import metrics_markdown

    committed = (PROJECT_ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert committed == metrics_markdown(config), "docs/metrics.md is stale: run python -m perfdash docs"


def test_spc_settings_per_series(config):
    assert config.spc.baseline_for("rtt_18wk_incomplete", "R1H") == 24
    assert config.spc.baseline_for("ae_4hr_all", "R1H") is None
    assert [r.month for r in config.spc.rebase_months("ae_4hr_all", "RF4")] == ["2023-04"]
    assert config.spc.ghost_months("ae_4hr_all", "R1H")[0].reason.startswith("Cyber incident")


def test_board_uses_the_series_settings(config):
    from perfdash import board, demo

    current = demo.generate(config, last="2025-09")
    metric = config.metric_by_id["ae_4hr_all"]
    reading = board.spc_reading(config, metric, "RF4", board.series(current, config, metric, "RF4"))
    periods = reading.result.points["period"]
    assert periods.iloc[reading.periods.index("2023-04")] == periods.iloc[0] + 1  # a new period at the rebase
    ghosted = board.spc_reading(config, metric, "R1H", board.series(current, config, metric, "R1H"))
    assert bool(ghosted.result.points["ghosted"].iloc[ghosted.periods.index("2022-12")])
