"""The track record of a workspace (``vane score``): its forecast log scored on the resolved questions.

``model.record.scorecard`` does the scoring and holds the result's shapes
(``ScoreReport.as_dict`` and ``as_csv``); this module gathers what it scores.
"""

from __future__ import annotations

from model.base.errors import Problem
from model.engine.parameters import Parameters, workspace_parameters
from model.fileformat.grades import GradeTable
from model.fileformat.log_entry import LoggedForecast, read_log
from model.fileformat.question import Question
from model.record.publishing import backtest_forecasts
from model.record.scorecard import ScoreReport, score_questions
from model.workspace.folder import Workspace, log_path


def backtests(questions: list[Question], parameters: Parameters, hindsight: bool = False) -> list[LoggedForecast]:
    """The engine's backtest forecasts on every question with an outcome (``backtest_forecasts``)."""
    return [entry for question in questions if question.outcome
            for entry in backtest_forecasts(question, parameters, hindsight)]


def score_workspace(space: Workspace, questions: list[Question], grades: GradeTable | None = None,
                    backtest: bool = False, hindsight: bool = False) -> tuple[ScoreReport, list[Problem]]:
    """Score the workspace's forecast log on ``questions``, with the engine's backtest if asked.

    Returns the report and the log's unreadable lines (left out of the scores).
    """
    entries, problems = read_log(log_path(space))
    parameters = workspace_parameters(space, grades=grades)
    extra = backtests(questions, parameters, hindsight) if backtest else []
    return score_questions(questions, entries, extra, parameters), problems
