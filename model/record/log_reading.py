"""Reading a long forecast log as columns: in several processes when it pays, and once.

Reading the log is most of ``vane score`` on a long one (a line of five
probabilities takes about 10 us of CPU: 100 s for 10 million). The lines are
independent, so a log of at least ``RANGE_BYTES`` per core is cut into ranges
of whole lines that forked workers read (``log_entry.read_columns`` on each
range, with their own ``LogTables``). The ranges come back in order; their
codes are renumbered into the caller's tables and their line numbers shifted,
so the caller gets exactly what reading the log in this process gives, a range
at a time. What was read is kept (``log_cache``), so the next command reads
only the lines appended since.

Besides the columns themselves: ``check_log`` (``vane check``), and the few
entries a command needs whole (``entries_on``, ``logged_identities``), read
again from their lines.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from model.base import parallel
from model.base.errors import Problem, display_path
from model.fileformat.log_entry import (
    CHUNK_BYTES,
    KIND_CODES,
    LogColumns,
    LoggedForecast,
    LogTables,
    micros_of,
    parse_line,
    read_columns,
    reserved_kind,
)
from model.record import log_cache

RANGE_BYTES = 1 << 23  # a worker's share at a time: about 0.3 s of reading, and about 3 MB of columns sent back
MIN_RANGES_PER_WORKER = 1  # a worker starts in about 20 ms: one range pays for it


def log_columns(path: Path, tables: LogTables):
    """The log's entries and problems as ``read_columns`` yields them (numbered in ``tables``), in order.

    A long log's columns are kept in this user's cache (``log_cache``): what was
    read before is taken from there when the log still begins with the same
    bytes, and only the lines after them are read.
    """
    size = path.stat().st_size if path.exists() else 0
    folder = log_cache.folder_for(path) if size >= log_cache.MIN_BYTES else None
    cached = log_cache.read_cache(folder, path) if folder else None
    start, lines = (cached.covered, cached.lines) if cached else (0, 0)
    writer = log_cache.CacheWriter(folder) if folder and start < size else None  # (nothing new: nothing to keep)
    clean, hashing = True, None
    hashed = lambda: log_cache.Hashing(cached.digest if cached else hashlib.sha256(), path, start, size)  # noqa: E731
    try:
        for part in cached.parts() if cached else ():
            columns = _renumbered(part, cached.codes, tables)
            if writer:
                writer.add(columns)
            yield columns, []
        for columns, problems in _read_from(path, tables, size, start, lines) if start < size else ():
            clean = clean and not problems
            if writer:
                writer.add(columns)
                # the new bytes are hashed beside the reading, not after it; from the first new lines read, when
                # any workers have been forked (no thread may run at a fork)
                hashing = hashing or hashed()
            yield columns, problems
    except BaseException:
        if writer:
            writer.abandon()
        raise
    finally:
        if hashing:
            hashing.wait()
    if writer:
        _keep(writer, hashing or hashed(), tables, lines, path, size, clean)


def _keep(writer, hashing, tables: LogTables, lines: int, path: Path, size: int, clean: bool) -> None:
    """Make what ``writer`` was given the log's cache, when every line could be read and the last one is whole."""
    if clean and _ends_with_newline(path, size):
        sha256, newlines = hashing.result()
        writer.finish((tables.questions, tables.forecasters, tables.signatures), size, lines + newlines, sha256)
    else:
        writer.abandon()


def _ends_with_newline(path: Path, size: int) -> bool:
    with open(path, "rb") as stream:
        stream.seek(size - 1)
        return stream.read(1) == b"\n"


def _read_from(path: Path, tables: LogTables, size: int, start: int, lines: int):
    """``read_columns`` from byte ``start`` (after ``lines`` newlines) to ``size``, in forked workers when it pays."""
    workers = parallel.worker_count((size - start) // RANGE_BYTES, per_worker=MIN_RANGES_PER_WORKER)
    if workers <= 1:
        for columns, problems in read_columns(path, tables, start=start, end=size):
            yield _shifted(columns, problems, lines)
        return
    for columns, codes, problems, count in parallel.ordered_map(_read_range, _ranges(path, size, start), workers):
        yield _shifted(_renumbered(columns, codes, tables), problems, lines)
        lines += count


def _shifted(columns: LogColumns, problems: list[Problem], lines: int) -> tuple[LogColumns, list[Problem]]:
    """Columns and problems of lines counted from 1, as lines after the file's first ``lines``."""
    if not lines:
        return columns, problems
    return (replace(columns, line=columns.line + lines),
            [Problem(problem.path, problem.line + lines, problem.message) for problem in problems])


def check_log(path: Path, scenarios_of: dict[str, tuple[str, ...]], broken: set[str] = frozenset()) -> list[Problem]:
    """Everything wrong with the log, for ``vane check``: its unreadable lines, then its entries' problems.

    An entry's problems: a question the workspace lacks (``scenarios_of`` maps
    each question id to its scenario ids; ids in ``broken`` have problems of
    their own and are not reported again), probabilities for other scenarios
    than the question's, and a forecaster name the tool keeps for its own rows
    on an entry of another kind. The log is read as columns (``log_columns``),
    so a log of millions of lines is checked in constant memory; each distinct
    question, (question, scenario ids) and (name, kind) is judged once.
    """
    shown, tables = display_path(path), LogTables()
    unreadable, found = [], []
    judged: dict[tuple, str | None] = {}  # (table, code, code) -> its problem, or None

    def judge(key: tuple) -> str | None:
        if key not in judged:
            judged[key] = _entry_problem(key, tables, scenarios_of, broken)
        return judged[key]

    for columns, problems in log_columns(path, tables):
        unreadable += problems
        keys = np.stack([columns.question, columns.signature, columns.forecaster, columns.kind.astype(np.int64)], axis=1)
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        messages = [[judge(("question", q)), judge(("scenarios", q, s)), judge(("name", f, k))]
                    for q, s, f, k in distinct.tolist()]
        bad = np.flatnonzero([any(row) for row in messages])
        for row in np.flatnonzero(np.isin(inverse.reshape(-1), bad)).tolist():
            line = int(columns.line[row])
            found += [Problem(shown, line, message) for message in messages[inverse[row]] if message]
    return unreadable + found


def _entry_problem(key: tuple, tables: LogTables, scenarios_of: dict, broken) -> str | None:
    """The problem of an entry's question (``("question", q)``), of its scenario ids on that question
    (``("scenarios", q, s)``) or of its forecaster's name on its kind (``("name", f, k)``), or None."""
    if key[0] == "name":
        name, kind = tables.forecasters[key[1]], KIND_CODES[key[2]]
        if reserved_kind(name) not in (None, kind):
            return f"'{name}' is a name kept for the tool's own forecasts, on a forecast of kind '{kind}'"
        return None
    question = tables.questions[key[1]]
    scenarios = scenarios_of.get(question)
    if key[0] == "question":
        if scenarios is None and question not in broken:
            return (f"forecast for '{question}', which is not a question of this workspace "
                    "(restore its file; the log is never rewritten)")
        return None
    written = tables.signatures[key[2]]
    if scenarios is not None and set(written) != set(scenarios):
        return f"forecast for {', '.join(written)}, but {question}'s scenarios are {', '.join(scenarios)}"
    return None


def logged_identities(path: Path, entries: list[LoggedForecast]) -> tuple[set, list[Problem]]:
    """The identities (``LoggedForecast.identity``) of the log's entries that may equal one of ``entries``'s,
    and the log's unreadable lines.

    Every line is read (as columns, ``log_columns``), but only the few that
    could be one of ``entries`` are read as entries: lines stamped at the same
    microsecond as an entry without an external id, and, when some have one,
    lines that hold an external id (an imported forecast is the same forecast
    when its batch and external id are).
    """
    times = np.array(sorted({micros_of(entry.time) for entry in entries if not entry.external_id}), dtype=np.int64)
    batches = {entry.batch for entry in entries if entry.external_id}
    candidates, problems = [], []
    for columns, found in log_columns(path, LogTables()):
        problems += found
        candidates += columns.line[np.isin(columns.micros, times)].tolist()
    if problems or not (candidates or batches) or not path.exists():
        return set(), problems
    wanted, identities = set(candidates), set()
    external = (lambda line: b'"external_id"' in line) if batches else None
    for number, entry in _whole_entries(path, wanted, external):
        if (entry.batch in batches) if entry.external_id else (number in wanted):
            identities.add(entry.identity())
    return identities, problems


def entries_on(path: Path, question_ids: set[str], kinds: set[str]) -> tuple[list[LoggedForecast], list[Problem]]:
    """The log's entries of ``kinds`` on ``question_ids``, in log order, and its unreadable lines.

    Every line is read as columns; only the wanted ones are read as entries,
    so memory follows what the caller asks for, not the log's length.
    """
    tables, wanted, problems = LogTables(), [], []
    known = np.zeros(0, dtype=bool)  # per question code: one of question_ids
    kind_wanted = np.array([kind in kinds for kind in KIND_CODES])
    for columns, found in log_columns(path, tables):
        problems += found
        if known.shape[0] < len(tables.questions):
            known = np.array([question in question_ids for question in tables.questions], dtype=bool)
        keep = known[columns.question] & kind_wanted[columns.kind]
        wanted += columns.line[keep].tolist()
    if not wanted:
        return [], problems
    return [entry for _, entry in _whole_entries(path, set(wanted))], problems


def _whole_entries(path: Path, numbers: set[int], also=None):
    """``(number, entry)`` of the lines ``numbers`` of the log, and of any line ``also(line)`` is true of, read
    whole (``parse_line``): lines the columns have read already, so they can be read."""
    number, rest = 1, b""
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(CHUNK_BYTES), b""):
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if number in numbers or (also and also(line)):
                    yield number, parse_line(line.rstrip(b"\r"))
                number += 1
    if rest and (number in numbers or (also and also(rest))):
        yield number, parse_line(rest.rstrip(b"\r"))


def _ranges(path: Path, size: int, start: int = 0) -> list[tuple[Path, int, int]]:
    """``(path, start, end)`` of consecutive ranges of whole lines from byte ``start``, about ``RANGE_BYTES`` each."""
    ends = []
    with open(path, "rb") as stream:
        position = start + RANGE_BYTES
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
    starts = [start, *ends]
    return [(path, first, end) for first, end in zip(starts, [*ends, size]) if end > first]


def _read_range(job: tuple[Path, int, int]):
    """In a worker: one range's columns (codes in its own tables), problems, and the newlines it holds."""
    path, start, end = job
    tables = LogTables()
    parts, problems = [], []
    for columns, found in read_columns(path, tables, start=start, end=end):
        parts.append(columns)
        problems += found
    codes = (tables.questions, tables.forecasters, tables.signatures)
    return LogColumns.joined(parts), codes, problems, log_cache.newlines_in(path, start, end)  # (a range is never empty: one part at least)


def _renumbered(columns: LogColumns, codes, tables: LogTables) -> LogColumns:
    """Columns numbered in other tables (``codes``: question ids, names, scenario-id tuples) renumbered in ``tables``."""
    questions, forecasters, signatures = (
        np.array([number(value) for value in values], dtype=np.int64)
        for number, values in ((tables.question, codes[0]), (tables.forecaster, codes[1]), (tables.signature, codes[2])))
    return replace(columns, question=questions[columns.question], forecaster=forecasters[columns.forecaster],
                   signature=signatures[columns.signature])
