"""Forecasts for a question: probabilities now, their recent change, the ledger and the trajectory.

This is where a ``Question`` meets the engine: its evidence becomes arrays once,
and every view (status, ledger, weekly trajectory) is one engine call over
time points and parameter draws.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from model import engine
from model.engine import EvidenceMatrix, Theta
from model.grades import GradeTable
from model.question import Evidence, Question

INTERVAL = (0.1, 0.9)  # the 80% interval over parameter draws


@dataclass(frozen=True)
class Parameters:
    """Draws of theta and one plain sentence on where they came from."""

    theta: Theta
    source: str

    @classmethod
    def face_value(cls) -> "Parameters":
        """Ratings and prior at face value, no decay (the core's default)."""
        return cls(Theta.face_value(), "face value: ratings and prior as written, no decay (s = 1, kappa = 1)")


@dataclass(frozen=True)
class Probabilities:
    """Scenario probabilities at several dates: mean over draws and the 80% interval.

    ``mean``, ``low`` and ``high`` have shape (T, K).
    """

    dates: tuple[dt.date, ...]
    scenario_ids: tuple[str, ...]
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def day_number(date: dt.date) -> int:
    """The engine's day number of a date."""
    return date.toordinal()


def recorded_day(item: Evidence) -> int:
    """The day an item was tagged; unknown counts as never (invisible in strict views)."""
    return item.recorded.date().toordinal() if item.recorded else engine.NEVER


def evidence_matrix(question: Question, grades: GradeTable | None = None) -> EvidenceMatrix:
    """A question's prior and evidence as engine arrays."""
    grades = grades or GradeTable()
    ids = question.scenario_ids
    items = question.evidence
    story_index = {key: index for index, key in enumerate(question.stories())}
    return EvidenceMatrix(
        log_prior=np.log(np.array([question.prior.probabilities[sid] for sid in ids])),
        units=np.array([[item.units.get(sid, 0.0) for sid in ids] for item in items]).reshape(len(items), len(ids)),
        weights=np.array([grades.weight(item.grade) for item in items], dtype=float),
        story=np.array([story_index[item.story_key] for item in items], dtype=np.int64),
        dates=np.array([day_number(item.date) for item in items], dtype=np.int64),
        recorded=np.array([recorded_day(item) for item in items], dtype=np.int64),
        stories=len(story_index),
    )


def evaluation_date(question: Question, as_of: dt.date) -> dt.date:
    """The date a view is computed at: ``as_of``, but no later than the horizon once resolved."""
    return min(as_of, question.horizon) if question.is_resolved else as_of


def summarise(draws: np.ndarray, dates, scenario_ids) -> Probabilities:
    """Mean and 80% interval over the draw axis of (D, T, K) probabilities."""
    low, high = np.quantile(draws, INTERVAL, axis=0)
    return Probabilities(tuple(dates), tuple(scenario_ids), draws.mean(axis=0), low, high)


def probabilities_at(
    question: Question, parameters: Parameters, dates, strict: bool = False,
    grades: GradeTable | None = None, matrix: EvidenceMatrix | None = None,
) -> Probabilities:
    """Scenario probabilities at each of ``dates`` (model.md, "The posterior at time t")."""
    matrix = matrix or evidence_matrix(question, grades)
    view = engine.story_view(matrix, [day_number(d) for d in dates], strict)
    draws = engine.posterior(matrix.log_prior, view, parameters.theta)
    return summarise(draws, dates, question.scenario_ids)


def weekly_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """The end (Sunday) of every ISO week from the one holding ``start`` to ``end``, then ``end``."""
    sunday = start + dt.timedelta(days=6 - start.weekday())
    dates = []
    while sunday < end:
        dates.append(sunday)
        sunday += dt.timedelta(days=7)
    return dates + [end]


def visible_items(question: Question, as_of: dt.date, strict: bool = False) -> list[Evidence]:
    """The evidence known at ``as_of``: dated by then, and recorded by then if strict."""
    limit = day_number(as_of)
    return [
        item for item in question.evidence
        if day_number(item.date) <= limit and (not strict or recorded_day(item) <= limit)
    ]
