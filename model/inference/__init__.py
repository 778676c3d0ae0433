"""The calibration model (model.md, "Learning theta from what happened"), fitted with PyMC.

This package is the only part of Weathervane that imports PyMC, PyTensor,
ArviZ or JAX; commands that do not sample never import it.

- ``builder.build_model`` is a pure function of the data: it returns a
  ``pm.Model`` with named coords and dims and samples nothing.
- ``fitting.fit`` samples it (``pm.sample`` with PyMC's NUTS, nutpie or
  numpyro, or the compiled numpyro driver of ``jaxrun``); ``fitting.diagnose``
  checks R-hat, bulk ESS and divergences.
- ``model.calibrate`` runs the whole procedure.
"""

import os
from pathlib import Path

# JAX reads these when it is first imported: two CPU devices so chains run in
# parallel on both cores, and a persistent compilation cache so later runs
# skip the compilation.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path.home() / ".cache" / "weathervane" / "jax"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.5")

from model.inference.builder import build_model  # noqa: E402
from model.inference.fitting import (  # noqa: E402
    SAMPLERS,
    Diagnostics,
    SamplerSettings,
    TimedFit,
    diagnose,
    fit,
    free_parameters,
    timed_fit,
)

__all__ = [
    "SAMPLERS", "Diagnostics", "SamplerSettings", "TimedFit",
    "build_model", "diagnose", "fit", "free_parameters", "timed_fit",
]
