"""The forecasts ``vane score`` works on, as arrays: every entry on the questions being scored, in entry order.

The forecast log is read a chunk at a time (``log_entry.read_columns``); each
chunk keeps only the entries on the questions being scored, with their
probabilities put at once in their question's scenario order. No entry object
is built per line and only these arrays are held: about 20 bytes per forecast,
plus 8 per scenario of the question with the most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.fileformat.log_entry import (
    KIND_CODES,
    PRIOR,
    UNIFORM,
    LogColumns,
    LogTables,
    micros_of,
    seconds,
)
from model.fileformat.question import Question

BASELINE_KIND = KIND_CODES.index("baseline")


@dataclass(frozen=True)
class ForecastTable:
    """Entries on ``questions`` (one question per id), in entry order (the log's, then any added after it).

    ``question`` indexes ``questions``; ``forecaster`` numbers ``tables.forecasters``;
    ``kind`` numbers ``KIND_CODES``; ``micros`` is the exact time in microseconds
    since 1970 (``seconds`` the same in seconds). ``combo`` numbers the pair (question, scenario ids as written): when the
    ids are the question's (``matches``), ``order[combo, j]`` is the question's
    column of the j-th probability as written, and ``probabilities`` holds them
    in the question's scenario order (zero padded); otherwise they are all zero.
    """

    questions: tuple[Question, ...]
    tables: LogTables
    question: np.ndarray
    forecaster: np.ndarray
    kind: np.ndarray
    micros: np.ndarray
    combo: np.ndarray
    probabilities: np.ndarray
    matches: np.ndarray  # per combo
    order: np.ndarray  # per combo: (combos, width), -1 beyond the scenarios or where they are not the question's
    signature: np.ndarray  # per combo: its number in ``tables.signatures``

    def __len__(self) -> int:
        return int(self.question.shape[0])

    def seconds(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The times of ``rows`` (all by default) in seconds, as ``datetime.timestamp()`` gives them."""
        return seconds(self.micros if rows is None else self.micros[rows])

    def written(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities of ``rows`` (whose ids match) in written order, as (len(rows), width) with
        the question's column of each (``-1`` past the last)."""
        columns = self.order[self.combo[rows]]
        values = np.take_along_axis(self.probabilities[rows], np.maximum(columns, 0), axis=1)
        return np.where(columns >= 0, values, 0.0), columns


class TableBuilder:
    """Collects ``LogColumns`` (the log a chunk at a time, then backtests and baselines) into a ``ForecastTable``.

    ``capacity`` is a guess at the number of entries: the arrays are allocated
    once at that size (untouched memory costs nothing) and grow if it was short.
    """

    def __init__(self, questions: list[Question], tables: LogTables, capacity: int = 1024):
        self.questions = tuple(questions)
        self.tables = tables
        self.width = max((len(question.scenarios) for question in questions), default=2)
        self._index = {question.id: number for number, question in enumerate(questions)}
        self._lookup = np.zeros(0, dtype=np.int64)  # question code -> index in questions, or -1
        self._combos: dict[tuple[int, int], int] = {}
        self._matches = np.zeros(16, dtype=bool)
        self._signature = np.zeros(16, dtype=np.int64)
        self._order = np.full((16, self.width), -1, dtype=np.int64)
        self._identity = np.zeros(16, dtype=bool)  # written in the question's own order
        self._size = 0
        self._arrays = self._allocate(max(capacity, 16))

    def _allocate(self, capacity: int) -> dict[str, np.ndarray]:
        return {
            "question": np.empty(capacity, dtype=np.int32), "forecaster": np.empty(capacity, dtype=np.int32),
            "kind": np.empty(capacity, dtype=np.int8), "micros": np.empty(capacity, dtype=np.int64),
            "combo": np.empty(capacity, dtype=np.int32),
            "probabilities": np.zeros((capacity, self.width)),
        }

    def _reserve(self, count: int) -> None:
        capacity = self._arrays["question"].shape[0]
        if self._size + count <= capacity:
            return
        grown = self._allocate(max(self._size + count, capacity + capacity // 2))
        for name, array in self._arrays.items():
            grown[name][: self._size] = array[: self._size]
        self._arrays = grown

    def _combo(self, question: int, signature: int) -> int:
        """The number of a (question, scenario ids as written) pair, with its column order."""
        key = (question, signature)
        number = self._combos.get(key)
        if number is None:
            number = self._combos[key] = len(self._combos)
            if number >= self._matches.shape[0]:
                self._matches = np.concatenate([self._matches, np.zeros_like(self._matches)])
                self._signature = np.concatenate([self._signature, np.zeros_like(self._signature)])
                self._order = np.concatenate([self._order, np.full_like(self._order, -1)])
                self._identity = np.concatenate([self._identity, np.zeros_like(self._identity)])
            self._signature[number] = signature
            ids, written = self.questions[question].scenario_ids, self.tables.signatures[signature]
            if set(written) == set(ids):
                self._matches[number] = True
                self._order[number, : len(written)] = [ids.index(sid) for sid in written]
                self._identity[number] = tuple(written) == tuple(ids)
        return number

    def add(self, columns: LogColumns) -> None:
        """Append the entries of ``columns`` that are on one of the questions."""
        known = len(self.tables.questions)
        if self._lookup.shape[0] < known:
            new = [self._index.get(qid, -1) for qid in self.tables.questions[self._lookup.shape[0]:]]
            self._lookup = np.concatenate([self._lookup, np.array(new, dtype=np.int64)])
        question = self._lookup[columns.question] if len(columns) else np.zeros(0, dtype=np.int64)
        kept = np.flatnonzero(question >= 0)
        if kept.size == 0:
            return
        if kept.size < len(columns):
            columns, question = columns.take(kept), question[kept]
        count = len(columns)
        keys, inverse = np.unique(question * (1 << 32) + columns.signature, return_inverse=True)
        numbers = np.array([self._combo(int(key) >> 32, int(key) & 0xFFFFFFFF) for key in keys.tolist()], dtype=np.int64)
        combo = numbers[inverse.reshape(-1)]
        self._reserve(count)
        start, arrays = self._size, self._arrays
        end = start + count
        arrays["question"][start:end] = question
        arrays["forecaster"][start:end] = columns.forecaster
        arrays["kind"][start:end] = columns.kind
        arrays["micros"][start:end] = columns.micros
        arrays["combo"][start:end] = combo
        self._place(columns, combo, start)
        self._size = end

    def _place(self, columns: LogColumns, combo: np.ndarray, start: int) -> None:
        """Write the probabilities of ``columns`` (entries ``start`` on) in their questions' columns: rows written
        in their question's order a length at a time, the others by flat positions."""
        rows = np.flatnonzero(self._matches[combo])  # the others keep their zeros
        lengths = np.diff(columns.offsets)[rows]
        probabilities = self._arrays["probabilities"]
        if self._identity[combo[rows]].all():  # a row's values are its first cells, in order
            for length in np.unique(lengths).tolist():
                these = rows[lengths == length]
                if these.shape[0] == combo.shape[0]:  # every row, all as long: the values are the rows, in order
                    probabilities[start:start + these.shape[0], :length] = columns.values.reshape(-1, length)
                else:
                    probabilities[start + these, :length] = columns.values[columns.offsets[these][:, None]
                                                                           + np.arange(length)]
            return
        first = np.cumsum(lengths) - lengths  # where each row's values start among the rows' values
        along = np.arange(int(lengths.sum()))
        values = columns.values[np.repeat(columns.offsets[:-1][rows] - first, lengths) + along]
        row = np.repeat(rows, lengths)
        position = along - np.repeat(first, lengths)
        probabilities.reshape(-1)[(start + row) * self.width + self._order[combo[row], position]] = values

    def finish(self) -> ForecastTable:
        """The table of every entry added."""
        size, arrays = self._size, self._arrays
        combos = len(self._combos)
        return ForecastTable(
            self.questions, self.tables,
            *(arrays[name][:size] for name in ("question", "forecaster", "kind", "micros", "combo")),
            probabilities=arrays["probabilities"][:size], matches=self._matches[:combos], order=self._order[:combos],
            signature=self._signature[:combos],
        )


def baseline_columns(questions: list[Question], tables: LogTables) -> LogColumns:
    """The baselines every forecaster is compared with: the uniform forecast and each question's prior,
    standing from its opening (forecasters ``UNIFORM`` and ``PRIOR``, of kind ``baseline``)."""

    starts = [question.window[0] for question in questions]
    signatures, values, lengths = [], [], []
    for question in questions:
        k = len(question.scenarios)
        prior = question.prior.probabilities
        signatures += [tables.signature(question.scenario_ids), tables.signature(tuple(prior))]
        values += [1.0 / k] * k + [float(p) for p in prior.values()]
        lengths += [k, len(prior)]
    count = 2 * len(questions)
    return LogColumns(
        line=np.zeros(count, dtype=np.int64),
        question=np.repeat([tables.question(question.id) for question in questions], 2).astype(np.int64),
        forecaster=np.tile([tables.forecaster(UNIFORM), tables.forecaster(PRIOR)], len(questions)).astype(np.int64),
        kind=np.full(count, BASELINE_KIND, dtype=np.int8),
        micros=np.repeat([micros_of(start) for start in starts], 2).astype(np.int64),
        signature=np.array(signatures, dtype=np.int64),
        values=np.array(values, dtype=float),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
    )
