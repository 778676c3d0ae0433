"""Plain-text tables and words for the terminal; numbers are formatted by ``model.base.numbers``."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 story', '3 stories'."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset(), indent: str = "  ") -> str:
    """A table with columns padded to their widest cell; ``right`` holds right-aligned columns."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells) -> str:
        padded = [
            str(cell).rjust(width) if index in right else str(cell).ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths))
        ]
        return (indent + "  ".join(padded)).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])

