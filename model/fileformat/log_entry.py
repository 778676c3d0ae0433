"""The forecast log's format: one JSON object per line, what each forecaster said and when.

``reports/forecasts.jsonl`` is read and checked here; appending to it safely
is ``model.record.forecast_log``.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import math
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from model.base.dates import parse_utc, utc_iso
from model.base.errors import Problem, VaneError, display_path
from model.base.textsafe import visible
from model.fileformat.values import is_identifier

if TYPE_CHECKING:
    import numpy as np  # imported where the log is read as arrays: most commands never do

ENGINE = "engine"


SUM_TOLERANCE = 1e-3


UNREADABLE = "unreadable forecast entry"


UNIFORM, PRIOR = "uniform (baseline)", "prior (baseline)"  # the baselines' rows in the track record


TEAM = "team (pooled)"  # the team's pooled forecast, published beside the engine's (model/record/team_pool.py)


KINDS = ("engine", "stated", "imported", "pooled")  # what the log holds (backtests and baselines are never logged)


@dataclass(frozen=True)
class LoggedForecast:
    """One forecaster's probabilities for one question at one time.

    ``kind`` is ``engine`` (published by the tool), ``stated`` (an analyst's own
    forecast) or ``imported``; ``batch`` groups entries written together
    (``snapshot``, ``report 2026-W47``, ``import forecasts.csv``...).
    """

    time: dt.datetime
    question: str
    forecaster: str
    probabilities: dict[str, float]
    kind: str
    batch: str
    interval: dict[str, tuple[float, float]] = field(default_factory=dict)
    parameters: str = ""
    question_sha256: str = ""
    external_id: str = ""
    recorded: dt.datetime | None = None

    def as_dict(self) -> dict:
        """The entry as written: plain JSON values, times in UTC ISO 8601."""
        entry = {
            "time": utc_iso(self.time), "question": self.question, "forecaster": self.forecaster, "kind": self.kind,
            "probabilities": self.probabilities, "batch": self.batch,
        }
        optional = {
            "interval": {k: list(v) for k, v in self.interval.items()}, "parameters": self.parameters,
            "question_sha256": self.question_sha256, "external_id": self.external_id,
            "recorded": utc_iso(self.recorded) if self.recorded else "",
        }
        return {**entry, **{key: value for key, value in optional.items() if value}}

    def identity(self) -> tuple:
        """Equal for entries that say the same thing, so a re-import adds nothing twice."""
        if self.external_id:
            return ("external", self.batch, self.external_id)
        return (self.question, self.forecaster, self.time, tuple(sorted(self.probabilities.items())))


def parse_entry(data: dict) -> LoggedForecast:
    """An entry from its JSON object, checked like anything else the tool reads.

    Raises
    ------
    ValueError
        When a field is missing or malformed: probabilities that are not finite
        numbers in [0, 1] summing to 1, a question that is not an id, an unknown
        kind, a time outside the accepted years.
    """
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    question, forecaster, kind = _text(data, "question"), " ".join(_text(data, "forecaster").split()), _text(data, "kind")
    if not is_identifier(question):
        raise ValueError(f"question '{question}' is not a question id")
    if not forecaster:
        raise ValueError("the forecaster has no name")
    if kind not in KINDS:
        raise ValueError(f"kind '{kind}' is not one of {', '.join(KINDS)}")
    probabilities = {_scenario(k): _probability(v) for k, v in _mapping(data, "probabilities").items()}
    if len(probabilities) < 2 or abs(sum(probabilities.values()) - 1.0) > SUM_TOLERANCE:
        raise ValueError("probabilities must cover at least two scenarios and sum to 1")
    return LoggedForecast(
        time=_time(data["time"]), question=question, forecaster=forecaster,
        probabilities=probabilities, kind=kind, batch=str(data.get("batch", "")),
        interval={_scenario(k): _interval(v) for k, v in _mapping(data, "interval", required=False).items()},
        parameters=str(data.get("parameters", "")), question_sha256=str(data.get("question_sha256", "")),
        external_id=str(data.get("external_id", "")),
        recorded=_time(data["recorded"]) if data.get("recorded") else None,
    )


def _text(data: dict, key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be text")
    return value


def _mapping(data: dict, key: str, required: bool = True) -> dict:
    value = data[key] if required else data.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f"'{key}' must be an object")
    return value


def _scenario(name) -> str:
    if not is_identifier(str(name)):
        raise ValueError(f"scenario '{name}' is not a scenario id")
    return str(name)


def _probability(value) -> float:
    """A finite number in [0, 1]: NaN, infinities and 1e308 are damage, not forecasts."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{value!r} is not a probability between 0 and 1")
    return float(value)


def _interval(value) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("an interval must be a pair [low, high]")
    low, high = _probability(value[0]), _probability(value[1])
    if low > high:
        raise ValueError(f"interval [{low}, {high}] has its low end above its high end")
    return low, high


def _time(text) -> dt.datetime:
    try:
        return parse_utc(str(text))
    except ValueError as error:
        raise ValueError(f"time '{text}' {error}") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


def entry_line(entry: LoggedForecast) -> str:
    """The entry as one line of the log, newline included (``parse_line`` reads it back)."""
    return json.dumps(entry.as_dict(), ensure_ascii=False) + "\n"


def parse_line(raw: bytes) -> LoggedForecast:
    """One line of the log (without its newline) as an entry.

    Raises
    ------
    ValueError
        For bytes that are not UTF-8, text that is not JSON (NaN and Infinity
        included), nesting too deep to read, or a malformed entry.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not valid UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})") from None
    if _nesting(text) > MAX_NESTING:
        raise ValueError("nested too deeply to be a forecast")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("nested too deeply to be a forecast") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at column {error.colno})") from None
    try:
        return parse_entry(data)
    except KeyError as error:
        raise ValueError(f"missing {error}") from None
    except RecursionError:
        raise ValueError("nested too deeply to be a forecast") from None


MAX_NESTING = 64  # a forecast nests three deep; deeper JSON is refused by this rule, not by how deep Python may recurse
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def _nesting(text: str) -> int:
    """How deeply the JSON ``text`` nests (0 when it cannot nest deeper than ``MAX_NESTING``): JSON nested too
    deeply for Python's recursion limit would otherwise be read or refused by the depth of the caller's stack."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return 0
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def read_log(path: Path) -> tuple[list[LoggedForecast], list[Problem]]:
    """Every entry of the log, and a located problem for each line that cannot be read.

    A last line without its newline is read like any other (the next write adds
    the newline before its own lines); if it cannot be read it is damage like
    any other unreadable line, and stops writes.
    """
    numbered, problems = read_numbered(path)
    return [entry for _, entry in numbered], problems


def read_numbered(path: Path, data: bytes | None = None) -> tuple[list[tuple[int, LoggedForecast]], list[Problem]]:
    """Like ``read_log``, with each entry's line number; ``data`` is the log's bytes when already read."""
    if data is None:
        data = path.read_bytes() if path.exists() else b""
    shown = display_path(path)
    entries, problems = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            entries.append((number, parse_line(line.rstrip(b"\r"))))
        except ValueError as error:
            problems.append(Problem(shown, number, f"{UNREADABLE}: {error}"))
    return entries, problems


def reserved_kind(name: str) -> str | None:
    """The only kind of entry allowed to carry ``name`` when it is one of the tool's own names, else None."""
    lowered = name.lower()
    if lowered == ENGINE:
        return "engine"
    if lowered.startswith(f"{ENGINE} ("):
        return "backtest"
    if " ".join(lowered.split()) == TEAM:
        return "pooled"
    return "baseline" if lowered in (UNIFORM, PRIOR) else None


def check_forecaster(name: str) -> str:
    """A forecaster's name, stripped; the names the tool uses for its own rows are refused.

    Raises
    ------
    VaneError
        For an empty name or one of the tool's own (``engine``, a baseline, a backtest).
    """
    cleaned = " ".join(name.split())
    if not cleaned:
        raise VaneError("the forecaster needs a name")
    if visible(cleaned) != cleaned:
        raise VaneError(f"the forecaster name '{visible(cleaned)}' has control or bidi characters; write it without them")
    if reserved_kind(cleaned):
        raise VaneError(f"'{cleaned}' is a name the track record keeps for the tool's own forecasts; "
                        "pick another forecaster name")
    return cleaned


def check_probabilities(probabilities: dict[str, float], scenario_ids, what: str) -> dict[str, float]:
    """Probabilities for every scenario, each in [0, 1], summing to 1 (within 0.001); normalised.

    Raises
    ------
    VaneError
        Naming the unknown or missing scenarios, or the bad sum.
    """
    from model.base.errors import did_you_mean

    problems = []
    for name, value in probabilities.items():
        if name not in scenario_ids:
            problems.append(f"unknown scenario '{name}'{did_you_mean(name, scenario_ids)}; scenarios are {', '.join(scenario_ids)}")
        elif not (0.0 <= value <= 1.0) or math.isnan(value):
            problems.append(f"{name}={value:g} is not a probability between 0 and 1")
    missing = [sid for sid in scenario_ids if sid not in probabilities]
    if missing:
        problems.append(f"no probability for {', '.join(missing)}")
    total = sum(value for value in probabilities.values() if not math.isnan(value))
    if not problems and abs(total - 1.0) > SUM_TOLERANCE:
        problems.append(f"probabilities sum to {total:.4g}, not 1")
    if problems:
        raise VaneError(f"{what} was not recorded:\n  " + "\n  ".join(problems))
    return {sid: probabilities[sid] / total for sid in scenario_ids}


# --- the log as arrays, read in chunks (``vane score``) ---
#
# A log of millions of lines is read a chunk of lines at a time into columns
# (codes for question ids, forecaster names and scenario-id tuples, exact times,
# the probabilities as one flat array) without building an entry object per
# line. Each line is decoded by msgspec, in C, into the few fields the columns
# need, with their JSON types checked there (text, numbers that are not
# booleans, an interval's pairs); the columns are then checked a column at a
# time by the same rules as ``parse_entry``. Any line msgspec refuses (it is
# stricter than ``json.loads``: NaN, lone surrogates, numbers out of range,
# another type in a field) and any line those checks refuse goes through
# ``parse_line`` itself, so every line is accepted or refused (with the same
# message) exactly as ``read_log`` would.

KIND_CODES = (*KINDS, "backtest", "baseline")  # the kinds numbered in ``LogColumns.kind``

CHUNK_BYTES = 1 << 23  # lines read and checked together
TIME_LAYOUTS = ("dddd-dd-ddTdd:dd:ddZ", "dddd-dd-ddTdd:dd:dd.ddddddZ")  # times as ``utc_iso`` writes them


@functools.cache
def _line_decoder():
    """A msgspec decoder of one log line with the fields ``as_dict`` writes, each of the type it writes (built on
    first use: a command that reads no log need not build it).

    msgspec checks neither UTF-8 nor integers' lengths in what it skips, and
    nests deeper than ``parse_entry`` may: here it skips nothing. A line with
    another field, or a field of another type (a number as ``batch``, null as
    ``recorded``), is left to ``parse_line``.

    The lines are kept out of the garbage collector's sight (``gc=False``): they
    hold only text, numbers and containers of those, so can be in no cycle, and
    its passes over a chunk's hundred thousand of them took a quarter of the
    reading (4.2 -> 3.0 us a line).
    """
    import msgspec

    class Line(msgspec.Struct, forbid_unknown_fields=True, gc=False):
        time: str
        question: str
        forecaster: str
        kind: str
        probabilities: dict[str, float]
        batch: str = ""
        interval: dict[str, tuple[float, float]] = {}
        parameters: str = ""
        question_sha256: str = ""
        external_id: str = ""
        recorded: str = ""

    return msgspec.json.Decoder(Line).decode


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def micros_of(moment: dt.datetime) -> int:
    """A time in exact microseconds since 1970 (UTC), as ``LogColumns.micros`` holds it."""
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def moment_of(exact: int) -> dt.datetime:
    """The time ``exact`` microseconds after 1970 (UTC)."""
    return EPOCH + dt.timedelta(microseconds=int(exact))


DAY_MICROS = 86_400_000_000  # microseconds in a day: ``micros // DAY_MICROS`` is the day since 1970


class LogTables:
    """The distinct values of a log, numbered in order of appearance: question ids, forecaster names
    (as ``parse_entry`` normalises them) and tuples of scenario ids (a forecast's, in written order)."""

    def __init__(self) -> None:
        self.questions: list[str] = []
        self.forecasters: list[str] = []
        self.signatures: list[tuple[str, ...]] = []
        self._codes: tuple[dict, dict, dict] = ({}, {}, {})
        self._written: tuple[dict, dict, dict] = ({}, {}, {})  # as written in a line -> code, or -1 if refused

    def _code(self, table: int, value) -> int:
        codes, values = self._codes[table], (self.questions, self.forecasters, self.signatures)[table]
        code = codes.get(value)
        if code is None:
            code = codes[value] = len(values)
            values.append(value)
        return code

    def question(self, question_id: str) -> int:
        """The number of a question id."""
        return self._code(0, question_id)

    def forecaster(self, name: str) -> int:
        """The number of a forecaster name."""
        return self._code(1, name)

    def signature(self, scenario_ids: tuple[str, ...]) -> int:
        """The number of a tuple of scenario ids."""
        return self._code(2, scenario_ids)

    def written_codes(self, table: int, texts: list, check) -> np.ndarray:
        """Codes in table ``table`` (0 questions, 1 forecasters, 2 signatures) of values as written in the log.

        ``check`` turns a text not seen before into its value, or None when
        ``parse_entry`` might refuse it (its code is then -1).
        """
        import numpy as np

        known = self._written[table]
        codes = np.fromiter(map(known.get, texts, itertools.repeat(-2)), dtype=np.int64, count=len(texts))
        missing = np.flatnonzero(codes == -2)
        if missing.size:  # each new text checked once, in order of appearance; then every line looked up again
            for text in dict.fromkeys(texts if missing.size == len(texts) else map(texts.__getitem__, missing.tolist())):
                value = check(text)
                known[text] = -1 if value is None else self._code(table, value)
            codes = np.fromiter(map(known.__getitem__, texts), dtype=np.int64, count=len(texts))
        return codes


@dataclass(frozen=True)
class LogColumns:
    """Entries of the log as arrays, in line order.

    ``question``, ``forecaster`` and ``signature`` number the entries' values in
    a ``LogTables``; ``kind`` numbers ``KIND_CODES``; ``micros`` is the exact time
    in microseconds since 1970 (UTC; ``seconds`` gives ``LoggedForecast.time.timestamp()``);
    entry ``i``'s probabilities, in the order of ``signature``'s scenario ids,
    are ``values[offsets[i]:offsets[i + 1]]``.
    """

    line: np.ndarray
    question: np.ndarray
    forecaster: np.ndarray
    kind: np.ndarray
    micros: np.ndarray
    signature: np.ndarray
    values: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return int(self.line.shape[0])

    def take(self, rows: np.ndarray) -> LogColumns:
        """These columns at ``rows`` only, in that order."""
        import numpy as np

        lengths = np.diff(self.offsets)[rows]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        starts = np.repeat(self.offsets[:-1][rows] - offsets[:-1], lengths)
        values = self.values[starts + np.arange(offsets[-1])]
        return LogColumns(self.line[rows], self.question[rows], self.forecaster[rows], self.kind[rows],
                          self.micros[rows], self.signature[rows], values, offsets)

    @staticmethod
    def joined(parts: list[LogColumns]) -> LogColumns:
        """Several columns one after the other."""
        import numpy as np

        if len(parts) == 1:
            return parts[0]
        starts = np.cumsum([0] + [part.offsets[-1] for part in parts[:-1]])
        offsets = np.concatenate([[0]] + [part.offsets[1:] + start for part, start in zip(parts, starts)])
        join = lambda name: np.concatenate([getattr(part, name) for part in parts])  # noqa: E731
        return LogColumns(join("line"), join("question"), join("forecaster"), join("kind"), join("micros"),
                          join("signature"), join("values"), offsets.astype(np.int64))


def entry_columns(entries, tables: LogTables, lines=None) -> LogColumns:
    """Entries (``LoggedForecast``) as columns; ``lines`` are their line numbers (default 1, 2, ...)."""
    import numpy as np

    entries = list(entries)
    kinds = {kind: code for code, kind in enumerate(KIND_CODES)}
    lengths = [len(entry.probabilities) for entry in entries]
    return LogColumns(
        line=np.arange(1, len(entries) + 1, dtype=np.int64) if lines is None else np.asarray(lines, dtype=np.int64),
        question=np.array([tables.question(entry.question) for entry in entries], dtype=np.int64),
        forecaster=np.array([tables.forecaster(entry.forecaster) for entry in entries], dtype=np.int64),
        kind=np.array([kinds[entry.kind] for entry in entries], dtype=np.int8),
        micros=np.array([micros_of(entry.time) for entry in entries], dtype=np.int64),
        signature=np.array([tables.signature(tuple(entry.probabilities)) for entry in entries], dtype=np.int64),
        values=np.array([p for entry in entries for p in entry.probabilities.values()], dtype=float),
        offsets=np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64),
    )


def read_columns(path: Path, tables: LogTables, chunk_bytes: int = CHUNK_BYTES, start: int = 0,
                 end: int | None = None):
    """The log a chunk of lines at a time: yields ``(LogColumns, problems)`` for each chunk, in order.

    Reads and refuses exactly what ``read_log`` does (the same entries, the same
    located problems), holding only one chunk of the file at a time. ``start``
    and ``end`` limit the reading to those bytes (``start`` at the beginning of
    a line, ``end`` just after a newline or at the end of the file); line
    numbers then count from ``start``'s line as line 1.
    """
    if not path.exists():
        return
    shown = display_path(path)
    first = 1  # the line number of the chunk's first line
    with open(path, "rb") as stream:
        stream.seek(start)
        left = end - start if end is not None else None
        rest = b""
        while True:
            block = stream.read(chunk_bytes if left is None else min(chunk_bytes, left))
            if left is not None:
                left -= len(block)
            data = rest + block if rest else block
            cut = data.rfind(b"\n") + 1 if block else len(data)  # at the end, the last line has no newline
            chunk, rest = data[:cut], data[cut:]
            if chunk:
                yield _read_chunk(chunk, first, tables, shown)
                first += chunk.count(b"\n")
            if not block:
                return


def _read_chunk(chunk: bytes, first: int, tables: LogTables, shown: str) -> tuple[LogColumns, list[Problem]]:
    """The entries and problems of whole lines ``chunk``, the first of them line ``first``."""
    import numpy as np

    lines = chunk.split(b"\n")
    if not lines[-1]:
        lines.pop()  # (the chunk's last newline ends a line; it does not start one)
    decoded, numbers, slow = _decoded(lines, first)
    columns, refused = _checked(decoded, numbers, tables)
    if refused.size == 0 and not slow:
        return columns, []
    slow = sorted([*slow, *numbers[refused].tolist()])
    entries, slow_numbers, problems = [], [], []
    for number in slow:
        try:
            entries.append(parse_line(lines[number - first].rstrip(b"\r")))
            slow_numbers.append(number)
        except ValueError as error:
            problems.append(Problem(shown, number, f"{UNREADABLE}: {error}"))
    kept = np.setdiff1d(np.arange(len(numbers)), refused, assume_unique=True)
    parts = [columns.take(kept) if refused.size else columns, entry_columns(entries, tables, slow_numbers)]
    both = LogColumns.joined(parts)
    return both.take(np.argsort(both.line, kind="stable")), problems


def _decoded(lines: list[bytes], first: int) -> tuple[list, np.ndarray, list[int]]:
    """Each line decoded (``_line_decoder``) with its number, and the numbers of the non-blank lines msgspec
    refused: ``parse_line`` reads those. All lines are decoded at once unless one is refused."""
    import numpy as np

    decode = _line_decoder()
    try:
        return list(map(decode, lines)), np.arange(first, first + len(lines), dtype=np.int64), []
    except (ValueError, RecursionError):  # (msgspec's errors are ValueErrors)
        pass
    decoded, numbers, slow = [], [], []
    for number, line in enumerate(lines, start=first):
        if not line.strip():
            continue
        try:
            decoded.append(decode(line))
            numbers.append(number)
        except (ValueError, RecursionError):
            slow.append(number)
    return decoded, np.array(numbers, dtype=np.int64), slow


def _checked(decoded: list, numbers: np.ndarray, tables: LogTables) -> tuple[LogColumns, np.ndarray]:
    """Columns of decoded lines, and the positions of those that ``parse_entry`` might refuse: they are read
    again by ``parse_line``."""
    import numpy as np

    count = len(decoded)
    if not count:
        empty = np.zeros(0, dtype=np.int64)
        return LogColumns(empty, empty, empty, empty.astype(np.int8), empty, empty, empty.astype(float),
                          np.zeros(1, dtype=np.int64)), empty
    field = lambda name: list(map(operator.attrgetter(name), decoded))  # noqa: E731
    probabilities = field("probabilities")
    question = tables.written_codes(0, field("question"), lambda text: text if is_identifier(text) else None)
    forecaster = tables.written_codes(1, field("forecaster"), lambda text: " ".join(text.split()) or None)
    kind_of = {kind: code for code, kind in enumerate(KINDS)}
    kind = np.fromiter(map(kind_of.get, field("kind"), itertools.repeat(-1)), dtype=np.int64, count=count)
    signature = tables.written_codes(2, list(map(tuple, probabilities)), _signature)
    lengths = np.fromiter(map(len, probabilities), dtype=np.int64, count=count)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = np.fromiter(itertools.chain.from_iterable(map(dict.values, probabilities)), dtype=float,
                         count=int(offsets[-1]))
    good = (question >= 0) & (forecaster >= 0) & (kind >= 0) & (signature >= 0) & (lengths > 0)
    inside = (values >= 0.0) & (values <= 1.0)
    good[lengths > 0] &= np.logical_and.reduceat(inside, offsets[:-1][lengths > 0])
    total = np.zeros(count)
    longest_first = np.argsort(-lengths, kind="stable")
    for position in range(int(lengths.max())):  # sum(...) adds left to right, and so does this
        rows = longest_first[:np.searchsorted(-lengths[longest_first], -position, side="left")]
        total[rows] += values[offsets[rows] + position]
    good &= np.abs(total - 1.0) <= SUM_TOLERANCE
    times = field("time")
    exact, in_range = _times(times)
    good &= in_range
    recorded = field("recorded")  # an empty one is no stamp (as for parse_entry); one equal to the time is checked
    stamped = np.flatnonzero(np.fromiter(map(operator.ne, recorded, times), dtype=bool, count=count)
                             & np.fromiter(map(len, recorded), dtype=bool, count=count))
    if stamped.size:
        good[stamped] &= _times([recorded[i] for i in stamped])[1]
    intervals = field("interval")
    bounded = np.flatnonzero(np.fromiter(map(len, intervals), dtype=np.int64, count=count))
    if bounded.size:
        good[bounded] &= _bounds_read([intervals[index] for index in bounded])
    columns = LogColumns(numbers, question, forecaster, kind.astype(np.int8), exact, signature, values, offsets)
    return columns, np.flatnonzero(~good)


def _signature(names: tuple[str, ...]) -> tuple[str, ...] | None:
    """The scenario ids of a forecast, as written, when ``parse_entry`` takes them as they are, else None."""
    if len(names) < 2 or not all(is_identifier(name) for name in names):
        return None  # too few (refused) or not ids (refused): parse_line decides
    return names


def _bounds_read(intervals: list[dict]) -> np.ndarray:
    """For each interval object (scenario id -> (low, high), decoded), whether every id is a scenario id and
    every pair a low and a high probability: what ``parse_entry`` accepts."""
    import numpy as np

    per_interval = np.fromiter(map(len, intervals), dtype=np.int64, count=len(intervals))
    names = list(itertools.chain.from_iterable(intervals))
    bounds = np.array(list(itertools.chain.from_iterable(map(dict.values, intervals))), dtype=float).reshape(-1, 2)
    named = np.fromiter(map(is_identifier, names), dtype=bool, count=len(names))
    low, high = bounds[:, 0], bounds[:, 1]
    fine = named & (low >= 0.0) & (low <= high) & (high <= 1.0)
    return np.logical_and.reduceat(fine, np.concatenate([[0], np.cumsum(per_interval)[:-1]]))


def _times(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds since 1970 of times written ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, and which of the texts are
    written so and name a time ``parse_utc`` accepts (any other text: False, and ``parse_line`` decides)."""
    import numpy as np

    from model.base.dates import EARLIEST_YEAR, LATEST_YEAR

    length = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = _time_codes(texts, length)
    digits = codes - codes.dtype.type(ord("0"))
    is_digit = digits <= 9  # (below "0" wraps round to a large number)
    laid_out = np.zeros(len(texts), dtype=bool)
    for layout in TIME_LAYOUTS:  # a digit where the layout has "d", else the layout's own character
        if len(layout) > codes.shape[1]:
            continue  # (every text is shorter)
        at = np.array([c == "d" for c in layout])
        marks = np.flatnonzero(~at)
        laid_out |= ((length == len(layout)) & is_digit[:, np.flatnonzero(at)].all(axis=1)
                     & (codes[:, marks] == np.array([ord(layout[i]) for i in marks])).all(axis=1))
    number = lambda start, width: digits[:, start:start + width].astype(np.int64) @ 10 ** np.arange(width - 1, -1, -1)  # noqa: E731
    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    hour, minute, second = number(11, 2), number(14, 2), number(17, 2)
    fraction = np.where(length == len(TIME_LAYOUTS[1]), number(20, 6), 0) if codes.shape[1] >= len(TIME_LAYOUTS[1]) else 0
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)] + (leap & (month == 2))
    valid = (laid_out & (year >= EARLIEST_YEAR) & (year <= LATEST_YEAR) & (month >= 1)
             & (month <= 12) & (day >= 1) & (day <= month_days) & (hour <= 23) & (minute <= 59) & (second <= 59))
    shifted = year - (month <= 2)  # days from the civil date (H. Hinnant's algorithm), years from March
    era = shifted // 400
    of_era = shifted - era * 400
    of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468
    return ((days * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000 + fraction), valid


def _time_codes(texts: list[str], length: np.ndarray) -> np.ndarray:
    """Each text's characters' codes, one row per text: as bytes when the texts are ASCII and all as long as one
    of ``TIME_LAYOUTS`` (the log's own times: half the work), else as the code points of the first 27 characters."""
    import numpy as np

    width = int(length[0]) if len(texts) else 0
    if any(width == len(layout) for layout in TIME_LAYOUTS) and (length == width).all():
        try:
            return np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), width)
        except UnicodeEncodeError:
            pass
    return np.array(texts, dtype="U27").view(np.uint32).reshape(len(texts), 27)


def seconds(exact: np.ndarray) -> np.ndarray:
    """Times in seconds from exact microseconds (``micros_of``), each as ``datetime.timestamp()`` gives it:
    ``exact / 10**6`` rounded once."""
    import numpy as np

    seconds = exact / 1e6  # exact division of an exactly held integer: one rounding
    far = np.flatnonzero(np.abs(exact) >= 2 ** 53)  # past 2255 the integer itself would round first
    for index in far:
        seconds[index] = int(exact[index]) / 10 ** 6
    return seconds
