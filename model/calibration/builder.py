"""``build_model``: the calibration model as a ``pm.Model``, a pure function of the data and the prior of theta."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from model.calibration.data import CalibrationData
from model.engine.parameters import PRIOR
from model.fileformat.ratings import DELTA

ThetaPrior = Mapping[str, tuple[float, float]]
"""(mean, sd) of the normal prior of each log parameter, as in ``PRIOR``."""


SPREAD_SCALE = 0.5
"""Scale of the half-normal prior of the spread of log analyst strengths and of log letter reliabilities.

The marginal prior sd of each log multiplier is this scale: analysts 0.6x to 1.6x
of the average are well inside it, so a few analysts are not pulled to the middle.
"""


DATA_NAMES = ("cell_means", "cell_age", "cell_analyst", "cell_letter", "cell_digit", "log_prior", "scenario_mask",
              "outcome")
"""Every data input of the model; all are ``pm.Data`` so a compiled sampler can take new values."""


def build_model(data: CalibrationData, slots: int | None = None, theta_prior: ThetaPrior = PRIOR) -> pm.Model:
    """The calibration model for ``data``; per-analyst and per-letter terms only when the data carry them.

    Every resolved question contributes ``o_q ~ Categorical(b_q(T_q; theta))``
    with ``b`` the posterior of model.md at the question's horizon. Cells are
    laid out per question, padded to ``slots`` (default: the most any question
    has). ``theta_prior`` gives the (mean, sd) of the normal prior of
    ``log_strength`` and ``log_prior_strength`` and the scale of the half-normal
    prior of ``decay_rate`` (per day; default: ``PRIOR``).
    """
    layout = data.by_question
    coords = {
        "question": list(data.question_ids),
        "slot": list(range(layout(data.cell_age, slots=slots).shape[1])),
        "scenario": list(range(data.log_prior.shape[1])),
        "analyst": list(data.analysts),
        "letter": list(data.letters),
        "digit": list(data.digits),
    }
    with pm.Model(coords=coords) as model:
        means = pm.Data("cell_means", layout(data.cell_means, slots=slots), dims=("question", "slot", "scenario"))
        ages = pm.Data("cell_age", layout(data.cell_age, slots=slots), dims=("question", "slot"))
        analyst = pm.Data("cell_analyst", layout(data.cell_analyst, slots=slots), dims=("question", "slot"))
        letter = pm.Data("cell_letter", layout(data.cell_letter, slots=slots), dims=("question", "slot"))
        digit = pm.Data("cell_digit", layout(data.cell_digit, slots=slots), dims=("question", "slot"))
        log_prior = pm.Data("log_prior", data.log_prior, dims=("question", "scenario"))
        mask = pm.Data("scenario_mask", data.scenario_mask.astype(float), dims=("question", "scenario"))
        outcome = pm.Data("outcome", data.outcome, dims="question")

        strength = pm.Deterministic("strength", pt.exp(pm.Normal("log_strength", *theta_prior["log_strength"])))
        prior_strength = pm.Deterministic(
            "prior_strength", pt.exp(pm.Normal("log_prior_strength", *theta_prior["log_prior_strength"])),
        )
        # decay as a rate with its prior's mode at 0, so "no decay" lies inside the model rather than in another one
        decay_rate = pm.HalfNormal("decay_rate", theta_prior["decay_rate"][1])
        pm.Deterministic("half_life", np.log(2.0) / decay_rate)
        weight = strength * DELTA * _class_factor(data, analyst, letter, digit) * pt.exp(-decay_rate * ages)  # (Q, M)
        evidence = pt.matmul(weight[:, None, :], means)[:, 0, :]  # batched (1, M) @ (M, K): no (Q, M, K) temporary
        logits = pt.where(mask > 0, prior_strength * log_prior + evidence, -np.inf)
        pm.Categorical("outcome_observed", logit_p=logits, observed=outcome, dims="question")
    return model


def _class_factor(data: CalibrationData, analyst, letter, digit):
    """(Q, M) multiplier of each cell from the analyst, source-letter and credibility-digit extensions.

    Each is 1 when the data do not carry two values of it or more.
    """
    factor = pt.as_tensor_variable(1.0)
    if data.learns_analysts:
        factor = factor * _multipliers("analyst", "analyst", "analyst_strength")[analyst]
    if data.learns_reliability:
        multiplier = _multipliers("letter", "reliability", "reliability_multiplier")
        pm.Deterministic("reliability", multiplier * data.default_reliability, dims="letter")
        factor = factor * multiplier[letter]
    if data.learns_credibility:
        multiplier = _multipliers("digit", "credibility", "credibility_multiplier")
        pm.Deterministic("credibility", multiplier * data.default_credibility, dims="digit")
        factor = factor * multiplier[digit]
    return factor


def _multipliers(dim: str, prefix: str, name: str):
    """Hierarchical multipliers ``exp(spread * offset)`` over ``dim``, non-centred (kinder to NUTS when data are few)."""
    spread = pm.HalfNormal(f"{prefix}_spread", SPREAD_SCALE)
    offset = pm.Normal(f"{prefix}_offset", 0.0, 1.0, dims=dim)
    return pm.Deterministic(name, pt.exp(spread * offset), dims=dim)
