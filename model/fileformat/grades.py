"""Admiralty source grades and their weights (model.md, "Source grades -> weights")."""

from __future__ import annotations

import re

from msgspec import Struct, field

DEFAULT_GRADE = "F6"


_GRADE = re.compile(r"^([A-F])([1-6])$")


RELIABILITY = {"A": 1.0, "B": 0.85, "C": 0.65, "D": 0.45, "E": 0.25, "F": 0.6}


CREDIBILITY = {"1": 1.0, "2": 0.85, "3": 0.65, "4": 0.45, "5": 0.25, "6": 0.6}


GRADE_MEANING = "a source letter A-F and a credibility digit 1-6, e.g. B2"


def parse_grade(text: str) -> str:
    """Normalise a grade such as ``b2`` to ``B2``.

    Raises
    ------
    ValueError
        When it is not a letter A-F followed by a digit 1-6.
    """
    cleaned = text.strip().upper()
    if not _GRADE.match(cleaned):
        raise ValueError(f"grade '{text}' is not {GRADE_MEANING}")
    return cleaned


class GradeTable(Struct, frozen=True):
    """Weights per source letter and credibility digit; ``w = rel(letter) * cred(digit)``."""

    reliability: dict[str, float] = field(default_factory=lambda: dict(RELIABILITY))
    credibility: dict[str, float] = field(default_factory=lambda: dict(CREDIBILITY))

    def weight(self, grade: str) -> float:
        """The weight of a normalised grade; an empty grade counts as F6."""
        letter, digit = (grade or DEFAULT_GRADE)
        return self.reliability[letter] * self.credibility[digit]
