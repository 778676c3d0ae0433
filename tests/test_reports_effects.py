"""The report's story effects, computed for chosen stories only, are the engine's, bit for bit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from msgspec import structs

from model.calibration.synthetic import World, synthetic_questions
from model.engine.parameters import Parameters
from model.engine.posterior import Theta
from model.engine.probabilities import evidence_of, stories_of, story_effects
from model.reports.effects import story_moves


def parameter_sets() -> dict[str, Parameters]:
    prior = Parameters.prior_draws(count=200)
    rng = np.random.default_rng(3)
    theta = prior.theta
    decaying = Theta.of(theta.strength, rng.uniform(20, 400, theta.draws), theta.prior_strength)
    return {
        "no decay": prior,
        "decay": structs.replace(prior, theta=decaying),
        # per-letter reliabilities: items fall into several classes
        "decay and classes": structs.replace(prior, theta=decaying, reliability={
            "B": rng.uniform(0.5, 1.5, theta.draws), "C": rng.uniform(0.5, 1.5, theta.draws)}),
    }


@pytest.mark.parametrize("name", ["no decay", "decay", "decay and classes"])
@pytest.mark.parametrize("strict", [False, True])
def test_story_moves_are_the_rows_of_story_effects(name: str, strict: bool):
    parameters = parameter_sets()[name]
    rng = np.random.default_rng(7)
    for question in synthetic_questions(6, World(items=40.0), seed=11):
        stories = len(stories_of(evidence_of(question)))
        for day in (question.opened + dt.timedelta(days=40), question.closes):
            _, moved = story_effects(question, parameters, day, strict)
            assert moved.shape[0] == stories
            for size in (1, 3, stories):
                chosen = sorted(rng.choice(stories, min(size, stories), replace=False).tolist())
                assert np.array_equal(story_moves(question, parameters, day, chosen, strict), moved[chosen])


def test_story_moves_work_in_blocks_of_stories(monkeypatch):
    from model.engine import posterior

    question = synthetic_questions(1, World(items=60.0), seed=2)[0]
    parameters = parameter_sets()["decay and classes"]
    stories = len(stories_of(evidence_of(question)))
    monkeypatch.setattr(posterior, "_CHUNK_CELLS", parameters.theta.draws * 5)  # a story or so per block
    _, moved = story_effects(question, parameters, question.closes)
    chosen = list(range(0, stories, 2))
    assert np.array_equal(story_moves(question, parameters, question.closes, chosen), moved[chosen])
    assert story_moves(question, parameters, question.closes, []).shape == (0, len(question.scenario_ids))
