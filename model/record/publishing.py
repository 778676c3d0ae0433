"""The engine's forecasts as forecast-log entries: published snapshots, and backtests of past weeks."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from model.engine.parameters import Parameters
from model.engine.probabilities import (
    Probabilities,
    evaluation_date,
    probabilities_at,
    weekly_dates,
)
from model.fileformat.log_entry import ENGINE, LoggedForecast
from model.fileformat.question import Question


def file_sha256(path: str | Path) -> str:
    """sha256 of a question file's bytes (which version of the question a forecast came from)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def is_open(question: Question, today: dt.date) -> bool:
    """Not resolved and not past its deadline."""
    return question.resolution is None and question.closes >= today


def engine_entry(question: Question, forecast: Probabilities, parameters: Parameters, batch: str,
                 now: dt.datetime) -> LoggedForecast:
    """The engine's forecast (the first date of ``forecast``) as a forecast-log entry to publish."""
    ids = question.scenario_ids
    return LoggedForecast(
        time=now, question=question.id, forecaster=ENGINE, kind="engine", batch=batch,
        probabilities={sid: float(forecast.mean[0, k]) for k, sid in enumerate(ids)},
        interval={sid: (float(forecast.low[0, k]), float(forecast.high[0, k])) for k, sid in enumerate(ids)}
        if parameters.theta.draws > 1 else {},
        parameters=parameters.source, question_sha256=file_sha256(question.path), recorded=now,
    )


def engine_forecasts(
    questions: list[Question], parameters: Parameters, batch: str, now: dt.datetime,
    as_of: dt.date | None = None, strict: bool = False,
) -> list[LoggedForecast]:
    """The engine's forecast for every open question, as entries to publish in the forecast log."""
    day = as_of or now.date()
    return [
        engine_entry(question, probabilities_at(question, parameters, [day], strict), parameters, batch, now)
        for question in questions if is_open(question, day)
    ]


def backtest_forecasts(
    question: Question, parameters: Parameters, hindsight: bool = False,
) -> list[LoggedForecast]:
    """The engine's weekly forecasts over the question's life, recomputed as of each week's end.

    Strict by default: only evidence recorded by then counts; ``hindsight``
    counts evidence dated by then. Each stands from the end of its day.
    """
    label = f"{ENGINE} (backtest, {'hindsight' if hindsight else 'strict'})"
    last = evaluation_date(question, question.horizon)
    dates = [question.opened - dt.timedelta(days=1)] + weekly_dates(question.opened, last)
    weekly = probabilities_at(question, parameters, dates, strict=not hindsight)
    return [
        LoggedForecast(
            time=dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), dt.timezone.utc), question=question.id,
            forecaster=label, kind="backtest", batch=label,
            probabilities={sid: float(weekly.mean[t, k]) for k, sid in enumerate(question.scenario_ids)},
        )
        for t, date in enumerate(dates)
    ]
