"""The ACH consistency scale read as likelihoods (model.md, "Ratings -> likelihood ratios")."""

from __future__ import annotations

import math

DELTA = math.log(2.0)
"""Log-likelihood ratio of one rating unit at face value: a ``+`` doubles the odds."""


SYMBOLS: dict[str, int] = {"++": 2, "+": 1, "0": 0, "-": -1, "--": -2}


SCALE_TEXT = "'++', '+', '0', '-' or '--' (or a whole number from -2 to 2)"


def rating_units(text: str) -> int:
    """Rating units for a symbol such as ``+`` or ``--`` (or -2..2 written as a number).

    Raises
    ------
    ValueError
        When the text is not on the scale.
    """
    cleaned = text.strip()
    if cleaned in SYMBOLS:
        return SYMBOLS[cleaned]
    try:
        number = int(cleaned)
    except ValueError:
        raise ValueError(f"rating '{text}' is not one of {SCALE_TEXT}") from None
    if not -2 <= number <= 2:
        raise ValueError(f"rating {number} is outside the scale -2..2")
    return number


def likelihood_units(probability: float) -> float:
    """Rating units equivalent to an explicit likelihood ``P(E|S_k)`` in (0, 1].

    Raises
    ------
    ValueError
        When the likelihood is not in (0, 1].
    """
    if not 0.0 < probability <= 1.0 or math.isnan(probability):
        raise ValueError(f"likelihood {probability:g} must be in (0, 1]")
    return math.log(probability) / DELTA


def symbol(units: float) -> str:
    """The scale symbol for whole rating units, or the units to two places otherwise."""
    for text, value in SYMBOLS.items():
        if units == value:
            return text
    return f"{units:+.2f}"


def discriminates(units: list[float] | tuple[float, ...], tolerance: float = 1e-12) -> bool:
    """True when a rating row differs across scenarios (only differences carry information)."""
    return bool(units) and max(units) - min(units) > tolerance
