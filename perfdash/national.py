"""A generated national-scale dataset (synthetic providers, every metric, 10 years) for benchmarks and load tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfdash.config import Config
from perfdash.demo import SHAPES
from perfdash.periods import add_months, latest_complete_month, month_range


def provider_codes(count: int) -> list[str]:
    """Synthetic ODS-like codes (Z followed by two letters/digits) that no real trust uses."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return [f"Z{alphabet[i // len(alphabet)]}{alphabet[i % len(alphabet)]}" for i in range(count)]


def reference(count: int = 220) -> pd.DataFrame:
    """A provider-to-ICB-and-region lookup for the synthetic providers (layout of the NHS England file)."""
    codes = provider_codes(count)
    regions = [
        "London",
        "South East",
        "South West",
        "Midlands",
        "East of England",
        "North West",
        "North East and Yorkshire",
    ]
    return pd.DataFrame(
        {
            "Code": codes,
            "Name": [f"Synthetic Provider {code} NHS Trust" for code in codes],
            "ICB Code": [f"Q{i % 42:02d}" for i in range(count)],
            "ICB Name": [f"NHS Synthetic ICB {i % 42}" for i in range(count)],
            "Region Name": [f"{regions[i % len(regions)]} Commissioning Region" for i in range(count)],
        }
    )


def generate(config: Config, *, providers: int = 220, months: int = 120, seed: int = 7) -> pd.DataFrame:
    """Canonical rows: every metric for every synthetic provider over `months` months, vectorised."""
    rng = np.random.default_rng(seed)
    last = latest_complete_month()
    periods = np.array(month_range(add_months(last, -(months - 1)), last))
    codes = np.array(provider_codes(providers))
    frames = []
    for metric in config.metrics:
        shape = SHAPES[metric.id]
        n = providers * months
        base = shape.base + rng.normal(0, max(shape.sd, 1e-6) * 3, providers).repeat(months)
        values = base + rng.normal(0, shape.sd, n)
        frame = pd.DataFrame(
            {"period": np.tile(periods, providers), "org_code": codes.repeat(months), "metric_id": metric.id}
        )
        if metric.unit == "percent":
            denominator = np.maximum(np.round(max(shape.volume, 50) * rng.uniform(0.5, 1.5, n)), 1)
            numerator = np.round(denominator * np.clip(values, 0.5, 99.5) / 100)
            frame["value"] = ""
            frame["numerator"] = numerator
            frame["denominator"] = denominator
        else:
            low = 0 if metric.unit != "gbp_thousands" else None
            frame["value"] = np.round(np.clip(values, low, None), 2)
            frame["numerator"] = np.nan
            frame["denominator"] = np.nan
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
