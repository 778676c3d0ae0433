"""Reading a long forecast log as columns, in several processes when it pays.

Reading the log is most of ``vane score`` on a long one (a line of five
probabilities takes about 6 us: a minute for 10 million). The lines are
independent, so a log of at least ``RANGE_BYTES`` per core is cut
into ranges of whole lines that forked workers read (``log_entry.read_columns``
on each range, with their own ``LogTables``). The ranges come back in order;
their codes are renumbered into the caller's tables and their line numbers
shifted, so the caller gets exactly what reading the log in this process gives,
a range at a time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.base.errors import Problem
from model.fileformat.log_entry import LogColumns, LogTables, read_columns
from model.workspace import parallel

RANGE_BYTES = 1 << 23  # a worker's share at a time: about 0.3 s of reading, and about 3 MB of columns sent back
MIN_RANGES_PER_WORKER = 1  # a worker starts in about 20 ms: one range pays for it


def log_columns(path: Path, tables: LogTables):
    """The log's entries and problems as ``read_columns`` yields them (numbered in ``tables``), in order."""
    size = path.stat().st_size if path.exists() else 0
    workers = parallel.worker_count(size // RANGE_BYTES, per_worker=MIN_RANGES_PER_WORKER)
    if workers <= 1:
        yield from read_columns(path, tables)
        return
    first = 1  # the line number of the range's first line
    for columns, codes, problems, lines in parallel.ordered_map(_read_range, _ranges(path, size), workers):
        yield _renumbered(columns, codes, tables, first - 1), [
            Problem(problem.path, problem.line + first - 1, problem.message) for problem in problems]
        first += lines


def _ranges(path: Path, size: int) -> list[tuple[Path, int, int]]:
    """``(path, start, end)`` of consecutive ranges of whole lines, about ``RANGE_BYTES`` each."""
    ends = []
    with open(path, "rb") as stream:
        position = RANGE_BYTES
        while position < size:
            stream.seek(position - 1)
            while True:  # to just after the next newline (a range ends with its last line's newline)
                block = stream.read(1 << 16)
                newline = block.find(b"\n")
                if newline >= 0 or not block:
                    break
                position += len(block)
            end = min(position + newline, size) if block else size
            ends.append(end)
            position = end + RANGE_BYTES
    starts = [0, *ends]
    return [(path, start, end) for start, end in zip(starts, [*ends, size]) if end > start]


def _read_range(job: tuple[Path, int, int]):
    """In a worker: one range's columns (codes in its own tables), problems, and the newlines it holds."""
    path, start, end = job
    tables = LogTables()
    parts, problems = [], []
    for columns, found in read_columns(path, tables, start=start, end=end):
        parts.append(columns)
        problems += found
    with open(path, "rb") as stream:
        stream.seek(start)
        lines = stream.read(end - start).count(b"\n")
    codes = (tables.questions, tables.forecasters, tables.signatures)
    return LogColumns.joined(parts), codes, problems, lines  # (a range is never empty: one part at least)


def _renumbered(columns: LogColumns, codes, tables: LogTables, shift: int) -> LogColumns:
    """A range's columns with its codes in ``tables`` and its line numbers ``shift`` later."""
    questions, forecasters, signatures = (
        np.array([number(value) for value in values], dtype=np.int64)
        for number, values in ((tables.question, codes[0]), (tables.forecaster, codes[1]), (tables.signature, codes[2])))
    return LogColumns(columns.line + shift, questions[columns.question], forecasters[columns.forecaster], columns.kind,
                      columns.micros, signatures[columns.signature], columns.values, columns.offsets)
