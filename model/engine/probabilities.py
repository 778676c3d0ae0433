"""Forecasts for a question: probabilities now, their recent change, the ledger and the trajectory.

This is where a ``Question`` meets the engine: its evidence becomes arrays once,
and every view (status, ledger, weekly trajectory) is one engine call over
time points and parameter draws, which the engine works through in blocks so
that memory does not grow with draws x dates x items.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from msgspec import Struct

from model.engine import posterior
from model.engine.indicators import indicator_evidence
from model.engine.parameters import Parameters
from model.engine.posterior import EvidenceMatrix
from model.fileformat.evidence import Evidence
from model.fileformat.grades import DEFAULT_GRADE, GradeTable
from model.fileformat.question import Question
from model.workspace.loader import keep_derived

INTERVAL = (0.1, 0.9)  # the 80% interval over parameter draws


INTERVAL_PERCENT = f"{100 * (INTERVAL[1] - INTERVAL[0]):.0f}%"  # "80%"
INTERVAL_NAME = f"{INTERVAL_PERCENT} interval"


class Probabilities(Struct, frozen=True):
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
    return item.recorded.date().toordinal() if item.recorded else posterior.NEVER


def item_class(item: Evidence) -> tuple[str, str, str]:
    """The class an item's strength can be learned for: its analyst, its source letter and its credibility digit."""
    letter, digit = item.grade or DEFAULT_GRADE
    return item.analyst, letter, digit


class Compiled(Struct, frozen=True):
    """A question's evidence as engine arrays, with the (analyst, letter, digit) class of each column."""

    matrix: EvidenceMatrix
    classes: tuple[tuple[str, str, str], ...]

    def factors(self, parameters: Parameters) -> np.ndarray | None:
        """(D, C) class multipliers under ``parameters``; None when none was learned (all would be 1)."""
        if not (parameters.analyst_strength or parameters.reliability or parameters.credibility):
            return None
        return parameters.class_factors(list(self.classes))


def evidence_of(question: Question) -> tuple[Evidence, ...]:
    """The evidence that counts: the items written in the file, and what its indicators add."""
    return question.evidence + tuple(indicator_evidence(question))


def stories_of(items) -> dict[str, list[Evidence]]:
    """Items grouped by story, in order of first appearance."""
    grouped: dict[str, list[Evidence]] = {}
    for item in items:
        grouped.setdefault(item.story_key, []).append(item)
    return grouped


def compile_question(question: Question, grades: GradeTable | None = None) -> Compiled:
    """A question's prior and evidence (indicators included) as engine arrays."""
    grades = grades or GradeTable()
    arrays = question_arrays(question)
    weight_of = np.array([grades.weight(grade) for grade in arrays.grades], dtype=float)
    matrix = EvidenceMatrix(
        log_prior=arrays.log_prior, units=arrays.units,
        weights=weight_of[arrays.grade] if weight_of.size else np.zeros(0),
        story=arrays.story, dates=arrays.dates, recorded=arrays.recorded, stories=arrays.stories,
        item_class=arrays.item_class, classes=len(arrays.classes),
        **({"retracted": arrays.retracted, "retraction_known": arrays.retraction_known}
           if np.any(arrays.retracted != posterior.NEVER) else {}),
    )
    return Compiled(matrix, arrays.classes)


class QuestionArrays(Struct, frozen=True):
    """What compiling a question needs besides the grade table: a function of the question alone.

    ``grade`` indexes ``grades`` (the distinct grades as written, ``None`` for
    none); the rest are ``EvidenceMatrix``'s arrays and the sorted classes.
    """

    log_prior: np.ndarray
    units: np.ndarray
    story: np.ndarray
    stories: int
    dates: np.ndarray
    recorded: np.ndarray
    item_class: np.ndarray
    classes: tuple[tuple[str, str, str], ...]
    grade: np.ndarray
    grades: tuple
    retracted: np.ndarray
    retraction_known: np.ndarray
    written: int = 0  # the items written in the file come first; the rest stand for indicators


_ARRAYS = "_engine_arrays"  # the memo's key in a question's __dict__ (as ``functools.cached_property`` keeps its value)


def question_arrays(question: Question) -> QuestionArrays:
    """``QuestionArrays`` of ``question``, worked out once per question object.

    The memo lives in the question itself, so a question kept in the parse
    cache with its arrays (``keep_derived``, below) brings them along: a warm
    ``vane status`` never loops over the items. Questions are frozen, and
    ``dataclasses.replace`` makes a new object without the memo.
    """
    arrays = question.__dict__.get(_ARRAYS)
    if arrays is None:
        arrays = _arrays_of(question)
        question.__dict__[_ARRAYS] = arrays
    return arrays


keep_derived(_ARRAYS, question_arrays)  # questions are cached with their arrays


def _arrays_of(question: Question) -> QuestionArrays:
    ids = question.scenario_ids
    items = evidence_of(question)
    story_index: dict[str, int] = {}
    grade_index: dict[str, int] = {}
    # a column at a time (a list per field): a question's arrays are worked out for every file a command reads
    story = [story_index.setdefault(item.story_key, len(story_index)) for item in items]
    class_of = list(map(item_class, items))
    grade = [grade_index.setdefault(item.grade, len(grade_index)) for item in items]
    dates = [item.date.toordinal() for item in items]
    recorded = list(map(recorded_day, items))
    units = [[item.units.get(sid, 0.0) for sid in ids] for item in items]
    withdrawals = [item.retracted for item in items]
    retracted = [withdrawn.date.toordinal() if withdrawn else posterior.NEVER for withdrawn in withdrawals]
    known = [withdrawn.recorded.date().toordinal() if withdrawn and withdrawn.recorded else day
             for withdrawn, day in zip(withdrawals, retracted)]
    classes = sorted(set(class_of)) or [("", *DEFAULT_GRADE)]
    class_index = {key: index for index, key in enumerate(classes)}
    return QuestionArrays(
        log_prior=np.log(np.array([question.prior.probabilities[sid] for sid in ids])),
        units=np.array(units, dtype=float).reshape(len(items), len(ids)),
        story=np.array(story, dtype=np.int64),
        stories=len(story_index),
        dates=np.array(dates, dtype=np.int64),
        recorded=np.array(recorded, dtype=np.int64),
        item_class=np.array([class_index[key] for key in class_of], dtype=np.int64),
        classes=tuple(classes),
        grade=np.array(grade, dtype=np.int64),
        grades=tuple(grade_index),
        retracted=np.array(retracted, dtype=np.int64),
        retraction_known=np.array(known, dtype=np.int64),
        written=len(question.evidence),
    )


def evaluation_date(question: Question, as_of: dt.date) -> dt.date:
    """The date a view is computed at: ``as_of``, but no later than the horizon once resolved."""
    return min(as_of, question.horizon) if question.is_resolved else as_of


def summarise(draws: np.ndarray, dates, scenario_ids) -> Probabilities:
    """Mean and 80% interval over the draw axis of (D, T, K) probabilities."""
    low, high = quantiles(draws, INTERVAL)
    return Probabilities(tuple(dates), tuple(scenario_ids), draws.mean(axis=0), low, high)


def quantiles(draws: np.ndarray, levels) -> np.ndarray:
    """``np.quantile(draws, levels, axis=0)`` (linear interpolation), without the start-up cost.

    ``np.quantile`` imports ``numpy.ma`` on first use (about 20 ms), which every
    ``vane status`` would pay for two numbers per scenario.
    """
    ordered = np.sort(draws, axis=0)
    position = np.asarray(levels, dtype=float) * (ordered.shape[0] - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, ordered.shape[0] - 1)
    weight = (position - below).reshape((-1,) + (1,) * (ordered.ndim - 1))
    return ordered[below] + weight * (ordered[above] - ordered[below])


def probabilities_at(
    question: Question, parameters: Parameters, dates, strict: bool = False,
) -> Probabilities:
    """Scenario probabilities at each of ``dates`` (model.md, "The posterior at time t").

    The draws of a block of dates are summarised before the next block is
    computed, so the (D, T, K) draws are never all held at once.
    """
    blocks, index = _draw_blocks(question, parameters, [day_number(d) for d in dates], strict)
    parts = [summarise(draws, (), question.scenario_ids) for _, draws in blocks]
    if not parts:
        empty = np.zeros((0, len(question.scenario_ids)))
        return Probabilities(tuple(dates), tuple(question.scenario_ids), empty, empty, empty)
    return Probabilities(
        tuple(dates), tuple(question.scenario_ids),
        *(np.concatenate([getattr(part, name) for part in parts])[index] for name in ("mean", "low", "high")),
    )


def mean_probabilities(question: Question, parameters: Parameters, days: np.ndarray, strict: bool = False) -> np.ndarray:
    """The (T, K) means alone of ``probabilities_at`` on the engine's day numbers ``days`` (``day_number``)."""
    blocks, index = _draw_blocks(question, parameters, days, strict)
    means = [draws.mean(axis=0) for _, draws in blocks]
    if not means:
        return np.zeros((0, len(question.scenario_ids)))
    return np.concatenate(means)[index]


def _draw_blocks(question: Question, parameters: Parameters, days, strict: bool):
    """The posterior draws at the distinct time points among ``days``, a block at a time, and for each day
    the index of its time point."""
    compiled = compile_question(question, parameters.grades)
    distinct, index = posterior.distinct_times(compiled.matrix, days, parameters.theta, strict)
    blocks = posterior.posterior_blocks(compiled.matrix, distinct, parameters.theta, compiled.factors(parameters), strict)
    return blocks, index


def story_effects(
    question: Question, parameters: Parameters, day: dt.date, strict: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Each story's contribution to the log-odds and its leave-one-out change in points at ``day``.

    Both (G, K), means over draws, with stories in the order of ``stories_of(evidence_of(question))``.
    """
    compiled = compile_question(question, parameters.grades)
    return posterior.story_effects(compiled.matrix, day_number(day), parameters.theta,
                                compiled.factors(parameters), strict)


def weekly_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """The end (Sunday) of every ISO week from the one holding ``start`` to ``end``, then ``end``."""
    sunday = start + dt.timedelta(days=6 - start.weekday())
    dates = []
    while sunday < end:
        dates.append(sunday)
        sunday += dt.timedelta(days=7)
    return dates + [end]


def visible_mask(arrays: QuestionArrays, as_of: dt.date, strict: bool = False) -> np.ndarray:
    """``visible_items`` on a question's arrays: which of ``evidence_of``'s items count at ``as_of`` (the items
    themselves need not be unpacked)."""
    limit = day_number(as_of)
    seen = arrays.dates <= limit
    if strict:
        seen &= arrays.recorded <= limit
    withdrawn = arrays.retracted <= limit
    if strict:
        withdrawn &= arrays.retraction_known <= limit
    return seen & ~withdrawn


def visible_items(question: Question, as_of: dt.date, strict: bool = False) -> list[Evidence]:
    """The evidence counting at ``as_of``: dated by then (recorded by then if strict), and not retracted by then."""
    limit = day_number(as_of)
    return [
        item for item in evidence_of(question)
        if day_number(item.date) <= limit and (not strict or recorded_day(item) <= limit)
        and not (item.retracted and item.retracted.in_effect(as_of, strict))
    ]
