"""Deterministic synthetic demo data at NEL-like levels, with seasonality, noise and a few real shifts.

Every figure here is made up ("synthetic demo data"); levels follow public NEL figures in
shared/reference/nhs-standards.md (e.g. Barts all-types 4-hour about 70-76%).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfdash.config import Config, Metric
from perfdash.periods import latest_complete_month, month_range

DEMO_START = "2021-04"
DEMO_FILE_NAME = "synthetic-demo-data.csv"


@dataclass(frozen=True)
class Shape:
    """How one metric behaves: level, noise, winter effect, yearly drift, volume behind a percentage."""

    base: float
    sd: float
    winter: float = 0.0  # added in December-February (negative: winter is worse for a higher-is-better metric)
    drift: float = 0.0  # change per year
    volume: float = 0.0  # denominator size for percentages
    shift: float = 0.0  # a step change part way through (an improvement programme, a new pathway)
    ytd: bool = False  # finance year-to-date measures reset every April


SHAPES: dict[str, Shape] = {
    "ae_4hr_all": Shape(69, 1.4, winter=-3, drift=0.4, volume=20000, shift=2.5),
    "ae_4hr_type1": Shape(55, 2.0, winter=-4, drift=0.4, volume=11000, shift=2.5),
    "ae_12hr_from_arrival": Shape(9.5, 0.9, winter=2.5, drift=-0.3, volume=11000),
    "ae_12hr_dta_waits": Shape(420, 70, winter=180, drift=-20),
    "ae_4to12hr_dta_waits": Shape(2300, 220, winter=500),
    "rtt_18wk_incomplete": Shape(58, 0.8, drift=0.9, volume=90000, shift=2),
    "rtt_first_appt_18wk": Shape(66, 1.0, drift=1.0, volume=40000, shift=2),
    "rtt_52wk_waiters": Shape(1600, 90, drift=-250),
    "rtt_52wk_pct": Shape(2.0, 0.12, drift=-0.3, volume=90000),
    "rtt_waiting_list": Shape(90000, 1500, drift=2500),
    "rtt_admitted_18wk": Shape(57, 2.0, winter=-1.5, drift=0.8, volume=3500),
    "rtt_nonadmitted_18wk": Shape(77, 1.5, drift=0.5, volume=14000),
    "cmh_4wk_seen": Shape(14, 4.0, drift=1.0, volume=120),
    "cyp_4wk_seen": Shape(26, 6.0, drift=1.0, volume=60),
    "dm01_6wk": Shape(22, 2.0, drift=-2.0, volume=14000, shift=-5),
    "dm01_waiting_list": Shape(14000, 350, drift=600),
    "cancer_fds_28d": Shape(74, 2.2, drift=1.2, volume=2400, shift=3),
    "cancer_62d": Shape(68, 3.0, drift=1.0, volume=220),
    "cancer_31d": Shape(93, 1.5, drift=0.3, volume=420),
    "tt_6wk": Shape(88, 2.5, volume=900),
    "tt_18wk": Shape(98, 0.8, volume=900),
    "tt_recovery": Shape(49, 2.5, drift=0.4, volume=700),
    "tt_reliable_recovery": Shape(47, 2.5, drift=0.6, volume=700),
    "tt_reliable_improvement": Shape(66, 2.0, drift=0.5, volume=800),
    "eip_2wk": Shape(68, 7.0, volume=40),
    "cyp_ed_urgent": Shape(78, 12.0, volume=12),
    "cyp_ed_routine": Shape(82, 6.0, drift=1.5, volume=45),
    "dementia_dx_rate": Shape(66, 1.2, drift=0.5, volume=2200),
    "oap_bed_days": Shape(520, 90, drift=-60, shift=-150),
    "amb_cat1_mean": Shape(8.1, 0.35, winter=0.5, drift=-0.1),
    "amb_cat1_p90": Shape(13.8, 0.6, winter=0.9, drift=-0.15),
    "amb_cat2_mean": Shape(33, 4.0, winter=9, drift=-2.0, shift=-5),
    "amb_cat2_p90": Shape(72, 9.0, winter=20, drift=-4.0),
    "amb_cat3_p90": Shape(200, 35, winter=70, drift=-12),
    "amb_cat4_p90": Shape(280, 40, winter=60, drift=-10),
    "handover_over_45": Shape(380, 80, winter=160, drift=-40),
    "nhs111_60s": Shape(62, 7.0, winter=-9, drift=2.0, volume=60000),
    "ae_attendances": Shape(20000, 700, winter=-600, drift=350),
    "emergency_admissions": Shape(4200, 160, winter=250, drift=60),
    "fin_ie_variance_ytd": Shape(-400, 350, ytd=True),
    "fin_cip_delivery": Shape(88, 6.0, volume=2500, ytd=True),
    "fin_agency_vs_cap": Shape(104, 6.0, drift=-3.0, volume=1800, ytd=True),
    "fin_capital_vs_plan": Shape(84, 8.0, volume=3000, ytd=True),
    "fin_bank_spend_ytd": Shape(9000, 300, drift=-300, ytd=True),
    "fin_cash_balance": Shape(38000, 4500, drift=-2500),
    "wf_vacancy_rate": Shape(10.5, 0.5, drift=-0.6, volume=9000),
    "wf_turnover": Shape(13.5, 0.4, drift=-0.5, volume=9000),
    "wf_sickness": Shape(4.9, 0.3, winter=0.6, drift=-0.1, volume=250000),
    "wf_agency_wte": Shape(120, 12, drift=-12, shift=-20),
}

# Organisation levels relative to the metric's base (added for percentages, multiplied for volumes).
ORG_OFFSETS: dict[str, dict[str, float]] = {
    "ae_4hr_all": {"R1H": -2.0, "RF4": 3.0, "RQX": 9.0, "RAT": 23.0},
    "ae_4hr_type1": {"R1H": 2.0, "RF4": -4.0, "RQX": 24.0},
    "rtt_18wk_incomplete": {"R1H": -2.0, "RF4": 1.0, "RQX": 4.0},
    "cancer_fds_28d": {"R1H": 1.0, "RF4": -3.0, "RQX": 4.0},
}
ORG_SCALE: dict[str, float] = {
    "R1H": 1.9,
    "RF4": 1.1,
    "RQX": 0.5,
    "RAT": 0.6,
    "RWK": 0.9,
    "RRU": 2.5,
    "QMF": 1.0,
    "E09000001": 0.05,
    "E09000002": 0.8,
    "E09000012": 1.0,
    "E09000016": 1.0,
    "E09000025": 1.3,
    "E09000026": 1.1,
    "E09000030": 1.2,
    "E09000031": 1.1,
}
# A few series get a real step change so SPC has something to find.
SHIFT_MONTHS = ["2023-04", "2024-01", "2024-10"]


def _rng(*parts: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("|".join(parts).encode()))


def _series(metric: Metric, org: str, periods: list[str]) -> pd.DataFrame:
    shape = SHAPES[metric.id]
    rng = _rng(metric.id, org)
    n = len(periods)
    months = np.array([int(p[5:7]) for p in periods])
    years = np.arange(n) / 12.0
    percent = metric.unit == "percent"
    # Only volumes grow with the size of the organisation; times and rates do not.
    scale = ORG_SCALE.get(org, 1.0) if metric.unit in ("count", "wte", "gbp_thousands") else 1.0
    offset = ORG_OFFSETS.get(metric.id, {}).get(org, float(rng.normal(0, shape.sd * 1.5)) if percent else 0.0)
    level = shape.base + offset if percent else shape.base * scale
    sd = shape.sd if percent else shape.sd * scale
    winter = np.isin(months, [12, 1, 2]) * (shape.winter if percent else shape.winter * scale)
    drift = shape.drift * years * (1 if percent else scale)
    noise = rng.normal(0, sd, n)
    shift = np.zeros(n)
    if shape.shift and rng.random() < 0.6:
        start = SHIFT_MONTHS[int(rng.integers(0, len(SHIFT_MONTHS)))]
        shift = np.where(np.array(periods) >= start, shape.shift * (1 if percent else scale), 0.0)
    values = level + winter + drift + noise + shift
    if shape.ytd:
        # Year-to-date positions start noisier in April and settle as the year goes on.
        month_of_year = (months - 4) % 12 + 1
        values = level + drift + shift + noise * (2.0 / np.sqrt(month_of_year))
    frame = pd.DataFrame({"period": periods, "org_code": org, "metric_id": metric.id})
    if percent:
        values = np.clip(values, 0.5, 99.9)
        volume = shape.volume * scale * rng.uniform(0.92, 1.08, n)
        if shape.ytd:
            volume = volume * ((months - 4) % 12 + 1) / 12
        denominator = np.maximum(np.round(volume), 5)
        numerator = np.round(denominator * values / 100)
        frame["numerator"] = numerator
        frame["denominator"] = denominator
        frame["value"] = 100 * numerator / denominator
    else:
        if metric.unit in ("count", "wte"):
            values = np.round(np.maximum(values, 0))
        elif metric.unit == "minutes":
            values = np.round(np.maximum(values, 1), 2)
        else:
            values = np.round(values, 1)
        frame["value"] = values
        frame["numerator"] = np.nan
        frame["denominator"] = np.nan
    return frame


def generate(config: Config, *, last: str | None = None, first: str = DEMO_START) -> pd.DataFrame:
    """Synthetic monthly data for every metric and every NEL organisation it applies to."""
    periods = month_range(first, last or latest_complete_month())
    frames = [
        _series(metric, org, periods)
        for metric in config.metrics
        if metric.id in SHAPES
        for org in config.metric_orgs(metric)
    ]
    frame = pd.concat(frames, ignore_index=True)
    # The ghosted month in config.yaml (a cyber incident) really is odd in the demo.
    for ghost in config.spc.ghosts:
        hit = (frame["metric_id"] == ghost.metric) & (frame["period"] == ghost.month)
        if ghost.org != "*":
            hit &= frame["org_code"] == ghost.org
        frame.loc[hit & frame["numerator"].notna(), "numerator"] = (
            frame.loc[hit & frame["numerator"].notna(), "denominator"] * 0.52
        ).round()
        frame.loc[hit, "value"] = np.where(
            frame.loc[hit, "numerator"].notna(),
            100 * frame.loc[hit, "numerator"] / frame.loc[hit, "denominator"],
            frame.loc[hit, "value"],
        )
    return frame[["period", "org_code", "metric_id", "value", "numerator", "denominator"]]


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The demo rows in the canonical CSV format (what `demo` loads, so it goes through ingest)."""
    return frame.to_csv(index=False, float_format="%.10g").encode("utf-8")
