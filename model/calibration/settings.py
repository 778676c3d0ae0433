"""How to sample the calibration model: which NUTS implementation, how long, how many chains.

Light on purpose (no PyMC): the command line offers the choices without paying for the sampler's import.
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLERS = ("numpyro-jit", "numpyro", "nutpie", "pymc")
"""NUTS implementations: numpyro's kernel as one compiled program (``jaxrun``), or ``pm.sample`` with the others."""

MIN_COMPARED = 5  # fewer resolved questions than this cannot show what the ratings are worth


@dataclass(frozen=True)
class SamplerSettings:
    """How to sample: which NUTS implementation, how long, how many chains, which seed."""

    sampler: str = "numpyro-jit"
    draws: int = 500
    tune: int = 500
    chains: int = 4
    seed: int = 20250212
    progress: bool = True
    target_accept: float = 0.9
