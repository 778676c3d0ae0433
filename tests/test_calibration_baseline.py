"""The priors-alone baseline and the stacking of the fit against it (numpy only: no sampling)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.calibration.baseline import GRID, priors_alone
from model.calibration.data import calibration_data
from model.calibration.fit import RatingsValue, stacked, stacking_weight
from model.calibration.synthetic import World, synthetic_questions
from model.engine.parameters import PRIOR, Parameters, draws_problem
from model.engine.posterior import Theta


def _prior_log_likelihood(data, kappa: float) -> np.ndarray:
    """Each question's log probability of its outcome under softmax(kappa log pi), computed directly."""
    values = []
    for q in range(data.questions):
        logits = kappa * data.log_prior[q][data.scenario_mask[q]]
        values.append(logits[data.outcome[q]] - math.log(np.sum(np.exp(logits))))
    return np.array(values)


def _log_posterior(data, questions) -> np.ndarray:
    """Unnormalised log posterior of log kappa on ``GRID`` from the outcomes of ``questions`` alone."""
    mean, sd = PRIOR["log_prior_strength"]
    return np.array([-0.5 * ((g - mean) / sd) ** 2 + _prior_log_likelihood(data, math.exp(g))[questions].sum()
                     for g in GRID])


def test_leave_one_out_is_exact_refitting_without_the_question():
    data = calibration_data(synthetic_questions(12, World(prior_strength=0.5), seed=3))
    fitted = priors_alone(data)
    everyone = np.arange(data.questions)
    for left_out in (0, 5, 11):
        others = np.delete(everyone, left_out)
        log_post = _log_posterior(data, others)
        weights = np.exp(log_post - log_post.max())
        weights /= weights.sum()
        each = np.exp([_prior_log_likelihood(data, math.exp(g))[left_out] for g in GRID])
        assert fitted.loo[left_out] == pytest.approx(math.log(np.sum(weights * each)), abs=1e-9)


def test_the_posterior_of_kappa_finds_priors_written_too_confidently():
    data = calibration_data(synthetic_questions(400, World(prior_strength=0.4), seed=8))
    draws = priors_alone(data).draws(4000)
    low, high = np.quantile(draws, [0.1, 0.9])
    assert low < 0.4 < high and high < 0.8  # far from the written 1, and the truth inside the 80% interval


def test_kappa_draws_follow_the_grid_posterior():
    data = calibration_data(synthetic_questions(50, World(), seed=2))
    fitted = priors_alone(data)
    draws = fitted.draws(20000, seed=4)
    assert np.mean(np.log(draws)) == pytest.approx(np.sum(fitted.weights * np.log(fitted.grid)), abs=0.01)
    assert np.std(np.log(draws)) > 0.02


@pytest.mark.parametrize("gains, expected", [
    (np.full(30, 0.3), 1.0),  # the ratings win on every question
    (np.full(30, -0.3), 0.0),  # and lose on every one
])
def test_stacking_gives_all_the_weight_to_a_model_that_wins_everywhere(gains, expected):
    assert stacking_weight(gains) == expected


def test_the_stacking_weight_maximises_the_mixture_s_log_score():
    rng = np.random.default_rng(11)
    gains = np.concatenate([rng.normal(0.8, 0.3, 20), rng.normal(-1.5, 0.3, 20)])  # helps some questions, hurts others
    weight = stacking_weight(gains)
    grid = np.linspace(0.0, 1.0, 10001)
    score = np.log1p(grid[:, None] * np.expm1(gains)[None, :]).sum(axis=1)
    assert 0.0 < weight < 1.0
    assert weight == pytest.approx(grid[np.argmax(score)], abs=2e-4)


def _fit(draws: int = 2000) -> Parameters:
    rng = np.random.default_rng(1)
    theta = Theta.of(rng.lognormal(0, 0.2, draws), np.full(draws, 90.0), rng.lognormal(0, 0.1, draws))
    return Parameters(theta, "a fit", "calibrated", {"ann": rng.lognormal(0, 0.1, draws)})


def test_stacked_draws_give_the_priors_alone_their_share_and_their_own_kappa():
    data = calibration_data(synthetic_questions(60, World(prior_strength=0.5), seed=6))
    fit = _fit()
    mixed = stacked(fit, 0.3, data)
    alone = mixed.theta.strength == 0.0
    assert alone.mean() == pytest.approx(0.7, abs=1e-3)
    assert np.array_equal(mixed.theta.strength[~alone], fit.theta.strength[~alone])
    assert np.array_equal(mixed.theta.prior_strength[~alone], fit.theta.prior_strength[~alone])
    assert np.median(mixed.theta.prior_strength[alone]) < 0.9  # learned from priors written too confidently
    assert mixed.analyst_strength is fit.analyst_strength
    thinned = alone[np.linspace(0, alone.size - 1, 1000).round().astype(int)]  # as forecasts thin saved draws
    assert thinned.mean() == pytest.approx(0.7, abs=0.05)


def test_full_weight_leaves_the_fit_unchanged():
    fit = _fit()
    assert stacked(fit, 1.0, calibration_data(synthetic_questions(5, World(), seed=6))) is fit


def test_saved_draws_may_have_zero_strength_but_nothing_negative():
    arrays = {"strength": np.array([0.0, 1.2]), "half_life": np.array([np.inf, 50.0]),
              "prior_strength": np.array([1.0, 0.8]),
              **{name: np.array([], dtype=str) for name in ("analysts", "letters", "digits")},
              **{name: np.zeros((0, 2)) for name in ("analyst_strength", "reliability", "credibility")}}
    assert draws_problem(arrays) == ""
    assert "non-negative" in draws_problem({**arrays, "strength": np.array([-0.1, 1.2])})
    assert "positive" in draws_problem({**arrays, "prior_strength": np.array([0.0, 0.8])})


@pytest.mark.parametrize("gain, weight, says", [
    (0.3, 1.0, None),
    (0.05, 0.6, "forecasts give the ratings 60% of their weight"),
    (-0.02, 0.0, "forecasts give the ratings 0% of their weight"),
])
def test_the_ratings_share_of_the_forecasts_is_said_when_it_is_not_all(gain, weight, says):
    sentence = RatingsValue(gain, 0.01, 250, weight=weight).sentence()
    if says:
        assert says in sentence
    else:
        assert "weight" not in sentence
    assert RatingsValue(gain, 0.01, 250, weight=weight).as_dict()["ratings_weight"] == weight
