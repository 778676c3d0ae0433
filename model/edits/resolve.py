"""Resolving a question: what happened, when, and where it says so (``vane resolve``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from model.base.clock import Clock
from model.base.errors import VaneError, did_you_mean
from model.edits.transaction import Edit, edit_question
from model.fileformat.question import Question
from model.fileformat.resolution import ANNULLED, Resolution, render_resolution
from model.fileformat.textedit import replace_block


def check_resolution(question: Question, outcome: str, date: dt.date, note: str, clock: Clock) -> list[str]:
    """Problems with a resolution's arguments, each naming the argument at fault."""
    problems = []
    if outcome not in question.scenario_ids and outcome != ANNULLED:
        hint = did_you_mean(outcome, [*question.scenario_ids, ANNULLED])
        problems.append(f"SCENARIO '{outcome}' is not a scenario of {question.id}{hint}; "
                        f"use one of {', '.join(question.scenario_ids)} or '{ANNULLED}'")
    if date < question.opened:
        problems.append(f"--date {date} is before the question opened ({question.opened})")
    if clock.is_future(date):
        problems.append(f"--date {date} is in the future")
    if not note.strip():
        problems.append("--note must say what happened and where it says so")
    return problems


def resolve(
    path: Path, outcome: str, date: dt.date, note: str, url: str = "", force: bool = False,
    clock: Clock | None = None,
) -> Edit:
    """Record the resolution of the question at ``path``; an earlier one is kept in its history.

    Raises
    ------
    VaneError
        For bad arguments, or when already resolved and ``force`` is not given.
    """
    clock = clock or Clock.system()

    def change(text: str, question: Question) -> tuple[str, Resolution | None]:
        problems = check_resolution(question, outcome, date, note, clock)
        if problems:
            raise VaneError("the question was not resolved:\n  " + "\n  ".join(problems))
        earlier = question.resolution
        if earlier and not force:
            raise VaneError(
                f"{question.id} is already resolved as {earlier.outcome} on {earlier.date}; "
                "use --force to replace that (it is kept in the resolution's history)"
            )
        history = (*earlier.history, _replaced(earlier, clock)) if earlier else ()
        new = Resolution(outcome, date, " ".join(note.split()), url.strip(), history)
        return replace_block(text, "resolution", "resolution:\n" + render_resolution(new)), earlier

    return edit_question(path, change, clock)


def _replaced(resolution: Resolution, clock: Clock) -> Resolution:
    return Resolution(resolution.outcome, resolution.date, resolution.note, resolution.url,
                      replaced=clock.now.replace(microsecond=0))
