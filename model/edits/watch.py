"""Adding and observing indicators in a question file (``vane indicator``), with the same safe writes as ``add``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from model.base.clock import Clock
from model.base.errors import Invalid, Refused, VaneError, did_you_mean
from model.edits.tag import append_evidence, next_id
from model.edits.transaction import Edit, edit_question
from model.engine.indicators import INDICATOR_GRADE, LIKELIHOOD_FLOOR
from model.fileformat.evidence import Evidence
from model.fileformat.indicator import Indicator, due_date_problem, indicator_entry
from model.fileformat.question import Question
from model.fileformat.ratings import likelihood_units
from model.fileformat.textedit import Draft, add_to_entry, append_entry


def next_indicator_id(question: Question) -> str:
    """The next free ``i<n>`` id."""
    return next_id(question, "i")


def check_new_indicator(new: Indicator, question: Question) -> list[Invalid]:
    """Problems with a new indicator, each naming the field at fault."""
    problems = []
    if not new.description.strip():
        problems.append(Invalid("description", "{field} must say what to watch for"))
    due_problem = due_date_problem(new.due, question.opened, question.closes)
    if due_problem:
        problems.append(Invalid("due", f"{{field}}: {due_problem}"))
    ids = question.scenario_ids
    problems += [Invalid("probabilities", f"{{field}}: unknown scenario '{name}'{did_you_mean(name, ids)}")
                 for name in new.probabilities if name not in ids]
    missing = [sid for sid in ids if sid not in new.probabilities]
    if missing:
        problems.append(Invalid("probabilities", f"{{field}} needs every scenario; missing {', '.join(missing)}"))
    problems += [Invalid("probabilities", f"{{field}} {name}={value:g} is not between 0 and 1")
                 for name, value in new.probabilities.items() if not 0.0 <= value <= 1.0]
    return problems


def add_indicator(path: Path, description: str, due: dt.date, probabilities: dict[str, float],
                  clock: Clock | None = None) -> Edit:
    """Add a signpost with ``q_k`` for every scenario (each 0 to 1; they need not sum to 1).

    The edit's result is the new indicator's id and a list of warnings.
    """
    clock = clock or Clock.system()
    new = Indicator(id="", description=description, due=due, probabilities=probabilities)

    def change(draft: Draft, question: Question) -> tuple[Draft, tuple[str, list[str]]]:
        problems = check_new_indicator(new, question)
        if problems:
            raise Refused("the indicator was not added", problems)
        indicator = Indicator(
            id=next_indicator_id(question), description=" ".join(description.split()), due=due,
            probabilities={sid: probabilities[sid] for sid in question.scenario_ids}, recorded=clock.now,
        )
        return append_entry(draft, "indicators", indicator_entry(indicator)), (indicator.id, _warnings(new, clock))

    return edit_question(path, change, clock)


def _warnings(new: Indicator, clock: Clock) -> list[str]:
    warnings = []
    if max(new.probabilities.values()) - min(new.probabilities.values()) < 1e-12:
        warnings.append("every scenario gives it the same chance: seeing it (or not) would change nothing")
    if new.due < clock.today:
        warnings.append(f"its due date {new.due} has passed: unless you observe it, its absence counts as evidence now")
    return warnings


def observe_indicator(path: Path, indicator_id: str, date: dt.date, summary: str = "", source: str = "",
                      url: str = "", grade: str = INDICATOR_GRADE, clock: Clock | None = None) -> Edit:
    """Record that a signpost was seen: a new evidence item with likelihoods ``q_k``, linked from the indicator."""
    clock = clock or Clock.system()

    def change(draft: Draft, question: Question) -> tuple[Draft, str]:
        indicator = next((i for i in question.indicators if i.id == indicator_id), None)
        if indicator is None:
            known = [i.id for i in question.indicators]
            raise VaneError(f"{question.id} has no indicator '{indicator_id}'{did_you_mean(indicator_id, known)}")
        if indicator.observed:
            raise VaneError(f"indicator {indicator_id} was already observed on {indicator.observed}")
        seen = Evidence(
            id="", date=date, summary=summary or f"Indicator observed: {indicator.description}", source=source,
            url=url, grade=grade, scale="likelihoods",
            units={sid: likelihood_units(min(max(indicator.probabilities[sid], LIKELIHOOD_FLOOR), 1.0))
                   for sid in question.scenario_ids},
        )
        draft, item_id = append_evidence(draft, seen, question, clock)
        return add_to_entry(draft, "indicators", indicator_id, {"observed": date, "evidence": item_id}), item_id

    return edit_question(path, change, clock)
