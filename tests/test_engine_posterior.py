"""The exact engine against hand computation and the properties model.md implies."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.engine import posterior
from model.engine.posterior import EvidenceMatrix, Theta


def matrix(prior, units, weights=None, story=None, dates=None, recorded=None) -> EvidenceMatrix:
    units = np.asarray(units, float).reshape(-1, len(prior))
    count = units.shape[0]
    story = np.arange(count) if story is None else np.asarray(story)
    return EvidenceMatrix(
        log_prior=np.log(np.asarray(prior, float)),
        units=units,
        weights=np.ones(count) if weights is None else np.asarray(weights, float),
        story=story.astype(np.int64),
        dates=np.zeros(count, np.int64) if dates is None else np.asarray(dates, np.int64),
        recorded=np.zeros(count, np.int64) if recorded is None else np.asarray(recorded, np.int64),
        stories=int(story.max()) + 1 if count else 0,
    )


def probabilities(m: EvidenceMatrix, times=(100,), theta=None, strict=False) -> np.ndarray:
    view = posterior.story_view(m, list(times), strict)
    return posterior.posterior(m.log_prior, view, theta or Theta.face_value())


def test_one_plus_doubles_the_odds_against_a_neutral_scenario():
    result = probabilities(matrix([0.5, 0.5], [[1, 0]]))[0, 0]
    assert result == pytest.approx([2 / 3, 1 / 3], abs=1e-12)


def test_hand_computed_posterior_with_weights_and_prior():
    # prior (0.2, 0.3, 0.5); item rated (+, 0, -) with grade weight 0.85*0.85; second item (--, +, 0) weight 1
    w1 = 0.85 * 0.85
    m = matrix([0.2, 0.3, 0.5], [[1, 0, -1], [-2, 1, 0]], weights=[w1, 1.0])
    logits = np.log([0.2, 0.3, 0.5]) + math.log(2) * (w1 * np.array([1, 0, -1]) + np.array([-2, 1, 0]))
    expected = np.exp(logits) / np.exp(logits).sum()
    assert probabilities(m)[0, 0] == pytest.approx(expected, abs=1e-12)


def test_evidence_after_the_time_point_is_not_counted():
    m = matrix([0.5, 0.5], [[2, 0]], dates=[50])
    result = probabilities(m, times=(49, 50))[0]
    assert result[0] == pytest.approx([0.5, 0.5])
    assert result[1] == pytest.approx([0.8, 0.2])


def test_strict_view_also_needs_the_item_recorded_by_then():
    m = matrix([0.5, 0.5], [[2, 0]], dates=[10], recorded=[60])
    assert probabilities(m, times=(30,), strict=False)[0, 0] == pytest.approx([0.8, 0.2])
    assert probabilities(m, times=(30,), strict=True)[0, 0] == pytest.approx([0.5, 0.5])
    assert probabilities(m, times=(60,), strict=True)[0, 0] == pytest.approx([0.8, 0.2])


def test_decay_halves_the_weight_after_one_half_life():
    m = matrix([0.5, 0.5], [[2, 0]], dates=[0])
    theta = Theta.of(1.0, 30.0, 1.0)
    result = probabilities(m, times=(30,), theta=theta)[0, 0]
    assert result == pytest.approx([2 / 3, 1 / 3])  # 2 units halved = 1 unit = odds 2:1


def test_strength_and_prior_strength_scale_the_log_odds():
    m = matrix([0.2, 0.8], [[2, 0]])
    theta = Theta.of(0.5, np.inf, 0.5)
    logits = 0.5 * np.log([0.2, 0.8]) + 0.5 * math.log(2) * np.array([2, 0])
    expected = np.exp(logits) / np.exp(logits).sum()
    assert probabilities(m, theta=theta)[0, 0] == pytest.approx(expected)


def test_draws_are_evaluated_together():
    m = matrix([0.5, 0.5], [[1, 0]], dates=[0])
    theta = Theta.of([1.0, 2.0, 1.0], [np.inf, np.inf, 10.0], 1.0)
    result = probabilities(m, times=(10,), theta=theta)[:, 0, 0]
    assert result == pytest.approx([2 / 3, 4 / 5, 2 ** 0.5 / (2 ** 0.5 + 1)])


def test_chunked_decay_matches_a_direct_computation(monkeypatch):
    monkeypatch.setattr(posterior, "_CHUNK_CELLS", 7)  # force many chunks
    rng = np.random.default_rng(3)
    m = matrix([0.3, 0.3, 0.4], rng.integers(-2, 3, (12, 3)), story=rng.integers(0, 5, 12), dates=rng.integers(0, 100, 12))
    theta = Theta.of(rng.uniform(0.3, 2, 9), rng.uniform(5, 200, 9), rng.uniform(0.5, 1.5, 9))
    times = np.arange(0, 120, 7)
    chunked = probabilities(m, times=times, theta=theta)
    monkeypatch.setattr(posterior, "_CHUNK_CELLS", 10**9)
    assert chunked == pytest.approx(probabilities(m, times=times, theta=theta), abs=1e-12)


def test_leave_one_out_removes_exactly_one_story():
    m = matrix([0.5, 0.5], [[1, 0], [0, 1], [2, 0]], story=[0, 1, 2])
    view = posterior.story_view(m, [100])
    without = posterior.leave_one_out(m.log_prior, view, Theta.face_value(), at=0)[0]
    direct = probabilities(matrix([0.5, 0.5], [[0, 1], [2, 0]]))[0, 0]
    assert without[0] == pytest.approx(direct)


def test_information_gain_is_zero_for_an_uninformative_indicator_and_one_bit_for_a_perfect_one():
    assert posterior.information_gain([0.5, 0.5], [0.7, 0.7]) == pytest.approx(0.0)
    assert posterior.information_gain([0.5, 0.5], [1.0, 0.0]) == pytest.approx(1.0)


# --- properties (Hypothesis) ---

scenario_counts = st.integers(2, 5)


@st.composite
def questions(draw):
    k = draw(scenario_counts)
    n = draw(st.integers(0, 8))
    prior = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k)))
    units = np.array(draw(st.lists(st.lists(st.integers(-2, 2), min_size=k, max_size=k), min_size=n, max_size=n))).reshape(n, k)
    weights = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    story = np.array(draw(st.lists(st.integers(0, max(0, n - 1)), min_size=n, max_size=n)), dtype=np.int64)
    dates = np.array(draw(st.lists(st.integers(0, 60), min_size=n, max_size=n)), dtype=np.int64)
    if n:
        _, story = np.unique(story, return_inverse=True)  # stories numbered 0..G-1
    return matrix(prior / prior.sum(), units, weights, story, dates)


def theta_draws():
    return st.builds(
        Theta.of,
        st.lists(st.floats(0.1, 3.0), min_size=1, max_size=4),
        st.just(np.inf) | st.floats(5.0, 400.0),
        st.floats(0.5, 1.5),
    )


@settings(max_examples=150, deadline=None)
@given(questions(), theta_draws())
def test_probabilities_sum_to_one(m, theta):
    result = probabilities(m, times=(0, 30, 61), theta=theta)
    assert np.all(result >= 0)
    assert result.sum(axis=-1) == pytest.approx(np.ones(result.shape[:2]))


@settings(max_examples=100, deadline=None)
@given(questions(), st.randoms(use_true_random=False))
def test_relabelling_scenarios_permutes_the_probabilities(m, rng):
    order = list(range(m.scenarios))
    rng.shuffle(order)
    relabelled = EvidenceMatrix(m.log_prior[order], m.units[:, order], m.weights, m.story, m.dates, m.recorded, m.stories)
    assert probabilities(relabelled) == pytest.approx(probabilities(m)[..., order])


@settings(max_examples=100, deadline=None)
@given(questions(), st.randoms(use_true_random=False))
def test_reordering_evidence_changes_nothing(m, rng):
    order = list(range(m.units.shape[0]))
    rng.shuffle(order)
    shuffled = EvidenceMatrix(m.log_prior, m.units[order], m.weights[order], m.story[order], m.dates[order], m.recorded[order], m.stories)
    theta = Theta.of(0.8, 50.0, 1.0)
    assert probabilities(shuffled, times=(30, 61), theta=theta) == pytest.approx(probabilities(m, times=(30, 61), theta=theta))


@settings(max_examples=100, deadline=None)
@given(questions(), st.integers(-2, 2), st.floats(0.05, 1.0))
def test_a_row_of_equal_ratings_changes_nothing(m, rating, weight):
    extra = EvidenceMatrix(
        m.log_prior, np.vstack([m.units, np.full((1, m.scenarios), rating)]), np.append(m.weights, weight),
        np.append(m.story, m.stories), np.append(m.dates, 5), np.append(m.recorded, 0), m.stories + 1,
    )
    assert probabilities(extra, times=(61,)) == pytest.approx(probabilities(m, times=(61,)))


@settings(max_examples=100, deadline=None)
@given(questions(), st.integers(2, 6))
def test_a_story_repeated_n_times_counts_once(m, copies):
    def repeat(array):  # every item n times, in its own story
        return np.repeat(array, copies, axis=0)

    repeated = EvidenceMatrix(
        m.log_prior, repeat(m.units), repeat(m.weights), repeat(m.story), repeat(m.dates), repeat(m.recorded), m.stories,
    )
    theta = Theta.of([0.7, 1.3], 40.0, 1.0)
    assert probabilities(repeated, times=(20, 61), theta=theta) == pytest.approx(probabilities(m, times=(20, 61), theta=theta))


@settings(max_examples=150, deadline=None)
@given(questions(), st.data())
def test_raising_a_scenarios_rating_never_lowers_its_probability(m, data):
    if m.units.shape[0] == 0:
        return
    item = data.draw(st.integers(0, m.units.shape[0] - 1))
    k = data.draw(st.integers(0, m.scenarios - 1))
    raised_units = m.units.copy()
    raised_units[item, k] += data.draw(st.floats(0.01, 3.0))
    raised = EvidenceMatrix(m.log_prior, raised_units, m.weights, m.story, m.dates, m.recorded, m.stories)
    theta = Theta.of([0.5, 1.0, 2.0], 90.0, 1.0)
    before = probabilities(m, times=(61,), theta=theta)[..., k]
    after = probabilities(raised, times=(61,), theta=theta)[..., k]
    assert np.all(after >= before - 1e-12)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_interval_quantiles_match_numpy(draws, scenarios, seed):
    from model.engine.probabilities import INTERVAL, quantiles

    values = np.random.default_rng(seed).dirichlet(np.ones(scenarios + 1), size=(draws, 2))
    assert np.allclose(quantiles(values, INTERVAL), np.quantile(values, INTERVAL, axis=0), atol=1e-15)


@pytest.mark.parametrize("scenarios", range(1, 11))
def test_scenario_by_scenario_reductions_are_numpys_bit_for_bit(scenarios: int):
    """The normalisation's max and sum, a scenario column at a time, equal NumPy's reductions exactly (its sums
    of 8 or more add pairwise: those are left to it), with infinities and values of very different sizes."""
    rng = np.random.default_rng(scenarios)
    for shape in [(scenarios,), (3, scenarios), (40, 9, scenarios)]:
        values = rng.normal(size=shape) * 10 ** rng.uniform(-8, 8, size=shape)
        values[..., 0][values[..., 0] > 1] = -np.inf
        for combine in (np.maximum, np.add):
            expected = combine.reduce(values, axis=-1, keepdims=True)
            assert np.array_equal(posterior._across_scenarios(combine, values), expected, equal_nan=True)
