"""Indicators (signposts): what they add as evidence, and which are most worth watching.

model.md, "Indicators and value of information": an observed indicator is
evidence with likelihoods ``q_k``; once its due date has passed unobserved, the
absence is evidence with likelihoods ``1 - q_k``. Open indicators are ranked by
the mutual information between them and the scenario.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from msgspec import Struct, field

from model.engine.posterior import information_gain
from model.fileformat.evidence import Evidence
from model.fileformat.indicator import Indicator
from model.fileformat.question import Question
from model.fileformat.ratings import likelihood_units

INDICATOR_GRADE = "A1"  # whether a signpost happened by its date is a plain fact: full weight


LIKELIHOOD_FLOOR = 1e-3  # a q of exactly 0 or 1 would make a scenario impossible outright


def _units(probabilities: dict[str, float], question: Question, observed: bool) -> dict[str, float]:
    return {
        sid: likelihood_units(float(np.clip(q if observed else 1.0 - q, LIKELIHOOD_FLOOR, 1.0)))
        for sid, q in ((sid, probabilities[sid]) for sid in question.scenario_ids)
    }


def indicator_evidence(question: Question) -> list[Evidence]:
    """Evidence the indicators add: observations not recorded as an evidence item, and absences.

    An absence is dated the day after the due date, so views up to the due date do
    not see it. An observation linked to an evidence item adds nothing here: the
    item already counts.

    Strict views (model.md: recorded by then) need to know when the tool could have
    known. An absence was knowable once the day after the due date had come, and only
    if the indicator had been entered by then; an observation written into the file
    by hand has no record of when it was entered, so strict views never see it
    (``vane indicator observe`` records it as an evidence item, with its time).
    """
    items = []
    for indicator in question.indicators:
        if indicator.observed and not indicator.evidence:
            items.append(Evidence(
                id=f"{indicator.id}-observed", date=indicator.observed,
                summary=f"Indicator observed: {indicator.description}",
                units=_units(indicator.probabilities, question, observed=True), grade=INDICATOR_GRADE,
                indicator=indicator.id,
            ))
        elif not indicator.observed:
            after = indicator.due + dt.timedelta(days=1)
            knowable = dt.datetime.combine(after, dt.time(), dt.timezone.utc)
            items.append(Evidence(
                id=f"{indicator.id}-absent", date=after,
                summary=f"Indicator not observed by {indicator.due}: {indicator.description}",
                units=_units(indicator.probabilities, question, observed=False),
                recorded=max(knowable, indicator.recorded) if indicator.recorded else None, grade=INDICATOR_GRADE,
                indicator=indicator.id,
            ))
    return items


def overdue(question: Question, as_of: dt.date) -> list[Indicator]:
    """Indicators whose due date has passed unobserved by ``as_of`` (their absence now counts)."""
    return [i for i in question.indicators if not i.observed and i.due < as_of]


class WatchItem(Struct, frozen=True):
    """An open indicator with what it is worth watching, and where each answer would leave the question."""

    indicator: Indicator
    information_bits: float
    chance_observed: float
    if_observed: dict[str, float]
    if_not: dict[str, float]
    now: dict[str, float] = field(default_factory=dict)  # the belief the answers update

    @staticmethod
    def leading(belief: dict[str, float]) -> str:
        """'deal 72%': the most probable scenario of a belief."""
        scenario = max(belief, key=belief.get)
        return f"{scenario} {100 * belief[scenario]:.0f}%"

    @property
    def moves_most(self) -> str:
        """'deal 30% → 72% if seen, 21% if not': the scenario either answer would change most, and how."""
        if not self.now:
            return ""
        scenario = max(self.now, key=lambda sid: max(abs(self.if_observed[sid] - self.now[sid]),
                                                      abs(self.if_not[sid] - self.now[sid])))
        return (f"{scenario} {100 * self.now[scenario]:.0f}% → {100 * self.if_observed[scenario]:.0f}% if seen, "
                f"{100 * self.if_not[scenario]:.0f}% if not")


def to_watch(question: Question, belief: np.ndarray, as_of: dt.date) -> list[WatchItem]:
    """Open indicators (not observed, not yet due) ranked by expected information gain under ``belief``."""
    ranked = []
    for indicator in question.indicators:
        if indicator.observed or indicator.due < as_of:
            continue
        q = np.array([indicator.probabilities[sid] for sid in question.scenario_ids])
        chance = float(np.dot(belief, q))
        ranked.append(WatchItem(
            indicator, information_gain(belief, q), chance,
            _update(question, belief, q), _update(question, belief, 1.0 - q),
            dict(zip(question.scenario_ids, map(float, belief))),
        ))
    return sorted(ranked, key=lambda item: -item.information_bits)


def _update(question: Question, belief: np.ndarray, likelihood: np.ndarray) -> dict[str, float]:
    joint = belief * likelihood
    total = joint.sum()
    posterior = joint / total if total > 0 else belief
    return dict(zip(question.scenario_ids, map(float, posterior)))
