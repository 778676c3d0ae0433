"""The team's pooled forecast published beside the engine's, shown in the report, checked and scored."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from model.fileformat.log_entry import check_forecaster, read_log, reserved_kind
from model.record.team_pool import TEAM, PoolingFit, pooled_forecast, team_pools
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import load_workspace
from tests.helpers import vane

OPEN = "ukraine-talks-2027"


def state(space: Path, who: str, stall: float, synthesis: float, deal: float) -> None:
    result = vane("forecast", OPEN, f"stall={stall}", f"synthesis={synthesis}", f"deal={deal}", "--forecaster", who,
                  "--dir", str(space))
    assert result.code == 0, result.output


def test_the_report_publishes_and_shows_the_teams_pool(bundled: Path):
    state(bundled, "Alice", 0.5, 0.3, 0.2)
    state(bundled, "Bob", 0.3, 0.3, 0.4)
    result = vane("report", "--dir", str(bundled))
    assert result.code == 0, result.output
    entries, problems = read_log(log_path(Workspace(bundled)))
    team = [entry for entry in entries if entry.forecaster == TEAM]
    assert not problems and len(team) == 1 and team[0].kind == "pooled" and team[0].question == OPEN
    engine = next(entry for entry in entries if entry.forecaster == "engine" and entry.question == OPEN)
    assert team[0].batch == engine.batch and team[0].time == engine.time  # published together
    pool = team_pools(load_workspace(Workspace(bundled)).questions, entries[:2], at=team[0].time)[0]
    expected = pooled_forecast(pool, PoolingFit.prior())  # no saved fit yet: the prior's extremizing
    assert np.allclose([team[0].probabilities[sid] for sid in pool.scenarios], expected.mean, rtol=0, atol=1e-12)
    assert "not calibrated yet" in team[0].parameters and team[0].parameters.startswith("2 analysts")
    report = next((bundled / "reports").glob("*-W*/report.md")).read_text()
    assert "**Team (pooled):** stall" in report
    assert "Team (pooled):" in next((bundled / "reports").glob("*-W*/report.html")).read_text()
    assert vane("check", "--dir", str(bundled)).code == 0
    again = vane("report", "--dir", str(bundled))  # the same week again: as the engine's
    entries = read_log(log_path(Workspace(bundled)))[0]
    count = lambda name: sum(entry.forecaster == name and entry.question == OPEN for entry in entries)  # noqa: E731
    assert again.code == 0 and count(TEAM) == count("engine")  # (once more, or not at all within the same second)


def test_one_analyst_is_no_team_and_the_name_is_the_tools_own(bundled: Path):
    state(bundled, "Alice", 0.5, 0.3, 0.2)
    assert vane("report", "--dir", str(bundled)).code == 0
    assert not [entry for entry in read_log(log_path(Workspace(bundled)))[0] if entry.forecaster == TEAM]
    assert reserved_kind("Team (Pooled)") == "pooled"
    with pytest.raises(Exception, match="keeps for the tool"):
        check_forecaster("team (pooled)")
    refused = vane("forecast", OPEN, "stall=0.5", "synthesis=0.3", "deal=0.2", "--forecaster", "team (pooled)",
                   "--dir", str(bundled))
    assert refused.code == 1


def test_the_teams_pool_is_scored_like_every_forecaster(bundled: Path):
    from model.record.forecast_log import write_entries

    question = "ukraine-talks-2025"  # resolved: stall
    when = dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)
    pooled = {"stall": 0.7, "ceasefire": 0.2, "deal": 0.1}
    from model.fileformat.log_entry import LoggedForecast

    write_entries(log_path(Workspace(bundled)), [
        LoggedForecast(when, question, TEAM, pooled, "pooled", "snapshot", recorded=when)])
    scored = vane("score", "--dir", str(bundled), "--json")
    assert scored.code == 0, scored.output
    assert TEAM in json.dumps(json.loads(scored.stdout))


def test_check_names_a_damaged_saved_pool(bundled: Path):
    from model.engine.parameters import SavedFit
    from model.record.team_pool import pooling_path

    path = pooling_path(SavedFit.of(Workspace(bundled)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not numpy")
    result = vane("check", "--dir", str(bundled))
    assert result.code == 1 and "pooling.npz:1" in result.output and "could not be read" in result.output
    assert vane("report", "--dir", str(bundled)).code == 0  # the report goes on with the prior's pool
