"""Errors as values: every problem a user can cause carries the file and line it is about.

This module sits at the bottom of the package and imports only ``textsafe``, which imports nothing, and msgspec.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from msgspec import Struct

from model.base.textsafe import visible


class Problem(Struct, frozen=True, order=True):
    """One thing wrong with a user's file, printed as ``path:line: message``.

    ``line`` is 1-based; a problem with the whole file (unreadable, empty) is
    reported on line 1 so every message has the same ``path:line:`` shape.
    """

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        # one line whatever the path and message hold: a newline in a file name must not fake another problem
        return visible(f"{self.path}:{max(self.line, 1)}: {self.message}")

    def as_dict(self) -> dict:
        """The problem as plain data for ``--json`` output."""
        return {"path": self.path, "line": max(self.line, 1), "message": self.message}


class VaneError(Exception):
    """A mistake the user can fix (bad argument, missing file, invalid question).

    The CLI prints it without a traceback and exits non-zero. ``problems`` holds
    the located problems when there are any (each printed on its own line).
    """

    def __init__(self, message: str, problems: tuple[Problem, ...] | list[Problem] = ()):
        super().__init__(message)
        self.message = message
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return self.message


def display_path(path: Path | str) -> str:
    """A path as the user would like to read it: relative to the current folder when inside it."""
    absolute = Path(os.path.abspath(path))  # not resolve(): keep the user's symlink names
    try:
        return str(absolute.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def did_you_mean(word: str, choices) -> str:
    """A hint such as " (did you mean 'closes'?)" when a close match exists, else ""."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


class Invalid(Struct, frozen=True):
    """What is wrong with one field of something being added, named by its key in the file.

    ``message`` holds ``{field}`` where the field's name goes, so the command
    line can name its own option instead (``--rate`` for ``ratings``).
    """

    field: str
    message: str

    def worded(self, names: dict[str, str] | None = None) -> str:
        """The message with the field called by ``names`` (its key in the file when absent)."""
        return self.message.replace("{field}", (names or {}).get(self.field, self.field))


class Refused(VaneError):
    """An addition refused for problems with its fields; nothing was written."""

    def __init__(self, what: str, invalid: list[Invalid]):
        self.what = what
        self.invalid = tuple(invalid)
        super().__init__(self.worded())

    def worded(self, names: dict[str, str] | None = None) -> str:
        """The refusal with each problem on its own line, fields called by ``names``."""
        return f"{self.what}:\n  " + "\n  ".join(problem.worded(names) for problem in self.invalid)
