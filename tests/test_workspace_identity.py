"""Who said what: evidence and forecasts name the person, never nobody."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from model.workspace.identity import person
from tests.helpers import vane

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "ukraine-talks-2027.yaml"
GIT = shutil.which("git")


@pytest.fixture
def space(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "space"
    (root / "scenarios").mkdir(parents=True)
    (root / "reports").mkdir()
    shutil.copy(EXAMPLE, root / "scenarios" / "talks.yaml")
    monkeypatch.delenv("VANE_ANALYST", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))  # this machine's own name stays out
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return root


def last_item(space: Path) -> dict:
    return yaml.safe_load((space / "scenarios" / "talks.yaml").read_text())["evidence"][-1]


def add(space: Path, *extra: str):
    add.count = getattr(add, "count", 0) + 1
    return vane("add", "talks", "--dir", str(space), "-s", f"Item {add.count}", "--date", "2026-11-01", "-r", "deal=+",
                *extra)


@pytest.mark.skipif(not GIT, reason="needs git")
def test_the_name_comes_from_the_flag_the_environment_the_settings_then_git(space: Path, monkeypatch):
    subprocess.run([GIT, "init", "-q", str(space)], check=True)
    subprocess.run([GIT, "-C", str(space), "config", "user.name", "  Ada\n Lovelace "], check=True)
    assert add(space).code == 0 and last_item(space)["analyst"] == "Ada Lovelace"
    (space / "vane.yaml").write_text("analyst: Grace Hopper\n")
    assert add(space).code == 0 and last_item(space)["analyst"] == "Grace Hopper"
    monkeypatch.setenv("VANE_ANALYST", "Katherine Johnson")
    assert add(space).code == 0 and last_item(space)["analyst"] == "Katherine Johnson"
    assert add(space, "--analyst", "  Alan   Turing ").code == 0 and last_item(space)["analyst"] == "Alan Turing"
    assert vane("forecast", "talks", "deal=0.2", "synthesis=0.3", "stall=0.5", "--dir", str(space)).code == 0
    entry = json.loads((space / "reports" / "forecasts.jsonl").read_text().splitlines()[-1])
    assert entry["forecaster"] == "Katherine Johnson"
    assert vane("check", "--dir", str(space)).code == 0


def test_without_git_or_settings_the_name_is_the_account_and_never_empty(space: Path, monkeypatch):
    monkeypatch.setenv("PATH", "")  # no git to ask
    monkeypatch.setattr("getpass.getuser", lambda: "  ")
    assert person(space) == "analyst"
    monkeypatch.setattr("getpass.getuser", lambda: "jdoe")
    assert person(space) == "jdoe"
    monkeypatch.setenv("VANE_ANALYST", " \t ")  # blank counts as not given
    assert person(space) == "jdoe"


def test_an_empty_or_wrong_analyst_setting_is_a_located_problem(space: Path):
    (space / "vane.yaml").write_text("analyst: [a, b]\n")
    result = vane("check", "--dir", str(space))
    assert result.code == 1 and "vane.yaml:1" in result.output


def test_a_blank_name_given_on_purpose_is_refused(space: Path):
    result = add(space, "--analyst", " ")
    assert result.code == 1 and "--analyst needs a name" in result.stderr
    forecast = vane("forecast", "talks", "deal=0.2", "synthesis=0.3", "stall=0.5", "--forecaster", "", "--dir", str(space))
    assert forecast.code == 1 and "needs a name" in forecast.stderr
