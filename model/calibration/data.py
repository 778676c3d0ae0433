"""Resolved questions as the arrays the calibration model learns from (numpy only).

model.md, "Learning theta from what happened": every resolved question q is a
data point ``P(o_q | evidence, theta) = b_{o_q}(T_q)``. Everything in ``b``
that does not depend on theta is computed here once: each story's mean
weighted rating per (analyst, source letter) class at ``T_q`` and its age then.
What remains for the model is a sum over these "cells" and a softmax.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from model.engine import posterior
from model.engine.probabilities import (
    compile_question,
    day_number,
    evidence_of,
    item_class,
)
from model.fileformat.grades import GradeTable
from model.fileformat.question import Question


@dataclass(frozen=True)
class CalibrationData:
    """Resolved questions, padded to the largest scenario count ``K``.

    Attributes
    ----------
    question_ids : (Q,) ids.
    outcome : (Q,) index of the scenario that happened.
    log_prior : (Q, K) log prior, 0 where padded.
    scenario_mask : (Q, K) True for real scenarios.
    cell_question, cell_analyst, cell_letter, cell_digit : (N,) what each cell belongs to.
    cell_age : (N,) days from the story's date to the question's horizon.
    cell_means : (N, K) the class's share of the story's mean of ``w r``.
    analysts, letters, digits : names behind the analyst, letter and digit indices.
    default_reliability : (L,) Admiralty reliability of each letter in ``letters``.
    default_credibility : (G,) Admiralty credibility of each digit in ``digits``.
    """

    question_ids: tuple[str, ...]
    outcome: np.ndarray
    log_prior: np.ndarray
    scenario_mask: np.ndarray
    cell_question: np.ndarray
    cell_analyst: np.ndarray
    cell_letter: np.ndarray
    cell_digit: np.ndarray
    cell_age: np.ndarray
    cell_means: np.ndarray
    analysts: tuple[str, ...]
    letters: tuple[str, ...]
    default_reliability: np.ndarray
    digits: tuple[str, ...]
    default_credibility: np.ndarray

    @property
    def questions(self) -> int:
        """Number of resolved questions Q."""
        return len(self.question_ids)

    @property
    def learns_analysts(self) -> bool:
        """Per-analyst strengths are learned when evidence comes from two analysts or more."""
        return len(set(self.cell_analyst.tolist())) >= 2

    @property
    def learns_reliability(self) -> bool:
        """Per-letter reliabilities are learned when evidence carries two source letters or more."""
        return len(set(self.cell_letter.tolist())) >= 2

    @property
    def learns_credibility(self) -> bool:
        """Per-digit credibilities are learned when evidence carries two credibility digits or more."""
        return len(set(self.cell_digit.tolist())) >= 2

    def by_question(self, values: np.ndarray, fill=0, slots: int | None = None) -> np.ndarray:
        """Cell values laid out as (Q, M, ...), padded with ``fill``.

        ``M`` is ``slots``, or else the most cells any question has. Dense arrays
        let the model sum each question's cells without a scatter, which is much
        faster to differentiate.
        """
        counts = np.bincount(self.cell_question, minlength=self.questions)
        slots = max(1, int(counts.max(initial=0)), slots or 0)
        order = np.argsort(self.cell_question, kind="stable")
        position = np.arange(order.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        padded = np.full((self.questions, slots) + values.shape[1:], fill, dtype=values.dtype)
        padded[self.cell_question[order], position] = values[order]
        return padded

    def digest(self) -> str:
        """sha256 of everything the fit depends on (the "hash of the data used")."""
        digest = hashlib.sha256()
        digest.update("\n".join(self.question_ids + self.analysts + self.letters + self.digits).encode())
        for array in (self.outcome, self.log_prior, self.scenario_mask, self.cell_question, self.cell_analyst,
                      self.cell_letter, self.cell_digit, self.cell_age, self.cell_means, self.default_reliability,
                      self.default_credibility):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


def resolved_questions(questions) -> list[Question]:
    """Questions resolved to a scenario (annulled ones teach nothing)."""
    return [q for q in questions if q.outcome]


def calibration_data(questions, grades: GradeTable | None = None) -> CalibrationData:
    """The arrays of every question resolved to a scenario, at its horizon, from evidence dated by then."""
    grades = grades or GradeTable()
    resolved = resolved_questions(questions)
    width = max((len(q.scenarios) for q in resolved), default=2)
    analysts = sorted({item.analyst for q in resolved for item in evidence_of(q)})
    classes = {item_class(item) for q in resolved for item in evidence_of(q)}
    letters = sorted({letter for _, letter, _ in classes})
    digits = sorted({digit for _, _, digit in classes})
    analyst_index = {name: index for index, name in enumerate(analysts)}
    letter_index = {name: index for index, name in enumerate(letters)}
    digit_index = {name: index for index, name in enumerate(digits)}
    log_prior = np.zeros((len(resolved), width))
    mask = np.zeros((len(resolved), width), dtype=bool)
    cells: list[tuple[int, int, int, int, float, np.ndarray]] = []
    for q, question in enumerate(resolved):
        k = len(question.scenarios)
        compiled = compile_question(question, grades)
        log_prior[q, :k], mask[q, :k] = compiled.matrix.log_prior, True
        view = posterior.story_view(compiled.matrix, [day_number(question.horizon)])
        for g, c in zip(*np.nonzero(np.abs(view.means[0]).sum(axis=-1))):
            analyst, letter, digit = compiled.classes[c]
            padded = np.zeros(width)
            padded[:k] = view.means[0, g, c]
            cells.append((q, analyst_index[analyst], letter_index[letter], digit_index[digit], float(view.ages[0, g]),
                          padded))
    column = lambda index, dtype: np.array([cell[index] for cell in cells], dtype=dtype)  # noqa: E731
    return CalibrationData(
        question_ids=tuple(q.id for q in resolved),
        outcome=np.array([q.scenario_ids.index(q.resolution.outcome) for q in resolved], dtype=np.int64),
        log_prior=log_prior,
        scenario_mask=mask,
        cell_question=column(0, np.int64),
        cell_analyst=column(1, np.int64),
        cell_letter=column(2, np.int64),
        cell_digit=column(3, np.int64),
        cell_age=column(4, float),
        cell_means=np.array([cell[5] for cell in cells]).reshape(len(cells), width),
        analysts=tuple(analysts),
        letters=tuple(letters),
        default_reliability=np.array([grades.reliability[letter] for letter in letters]),
        digits=tuple(digits),
        default_credibility=np.array([grades.credibility[digit] for digit in digits]),
    )


def outcome_log_likelihood(
    data: CalibrationData, strength, half_life, prior_strength, analyst_strength=None, reliability=None,
    credibility=None,
) -> np.ndarray:
    """(D, Q) log probability each question gave its outcome, for draws of theta.

    The same arithmetic as the PyMC model, in numpy: used for PSIS-LOO and to
    check the model against the exact engine.
    """
    strength, half_life, prior_strength = (np.atleast_1d(np.asarray(v, float)) for v in (strength, half_life, prior_strength))
    draws = strength.shape[0]
    ages, means = data.by_question(data.cell_age), data.by_question(data.cell_means)  # (Q, M), (Q, M, K)
    factor = np.ones((draws,) + ages.shape)
    if analyst_strength is not None:
        factor *= np.asarray(analyst_strength)[:, data.by_question(data.cell_analyst)]
    if reliability is not None:
        letters = data.by_question(data.cell_letter)
        factor *= np.asarray(reliability)[:, letters] / data.default_reliability[letters]
    if credibility is not None:
        digits = data.by_question(data.cell_digit)
        factor *= np.asarray(credibility)[:, digits] / data.default_credibility[digits]
    evidence = np.empty((draws, data.questions, data.log_prior.shape[1]))
    step = max(1, 16_000_000 // max(1, ages.size))  # bound the (d, Q, M) block (128 MB a block)
    for start in range(0, draws, step):
        part = slice(start, start + step)
        gamma = np.exp2(-ages[None] / half_life[part, None, None])  # h = inf gives 1
        weight = strength[part, None, None] * posterior.DELTA * gamma * factor[part]  # (d, Q, M)
        # batched (d, M) @ (M, K) per question: BLAS, several times faster than the einsum it replaced
        evidence[part] = np.matmul(weight.transpose(1, 0, 2), means).transpose(1, 0, 2)
    logits = prior_strength[:, None, None] * data.log_prior[None] + evidence
    logits = np.where(data.scenario_mask[None], logits, -np.inf)
    log_b = logits - posterior.logsumexp(logits, axis=-1)
    return np.take_along_axis(log_b, data.outcome[None, :, None], axis=-1)[..., 0]
