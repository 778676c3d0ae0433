"""Numbers as text, the one set of formats shared by the terminal, the Markdown report and the HTML report.

Every format shows '–' for a value that is missing (None) or not finite, so a
score that does not apply never prints as 'nan'.
"""

from __future__ import annotations

import math

MISSING = "–"


def is_missing(value: float | None) -> bool:
    """True for None, nan and infinities: values shown as ``MISSING``."""
    return value is None or not math.isfinite(value)


def number(value: float | None, places: int = 3) -> str:
    """A score, or '–' when it does not apply; never '-0.000' (``or 0.0`` turns a rounded -0.0 into 0.0)."""
    return MISSING if is_missing(value) else f"{round(value, places) or 0.0:.{places}f}"


def signed(value: float | None, places: int = 3) -> str:
    """A difference of scores with its sign, or '–' when there is none."""
    return MISSING if is_missing(value) else f"{round(value, places) or 0.0:+.{places}f}"


def percent(value: float | None, places: int = 1) -> str:
    """A probability in percent: 0.1234 -> '12.3%' (``places=0``: '12%'), or '–' when unknown."""
    return MISSING if is_missing(value) else f"{100 * value:.{places}f}%"


def points(value: float | None, unit: str = "") -> str:
    """A change in percentage points with its sign and ``unit``: 0.021 -> '+2.1' (unit ' pp': '+2.1 pp').

    Changes below 0.05 points show as '0.0'; an unknown change as '–' (without the unit).
    """
    if is_missing(value):
        return MISSING
    shown = 100 * value
    return ("0.0" if abs(shown) < 0.05 else f"{shown:+.1f}") + unit


def interval(low: float | None, high: float | None) -> str:
    """An interval of probabilities in whole percent: '12–34%', or '–' when either end is unknown."""
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{100 * low:.0f}–{100 * high:.0f}%"


PROBABILITY_FORMS = "0.3, 30% or odds 1:4"


def probability_value(text: str) -> float:
    """A probability as people write it: ``0.3``, ``30%``, or odds ``1:4`` (1 for, 4 against: 0.2).

    The range is the caller's to check (a likelihood may be 0.9, a prior must sum with the others).

    Raises
    ------
    ValueError
        With a message that completes "'TEXT' ...".
    """
    text = text.strip()
    try:
        if text.endswith("%"):
            value = float(text[:-1]) / 100.0
        elif ":" in text:
            for_, _, against = text.partition(":")
            odds = float(for_), float(against)
            if min(odds) < 0 or sum(odds) <= 0:
                raise ValueError
            value = odds[0] / sum(odds)
        else:
            value = float(text)
    except ValueError:
        raise ValueError(f"is not a probability (write {PROBABILITY_FORMS})") from None
    if not math.isfinite(value):
        raise ValueError(f"is not a probability (write {PROBABILITY_FORMS})")
    return value
