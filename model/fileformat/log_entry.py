"""The forecast log's format: one JSON object per line, what each forecaster said and when.

``reports/forecasts.jsonl`` is read and checked here; appending to it safely
is ``model.record.forecast_log``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from model.base.dates import parse_utc, utc_iso
from model.base.errors import Problem, VaneError, display_path
from model.base.textsafe import visible
from model.fileformat.values import is_identifier

LOG_NAME = "forecasts.jsonl"


ENGINE = "engine"


SUM_TOLERANCE = 1e-3


UNREADABLE = "unreadable forecast entry"


UNIFORM, PRIOR = "uniform (baseline)", "prior (baseline)"  # the baselines' rows in the track record


KINDS = ("engine", "stated", "imported")  # what the log holds (backtests and baselines are never logged)


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


def check_log(path: Path, scenarios_of: dict[str, tuple[str, ...]], broken: set[str] = frozenset()) -> list[Problem]:
    """Everything wrong with the log, for ``vane check``.

    Besides unreadable lines: entries for a question the workspace lacks
    (``scenarios_of`` maps each question id to its scenario ids; ids in
    ``broken`` have problems of their own and are not reported again),
    probabilities for other scenarios than the question's, and forecaster names
    the tool keeps for its own rows on entries of another kind.
    """
    numbered, problems = read_numbered(path)
    shown = display_path(path)
    for number, entry in numbered:
        scenarios = scenarios_of.get(entry.question)
        if scenarios is None and entry.question not in broken:
            problems.append(Problem(shown, number, f"forecast for '{entry.question}', which is not a question of "
                                                   "this workspace (restore its file; the log is never rewritten)"))
        elif scenarios is not None and set(entry.probabilities) != set(scenarios):
            problems.append(Problem(shown, number, f"forecast for {', '.join(entry.probabilities)}, but "
                                                   f"{entry.question}'s scenarios are {', '.join(scenarios)}"))
        if reserved_kind(entry.forecaster) not in (None, entry.kind):
            problems.append(Problem(shown, number, f"'{entry.forecaster}' is a name kept for the tool's own "
                                                   f"forecasts, on a forecast of kind '{entry.kind}'"))
    return problems


def reserved_kind(name: str) -> str | None:
    """The only kind of entry allowed to carry ``name`` when it is one of the tool's own names, else None."""
    lowered = name.lower()
    if lowered == ENGINE:
        return "engine"
    if lowered.startswith(f"{ENGINE} ("):
        return "backtest"
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
