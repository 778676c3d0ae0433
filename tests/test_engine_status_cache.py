"""Statuses kept between runs: taken only for the same text, parameters, day and strictness, and equal to
working them out again."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from model.engine import views
from model.engine.parameters import Parameters, workspace_parameters
from model.engine.probabilities import evidence_of
from model.workspace import cache
from model.workspace.cache import ParseCache
from model.workspace.folder import Workspace
from model.workspace.loader import load_workspace
from tests.helpers import vane_process

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios"
DAY = dt.date(2026, 11, 30)


@pytest.fixture
def space(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("VANE_NO_CACHE", raising=False)
    root = tmp_path / "space"
    (root / "reports").mkdir(parents=True)
    shutil.copytree(EXAMPLES, root / "scenarios")
    return root


def statuses(root: Path, parameters: Parameters | None = None, day: dt.date = DAY, strict: bool = False,
             counted: list | None = None) -> list[dict]:
    """The statuses through the cache (the ids of those worked out go to ``counted``), checked against the engine."""
    counted = [] if counted is None else counted
    loaded = load_workspace(Workspace(root))
    parameters = parameters or workspace_parameters(Workspace(root), grades=loaded.settings.grades)
    real = views.question_status
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views, "question_status", lambda *args: counted.append(args[0].id) or real(*args))
        found = views.question_statuses(list(loaded.questions), parameters, day, strict, ParseCache.of(root))
    fresh = [views.question_status(question, parameters, day, strict) for question in loaded.questions]
    assert [status.as_dict() for status in found] == [status.as_dict() for status in fresh]
    return [status.as_dict() for status in found]


def test_a_second_status_the_same_day_is_taken_from_the_cache(space: Path):
    first, computed = statuses(space, counted=(counted := [])), len(counted)
    assert computed == len(first) >= 2
    again = statuses(space, counted=(counted := []))
    assert counted == [] and again == first


def test_an_edited_question_is_worked_out_again_and_only_it(space: Path):
    statuses(space)
    path = sorted((space / "scenarios").glob("*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace("question: What", "question: Edited - what", 1), encoding="utf-8")
    statuses(space, counted=(counted := []))
    assert counted == [path.stem]
    statuses(space, counted=(counted := []))
    assert counted == []
    kept = json.loads((space / cache.FOLDER / "statuses.json").read_bytes()[32:])
    assert len(kept["rows"]) == len(list((space / "scenarios").glob("*.yaml")))  # one row per file


@pytest.mark.parametrize("change", ["strict", "parameters"])
def test_other_strictness_or_parameters_work_everything_out_again(space: Path, change: str):
    statuses(space)
    other = {"strict": {"strict": True}, "parameters": {"parameters": Parameters.prior_draws(200)}}[change]
    first = statuses(space, counted=(counted := []), **other)
    assert len(counted) == len(first)


def test_a_day_that_sees_the_same_items_takes_the_row_and_moves_only_the_dates(space: Path):
    """Day after day across the open question's evidence: worked out only when an item comes into view at the
    day or a week before (every status is checked against the engine's in ``statuses``)."""
    loaded = load_workspace(Workspace(space))
    question = next(question for question in loaded.questions if not question.is_resolved)
    dates = sorted({item.date for item in evidence_of(question)})  # (what indicators add included)
    start, days = dates[0] - dt.timedelta(days=3), (dates[-1] - dates[0]).days + 14
    worked_out = 0
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        statuses(space, day=day, counted=(counted := []))
        worked_out += question.id in counted
        changes = {day, day - dt.timedelta(days=7)} & set(dates)
        if offset and not changes:
            assert question.id not in counted, day
    assert len(dates) <= worked_out < days / 2


def test_with_decay_every_day_is_worked_out(space: Path):
    from model.engine.posterior import Theta

    decaying = Parameters(Theta.of([1.0, 1.2], [60.0, 90.0], [1.0, 1.0]), "decay", kind="calibrated")
    statuses(space, parameters=decaying)
    statuses(space, parameters=decaying, counted=(counted := []))
    assert counted == []
    later = statuses(space, parameters=decaying, day=DAY + dt.timedelta(days=1), counted=(counted := []))
    assert len(counted) == len(later)


def test_statuses_someone_else_wrote_are_not_read(space: Path):
    statuses(space)
    kept = space / cache.FOLDER / "statuses.json"
    data = kept.read_bytes()
    kept.write_bytes(b"\0" * 32 + data[32:].replace(b'"mean": [', b'"mean": [0.5, ', 1))
    first = statuses(space, counted=(counted := []))
    assert len(counted) == len(first)


def test_the_command_prints_the_same_from_the_cache(space: Path):
    env = {"XDG_CACHE_HOME": str(space.parent / "user-cache")}
    for command in (["status", "--as-of", "2026-11-30"], ["status", "--json", "--strict", "--as-of", "2026-11-30"]):
        uncached = vane_process(*command, "--dir", str(space), env={**env, "VANE_NO_CACHE": "1"})
        filled = vane_process(*command, "--dir", str(space), env=env)
        taken = vane_process(*command, "--dir", str(space), env=env)
        assert uncached.code == 0 and (uncached.stdout, uncached.stderr) == (filled.stdout, filled.stderr)
        assert (taken.stdout, taken.stderr) == (filled.stdout, filled.stderr)
    assert (space / cache.FOLDER / "statuses.json").exists()
