"""Scores as text, shared by the terminal and the reports."""

from __future__ import annotations

import math


def number(value: float | None, places: int = 3) -> str:
    """A score, or '–' when it does not apply; never '-0.000' (``or 0.0`` turns a rounded -0.0 into 0.0)."""
    return "–" if value is None or not math.isfinite(value) else f"{round(value, places) or 0.0:.{places}f}"


def signed(value: float | None, places: int = 3) -> str:
    """A difference of scores with its sign, or '–' when there is none."""
    return "–" if value is None or not math.isfinite(value) else f"{round(value, places) or 0.0:+.{places}f}"
