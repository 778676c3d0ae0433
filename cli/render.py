"""Plain-text tables and words for the terminal; numbers are formatted by ``model.base.numbers``.

Everything here measures text by the columns it takes on screen, as ``say``
will print it (a control character as its escape, a CJK character in two
columns, a combining accent in none), and fits it to the terminal's
width: a table gives its one free-text column what is left, moves it to a line
of its own when too little is, and cuts any line still too long with "…", so
no row ever wraps.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import unicodedata

from model.base.textsafe import visible

NOT_A_TERMINAL_WIDTH = 100  # tables in a file or a pipe: wide enough for most, narrow enough to read
NARROWEST = 40
FREE_TEXT_MIN = 16  # a free-text column narrower than this moves to its own line


def screen_width() -> int | None:
    """The terminal's width: ``$COLUMNS``, else the size of the terminal on standard output; None for a file or pipe."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(NARROWEST, int(columns))
    try:
        return max(NARROWEST, os.get_terminal_size(sys.__stdout__.fileno()).columns)
    except (AttributeError, ValueError, OSError):
        return None


def terminal_width() -> int:
    """Columns a table fits in: the terminal's (``screen_width``), else ``NOT_A_TERMINAL_WIDTH``."""
    return screen_width() or NOT_A_TERMINAL_WIDTH


def width_of(text: str) -> int:
    """Columns ``text`` takes on a terminal (shown as ``visible`` makes it)."""
    text = visible(text)
    if text.isascii():
        return len(text)
    # one column per ASCII character; only the others are looked up (a status line has a few "·" and "▁")
    others = _NOT_ASCII.findall(text)
    return len(text) - len(others) + sum(map(_columns, others))


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=4096)
def _columns(character: str) -> int:
    if unicodedata.combining(character) or unicodedata.category(character) == "Cf":
        return 0
    return 2 if unicodedata.east_asian_width(character) in "WF" else 1


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 story', '3 stories'."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` columns with an ellipsis."""
    text = " ".join(text.split())
    return cut(text, width)


def cut(text: str, width: int) -> str:
    """``text`` made ``visible`` and cut to ``width`` columns, ending in "…" when anything was cut."""
    text = visible(text)
    if width_of(text) <= width:
        return text
    if text.isascii():  # (a column a character: a table of 100,000 rows cut them all)
        return text[: max(width - 1, 0)].rstrip() + "…"
    kept, used = [], 0
    for character in text:
        used += _columns(character)
        if used > width - 1:
            break
        kept.append(character)
    return "".join(kept).rstrip() + "…"


def fit_lines(text: str, width: int | None = None) -> str:
    """Every line of ``text`` cut to the terminal's width (``width`` when given)."""
    width = width or terminal_width()
    return "\n".join(cut(line, width) for line in text.split("\n"))


def joined(parts: list[str], width: int | None = None, indent: str = "  ", separator: str = " · ") -> str:
    """``parts`` on one line between separators, broken between parts where it would be wider than the terminal
    (``width`` when given; never broken in a file or pipe)."""
    width = width or screen_width() or 1 << 30
    lines, line = [], indent
    for part in parts:
        candidate = line + (separator if line != indent else "") + part
        if line != indent and width_of(candidate) > width:
            lines.append(line)
            candidate = indent + part
        line = candidate
    lines.append(line)
    return "\n".join(cut(line, width) for line in lines)


def wrapped(text: str, width: int | None = None, indent: str = "") -> str:
    """Each line of ``text`` broken between words to fit the terminal (``width`` when given).

    A broken line's later parts keep its own leading spaces plus ``indent``; a
    word longer than a line (a long path) is kept whole rather than cut. In a
    file or a pipe nothing is broken: a reader or a ``grep`` gets whole lines.
    """
    import textwrap

    width = width or screen_width()
    if width is None:
        return text
    lines = []
    for line in text.split("\n"):
        lead = line[: len(line) - len(line.lstrip(" "))]
        lines += textwrap.wrap(visible(line), width, subsequent_indent=lead + indent, break_on_hyphens=False,
                               break_long_words=False) or [""]  # a path longer than the line stays whole
    return "\n".join(lines)


def _pad(cell: str, width: int, right: bool) -> str:
    space = " " * max(0, width - width_of(cell))
    return space + cell if right else cell + space


def table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset(), indent: str = "  ",
          free: int | None = None, width: int | None = None) -> str:
    """A table with columns padded to their widest cell, fitted to the terminal.

    ``right`` holds right-aligned columns; ``free`` is the column of free text
    (a summary) that gives way when the table is wider than ``width`` (the
    terminal's by default): it is cut to what the other columns leave, or,
    when that is under ``FREE_TEXT_MIN`` columns, printed under its row.
    """
    width = width or terminal_width()
    headers = [visible(str(cell)) for cell in headers]
    rows = [[visible(str(cell)) for cell in row] for row in rows]
    widths = [max(width_of(cell) for cell in column) for column in zip(headers, *rows)]
    below = False
    if free is not None:
        others = width_of(indent) + sum(w + 2 for index, w in enumerate(widths) if index != free)
        room = width - others
        below = room < min(FREE_TEXT_MIN, widths[free])
        widths[free] = min(widths[free], max(room, 0))

    def line(cells: list[str]) -> str:
        padded = [_pad(cut(cell, widths[index]) if index == free else cell, widths[index], index in right)
                  for index, cell in enumerate(cells) if not (below and index == free)]
        return cut((indent + "  ".join(padded)).rstrip(), width)

    lines = [line(list(headers))]
    for row in rows:
        lines.append(line(row))
        if below and row[free]:
            lines.append(cut(f"{indent}    {row[free]}", width))
    return "\n".join(lines)
