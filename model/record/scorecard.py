"""The track record: every forecaster scored on every resolved question, with summaries across questions.

Forecasters are those of the forecast log (the engine as published, analysts'
stated forecasts, imported crowds) and two baselines every one is compared
with: the uniform forecast and the question's own prior. A backtest of the
engine can be added; it is labelled as such and never mixed into peer scores.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from model.base import parallel
from model.base.textsafe import visible
from model.engine.parameters import Parameters
from model.engine.probabilities import (
    day_number,
    mean_probabilities,
    question_arrays,
    visible_mask,
)
from model.fileformat.grades import DEFAULT_GRADE
from model.fileformat.log_entry import (
    DAY_MICROS,
    EPOCH,
    KIND_CODES,
    PRIOR,
    UNIFORM,
    LoggedForecast,
    LogTables,
    entry_columns,
    moment_of,
    reserved_kind,
)
from model.fileformat.question import Question
from model.record import scoring
from model.record.forecast_table import ForecastTable, TableBuilder, baseline_columns
from model.record.scoring import SCORE_NAMES, SPOT_SCORES

BUCKETS = 10


BOOTSTRAP = 2000


BOOTSTRAP_QUESTIONS = 1000  # beyond this many questions, a mean's interval is the normal one the bootstrap tends to


RESAMPLE_CELLS = 1 << 17  # resampled values drawn and averaged together: they stay in the cache


NORMAL_95 = 1.6448536269514722  # the standard normal's 95th percentile


WHEN = ("time_averaged", "final")  # the two versions of every score over a question's window


CSV_HEADER = ("question", "forecaster", "kind", "forecasts",
              *(f"{name}_{when}" for name in SCORE_NAMES for when in WHEN), *(f"spot_{name}" for name in SPOT_SCORES),
              "coverage")

SMALL_COVERAGE = 0.5  # a forecaster whose forecasts covered less of their questions' lives than this gets a note


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
    coverage: float = 1.0  # the share of the question's life from the first forecast on

    def as_dict(self) -> dict:
        """Every score by name, time-averaged and final (and spot for baseline and peer), and the coverage."""
        scores = {name: {"time_averaged": _plain(self.averaged[name]), "final": _plain(self.final[name])}
                  for name in SCORE_NAMES}
        scores.update({f"spot_{name}": _plain(self.spot[name]) for name in SPOT_SCORES})
        return {"forecaster": self.forecaster, "kind": self.kind, "forecasts": self.forecasts, "scores": scores,
                "coverage": _plain(self.coverage)}

    def csv_cells(self) -> list:
        """The row's cells under ``CSV_HEADER``: text cells made inert, missing scores empty."""
        values = [self.averaged[name] if when == "time_averaged" else self.final[name]
                  for name in SCORE_NAMES for when in WHEN] + [self.spot[name] for name in SPOT_SCORES]
        values.append(self.coverage)
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
    coverage: float = float("nan")  # mean share of the questions' lives the forecasts covered

    def as_dict(self) -> dict:
        """The summary as plain data: means with their intervals, the Brier differences with the baselines,
        and the mean coverage."""
        return {"forecaster": self.forecaster, "questions": self.questions,
                "time_averaged": {name: {"mean": m, "low": lo, "high": hi} for name, (m, lo, hi) in self.means.items()},
                "brier_versus_baselines": self.versus, "coverage": _plain(self.coverage)}


@dataclass(frozen=True)
class Bucket:
    """Forecasts between ``low`` and ``high``: how many, their mean, and how often the scenario happened.

    ``observed_low`` and ``observed_high`` bound the observed frequency: its
    90% Wilson score interval (nan for an empty bucket).
    """

    low: float
    high: float
    count: int
    mean_forecast: float
    observed: float
    observed_low: float = float("nan")
    observed_high: float = float("nan")


@dataclass(frozen=True)
class Murphy:
    """Brier score of the scenario probabilities, in the calibration table's buckets (Stephenson, Coelho and
    Jolliffe 2008): brier = reliability - resolution + uncertainty + within_variance - within_covariance.

    ``reliability`` is the count-weighted squared gap between each bucket's mean
    forecast and its observed frequency (as the calibration table shows them);
    the two within-bucket terms are what grouping forecasts into buckets leaves
    out, so the parts add up exactly whatever the forecasts.
    """

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_variance: float = 0.0
    within_covariance: float = 0.0
    # 90% intervals of reliability and resolution, resampling questions (``murphy_intervals``); nan without
    reliability_low: float = float("nan")
    reliability_high: float = float("nan")
    resolution_low: float = float("nan")
    resolution_high: float = float("nan")


@dataclass(frozen=True)
class Coherence:
    """An analyst's stated forecasts on a question beside what the evidence implied at each one's time.

    The latest stated forecast is shown in full (``time``, ``stated``, ``engine``,
    ``gap``, and once resolved the two log scores); ``forecasts`` counts them all,
    ``mean_gap`` is their mean gap and, once resolved, ``stated_better`` and
    ``engine_better`` count those where the stated forecast or the evidence
    scored better (the rest tied).
    """

    question: str
    forecaster: str
    time: dt.datetime
    stated: dict[str, float]
    engine: dict[str, float]
    gap: float  # total variation distance, 0 to 1
    stated_log: float | None = None
    engine_log: float | None = None
    forecasts: int = 1
    mean_gap: float = 0.0
    stated_better: int | None = None
    engine_better: int | None = None

    def as_dict(self) -> dict:
        """The comparison as plain data (the time as ISO 8601)."""
        return {"question": self.question, "forecaster": self.forecaster, "forecasts": self.forecasts,
                "time": self.time.isoformat(), "stated": self.stated, "engine": self.engine, "gap": self.gap,
                "stated_log": self.stated_log, "engine_log": self.engine_log, "mean_gap": self.mean_gap,
                "stated_better": self.stated_better, "engine_better": self.engine_better}


@dataclass(frozen=True)
class ScoreTable:
    """Every score of every (question, forecaster) pair as arrays (``scoring.PairScores``), in question order.

    ``questions`` names each question index of ``pairs``, ``forecasters`` and
    ``kinds`` each forecaster index.
    """

    questions: tuple[str, ...]
    forecasters: tuple[str, ...]
    kinds: tuple[str, ...]
    pairs: scoring.PairScores

    def __len__(self) -> int:
        return int(self.pairs.question.shape[0])

    def row(self, p: int) -> ScoreRow:
        """Pair ``p`` as a ``ScoreRow``."""
        pairs, name = self.pairs, self.forecasters[self.pairs.forecaster[p]]
        return ScoreRow(
            question=self.questions[pairs.question[p]], forecaster=name, kind=self.kinds[pairs.forecaster[p]],
            forecasts=int(pairs.forecasts[p]),
            averaged={score: float(pairs.averaged[score][p]) for score in SCORE_NAMES},
            final={score: float(pairs.final[score][p]) for score in SCORE_NAMES},
            spot={score: float(pairs.spot[score][p]) for score in SPOT_SCORES},
            coverage=float(pairs.coverage[p]) if pairs.coverage is not None else 1.0,
        )

    def question_starts(self) -> np.ndarray:
        """Where each question's pairs start (and, last, the number of pairs): pairs come grouped by question."""
        question = self.pairs.question
        starts = np.flatnonzero(np.concatenate([[True], question[1:] != question[:-1]])) if len(self) else np.zeros(0, int)
        return np.append(starts, len(self))


@dataclass(frozen=True)
class CoherenceTable:
    """``Coherence`` of every (question, forecaster) pair with stated forecasts, as arrays.

    ``stated`` holds the latest forecast's probabilities in the order written
    (``stated_ids``), ``engine`` the evidence-implied ones in the question's
    scenario order; the log scores are nan and the counts -1 on questions not
    resolved to a scenario.
    """

    question: tuple[Question, ...]
    forecaster: tuple[str, ...]
    forecasts: np.ndarray
    mean_gap: np.ndarray
    stated_better: np.ndarray
    engine_better: np.ndarray
    micros: np.ndarray
    stated_ids: tuple[tuple[str, ...], ...]
    stated: np.ndarray
    engine: np.ndarray
    gap: np.ndarray
    stated_log: np.ndarray
    engine_log: np.ndarray

    def __len__(self) -> int:
        return int(self.forecasts.shape[0])

    @staticmethod
    def empty() -> "CoherenceTable":
        none = np.zeros(0)
        return CoherenceTable((), (), none.astype(int), none, none.astype(int), none.astype(int), none.astype(np.int64),
                              (), np.zeros((0, 2)), np.zeros((0, 2)), none, none, none)

    def row(self, p: int) -> Coherence:
        """Pair ``p`` as a ``Coherence``."""
        question, count = self.question[p], int(self.forecasts[p])
        resolved = self.stated_better[p] >= 0
        ids = self.stated_ids[p]
        return Coherence(
            question.id, self.forecaster[p], moment_of(self.micros[p]),
            dict(zip(ids, map(float, self.stated[p, : len(ids)]))),
            dict(zip(question.scenario_ids, map(float, self.engine[p, : len(question.scenario_ids)]))),
            float(self.gap[p]), float(self.stated_log[p]) if resolved else None,
            float(self.engine_log[p]) if resolved else None, count, float(self.mean_gap[p]),
            int(self.stated_better[p]) if resolved else None, int(self.engine_better[p]) if resolved else None,
        )


@dataclass(frozen=True)
class ScoreReport:
    """Everything ``vane score`` shows: the per-pair scores and coherence as arrays (``rows`` and ``coherence``
    build their objects on demand), the summaries, calibration and Murphy decomposition per forecaster."""

    scores: ScoreTable
    summaries: tuple[Summary, ...]
    calibration: dict[str, tuple[Bucket, ...]]
    murphy: dict[str, Murphy]
    coherence_table: CoherenceTable
    outcomes: dict[str, str]
    skipped: tuple[str, ...] = field(default_factory=tuple)
    # cut name ("tag", "month") -> group -> its summaries (``summaries_by``), for the cuts asked for
    cuts: dict[str, dict[str, tuple[Summary, ...]]] = field(default_factory=dict)
    discrimination: dict[str, "Discrimination"] = field(default_factory=dict)
    rolling: dict[str, tuple["RollingPoint", ...]] = field(default_factory=dict)  # ``rolling_calibration``
    extremes: dict[str, tuple[Bucket, ...]] = field(default_factory=dict)  # ``extremes_table``

    @cached_property
    def rows(self) -> tuple[ScoreRow, ...]:
        """One forecaster on one question, every pair, in question order."""
        return tuple(self.scores.row(p) for p in range(len(self.scores)))

    @cached_property
    def coherence(self) -> tuple[Coherence, ...]:
        """The analysts' stated forecasts beside the evidence, per (question, forecaster) pair."""
        return tuple(self.coherence_table.row(p) for p in range(len(self.coherence_table)))

    def as_dict(self, diagram: Path | None = None, spread: Path | None = None, page: Path | None = None) -> dict:
        """The report as plain data (``vane score --json``, documented in the README); ``diagram``, ``spread`` and
        ``page``: the files of the reliability diagram, the discrimination plot and the track record page."""
        by_question: dict[str, list] = {}
        for row in self.rows:
            by_question.setdefault(row.question, []).append(row.as_dict())
        return {
            "questions": [{"id": qid, "outcome": self.outcomes[qid], "forecasters": rows} for qid, rows in by_question.items()],
            **self._small_parts(diagram, [entry.as_dict() for entry in self.coherence], spread, page),
        }

    def _small_parts(self, diagram: Path | None, coherence, spread: Path | None = None,
                     page: Path | None = None) -> dict:
        return {
            "summary": [summary.as_dict() for summary in self.summaries],
            "calibration": {name: [asdict(bucket) for bucket in buckets] for name, buckets in self.calibration.items()},
            "calibration_extremes": {name: [asdict(bucket) for bucket in buckets]
                                     for name, buckets in self.extremes.items()},
            "murphy": {name: asdict(parts) for name, parts in self.murphy.items()},
            "discrimination": {name: found.as_dict() for name, found in self.discrimination.items()},
            "rolling_calibration": {name: [asdict(point) for point in points] for name, points in self.rolling.items()},
            "coherence": coherence,
            "reliability_diagram": str(diagram) if diagram else None,
            "discrimination_plot": str(spread) if spread else None,
            "track_record_page": str(page) if page else None,
            "skipped_forecasts": list(self.skipped),
            **{f"by_{cut}": {group: [summary.as_dict() for summary in found] for group, found in groups.items()}
               for cut, groups in self.cuts.items()},
        }

    def json_chunks(self, diagram: Path | None = None, block: int = 1000, spread: Path | None = None,
                    page: Path | None = None):
        """The text of ``json.dumps(self.as_dict(diagram), indent=2, ensure_ascii=True)``, a piece at a time
        (``block`` questions or coherence pairs each), without building the dictionaries."""
        dumps = lambda value: json.dumps(value, indent=2, ensure_ascii=True)  # noqa: E731
        yield "{\n  \"questions\": "
        yield from _json_list(_question_texts(self, block), 1)
        for key, value in self._small_parts(diagram, None, spread, page).items():
            yield f",\n  {dumps(key)}: "
            if key == "coherence":
                yield from _json_list(_coherence_texts(self.coherence_table, block), 1)
            else:
                yield dumps(value).replace("\n", "\n  ")
        yield "\n}"

    def csv_rows(self) -> list[list]:
        """The per-question scores as CSV rows, header first (every text cell inert in a spreadsheet)."""
        return [CSV_HEADER, *(row.csv_cells() for row in self.rows)]

    def as_csv(self) -> str:
        """``csv_rows`` as CSV text (built from the arrays a block of pairs at a time)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        table, pairs, safe = self.scores, self.scores.pairs, {}
        cell = lambda text: safe.get(text) or safe.setdefault(text, spreadsheet_safe(text))  # noqa: E731
        for start in range(0, len(table), 10_000):
            part = slice(start, start + 10_000)
            columns = [[cell(table.questions[q]) for q in pairs.question[part].tolist()],
                       [cell(table.forecasters[f]) for f in pairs.forecaster[part].tolist()],
                       [cell(table.kinds[f]) for f in pairs.forecaster[part].tolist()],
                       pairs.forecasts[part].tolist()]
            columns += [_texts(getattr(pairs, "averaged" if when == "time_averaged" else "final")[name][part], "")
                        for name in SCORE_NAMES for when in WHEN]
            columns += [_texts(pairs.spot[name][part], "") for name in SPOT_SCORES]
            columns.append(_texts(pairs.coverage[part], "") if pairs.coverage is not None
                           else ["1.0"] * len(columns[0]))
            writer.writerows(zip(*columns))
        return buffer.getvalue()


def table_builder(questions: list[Question], tables: LogTables | None = None, capacity: int = 1024) -> TableBuilder:
    """A ``TableBuilder`` for the entries ``score_table`` needs: those on ``questions`` (one question per id)."""
    resolved = [q for q in questions if q.outcome]
    by_id = {question.id: question for question in _resolved_first(questions, resolved)}
    return TableBuilder(list(by_id.values()), tables or LogTables(), capacity)


def score_questions(
    questions: list[Question], entries: list[LoggedForecast], backtests: list[LoggedForecast] = (),
    parameters: Parameters | None = None, seed: int = 0,
) -> ScoreReport:
    """Score every forecaster (and the baselines) on every resolved question.

    With ``parameters``, the analysts' stated forecasts are also set beside the
    evidence (``coherence``).
    """
    builder = table_builder(questions)
    builder.add(entry_columns(entries, builder.tables))
    return score_table(builder, questions, backtests, parameters, seed)


def score_table(builder: TableBuilder, questions: list[Question], backtests: list[LoggedForecast] = (),
                parameters: Parameters | None = None, seed: int = 0, horizons: bool = False) -> ScoreReport:
    """``score_questions`` on the log's entries already added to ``builder`` (``table_builder(questions)``).

    With ``horizons``, the report's cuts also hold ``horizon_summaries``.
    """
    resolved = [q for q in questions if q.outcome]
    if backtests:
        builder.add(entry_columns(backtests, builder.tables))
    builder.add(baseline_columns(resolved, builder.tables))
    table = builder.finish()
    where = _Scored.of(table, resolved)
    # The engine's means beside the stated forecasts (coherence) are worked out by forked workers while the
    # scores are: on ten million forecasts each takes seconds, the first mostly in the workers.
    with coherence_beside(table, parameters) as coherent:
        data, scores, skipped = _scoring_input(table, resolved, where)
        pairs = scoring.score(data)
        cuts = {"horizon": horizon_summaries(data, scores[0], seed)} if horizons else {}
        del data  # memory for what follows: a copy of every forecast's question and forecaster
        scores = ScoreTable(tuple(q.id for q in resolved), *scores, pairs)
        finals = _final_tables(table, where, seed)
        del where
        coherence_table = coherent()
    return ScoreReport(
        scores=scores,
        summaries=summaries(scores, seed),
        **finals,
        coherence_table=coherence_table,
        outcomes={q.id: q.resolution.outcome for q in resolved},
        skipped=tuple(skipped),
        cuts=cuts,
    )


def _final_tables(table: ForecastTable, where: _Scored, seed: int) -> dict[str, dict]:
    """The report's tables of each forecaster's final forecasts (``_final_forecasts``), by the report's field."""
    finals = _final_forecasts(table, where)
    return {
        "calibration": {name: calibration_table(f.forecasts, f.happened) for name, f in finals.items()},
        "murphy": {name: murphy_intervals(murphy(f.forecasts, f.happened), f, seed) for name, f in finals.items()},
        "extremes": {name: extremes_table(f.forecasts, f.happened) for name, f in finals.items()},
        "discrimination": {name: discrimination(f.forecasts[f.yes], f.happened[f.yes]) for name, f in finals.items()},
        "rolling": {name: rolling_calibration(f) for name, f in finals.items()},
    }


def _resolved_first(questions: list[Question], resolved: list[Question]) -> list[Question]:
    """The resolved questions, then the others (by id: comparing whole questions is slow and quadratic)."""
    scored = {question.id for question in resolved}
    return resolved + [question for question in questions if question.id not in scored]


@dataclass(frozen=True)
class _Scored:
    """Where the table's entries stand for scoring: each one's resolved question, window end and fitness."""

    resolved: np.ndarray  # index in the resolved list (the last with the entry's question id), or -1
    end: np.ndarray  # (Q,) each resolved question's window end (seconds)
    matches: np.ndarray  # the entry's scenarios are its question's
    reserved: np.ndarray  # the entry's forecaster name is one the tool keeps for another kind

    @staticmethod
    def of(table: ForecastTable, resolved: list[Question]) -> "_Scored":
        index = {question.id: number for number, question in enumerate(resolved)}
        where = np.array([index.get(question.id, -1) for question in table.questions], dtype=np.int64)
        kind_of = np.array([-1 if reserved_kind(name) is None else KIND_CODES.index(reserved_kind(name))
                            for name in table.tables.forecasters], dtype=np.int64)
        allowed = kind_of[table.forecaster]
        return _Scored(where.astype(np.int32)[table.question] if len(table) else np.zeros(0, dtype=np.int32),
                       np.array([q.window[1].timestamp() for q in resolved]),
                       table.matches[table.combo], (allowed >= 0) & (allowed != table.kind))


def _scoring_input(table: ForecastTable, resolved: list[Question], where: _Scored):
    """Scoring arrays for the entries on resolved questions; also forecaster names, their kinds, and skipped entries."""
    on_resolved = where.resolved >= 0
    accepted = on_resolved & where.matches & ~where.reserved
    skipped = []
    for row in np.flatnonzero(on_resolved & ~accepted).tolist():
        name, question = table.tables.forecasters[table.forecaster[row]], table.questions[table.question[row]].id
        at = f"{name} on {question} at {moment_of(table.micros[row]):%Y-%m-%d %H:%M}"
        skipped.append(f"{at}: its scenarios are not the question's" if not where.matches[row] else
                       f"{at}: a {KIND_CODES[table.kind[row]]} forecast under a name the tool keeps for its own")
    rows = np.flatnonzero(accepted)
    every = rows.shape[0] == len(table)
    codes = table.forecaster[rows]
    distinct, first = np.unique(codes, return_index=True)
    order = np.argsort(first)
    rank = np.zeros(len(table.tables.forecasters), dtype=np.int32)
    rank[distinct[order]] = np.arange(distinct.shape[0])
    names = tuple(table.tables.forecasters[code] for code in distinct[order].tolist())
    kinds = tuple(KIND_CODES[kind] for kind in table.kind[rows[first[order]]].tolist())
    width = max((len(q.scenarios) for q in resolved), default=2)
    outcome = [question.scenario_ids.index(question.outcome) for question in resolved]
    data = scoring.ScoringInput(
        start=np.array([q.window[0].timestamp() for q in resolved]),
        end=where.end,
        spot=np.array([q.spot_scoring_time.timestamp() for q in resolved]),
        scenarios=np.array([len(q.scenarios) for q in resolved]),
        outcome=np.array(outcome, dtype=np.int64),
        ordered=np.array([q.ordered for q in resolved], dtype=bool),
        question=where.resolved if every else where.resolved[rows],
        forecaster=rank[codes],
        time=table.seconds(None if every else rows),
        probabilities=table.probabilities[:, :width] if every else table.probabilities[rows, :width],
        peer_members=np.array([kind not in ("baseline", "backtest", "pooled") for kind in kinds], dtype=bool),
    )
    return data, (names, kinds), skipped


def summaries(scores: ScoreTable, seed: int = 0) -> tuple[Summary, ...]:
    """Each forecaster's summary (``summarise``), in order of first appearance."""
    pairs = scores.pairs
    order = np.argsort(pairs.forecaster, kind="stable")
    ends = np.cumsum(np.bincount(pairs.forecaster, minlength=len(scores.forecasters)))
    mine = {f: order[end - count:end] for f, (end, count) in
            enumerate(zip(ends, np.bincount(pairs.forecaster, minlength=len(scores.forecasters))))}
    _, first = np.unique(pairs.forecaster, return_index=True)
    appearing = pairs.forecaster[np.sort(first)].tolist()
    brier = pairs.averaged["brier"]
    baseline_brier = {}
    for name in (UNIFORM, PRIOR):
        on_question = np.full(len(scores.questions), np.nan)
        if name in scores.forecasters:
            theirs = mine[scores.forecasters.index(name)]
            on_question[pairs.question[theirs]] = brier[theirs]
        baseline_brier[name] = on_question
    found = []
    for f in appearing:
        rows = mine[f]
        versus = {} if scores.kinds[f] == "baseline" else {
            name: float(np.mean(brier[rows] - on_question[pairs.question[rows]]))
            for name, on_question in baseline_brier.items()}
        found.append(summarise({name: pairs.averaged[name][rows] for name in SCORE_NAMES},
                               scores.forecasters[f], seed, versus, _coverage(pairs, rows)))
    return tuple(found)


UNTAGGED = "(no tag)"


def tag_groups(questions) -> dict[str, list[str]]:
    """The ids of the questions with each tag, tags in order of first appearance; untagged ones under ``UNTAGGED``."""
    groups: dict[str, list[str]] = {}
    for question in questions:
        for tag in question.tags or (UNTAGGED,):
            groups.setdefault(tag, []).append(question.id)
    if UNTAGGED in groups:  # last, whatever came first
        groups[UNTAGGED] = groups.pop(UNTAGGED)
    return groups


def month_groups(questions) -> dict[str, list[str]]:
    """The ids of the resolved questions by month of resolution (``2025-03``), months in order."""
    groups: dict[str, list[str]] = {}
    for question in sorted((q for q in questions if q.resolution), key=lambda q: q.resolution.date):
        groups.setdefault(f"{question.resolution.date:%Y-%m}", []).append(question.id)
    return groups


GRADE_BANDS = (("AB", "mostly A–B sources"), ("CD", "mostly C–D sources"), ("EF", "mostly E–F or ungraded sources"))


NO_EVIDENCE = "no evidence"


def grade_groups(questions) -> dict[str, list[str]]:
    """The ids of the resolved questions by the source grades of the evidence behind the engine's forecast:
    the band of source letters (A–B, C–D, E–F; an ungraded item is F6) holding most of the items that counted
    at the question's end (ties: the less reliable band), bands in that order, then those with no evidence."""
    groups: dict[str, list[str]] = {label: [] for _, label in GRADE_BANDS}
    groups[NO_EVIDENCE] = []
    for question in questions:
        if question.resolution is None:
            continue
        letters = _counted_letters(question)
        if not letters:
            groups[NO_EVIDENCE].append(question.id)
            continue
        counts = [sum(letter in band for letter in letters) for band, _ in GRADE_BANDS]
        most = max(range(len(GRADE_BANDS)), key=lambda b: (counts[b], b))
        groups[GRADE_BANDS[most][1]].append(question.id)
    return {label: ids for label, ids in groups.items() if ids}


def _counted_letters(question: Question) -> list[str]:
    """The source letter of each item counting at the question's horizon (``visible_items``), read from the
    engine's arrays, which the parse cache keeps: the items themselves need not be unpacked."""
    arrays = question_arrays(question)
    counted = visible_mask(arrays, question.horizon)
    return [(arrays.grades[grade] or DEFAULT_GRADE)[0] for grade in arrays.grade[counted].tolist()]


CUTS = {"tag": tag_groups, "month": month_groups, "grade": grade_groups}
"""How ``vane score --by`` groups questions: by tag, by month of resolution, or by the grades of their
evidence (``--by horizon`` groups forecasts instead: ``horizon_summaries``)."""


HORIZONS = ((90.0, "90 days or more"), (30.0, "30 to 90 days"), (0.0, "under 30 days"))
"""Bands of time before a question's end (its close, or its resolution if earlier), longest first."""


def horizon_summaries(data: scoring.ScoringInput, forecasters: tuple[str, ...],
                      seed: int = 0) -> dict[str, tuple[Summary, ...]]:
    """Each scored forecast's own scores, by how long before its question's end it was made (``HORIZONS``).

    Per band, each forecaster's mean over its forecasts made then, with a 90% bootstrap interval
    (``Summary.questions`` counts forecasts here). Unlike the time-averaged scores, every forecast
    counts once, however long it stood. The scores are worked out one (band, forecaster) at a time, so
    that ten million forecasts never have all their scores held at once.
    """
    kept = np.flatnonzero((data.outcome[data.question] >= 0) & (data.time <= data.end[data.question]))
    days = (data.end[data.question[kept]] - data.time[kept]) / 86_400.0
    band = np.searchsorted(-np.array([low for low, _ in HORIZONS]), -days, side="left").astype(np.int8)
    del days  # (the first band each forecast's time before the end exceeds)
    forecaster = data.forecaster[kept]
    found = {}
    for index, (_, label) in enumerate(HORIZONS):
        inside = np.flatnonzero(band == index)
        codes, first = np.unique(forecaster[inside], return_index=True)
        group = []
        for f in codes[np.argsort(first)].tolist():  # forecasters in order of their first forecast in the band
            rows = kept[inside[forecaster[inside] == f]]
            question = data.question[rows]
            own = scoring.forecast_scores(data.probabilities[rows], data.outcome[question], data.scenarios[question],
                                          data.ordered[question])
            scores = {name: own[name] if name in own else np.zeros(0) for name in SCORE_NAMES}
            group.append(summarise(scores, forecasters[f], seed))
        if group:
            found[label] = tuple(group)
    return found


def summaries_by(scores: ScoreTable, groups: dict[str, list[str]], seed: int = 0) -> dict[str, tuple[Summary, ...]]:
    """Each group's summaries: every forecaster's means over the group's scored questions (``summarise``).

    A question may be in several groups (a question with two tags counts in both).
    """
    pairs, index = scores.pairs, {qid: i for i, qid in enumerate(scores.questions)}
    found = {}
    for name, ids in groups.items():
        wanted = np.zeros(len(scores.questions), dtype=bool)
        wanted[[index[qid] for qid in ids if qid in index]] = True
        rows = np.flatnonzero(wanted[pairs.question]) if wanted.any() else np.zeros(0, dtype=np.int64)
        group = []
        for f in dict.fromkeys(pairs.forecaster[rows].tolist()):
            mine = rows[pairs.forecaster[rows] == f]
            group.append(summarise({score: pairs.averaged[score][mine] for score in SCORE_NAMES},
                                   scores.forecasters[f], seed, coverage=_coverage(pairs, mine)))
        if group:
            found[name] = tuple(group)
    return found


def _coverage(pairs, rows: np.ndarray) -> float:
    """The mean coverage of the pairs ``rows`` (nan when there is none to take)."""
    return float(np.mean(pairs.coverage[rows])) if pairs.coverage is not None and rows.size else float("nan")


def summarise(averaged: dict[str, np.ndarray], forecaster: str, seed: int = 0, versus: dict | None = None,
              coverage: float = float("nan")) -> Summary:
    """Mean time-averaged scores over the forecaster's questions (``averaged``: each score, a value per
    question), with 90% intervals over questions (``interval``)."""
    means = {}
    questions = 0
    for name in SCORE_NAMES:
        values = np.asarray(averaged[name], dtype=float)
        questions = values.shape[0]
        values = values[np.isfinite(values)]
        if values.size:
            means[name] = (float(values.mean()), *interval(values, seed))
    return Summary(forecaster, questions, means, versus or {}, coverage)


def interval(values: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """The 90% bootstrap interval of the mean of ``values``: ``BOOTSTRAP`` resamples of its questions
    (``question_draws``: the same resamples for every score and forecaster with as many values, so that
    their intervals are paired).

    Beyond ``BOOTSTRAP_QUESTIONS`` values, resampling would cost ``BOOTSTRAP``
    times the values: the interval is then the normal one that the bootstrap's
    tends to as questions grow, the mean plus or minus 1.645 standard errors (of
    the values as they are, as the bootstrap resamples them).
    """
    count = values.shape[0]
    if count > BOOTSTRAP_QUESTIONS:
        spread = NORMAL_95 * float(np.std(values)) / math.sqrt(count)
        middle = float(values.mean())
        return middle - spread, middle + spread
    resampled = question_draws(count, seed) @ values / count  # each resample's mean
    low, high = np.quantile(resampled, [0.05, 0.95])
    return float(low), float(high)


def question_draws(count: int, seed: int = 0) -> np.ndarray:
    """(BOOTSTRAP, count), read-only: how often each of ``count`` questions is drawn in each of the bootstrap's
    resamples, from the draws ``np.random.default_rng(seed).choice`` would make.

    Kept (up to ``KEPT_DRAW_CELLS`` numbers): every score of every forecaster
    with as many questions uses the same resamples, and drawing them costs more
    than using them (a product of this matrix and the values).
    """
    kept = _KEPT_DRAWS.pop((count, seed), None)
    if kept is None:
        rng = np.random.default_rng(seed)
        kept = np.empty((BOOTSTRAP, count))
        step = max(1, RESAMPLE_CELLS // count)
        for start in range(0, BOOTSTRAP, step):  # in blocks of rows: the same stream as one draw of every row
            kept[start:start + step] = resample_counts(rng, count, min(step, BOOTSTRAP - start))
        kept.flags.writeable = False
    _KEPT_DRAWS[(count, seed)] = kept  # (the latest used last: the oldest goes first)
    while sum(draws.size for draws in _KEPT_DRAWS.values()) > KEPT_DRAW_CELLS and len(_KEPT_DRAWS) > 1:
        del _KEPT_DRAWS[next(iter(_KEPT_DRAWS))]
    return kept


KEPT_DRAW_CELLS = 1 << 22  # 32 MB of kept resamples: every draw of up to 1,000 questions, or many smaller ones


_KEPT_DRAWS: dict[tuple[int, int], np.ndarray] = {}


def _final_forecasts(table: ForecastTable, where: _Scored) -> dict[str, "Finals"]:
    """Per forecaster, the (probability, happened) pairs of every scenario of its last forecast in each window,
    and which of them are a binary question's first scenario (the "yes" a ROC curve is drawn for).

    Every entry counts for "last" (the latest; of equal times the later entry),
    then those whose scenarios are not the question's are left out. Forecasters,
    their questions and each forecast's scenarios in order of first appearance.
    """
    inside = np.flatnonzero(where.resolved >= 0)
    inside = inside[table.seconds(inside) <= where.end[where.resolved[inside]]]
    if not inside.size:
        return {}
    inside = inside[np.lexsort((table.micros[inside], table.question[inside], table.forecaster[inside]))]
    forecaster, question = table.forecaster[inside], table.question[inside]  # by key, then time, then entry order
    starts = np.flatnonzero(np.concatenate([[True], (forecaster[1:] != forecaster[:-1]) | (question[1:] != question[:-1])]))
    del forecaster, question
    first = np.minimum.reduceat(inside, starts)  # each key's first entry
    latest = inside[np.append(starts[1:], inside.shape[0]) - 1][np.argsort(first)]  # its last, keys by first entry
    del inside
    latest = latest[where.matches[latest]]
    codes = table.forecaster[latest]
    distinct, first_of = np.unique(codes, return_index=True)
    appearing = distinct[np.argsort(first_of)]
    rank = np.zeros(len(table.tables.forecasters), dtype=np.int64)
    rank[appearing] = np.arange(appearing.shape[0])
    latest = latest[np.argsort(rank[codes], kind="stable")]  # grouped by forecaster, keys in order within
    values, columns = table.written(latest)
    outcome = np.array([q.scenario_ids.index(q.outcome) if q.outcome else -1 for q in table.questions])
    happened = (columns == outcome[table.question[latest]][:, None]).astype(float)
    binary = np.array([len(q.scenarios) == 2 for q in table.questions], dtype=bool)[table.question[latest]]
    first_of_binary = (columns == 0) & binary[:, None]  # a binary question's first scenario: its "yes"
    used = columns >= 0
    ends = np.cumsum(np.bincount(rank[table.forecaster[latest]], weights=used.sum(axis=1),
                                 minlength=appearing.shape[0])).astype(np.int64)
    resolved_in = np.array([_month_number(q.resolution.date) if q.resolution else -1 for q in table.questions])
    month = np.broadcast_to(resolved_in[table.question[latest]][:, None], used.shape)[used]
    question = np.broadcast_to(table.question[latest][:, None], used.shape)[used]
    forecasts, happened, first_of_binary = values[used], happened[used], first_of_binary[used]
    return {table.tables.forecasters[code]: Finals(forecasts[start:end], happened[start:end],
                                                   first_of_binary[start:end], month[start:end], question[start:end])
            for code, start, end in zip(appearing.tolist(), [0, *ends[:-1].tolist()], ends.tolist())}


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


@dataclass(frozen=True)
class Finals:
    """A forecaster's final forecasts as (probability, happened) pairs of every scenario, with which pairs are
    a binary question's "yes", the month (``year * 12 + month - 1``) its question resolved in, and the question."""

    forecasts: np.ndarray
    happened: np.ndarray
    yes: np.ndarray
    month: np.ndarray
    question: np.ndarray | None = None  # each pair's question (its code in the forecast table)


ROLLING_MONTHS = 6  # the rolling calibration's window: the questions resolved in the last six months


@dataclass(frozen=True)
class RollingPoint:
    """Calibration of the final forecasts on the questions resolved in the ``ROLLING_MONTHS`` to ``month``."""

    month: str
    forecasts: int
    reliability: float
    brier: float


def rolling_calibration(finals: Finals, months: int = ROLLING_MONTHS) -> tuple[RollingPoint, ...]:
    """For each month in which some of the forecaster's questions resolved, the binned reliability and the
    Brier score of its final forecasts on the questions resolved in that month and the ``months - 1``
    before: whether its calibration is getting better."""
    points = []
    for month in np.unique(finals.month[finals.month >= 0]).tolist():
        inside = (finals.month > month - months) & (finals.month <= month)
        parts = murphy(finals.forecasts[inside], finals.happened[inside])
        points.append(RollingPoint(f"{month // 12:04d}-{month % 12 + 1:02d}", int(inside.sum()), parts.reliability,
                                   parts.brier))
    return tuple(points)


@dataclass(frozen=True)
class Discrimination:
    """How well final forecasts on binary questions told what happened from what did not.

    ``auc`` is the area under the ROC curve of the "yes" probabilities: the
    chance that a question that resolved yes had been given more than one that
    resolved no (ties count half); 0.5 is no better than chance, 1 perfect. It
    needs both outcomes among the ``questions``; else it is nan. The forecasts
    given each outcome are in ``given_yes`` and ``given_no`` (the discrimination plot's).
    """

    questions: int
    auc: float
    given_yes: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    given_no: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)

    def as_dict(self) -> dict:
        """The count and the AUC (the forecasts themselves are the plot's, not the JSON's)."""
        return {"questions": self.questions, "auc": _plain(self.auc)}


def discrimination(yes: np.ndarray, happened: np.ndarray) -> Discrimination:
    """``Discrimination`` of the "yes" probabilities ``yes`` of binary questions, ``happened`` 1 where yes happened."""
    positive = happened > 0.5
    given_yes, given_no = yes[positive], yes[~positive]
    if not given_yes.size or not given_no.size:
        return Discrimination(int(yes.size), float("nan"), given_yes, given_no)
    ranks = _average_ranks(yes)
    count_yes, count_no = given_yes.size, given_no.size
    auc = (ranks[positive].sum() - count_yes * (count_yes + 1) / 2) / (count_yes * count_no)  # Mann-Whitney U
    return Discrimination(int(yes.size), float(auc), given_yes, given_no)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values``, tied values sharing the mean of their ranks (as ``scipy.stats.rankdata``)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    ends = np.append(starts[1:], ordered.size)
    mean_rank = (starts + ends + 1) / 2.0  # ranks start+1 .. end, averaged
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


Z90 = 1.6448536269514722  # the standard normal's 95th percentile: a two-sided 90% interval


def wilson_interval(successes: np.ndarray, counts: np.ndarray, z: float = Z90) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``successes`` out of ``counts`` (nan where a count is 0).

    Unlike the normal approximation it stays inside [0, 1] and is not empty at
    0 or all successes, which is where a forecaster's extreme buckets live.
    """
    counts = np.asarray(counts, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.asarray(successes, dtype=float) / counts
        centre = (share + z * z / (2 * counts)) / (1 + z * z / counts)
        half = z / (1 + z * z / counts) * np.sqrt(share * (1 - share) / counts + z * z / (4 * counts * counts))
    # (at 0 or all successes the bound is the share itself, which rounding may miss by an ulp)
    return np.clip(np.fmin(centre - half, share), 0.0, 1.0), np.clip(np.fmax(centre + half, share), 0.0, 1.0)


def _buckets(forecasts: np.ndarray) -> np.ndarray:
    """The bucket of each forecast: 10% wide, 100% in the last."""
    return np.minimum((forecasts * BUCKETS).astype(int), BUCKETS - 1)


def calibration_table(forecasts: np.ndarray, happened: np.ndarray) -> tuple[Bucket, ...]:
    """10% buckets of forecast probabilities: counts, mean forecast, observed frequency and its 90% interval."""
    return _table(_buckets(forecasts), [(b / BUCKETS, (b + 1) / BUCKETS) for b in range(BUCKETS)], forecasts, happened)


EXTREME_EDGES = (0.0, 0.01, 0.05, 0.10, 0.90, 0.95, 0.99, 1.0)
"""The calibration table's outer buckets split finer (the middle, 10% to 90%, left out): where a confident
forecaster's forecasts live, and where a 10% bucket hides whether 2% meant 2%."""


def extremes_table(forecasts: np.ndarray, happened: np.ndarray) -> tuple[Bucket, ...]:
    """``calibration_table`` at the extremes: [0, 1%), [1, 5%), [5, 10%), [90, 95%), [95, 99%) and [99, 100%]."""
    index = np.searchsorted(np.array(EXTREME_EDGES[1:-1]), forecasts, side="right")  # 0 .. 6, 3 the middle
    middle = len(EXTREME_EDGES) // 2 - 1
    keep = index != middle
    bounds = [pair for b, pair in enumerate(zip(EXTREME_EDGES, EXTREME_EDGES[1:])) if b != middle]
    return _table(np.where(index > middle, index - 1, index)[keep], bounds, forecasts[keep], happened[keep])


def _table(bucket: np.ndarray, bounds, forecasts: np.ndarray, happened: np.ndarray) -> tuple[Bucket, ...]:
    """The buckets ``bucket`` numbers (bucket ``b`` from ``bounds[b][0]`` to ``bounds[b][1]``): counts, mean
    forecast, observed frequency and its Wilson interval."""
    size = len(bounds)
    counts = np.bincount(bucket, minlength=size)
    sums = np.bincount(bucket, weights=forecasts, minlength=size)
    hits = np.bincount(bucket, weights=happened, minlength=size)
    low, high = wilson_interval(hits, counts)
    table = []
    for b, (start, end) in enumerate(bounds):
        count = int(counts[b])
        table.append(Bucket(start, end, count, float(sums[b] / count) if count else float("nan"),
                            float(hits[b] / count) if count else float("nan"), float(low[b]), float(high[b])))
    return tuple(table)


MURPHY_RESAMPLES = 1000


def murphy_intervals(parts: "Murphy", finals: "Finals", seed: int = 0,
                     resamples: int = MURPHY_RESAMPLES) -> "Murphy":
    """``parts`` with 90% bootstrap intervals of its reliability and resolution: questions resampled with
    replacement (each keeps all its scenarios' pairs), the binned decomposition computed again each time.

    Each question's pairs are summed per bucket once (count, forecasts, outcomes); a resample's sums are
    then its draw counts times those (``_resampled_parts``), never the pairs repeated.
    """
    if finals.question is None or not finals.forecasts.size:
        return parts
    _, question = np.unique(finals.question, return_inverse=True)
    count = int(question.max()) + 1
    if count < 2:
        return parts
    cell = question * BUCKETS + _buckets(finals.forecasts)
    sums = [np.bincount(cell, weights=weights, minlength=count * BUCKETS).reshape(count, BUCKETS)
            for weights in (None, finals.forecasts, finals.happened)]  # (questions, buckets) each
    rng = np.random.default_rng(seed)
    step = max(1, RESAMPLE_CELLS // count)
    found = []
    for start in range(0, resamples, step):
        found.append(_resampled_parts(resample_counts(rng, count, min(step, resamples - start)), *sums))
    reliability, resolution = np.concatenate(found, axis=1)
    (rel_low, rel_high), (res_low, res_high) = np.quantile(reliability, [0.05, 0.95]), np.quantile(resolution, [0.05, 0.95])
    return replace(parts, reliability_low=float(rel_low), reliability_high=float(rel_high),
                   resolution_low=float(res_low), resolution_high=float(res_high))


def resample_counts(rng: np.random.Generator, count: int, resamples: int) -> np.ndarray:
    """(resamples, count): how often each of ``count`` questions is drawn in each resample of ``count`` draws
    with replacement (a multinomial draw, as counts of uniform indices: several times faster)."""
    picks = rng.integers(0, count, size=(resamples, count)) + count * np.arange(resamples)[:, None]
    return np.bincount(picks.ravel(), minlength=resamples * count).reshape(resamples, count).astype(float)


def _resampled_parts(drawn: np.ndarray, pairs: np.ndarray, forecasts: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """(2, R): reliability and resolution of the binned decomposition of each resample, ``drawn[r]`` holding how
    often each question was drawn and the other arrays each question's per-bucket sums."""
    counts, forecast_sums, hit_sums = drawn @ pairs, drawn @ forecasts, drawn @ hits  # (R, buckets)
    total = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_forecast, observed = forecast_sums / counts, hit_sums / counts
    base = hit_sums.sum(axis=1) / total
    gap = np.nan_to_num(counts * (mean_forecast - observed) ** 2)
    spread = np.nan_to_num(counts * (observed - base[:, None]) ** 2)
    return np.stack([gap.sum(axis=1) / total, spread.sum(axis=1) / total])


def murphy(forecasts: np.ndarray, happened: np.ndarray) -> Murphy:
    """The binned decomposition of the mean Brier score of the probabilities (``Murphy``), exact."""
    n = forecasts.size
    bucket = _buckets(forecasts)
    counts = np.bincount(bucket, minlength=BUCKETS)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_forecast = np.bincount(bucket, weights=forecasts, minlength=BUCKETS) / counts
        observed = np.bincount(bucket, weights=happened, minlength=BUCKETS) / counts
    used = counts > 0
    base_rate = happened.mean()
    off_forecast, off_outcome = forecasts - mean_forecast[bucket], happened - observed[bucket]
    return Murphy(
        brier=float(np.mean((forecasts - happened) ** 2)),
        reliability=float(np.sum(counts[used] * (mean_forecast[used] - observed[used]) ** 2) / n),
        resolution=float(np.sum(counts[used] * (observed[used] - base_rate) ** 2) / n),
        uncertainty=float(base_rate * (1 - base_rate)),
        within_variance=float(np.mean(off_forecast ** 2)),
        within_covariance=float(2 * np.mean(off_outcome * off_forecast)),
    )


def coherence(table: ForecastTable, parameters: Parameters) -> CoherenceTable:
    """Each analyst's stated forecasts beside the engine's evidence-implied forecast at each one's time
    (strict: recorded by then), per (question, forecaster) pair.

    The engine runs once per question over all its stated forecasts' dates, not
    once per forecast; the comparisons are worked out a block of questions at a
    time, so only the pairs' results are held.
    """
    with coherence_beside(table, parameters) as finished:
        return finished()


@contextlib.contextmanager
def coherence_beside(table: ForecastTable, parameters: Parameters | None):
    """``coherence(table, parameters)`` worked out while the caller goes on; yields a function that waits for it
    (an empty table without ``parameters``).

    The engine's workers are forked on entry, then a thread hands them the
    questions a block at a time and compares what they send back. Leaving the
    block early (an error) stops the thread after its block under way.
    """
    stated = np.zeros(0, dtype=np.int32)
    if parameters is not None:
        stated = np.flatnonzero((table.kind == KIND_CODES.index("stated")) & table.matches[table.combo]).astype(np.int32)
    if not stated.size:
        yield CoherenceTable.empty
        return
    stated = stated[np.argsort(table.question[stated], kind="stable")]  # by question, in log order within each
    runs = np.flatnonzero(np.concatenate([[True], np.diff(table.question[stated]) != 0, [True]]))
    stop = threading.Event()
    workers = parallel.worker_count(runs.shape[0] - 1)
    with (parallel.inherited_pool(_implied_chunk, (table.questions, parameters), workers) as run,
          ThreadPoolExecutor(max_workers=1) as beside):
        work = beside.submit(_coherence_blocks, table, stated, runs, lambda block: _implied_means(run, block, workers),
                             stop)
        try:
            yield work.result
        finally:
            stop.set()


def _coherence_blocks(table: ForecastTable, stated: np.ndarray, runs: np.ndarray, implied_means,
                      stop: threading.Event) -> CoherenceTable:
    """``coherence`` of the ``stated`` forecasts (grouped by question, ``runs`` the groups' edges), each block of
    questions' means from ``implied_means``; stops early, with nothing, once ``stop`` is set."""
    outcome = np.array([q.scenario_ids.index(q.outcome) if q.outcome else -1 for q in table.questions], dtype=np.int64)
    parts, first, block = [], 0, []  # (held beside the scores: only a block's days at a time)
    for start, end in zip(runs[:-1].tolist(), runs[1:].tolist()):
        block.append((start, end))
        if end - first >= COHERENCE_BLOCK or end == stated.shape[0]:
            if stop.is_set():
                return CoherenceTable.empty()
            rows = stated[first:end]
            days = table.micros[rows] // DAY_MICROS + day_number(EPOCH.date())
            wanted = [(int(table.question[stated[low]]), days[low - first:high - first]) for low, high in block]
            parts.append(_coherence_block(table, rows, implied_means(wanted), outcome))
            first, block = end, []
    return CoherenceTable(**{name: _join([part.pop(name) for part in parts]) for name in CoherenceTable.__dataclass_fields__})


COHERENCE_BLOCK = 100_000  # stated forecasts compared together


def _implied_means(run, block: list[tuple[int, np.ndarray]], workers: int) -> list[np.ndarray]:
    """The engine's mean probabilities on each (question index, days) of ``block`` (strict), by ``run``
    (``parallel.inherited_pool`` of ``_implied_chunk``): in forked workers when there are enough questions to pay
    for them, as the engine's runs are most of ``vane score``'s time and each question's is independent."""
    size = -(-len(block) // (4 * workers))  # a few chunks per worker: one slow question does not hold up the rest
    chunks = [block[start:start + size] for start in range(0, len(block), size)]
    return [means for chunk in run(chunks) for means in chunk]


def _implied_chunk(shared: tuple, chunk: list[tuple[int, np.ndarray]]) -> list[np.ndarray]:
    questions, parameters = shared
    return [mean_probabilities(questions[q], parameters, days, strict=True) for q, days in chunk]


def _join(parts: list):
    """Blocks' values of one field, one after the other (taken out of the blocks: they are held once)."""
    return tuple(item for part in parts for item in part) if isinstance(parts[0], tuple) else np.concatenate(parts)


def _coherence_block(table: ForecastTable, rows: np.ndarray, implied: list[np.ndarray], outcome: np.ndarray) -> dict:
    """``coherence`` of the stated forecasts ``rows`` (whole questions, grouped) with the engine's ``implied`` ones
    (``outcome``: each question's outcome column, -1 if none), as ``CoherenceTable``'s fields."""
    stated = table.probabilities[rows]
    engine = np.zeros_like(stated)
    at = 0
    for probabilities in implied:
        engine[at:at + probabilities.shape[0], : probabilities.shape[1]] = probabilities
        at += probabilities.shape[0]
    total = np.zeros(rows.shape[0])
    for column in range(stated.shape[1]):  # left to right, as sum(...) adds
        total += np.abs(stated[:, column] - engine[:, column])
    gap = 0.5 * total
    outcome = outcome[table.question[rows]]
    everywhere = np.arange(rows.shape[0])
    resolved = outcome >= 0
    stated_log = np.where(resolved, np.log(np.maximum(stated[everywhere, np.maximum(outcome, 0)], scoring.LOG_FLOOR)), np.nan)
    engine_log = np.where(resolved, np.log(np.maximum(engine[everywhere, np.maximum(outcome, 0)], scoring.LOG_FLOOR)), np.nan)
    key = table.question[rows].astype(np.int64) * len(table.tables.forecasters) + table.forecaster[rows]
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    rank = np.empty(first.shape[0], dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.shape[0])
    pair = rank[group.reshape(-1)]  # pairs by question, then in order of first forecast
    count = np.bincount(pair)
    by_time = np.lexsort((everywhere, table.micros[rows], pair))
    latest = by_time[np.append(np.flatnonzero(np.diff(pair[by_time])), by_time.shape[0] - 1)]
    resolved_pair = resolved[latest]
    written, _ = table.written(rows[latest])
    return dict(
        question=tuple(table.questions[q] for q in table.question[rows[latest]].tolist()),
        forecaster=tuple(table.tables.forecasters[f] for f in table.forecaster[rows[latest]].tolist()),
        forecasts=count,
        mean_gap=np.bincount(pair, weights=gap) / count,
        stated_better=np.where(resolved_pair, np.bincount(pair, weights=stated_log > engine_log), -1).astype(np.int64),
        engine_better=np.where(resolved_pair, np.bincount(pair, weights=engine_log > stated_log), -1).astype(np.int64),
        micros=table.micros[rows[latest]],
        stated_ids=tuple(table.tables.signatures[s] for s in table.signature[table.combo[rows[latest]]].tolist()),
        stated=written, engine=engine[latest], gap=gap[latest],
        stated_log=stated_log[latest], engine_log=engine_log[latest],
    )


# --- the report as JSON text, a block at a time (``ScoreReport.json_chunks``) ---

_INDENT = "  "


def _texts(values: np.ndarray, missing: str = "null") -> list[str]:
    """Each value as JSON writes a float (``repr``), ``missing`` where it is not finite."""
    texts = list(map(repr, values.tolist()))
    for index in np.flatnonzero(~np.isfinite(values)).tolist():
        texts[index] = missing
    return texts


def _template(sample: dict, level: int) -> str:
    """``json.dumps(sample, indent=2)`` as it appears ``level`` deep, each ``"@"`` value a ``%s`` slot."""
    text = json.dumps(sample, indent=2, ensure_ascii=True).replace("\n", "\n" + _INDENT * level)
    return text.replace("%", "%%").replace('"@"', "%s")


def _json_list(items, level: int):
    """A JSON list of already written ``items`` (each a block of item texts) ``level`` deep, as ``indent=2`` writes it."""
    inside = ",\n" + _INDENT * (level + 1)
    first = True
    for texts in items:
        if texts:
            yield ("[\n" + _INDENT * (level + 1) if first else inside) + inside.join(texts)
            first = False
    yield "[]" if first else "\n" + _INDENT * level + "]"


def _question_texts(report: ScoreReport, block: int):
    """The questions of ``ScoreReport.as_dict`` as JSON text, a list of ``block`` questions at a time."""
    row = _template({"forecaster": "@", "kind": "@", "forecasts": "@", "scores": {
        **{name: {"time_averaged": "@", "final": "@"} for name in SCORE_NAMES},
        **{f"spot_{name}": "@" for name in SPOT_SCORES}}, "coverage": "@"}, 4)
    question = _template({"id": "@", "outcome": "@", "forecasters": ["@"]}, 2)
    table, pairs = report.scores, report.scores.pairs
    names = [json.dumps(name, ensure_ascii=True) for name in table.forecasters]
    kinds = [json.dumps(kind, ensure_ascii=True) for kind in table.kinds]
    starts = table.question_starts()
    between = ",\n" + _INDENT * 4
    for first in range(0, starts.shape[0] - 1, block):
        edges = starts[first:first + block + 1]
        part = slice(int(edges[0]), int(edges[-1]))
        forecaster = pairs.forecaster[part].tolist()
        columns = [[names[f] for f in forecaster], [kinds[f] for f in forecaster], list(map(str, pairs.forecasts[part].tolist()))]
        for name in SCORE_NAMES:
            columns += [_texts(pairs.averaged[name][part]), _texts(pairs.final[name][part])]
        columns += [_texts(pairs.spot[name][part]) for name in SPOT_SCORES]
        columns.append(_texts(pairs.coverage[part]) if pairs.coverage is not None else ["1.0"] * len(forecaster))
        rows = [row % cells for cells in zip(*columns)]
        texts = []
        for low, high in zip((edges[:-1] - edges[0]).tolist(), (edges[1:] - edges[0]).tolist()):
            qid = table.questions[pairs.question[part.start + low]]
            texts.append(question % (json.dumps(qid, ensure_ascii=True), json.dumps(report.outcomes[qid], ensure_ascii=True),
                                     between.join(rows[low:high])))
        yield texts


def _coherence_texts(table: CoherenceTable, block: int):
    """``Coherence.as_dict`` of every pair as JSON text, a list of ``block`` pairs at a time."""
    entry = _template({"question": "@", "forecaster": "@", "forecasts": "@", "time": "@", "stated": "@", "engine": "@",
                       "gap": "@", "stated_log": "@", "engine_log": "@", "mean_gap": "@",
                       "stated_better": "@", "engine_better": "@"}, 2)
    quoted: dict[str, str] = {}
    text = lambda value: quoted.get(value) or quoted.setdefault(value, json.dumps(value, ensure_ascii=True))  # noqa: E731
    keys: dict[tuple, list[str]] = {}
    inner = ",\n" + _INDENT * 4

    def probabilities(ids: tuple[str, ...], values: list[str]) -> str:
        prefix = keys.get(ids) or keys.setdefault(ids, [text(sid) + ": " for sid in ids])
        return "{\n" + _INDENT * 4 + inner.join(map(str.__add__, prefix, values)) + "\n" + _INDENT * 3 + "}"

    for start in range(0, len(table), block):
        part = slice(start, start + block)
        resolved = table.stated_better[part] >= 0
        count = table.forecasts[part]
        width = table.stated.shape[1]
        stated, engine = (_texts(array[part].reshape(-1)) for array in (table.stated, table.engine))
        stated, engine = ([texts[at:at + width] for at in range(0, len(texts), width)] for texts in (stated, engine))
        cells = zip(
            map(text, (q.id for q in table.question[part])), map(text, table.forecaster[part]), map(str, count.tolist()),
            (json.dumps(moment_of(m).isoformat()) for m in table.micros[part].tolist()),
            (probabilities(ids, row[: len(ids)]) for ids, row in zip(table.stated_ids[part], stated)),
            (probabilities(q.scenario_ids, row[: len(q.scenario_ids)]) for q, row in zip(table.question[part], engine)),
            _texts(table.gap[part]), _texts(np.where(resolved, table.stated_log[part], np.nan)),
            _texts(np.where(resolved, table.engine_log[part], np.nan)), _texts(table.mean_gap[part]),
            (str(n) if n >= 0 else "null" for n in table.stated_better[part].tolist()),
            (str(n) if n >= 0 else "null" for n in table.engine_better[part].tolist()),
        )
        yield [entry % fields for fields in cells]
