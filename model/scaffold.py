"""A new question file, ready to edit: ``vane new``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from model.errors import VaneError
from model.loader import load_question_text
from model.safewrite import create_new
from model.schema import IDENTIFIER, IDENTIFIER_TEXT, Clock


def question_text(
    title: str, opened: dt.date, closes: dt.date, scenarios: dict[str, str],
    prior: dict[str, float] | None = None, basis: str = "", ordered: bool = False,
) -> str:
    """The YAML text of a new question, commented for a first-time user."""
    quoted = json.dumps  # a JSON string is a valid double-quoted YAML scalar
    if prior:
        probabilities = "{" + ", ".join(f"{sid}: {value:g}" for sid, value in prior.items()) + "}"
    else:
        probabilities = "uniform"
    lines = [
        f"# {title}",
        "# A Weathervane question; the format is described in docs/format.md.",
        "# Tag evidence with: vane add <question> --summary \"...\" --rate <scenario>=+",
        f"question: {quoted(title)}",
        f"opened: {opened}",
        f"closes: {closes}",
    ]
    lines += ["ordered: true   # scenarios are in order (date bins, escalation levels)"] if ordered else []
    lines += ["scenarios:   # mutually exclusive, together exhaustive"]
    lines += [f"  {sid}: {quoted(description)}" for sid, description in scenarios.items()]
    lines += [
        "prior:",
        f"  basis: {quoted(basis or 'uniform: no base rate chosen yet')}",
        f"  probabilities: {probabilities}",
        "evidence: []",
        "indicators: []",
    ]
    return "\n".join(lines) + "\n"


def create_question(
    folder: Path, question_id: str, title: str, closes: dt.date, scenarios: dict[str, str],
    prior: dict[str, float] | None = None, basis: str = "", ordered: bool = False,
    opened: dt.date | None = None, clock: Clock | None = None,
) -> Path:
    """Write ``<folder>/<question_id>.yaml``; refuses ids that are taken and files that would not validate.

    Raises
    ------
    VaneError
        With every problem the new file would have.
    """
    clock = clock or Clock.system()
    if not IDENTIFIER.match(question_id):
        raise VaneError(f"question id '{question_id}' must be {IDENTIFIER_TEXT}")
    path = folder / f"{question_id}.yaml"
    text = question_text(title, opened or clock.today, closes, scenarios, prior, basis, ordered)
    _, problems = load_question_text(text, path, clock)
    if problems:
        raise VaneError("the new question would not be valid:", problems)
    create_new(path, text)
    return path
