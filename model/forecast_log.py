"""The forecast log: what each forecaster said and when, kept as it was published.

One JSON object per line in ``reports/forecasts.jsonl``. Entries are only ever
added, except that a re-run of the same batch (the same week's report)
replaces that batch's entries instead of duplicating them. Every write holds
the log's lock and replaces the file atomically, like the question files, so
concurrent writers queue and a crash leaves the old log whole.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from model.errors import Problem, VaneError, display_path
from model.safewrite import atomic_write, locked
from model.workspace import Workspace

LOG_NAME = "forecasts.jsonl"
ENGINE = "engine"
SUM_TOLERANCE = 1e-3
UNREADABLE = "unreadable forecast entry"
UNIFORM, PRIOR = "uniform (baseline)", "prior (baseline)"  # the baselines' rows in the track record


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
            "time": _iso(self.time), "question": self.question, "forecaster": self.forecaster, "kind": self.kind,
            "probabilities": self.probabilities, "batch": self.batch,
        }
        optional = {
            "interval": {k: list(v) for k, v in self.interval.items()}, "parameters": self.parameters,
            "question_sha256": self.question_sha256, "external_id": self.external_id,
            "recorded": _iso(self.recorded) if self.recorded else "",
        }
        return {**entry, **{key: value for key, value in optional.items() if value}}

    def identity(self) -> tuple:
        """Equal for entries that say the same thing, so a re-import adds nothing twice."""
        if self.external_id:
            return ("external", self.batch, self.external_id)
        return (self.question, self.forecaster, self.time, tuple(sorted(self.probabilities.items())))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def log_path(workspace: Workspace) -> Path:
    """Where the workspace's forecast log lives."""
    return workspace.reports / LOG_NAME


def parse_entry(data: dict) -> LoggedForecast:
    """An entry from its JSON object.

    Raises
    ------
    ValueError
        When a field is missing or malformed.
    """
    probabilities = {str(k): float(v) for k, v in dict(data["probabilities"]).items()}
    return LoggedForecast(
        time=_time(data["time"]), question=str(data["question"]), forecaster=str(data["forecaster"]),
        probabilities=probabilities, kind=str(data["kind"]), batch=str(data.get("batch", "")),
        interval={str(k): (float(v[0]), float(v[1])) for k, v in dict(data.get("interval", {})).items()},
        parameters=str(data.get("parameters", "")), question_sha256=str(data.get("question_sha256", "")),
        external_id=str(data.get("external_id", "")),
        recorded=_time(data["recorded"]) if data.get("recorded") else None,
    )


def _time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(text))
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def read_log(path: Path) -> tuple[list[LoggedForecast], list[Problem]]:
    """Every entry of the log, and problems with any line that cannot be read.

    A last line without its newline is what a crash mid-write would leave; it is
    reported and skipped (the next write drops it).
    """
    if not path.exists():
        return [], []
    shown = display_path(path)
    entries, problems = [], []
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if number == len(lines):  # no newline after it: never finished
            problems.append(Problem(shown, number, "incomplete last line (an interrupted write?); it is ignored"))
            continue
        try:
            entries.append(parse_entry(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            problems.append(Problem(shown, number, f"{UNREADABLE}: {error}"))
    return entries, problems


def write_entries(path: Path, entries: list[LoggedForecast], replace_batch: str | None = None) -> int:
    """Add ``entries`` to the log (skipping ones already in it); returns how many were added.

    With ``replace_batch``, the entries of that batch already in the log are
    replaced by these (a re-run of the same week's report).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        existing, problems = read_log(path)
        damaged = [problem for problem in problems if problem.message.startswith(UNREADABLE)]
        if damaged:  # rewriting would drop them: the log is the track record, so stop instead
            raise VaneError(f"{display_path(path)} has lines that cannot be read; fix or remove them first "
                            "(nothing was written)", damaged)
        kept = [entry for entry in existing if replace_batch is None or entry.batch != replace_batch]
        seen = {entry.identity() for entry in kept}
        added = []
        for entry in entries:
            if entry.identity() not in seen:
                seen.add(entry.identity())
                added.append(entry)
        if not added and len(kept) == len(existing):
            return 0
        text = "".join(json.dumps(entry.as_dict(), ensure_ascii=False) + "\n" for entry in kept + added)
        atomic_write(path, text)
    return len(added)


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
    from model.errors import did_you_mean

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


def stated_forecast(question, probabilities: dict[str, float], forecaster: str,
                    now: dt.datetime | None = None) -> LoggedForecast:
    """An analyst's own forecast for ``question``, stamped now: forecasts count from when they are recorded.

    Raises
    ------
    VaneError
        For a resolved or closed question, a reserved or empty name, or bad probabilities.
    """
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    if question.resolution is not None:
        raise VaneError(f"{question.id} was resolved on {question.resolution.date}; a forecast now could not be scored")
    if now >= question.window[1]:
        raise VaneError(f"{question.id} closed on {question.closes}; a forecast now could not be scored")
    name = check_forecaster(forecaster)
    checked = check_probabilities(probabilities, question.scenario_ids, "the forecast")
    return LoggedForecast(now, question.id, name, checked, "stated", "stated", recorded=now)
