"""The calibration arrays agree with the exact engine, and the synthetic world is what it claims (no MCMC)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from model.calibration.data import (
    calibration_data,
    outcome_log_likelihood,
    resolved_questions,
)
from model.calibration.synthetic import World, synthetic_questions, write_questions
from model.engine import posterior
from model.engine.posterior import Theta
from model.engine.probabilities import compile_question, day_number
from model.fileformat.resolution import Resolution
from model.workspace.loader import load_question, load_question_text
from tests.helpers import TALKS


def talks(resolution="stall", date="2025-12-31"):
    question, problems = load_question_text(TALKS + f"resolution:\n  scenario: {resolution}\n  date: {date}\n  note: x\n", __import__("pathlib").Path("talks.yaml"))
    assert not problems
    return question


def engine_log_probability(question, theta: Theta, parameters=None) -> np.ndarray:
    compiled = compile_question(question)
    view = posterior.story_view(compiled.matrix, [day_number(question.horizon)])
    factors = parameters.class_factors(list(compiled.classes)) if parameters else None
    log_b = posterior.log_posterior(compiled.matrix.log_prior, view, theta, factors)[:, 0]
    return log_b[:, question.scenario_ids.index(question.resolution.outcome)]


def test_cells_hold_each_storys_weighted_mean_and_age():
    data = calibration_data([talks()])
    assert data.question_ids == ("talks",) and data.outcome.tolist() == [2]
    assert sorted(data.cell_age.tolist()) == [(dt.date(2025, 12, 31) - dt.date(2025, 3, 1)).days,
                                              (dt.date(2025, 12, 31) - dt.date(2025, 2, 1)).days]
    b2 = 0.85 * 0.85
    assert any(np.allclose(row, [b2, b2, -b2]) for row in data.cell_means)
    assert data.letters == ("B", "C") and data.learns_reliability and not data.learns_analysts
    assert data.digits == ("2", "3") and data.learns_credibility


def test_annulled_and_open_questions_teach_nothing():
    open_question, _ = load_question_text(TALKS, __import__("pathlib").Path("open.yaml"))
    annulled = talks(resolution="annulled")
    assert resolved_questions([open_question, annulled]) == []
    assert calibration_data([open_question, annulled]).questions == 0


@pytest.mark.parametrize("strength, half_life, prior_strength", [(1.0, math.inf, 1.0), (0.4, 60.0, 0.8), (2.5, 400.0, 1.3)])
def test_outcome_likelihood_equals_the_exact_engine(strength, half_life, prior_strength):
    questions = synthetic_questions(12, World(), seed=5)
    data = calibration_data(questions)
    ours = outcome_log_likelihood(data, strength, half_life, prior_strength)[0]
    theta = Theta.of(strength, half_life, prior_strength)
    expected = [engine_log_probability(question, theta)[0] for question in questions]
    assert ours == pytest.approx(expected, abs=1e-10)


def test_padding_by_question_keeps_every_cell():
    data = calibration_data(synthetic_questions(15, World(), seed=4))
    padded = data.by_question(data.cell_means)
    assert padded.shape[0] == data.questions
    assert padded.sum(axis=1) == pytest.approx(np.array([data.cell_means[data.cell_question == q].sum(axis=0) for q in range(data.questions)]))


def test_the_digest_changes_with_the_data():
    first = calibration_data(synthetic_questions(5, World(), seed=1))
    again = calibration_data(synthetic_questions(5, World(), seed=1))
    other = calibration_data(synthetic_questions(5, World(), seed=2))
    assert first.digest() == again.digest() != other.digest()


def test_synthetic_ratings_are_worth_s_times_face_value():
    """The likelihood of the outcomes peaks near the true s and h (the data carry the signal)."""
    data = calibration_data(synthetic_questions(300, World(strength=0.5, half_life=90.0), seed=11))
    grid = [(s, h) for s in (0.25, 0.5, 1.0, 2.0) for h in (30.0, 90.0, 270.0, math.inf)]
    totals = {point: outcome_log_likelihood(data, point[0], point[1], 1.0).sum() for point in grid}
    assert max(totals, key=totals.get) == (0.5, 90.0)


def test_synthetic_questions_round_trip_through_files(tmp_path):
    questions = synthetic_questions(3, World(), seed=9)
    for question, path in zip(questions, write_questions(questions, tmp_path)):
        loaded, problems = load_question(path)
        assert not problems and loaded.evidence == question.evidence and loaded.resolution == question.resolution
        assert isinstance(loaded.resolution, Resolution)


def test_indicator_evidence_is_part_of_what_calibration_learns_from():
    indicator = "indicators:\n  - id: i1\n    description: leaders meet\n    due: 2025-06-01\n    probabilities: {deal: 0.9, ceasefire: 0.5, stall: 0.1}\n"
    question, problems = load_question_text(
        TALKS + indicator + "resolution:\n  scenario: stall\n  date: 2025-12-31\n  note: x\n", __import__("pathlib").Path("talks.yaml"))
    assert not problems
    data = calibration_data([question])
    assert "A" in data.letters and data.cell_age.shape[0] == 3  # two stories and the indicator's absence
    theta = Theta.of(1.0, np.inf, 1.0)
    assert outcome_log_likelihood(data, 1.0, np.inf, 1.0)[0] == pytest.approx(engine_log_probability(question, theta))


