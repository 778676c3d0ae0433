"""The track record of a workspace (``vane score``): its forecast log scored on the resolved questions.

``model.record.scorecard`` does the scoring and holds the result's shapes
(``ScoreReport.as_dict``, ``json_chunks`` and ``as_csv``); this module gathers
what it scores. The log is read a chunk at a time into arrays
(``log_reading``, ``forecast_table``), so memory grows with the
forecasts on the questions scored, not with the log's text.
"""

from __future__ import annotations

import numpy as np

from model.base.errors import Problem
from model.engine.parameters import Parameters, workspace_parameters
from model.fileformat.grades import GradeTable
from model.fileformat.log_entry import LoggedForecast, LogTables, micros_of
from model.fileformat.question import Question
from model.record.log_reading import log_columns
from model.record.publishing import backtest_forecasts
from model.record.scorecard import ScoreReport, score_table, table_builder
from model.workspace.folder import Workspace, log_path

BYTES_PER_ENTRY = 100  # fewer than any log line holds: the forecast table is allocated once for all of them


def backtests(questions: list[Question], parameters: Parameters, hindsight: bool = False) -> list[LoggedForecast]:
    """The engine's backtest forecasts on every question with an outcome (``backtest_forecasts``)."""
    return [entry for question in questions if question.outcome
            for entry in backtest_forecasts(question, parameters, hindsight)]


def scored_before(space: Workspace, questions: list[Question], before) -> ScoreReport:
    """The track record on ``questions`` of the log's entries stamped at or before ``before`` (a weekly report's),
    read as columns like ``score_workspace``'s, with the scores by horizon (the track record page shows them);
    unreadable lines are left out (writing refuses them anyway)."""
    path = log_path(space)
    builder = table_builder(questions, LogTables())
    limit = micros_of(before)
    for columns, _ in log_columns(path, builder.tables):
        builder.add(columns.take(np.flatnonzero(columns.micros <= limit)))
    return score_table(builder, questions, horizons=True)


def score_workspace(space: Workspace, questions: list[Question], grades: GradeTable | None = None,
                    backtest: bool = False, hindsight: bool = False,
                    horizons: bool = False) -> tuple[ScoreReport, list[Problem]]:
    """Score the workspace's forecast log on ``questions``, with the engine's backtest if asked
    (and the scores by time before the end, ``horizons``: ``scorecard.horizon_summaries``).

    Returns the report and the log's unreadable lines (left out of the scores).
    """
    path = log_path(space)
    size = path.stat().st_size if path.exists() else 0
    builder = table_builder(questions, LogTables(), capacity=size // BYTES_PER_ENTRY + 1024)
    problems: list[Problem] = []
    for columns, found in log_columns(path, builder.tables):
        builder.add(columns)
        problems += found
    parameters = workspace_parameters(space, grades=grades)
    extra = backtests(questions, parameters, hindsight) if backtest else []
    return score_table(builder, questions, extra, parameters, horizons=horizons), problems
