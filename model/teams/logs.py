"""The three-way merge of the forecast log: every line of either side, once, in time order.

The log is append-only and each line stands alone (no line refers to another,
nothing chains them), so two branches that both published merge as the union
of their lines. The lines of the common ancestor stay first, in their order
and byte for byte, as every writer of the log keeps them; the lines each side
added follow, sorted by their ``time`` (for equal times: ours before theirs,
each in its own order). A line written on both sides counts once; a line
written twice on one side stays twice, since the merge must not remove
anything either side holds. Only a line both sides removed (a damaged line
fixed on both) is left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from model.fileformat.log_entry import parse_line


@dataclass(frozen=True)
class MergedLog:
    """The merged log's bytes, or the lines that stopped it (``data`` is then None)."""

    data: bytes | None
    problems: tuple[str, ...] = ()


def merge_log(base: bytes, ours: bytes, theirs: bytes) -> MergedLog:
    """The union of three versions of the log (see the module docstring).

    A line that cannot be read cannot be placed in time: it is a conflict, to
    be fixed by hand, never dropped.
    """
    sides = [_entries(data) for data in (ours, theirs)]
    problems = [f"{name} side, line {number}: {reason}" for name, side in zip(("our", "their"), sides)
                for number, reason in side[1]]
    if problems:
        return MergedLog(None, tuple(problems))
    (our_lines, _), (their_lines, _) = sides
    still_there = Counter(line for line, _ in our_lines) | Counter(line for line, _ in their_lines)
    merged = []
    kept = Counter()
    for line in _lines(base):  # the ancestor's lines stay where they are, unless both sides removed them
        if kept[line] < still_there[line]:
            kept[line] += 1
            merged.append(line)
    added = []
    for order, lines in enumerate((our_lines, their_lines)):
        counts = Counter()
        for position, (line, time) in enumerate(lines):
            counts[line] += 1
            if counts[line] > kept[line]:  # more copies than kept so far: this one is new
                added.append((time, order, position, line))
        for line, count in counts.items():
            kept[line] = max(kept[line], count)
    merged += [line for *_, line in sorted(added)]
    return MergedLog(b"".join(line + b"\n" for line in merged))


def _lines(data: bytes) -> list[bytes]:
    return [line.rstrip(b"\r") for line in data.split(b"\n") if line.strip()]


def _entries(data: bytes) -> tuple[list[tuple[bytes, object]], list[tuple[int, str]]]:
    """``([(line, time)], [(line number, problem)])`` for the non-blank lines of one version."""
    lines, problems = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        try:
            lines.append((line, parse_line(line).time))
        except ValueError as error:
            problems.append((number, str(error)))
    return lines, problems
