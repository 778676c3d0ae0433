"""Docs that cannot drift: the README's commands run, the format example loads, every command has help."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from cli.app import app
from model.workspace.loader import load_question_text
from tests.helpers import ROOT, vane

README = (ROOT / "README.md").read_text(encoding="utf-8")


def console_commands(markdown: str) -> list[str]:
    blocks = re.findall(r"```console\n(.*?)```", markdown, re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def shell_blocks(markdown: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", markdown, re.S)]


@pytest.fixture
def tour(bundled: Path, monkeypatch) -> Path:
    """Inside a copy of the bundled workspace, so the tour's edits stay in a temporary folder."""
    monkeypatch.chdir(bundled)
    monkeypatch.delenv("VANE_DIR", raising=False)
    return bundled


def test_the_readme_tour_runs(tour: Path):
    commands = console_commands(README)
    assert len(commands) >= 6
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "vane", command
        result = vane(*words[1:])
        assert result.code == 0, f"{command}\n{result.output}"
    assert "id: e12" in (tour / "scenarios" / "ukraine-talks-2027.yaml").read_text()


def test_the_readme_opens_with_the_two_setup_commands_and_ci_runs_the_test_one():
    first, second = shell_blocks(README)[:2]
    assert first.startswith("pip install -e . && vane ")
    assert second == "pip install -e '.[test]' && pytest"
    assert second in (ROOT / ".ci" / "run").read_text()


def test_the_format_reference_example_is_valid():
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    example = re.search(r"## A complete example.*?```yaml\n(.*?)```", text, re.S).group(1)
    question, problems = load_question_text(example, Path("example.yaml"))
    assert not problems, problems
    assert len(question.evidence) == 3 and question.resolution and question.indicators


def test_every_command_has_help_text():
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert command.help and len(command.help) > 20, name
        result = vane(name, "--help")
        assert result.code == 0 and "Usage" in result.output


def test_help_shows_defaults_as_written():
    # "[default: today]" must reach the reader, not be taken for a style tag and dropped
    assert "[default: today]" in " ".join(vane("add", "--help").output.split())


DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_link_stays_inside_the_repository_and_resolves(document: Path):
    text = document.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"https?://|#|mailto:", target):
            continue
        path = (document.parent / target.split("#")[0]).resolve()
        assert ROOT in path.parents or path == ROOT, f"{document.name} links outside the repository: {target}"
        assert path.exists(), f"{document.name} links to a missing file: {target}"
    assert "shared/docs" not in text, f"{document.name} points at the shared folder, which users never see"
