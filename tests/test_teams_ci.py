"""The team workflow of docs/examples/weathervane-ci.yml, its commands run as CI would in fresh clones.

Only the runner's own steps are left out (``uses:`` actions and installing
Weathervane); every ``run:`` step runs in order with bash, in a clone of a
real repository, while an analyst pushes a forecast between the report and
its push, as happens when CI publishes while the team works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "docs" / "examples" / "weathervane-ci.yml"

pytestmark = pytest.mark.skipif(not (shutil.which("git") and shutil.which("bash")), reason="needs git and bash")


@pytest.fixture
def team(tmp_path: Path, monkeypatch) -> Path:
    """A bare 'origin' holding a workspace with the example questions, and a 'vane' on PATH that is this checkout."""
    home, tools = tmp_path / "home", tmp_path / "bin"
    home.mkdir()
    tools.mkdir()
    (tools / "vane").write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                                "from cli.app import main\nmain()\n")
    (tools / "vane").chmod(0o755)
    for name in [name for name in os.environ if name.startswith("GIT_") or name == "VANE_DIR"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    seed = clone(origin, tmp_path / "seed", "Seed")
    assert subprocess.run(["vane", "init", str(seed)], capture_output=True).returncode == 0
    for path in (ROOT / "scenarios").glob("*.yaml"):
        shutil.copy(path, seed / "scenarios" / path.name)
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "The team's questions")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return origin


def git(where: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout


def clone(origin: Path, folder: Path, name: str) -> Path:
    git(origin.parent, "clone", "-q", str(origin), str(folder))
    git(folder, "config", "user.name", name)
    git(folder, "config", "user.email", f"{name.lower()}@example.org")
    return folder


def steps(job: str) -> list[tuple[str, str]]:
    """The job's (name, script) steps that CI runs for us: every ``run:`` but the installation."""
    workflow = yaml.safe_load(WORKFLOW.read_text())
    return [(step.get("name", ""), step["run"]) for step in workflow["jobs"][job]["steps"]
            if "run" in step and "install" not in step.get("name", "").lower()]


def run_step(where: Path, name: str, script: str) -> str:
    done = subprocess.run(["bash", "-e", "-c", script], cwd=where, capture_output=True, text=True)
    assert done.returncode == 0, f"step '{name}' failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def test_the_workflow_runs_what_it_says():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert set(workflow["jobs"]) == {"check", "report"}
    assert [name for name, _ in steps("check")] and "vane check" in steps("check")[-1][1]
    assert [name for name, _ in steps("report")][-2:] == ["Write the weekly report", "Commit and push it"]


def test_checks_pass_and_the_report_is_published_while_the_team_works(team: Path, tmp_path: Path):
    pull_request = clone(team, tmp_path / "pr", "Reviewer")
    for name, script in steps("check"):
        run_step(pull_request, name, script)

    ci = clone(team, tmp_path / "ci", "CI")
    *before, (push_name, push) = steps("report")
    for name, script in before:
        run_step(ci, name, script)
    analyst = clone(team, tmp_path / "analyst", "Alice")  # meanwhile, an analyst publishes a forecast
    assert subprocess.run(["vane", "forecast", "ukraine-talks-2027", "deal=0.2", "synthesis=0.3", "stall=0.5",
                           "--dir", str(analyst)], capture_output=True).returncode == 0
    git(analyst, "add", "-A")
    git(analyst, "commit", "-q", "-m", "Alice's forecast")
    git(analyst, "push", "-q", "origin", "HEAD:main")
    run_step(ci, push_name, push)  # rebased onto Alice's work: the forecast log merges by vane merge-file

    published = clone(team, tmp_path / "after", "Reader")
    log = [json.loads(line) for line in (published / "reports" / "forecasts.jsonl").read_text().splitlines()]
    assert {entry["forecaster"] for entry in log} >= {"Alice", "engine"}
    assert list((published / "reports").glob("*-W*/report.md")), "the weekly report was committed"
    checked = subprocess.run(["vane", "check", "--dir", str(published)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    again = clone(team, tmp_path / "again", "CI")  # the same week once more: nothing breaks, nothing is lost
    for name, script in steps("report"):
        run_step(again, name, script)
    git(again, "pull", "-q")
    after = (again / "reports" / "forecasts.jsonl").read_text().splitlines()
    assert after[:len(log)] == [line for line in (published / "reports" / "forecasts.jsonl").read_text().splitlines()]
