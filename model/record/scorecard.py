"""The track record: every forecaster scored on every resolved question, with summaries across questions.

Forecasters are those of the forecast log (the engine as published, analysts'
stated forecasts, imported crowds) and two baselines every one is compared
with: the uniform forecast and the question's own prior. A backtest of the
engine can be added; it is labelled as such and never mixed into peer scores.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from model.base.textsafe import visible
from model.engine.parameters import Parameters
from model.engine.probabilities import probabilities_at
from model.fileformat.log_entry import PRIOR, UNIFORM, LoggedForecast, reserved_kind
from model.fileformat.question import Question
from model.record import scoring
from model.record.scoring import SCORE_NAMES, SPOT_SCORES

BUCKETS = 10


BOOTSTRAP = 2000


WHEN = ("time_averaged", "final")  # the two versions of every score over a question's window


CSV_HEADER = ("question", "forecaster", "kind", "forecasts",
              *(f"{name}_{when}" for name in SCORE_NAMES for when in WHEN), *(f"spot_{name}" for name in SPOT_SCORES))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting with one of these


@dataclass(frozen=True)
class ScoreRow:
    """One forecaster on one question."""

    question: str
    forecaster: str
    kind: str
    forecasts: int
    averaged: dict[str, float]
    final: dict[str, float]
    spot: dict[str, float]

    def as_dict(self) -> dict:
        """Every score by name, time-averaged and final (and spot for baseline and peer)."""
        scores = {name: {"time_averaged": _plain(self.averaged[name]), "final": _plain(self.final[name])}
                  for name in SCORE_NAMES}
        scores.update({f"spot_{name}": _plain(self.spot[name]) for name in SPOT_SCORES})
        return {"forecaster": self.forecaster, "kind": self.kind, "forecasts": self.forecasts, "scores": scores}

    def csv_cells(self) -> list:
        """The row's cells under ``CSV_HEADER``: text cells made inert, missing scores empty."""
        values = [self.averaged[name] if when == "time_averaged" else self.final[name]
                  for name in SCORE_NAMES for when in WHEN] + [self.spot[name] for name in SPOT_SCORES]
        return ([spreadsheet_safe(self.question), spreadsheet_safe(self.forecaster), spreadsheet_safe(self.kind),
                 self.forecasts] + ["" if not math.isfinite(value) else repr(value) for value in values])


def _plain(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def spreadsheet_safe(text: str) -> str:
    """A text cell shown as written but inert: control and bidi characters made visible, and a
    leading quote on cells that a spreadsheet would run as a formula."""
    text = visible(text)
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass(frozen=True)
class Summary:
    """A forecaster's mean score across questions with a 90% bootstrap interval."""

    forecaster: str
    questions: int
    means: dict[str, tuple[float, float, float]]  # name -> (mean, low, high), time-averaged scores
    versus: dict[str, float] = field(default_factory=dict)  # baseline -> mean Brier difference on the same questions

    def as_dict(self) -> dict:
        """The summary as plain data: means with their intervals, and the Brier differences with the baselines."""
        return {"forecaster": self.forecaster, "questions": self.questions,
                "time_averaged": {name: {"mean": m, "low": lo, "high": hi} for name, (m, lo, hi) in self.means.items()},
                "brier_versus_baselines": self.versus}


@dataclass(frozen=True)
class Bucket:
    """Forecasts between ``low`` and ``high``: how many, their mean, and how often the scenario happened."""

    low: float
    high: float
    count: int
    mean_forecast: float
    observed: float


@dataclass(frozen=True)
class Murphy:
    """Brier score of the scenario probabilities = reliability - resolution + uncertainty."""

    brier: float
    reliability: float
    resolution: float
    uncertainty: float


@dataclass(frozen=True)
class Coherence:
    """An analyst's stated forecast beside what the evidence implied then, and which scored better."""

    question: str
    forecaster: str
    time: dt.datetime
    stated: dict[str, float]
    engine: dict[str, float]
    gap: float  # total variation distance, 0 to 1
    stated_log: float | None = None
    engine_log: float | None = None

    def as_dict(self) -> dict:
        """The comparison as plain data (the time as ISO 8601)."""
        return {"question": self.question, "forecaster": self.forecaster, "time": self.time.isoformat(),
                "stated": self.stated, "engine": self.engine, "gap": self.gap,
                "stated_log": self.stated_log, "engine_log": self.engine_log}


@dataclass(frozen=True)
class ScoreReport:
    """Everything ``vane score`` shows."""

    rows: tuple[ScoreRow, ...]
    summaries: tuple[Summary, ...]
    calibration: dict[str, tuple[Bucket, ...]]
    murphy: dict[str, Murphy]
    coherence: tuple[Coherence, ...]
    outcomes: dict[str, str]
    skipped: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self, diagram: Path | None = None) -> dict:
        """The report as plain data (``vane score --json``, documented in the README); ``diagram``: the reliability diagram's file."""
        by_question: dict[str, list] = {}
        for row in self.rows:
            by_question.setdefault(row.question, []).append(row.as_dict())
        return {
            "questions": [{"id": qid, "outcome": self.outcomes[qid], "forecasters": rows} for qid, rows in by_question.items()],
            "summary": [summary.as_dict() for summary in self.summaries],
            "calibration": {name: [asdict(bucket) for bucket in buckets] for name, buckets in self.calibration.items()},
            "murphy": {name: asdict(parts) for name, parts in self.murphy.items()},
            "coherence": [entry.as_dict() for entry in self.coherence],
            "reliability_diagram": str(diagram) if diagram else None,
            "skipped_forecasts": list(self.skipped),
        }

    def csv_rows(self) -> list[list]:
        """The per-question scores as CSV rows, header first (every text cell inert in a spreadsheet)."""
        return [CSV_HEADER, *(row.csv_cells() for row in self.rows)]

    def as_csv(self) -> str:
        """``csv_rows`` as CSV text."""
        buffer = io.StringIO()
        csv.writer(buffer).writerows(self.csv_rows())
        return buffer.getvalue()


def references(question: Question) -> list[LoggedForecast]:
    """The uniform forecast and the question's prior, standing from the opening."""
    start, _ = question.window
    k = len(question.scenarios)
    return [
        LoggedForecast(start, question.id, UNIFORM, {sid: 1.0 / k for sid in question.scenario_ids}, "baseline", "baseline"),
        LoggedForecast(start, question.id, PRIOR, dict(question.prior.probabilities), "baseline", "baseline"),
    ]


def build_input(questions: list[Question], entries: list[LoggedForecast]) -> tuple[scoring.ScoringInput, list[str], dict[str, str], list[str]]:
    """Scoring arrays from questions and forecasts; also forecaster names, their kinds, and skipped entries."""
    index = {question.id: number for number, question in enumerate(questions)}
    names: dict[str, int] = {}
    kinds: dict[str, str] = {}
    width = max((len(q.scenarios) for q in questions), default=2)
    rows, skipped = [], []
    for entry in entries:
        if entry.question not in index:  # not among the resolved questions being scored
            continue
        question = questions[index[entry.question]]
        where = f"{entry.forecaster} on {entry.question} at {entry.time:%Y-%m-%d %H:%M}"
        if set(entry.probabilities) != set(question.scenario_ids):
            skipped.append(f"{where}: its scenarios are not the question's")
            continue
        if reserved_kind(entry.forecaster) not in (None, entry.kind):
            skipped.append(f"{where}: a {entry.kind} forecast under a name the tool keeps for its own")
            continue
        names.setdefault(entry.forecaster, len(names))
        kinds.setdefault(entry.forecaster, entry.kind)
        padded = [entry.probabilities[sid] for sid in question.scenario_ids] + [0.0] * (width - len(question.scenarios))
        rows.append((index[entry.question], names[entry.forecaster], entry.time.timestamp(), padded))
    outcome = [question.scenario_ids.index(question.outcome) if question.outcome else -1 for question in questions]
    data = scoring.ScoringInput(
        start=np.array([q.window[0].timestamp() for q in questions]),
        end=np.array([q.window[1].timestamp() for q in questions]),
        spot=np.array([q.spot_scoring_time.timestamp() for q in questions]),
        scenarios=np.array([len(q.scenarios) for q in questions]),
        outcome=np.array(outcome, dtype=np.int64),
        ordered=np.array([q.ordered for q in questions], dtype=bool),
        question=np.array([row[0] for row in rows], dtype=np.int64),
        forecaster=np.array([row[1] for row in rows], dtype=np.int64),
        time=np.array([row[2] for row in rows], dtype=float),
        probabilities=np.array([row[3] for row in rows], dtype=float).reshape(len(rows), width),
        peer_members=np.array([kinds[name] not in ("baseline", "backtest") for name in names], dtype=bool),
    )
    return data, list(names), kinds, skipped


def score_questions(
    questions: list[Question], entries: list[LoggedForecast], backtests: list[LoggedForecast] = (),
    parameters: Parameters | None = None, seed: int = 0,
) -> ScoreReport:
    """Score every forecaster (and the baselines) on every resolved question."""
    resolved = [q for q in questions if q.outcome]
    everything = [*entries, *backtests, *(reference for q in resolved for reference in references(q))]
    data, names, kinds, skipped = build_input(resolved, everything)
    pairs = scoring.score(data)
    rows = tuple(
        ScoreRow(
            question=resolved[pairs.question[p]].id, forecaster=names[pairs.forecaster[p]],
            kind=kinds[names[pairs.forecaster[p]]], forecasts=int(pairs.forecasts[p]),
            averaged={name: float(pairs.averaged[name][p]) for name in SCORE_NAMES},
            final={name: float(pairs.final[name][p]) for name in SCORE_NAMES},
            spot={name: float(pairs.spot[name][p]) for name in SPOT_SCORES},
        )
        for p in range(pairs.question.shape[0])
    )
    finals = _final_forecasts(resolved, everything)
    return ScoreReport(
        rows=rows,
        summaries=tuple(summarise(rows, name, seed) for name in dict.fromkeys(row.forecaster for row in rows)),
        calibration={name: calibration_table(*pairs_) for name, pairs_ in finals.items()},
        murphy={name: murphy(*pairs_) for name, pairs_ in finals.items()},
        coherence=tuple(coherence(_resolved_first(questions, resolved), entries, parameters)),
        outcomes={q.id: q.resolution.outcome for q in resolved},
        skipped=tuple(skipped),
    )


def _resolved_first(questions: list[Question], resolved: list[Question]) -> list[Question]:
    """The resolved questions, then the others (by id: comparing whole questions is slow and quadratic)."""
    scored = {question.id for question in resolved}
    return resolved + [question for question in questions if question.id not in scored]


def summarise(rows, forecaster: str, seed: int = 0) -> Summary:
    """Mean time-averaged scores over the forecaster's questions, with 90% bootstrap intervals over questions."""
    mine = [row for row in rows if row.forecaster == forecaster]
    rng = np.random.default_rng(seed)
    means = {}
    for name in SCORE_NAMES:
        values = np.array([row.averaged[name] for row in mine], dtype=float)
        values = values[np.isfinite(values)]
        if not values.size:
            continue
        resampled = rng.choice(values, size=(BOOTSTRAP, values.size), replace=True).mean(axis=1)
        low, high = np.quantile(resampled, [0.05, 0.95])
        means[name] = (float(values.mean()), float(low), float(high))
    return Summary(forecaster, len(mine), means, versus_baselines(rows, mine))


def versus_baselines(rows, mine) -> dict[str, float]:
    """Mean time-averaged Brier score minus each baseline's, over the forecaster's own questions (below 0: better).

    Means across questions are only comparable on the same questions: a forecaster
    who forecast only the hard ones would otherwise look worse than the baselines.
    """
    if not mine or mine[0].kind == "baseline":
        return {}
    brier = {(row.forecaster, row.question): row.averaged["brier"] for row in rows}
    return {
        baseline: float(np.mean([row.averaged["brier"] - brier[(baseline, row.question)] for row in mine]))
        for baseline in (UNIFORM, PRIOR)
    }


def _final_forecasts(questions: list[Question], entries) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per forecaster, the (probability, happened) pairs of every scenario of its last forecast in each window."""
    latest: dict[tuple[str, str], LoggedForecast] = {}
    windows = {q.id: q for q in questions}
    for entry in entries:
        question = windows.get(entry.question)
        if question is None or entry.time.timestamp() > question.window[1].timestamp():
            continue
        key = (entry.forecaster, entry.question)
        if key not in latest or entry.time >= latest[key].time:
            latest[key] = entry
    pairs: dict[str, list[tuple[float, float]]] = {}
    for (forecaster, question_id), entry in latest.items():
        outcome = windows[question_id].resolution.outcome
        if set(entry.probabilities) != set(windows[question_id].scenario_ids):
            continue
        pairs.setdefault(forecaster, []).extend((p, float(sid == outcome)) for sid, p in entry.probabilities.items())
    return {name: (np.array([p for p, _ in values]), np.array([o for _, o in values])) for name, values in pairs.items()}


def calibration_table(forecasts: np.ndarray, happened: np.ndarray) -> tuple[Bucket, ...]:
    """10% buckets of forecast probabilities: counts, mean forecast, observed frequency."""
    bucket = np.minimum((forecasts * BUCKETS).astype(int), BUCKETS - 1)
    table = []
    for b in range(BUCKETS):
        inside = bucket == b
        count = int(inside.sum())
        table.append(Bucket(b / BUCKETS, (b + 1) / BUCKETS, count,
                            float(forecasts[inside].mean()) if count else float("nan"),
                            float(happened[inside].mean()) if count else float("nan")))
    return tuple(table)


def murphy(forecasts: np.ndarray, happened: np.ndarray) -> Murphy:
    """Murphy's decomposition of the mean Brier score of the probabilities, grouped by distinct value (exact)."""
    values, group = np.unique(np.round(forecasts, 12), return_inverse=True)
    counts = np.bincount(group, minlength=values.size)
    frequency = np.bincount(group, weights=happened, minlength=values.size) / counts
    base_rate = happened.mean()
    n = forecasts.size
    return Murphy(
        brier=float(np.mean((forecasts - happened) ** 2)),
        reliability=float(np.sum(counts * (values - frequency) ** 2) / n),
        resolution=float(np.sum(counts * (frequency - base_rate) ** 2) / n),
        uncertainty=float(base_rate * (1 - base_rate)),
    )


def coherence(questions: list[Question], entries, parameters: Parameters | None) -> list[Coherence]:
    """Each stated forecast beside the engine's evidence-implied forecast at that time (strict: recorded by then).

    The engine runs once per question over all its stated forecasts' dates, not once per forecast.
    """
    if parameters is None:
        return []
    by_id = {q.id: q for q in questions}
    stated: dict[str, list] = {}  # question id -> (position in the log, entry)
    for position, entry in enumerate(entries):
        question = by_id.get(entry.question)
        if entry.kind == "stated" and question is not None and set(entry.probabilities) == set(question.scenario_ids):
            stated.setdefault(question.id, []).append((position, entry))
    found = []
    for question_id, said in stated.items():
        question = by_id[question_id]
        implied = probabilities_at(question, parameters, [entry.time.date() for _, entry in said], strict=True).mean
        found += [(position, _coherence(question, entry, row)) for (position, entry), row in zip(said, implied)]
    return [gap for _, gap in sorted(found, key=lambda pair: pair[0])]  # in the log's order


def _coherence(question: Question, entry, implied: np.ndarray) -> Coherence:
    """One stated forecast beside the engine's ``implied`` probabilities."""
    engine = dict(zip(question.scenario_ids, map(float, implied)))
    gap = 0.5 * sum(abs(entry.probabilities[sid] - engine[sid]) for sid in question.scenario_ids)
    outcome = question.outcome
    log = (lambda p: float(np.log(max(p[outcome], scoring.LOG_FLOOR)))) if outcome else (lambda p: None)
    return Coherence(question.id, entry.forecaster, entry.time, entry.probabilities, engine, gap,
                     log(entry.probabilities), log(engine))
