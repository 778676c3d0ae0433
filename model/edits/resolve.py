"""Resolving a question: what happened, when, and where it says so (``vane resolve``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from model.base.clock import Clock
from model.base.errors import Invalid, Refused, VaneError, did_you_mean
from model.edits.transaction import Edit, edit_question
from model.fileformat.question import Question
from model.fileformat.resolution import ANNULLED, Resolution, render_resolution
from model.fileformat.textedit import Draft, replace_block
from model.fileformat.values import is_url


def check_resolution(question: Question, new: Resolution, clock: Clock) -> list[Invalid]:
    """Problems with a new resolution, each naming the field at fault."""
    problems = []
    if new.outcome not in question.scenario_ids and new.outcome != ANNULLED:
        hint = did_you_mean(new.outcome, [*question.scenario_ids, ANNULLED])
        problems.append(Invalid("scenario", f"{{field}} '{new.outcome}' is not a scenario of {question.id}{hint}; "
                                            f"use one of {', '.join(question.scenario_ids)} or '{ANNULLED}'"))
    if new.date < question.opened:
        problems.append(Invalid("date", f"{{field}} {new.date} is before the question opened ({question.opened})"))
    if clock.is_future(new.date):
        problems.append(Invalid("date", f"{{field}} {new.date} is in the future"))
    if not new.note.strip():
        problems.append(Invalid("note", "{field} must say what happened and where it says so"))
    if new.url and not is_url(new.url):
        problems.append(Invalid("url", f"{{field}} '{new.url}' must be an http:// or https:// address"))
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

    def change(draft: Draft, question: Question) -> tuple[Draft, Resolution | None]:
        problems = check_resolution(question, Resolution(outcome, date, note, url.strip()), clock)
        if problems:
            raise Refused("the question was not resolved", problems)
        earlier = question.resolution
        if earlier and not force:
            raise VaneError(
                f"{question.id} is already resolved as {earlier.outcome} on {earlier.date}; "
                "use --force to replace that (it is kept in the resolution's history)"
            )
        history = (*earlier.history, _replaced(earlier, clock)) if earlier else ()
        new = Resolution(outcome, date, " ".join(note.split()), url.strip(), history)
        return replace_block(draft, "resolution", "resolution:\n" + render_resolution(new)), earlier

    return edit_question(path, change, clock)


def _replaced(resolution: Resolution, clock: Clock) -> Resolution:
    return Resolution(resolution.outcome, resolution.date, resolution.note, resolution.url,
                      replaced=clock.now.replace(microsecond=0))
