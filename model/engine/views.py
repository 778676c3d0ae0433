"""What the commands show: a question's status, its evidence ledger and its weekly trajectory.

Each view is plain data; the CLI only formats it.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
from msgspec import Struct

from model.engine.parameters import Parameters
from model.engine.posterior import NEVER, gone_days, visible_counts
from model.engine.probabilities import (
    Probabilities,
    day_number,
    evaluation_date,
    evidence_of,
    probabilities_at,
    question_arrays,
    stories_of,
    story_effects,
    visible_items,
    visible_mask,
    weekly_dates,
)
from model.fileformat.evidence import Evidence
from model.fileformat.question import Question
from model.workspace.cache import TEXT_KEY

CHANGE_DAYS = 7


class QuestionStatus(Struct, frozen=True):
    """A question at a glance: probabilities now and their change over the last week."""

    question: Question
    as_of: dt.date
    now: Probabilities  # one date: the evaluation date
    change: np.ndarray  # (K,) change in mean probability over CHANGE_DAYS
    evidence_count: int  # items written in the file, visible at ``as_of``
    story_count: int
    indicator_count: int  # indicator outcomes (seen, or overdue and unseen) counted as evidence
    last_evidence: dt.date | None
    days_to_deadline: int

    def as_dict(self) -> dict:
        """Plain data for ``--json``."""
        question = self.question
        return {
            "id": question.id,
            "question": question.title,
            "path": question.path,
            "as_of": self.as_of.isoformat(),
            "closes": question.closes.isoformat(),
            "days_to_deadline": self.days_to_deadline,
            "resolution": question.resolution.outcome if question.resolution else None,
            "evidence": self.evidence_count,
            "stories": self.story_count,
            "indicator_outcomes": self.indicator_count,
            "last_evidence": self.last_evidence.isoformat() if self.last_evidence else None,
            "scenarios": [
                {
                    "id": sid,
                    "probability": float(self.now.mean[0, k]),
                    "interval": [float(self.now.low[0, k]), float(self.now.high[0, k])],
                    "change_7d": float(self.change[k]),
                }
                for k, sid in enumerate(question.scenario_ids)
            ],
        }


STATUSES = "statuses"  # the name of the statuses kept in the parse cache's folder


def question_statuses(questions: list[Question], parameters: Parameters, as_of: dt.date, strict: bool = False,
                      cache=None) -> list[QuestionStatus]:
    """``question_status`` of each question; with a workspace's ``cache`` (``ParseCache``), the statuses worked
    out before for the same text (``cache.TEXT_KEY``), parameters and strictness are taken from there.

    Without decay a status depends on the day only through which items were
    visible at it and a week before, so a row is kept under those two counts
    and serves every day that sees the same items (its dates are the day's);
    with decay, under the day itself. ``vane status`` run again on an unchanged
    workspace then skips the engine, and after an edit works out the questions
    edited. The cache keeps one scope (parameters, strictness) at a time, one
    row per file.
    """
    if cache is None:
        return worked_out_statuses(questions, parameters, as_of, strict)
    decaying = parameters.theta.decays
    scope = f"{parameters.fingerprint()}|{strict}" + (f"|{as_of.isoformat()}" if decaying else "")
    kept = cache.read_results(STATUSES)
    rows = kept.get("rows", {}) if kept.get("scope") == scope else {}
    keys = [question.__dict__.get(TEXT_KEY) for question in questions]
    if not decaying:
        keys = [key and f"{key}|{_visible_counts(question, as_of, strict)}" for key, question in zip(keys, questions)]
    statuses = [_status_of_row(question, rows[key], as_of) if key in rows else None
                for key, question in zip(keys, questions)]
    missing = [index for index, status in enumerate(statuses) if status is None]
    for index, status in zip(missing, worked_out_statuses([questions[i] for i in missing], parameters, as_of, strict)):
        statuses[index] = status
    missed = set(missing)
    fresh = {key: _row_of(statuses[index]) if index in missed else rows[key] for index, key in enumerate(keys) if key}
    if any(rows.get(key) != row for key, row in fresh.items()):
        files = {_file_of(key) for key in fresh}  # one row per file: an edited file's old row goes
        rows = {key: row for key, row in rows.items() if _file_of(key) not in files}
        cache.keep_results(STATUSES, {"scope": scope, "rows": {**rows, **fresh}})
    return statuses


def worked_out_statuses(questions: list[Question], parameters: Parameters, as_of: dt.date,
                        strict: bool = False) -> list[QuestionStatus]:
    """``question_status`` of each question, in forked workers when there are enough to pay for them (each
    sends back its rows, ``_row_of``, not the statuses with their questions)."""
    from model.base.parallel import inherited_map, worker_count

    shared = (questions, parameters, as_of, strict)
    workers = worker_count(len(questions), per_worker=STATUSES_PER_WORKER)
    if workers <= 1:
        return [question_status(question, parameters, as_of, strict) for question in questions]
    size = -(-len(questions) // (2 * workers))
    chunks = [range(start, min(start + size, len(questions))) for start in range(0, len(questions), size)]
    rows = [row for chunk in inherited_map(_status_rows, shared, chunks, workers) for row in chunk]
    return [_status_of_row(question, row, as_of) for question, row in zip(questions, rows)]


STATUSES_PER_WORKER = 100  # about 50 ms of the engine: below this, a worker costs more than it saves


def _status_rows(shared: tuple, indices: range) -> list[dict]:
    questions, parameters, as_of, strict = shared
    return [_row_of(question_status(questions[i], parameters, as_of, strict)) for i in indices]


def _visible_counts(question: Question, as_of: dt.date, strict: bool) -> str:
    """How many items are visible at a status's day and a week before (``posterior.distinct_times``'s state)."""
    arrays = question_arrays(question)
    when = evaluation_date(question, as_of)
    days = [day_number(when - dt.timedelta(days=CHANGE_DAYS)), day_number(when)]
    gone = gone_days(arrays.retracted, arrays.retraction_known, strict) if np.any(arrays.retracted != NEVER) else None
    return "|".join(str(count) for count in visible_counts(arrays.dates, arrays.recorded, days, strict, gone).tolist())


def _file_of(key: str) -> str:
    """The file stem a row's key starts with (``<stem>.<hash>[|counts]``)."""
    return key.split("|", 1)[0].rsplit(".", 1)[0]


def _row_of(status: QuestionStatus) -> dict:
    """A status as JSON (without its question): floats keep every bit through ``repr``."""
    now = status.now
    return {"mean": now.mean[0].tolist(), "low": now.low[0].tolist(), "high": now.high[0].tolist(),
            "change": status.change.tolist(), "evidence": status.evidence_count, "stories": status.story_count,
            "indicators": status.indicator_count,
            "last": status.last_evidence.isoformat() if status.last_evidence else None}


def _status_of_row(question: Question, row, as_of: dt.date) -> QuestionStatus | None:
    """The status a row holds for ``question`` at ``as_of``; None for a row that is not one (a miss, never a
    failure). The dates are worked out as ``question_status`` does."""
    try:
        k = len(question.scenario_ids)
        values = {name: np.array(row[name], dtype=float).reshape(1, k) for name in ("mean", "low", "high", "change")}
        last = dt.date.fromisoformat(row["last"]) if row["last"] else None
        counts = int(row["evidence"]), int(row["stories"]), int(row["indicators"])
    except (KeyError, TypeError, ValueError):
        return None
    when = evaluation_date(question, as_of)
    now = Probabilities((when,), tuple(question.scenario_ids), values["mean"], values["low"], values["high"])
    return QuestionStatus(question, when, now, values["change"][0], *counts, last, (question.closes - as_of).days)


def question_status(
    question: Question, parameters: Parameters, as_of: dt.date, strict: bool = False,
) -> QuestionStatus:
    """Probabilities at ``as_of`` (the horizon once resolved) and their change over the week before."""
    when = evaluation_date(question, as_of)
    week_before = when - dt.timedelta(days=CHANGE_DAYS)
    both = probabilities_at(question, parameters, [week_before, when], strict)
    now = Probabilities((when,), both.scenario_ids, both.mean[1:], both.low[1:], both.high[1:])
    arrays = question_arrays(question)  # (kept with the question: its items are not unpacked for a status)
    visible = visible_mask(arrays, when, strict)
    written = np.flatnonzero(visible[: arrays.written])
    return QuestionStatus(
        question=question,
        as_of=when,
        now=now,
        change=both.mean[1] - both.mean[0],
        evidence_count=int(written.size),
        story_count=int(np.unique(arrays.story[written]).size),
        indicator_count=int(np.count_nonzero(visible[arrays.written:])),
        last_evidence=dt.date.fromordinal(int(arrays.dates[written].max())) if written.size else None,
        days_to_deadline=(question.closes - as_of).days,
    )


class StoryLine(Struct, frozen=True):
    """One story in the ledger: its items and what it contributes to each scenario.

    ``log_odds`` (K,) is ``s delta gamma mean(w r)`` and ``leave_one_out`` (K,)
    the change in percentage points of each scenario's probability that the
    story causes (model.md, "Attribution"); both are means over draws.
    """

    story: str
    date: dt.date
    items: tuple[Evidence, ...]
    weights: tuple[float, ...]
    log_odds: np.ndarray
    leave_one_out: np.ndarray

    def as_dict(self, scenario_ids) -> dict:
        """Plain data for ``--json``."""
        return {
            "story": self.story,
            "date": self.date.isoformat(),
            "items": [
                {"id": item.id, "date": item.date.isoformat(), "grade": item.grade or "F6", "weight": weight,
                 "summary": item.summary, "source": item.source, "url": item.url}
                for item, weight in zip(self.items, self.weights)
            ],
            "log_odds": dict(zip(scenario_ids, map(float, self.log_odds))),
            "leave_one_out_pp": dict(zip(scenario_ids, map(float, self.leave_one_out))),
        }


def ledger(
    question: Question, parameters: Parameters, as_of: dt.date, strict: bool = False,
) -> list[StoryLine]:
    """The stories known at ``as_of`` in date order, with their contributions then."""
    when = evaluation_date(question, as_of)
    log_odds, moved = story_effects(question, parameters, when, strict)  # (G, K) each
    visible = {item.id for item in visible_items(question, when, strict)}
    lines = []
    for index, (story, items) in enumerate(stories_of(evidence_of(question)).items()):
        shown = tuple(sorted((item for item in items if item.id in visible), key=lambda item: (item.date, natural_key(item.id))))
        if not shown:
            continue
        lines.append(StoryLine(
            story=story,
            date=min(item.date for item in shown),
            items=shown,
            weights=tuple(parameters.grades.weight(item.grade) for item in shown),
            log_odds=log_odds[index],
            leave_one_out=moved[index],
        ))
    return sorted(lines, key=lambda line: (line.date, natural_key(line.items[0].id)))


def natural_key(identifier: str) -> tuple:
    """Sort key that puts e9 before e10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", identifier))


def trajectory(
    question: Question, parameters: Parameters, as_of: dt.date, strict: bool = False,
) -> Probabilities:
    """Probabilities at the end of every week from the question's opening to ``as_of``."""
    when = evaluation_date(question, as_of)
    start = min(question.opened, when)
    return probabilities_at(question, parameters, weekly_dates(start, when), strict)
