"""What a new evidence item gets when the analyst leaves a field out, and the words that say so.

``vane add`` and ``vane indicator observe`` fill in the same way: the date is
today, and the grade is the one last given to an item from the same source
(the same name, ignoring case and spacing), so a source graded once keeps its
grade; without one, the command's own default applies. Every filled-in value is
said out loud, because a silent default (an old article stamped today, an
unknown source at F6) is how a forecast goes wrong unnoticed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from msgspec import Struct

from model.fileformat.grades import DEFAULT_GRADE, GradeTable
from model.fileformat.question import Question


def source_key(source: str) -> str:
    """A source's name as compared: case and spacing ignored."""
    return " ".join(source.casefold().split())


def last_grade(source: str, questions: Iterable[Question]) -> str:
    """The grade of the most recently tagged item from ``source`` that has one, or "" when none has."""
    key = source_key(source)
    if not key:
        return ""
    latest, grade = (-math.inf, dt.date.min), ""
    for question in questions:
        for item in question.evidence:
            if item.grade and source_key(item.source) == key:
                when = (item.recorded.timestamp() if item.recorded else -math.inf, item.date)
                if when >= latest:
                    latest, grade = when, item.grade
    return grade


def used_grade(source: str, question: Question, workspace) -> str:
    """The grade last given to ``source``: in ``question``, else in any question of ``workspace``."""
    if not source_key(source):
        return ""
    from model.workspace.loader import (
        load_workspace,  # the whole workspace only when the question has no such item
    )

    return last_grade(source, [question]) or last_grade(source, load_workspace(workspace).questions)


class Filled(Struct, frozen=True):
    """A field's value and, when the analyst did not give it, why it is what it is."""

    value: str
    note: str = ""  # "" when the analyst gave the value


def date_default(today: dt.date) -> Filled:
    """The date of an item given none: today, and a note saying so."""
    return Filled(today.isoformat(), "today, as no date was given: --date sets when it happened")


def grade_default(source: str, used: str, fallback: str, grades: GradeTable, why_fallback: str) -> Filled:
    """The grade of an item given none: ``used`` (the grade last given to ``source``), else ``fallback``.

    ``why_fallback`` says why the fallback is what it is.
    """
    if used:
        return Filled(used, f"the grade last given to {source.strip()}")
    grade = fallback or DEFAULT_GRADE
    return Filled(grade, f"{why_fallback} (weight {grades.weight(grade):.2f}); --grade sets it")


UNKNOWN_SOURCE = "no grade was given, nor ever to this source: reliability and credibility unknown"
"""Why a new item without a grade is F6."""
