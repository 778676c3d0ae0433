"""The engine's fast path with decay against the formula of model.md, section 5, written out plainly.

``posterior_blocks`` (what forecasts use) carries the decayed sum over stories
from one time point to the next, sums the changes by age, looks decay factors
up in a table kept with the draws, and adds ages that fill their 32-day blocks
by block. Here every time point is computed from scratch, story by story and
item by item, as

    log b_k(t) = kappa log pi_k + s delta sum_g gamma_g(t) sum_c f_c m_gck(t) - log Z(t)

with ``gamma_g(t) = 2 ** (-(t - date_g) / h)``, a story dated by its earliest
visible item and ``m_gck`` class c's share of the mean of its visible items'
``w r``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.engine import posterior
from model.engine.posterior import NEVER, EvidenceMatrix, Theta
from model.fileformat.ratings import DELTA


def straightforward(matrix: EvidenceMatrix, times, theta: Theta, factors: np.ndarray | None,
                    strict: bool) -> np.ndarray:
    """(D, T, K) log probabilities, one time point, story and item at a time."""
    item_class = matrix.item_class if matrix.item_class is not None else np.zeros(matrix.units.shape[0], np.int64)
    members = [np.flatnonzero(matrix.story == g) for g in range(matrix.stories)]
    result = np.empty((theta.draws, len(times), matrix.scenarios))
    for at, time in enumerate(times):
        logits = theta.prior_strength[:, None] * matrix.log_prior[None, :]
        for items in members:
            seen = [j for j in items if matrix.dates[j] <= time and (not strict or matrix.recorded[j] <= time)]
            if not seen:
                continue
            date = min(int(matrix.dates[j]) for j in seen)
            gamma = np.exp2(-(time - date) / theta.half_life)  # (D,); 1 without decay
            for j in seen:
                factor = 1.0 if factors is None else factors[:, item_class[j]]
                weight = theta.strength * DELTA * gamma * factor / len(seen)  # (D,)
                logits = logits + weight[:, None] * (matrix.weights[j] * matrix.units[j])[None, :]
        top = logits.max(axis=1, keepdims=True)
        result[:, at] = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return result


def question(rng: np.random.Generator, items: int, span: int, scenarios: int, classes: int,
             long_story: bool = False) -> EvidenceMatrix:
    """Items over ``span`` days, a third of them in stories of several items dated weeks apart."""
    story = np.arange(items)
    joined = rng.random(items) < 0.35
    story[joined] = rng.integers(0, max(1, items // 6), int(joined.sum()))  # stories of several items
    if long_story:
        story[: items * 3 // 4] = 0
    story = np.unique(story, return_inverse=True)[1].reshape(-1)
    dates = rng.integers(0, span, items)
    late = rng.integers(0, 40, items)
    recorded = np.where(rng.random(items) < 0.1, NEVER, dates + np.where(rng.random(items) < 0.3, late, 0))
    return EvidenceMatrix(
        log_prior=np.log(rng.dirichlet(np.ones(scenarios))),
        units=rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0, -3.3, 0.7], (items, scenarios)),
        weights=rng.uniform(0.1, 1.0, items), story=story.astype(np.int64), dates=dates.astype(np.int64),
        recorded=recorded.astype(np.int64), stories=int(story.max()) + 1,
        item_class=rng.integers(0, classes, items).astype(np.int64), classes=classes,
    )


def draws(rng: np.random.Generator, count: int) -> Theta:
    """Half-lives from days to years, and some draws without decay."""
    half_life = np.exp(rng.uniform(np.log(2.0), np.log(2000.0), count))
    half_life[rng.random(count) < 0.15] = np.inf
    return Theta.of(np.exp(rng.normal(0, 0.5, count)), half_life, np.exp(rng.normal(0, 0.5, count)))


def fast(matrix, times, theta, factors, strict) -> np.ndarray:
    blocks = list(posterior.posterior_blocks(matrix, times, theta, factors, strict))
    assert [start for start, _ in blocks] == sorted({start for start, _ in blocks})
    return np.log(np.concatenate([block for _, block in blocks], axis=1))


CASES = [  # items, days they span, scenarios, classes, draws, a story holding most items
    (1, 30, 2, 1, 3, False),
    (12, 60, 3, 1, 7, False),
    (40, 300, 4, 2, 20, False),
    (500, 150, 3, 1, 25, False),  # most days have a story: ages by blocks of days
    (300, 200, 5, 3, 12, False),
    (400, 120, 2, 1, 9, True),  # one story of 300 items: running sums in tables of 2, 4, 8... items
]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[0]}items")
def test_the_fast_path_equals_the_formula(monkeypatch, seed, strict, case):
    items, span, scenarios, classes, count, long_story = case
    rng = np.random.default_rng([seed, items])
    matrix = question(rng, items, span, scenarios, classes, long_story)
    theta = draws(rng, count)
    factors = rng.uniform(0.5, 2.0, (count, classes)) if classes > 1 else None
    early = [span // 2, span // 2] if seed % 2 else []  # some of the items first, or all at once
    times = np.sort(np.concatenate([[-5, span + 3], early, rng.integers(span, 3 * span, 4)]))
    expected = straightforward(matrix, times.tolist(), theta, factors, strict)
    np.testing.assert_allclose(fast(matrix, times, theta, factors, strict), expected, rtol=0, atol=1e-12)
    # one time point a call, decay factors computed rather than looked up, small parts: the same numbers
    monkeypatch.setattr(posterior, "_CHUNK_CELLS", 3 * count * scenarios * classes)
    monkeypatch.setattr(posterior, "_TABLE_AGES", 40)
    np.testing.assert_allclose(fast(matrix, times, theta, factors, strict), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("strict", [False, True])
def test_a_story_that_grows_at_many_time_points(strict):
    """One story gains items between most of 300 time points, others once or twice: its running means by tables."""
    rng = np.random.default_rng(11)
    long_story, others = 250, 60
    story = np.concatenate([np.zeros(long_story, np.int64), 1 + rng.integers(0, 25, others)])
    story = np.unique(story, return_inverse=True)[1].reshape(-1)
    dates = np.concatenate([rng.choice(600, long_story, replace=False), rng.integers(0, 600, others)])
    recorded = dates + rng.integers(0, 20, dates.shape[0])
    matrix = EvidenceMatrix(
        log_prior=np.log([0.2, 0.3, 0.5]), units=rng.choice([-2.0, -1.0, 1.0, 2.0], (dates.shape[0], 3)),
        weights=rng.uniform(0.1, 1.0, dates.shape[0]), story=story.astype(np.int64), dates=dates.astype(np.int64),
        recorded=recorded.astype(np.int64), stories=int(story.max()) + 1,
    )
    theta = draws(rng, 6)
    times = np.arange(-3, 640, 2)
    expected = straightforward(matrix, times.tolist(), theta, None, strict)
    np.testing.assert_allclose(fast(matrix, times, theta, None, strict), expected, rtol=0, atol=1e-12)


def test_the_formula_here_is_the_one_the_engine_documents():
    """The reference above against numbers worked by hand: one story of two items, one of one."""
    matrix = EvidenceMatrix(
        log_prior=np.log([0.25, 0.75]), units=np.array([[2.0, 0.0], [1.0, -1.0], [0.0, 1.0]]),
        weights=np.array([1.0, 0.5, 1.0]), story=np.array([0, 0, 1]), dates=np.array([10, 40, 20]),
        recorded=np.array([10, 40, 20]), stories=2,
    )
    theta = Theta.of(0.8, 30.0, 1.5)
    t = 70
    story_a = 0.5 * (np.array([2.0, 0.0]) + 0.5 * np.array([1.0, -1.0])) * 2 ** (-(t - 10) / 30)
    story_b = np.array([0.0, 1.0]) * 2 ** (-(t - 20) / 30)
    logits = 1.5 * np.log([0.25, 0.75]) + 0.8 * math.log(2) * (story_a + story_b)
    by_hand = logits - np.log(np.exp(logits).sum())
    assert DELTA == pytest.approx(math.log(2))
    np.testing.assert_allclose(straightforward(matrix, [t], theta, None, False)[0, 0], by_hand, rtol=0, atol=1e-14)
    np.testing.assert_allclose(fast(matrix, np.array([t]), theta, None, False)[0, 0], by_hand, rtol=0, atol=1e-14)


def test_decay_factors_by_age_are_kept_with_the_draws_and_bounded():
    theta = draws(np.random.default_rng(4), 30)
    table = theta.decay_by_age(100, limit=1000)
    assert table.shape == (128, 30) and theta.decay_by_age(50, limit=1000) is table  # kept, grown by doubling
    np.testing.assert_allclose(table, np.exp2(-np.arange(128)[:, None] / theta.half_life[None, :]), rtol=1e-14)
    assert theta.decay_by_age(5000, limit=1000).shape == (1000, 30)  # never more ages than the limit
    assert theta.decay_by_age(10, limit=64).shape == (64, 30)
