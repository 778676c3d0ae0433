"""The team's pooled forecast, learned: the PyMC model of the extremizing factor and its fit.

docs/model.md, "The team's pooled forecast". The pools, the exact grid
posterior, the forecast and the saved draws need numpy alone and live in
``model.record.team_pool``; only learning ``alpha`` and ``beta`` needs PyMC.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.base.errors import VaneError
from model.engine.parameters import SavedFit
from model.record.team_pool import (
    POOLING_PRIOR,
    PoolingData,
    PoolingFit,
    TeamPool,
    save_pooling,
    team_pools,
)

if TYPE_CHECKING:
    import pymc as pm

    from model.calibration.settings import SamplerSettings


@dataclass(frozen=True)
class TeamPoolLearned:
    """What ``learn_team_pool`` did: the fit (None when there was nothing to learn from), whether it was saved, why."""

    fit: PoolingFit | None
    saved: bool
    lines: tuple[str, ...]

    def as_dict(self) -> dict:
        """Plain data for ``vane calibrate --json``."""
        return {"fit": self.fit.as_dict() if self.fit else None, "saved": self.saved, "summary": list(self.lines)}


def learn_team_pool(questions, log_entries, saved: SavedFit, settings: SamplerSettings | None = None,
                    report: Callable[[str], None] = lambda line: None) -> TeamPoolLearned:
    """Learn how far to extremize the team's pool from the resolved questions, and save it when it passes."""
    pools: list[TeamPool] = team_pools(questions, log_entries)
    if not any(pool.outcome is not None for pool in pools):
        return TeamPoolLearned(None, False, ("team (pooled): no resolved question has stated forecasts from two "
                                             "analysts or more yet, so the pool keeps its prior extremizing",))
    report(f"fitting the team's pool on {sum(pool.outcome is not None for pool in pools)} resolved question(s)...")
    fit = fit_pooling(pools, settings, report)
    if not fit.passed:
        return TeamPoolLearned(fit, False, (f"team (pooled): {fit.sentence()}",
                                            f"team (pooled) not saved: {'; '.join(fit.problems)}"))
    save_pooling(fit, saved)
    return TeamPoolLearned(fit, True, (f"team (pooled): {fit.sentence()}",))


# --- the PyMC model and its fit (PyMC imported here only) ---


DATA_NAMES = ("pool_mean_log", "pool_scenario_mask", "pool_diversity", "pool_outcome")


def pooling_model(data: PoolingData, prior=POOLING_PRIOR) -> pm.Model:
    """The pooling model: log d_q = alpha + beta D_q, o_q ~ Categorical(softmax(d_q * mean_i log p_iq))."""
    import pymc as pm
    import pytensor.tensor as pt

    coords = {"question": list(data.question_ids), "scenario": list(range(data.mean_log.shape[1]))}
    with pm.Model(coords=coords) as model:
        mean_log = pm.Data("pool_mean_log", data.mean_log, dims=("question", "scenario"))
        mask = pm.Data("pool_scenario_mask", data.scenario_mask.astype(float), dims=("question", "scenario"))
        spread = pm.Data("pool_diversity", data.diversity, dims="question")
        outcome = pm.Data("pool_outcome", data.outcome, dims="question")
        alpha = pm.Normal("alpha", *prior["alpha"])
        beta = pm.Normal("beta", *prior["beta"])
        extremizing = pt.exp(alpha + beta * spread)
        logits = pt.where(mask > 0, extremizing[:, None] * mean_log, -np.inf)
        pm.Categorical("outcome_observed", logit_p=logits, observed=outcome, dims="question")
    return model


POOLING_SAMPLER = "pymc"
"""Used when the settings ask for ``numpyro-jit``, whose runner (``jaxrun``) is written for the calibration model's data."""


def fit_pooling(pools, settings: SamplerSettings | None = None,
                report: Callable[[str], None] = lambda line: None) -> PoolingFit:
    """Learn alpha and beta from the resolved questions' pools with NUTS; retried once with longer chains if needed.

    One data point per resolved question (its last pool, as ``team_pools`` gives
    it): the pools of one question over time share its outcome, so they are not
    independent evidence about d.

    Raises
    ------
    VaneError
        When no resolved question has stated forecasts from two analysts or more.
    """
    import dataclasses

    from model.calibration.settings import SamplerSettings

    data = PoolingData.of(pools)
    if not data.questions:
        raise VaneError("no resolved question has stated forecasts from two analysts or more: "
                        "nothing to learn the team's pool from")
    from model.calibration import sampling  # heavy: PyMC, ArviZ
    from model.calibration.fit import library_versions
    settings = settings or SamplerSettings(progress=False)
    if settings.sampler == "numpyro-jit":
        settings = dataclasses.replace(settings, sampler=POOLING_SAMPLER)
    start = time.perf_counter()
    idata, diagnostics = _sampled(data, settings, sampling)
    if not diagnostics.passed:
        settings = sampling.longer(settings)
        report(f"the pooling fit's diagnostics failed ({'; '.join(diagnostics.problems)}); "
               f"sampling again with {settings.tune} tuning steps and {settings.draws} draws")
        idata, diagnostics = _sampled(data, settings, sampling)
    flat = lambda name: np.asarray(idata.posterior[name].values, dtype=float).ravel()  # noqa: E731
    provenance = {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "sampler": settings.sampler, "draws": settings.draws, "tune": settings.tune, "chains": settings.chains,
        "seed": settings.seed, "versions": library_versions(), "data_sha256": data.digest(),
        "question_ids": list(data.question_ids), "max_rhat": diagnostics.max_rhat,
        "min_bulk_ess": diagnostics.min_ess, "divergences": diagnostics.divergences,
        "seconds": round(time.perf_counter() - start, 2), "prior": POOLING_PRIOR,
    }
    return PoolingFit(flat("alpha"), flat("beta"), data.questions, "calibrated", provenance, diagnostics.problems)


def _sampled(data: PoolingData, settings, sampling):
    model = pooling_model(data)
    idata = sampling.fit(model, settings)
    return idata, sampling.diagnose(idata, ["alpha", "beta"])
