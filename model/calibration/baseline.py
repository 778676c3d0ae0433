"""The baseline the ratings must beat: the written priors alone, tempered by a learned ``kappa`` (numpy only).

With no evidence the model is ``o_q ~ Categorical(softmax(kappa log pi_q))`` with
``log kappa ~ Normal(PRIOR["log_prior_strength"])``: one parameter, so its
posterior is computed exactly on a grid rather than sampled, and so is each
question's leave-one-out predictive density,

    p(o_q | every other outcome) = 1 / E_posterior[1 / p(o_q | kappa)],

which needs no importance-sampling approximation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.calibration.data import CalibrationData
from model.engine.parameters import PRIOR
from model.engine.posterior import logsumexp

GRID = np.linspace(-4.0, 3.0, 1401)  # log kappa: 0.02 to 20, finer than any posterior 250+ questions give


@dataclass(frozen=True)
class PriorsAlone:
    """The priors-alone model fitted: its posterior of kappa and each question's LOO log density."""

    grid: np.ndarray  # (N,) values of kappa
    weights: np.ndarray  # (N,) posterior probability of each
    loo: np.ndarray  # (Q,) log p(o_q | the other outcomes)

    def draws(self, count: int, seed: int = 0) -> np.ndarray:
        """``count`` draws of kappa from the grid posterior (inverse CDF at stratified points)."""
        rng = np.random.default_rng(seed)
        points = (np.arange(count) + rng.random(count)) / count
        chosen = np.searchsorted(np.cumsum(self.weights), points, side="left")
        return self.grid[np.minimum(chosen, self.grid.shape[0] - 1)][rng.permutation(count)]


def priors_alone(data: CalibrationData) -> PriorsAlone:
    """Fit the priors-alone model to ``data`` exactly on a grid of log kappa."""
    mean, sd = PRIOR["log_prior_strength"]
    kappa = np.exp(GRID)
    log_prior = np.where(data.scenario_mask, data.log_prior, -np.inf)  # (Q, K)
    logits = kappa[:, None, None] * log_prior[None]  # (N, Q, K)
    normalised = logits - logsumexp(logits, axis=-1)
    likelihood = normalised[:, np.arange(data.questions), data.outcome]  # (N, Q)
    log_post = -0.5 * ((GRID - mean) / sd) ** 2 + likelihood.sum(axis=1)
    log_post -= logsumexp(log_post, axis=0)[0]
    loo = -logsumexp(log_post[:, None] - likelihood, axis=0)[0]
    return PriorsAlone(kappa, np.exp(log_post), loo)
