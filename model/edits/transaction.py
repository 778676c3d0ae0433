"""An edit of a question file as one transaction: lock, read and validate, change, validate, write once.

A file with problems is never edited, and an edit that would leave problems
is refused with nothing written. The text surgery itself is
``model.fileformat.textedit``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from msgspec import Struct

from model.base.clock import Clock
from model.base.errors import VaneError, display_path
from model.base.safewrite import atomic_write, locked
from model.fileformat.question import Question
from model.fileformat.textedit import Draft
from model.fileformat.yamlread import read_file_text
from model.workspace.cache import ParseCache
from model.workspace.loader import question_of


class Edit(Struct, frozen=True):
    """The outcome of an edit: the question before and after, and what the change returned."""

    before: Question
    after: Question
    result: Any


def edit_question(path: Path, change: Callable[[Draft, Question], tuple[Draft, Any]], clock: Clock | None = None) -> Edit:
    """Apply ``change(draft, question) -> (new_draft, result)`` to the question file at ``path`` safely.

    The file is read and parsed once, under its lock; ``question`` is the
    validated question the draft reads as. The change works on the draft with
    ``model.fileformat.textedit``, whose drafts carry their parsed tree, so
    the new text is validated without another parse. ``change`` raises
    ``VaneError`` to refuse; nothing is written then.

    Raises
    ------
    VaneError
        When the file has problems, the change refuses, or the lock is held too long.
    """
    clock = clock or Clock.system()
    where = display_path(path)
    with locked(path):
        draft = Draft.parse(read_file_text(path), where)
        before = _valid(draft, path, clock, f"{where} has problems, so it was not changed; fix them first")
        changed, result = change(draft, before)
        # a problem now is a bug in the change, never the user's fault: refuse rather than write a broken file
        after = _valid(changed, path, clock, f"{where}: the edit would make the file invalid; nothing was written")
        written = changed.with_line_endings_of(draft).text
        atomic_write(path, written)
    if written == changed.text:  # the text ``after`` was read from: the next command need not parse it again
        _remember(path, written, after)
    return Edit(before, after, result)


def _remember(path: Path, text: str, question: Question) -> None:
    """Put a question just written into its workspace's parse cache (when the file is in ``scenarios/``)."""
    folder = Path(path).absolute().parent
    cache = ParseCache.of(folder.parent) if folder.name == "scenarios" else None
    if cache:
        cache.keep(display_path(path), text, question)


def _valid(draft: Draft, path: Path, clock: Clock, refusal: str) -> Question:
    """The question ``draft`` reads as, or ``VaneError(refusal)`` with its problems."""
    question, problems = question_of(draft.root, draft.problems, path, clock)
    if problems:
        raise VaneError(refusal, problems)
    return question
