"""The NHS England importer registry: order, exclusive detection, metric ids, speed, and never raising."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfdash.ingest.csvtext import header_cells
from perfdash.ingest.model import Importer, Parsed
from perfdash.ingest.nhse import IMPORTERS, ae_tidy, mhsds, msitae, provider_map, rtt, sickness
from tests.support.examples import examples

CONFIG = Path(__file__).resolve().parents[3] / "config.yaml"
REAL = {
    "msitae-2025-04.csv": "nhse_msitae",
    "msitae-2025-05.csv": "nhse_msitae",
    "msitae-2025-06.csv": "nhse_msitae",
    "ae-attendances-2016-2019-tidy.csv": "nhse_ae_tidy",
    "provider-icb-mapping.csv": "provider_reference",
}


def test_registry_order_and_names() -> None:
    assert [i.name for i in IMPORTERS] == [
        "nhse_msitae",
        "nhse_ae_tidy",
        "nhse_rtt",
        "provider_reference",
        "nhsd_mhsds",
        "nhsd_sickness",
    ]
    assert all(i.label for i in IMPORTERS)


def test_metric_ids_exist_in_config() -> None:
    known = {m["id"] for m in yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["metrics"]}
    for importer in IMPORTERS:
        assert set(importer.metrics) <= known, importer.name
    assert provider_map.IMPORTER.metrics == ()


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (list(msitae.COLUMNS), "nhse_msitae"),
        (list(ae_tidy.COLUMNS), "nhse_ae_tidy"),
        (list(rtt.COLUMNS), "nhse_rtt"),
        (list(provider_map.COLUMNS), "provider_reference"),
        (list(mhsds.COLUMNS), "nhsd_mhsds"),
        (list(sickness.COLUMNS), "nhsd_sickness"),
    ],
)
def test_each_header_matches_exactly_one_importer(header: list[str], name: str) -> None:
    assert [i.name for i in IMPORTERS if i.matches(header)] == [name]


@pytest.mark.parametrize(("file", "name"), REAL.items())
def test_real_files_match_exactly_one_importer(real_file: Callable[[str], str], file: str, name: str) -> None:
    assert [i.name for i in IMPORTERS if i.matches(header_cells(real_file(file)))] == [name]


def test_unrelated_headers_match_nothing() -> None:
    for header in (["period", "org_code", "metric_id", "value"], [], ["Code", "Name"]):
        assert not any(i.matches(header) for i in IMPORTERS)


def test_real_files_parse_without_errors(real_file: Callable[[str], str]) -> None:
    # Their speed is measured in benchmarks/, never asserted here (machines are noisy).
    parsers = {i.name: i.parse for i in IMPORTERS}
    for file in REAL:
        if file != "provider-icb-mapping.csv":
            assert not parsers[REAL[file]](real_file(file)).errors, file


CSV_CELL = st.text(alphabet=st.sampled_from(list('abc0123456789,-" \n\r\t')), max_size=8)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CSV_CELL, min_size=0, max_size=6), max_size=6), which=st.sampled_from(IMPORTERS))
def test_parse_never_raises(rows: list[list[str]], which: Importer) -> None:
    header = {
        "nhse_msitae": ",".join(msitae.COLUMNS),
        "nhse_ae_tidy": ",".join(ae_tidy.COLUMNS),
        "nhse_rtt": ",".join(rtt.COLUMNS),
        "provider_reference": ",".join(provider_map.COLUMNS),
        "nhsd_mhsds": ",".join(mhsds.COLUMNS),
        "nhsd_sickness": ",".join(sickness.COLUMNS),
    }[which.name]
    text = header + "\n" + "\n".join(",".join(r) for r in rows)
    parsed = which.parse(text)
    assert isinstance(parsed, Parsed) and parsed.format == which.name
    assert not any("could not read this file" in p.message for p in parsed.problems), parsed.problems


PLAUSIBLE = st.sampled_from(
    ["", "-", "0", "12", "1,234", "x", "TOTAL", "MSitAE-APRIL-2025", "MSitAE-MAY-2025", "RTT-June-2026",
     "2025-04-01", "Apr-25", "Part_2", "C_999", "62-day Combined", "28-day FDS", "ALL CANCERS", "ALL MODALITIES",
     "1", "other", "RAA", " rbb ", "London Commissioning Region", "30/09/2024", "01/07/2024", "England",
     "Provider", "MRS01", "MRS01a", "MRS01b", "NONE", "*", "8.5"]
)  # fmt: skip


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from(IMPORTERS))
def test_parse_never_raises_on_rectangular_files(data: st.DataObject, which: Importer) -> None:
    columns = {
        "nhse_msitae": list(msitae.COLUMNS),
        "nhse_ae_tidy": list(ae_tidy.COLUMNS),
        "nhse_rtt": list(rtt.COLUMNS),
        "provider_reference": list(provider_map.COLUMNS),
        "nhsd_mhsds": list(mhsds.COLUMNS),
        "nhsd_sickness": list(sickness.COLUMNS),
    }[which.name]
    rows = data.draw(st.lists(st.lists(PLAUSIBLE, min_size=len(columns), max_size=len(columns)), max_size=8))
    text = ",".join(columns) + "\n" + "\n".join(",".join(f'"{c}"' for c in r) for r in rows)
    parsed = which.parse(text)
    assert not any("could not read this file" in p.message for p in parsed.problems), parsed.problems
    assert list(parsed.rows.columns) == [
        "period",
        "org_code",
        "metric_id",
        "value",
        "numerator",
        "denominator",
        "line",
    ]
    assert parsed.rows["value"].notna().all()
    percent = parsed.rows["metric_id"].isin(
        ["ae_4hr_all", "ae_4hr_type1", "rtt_18wk_incomplete", "dm01_6wk", "wf_sickness"]
    )
    assert parsed.rows.loc[percent, "value"].between(0, 100).all()
