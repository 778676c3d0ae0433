"""Teams through real git: branches tagging evidence, indicators, forecasts and a resolution at once, merged.

Each test makes a repository in a temporary folder with ``vane init`` (which
wires the merge driver), lets several analysts work on their own branches, and
merges, rebases or cherry-picks. Whatever the order, every item must be there
exactly once with a unique id, ``vane check`` must pass, and the probabilities
must be those of the same edits made one after another on a single branch.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from model.fileformat.log_entry import read_log
from model.workspace.loader import load_question
from tests.helpers import vane

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True, check=False).returncode != 0,
                                reason="needs git")

QUESTIONS = [
    ("new", "talks", "-q", "Will the talks produce a deal?", "--opened", "2026-01-01", "--closes", "2030-12-31",
     "--scenario", "deal=A deal", "--scenario", "stall=No deal", "--prior", "deal=0.3", "--prior", "stall=0.7",
     "--basis", "a base rate"),
    ("new", "vote", "-q", "Will the vote pass?", "--opened", "2026-01-01", "--closes", "2030-12-31",
     "--scenario", "yes=It passes", "--scenario", "no=It fails"),
]

ALICE = [
    ("add", "talks", "-s", "Envoys meet in Geneva", "--date", "2026-02-01", "--grade", "B2", "-r", "deal=+", "-r", "stall=0"),
    ("add", "talks", "-s", "A repost of the Geneva meeting", "--date", "2026-02-02", "--story", "e1", "-r", "deal=+",
     "-r", "stall=0"),
    ("indicator", "add", "talks", "--description", "Leaders meet", "--due", "2026-10-01", "--prob", "deal=0.8",
     "--prob", "stall=0.2"),
    ("indicator", "observe", "talks", "i1", "--date", "2026-03-01"),
    ("forecast", "talks", "deal=0.4", "stall=0.6", "--forecaster", "alice"),
]

BOB = [
    ("add", "talks", "-s", "Strikes continue", "--date", "2026-02-03", "--grade", "C3", "-r", "deal=-", "-r", "stall=+"),
    ("add", "vote", "-s", "The whips count enough votes", "--date", "2026-02-04", "-r", "yes=++", "-r", "no=0"),
    ("forecast", "vote", "yes=0.7", "no=0.3", "--forecaster", "bob"),
]

CAROL = [
    ("add", "vote", "-s", "The vote passes", "--date", "2026-03-01", "--grade", "A1", "-r", "yes=++", "-r", "no=--"),
    ("resolve", "vote", "yes", "--note", "It passed", "--date", "2026-03-02"),
    ("add", "talks", "-s", "A second round is scheduled", "--date", "2026-02-05", "-r", "deal=+", "-r", "stall=-"),
    ("forecast", "talks", "deal=0.5", "stall=0.5", "--forecaster", "carol"),
]

BRANCHES = {"alice": ALICE, "bob": BOB, "carol": CAROL}


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run git in ``repo`` (never in a repository named by the caller's GIT_* variables, as inside a hook)."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False, env=environment)
    if check and done.returncode:
        raise AssertionError(f"git {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def run(repo: Path, *args: str) -> None:
    result = vane(*args, "--dir", str(repo))
    assert result.code == 0, f"vane {' '.join(args)}\n{result.output}"


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def team_repository(root: Path) -> Path:
    """A team repository at ``root`` on ``main`` with two questions, and the merge driver wired by ``vane init``."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Test"), ("user.email", "test@example.org"), ("commit.gpgsign", "false"),
                       ("core.hooksPath", "/dev/null")):
        git(root, "config", key, value)
    assert vane("init", str(root)).code == 0
    assert git(root, "config", "merge.vane.driver").stdout.strip() == "vane merge-file %O %A %B %P"
    # the same driver, run with this test's Python (an installed 'vane' may be another checkout's)
    command = f"{shlex.quote(sys.executable)} -c 'from cli.app import main; main()' merge-file %O %A %B %P"
    git(root, "config", "merge.vane.driver", command)
    for question in QUESTIONS:
        run(root, *question)
    commit_all(root, "questions")
    return root


def one_branch(root: Path, edits) -> Path:
    """A workspace (no git) where ``edits`` were made one after another."""
    (root / "scenarios").mkdir(parents=True)
    (root / "reports").mkdir()
    for edit in QUESTIONS + list(edits):
        run(root, *edit)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return team_repository(tmp_path / "team")


def work_on(repo: Path, branch: str, edits, start: str = "main") -> None:
    git(repo, "checkout", "-q", "-b", branch, start)
    for number, edit in enumerate(edits):
        run(repo, *edit)
        commit_all(repo, f"{branch} {number}")
    git(repo, "checkout", "-q", "main")


def merge(repo: Path, branch: str) -> None:
    done = git(repo, "merge", "--no-edit", "-q", branch, check=False)
    assert done.returncode == 0, f"merge {branch}:\n{done.stdout}\n{done.stderr}\n{git(repo, 'diff').stdout}"


def contents(repo: Path) -> dict:
    """What the workspace says: each question's items (ids and summaries), indicators, resolution, the log."""
    found = {}
    for path in sorted((repo / "scenarios").glob("*.yaml")):
        question, problems = load_question(path)
        assert not problems, problems
        ids = [item.id for item in question.evidence] + [indicator.id for indicator in question.indicators]
        assert len(ids) == len(set(ids))
        found[question.id] = {
            "summaries": sorted(item.summary for item in question.evidence),
            "indicators": sorted((indicator.description, indicator.observed) for indicator in question.indicators),
            "observed evidence": sorted(next(item.summary for item in question.evidence if item.id == indicator.evidence)
                                        for indicator in question.indicators if indicator.evidence),
            "outcome": question.outcome,
        }
    entries, problems = read_log(repo / "reports" / "forecasts.jsonl")
    assert not problems
    found["forecasters"] = sorted(entry.forecaster for entry in entries)
    return found


def probabilities(repo: Path) -> dict:
    result = vane("status", "--json", "--face-value", "--dir", str(repo))
    assert result.code == 0, result.output
    return {question["id"]: {s["id"]: pytest.approx(s["probability"], rel=1e-9) for s in question["scenarios"]}
            for question in json.loads(result.stdout)["questions"]}


def checked(repo: Path) -> None:
    result = vane("check", "--dir", str(repo))
    assert result.code == 0, result.output
    assert "<<<<<<<" not in "".join(path.read_text() for path in (repo / "scenarios").glob("*.yaml"))


@pytest.fixture
def single(tmp_path_factory) -> dict:
    """The reference: every branch's edits made one after another on one branch."""
    root = one_branch(tmp_path_factory.mktemp("single"), ALICE + BOB + CAROL)
    return {"contents": contents(root), "probabilities": probabilities(root)}


@pytest.mark.parametrize("order", [("alice", "bob", "carol"), ("carol", "bob", "alice")])
def test_branches_merged_in_any_order_keep_every_item_once(repo: Path, single: dict, order):
    for branch in order:
        work_on(repo, branch, BRANCHES[branch])
    for branch in order:
        merge(repo, branch)
    checked(repo)
    assert contents(repo) == single["contents"]
    assert probabilities(repo) == single["probabilities"]
    talks = (repo / "scenarios" / "talks.yaml").read_text()
    assert talks.count("\n  - id: ") == 6 and "# Tag evidence with" in talks  # our layout and comments kept


def test_a_rebase_and_a_cherry_pick_renumber_the_replayed_side(repo: Path, single: dict):
    work_on(repo, "alice", ALICE)
    work_on(repo, "bob", BOB)
    work_on(repo, "carol", CAROL)
    bring_in(repo, "alice", "merge")
    bring_in(repo, "bob", "rebase")
    bring_in(repo, "carol", "cherry-pick")
    checked(repo)
    assert contents(repo) == single["contents"]
    assert probabilities(repo) == single["probabilities"]
    talks, _ = load_question(repo / "scenarios" / "talks.yaml")
    assert [item.id for item in talks.evidence[:3]] == ["e1", "e2", "e3"]  # upstream's ids stay as they were
    assert [item.summary for item in talks.evidence[3:]] == ["Strikes continue", "A second round is scheduled"]


def test_a_real_conflict_is_left_marked_and_git_says_so(repo: Path):
    path = repo / "scenarios" / "talks.yaml"
    for branch, grade in (("ann", "B2"), ("ben", "D4")):
        git(repo, "checkout", "-q", "-b", branch, "main")
        path.write_text(path.read_text().replace("basis: a base rate", f"basis: rated {grade}"), encoding="utf-8")
        commit_all(repo, branch)
    git(repo, "checkout", "-q", "main")
    merge(repo, "ann")
    done = git(repo, "merge", "--no-edit", "ben", check=False)
    assert done.returncode != 0 and "CONFLICT" in done.stdout
    text = path.read_text()
    assert "<<<<<<<" in text and "rated B2" in text and "rated D4" in text
    assert vane("check", "--dir", str(repo)).code == 1


def test_merge_setup_wires_an_existing_repository(tmp_path: Path):
    root = tmp_path / "old"
    (root / "scenarios").mkdir(parents=True)
    git(root, "init", "-q")
    result = vane("merge-setup", "--dir", str(root))
    assert result.code == 0 and "configured git" in result.stdout
    assert "merge=vane" in (root / ".gitattributes").read_text()
    assert git(root, "config", "merge.vane.name").stdout.strip()
    assert "already" not in vane("merge-setup", "--dir", str(root)).stdout  # harmless twice


def bring_in(repo: Path, branch: str, how: str) -> None:
    """``branch`` brought into ``main`` by a merge, a rebase (then a fast-forward) or cherry-picks."""
    if how == "merge":
        merge(repo, branch)
    elif how == "rebase":
        git(repo, "checkout", "-q", branch)
        done = git(repo, "rebase", "main", check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        git(repo, "checkout", "-q", "main")
        merge(repo, branch)
    else:
        for sha in git(repo, "rev-list", "--reverse", f"main..{branch}").stdout.split():
            done = git(repo, "cherry-pick", sha, check=False)
            assert done.returncode == 0, done.stdout + done.stderr


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    given = None

if given is not None:
    @pytest.mark.slow
    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    @given(done=st.tuples(*(st.integers(0, len(edits)) for edits in BRANCHES.values())),
           order=st.permutations(list(BRANCHES)),
           how=st.lists(st.sampled_from(["merge", "rebase", "cherry-pick"]), min_size=3, max_size=3))
    def test_any_edits_brought_together_any_way_equal_the_same_edits_on_one_branch(tmp_path_factory, done, order, how):
        edits = {branch: BRANCHES[branch][:count] for branch, count in zip(BRANCHES, done)}
        single = one_branch(tmp_path_factory.mktemp("single"), edits["alice"] + edits["bob"] + edits["carol"])
        root = team_repository(tmp_path_factory.mktemp("team") / "team")
        for branch in order:
            work_on(root, branch, edits[branch])
        for branch, way in zip(order, how):
            bring_in(root, branch, way)
        checked(root)
        assert contents(root) == contents(single)
        assert probabilities(root) == probabilities(single)
