"""Adding and observing indicators in a question file (``vane indicator``), with the same safe writes as ``add``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from model.base.clock import Clock
from model.base.dates import utc_seconds
from model.base.errors import VaneError, did_you_mean
from model.edits.tag import NewEvidence, evidence_entry, next_evidence_id, next_id
from model.edits.transaction import Edit, edit_question
from model.engine.indicators import INDICATOR_GRADE, LIKELIHOOD_FLOOR
from model.fileformat.indicator import due_date_problem
from model.fileformat.question import Question
from model.fileformat.textedit import add_to_entry, append_entry


def next_indicator_id(question: Question) -> str:
    """The next free ``i<n>`` id."""
    return next_id(question, "i")


def add_indicator(path: Path, description: str, due: dt.date, probabilities: dict[str, float],
                  clock: Clock | None = None) -> Edit:
    """Add a signpost with ``q_k`` for every scenario (each 0 to 1; they need not sum to 1).

    The edit's result is the new indicator's id and a list of warnings.
    """
    clock = clock or Clock.system()

    def change(text: str, question: Question) -> tuple[str, tuple[str, list[str]]]:
        problems = []
        if not description.strip():
            problems.append("--description must say what to watch for")
        due_problem = due_date_problem(due, question.opened, question.closes)
        if due_problem:
            problems.append(f"--due: {due_problem}")
        unknown = [name for name in probabilities if name not in question.scenario_ids]
        problems += [f"--prob: unknown scenario '{name}'{did_you_mean(name, question.scenario_ids)}" for name in unknown]
        missing = [sid for sid in question.scenario_ids if sid not in probabilities]
        if missing:
            problems.append(f"--prob needs every scenario; missing {', '.join(missing)}")
        problems += [f"--prob {name}={value:g} is not between 0 and 1" for name, value in probabilities.items()
                     if not 0.0 <= value <= 1.0]
        if problems:
            raise VaneError("the indicator was not added:\n  " + "\n  ".join(problems))
        indicator_id = next_indicator_id(question)
        entry = {"id": indicator_id, "description": " ".join(description.split()), "due": due,
                 "recorded": utc_seconds(clock.now),
                 "probabilities": {sid: probabilities[sid] for sid in question.scenario_ids}}
        return append_entry(text, "indicators", entry), (indicator_id, _warnings(due, probabilities, clock))

    return edit_question(path, change, clock)


def _warnings(due: dt.date, probabilities: dict[str, float], clock: Clock) -> list[str]:
    warnings = []
    if max(probabilities.values()) - min(probabilities.values()) < 1e-12:
        warnings.append("every scenario gives it the same chance: seeing it (or not) would change nothing")
    if due < clock.today:
        warnings.append(f"its due date {due} has passed: unless you observe it, its absence counts as evidence now")
    return warnings


def observe_indicator(path: Path, indicator_id: str, date: dt.date, summary: str = "", source: str = "",
                      url: str = "", grade: str = INDICATOR_GRADE, clock: Clock | None = None) -> Edit:
    """Record that a signpost was seen: a new evidence item with likelihoods ``q_k``, linked from the indicator."""
    clock = clock or Clock.system()

    def change(text: str, question: Question) -> tuple[str, str]:
        indicator = next((i for i in question.indicators if i.id == indicator_id), None)
        if indicator is None:
            known = [i.id for i in question.indicators]
            raise VaneError(f"{question.id} has no indicator '{indicator_id}'{did_you_mean(indicator_id, known)}")
        if indicator.observed:
            raise VaneError(f"indicator {indicator_id} was already observed on {indicator.observed}")
        if clock.is_future(date):
            raise VaneError(f"--date {date} is in the future")
        likelihoods = {sid: float(np.clip(indicator.probabilities[sid], LIKELIHOOD_FLOOR, 1.0)) for sid in question.scenario_ids}
        new = NewEvidence(summary=summary or f"Indicator observed: {indicator.description}", date=date,
                          likelihoods=likelihoods, source=source, url=url, grade=grade)
        item_id = next_evidence_id(question)
        text = append_entry(text, "evidence", evidence_entry(new, item_id, question, clock.now))
        return add_to_entry(text, "indicators", indicator_id, {"observed": date, "evidence": item_id}), item_id

    return edit_question(path, change, clock)
