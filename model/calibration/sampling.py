"""Sampling the calibration model and checking the result."""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# JAX reads these when it is first imported: two CPU devices so chains run in
# parallel on both cores, and a persistent compilation cache so later runs
# skip the compilation.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path.home() / ".cache" / "weathervane" / "jax"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.5")

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402
import pymc as pm  # noqa: E402

from model.calibration.builder import build_model
from model.calibration.data import CalibrationData, outcome_log_likelihood
from model.calibration.settings import SamplerSettings

RHAT_LIMIT = 1.01


ESS_LIMIT = 400


def fit(model: pm.Model, settings: SamplerSettings = SamplerSettings()) -> az.InferenceData:
    """Sample the model's posterior with NUTS; returns ArviZ InferenceData with sample stats."""
    if settings.sampler == "numpyro-jit":
        from model.calibration.jaxrun import sample_compiled

        return sample_compiled(model, settings)
    kwargs = {}
    cores = min(settings.chains, 2)
    if settings.sampler == "numpyro":
        kwargs["nuts_sampler_kwargs"] = {"chain_method": "vectorized"}
    if settings.sampler == "pymc":
        # Workers forked from this process start with PyMC imported and the model compiled;
        # the default "forkserver" makes each import PyMC again (about 5 s apiece here).
        kwargs["mp_ctx"] = "fork"
        if "jax" in sys.modules:  # JAX's threads (the main fit ran first) make a fork likely to deadlock
            cores = 1
    with model:
        return pm.sample(
            draws=settings.draws, tune=settings.tune, chains=settings.chains, cores=cores,
            nuts_sampler=settings.sampler, random_seed=settings.seed, progressbar=settings.progress,
            target_accept=settings.target_accept, compute_convergence_checks=False, **kwargs,
        )


@dataclass(frozen=True)
class Diagnostics:
    """Convergence checks of one fit; ``problems`` says in words what failed."""

    max_rhat: float
    min_ess: float
    divergences: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """True when R-hat, bulk ESS and divergences are all within limits."""
        return not self.problems


def free_parameters(model: pm.Model) -> list[str]:
    """Names of the sampled (free) parameters."""
    return [variable.name for variable in model.free_RVs]


def diagnose(idata: az.InferenceData, names: list[str]) -> Diagnostics:
    """R-hat <= 1.01 and bulk ESS >= 400 for every element of every parameter, and no divergences."""
    rhat = az.rhat(idata, var_names=names)
    ess = az.ess(idata, var_names=names, method="bulk")
    problems = []
    worst_rhat, worst_ess = 0.0, math.inf
    for name in names:
        r, e = np.atleast_1d(rhat[name].values), np.atleast_1d(ess[name].values)
        worst_rhat, worst_ess = max(worst_rhat, float(np.max(r))), min(worst_ess, float(np.min(e)))
        if np.any(~np.isfinite(r)) or np.max(r) > RHAT_LIMIT:
            problems.append(f"R-hat of {name} is {float(np.nanmax(r)):.3f} (limit {RHAT_LIMIT})")
        if np.min(e) < ESS_LIMIT:
            problems.append(f"bulk ESS of {name} is {float(np.min(e)):.0f} (needs {ESS_LIMIT})")
    divergences = int(idata.sample_stats["diverging"].values.sum()) if "diverging" in idata.sample_stats else 0
    if divergences:
        problems.append(f"{divergences} divergent transitions")
    return Diagnostics(worst_rhat, worst_ess, divergences, tuple(problems))


@dataclass(frozen=True)
class Draws:
    """A posterior's draws with its chains laid end to end (``D = chains x draws``).

    ``strength``, ``half_life`` and ``prior_strength`` are (D,); ``analyst_strength``
    is (D, A), ``reliability`` (D, L) and ``credibility`` (D, G), or None when the
    model did not learn them.
    """

    strength: np.ndarray
    half_life: np.ndarray
    prior_strength: np.ndarray
    analyst_strength: np.ndarray | None = None
    reliability: np.ndarray | None = None
    credibility: np.ndarray | None = None


def flat_draws(posterior) -> Draws:
    """The draws of theta and of the learned multipliers in ``posterior`` (chain, draw, ...), flattened to (D, ...)."""
    flat = lambda name: posterior[name].values.reshape(-1, *posterior[name].shape[2:])  # noqa: E731
    optional = lambda name: flat(name) if name in posterior else None  # noqa: E731
    return Draws(flat("strength"), flat("half_life"), flat("prior_strength"),
                 optional("analyst_strength"), optional("reliability"), optional("credibility"))


def add_log_likelihood(idata: az.InferenceData, data: CalibrationData) -> az.InferenceData:
    """Each question's log probability of its outcome per draw, for PSIS-LOO (computed in numpy)."""
    posterior = idata.posterior
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    theta = flat_draws(posterior)
    log_likelihood = outcome_log_likelihood(
        data, theta.strength, theta.half_life, theta.prior_strength, theta.analyst_strength, theta.reliability,
        theta.credibility,
    )
    import xarray as xr

    dataset = xr.Dataset(
        {"outcome": (("chain", "draw", "question"), log_likelihood.reshape(chains, draws, -1))},
        coords={"chain": posterior.chain, "draw": posterior.draw, "question": list(data.question_ids)},
    )
    observed = xr.Dataset({"outcome": (("question",), np.asarray(data.outcome))},
                          coords={"question": list(data.question_ids)})
    idata.add_groups(log_likelihood=dataset)
    if "observed_data" not in idata.groups():  # the compiled sampler returns none; PyMC's own samplers do
        idata.add_groups(observed_data=observed)
    return idata


def _bucket(data: CalibrationData) -> int:
    """Cells per question rounded up to a multiple of 8, so compiled samplers meet the same shapes again."""
    most = int(np.bincount(data.cell_question, minlength=max(1, data.questions)).max(initial=1))
    return 8 * math.ceil(max(most, 1) / 8)


@dataclass(frozen=True)
class TimedFit:
    """A fit with its diagnostics and how long it took."""

    idata: az.InferenceData
    diagnostics: Diagnostics
    seconds: float
    settings: SamplerSettings

    def as_dict(self) -> dict:
        """How long the fit took and how its diagnostics came out, as plain data for ``--json``."""
        d = self.diagnostics
        return {"seconds": self.seconds, "max_rhat": d.max_rhat, "min_bulk_ess": d.min_ess,
                "divergences": d.divergences, "problems": list(d.problems)}


def timed_fit(data: CalibrationData, settings: SamplerSettings) -> TimedFit:
    """Build, sample and diagnose the model on ``data``."""
    start = time.perf_counter()
    model = build_model(data, slots=_bucket(data))
    idata = add_log_likelihood(fit(model, settings), data)
    return TimedFit(idata, diagnose(idata, free_parameters(model)), time.perf_counter() - start, settings)


def patient_fit(data: CalibrationData, settings: SamplerSettings, report=lambda line: None,
                retries: int = 1) -> TimedFit:
    """``timed_fit``, retried with twice the tuning and draws while the diagnostics fail (``retries`` times).

    Hard posteriors (many analysts and letters, little data on some) often need
    only longer chains; each retry is said through ``report``.
    """
    fitted = timed_fit(data, settings)
    for _ in range(retries):
        if fitted.diagnostics.passed:
            break
        settings = longer(settings)
        report(f"the diagnostics failed ({'; '.join(fitted.diagnostics.problems)}); "
               f"sampling again with --tune {settings.tune} --draws {settings.draws}")
        fitted = timed_fit(data, settings)
    return fitted


def longer(settings: SamplerSettings) -> SamplerSettings:
    """The same sampler with twice the tuning and draws, and smaller steps (a target acceptance of at least 0.95).

    Smaller steps are what a funnel needs: a spread near zero when the data say
    little about the analysts or letters.
    """
    return dataclasses.replace(settings, tune=2 * settings.tune, draws=2 * settings.draws,
                               target_accept=max(settings.target_accept, 0.95))
