"""The PyMC calibration model without MCMC: structure, agreement with the exact engine, prior predictive."""

from __future__ import annotations

import numpy as np
import pytest

pm = pytest.importorskip("pymc")

from model.calibration.builder import build_model  # noqa: E402
from model.calibration.data import calibration_data, outcome_log_likelihood  # noqa: E402
from model.calibration.sampling import free_parameters  # noqa: E402
from model.calibration.settings import SamplerSettings  # noqa: E402
from model.calibration.synthetic import World, synthetic_questions  # noqa: E402
from model.engine.parameters import PRIOR  # noqa: E402

FAST = {"mode": "FAST_COMPILE"}  # Python implementations: no C compilation in these tests


@pytest.fixture(scope="module")
def data():
    return calibration_data(synthetic_questions(25, World(analysts={"ana": 1.0, "ben": 0.6}), seed=3))


def test_structure_has_named_coords_and_dims(data):
    model = build_model(data)
    assert set(free_parameters(model)) == {
        "log_strength", "log_prior_strength", "decay_rate",
        "analyst_spread", "analyst_offset", "reliability_spread", "reliability_offset",
        "credibility_spread", "credibility_offset",
    }
    assert model.coords["question"] == data.question_ids
    assert model.named_vars_to_dims["analyst_strength"] == ("analyst",)
    assert model.named_vars_to_dims["reliability"] == ("letter",)
    assert model.named_vars_to_dims["credibility"] == ("digit",)
    assert model.named_vars_to_dims["outcome_observed"] == ("question",)
    assert model["cell_means"].get_value().shape[0] == data.questions


def test_extensions_appear_only_when_the_data_carry_them():
    plain = calibration_data(synthetic_questions(10, World(), seed=1))
    one_grade = plain.__class__(**{**plain.__dict__, "cell_letter": np.zeros_like(plain.cell_letter),
                                   "cell_digit": np.zeros_like(plain.cell_digit)})
    names = free_parameters(build_model(one_grade))
    assert "analyst_offset" not in names and "reliability_offset" not in names and "credibility_offset" not in names


def test_the_models_likelihood_equals_the_exact_engine(data):
    model = build_model(data)
    point = {
        "log_strength": np.log(0.7), "log_prior_strength": np.log(1.2), "decay_rate_log__": np.log(np.log(2) / 120.0),
        "analyst_spread_log__": np.log(0.4), "analyst_offset": np.array([0.5, -1.0]),
        "reliability_spread_log__": np.log(0.2), "reliability_offset": np.linspace(-1, 1, len(data.letters)),
        "credibility_spread_log__": np.log(0.3), "credibility_offset": np.linspace(1, -1, len(data.digits)),
    }
    observed = model.compile_fn(model.logp(vars=model.observed_RVs, sum=False)[0], **FAST)(point)
    analysts = np.exp(0.4 * point["analyst_offset"])[None]
    reliability = (np.exp(0.2 * point["reliability_offset"]) * data.default_reliability)[None]
    credibility = (np.exp(0.3 * point["credibility_offset"]) * data.default_credibility)[None]
    expected = outcome_log_likelihood(data, 0.7, 120.0, 1.2, analysts, reliability, credibility)[0]
    np.testing.assert_allclose(observed, expected, rtol=0, atol=1e-10)


def test_prior_predictive_outcomes_are_real_scenarios_and_theta_follows_its_prior(data):
    with build_model(data):
        prior = pm.sample_prior_predictive(draws=400, random_seed=11, compile_kwargs=FAST)
    outcomes = prior.prior_predictive["outcome_observed"].values.reshape(400, data.questions)
    assert np.all(np.take_along_axis(np.broadcast_to(data.scenario_mask, (400,) + data.scenario_mask.shape),
                                     outcomes[..., None], axis=-1))
    log_strength = np.log(prior.prior["strength"].values.ravel())
    assert np.mean(log_strength) == pytest.approx(0.0, abs=0.08) and np.std(log_strength) == pytest.approx(0.5, abs=0.06)
    rate = prior.prior["decay_rate"].values.ravel()  # half-normal: mode at 0 (no decay), scale PRIOR's
    assert np.median(rate) == pytest.approx(0.674 * PRIOR["decay_rate"][1], rel=0.15)
    assert np.mean(rate < 0.1 * PRIOR["decay_rate"][1]) == pytest.approx(0.08, abs=0.04)  # half-lives of years: likely


def test_the_prior_of_theta_is_an_argument_of_the_model(data):
    mine = {"log_strength": (1.0, 0.2), "decay_rate": (0.0, 0.1), "log_prior_strength": (0.0, 0.1)}
    with build_model(data, theta_prior=mine):
        prior = pm.sample_prior_predictive(draws=400, random_seed=12, compile_kwargs=FAST)
    log_strength = np.log(prior.prior["strength"].values.ravel())
    assert np.mean(log_strength) == pytest.approx(1.0, abs=0.04) and np.std(log_strength) == pytest.approx(0.2, abs=0.03)
    assert np.median(prior.prior["decay_rate"].values) == pytest.approx(0.0674, rel=0.15)


def test_draws_are_flattened_chain_after_chain():
    import arviz as az

    from model.calibration.sampling import flat_draws

    strength = np.arange(6.0).reshape(2, 3)
    analysts = np.arange(12.0).reshape(2, 3, 2)
    posterior = az.from_dict(posterior={"strength": strength, "half_life": strength + 10, "prior_strength": strength + 20,
                                        "analyst_strength": analysts}).posterior
    decaying = flat_draws(posterior)
    assert decaying.strength.tolist() == [0, 1, 2, 3, 4, 5] and decaying.half_life.tolist() == [10, 11, 12, 13, 14, 15]
    assert decaying.analyst_strength.shape == (6, 2) and decaying.analyst_strength[4].tolist() == [8, 9]
    assert decaying.reliability is None


def _fit_with_log_likelihood(per_question: np.ndarray):
    """A hand-built fit: 4 chains x 200 draws whose outcome log-likelihoods are ``per_question`` plus noise."""
    import arviz as az

    from model.calibration.sampling import Diagnostics, TimedFit

    rng = np.random.default_rng(5)
    values = per_question[None, None, :] + rng.normal(0, 0.01, (4, 200, per_question.size))
    idata = az.from_dict(posterior={"strength": rng.lognormal(0, 0.1, (4, 200))},
                         log_likelihood={"outcome": values})
    return TimedFit(idata, Diagnostics(1.0, 1000.0, 0), 0.0, SamplerSettings())


def two_scenario_data(count: int):
    """``count`` two-scenario questions whose written prior gave the outcome 0.5."""
    data = calibration_data(synthetic_questions(count, World(scenarios=(2, 2)), seed=9))
    return data.__class__(**{**data.__dict__, "log_prior": np.log(np.full((count, 2), 0.5)),
                             "scenario_mask": np.ones((count, 2), dtype=bool)})


@pytest.mark.parametrize("gain, shown", [(0.2, True), (0.0, False), (-0.2, False), (0.01, False)])
def test_the_ratings_value_is_shown_only_when_clearly_above_the_prior(gain, shown):
    from model.calibration.fit import ratings_value

    data = two_scenario_data(40)
    noise = np.random.default_rng(1).normal(0, 0.3, 40)  # spread across questions: the gain's standard error
    per_question = np.log(0.5) + gain + noise - noise.mean()
    value = ratings_value(_fit_with_log_likelihood(per_question), data)
    assert value.questions == 40 and value.gain == pytest.approx(gain, abs=0.01)
    assert value.shown is shown
    assert ("have predicted outcomes" in value.sentence()) is shown
    assert ("not yet shown predictive value" in value.sentence()) is not shown


def test_too_few_questions_cannot_show_the_ratings_value():
    from model.calibration.fit import MIN_COMPARED, ratings_value

    data = two_scenario_data(MIN_COMPARED - 1)
    value = ratings_value(_fit_with_log_likelihood(np.full(MIN_COMPARED - 1, np.log(0.5) + 1.0)), data)
    assert not value.shown and "too few" in value.sentence()


def test_a_calibration_as_data_has_the_shape_of_the_json_output():
    from model.calibration.fit import Calibration, RatingsValue
    from model.calibration.sampling import Diagnostics, TimedFit
    from model.engine.parameters import Parameters

    data = calibration_data(synthetic_questions(3, World(), seed=4))
    fitted = TimedFit(None, Diagnostics(1.02, 150.0, 3, ("R-hat of x is 1.020 (limit 1.01)",)), 2.5, SamplerSettings())
    value = RatingsValue(0.1, 0.2, 3)
    result = Calibration(data, fitted, value, Parameters.face_value(), ("one", "two"), False, "why not")
    assert result.as_dict() == {
        "questions": 3, "saved": False, "refusal": "why not", "ratings_value": value.as_dict(),
        "summary": ["one", "two"],
        "fit": {"seconds": 2.5, "max_rhat": 1.02, "min_bulk_ess": 150.0, "divergences": 3,
                "problems": ["R-hat of x is 1.020 (limit 1.01)"]},
    }
    assert list(result.as_dict()) == ["questions", "saved", "refusal", "ratings_value", "summary", "fit"]


def test_only_figures_the_data_narrowed_are_given_and_the_rest_are_named_as_the_prior():
    from model.calibration.fit import RatingsValue, plain_summary
    from model.engine.parameters import Parameters
    from model.engine.posterior import Theta

    rng = np.random.default_rng(3)
    data = calibration_data(synthetic_questions(3, World(), seed=4))
    narrow_s = np.exp(rng.normal(np.log(0.6), 0.05, 400))  # learned: far narrower than the prior's sd of 0.5
    wide_kappa = np.exp(rng.normal(0.0, PRIOR["log_prior_strength"][1], 400))  # just the prior
    decay = np.log(2) / np.abs(rng.normal(0, PRIOR["decay_rate"][1], 400))  # just the prior
    theta = Theta.of(narrow_s, decay, wide_kappa)
    lines = plain_summary(Parameters(theta, "test", "calibrated"), data, RatingsValue(0.3, 0.05, 40))
    assert lines[0].startswith("your ratings have predicted outcomes")
    assert any(line.startswith("your ratings behave as about 0.6x") for line in lines)
    assert not any("your priors behave" in line or "loses half its weight" in line for line in lines)
    assert lines[-1] == ("not learned yet, so still the prior: how fast evidence fades, "
                         "how far your priors can be trusted")
