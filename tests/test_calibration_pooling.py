"""The team's pooled forecast (docs/model.md, "The team's pooled forecast").

Fast tests check the arithmetic by hand: who is in the team, the stories each
tagged and their overlap, the geometric pool and its extremizing, the exact grid
posterior and the saved draws. Tests marked slow sample with PyMC: recovery of
alpha and beta on a simulated world, agreement with the grid posterior, and a
world where extremizing would be wrong (and its mirror, where it is needed).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.base.errors import VaneError
from model.calibration.pooling import fit_pooling
from model.engine.parameters import SavedFit
from model.fileformat.evidence import Evidence
from model.fileformat.log_entry import LoggedForecast
from model.fileformat.question import Prior, Question, Scenario
from model.fileformat.resolution import Resolution
from model.record.team_pool import (
    FLOOR,
    POOLING_PRIOR,
    TEAM,
    PoolingData,
    PoolingFit,
    TeamPool,
    diversity,
    grid_posterior,
    pooled_forecast,
    pooling_path,
    read_pooling,
    save_pooling,
    team_pools,
)
from tests.helpers import ROOT

UTC = dt.timezone.utc


def moment(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def item(ident: str, analyst: str, day: int, story: str = "", recorded: dt.datetime | None = None) -> Evidence:
    return Evidence(ident, dt.date(2026, 3, day), f"summary {ident}", {"yes": 1.0, "no": 0.0},
                    recorded=recorded or moment(day), story=story, analyst=analyst)


def question(evidence=(), outcome: str | None = "yes", closes: int = 20) -> Question:
    resolution = Resolution(outcome, dt.date(2026, 3, closes), "it happened") if outcome else None
    return Question("talks", "scenarios/talks.yaml", "Talks?", dt.date(2026, 3, 1), dt.date(2026, 3, closes),
                    (Scenario("yes", "Yes"), Scenario("no", "No")), Prior({"yes": 0.5, "no": 0.5}, "coin"),
                    tuple(evidence), resolution=resolution)


def stated(forecaster: str, when: dt.datetime, yes: float, kind: str = "stated", question_id: str = "talks") -> LoggedForecast:
    return LoggedForecast(when, question_id, forecaster, {"yes": yes, "no": 1.0 - yes}, kind, kind)


def pool_of(*forecasts, stories=None, outcome="yes") -> TeamPool:
    table = np.array(forecasts, dtype=float)
    stories = stories or tuple(frozenset() for _ in forecasts)
    scenarios = tuple(f"s{k}" for k in range(table.shape[1]))
    return TeamPool("q", moment(1), scenarios, tuple(f"a{i}" for i in range(len(forecasts))), table,
                    tuple(stories), diversity(stories), outcome)


# --- who is in the team ---


def test_the_team_is_each_analysts_latest_forecast_by_the_end():
    log = [
        stated("Alice", moment(2), 0.6),
        stated("Bob", moment(3), 0.3),
        stated("alice", moment(5), 0.7),  # Alice again, written in another case: her latest
        stated("Carol", moment(25), 0.9),  # after the question's end: not in the team
        stated("engine", moment(4), 0.5, kind="engine"),  # the tool's own rows never pool
        stated(TEAM, moment(6), 0.8, kind="stated"),  # nor an earlier pool, whatever its kind
    ]
    (pool,) = team_pools([question()], log)
    assert pool.forecasters == ("alice", "Bob")
    assert pool.forecasts[:, 0].tolist() == [0.7, 0.3]
    assert pool.time == moment(5)
    assert pool.outcome == "yes"


def test_the_team_at_a_time_and_ties_in_log_order():
    log = [stated("Alice", moment(2), 0.6), stated("Bob", moment(3), 0.3), stated("Alice", moment(3), 0.2),
           stated("Alice", moment(3), 0.1), stated("Bob", moment(9), 0.5)]
    (pool,) = team_pools([question()], log, at=moment(4))
    assert pool.time == moment(3)
    assert pool.forecasts[:, 0].tolist() == [0.1, 0.3]  # of two at the same time, the later written counts


def test_one_analyst_is_not_a_team():
    log = [stated("Alice", moment(2), 0.6), stated("  alice  ", moment(4), 0.7), stated("Bob", moment(25), 0.2)]
    assert team_pools([question()], log) == []


def test_an_annulled_or_open_question_pools_without_an_outcome():
    log = [stated("Alice", moment(2), 0.6), stated("Bob", moment(3), 0.3)]
    (open_pool,) = team_pools([question(outcome=None)], log)
    assert open_pool.outcome is None
    (annulled,) = team_pools([question(outcome="annulled")], log)
    assert annulled.outcome is None
    assert PoolingData.of([open_pool, annulled]).questions == 0


def test_stories_match_names_without_case_or_spacing_and_only_by_the_pool_time():
    evidence = [
        item("e1", "ALICE  Smith", 2, story="talks-resume"),
        item("e2", "bob", 2, story="talks-resume"),
        item("e3", "Bob", 3),
        item("e4", "alice smith", 4, recorded=moment(8)),  # dated in time, but tagged after the pool
        item("e5", "Bob", 9),  # dated after the pool
        item("e6", "Carol", 2),  # not in the team
        item("e7", "", 2),  # nobody's
    ]
    log = [stated(" Alice   Smith", moment(3), 0.6), stated("BOB", moment(5), 0.4)]
    (pool,) = team_pools([question(evidence)], log)
    assert pool.stories == (frozenset({"talks-resume"}), frozenset({"talks-resume", "e3"}))
    assert pool.diversity == pytest.approx(1 - 1 / 2)


@pytest.mark.parametrize("stories, expected", [
    ([{"a", "b"}, {"b", "c"}], 1 - 1 / 3),
    ([{"a"}, {"a"}], 0.0),
    ([{"a"}, {"b"}], 1.0),
    ([{"a", "b"}, {"b", "c"}, {"a", "b", "c"}], 1 - (1 / 3 + 2 / 3 + 2 / 3) / 3),
    ([{"a"}, set(), {"b", "a"}], 1 - 1 / 2),  # an analyst who tagged nothing is left out of the pairs
    ([{"a"}, set(), set()], 0.0),  # fewer than two analysts tagged anything: no extra extremizing
    ([set(), set()], 0.0),
])
def test_diversity_is_one_minus_the_mean_jaccard_overlap(stories, expected):
    assert diversity([frozenset(found) for found in stories]) == pytest.approx(expected)


# --- the pool ---


def test_the_pool_is_the_normalised_geometric_mean():
    pool = pool_of([0.6, 0.4], [0.8, 0.2])
    yes, no = np.sqrt(0.6 * 0.8), np.sqrt(0.4 * 0.2)
    assert pool.pooled == pytest.approx([yes / (yes + no), no / (yes + no)], abs=1e-12)
    three = pool_of([0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8])
    by_hand = np.prod(three.forecasts, axis=0) ** (1 / 3)
    assert three.pooled == pytest.approx(by_hand / by_hand.sum(), abs=1e-12)
    d = 2.5
    assert three.extremized(d) == pytest.approx(by_hand ** d / np.sum(by_hand ** d), abs=1e-12)


def test_a_stated_zero_is_floored_not_a_veto():
    pool = pool_of([1.0, 0.0], [0.3, 0.7], [0.2, 0.8])
    yes, no = (0.999 * 0.3 * 0.2) ** (1 / 3), (FLOOR * 0.7 * 0.8) ** (1 / 3)
    assert pool.pooled == pytest.approx([yes / (yes + no), no / (yes + no)], abs=1e-12)
    assert pool.pooled[1] > 0.1  # without the floor: exactly 0, whatever the others said
    outvoted = pool_of([1.0, 0.0], *[[0.05, 0.95]] * 4)
    assert outvoted.pooled[1] > 0.7  # a "certain" analyst weighs 1000 to 1, which a team can outvote


def test_extremizing_moves_toward_the_majoritys_side():
    pool = pool_of([0.7, 0.3], [0.65, 0.35], [0.45, 0.55])
    plain, extreme, softer = pool.pooled[0], pool.extremized(2.0)[0], pool.extremized(0.5)[0]
    assert 0.5 < softer < plain < extreme < 0.9
    many = pool_of([0.5, 0.3, 0.2], [0.6, 0.2, 0.2], [0.4, 0.4, 0.2])
    leader = np.argmax(many.pooled)
    assert many.extremized(3.0)[leader] > many.pooled[leader]
    assert np.all(np.diff(many.extremized(np.array([1.0, 2.0, 4.0]))[:, leader]) > 0)


def test_the_team_forecast_averages_the_pool_over_draws_of_d():
    pool = pool_of([0.7, 0.3], [0.6, 0.4], stories=(frozenset({"a"}), frozenset({"b"})))
    assert pool.diversity == 1.0
    fit = PoolingFit(np.log([1.5, 2.0]), np.log([1.0, 1.5]), 10, "calibrated")  # d = 1.5 and 3.0 at D = 1
    mean, low, high = pooled_forecast(pool, fit)
    both = np.array([pool.extremized(1.5), pool.extremized(3.0)])
    assert mean == pytest.approx(both.mean(axis=0), abs=1e-12)
    assert low[0] == pytest.approx(both[0, 0] + 0.1 * (both[1, 0] - both[0, 0]))
    assert high[0] == pytest.approx(both[0, 0] + 0.9 * (both[1, 0] - both[0, 0]))


def test_with_no_fit_the_team_forecast_uses_the_prior_draws():
    pool = pool_of([0.7, 0.3], [0.6, 0.4])
    mean, low, high = pooled_forecast(pool)
    prior = PoolingFit.prior()
    assert mean == pytest.approx(pool.extremized(prior.extremizing(0.0)).mean(axis=0))
    assert low[0] < pool.pooled[0] < high[0]
    assert mean.sum() == pytest.approx(1.0)
    assert "not calibrated yet" in prior.sentence()


# --- the likelihood and the exact posterior ---


def test_the_likelihood_is_each_questions_pooled_probability_of_its_outcome():
    pools = [pool_of([0.7, 0.2, 0.1], [0.5, 0.3, 0.2], outcome="s1"),
             pool_of([0.4, 0.6], [0.1, 0.9], stories=(frozenset({"a"}), frozenset({"a", "b"})), outcome="s0")]
    data = PoolingData.of(pools)
    alpha, beta = 0.3, 0.9
    by_hand = [np.log(pool.extremized(np.exp(alpha + beta * pool.diversity))[pool.scenarios.index(pool.outcome)])
               for pool in pools]
    assert data.log_likelihood(alpha, beta) == pytest.approx(by_hand, abs=1e-12)
    assert data.scenario_mask.tolist() == [[True, True, True], [True, True, False]]


def test_with_no_data_the_grid_posterior_is_the_prior():
    grid = grid_posterior([])
    (mean_a, sd_a), (mean_b, sd_b) = POOLING_PRIOR["alpha"], POOLING_PRIOR["beta"]
    assert grid.mean() == pytest.approx((mean_a, mean_b), abs=1e-4)
    assert grid.sd() == pytest.approx((sd_a, sd_b), abs=1e-3)
    z = 1.2815515655446004  # the standard normal's 90% quantile
    low, high = grid.extremizing_quantiles(0.0, [0.1, 0.9])
    assert (low, high) == pytest.approx((np.exp(mean_a - z * sd_a), np.exp(mean_a + z * sd_a)), rel=2e-3)
    sd_at_one = np.hypot(sd_a, sd_b)  # alpha + beta, independent under the prior
    assert grid.extremizing_quantiles(1.0, [0.9])[0] == pytest.approx(np.exp(mean_a + mean_b + z * sd_at_one), rel=3e-3)


# --- saving and reading the draws ---


def test_saved_draws_read_back_and_damage_is_refused(tmp_path):
    saved = SavedFit(tmp_path / "calibration")
    fit = PoolingFit(np.array([0.1, 0.2, 0.3]), np.array([0.5, 0.6, 0.7]), 12, "calibrated", {"sampler": "pymc"})
    save_pooling(fit, saved)
    again, reason = read_pooling(saved)
    assert reason == ""
    assert again.alpha.tolist() == [0.1, 0.2, 0.3] and again.beta.tolist() == [0.5, 0.6, 0.7]
    assert again.questions == 12 and again.provenance["sampler"] == "pymc"
    pooling_path(saved).write_bytes(b"not numpy")
    assert read_pooling(saved)[0] is None and "could not be read" in read_pooling(saved)[1]
    np.savez(pooling_path(saved), alpha=[0.1, np.nan], beta=[0.1, 0.2],
             provenance=np.array(json.dumps({"pooling_version": "1"})))
    assert "damaged" in read_pooling(saved)[1]
    np.savez(pooling_path(saved), alpha=[0.1], beta=[0.1], provenance=np.array(json.dumps({"pooling_version": "0"})))
    assert "another version" in read_pooling(saved)[1]
    assert read_pooling(SavedFit(tmp_path / "nowhere")) == (None, "no saved pooling fit")


def test_a_failed_or_prior_fit_is_never_saved(tmp_path):
    saved = SavedFit(tmp_path)
    with pytest.raises(VaneError, match="R-hat"):
        save_pooling(PoolingFit(np.zeros(4), np.zeros(4), 3, "calibrated", problems=("R-hat of alpha is 1.2",)), saved)
    with pytest.raises(VaneError, match="prior"):
        save_pooling(PoolingFit.prior(), saved)
    assert not pooling_path(saved).exists()


def test_reading_and_pooling_never_import_pymc(tmp_path):
    saved = SavedFit(tmp_path)
    save_pooling(PoolingFit(np.array([0.1, 0.2]), np.array([0.5, 0.6]), 5, "calibrated"), saved)
    script = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from model.record.team_pool import read_pooling, pooled_forecast, team_pools, TeamPool\n"
        "from model.engine.parameters import SavedFit\n"
        f"fit, reason = read_pooling(SavedFit(Path({str(tmp_path)!r})))\n"
        "pool = TeamPool('q', None, ('a', 'b'), ('x', 'y'), np.array([[0.6, 0.4], [0.7, 0.3]]), (), 0.0)\n"
        "print(pooled_forecast(pool, fit).mean.round(3).tolist(), team_pools([], []))\n"
        "heavy = [name for name in ('pymc', 'pytensor', 'arviz', 'jax', 'numpyro') if name in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_fitting_needs_a_resolved_question_with_a_team():
    with pytest.raises(VaneError, match="two analysts"):
        fit_pooling([pool_of([0.6, 0.4], [0.5, 0.5], outcome=None)])


def test_the_sentence_says_which_way_and_how_sure():
    rng = np.random.default_rng(0)
    more = PoolingFit(rng.normal(0.2, 0.05, 400), rng.normal(0.6, 0.1, 400), 300, "calibrated")
    assert more.sentence().startswith("analysts who saw different evidence are extremized more: d = 2.2 (")
    assert "at no shared stories vs 1.2 (" in more.sentence() and "mostly the prior" not in more.sentence()
    unclear = PoolingFit(rng.normal(0.0, 0.45, 400), rng.normal(0.5, 0.5, 400), 2, "calibrated")
    assert unclear.sentence().startswith("no clear difference yet")
    assert unclear.sentence().endswith("from 2 resolved question(s) this is still mostly the prior")


# --- the model, sampled (slow) ---


def simulated_pools(count: int, alpha: float, beta: float, seed: int) -> list[TeamPool]:
    """Questions with 3-5 analysts, each a noisy view of one truth, and story overlap from all to none.

    Each analyst tags a shared core of stories and some of their own; the share
    of private stories varies by question, so D spans [0, 1]. The outcome is
    drawn from the pool extremized by the true d = exp(alpha + beta D).
    """
    rng = np.random.default_rng(seed)
    pools = []
    for index in range(count):
        scenarios, analysts = int(rng.integers(2, 5)), int(rng.integers(3, 6))
        truth = rng.normal(0.0, 1.0, scenarios)
        logits = truth + rng.normal(0.0, 0.7, (analysts, scenarios))
        forecasts = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        apart = rng.uniform()
        core = {f"core{j}" for j in range(round(4 * (1 - apart)))}
        stories = tuple(frozenset(core | {f"own{i}-{j}" for j in range(round(4 * apart))}) for i in range(analysts))
        pool = pool_of(*forecasts, stories=stories, outcome=None)
        chance = pool.extremized(np.exp(alpha + beta * pool.diversity))
        outcome = pool.scenarios[int(rng.choice(scenarios, p=chance))]
        pools.append(TeamPool(f"q{index}", pool.time, pool.scenarios, pool.forecasters, pool.forecasts,
                              pool.stories, pool.diversity, outcome))
    return pools


def calibrated_team(count: int, seed: int, confidence: float) -> list[TeamPool]:
    """Analysts who all saw the same stories and state the true probability (to the percent) raised to ``confidence``.

    At 1 they are calibrated and the right pool is their forecast as it is (d = 1);
    at 0.5 they are underconfident and the right d is 2.
    """
    rng = np.random.default_rng(seed)
    pools = []
    for index in range(count):
        scenarios, analysts = int(rng.integers(2, 5)), int(rng.integers(3, 6))
        truth = rng.dirichlet(np.full(scenarios, 0.7))
        outcome = int(rng.choice(scenarios, p=truth))
        stated_ = np.maximum(np.round(truth ** confidence / np.sum(truth ** confidence), 2), 0.01)
        forecasts = np.tile(stated_ / stated_.sum(), (analysts, 1))
        shared = tuple(frozenset({"s1", "s2", "s3"}) for _ in range(analysts))
        pool = pool_of(*forecasts, stories=shared, outcome=f"s{outcome}")
        pools.append(TeamPool(f"q{index}", pool.time, pool.scenarios, pool.forecasters, pool.forecasts,
                              pool.stories, pool.diversity, pool.outcome))
    return pools


def interval(values: np.ndarray, mass: float = 0.9) -> tuple[float, float]:
    low, high = np.quantile(values, [(1 - mass) / 2, (1 + mass) / 2])
    return float(low), float(high)


@pytest.fixture(scope="module")
def simulated_fit():
    pytest.importorskip("pymc")
    from model.calibration.settings import SamplerSettings

    pools = simulated_pools(300, alpha=0.4, beta=0.8, seed=7)
    return pools, fit_pooling(pools, SamplerSettings(sampler="pymc", progress=False))


@pytest.mark.slow
def test_the_fit_recovers_alpha_and_beta(simulated_fit):
    pools, fit = simulated_fit
    assert fit.passed, fit.problems
    assert 0.15 < np.mean([pool.diversity for pool in pools]) < 0.85
    for name, draws, truth in (("alpha", fit.alpha, 0.4), ("beta", fit.beta, 0.8)):
        low, high = interval(draws)
        print(f"{name}: true {truth}, 90% interval {low:.3f}–{high:.3f}")
        assert low <= truth <= high, name
    print(fit.sentence())
    assert fit.sentence().startswith("analysts who saw different evidence are extremized more")


@pytest.mark.slow
def test_the_fit_agrees_with_the_exact_grid_posterior(simulated_fit):
    pools, fit = simulated_fit
    grid = grid_posterior(pools)
    ess = fit.provenance["min_bulk_ess"]
    for draws, exact_mean, exact_sd in zip((fit.alpha, fit.beta), grid.mean(), grid.sd()):
        monte_carlo_error = exact_sd / np.sqrt(ess)
        print(f"MCMC {draws.mean():.4f} ± {draws.std():.4f}, grid {exact_mean:.4f} ± {exact_sd:.4f}")
        assert abs(draws.mean() - exact_mean) < 4 * monte_carlo_error
        assert abs(draws.std() / exact_sd - 1) < 0.1
    for spread in (0.0, 1.0):
        exact = grid.extremizing_quantiles(spread, [0.1, 0.5, 0.9])
        sampled = np.quantile(fit.extremizing(spread), [0.1, 0.5, 0.9])
        print(f"d at D = {spread}: MCMC {np.round(sampled, 3)}, grid {np.round(exact, 3)}")
        assert sampled == pytest.approx(exact, rel=0.03)


@pytest.mark.slow
@pytest.mark.parametrize("confidence, truth", [(1.0, 1.0), (0.5, 2.0)])
def test_calibrated_analysts_sharing_every_story_are_not_extremized(confidence, truth):
    """Calibrated analysts who saw the same evidence need no extremizing (d = 1); the underconfident mirror
    world needs d = 2, so a fit that always answered 1 (or always extremized) fails one of the two.

    A 90% interval misses the truth one time in ten by design: over seeds 0-19 the exact grid posterior's
    covered it 18 times in each world, with median estimates 1.01 and 1.95. This is seed 0.
    """
    pytest.importorskip("pymc")
    from model.calibration.settings import SamplerSettings

    pools = calibrated_team(300, seed=0, confidence=confidence)
    assert all(pool.diversity == 0.0 for pool in pools)
    fit = fit_pooling(pools, SamplerSettings(sampler="pymc", progress=False))
    assert fit.passed, fit.problems
    low, high = interval(fit.extremizing(0.0))
    print(f"true d {truth}: d = {np.median(fit.extremizing(0.0)):.3f}, 90% interval {low:.3f}–{high:.3f}")
    assert low <= truth <= high
    assert high / low < 1.5  # learned: the prior's 90% interval is 0.44–2.3
    assert not (low <= (2.0 if truth == 1.0 else 1.0) <= high)


def informed_team(count: int, seed: int, signal: float = 0.5) -> tuple[list[TeamPool], np.ndarray]:
    """A world unlike the model: calibrated Bayesian analysts, each reading a subset of a question's stories.

    Each story is a signal with log-likelihood ratio 2 m x, x ~ Normal(±m, 1); an analyst states the
    posterior given the stories they read (to the percent), so the right pool is the posterior given every
    story read by anyone. Analysts who read the same stories need d = 1; analysts who read disjoint ones
    need d = their number. Also returns the log score of that ideal forecast on each question.
    """
    rng = np.random.default_rng(seed)
    pools, ideal = [], []
    for index in range(count):
        happened, analysts, apart = int(rng.integers(2)), int(rng.integers(3, 6)), rng.uniform()
        core = [f"core{j}" for j in range(round(4 * (1 - apart)))]
        own = [[f"own{i}-{j}" for j in range(max(round(4 * apart), 0 if core else 1))] for i in range(analysts)]
        sign = 1.0 if happened == 0 else -1.0
        every = core + [story for mine in own for story in mine]
        ratio = {story: 2 * signal * rng.normal(sign * signal, 1.0) for story in every}
        read = tuple(frozenset(core + mine) for mine in own)
        chance = [1 / (1 + np.exp(-sum(ratio[story] for story in stories))) for stories in read]
        stated_ = np.clip(np.round(chance, 2), 0.01, 0.99)
        everything = 1 / (1 + np.exp(-sum(ratio.values())))
        ideal.append(np.log(everything if happened == 0 else 1 - everything))
        pool = pool_of(*np.column_stack([stated_, 1 - stated_]), stories=read, outcome=f"s{happened}")
        pools.append(TeamPool(f"q{index}", pool.time, pool.scenarios, pool.forecasters, pool.forecasts,
                              pool.stories, pool.diversity, pool.outcome))
    return pools, np.array(ideal)


def grid_draws(grid, count: int = 2000, seed: int = 0) -> PoolingFit:
    """Draws of (alpha, beta) from a grid posterior, as a fit the forecasts can use."""
    chosen = np.random.default_rng(seed).choice(grid.weights.size, size=count, p=grid.weights.ravel())
    rows, columns = np.unravel_index(chosen, grid.weights.shape)
    return PoolingFit(grid.alpha[rows], grid.beta[columns], 0, "calibrated")


def log_scores(pools, fit: PoolingFit | None) -> np.ndarray:
    return np.array([np.log((pooled_forecast(pool, fit).mean if fit else pool.pooled)[pool.scenarios.index(pool.outcome)])
                     for pool in pools])


@pytest.mark.slow
def test_extremizing_by_diversity_helps_out_of_sample_on_a_world_unlike_the_model():
    """300 questions to learn from, 2,000 to score: learned d by diversity beats the plain pool and one d for all."""
    import dataclasses

    learn, _ = informed_team(300, seed=0)
    held_out, ideal = informed_team(2000, seed=100)
    by_diversity = log_scores(held_out, grid_draws(grid_posterior(learn, size=150)))
    blind = lambda pools: [dataclasses.replace(pool, diversity=0.0) for pool in pools]  # noqa: E731
    one_d = log_scores(blind(held_out), grid_draws(grid_posterior(blind(learn), size=150)))
    plain = log_scores(held_out, None)
    gain = by_diversity - one_d
    print(f"mean log score: plain {plain.mean():.4f}, one d {one_d.mean():.4f}, by diversity {by_diversity.mean():.4f} "
          f"(gain {gain.mean():.4f} ± {gain.std() / np.sqrt(gain.size):.4f}), ideal {ideal.mean():.4f}")
    assert by_diversity.mean() > plain.mean() + 0.02
    assert gain.mean() > 2 * gain.std() / np.sqrt(gain.size)


@pytest.mark.slow
def test_vane_calibrate_learns_and_saves_the_teams_pool(bundled: Path):
    from model.engine.parameters import SavedFit
    from model.record.forecast_log import write_entries
    from model.workspace.folder import Workspace, log_path
    from tests.helpers import vane

    space = Workspace(bundled)
    resolved = "ukraine-talks-2025"  # resolved "stall" on 2025-12-31
    when = dt.datetime(2025, 6, 1, 12, tzinfo=UTC)
    write_entries(log_path(space), [
        LoggedForecast(when, resolved, "Alice", {"stall": 0.6, "ceasefire": 0.3, "deal": 0.1}, "stated", "stated"),
        LoggedForecast(when, resolved, "Bob", {"stall": 0.7, "ceasefire": 0.2, "deal": 0.1}, "stated", "stated"),
    ])
    skipped = vane("calibrate", "--dir", str(bundled), "--json")  # one resolved question: nothing to learn yet
    assert skipped.code == 0 and json.loads(skipped.stdout)["fitted"] is False
    result = vane("calibrate", "--dir", str(bundled), "--json", "--force")
    assert result.code == 0, result.output
    team = json.loads(result.stdout)["team_pool"]
    assert team["saved"] and team["fit"]["questions"] == 1 and "d =" in team["summary"][0]
    again, why = read_pooling(SavedFit.of(space))
    assert again is not None and again.questions == 1, why
