"""An edit of a question file as one transaction: lock, read and validate, change, validate, write once.

A file with problems is never edited, and an edit that would leave problems
is refused with nothing written. The text surgery itself is
``model.fileformat.textedit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from model.base.clock import Clock
from model.base.errors import VaneError, display_path
from model.base.safewrite import atomic_write, locked
from model.fileformat.question import Question
from model.fileformat.textedit import same_line_endings
from model.fileformat.yamlread import read_file_text
from model.workspace.loader import load_question_text


@dataclass(frozen=True)
class Edit:
    """The outcome of an edit: the question before and after, and what the change returned."""

    before: Question
    after: Question
    result: Any


def edit_question(path: Path, change: Callable[[str, Question], tuple[str, Any]], clock: Clock | None = None) -> Edit:
    """Apply ``change(text, question) -> (new_text, result)`` to the question file at ``path`` safely.

    ``question`` is the validated question the text was read as. ``change``
    raises ``VaneError`` to refuse; nothing is written then.

    Raises
    ------
    VaneError
        When the file has problems, the change refuses, or the lock is held too long.
    """
    clock = clock or Clock.system()
    with locked(path):
        text = read_file_text(path)
        before, problems = load_question_text(text, path, clock)
        if problems:
            raise VaneError(f"{display_path(path)} has problems, so it was not changed; fix them first", problems)
        new_text, result = change(text, before)
        new_text = same_line_endings(text, new_text)
        after, problems = load_question_text(new_text, path, clock)
        if problems:  # a bug in the change, never the user's fault: refuse rather than write a broken file
            raise VaneError(f"{display_path(path)}: the edit would make the file invalid; nothing was written", problems)
        atomic_write(path, new_text)
    return Edit(before, after, result)
