"""Scores against independent references: scikit-learn, direct definitions, and a brute-force integrator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.record import scoring
from model.record.scorecard import murphy


def random_forecasts(rng, count, k):
    return rng.dirichlet(np.ones(k), count)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_brier_and_log_agree_with_scikit_learn(k):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")  # only this test needs the reference
    rng = np.random.default_rng(k)
    p = random_forecasts(rng, 200, k)
    outcome = rng.integers(0, k, 200)
    own = scoring.forecast_scores(p, outcome, np.full(200, k), np.zeros(200, bool))
    labels = list(range(k))
    assert own["brier"].mean() == pytest.approx(sklearn_metrics.brier_score_loss(outcome, p, labels=labels, scale_by_half=False), abs=1e-12)
    assert -own["log"].mean() == pytest.approx(sklearn_metrics.log_loss(outcome, p, labels=labels), abs=1e-12)
    assert own["baseline"] == pytest.approx(100 * (np.log(p[np.arange(200), outcome]) / np.log(k) + 1))


def test_ranked_brier_matches_its_direct_definition():
    rng = np.random.default_rng(1)
    for k in (2, 3, 4, 6):
        p = random_forecasts(rng, 50, k)
        outcome = rng.integers(0, k, 50)
        ours = scoring.ranked_brier(np.pad(p, ((0, 0), (0, 6 - k))), outcome, np.full(50, k))
        for row, o, value in zip(p, outcome, ours):
            splits = []
            for i in range(k - 1):  # split "scenario <= i" against "scenario > i"
                below, happened = row[: i + 1].sum(), float(o <= i)
                splits.append((below - happened) ** 2 + ((1 - below) - (1 - happened)) ** 2)
            assert value == pytest.approx(np.mean(splits), abs=1e-12)


# --- time-averaged and peer scores against a brute-force integrator ---


def brute_force(start, end, spot, k, outcome, forecasts, members):
    """Integrate each forecaster's scores over the window, one event interval at a time.

    ``forecasts``: list of (forecaster, time, probabilities). Returns {forecaster: scores}.
    """
    forecasts = [(f, t, np.asarray(p)) for f, t, p in forecasts if t <= end]
    times = sorted({start, end, *(max(t, start) for _, t, _ in forecasts)})
    names = sorted({f for f, _, _ in forecasts})
    uniform = np.full(k, 1.0 / k)

    def standing(name, moment):
        """The forecaster's latest forecast made by ``moment`` (of equal times, the later entry)."""
        best = None
        for number, (f, t, p) in enumerate(forecasts):
            if f == name and max(t, start) <= moment and (best is None or (t, number) >= best[0]):
                best = ((t, number), p)
        return best[1] if best else None

    def peer(name, moment):
        own = standing(name, moment)
        others = [standing(other, moment) for other in names if other != name and other in members]
        others = [p for p in others if p is not None]
        if own is None or name not in members:
            return 0.0
        if not others:
            return 0.0
        return 100.0 / len(others) * sum(np.log(own[outcome]) - np.log(p[outcome]) for p in others)

    result = {}
    for name in names:
        totals = {"brier": 0.0, "log": 0.0, "baseline": 0.0, "peer": 0.0}
        for left, right in zip(times[:-1], times[1:]):
            p = standing(name, left)
            forecast = uniform if p is None else p
            width = right - left
            totals["brier"] += width * np.sum((forecast - np.eye(k)[outcome]) ** 2)
            totals["log"] += width * np.log(forecast[outcome])
            totals["baseline"] += width * (0.0 if p is None else 100 * (np.log(p[outcome]) / np.log(k) + 1))
            totals["peer"] += width * peer(name, left)
        result[name] = {key: value / (end - start) for key, value in totals.items()}
        result[name]["spot_peer"] = peer(name, spot) if standing(name, spot) is not None else np.nan
        last = standing(name, end)
        result[name]["final_brier"] = np.sum((last - np.eye(k)[outcome]) ** 2)
    return result


@pytest.mark.parametrize("seed", range(8))
def test_time_averaged_and_peer_scores_match_a_brute_force_integrator(seed):
    rng = np.random.default_rng(seed)
    questions = rng.integers(1, 4)
    rows, expected = [], {}
    starts, ends, spots, ks, outcomes = [], [], [], [], []
    for q in range(questions):
        k = int(rng.integers(2, 5))
        start, end = float(rng.uniform(0, 100)), float(rng.uniform(200, 400))
        spot = float(rng.uniform(start, end))
        outcome = int(rng.integers(0, k))
        forecasts = []
        for forecaster in range(int(rng.integers(1, 5))):
            for _ in range(int(rng.integers(1, 5))):
                time = float(rng.choice([rng.uniform(start - 50, end + 50), float(rng.integers(150, 160))]))
                forecasts.append((forecaster, time, rng.dirichlet(np.ones(k))))
        members = {0, 1, 2}  # forecaster 3, when present, is a reference: scored but not a peer
        expected[q] = brute_force(start, end, spot, k, outcome, forecasts, members)
        starts.append(start), ends.append(end), spots.append(spot), ks.append(k), outcomes.append(outcome)
        rows += [(q, f, t, np.pad(p, (0, 4 - k))) for f, t, p in forecasts]
    data = scoring.ScoringInput(
        start=np.array(starts), end=np.array(ends), spot=np.array(spots), scenarios=np.array(ks),
        outcome=np.array(outcomes), ordered=np.zeros(questions, bool),
        question=np.array([r[0] for r in rows]), forecaster=np.array([r[1] for r in rows]),
        time=np.array([r[2] for r in rows]), probabilities=np.array([r[3] for r in rows]),
        peer_members=np.array([True, True, True, False]),
    )
    pairs = scoring.score(data)
    assert set(pairs.averaged) == set(pairs.final) == set(scoring.SCORE_NAMES) and set(pairs.spot) == set(scoring.SPOT_SCORES)
    for p in range(pairs.question.shape[0]):
        q, f = int(pairs.question[p]), int(pairs.forecaster[p])
        want = expected[q][f]
        for name in ("brier", "log", "baseline"):
            assert pairs.averaged[name][p] == pytest.approx(want[name], abs=1e-9), (q, f, name)
        assert pairs.final["brier"][p] == pytest.approx(want["final_brier"], abs=1e-12)
        if f < 3:
            assert pairs.averaged["peer"][p] == pytest.approx(want["peer"], abs=1e-9), (q, f, "peer")
            assert np.nan_to_num(pairs.spot["peer"][p], nan=-999) == pytest.approx(np.nan_to_num(want["spot_peer"], nan=-999), abs=1e-9)
        else:
            assert np.isnan(pairs.averaged["peer"][p])


# --- properties ---


forecast_rows = st.integers(2, 6).flatmap(
    lambda k: st.tuples(st.just(k), st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k).filter(lambda v: sum(v) > 0), st.integers(0, k - 1))
)


@settings(max_examples=200, deadline=None)
@given(forecast_rows, st.booleans())
def test_scores_stay_within_their_bounds(row, ordered):
    k, values, outcome = row
    p = np.array(values) / sum(values)
    own = scoring.forecast_scores(p[None], np.array([outcome]), np.array([k]), np.array([ordered]))
    assert 0.0 <= own["brier"][0] <= 2.0 + 1e-12
    assert own["log"][0] <= 1e-12 and own["baseline"][0] <= 100.0 + 1e-9
    if ordered:
        assert 0.0 <= own["ranked_brier"][0] <= 2.0 + 1e-12


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 6), st.data())
def test_a_one_hot_forecast_on_the_outcome_scores_perfectly(k, data):
    outcome = data.draw(st.integers(0, k - 1))
    p = np.eye(k)[outcome][None]
    own = scoring.forecast_scores(p, np.array([outcome]), np.array([k]), np.array([True]))
    assert own["brier"][0] == 0.0 and own["ranked_brier"][0] == 0.0
    assert own["log"][0] == 0.0 and own["baseline"][0] == pytest.approx(100.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 0.9, 1.0]), st.booleans()), min_size=1, max_size=60))
def test_the_murphy_decomposition_adds_up(pairs):
    forecasts = np.array([p for p, _ in pairs])
    happened = np.array([float(o) for _, o in pairs])
    parts = murphy(forecasts, happened)
    assert parts.brier == pytest.approx(parts.reliability - parts.resolution + parts.uncertainty
                                        + parts.within_variance - parts.within_covariance, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=80))
def test_the_binned_decomposition_adds_up_for_continuous_forecasts(pairs):
    forecasts = np.array([p for p, _ in pairs])
    happened = np.array([float(o) for _, o in pairs])
    parts = murphy(forecasts, happened)
    total = parts.reliability - parts.resolution + parts.uncertainty + parts.within_variance - parts.within_covariance
    assert parts.brier == pytest.approx(total, abs=1e-12)
    assert parts.within_variance >= 0 and 0 <= parts.reliability <= 1


def test_binned_reliability_is_the_calibration_table_s_and_small_for_a_calibrated_forecaster():
    from model.record.scorecard import calibration_table

    rng = np.random.default_rng(5)
    forecasts = rng.random(20_000)  # continuous: nearly every value distinct
    happened = (rng.random(20_000) < forecasts).astype(float)
    parts = murphy(forecasts, happened)
    table = calibration_table(forecasts, happened)
    from_table = sum(b.count * (b.mean_forecast - b.observed) ** 2 for b in table if b.count) / forecasts.size
    assert parts.reliability == pytest.approx(from_table, rel=1e-12)
    assert parts.reliability < 0.002 and parts.brier == pytest.approx(1 / 6, abs=0.01)  # E(p(1-p)) for p ~ U(0,1)
    # grouped by distinct value, reliability would be about the Brier score itself (every group of one)
    assert parts.reliability < parts.brier / 50


def test_a_hand_computed_binned_decomposition():
    forecasts = np.array([0.12, 0.18, 0.85, 0.95])
    happened = np.array([0.0, 1.0, 1.0, 1.0])
    parts = murphy(forecasts, happened)
    # buckets: [0.12, 0.18] (mean 0.15, observed 0.5) in 10-20%; 0.85 alone; 0.95 alone
    assert parts.reliability == pytest.approx((2 * (0.15 - 0.5) ** 2 + (0.85 - 1) ** 2 + (0.95 - 1) ** 2) / 4)
    assert parts.resolution == pytest.approx((2 * (0.5 - 0.75) ** 2 + 2 * (1 - 0.75) ** 2) / 4)
    assert parts.uncertainty == pytest.approx(0.75 * 0.25)
    assert parts.within_variance == pytest.approx((0.03 ** 2 + 0.03 ** 2) / 4)
    assert parts.within_covariance == pytest.approx(2 * ((-0.5) * (-0.03) + 0.5 * 0.03) / 4)


@pytest.mark.parametrize("hits, count", [(0, 1), (0, 12), (3, 12), (12, 12), (57, 400), (1, 2)])
def test_bucket_intervals_are_wilson_s_as_scipy_computes_them(hits, count):
    from scipy.stats import binomtest

    from model.record.scorecard import wilson_interval

    low, high = wilson_interval(np.array([hits]), np.array([count]))
    reference = binomtest(hits, count).proportion_ci(confidence_level=0.90, method="wilson")
    assert low[0] == pytest.approx(reference.low, abs=1e-12) and high[0] == pytest.approx(reference.high, abs=1e-12)


def test_scores_never_print_as_minus_zero():
    from model.base.numbers import number, signed

    assert number(-1e-17, 1) == "0.0" and number(-0.00004) == "0.000" and number(float("nan")) == "–"
    assert signed(-1e-9) == "+0.000" and signed(-0.25) == "-0.250" and signed(None) == "–"


def test_probabilities_and_changes_have_one_format_everywhere():
    from model.base.numbers import interval, percent, points

    assert percent(0.1234) == "12.3%" and percent(0.1234, 0) == "12%" and percent(None) == percent(float("nan")) == "–"
    assert points(0.021) == "+2.1" and points(-0.021) == "-2.1" and points(0.0004) == "0.0" and points(None) == "–"
    assert points(0.021, " pp") == "+2.1 pp" and points(1e-6, " pp") == "0.0 pp" and points(None, " pp") == "–"
    assert interval(0.12, 0.345) == "12–34%" and interval(None, 0.3) == "–"


def test_scoring_in_blocks_of_questions_gives_the_same_scores(monkeypatch):
    rng = np.random.default_rng(5)
    questions, per_question = 60, 30
    scenarios = rng.integers(2, 6, questions)
    question = rng.permutation(np.repeat(np.arange(questions), per_question))  # not in question order
    start = rng.uniform(0, 1e6, questions)
    end = start + 1e5
    raw = rng.gamma(1.0, 1.0, (question.size, 5)) * (np.arange(5)[None, :] < scenarios[question][:, None])
    data = scoring.ScoringInput(
        start=start, end=end, spot=start + 5e4, scenarios=scenarios, outcome=rng.integers(0, scenarios),
        ordered=rng.random(questions) < 0.5, question=question, forecaster=rng.integers(0, 4, question.size),
        time=start[question] + rng.uniform(-1e4, 1.1e5, question.size),
        probabilities=raw / raw.sum(axis=1, keepdims=True), peer_members=np.array([True, True, True, False]),
    )
    whole = scoring.score(data)
    monkeypatch.setattr(scoring, "BLOCK", 100)
    blocks = scoring.score(data)
    assert np.array_equal(whole.question, blocks.question) and np.array_equal(whole.forecasts, blocks.forecasts)
    for kind in ("averaged", "final", "spot"):
        for name, values in getattr(whole, kind).items():
            assert np.allclose(values, getattr(blocks, kind)[name], equal_nan=True, rtol=0, atol=1e-9), (kind, name)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.05, 0.2, 0.2, 0.5, 0.7, 0.9]), st.booleans()), min_size=2, max_size=50))
def test_auc_is_scikit_learn_s_roc_auc_ties_included(pairs):
    from sklearn.metrics import roc_auc_score

    from model.record.scorecard import discrimination

    yes = np.array([p for p, _ in pairs])
    happened = np.array([float(o) for _, o in pairs])
    found = discrimination(yes, happened)
    assert found.questions == len(pairs)
    if 0 < happened.sum() < len(pairs):
        assert found.auc == pytest.approx(roc_auc_score(happened, yes), abs=1e-12)
    else:
        assert np.isnan(found.auc)  # one outcome only: nothing to discriminate


def test_auc_of_perfect_useless_and_backwards_forecasts():
    from model.record.scorecard import discrimination

    happened = np.array([1.0, 1.0, 0.0, 0.0])
    assert discrimination(np.array([0.9, 0.8, 0.2, 0.1]), happened).auc == 1.0
    assert discrimination(np.array([0.5, 0.5, 0.5, 0.5]), happened).auc == 0.5
    assert discrimination(np.array([0.1, 0.2, 0.8, 0.9]), happened).auc == 0.0


def test_the_extremes_split_the_outer_buckets_finer():
    from model.record.scorecard import extremes_table

    forecasts = np.array([0.005, 0.02, 0.04, 0.5, 0.1, 0.97, 1.0, 0.99, 0.9])
    happened = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0])
    table = extremes_table(forecasts, happened)
    assert [(b.low, b.high) for b in table] == [(0.0, 0.01), (0.01, 0.05), (0.05, 0.1), (0.9, 0.95), (0.95, 0.99),
                                                (0.99, 1.0)]
    assert [b.count for b in table] == [1, 2, 0, 1, 1, 2]  # 0.5 and 0.1 are the middle's; 0.99 and 1.0 the last
    assert table[1].mean_forecast == pytest.approx(0.03) and table[1].observed == 0.5
    assert table[5].observed == 0.5 and np.isnan(table[2].observed)


@pytest.mark.parametrize("cells", [1 << 17, 500])  # one block of resamples, or blocks of four
def test_decomposition_intervals_are_the_decomposition_of_resampled_questions(cells, monkeypatch):
    """The vectorised resampling equals ``murphy`` on each resample's pairs repeated, drawn the same way."""
    from model.record import scorecard
    from model.record.scorecard import (
        MURPHY_RESAMPLES,
        Finals,
        murphy,
        murphy_intervals,
    )

    monkeypatch.setattr(scorecard, "RESAMPLE_CELLS", cells)

    rng = np.random.default_rng(7)
    questions = 40
    probabilities = rng.dirichlet(np.ones(3), size=questions)
    outcome = (rng.random(questions)[:, None] > np.cumsum(probabilities, axis=1)).sum(axis=1).clip(0, 2)
    forecasts = probabilities.ravel()
    happened = (np.arange(3)[None, :] == outcome[:, None]).astype(float).ravel()
    question = np.repeat(np.arange(questions) * 3 + 5, 3)  # codes need not start at 0 or be dense
    finals = Finals(forecasts, happened, np.zeros(forecasts.size, bool), np.zeros(forecasts.size, int), question)
    parts = murphy_intervals(murphy(forecasts, happened), finals, seed=3, resamples=200)
    draws = scorecard.resample_counts(np.random.default_rng(3), questions, 200).astype(int)
    assert (draws.sum(axis=1) == questions).all() and draws.min() >= 0
    slow = [murphy(np.repeat(forecasts, draw.repeat(3)), np.repeat(happened, draw.repeat(3))) for draw in draws]
    for name in ("reliability", "resolution"):
        low, high = np.quantile([getattr(m, name) for m in slow], [0.05, 0.95])
        assert getattr(parts, f"{name}_low") == pytest.approx(low, abs=1e-12)
        assert getattr(parts, f"{name}_high") == pytest.approx(high, abs=1e-12)
        assert getattr(parts, f"{name}_low") <= getattr(parts, name) <= getattr(parts, f"{name}_high")
    # fewer questions, wider intervals
    few = Finals(forecasts[:30], happened[:30], finals.yes[:30], finals.month[:30], question[:30])
    narrow = murphy_intervals(murphy(forecasts, happened), finals, resamples=MURPHY_RESAMPLES)
    wide = murphy_intervals(murphy(forecasts[:30], happened[:30]), few, resamples=MURPHY_RESAMPLES)
    assert wide.reliability_high - wide.reliability_low > narrow.reliability_high - narrow.reliability_low
