"""Shared fixtures: a small workspace in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import TALKS


@pytest.fixture
def space(tmp_path: Path) -> Path:
    """A workspace with one question, ``talks``."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "reports").mkdir()
    (tmp_path / "scenarios" / "talks.yaml").write_text(TALKS, encoding="utf-8")
    return tmp_path
