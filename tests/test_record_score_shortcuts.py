"""``vane score``'s shortcuts give the very numbers of the plain computations they replace (differential tests)."""

from __future__ import annotations

import numpy as np
import pytest

from model.record.scorecard import BOOTSTRAP, interval


def choice_interval(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """The bootstrap interval as first written: every resample drawn at once by ``rng.choice``."""
    resampled = rng.choice(values, size=(BOOTSTRAP, values.shape[0]), replace=True).mean(axis=1)
    low, high = np.quantile(resampled, [0.05, 0.95])
    return float(low), float(high)


@pytest.mark.parametrize("count", [1, 2, 7, 8, 9, 64, 131, 500, 999, 1000])
def test_the_bootstrap_in_blocks_draws_what_choice_drew(count):
    data = np.random.default_rng(count)
    values = data.normal(size=count) * 10 ** data.uniform(-3, 3)
    ours, theirs = np.random.default_rng(7), np.random.default_rng(7)
    for _ in range(3):  # one generator through several intervals, as ``summarise`` uses it
        assert interval(values, ours) == choice_interval(values, theirs)
    assert ours.random() == theirs.random()  # left in the same state
