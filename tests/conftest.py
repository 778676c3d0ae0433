"""Shared fixtures: a small workspace in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import ROOT, TALKS


@pytest.fixture(autouse=True)
def output_to_a_file(monkeypatch):
    """Every test sees output as a file or pipe would: the runner's own $COLUMNS (pytest-xdist sets 80) must not
    shape what a test reads; tests of the terminal's width set it themselves."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def space(tmp_path: Path) -> Path:
    """A workspace with one question, ``talks``."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "reports").mkdir()
    (tmp_path / "scenarios" / "talks.yaml").write_text(TALKS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A copy of the bundled workspace (question files and source records), with an empty ``reports/``."""
    for folder in ("scenarios", "seeds"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns(".*"))
    (tmp_path / "reports").mkdir()
    return tmp_path
