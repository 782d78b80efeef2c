"""Column helpers for million-row files: work once per distinct value, never once per row in Python."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfdash.config import Config


def map_distinct(values: pd.Series, function: Callable[[str], str]) -> pd.Series:
    """function applied to each distinct string, as a categorical over the rows (a code per row, not a string)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # keys read as dictionaries: already factorised
        codes, distinct = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, distinct = pd.factorize(values, use_na_sentinel=False)
    # Two spellings may map to one value ("r1h" and "R1H"): the categories are the distinct results, sorted.
    categories, position = np.unique(
        np.array([function(value) for value in distinct], dtype=object), return_inverse=True
    )
    return pd.Series(
        pd.Categorical.from_codes(position[codes], categories=pd.Index(categories, dtype="str"), ordered=True),
        index=values.index,
    )


def metric_units(metric_ids: pd.Series, config: Config) -> pd.Series:
    """Each row's metric unit ('' for an unknown metric id)."""
    units = {metric_id: metric.unit for metric_id, metric in config.metric_by_id.items()}
    return map_distinct(metric_ids, lambda metric_id: units.get(metric_id, ""))


@dataclass(frozen=True)
class Distinct:
    """A column factorised once: each row's code into the distinct values, for checks run once per value."""

    codes: np.ndarray
    values: pd.Series

    @classmethod
    def of(cls, column: pd.Series) -> Distinct:
        """Factorise a column (a categorical's own codes are used as they are)."""
        if isinstance(column.dtype, pd.CategoricalDtype) and not column.isna().any():
            return cls(column.cat.codes.to_numpy(), pd.Series(column.cat.categories, dtype="str"))
        codes, distinct = pd.factorize(column, use_na_sentinel=False)
        return cls(codes, pd.Series(distinct, dtype="str"))

    def mask(self, test: Callable[[pd.Series], pd.Series | np.ndarray]) -> np.ndarray:
        """A vectorised test on the distinct values, spread back over the rows (a missing answer is True)."""
        result = pd.Series(test(self.values)).to_numpy(dtype=bool, na_value=True)
        return result[self.codes] if len(result) else np.zeros(len(self.codes), dtype=bool)
