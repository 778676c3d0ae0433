"""``vane score``'s shortcuts give the very numbers of the plain computations they replace (differential tests)."""

from __future__ import annotations

import numpy as np
import pytest

from model.record import scorecard
from model.record.scorecard import BOOTSTRAP, interval, question_draws, summarise
from model.record.scoring import SCORE_NAMES


def choice_interval(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """The bootstrap interval as first written: every resample drawn at once by ``rng.choice``."""
    resampled = rng.choice(values, size=(BOOTSTRAP, values.shape[0]), replace=True).mean(axis=1)
    low, high = np.quantile(resampled, [0.05, 0.95])
    return float(low), float(high)


@pytest.mark.parametrize("count", [1, 2, 7, 8, 9, 64, 131, 500, 999, 1000])
def test_the_bootstrap_resamples_what_choice_drew(count, monkeypatch):
    """The kept draw counts, made a block at a time, times the values: the means of what ``rng.choice`` drew."""
    monkeypatch.setattr(scorecard, "RESAMPLE_CELLS", 1000)  # several blocks of rows even for a few questions
    monkeypatch.setattr(scorecard, "_KEPT_DRAWS", {})
    data = np.random.default_rng(count)
    values = data.normal(size=count) * 10 ** data.uniform(-3, 3)
    expected = choice_interval(values, np.random.default_rng(7))
    for _ in range(2):  # worked out, then kept
        assert interval(values, 7) == pytest.approx(expected, rel=1e-12, abs=1e-15 * np.abs(values).max())
    assert interval(values, 8) != interval(values, 7) or count < 3  # (with two, 5% of draws are both the least)


def test_the_scores_of_a_forecaster_share_their_resamples():
    """Paired: the Brier and log scores of the same questions are resampled together, so a score's interval is
    the other's moved, when one score is the other plus a constant."""
    values = np.random.default_rng(3).random(50)
    summary = summarise({name: values + index for index, name in enumerate(SCORE_NAMES)}, "mk", seed=4)
    first = summary.means[SCORE_NAMES[0]]
    for index, name in enumerate(SCORE_NAMES):
        assert summary.means[name] == pytest.approx(tuple(value + index for value in first), abs=1e-12)
    assert first[1:] == interval(values, 4)


def test_kept_resamples_stay_within_their_bound(monkeypatch):
    monkeypatch.setattr(scorecard, "_KEPT_DRAWS", {})
    monkeypatch.setattr(scorecard, "KEPT_DRAW_CELLS", BOOTSTRAP * 100)
    first = question_draws(60)
    assert question_draws(60) is first and not first.flags.writeable
    for count in range(30, 50):
        question_draws(count)
        assert sum(d.size for d in scorecard._KEPT_DRAWS.values()) <= scorecard.KEPT_DRAW_CELLS
    assert question_draws(60) is not first and np.array_equal(question_draws(60), first)  # let go, drawn again
    assert question_draws(60, seed=1).sum(axis=1).tolist() == [60] * BOOTSTRAP
    question_draws(scorecard.BOOTSTRAP_QUESTIONS)  # bigger than the bound: kept alone
    assert list(scorecard._KEPT_DRAWS) == [(scorecard.BOOTSTRAP_QUESTIONS, 0)]


def reference_horizons(data, forecasters, seed):
    """``horizon_summaries`` as first written: every kept forecast's scores at once, then the groups."""
    from model.record import scoring
    from model.record.scorecard import HORIZONS

    kept = np.flatnonzero((data.outcome[data.question] >= 0) & (data.time <= data.end[data.question]))
    question = data.question[kept]
    own = scoring.forecast_scores(data.probabilities[kept], data.outcome[question], data.scenarios[question],
                                  data.ordered[question])
    days = (data.end[question] - data.time[kept]) / 86_400.0
    band = np.searchsorted(-np.array([low for low, _ in HORIZONS]), -days, side="left")
    forecaster = data.forecaster[kept]
    found = {}
    for index, (_, label) in enumerate(HORIZONS):
        inside = np.flatnonzero(band == index)
        group = []
        for f in dict.fromkeys(forecaster[inside].tolist()):
            rows = inside[forecaster[inside] == f]
            group.append(summarise({name: own[name][rows] if name in own else np.zeros(0) for name in SCORE_NAMES},
                                   forecasters[f], seed))
        if group:
            found[label] = tuple(group)
    return found


def test_horizons_a_group_at_a_time_are_the_horizons_of_every_forecast_at_once(monkeypatch):
    from model.calibration.synthetic import synthetic_questions
    from model.fileformat.log_entry import LoggedForecast, entry_columns
    from model.record.scorecard import score_table, table_builder

    questions = [q for q in synthetic_questions(40, seed=5) if q.outcome]
    rng = np.random.default_rng(8)
    entries = []
    for question in questions:
        start, end = question.window
        for forecaster in rng.choice(["ann", "bo", "cy", "di", "ed"], size=rng.integers(1, 5), replace=False):
            for _ in range(rng.integers(1, 12)):
                moment = start + (end - start) * float(rng.uniform(-0.05, 1.05))  # some outside the window
                values = rng.dirichlet(np.ones(len(question.scenario_ids)))
                entries.append(LoggedForecast(moment.replace(microsecond=0), question.id, str(forecaster),
                                              dict(zip(question.scenario_ids, values.tolist())), "stated", "stated"))
    entries = [entries[i] for i in rng.permutation(len(entries))]  # logged in any order
    seen = []
    original = scorecard.horizon_summaries

    def both(data, forecasters, seed=0):
        found = original(data, forecasters, seed)
        seen.append((found, reference_horizons(data, forecasters, seed)))
        return found

    monkeypatch.setattr(scorecard, "horizon_summaries", both)
    builder = table_builder(questions)
    builder.add(entry_columns(entries, builder.tables))
    score_table(builder, questions, horizons=True)
    [(found, expected)] = seen
    assert len(found) == 3 and sum(len(group) for group in found.values()) >= 12
    assert repr(found) == repr(expected)


@pytest.mark.parametrize("permuted, foreign, one_length", [(0.0, 0.1, False), (0.3, 0.1, False), (0.0, 0.0, True)])
def test_the_table_places_each_probability_in_its_questions_column(permuted: float, foreign: float, one_length: bool):
    """Probabilities written in the question's order, in another order, or for other scenarios (left as zeros),
    added a chunk at a time, on questions of several numbers of scenarios or of one: each lands where the
    entry-by-entry placement puts it."""
    import datetime as dt

    from model.calibration.synthetic import synthetic_questions
    from model.fileformat.log_entry import LoggedForecast, LogTables, entry_columns
    from model.record.forecast_table import TableBuilder

    questions = synthetic_questions(12, seed=2)
    if one_length:
        questions = [q for q in questions if len(q.scenario_ids) == 5]
    assert (len({len(q.scenario_ids) for q in questions}) == 1) == one_length and len(questions) > 2
    rng = np.random.default_rng(3)
    entries = []
    for number in range(600):
        question = questions[rng.integers(len(questions))]
        ids = list(question.scenario_ids)
        if rng.random() < permuted:
            ids = [ids[i] for i in rng.permutation(len(ids))]
        if rng.random() < foreign:
            ids = ids[:-1] + ["elsewhere"]
        values = rng.dirichlet(np.ones(len(ids)))
        entries.append(LoggedForecast(dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=number),
                                      question.id, "ann", dict(zip(ids, values.tolist())), "stated", "stated"))
    builder = TableBuilder(questions, LogTables())
    for part in (entries[:250], entries[250:]):
        builder.add(entry_columns(part, builder.tables))
    table = builder.finish()
    width = max(len(q.scenario_ids) for q in questions)
    by_id = {q.id: q for q in questions}
    for row, entry in enumerate(entries):
        ids = by_id[entry.question].scenario_ids
        expected = np.zeros(width)
        if set(entry.probabilities) == set(ids):
            expected[: len(ids)] = [entry.probabilities[sid] for sid in ids]
        assert table.probabilities[row].tolist() == expected.tolist()
