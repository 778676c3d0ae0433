"""Leave-one-out effects of chosen stories only: what the report's "what moved it" needs.

``model.engine.probabilities.story_effects`` computes every story's effect (a
(D, G, K) softmax over all draws and stories); the weekly report only looks at
the stories with something new since the previous report, usually a few of a
question's dozens. ``story_moves`` computes the same numbers (bit for bit: the
same operations on the same values, element by element) for those stories alone.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from model.engine import posterior
from model.engine.parameters import Parameters
from model.engine.probabilities import compile_question, day_number
from model.fileformat.question import Question
from model.fileformat.ratings import DELTA


def story_moves(question: Question, parameters: Parameters, day: dt.date, stories, strict: bool = False) -> np.ndarray:
    """(len(stories), K): ``story_effects(question, parameters, day, strict)[1][stories]``, computing only those rows.

    ``stories`` are indices in the order of ``stories_of(evidence_of(question))``.
    Each row is how many percentage points of each scenario's probability the
    story causes at ``day`` (with every story minus without it), a mean over draws.
    """
    chosen = np.asarray(stories, dtype=np.int64)
    compiled = compile_question(question, parameters.grades)
    theta = parameters.theta
    matrix, factors = posterior.merge_classes(compiled.matrix, compiled.factors(parameters))
    view = posterior.story_view(matrix, [day_number(day)], strict)
    full = theta.prior_strength[:, None] * matrix.log_prior[None, :] + posterior.evidence_logits(view, theta, factors)[:, 0]
    now = posterior._normalise(full.copy())  # (D, K)
    mean_now = now.mean(axis=0)
    factors = posterior._factors(view, theta, factors)
    scale = theta.strength * DELTA
    means = view.means[0]  # (G, C, K)
    scenarios = matrix.scenarios
    moved = np.zeros((chosen.shape[0], scenarios))
    step = max(1, posterior._CHUNK_CELLS // max(1, theta.draws * scenarios * matrix.classes))
    for first in range(0, chosen.shape[0], step):
        part, rows = chosen[first:first + step], slice(first, first + step)
        gamma = posterior.decay(view.ages[0, part], theta.half_life) * scale[:, None]  # (D, g): s delta gamma
        weight = gamma[:, :, None] * factors[:, None, :]  # (D, g, C)
        without = (np.einsum("dgc,gck->dgk", weight, means[part]) if matrix.classes > 1
                   else weight * means[None, part, 0])
        np.subtract(full[:, None, :], without, out=without)  # the logits without each story
        moved[rows] = 100.0 * (mean_now[None, :] - posterior._normalise(without).mean(axis=0))
    return moved
