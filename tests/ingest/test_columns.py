"""Column helpers: one code per row, categories that are the distinct results in text order."""

import numpy as np
import pandas as pd

from perfdash.ingest.columns import Distinct, map_distinct
from perfdash.store.bulk import key_order


def test_two_spellings_of_one_code_become_one_category_in_text_order():
    raw = pd.Series(["r1h", "RF4", " R1H ", "qmf", "RF4"])
    mapped = map_distinct(raw, lambda text: text.strip().upper())
    assert mapped.tolist() == ["R1H", "RF4", "R1H", "QMF", "RF4"]
    assert list(mapped.cat.categories) == ["QMF", "R1H", "RF4"]
    assert mapped.cat.ordered and mapped.max() == "RF4"


def test_a_categorical_input_is_mapped_without_reading_its_rows_as_text():
    raw = pd.Series(pd.Categorical(["2025-04-01", "2025-04", "2025-05"]))
    mapped = map_distinct(raw, lambda text: text[:7])
    assert mapped.tolist() == ["2025-04", "2025-04", "2025-05"]
    assert Distinct.of(mapped).values.tolist() == ["2025-04", "2025-05"]


def test_key_order_is_the_same_for_text_and_for_mapped_categories():
    rows = pd.DataFrame(
        {
            "metric_id": ["rtt", "ae", "ae", "rtt", "ae"],
            "org_code": ["R1H", "RF4", "R1H", "R1H", "R1H"],
            "period": ["2025-05", "2025-04", "2025-05", "2025-04", "2025-04"],
        }
    )
    as_categories = rows.apply(lambda column: map_distinct(column, str))
    expected = rows.sort_values(["metric_id", "org_code", "period"]).index.to_numpy()
    assert np.array_equal(key_order(rows), expected)
    assert np.array_equal(key_order(as_categories), expected)
