"""Workspaces: init, new, and finding the workspace from --dir, VANE_DIR or the current folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.workspace.loader import load_question
from tests.helpers import vane, vane_process


def test_init_creates_an_empty_workspace_and_is_harmless_twice(tmp_path: Path):
    target = tmp_path / "mine"
    first = vane("init", str(target))
    assert first.code == 0
    assert (target / "scenarios").is_dir() and (target / "reports").is_dir()
    assert ".*.lock" in (target / ".gitignore").read_text()
    again = vane("init", str(target))
    assert again.code == 0 and "already a workspace" in again.stdout
    assert vane("check", "--dir", str(target)).code == 0


def test_new_scaffolds_a_valid_question(tmp_path: Path):
    vane("init", str(tmp_path))
    result = vane("new", "ceasefire", "--dir", str(tmp_path), "-q", "Ceasefire by March?", "--closes", "2099-03-01",
                  "--scenario", "yes=A ceasefire: signed", "--scenario", "no=None", "--prior", "yes=0.2", "--prior", "no=0.8",
                  "--basis", "four years without one", "--ordered")
    assert result.code == 0, result.output
    question, problems = load_question(tmp_path / "scenarios" / "ceasefire.yaml")
    assert not problems
    assert question.scenarios[0].description == "A ceasefire: signed"
    assert question.prior.probabilities == {"yes": 0.2, "no": 0.8} and question.ordered
    added = vane("add", "ceasefire", "--dir", str(tmp_path), "-s", "First sign", "-r", "yes=+")
    assert added.code == 0, added.output


def test_new_without_a_prior_is_uniform_and_bad_priors_are_refused(tmp_path: Path):
    vane("init", str(tmp_path))
    args = ["--dir", str(tmp_path), "-q", "Q?", "--closes", "2099-01-01", "--scenario", "a=A", "--scenario", "b=B", "--scenario", "c=C"]
    assert vane("new", "uniform", *args).code == 0
    question, _ = load_question(tmp_path / "scenarios" / "uniform.yaml")
    assert list(question.prior.probabilities.values()) == [1 / 3] * 3
    refused = vane("new", "bad", *args, "--prior", "a=0.5", "--prior", "b=0.6", "--prior", "c=0.1")
    assert refused.code == 1 and "sum to 1.2" in refused.stderr
    assert not (tmp_path / "scenarios" / "bad.yaml").exists()
    one = vane("new", "one", "--dir", str(tmp_path), "-q", "Q?", "--closes", "2099-01-01", "--scenario", "a=A")
    assert one.code == 1 and "at least two scenarios" in one.stderr


def test_the_workspace_comes_from_dir_then_the_environment_then_the_current_folder(space: Path, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert vane_process("status", "--json", cwd=elsewhere, env={"VANE_DIR": str(space)}).code == 0
    nowhere = vane_process("status", cwd=elsewhere)
    assert nowhere.code == 1 and "no workspace here" in nowhere.stderr and "Traceback" not in nowhere.stderr
    inside = vane_process("status", cwd=space / "scenarios")  # a parent folder is a workspace
    assert inside.code == 0 and "talks" in inside.stdout
    wrong = vane_process("status", "--dir", str(elsewhere), cwd=space)
    assert wrong.code == 1 and "not a workspace" in wrong.stderr


@pytest.mark.parametrize("command", ["show", "status"])
def test_questions_can_be_named_by_path(space: Path, monkeypatch, command):
    monkeypatch.chdir(space)
    for name in ("talks.yaml", "scenarios/talks.yaml", str(space / "scenarios" / "talks.yaml")):
        result = vane(command, name, "--dir", str(space))
        assert result.code == 0, result.output


def test_check_reads_upper_case_suffixes_and_flags_an_empty_folder(space: Path):
    (space / "scenarios" / "Other.YAML").write_text("question: [\n")
    assert "Other.YAML:2: YAML syntax error" in vane("check", "--dir", str(space)).stdout
    empty = space / "nothing"
    empty.mkdir()
    result = vane("check", str(empty))
    assert result.code == 1 and "no question files" in result.stdout


@pytest.fixture
def two_questions(tmp_path: Path) -> Path:
    examples = Path(__file__).resolve().parents[1] / "scenarios"
    space = tmp_path / "space"
    (space / "reports").mkdir(parents=True)
    (space / "scenarios").mkdir()
    for path in examples.glob("*.yaml"):
        (space / "scenarios" / path.name).write_bytes(path.read_bytes())
    return space


def test_show_reads_only_its_question_and_agrees_with_the_whole_workspace(two_questions: Path, monkeypatch):
    from model.workspace import loader
    from model.workspace.folder import Workspace

    names = sorted(path.stem for path in (two_questions / "scenarios").glob("*.yaml"))
    (two_questions / "scenarios" / "broken.yaml").write_text("question: [unclosed\n")
    (two_questions / "vane.yaml").write_text("grades:\n  reliability: {A: 0.9}\n")
    whole = loader.load_workspace(Workspace(two_questions))
    read: list[str] = []
    original = loader._look_up
    monkeypatch.setattr(loader, "_look_up", lambda path, *rest: read.append(Path(path).stem) or original(path, *rest))
    for name in (names[0], f"scenarios/{names[0]}.yaml"):
        one = loader.load_one_question(Workspace(two_questions), name)
        assert one.question(name) == whole.question(names[0]) and one.settings == whole.settings
    assert read == [names[0], names[0]]  # neither the other question nor the broken file was read
    shown = vane("show", names[0], "--dir", str(two_questions), "--json")
    assert shown.code == 0, shown.output


def test_show_of_a_clashing_missing_or_broken_question_says_so(two_questions: Path):
    name = sorted(path.stem for path in (two_questions / "scenarios").glob("*.yaml"))[0]
    text = (two_questions / "scenarios" / f"{name}.yaml").read_text()
    (two_questions / "scenarios" / f"{name.upper()}.yml").write_text(text)
    clash = vane("show", name, "--dir", str(two_questions))
    assert clash.code == 1 and "has problems" in clash.stderr and "also the id of" in clash.stderr
    (two_questions / "scenarios" / f"{name.upper()}.yml").unlink()
    missing = vane("show", name + "x", "--dir", str(two_questions))
    assert missing.code == 1 and f"(did you mean '{name}'?)" in missing.stderr
    (two_questions / "scenarios" / f"{name}.yaml").write_text(text.replace("scenarios:", "scenarios: [", 1))
    broken = vane("show", name, "--dir", str(two_questions))
    assert broken.code == 1 and "has problems" in broken.stderr and f"{name}.yaml" in broken.stderr
