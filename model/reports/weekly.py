"""The weekly probability report as data: what moved, why, and what to watch next.

``build_report`` gathers everything; ``model.reports.render`` turns it into
Markdown and HTML and ``model.reports.trajectories`` draws the charts. A past week is
reconstructed as of that week's end from evidence dated by then (``strict``:
recorded by then).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from model.base.dates import year_problem
from model.base.errors import Problem
from model.engine.indicators import WatchItem, overdue, to_watch
from model.engine.parameters import Parameters
from model.engine.probabilities import (
    Probabilities,
    evaluation_date,
    evidence_of,
    probabilities_at,
    stories_of,
    visible_items,
    weekly_dates,
)
from model.fileformat.evidence import Evidence
from model.fileformat.indicator import Indicator
from model.fileformat.log_entry import LoggedForecast
from model.fileformat.question import Question
from model.fileformat.settings import ReportSettings
from model.record.publishing import engine_entry
from model.record.scorecard import ScoreReport, score_questions
from model.reports.effects import story_moves

REPORT_BATCH = "report "


@dataclass(frozen=True)
class Week:
    """An ISO week: its label, Monday and Sunday."""

    label: str
    start: dt.date
    end: dt.date

    @classmethod
    def of(cls, day: dt.date) -> "Week":
        """The ISO week holding ``day``."""
        year, week, weekday = day.isocalendar()
        start = day - dt.timedelta(days=weekday - 1)
        return cls(f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))

    @classmethod
    def parse(cls, label: str) -> "Week":
        """A week written ``YYYY-Www``.

        Raises
        ------
        ValueError
            When the label is not an ISO week of the accepted years.
        """
        match = re.fullmatch(r"(\d{4})-W(\d{2})", label.strip().upper())
        if not match:
            raise ValueError(f"'{label}' is not an ISO week such as 2026-W47")
        try:
            monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise ValueError(f"'{label}': {match[1]} has no week {match[2]}") from None
        problem = year_problem(monday)
        if problem:
            raise ValueError(f"'{label}' {problem}")
        return cls.of(monday)


@dataclass(frozen=True)
class Mover:
    """A story and how many percentage points it moved one scenario (leave-one-out)."""

    scenario: str
    points: float
    items: tuple[Evidence, ...]


@dataclass(frozen=True)
class QuestionReport:
    """One question in the week's report."""

    question: Question
    as_of: dt.date
    now: Probabilities
    previous: dict[str, float] | None
    previous_label: str
    movers: tuple[Mover, ...]
    new_evidence: tuple[Evidence, ...]
    retracted: tuple[Evidence, ...]  # items withdrawn this week (``vane retract``)
    trajectory: Probabilities
    evidence_dates: tuple[dt.date, ...]
    watch: tuple[WatchItem, ...]
    overdue: tuple[Indicator, ...]
    last_evidence: dt.date | None
    days_to_deadline: int
    team: LoggedForecast | None = None  # the team's pooled forecast published with this report, if analysts stated any
    stated: tuple[LoggedForecast, ...] = ()  # analysts' own stated forecasts within the chart's weeks, oldest first

    @property
    def team_forecast(self) -> list[tuple[str, float]]:
        """The team's pooled forecast as (scenario, probability) in the question's order; empty without one."""
        return [(sid, self.team.probabilities[sid]) for sid in self.question.scenario_ids] if self.team else []

    @property
    def leading(self) -> tuple[str, int]:
        """The most probable scenario and its index."""
        k = int(np.argmax(self.now.mean[0]))
        return self.question.scenario_ids[k], k

    def change(self, scenario: str) -> float | None:
        """Change in the probability of ``scenario`` since the previous report."""
        if self.previous is None:
            return None
        k = self.question.scenario_ids.index(scenario)
        return float(self.now.mean[0, k] - self.previous[scenario])

    @property
    def largest_change(self) -> tuple[str, float]:
        """The scenario that moved most since the previous report, and by how much."""
        changes = [(sid, self.change(sid) or 0.0) for sid in self.question.scenario_ids]
        return max(changes, key=lambda pair: abs(pair[1]))


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the week's report shows."""

    week: Week
    as_of: dt.date
    generated: dt.datetime
    strict: bool
    reconstructed: bool
    parameters: str
    questions: tuple[QuestionReport, ...]
    stale: tuple[QuestionReport, ...]
    near_deadline: tuple[QuestionReport, ...]
    awaiting_resolution: tuple[Question, ...]
    track_record: ScoreReport | None
    settings: ReportSettings = field(default_factory=ReportSettings)
    broken: tuple = ()  # model.base.errors.Problem for each question file that could not be read (left out, shown first)

    @property
    def has_published_scores(self) -> bool:
        """True when the track record scores forecasts from the log, not just the baselines."""
        return bool(self.track_record) and any(row.kind != "baseline" for row in self.track_record.rows)

    @property
    def movers(self) -> list[tuple[QuestionReport, str, float]]:
        """Questions whose probabilities changed since the previous report, largest change first."""
        moved = [(entry, *entry.largest_change) for entry in self.questions if entry.previous is not None]
        return sorted([m for m in moved if abs(m[2]) >= 0.005], key=lambda m: -abs(m[2]))


def report_batch(week: Week) -> str:
    """The forecast-log batch of a week's report."""
    return f"{REPORT_BATCH}{week.label}"


def previous_forecast(question: Question, log: list[LoggedForecast], week: Week, before: dt.datetime) -> LoggedForecast | None:
    """The engine's forecast for ``question`` in the latest report of an earlier week, published before ``before``.

    ``log`` may be the whole forecast log or any part of it holding the question's entries (``reported_forecasts``).
    """
    published = [entry for entry in log if entry.question == question.id and entry.kind == "engine"
                 and entry.batch.startswith(REPORT_BATCH) and entry.batch < report_batch(week) and entry.time <= before
                 and set(entry.probabilities) == set(question.scenario_ids)]
    return max(published, key=lambda entry: entry.time, default=None)


def reported_forecasts(log: list[LoggedForecast]) -> dict[str, list[LoggedForecast]]:
    """The engine's forecasts published by weekly reports, by question: read once, not once per question."""
    reported: dict[str, list[LoggedForecast]] = {}
    for entry in log:
        if entry.kind == "engine" and entry.batch.startswith(REPORT_BATCH):
            reported.setdefault(entry.question, []).append(entry)
    return reported


def stated_forecasts(log: list[LoggedForecast]) -> dict[str, list[LoggedForecast]]:
    """Analysts' own stated forecasts, by question: read once, not once per question."""
    stated: dict[str, list[LoggedForecast]] = {}
    for entry in log:
        if entry.kind == "stated":
            stated.setdefault(entry.question, []).append(entry)
    return stated


def stated_between(question: Question, log: list[LoggedForecast], start: dt.date, end: dt.date,
                   before: dt.datetime) -> tuple[LoggedForecast, ...]:
    """The stated forecasts on ``question`` made from ``start`` to ``end`` (the chart's weeks) and logged by
    ``before`` (a past week's report shows only what had been stated then), oldest first."""
    found = [entry for entry in log if entry.question == question.id and entry.kind == "stated"
             and start <= entry.time.date() <= end and entry.time <= before]
    return tuple(sorted(found, key=lambda entry: entry.time))


def is_new(item: Evidence, since_date: dt.date, since_time: dt.datetime | None) -> bool:
    """Dated after the previous report, or tagged after it was published."""
    return item.date > since_date or bool(since_time and item.recorded and item.recorded >= since_time)


def is_new_this_week(item: Evidence, week: Week) -> bool:
    """Dated this week, or entered this week (evidence is often tagged after the fact)."""
    entered = item.recorded.date() if item.recorded else None
    return week.start <= item.date <= week.end or (entered is not None and week.start <= entered <= week.end)


def retracted_this_week(question: Question, week: Week, when: dt.date, strict: bool) -> list[Evidence]:
    """Items no longer counting at ``when`` whose retraction took effect this week or was entered this week."""
    found = []
    for item in question.evidence:
        withdrawn = item.retracted
        if withdrawn and withdrawn.in_effect(when, strict):
            entered = withdrawn.recorded.date() if withdrawn.recorded else withdrawn.date
            if week.start <= withdrawn.date <= week.end or week.start <= entered <= week.end:
                found.append(item)
    return found


def story_movers(question: Question, parameters: Parameters, as_of: dt.date, since_date: dt.date,
                 since_time: dt.datetime | None, strict: bool) -> tuple[Mover, ...]:
    """For each scenario, the story that moved it most (leave-one-out), among stories new since the previous report."""
    visible = {item.id for item in visible_items(question, as_of, strict)}
    candidates = []  # (g, the story's visible items) for each story with something new since the previous report
    for g, (_, items) in enumerate(stories_of(evidence_of(question)).items()):
        shown = tuple(item for item in items if item.id in visible)
        if shown and any(is_new(item, since_date, since_time) for item in shown):
            candidates.append((g, shown))
    if not candidates:  # nothing new: no story's effect is needed
        return ()
    # (len(candidates), K): the candidates' rows of story_effects, computed for them alone
    moved = story_moves(question, parameters, as_of, [g for g, _ in candidates], strict)
    movers = []
    for k, scenario in enumerate(question.scenario_ids):
        effects = [abs(moved[row, k]) for row in range(len(candidates))]
        row = effects.index(max(effects))  # the first of equals
        if abs(moved[row, k]) >= 0.05:
            movers.append(Mover(scenario, float(moved[row, k]), candidates[row][1]))
    return tuple(movers)


def question_report(
    question: Question, parameters: Parameters, week: Week, as_of: dt.date, log: list[LoggedForecast],
    strict: bool, published_before: dt.datetime,
) -> QuestionReport:
    """One question's part of the report (``log``: at least the question's engine and stated forecasts)."""
    when = evaluation_date(question, as_of)
    now = probabilities_at(question, parameters, [when], strict)
    earlier = previous_forecast(question, log, week, published_before)
    if earlier is not None:
        previous, label = earlier.probabilities, f"published {earlier.time:%Y-%m-%d}"
        since_date, since_time = earlier.time.date(), earlier.time
    else:  # a first report: what is new is what was dated this week or entered this week, whatever its date
        since_date = when - dt.timedelta(days=7)
        since_time = dt.datetime.combine(week.start, dt.time(), dt.timezone.utc)
        week_before = probabilities_at(question, parameters, [since_date], strict).mean[0]
        previous, label = dict(zip(question.scenario_ids, map(float, week_before))), f"a week earlier ({since_date}, recomputed)"
    items = visible_items(question, when, strict)
    start = min(question.opened, when)
    trajectory = probabilities_at(question, parameters, weekly_dates(start, when), strict)
    return QuestionReport(
        question=question, as_of=when, now=now, previous=previous, previous_label=label,
        movers=story_movers(question, parameters, when, since_date, since_time, strict),
        new_evidence=tuple(sorted((i for i in items if is_new_this_week(i, week)), key=lambda i: i.date)),
        retracted=tuple(retracted_this_week(question, week, when, strict)),
        trajectory=trajectory, evidence_dates=tuple(sorted({item.date for item in items if item.date >= start})),
        watch=tuple(to_watch(question, now.mean[0], when)), overdue=tuple(overdue(question, when)),
        last_evidence=max((item.date for item in items if not item.indicator), default=None),
        days_to_deadline=(question.closes - as_of).days,
        stated=stated_between(question, log, start, when, published_before),
    )


def resolved_by(question: Question, day: dt.date) -> bool:
    """True when the question had been resolved (or annulled) by ``day``."""
    return question.resolution is not None and question.resolution.date <= day


def build_report(
    questions: list[Question], parameters: Parameters, week: Week, log: list[LoggedForecast],
    now: dt.datetime, strict: bool = False,
    settings: ReportSettings = ReportSettings(), progress: Callable[[int, int, str], None] = lambda *_: None,
    broken: tuple[Problem, ...] = (), each: Callable[[QuestionReport], object] = lambda _: None,
    team: dict[str, LoggedForecast] | None = None,
    record_of: Callable[[list[Question], dt.datetime], ScoreReport] | None = None,
) -> WeeklyReport:
    """The week's report: every open question, movers, stale and near-deadline ones, the track record.

    ``broken`` lists the problems of files left out (``vane report --skip-broken``); the report shows them first.
    ``each`` is called with each open question's part of the report as soon as it is computed (in report order).
    ``team`` holds the team's pooled forecasts published with this week's report, by question id.
    ``log`` must hold at least the engine's and the analysts' stated forecasts on the questions not yet resolved; ``record_of(resolved,
    published_before)`` scores the resolved questions (default: on ``log``'s entries published by then).
    """
    current = week.start <= now.date() <= week.end
    as_of = now.date() if current else week.end
    published_before = now if current else dt.datetime.combine(week.end + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    unresolved = [q for q in questions if q.opened <= as_of and not resolved_by(q, as_of)]
    followed = [q for q in unresolved if q.closes >= as_of]
    reported, stated = reported_forecasts(log), stated_forecasts(log)
    entries = []
    for number, question in enumerate(followed, start=1):
        progress(number, len(followed), question.id)
        entry = question_report(question, parameters, week, as_of,
                                reported.get(question.id, []) + stated.get(question.id, []), strict, published_before)
        entries.append(replace(entry, team=(team or {}).get(question.id)) if current else entry)
        each(entries[-1])
    stale_days = 7 * settings.stale_weeks
    resolved = [q for q in questions if resolved_by(q, as_of)]
    if not resolved:
        record = None
    elif record_of is not None:
        record = record_of(resolved, published_before)
    else:
        record = score_questions(resolved, [e for e in log if e.time <= published_before])
    return WeeklyReport(
        week=week, as_of=as_of, generated=now, strict=strict, reconstructed=not current,
        parameters=parameters.plain, questions=tuple(entries),
        # quiet for the stale weeks since its last evidence, or since it opened: a question opened this week is new,
        # not stale, however little evidence it has yet
        stale=tuple(e for e in entries if (as_of - (e.last_evidence or e.question.opened)).days >= stale_days),
        near_deadline=tuple(sorted((e for e in entries if e.days_to_deadline <= settings.deadline_days),
                                   key=lambda e: e.days_to_deadline)),
        awaiting_resolution=tuple(sorted((q for q in unresolved if q.closes < as_of), key=lambda q: q.closes)),
        track_record=record, settings=settings, broken=tuple(broken),
    )


def published_entries(report: WeeklyReport, parameters: Parameters) -> list[LoggedForecast]:
    """The engine's forecasts in this report, as forecast-log entries (only the current week is published)."""
    if report.reconstructed:
        return []
    batch = report_batch(report.week)
    return [engine_entry(entry.question, entry.now, parameters, batch, report.generated) for entry in report.questions]
