"""A new question file, ready to edit: ``vane new``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from model.base.clock import Clock
from model.base.errors import VaneError
from model.base.safewrite import create_new
from model.fileformat.question import question_text
from model.workspace.folder import new_question_file
from model.workspace.loader import load_question_text


def create_question(
    folder: Path, question_id: str, title: str, closes: dt.date, scenarios: dict[str, str],
    prior: dict[str, float] | None = None, basis: str = "", ordered: bool = False,
    opened: dt.date | None = None, clock: Clock | None = None, tags: tuple[str, ...] = (),
) -> Path:
    """Write ``<folder>/<question_id>.yaml``; refuses ids that are taken and files that would not validate.

    Raises
    ------
    VaneError
        With every problem the new file would have.
    """
    clock = clock or Clock.system()
    path = new_question_file(folder, question_id)
    text = question_text(title, opened or clock.today, closes, scenarios, prior, basis, ordered, tags)
    _, problems = load_question_text(text, path, clock)
    if problems:
        raise VaneError("the new question would not be valid:", problems)
    create_new(path, text)
    return path
