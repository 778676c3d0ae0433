"""``vane check``: everything the tool reads, checked at once: files, the forecast log, the saved calibration."""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from model.base.clock import Clock
from model.base.errors import Problem, display_path
from model.engine import probabilities  # noqa: F401  (imported before loading: the cache then keeps each question's arrays)
from model.record.log_reading import check_log
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import Loaded, load_paths


def check_paths(paths: list[Path], clock: Clock | None = None) -> Loaded:
    """Load ``paths`` with every problem found, plus those of each workspace's forecast log and saved calibration.

    The log is checked against the questions that loaded; entries for a
    question with problems of its own are not reported twice.
    """
    loaded = load_paths(paths, clock)
    problems = list(loaded.problems)
    broken = {Path(problem.path).stem for problem in problems}
    scenarios_of = {question.id: question.scenario_ids for question in loaded.questions}
    for workspace in loaded.workspaces:
        problems += check_log(log_path(workspace), scenarios_of, broken)
        problems += _calibration_problems(workspace) + _pooling_problems(workspace)
    logs = sum(log_path(workspace).exists() for workspace in loaded.workspaces)
    return replace(loaded, problems=tuple(problems), files=loaded.files + logs)


def _calibration_problems(workspace: Workspace) -> list[Problem]:
    """The saved calibration, when there is one and it is damaged (numpy is loaded only then)."""
    from model.engine.parameters import SavedFit, calibration_problem

    saved = SavedFit.of(workspace)
    if not saved.extract.exists():
        return []
    reason = calibration_problem(saved)
    return [Problem(display_path(saved.extract), 1, reason)] if reason else []


def _pooling_problems(workspace: Workspace) -> list[Problem]:
    """The saved fit of the team's pool, when there is one and it cannot be used."""
    from model.engine.parameters import SavedFit
    from model.record.team_pool import pooling_path, read_pooling

    saved = SavedFit.of(workspace)
    if not pooling_path(saved).exists():
        return []
    fit, reason = read_pooling(saved)
    return [] if fit is not None else [Problem(display_path(pooling_path(saved)), 1, reason)]
