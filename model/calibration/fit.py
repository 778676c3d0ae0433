"""Calibration, end to end: learn theta from resolved questions and save it with its provenance.

model.md, "Learning theta from what happened": one model, with decay as a rate
whose prior has its mode at 0 (so "no decay" is inside it), sampled with NUTS
and retried with longer chains when the diagnostics fail. What the ratings are
worth out of sample is measured against the written priors alone (PSIS-LOO),
and the draws are saved only when the diagnostics pass.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from msgspec.structs import replace

from model.base.errors import VaneError
from model.base.safewrite import atomic_write
from model.calibration import sampling
from model.calibration.baseline import priors_alone
from model.calibration.builder import SPREAD_SCALE
from model.calibration.data import CalibrationData, calibration_data
from model.calibration.sampling import TimedFit, flat_draws
from model.calibration.settings import MIN_COMPARED, SamplerSettings
from model.engine.parameters import (
    MODEL_VERSION,
    PRIOR,
    Parameters,
    SavedFit,
    extract_bytes,
    file_digest,
)
from model.engine.posterior import Theta
from model.engine.probabilities import INTERVAL, INTERVAL_NAME
from model.fileformat.grades import GradeTable

CLEAR = 2.0  # the gain must exceed this many standard errors to count as shown


@dataclass(frozen=True)
class RatingsValue:
    """What the ratings add out of sample: PSIS-LOO log score per question over the written priors alone.

    ``weight`` is the stacking weight of the fitted model against the written
    priors alone: the share of forecast draws in which the ratings count.
    """

    gain: float  # mean nats per question
    se: float
    questions: int
    pareto_warnings: int = 0
    weight: float = 1.0

    @property
    def shown(self) -> bool:
        """True when the gain is clearly above zero (more than ``CLEAR`` standard errors)."""
        return self.questions >= MIN_COMPARED and self.gain > CLEAR * self.se

    def sentence(self) -> str:
        """The value in words, saying plainly when the ratings have not predicted outcomes."""
        if self.questions < MIN_COMPARED:
            return (f"{self.questions} resolved question(s) are too few to test whether your ratings predict outcomes "
                    f"(it takes {MIN_COMPARED}): how far they can be trusted is still mostly the prior")
        figure = f"{self.gain:+.2f} ± {self.se:.2f} nats per question over the priors alone, PSIS-LOO"
        shaky = (f"; {self.pareto_warnings} question(s) with Pareto k above 0.7, so treat this with care"
                 if self.pareto_warnings else "")
        share = (f"; forecasts give the ratings {self.weight:.0%} of their weight and the priors alone the rest"
                 if self.weight < FULL_WEIGHT else "")
        if self.shown:
            return f"your ratings have predicted outcomes ({figure}){share}{shaky}"
        return (f"your ratings have not yet shown predictive value ({figure}): forecasts lean on the priors"
                f"{share}{shaky}")

    def as_dict(self) -> dict:
        """The value as plain data."""
        return {"gain_nats_per_question": self.gain, "se": self.se, "questions": self.questions,
                "shown": self.shown, "pareto_warnings": self.pareto_warnings, "ratings_weight": self.weight}


FULL_WEIGHT = 0.995  # a stacking weight this close to 1 is "all the weight" and goes unmentioned


def ratings_value(fit: TimedFit, data: CalibrationData) -> RatingsValue:
    """PSIS-LOO of the fit against the priors alone (``baseline.priors_alone``), and the stacking weight of the two."""
    import warnings

    import arviz as az

    with warnings.catch_warnings():  # ArviZ warns when one question makes pointwise and total LOO equal
        warnings.simplefilter("ignore", UserWarning)
        loo = az.loo(fit.idata, pointwise=True)
    gains = np.asarray(loo.loo_i) - priors_alone(data).loo
    count = gains.shape[0]
    se = float(np.std(gains) / math.sqrt(count)) if count > 1 else math.inf
    weight = stacking_weight(gains) if count >= MIN_COMPARED else 1.0
    return RatingsValue(float(np.mean(gains)), se, count, int(np.sum(np.asarray(loo.pareto_k) > 0.7)), weight)


def stacking_weight(gains: np.ndarray) -> float:
    """The stacking weight of a model against a baseline, from each question's LOO log-density gain over it.

    Stacking (Yao, Vehtari, Simpson and Gelman 2018) picks the w in [0, 1] that
    maximises ``sum_q log(w p_q + (1 - w) p0_q)``, the LOO log score of the
    mixture; with ``r_q = p_q / p0_q = exp(gain_q)`` that is ``sum_q log(1 + w (r_q - 1))``,
    concave in w, so its derivative is found by bisection.
    """
    excess = np.expm1(np.clip(gains, -50.0, 50.0))  # r_q - 1

    def slope(w: float) -> float:
        return float(np.sum(excess / (1.0 + w * excess)))

    if slope(1.0) >= 0.0:
        return 1.0
    if slope(0.0) <= 0.0:
        return 0.0
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if slope(middle) > 0 else (low, middle)
    return (low + high) / 2


def stacked(parameters: Parameters, weight: float, data: CalibrationData, seed: int = 0) -> Parameters:
    """The draws forecasts use: the fit's in share ``weight``, the rest the priors alone (s = 0, their own kappa).

    Which draws become "priors alone" is a seeded shuffle, so any even thinning
    of the draws keeps about the same share.
    """
    theta = parameters.theta
    alone = np.random.default_rng(seed).permutation(theta.draws) < round((1.0 - weight) * theta.draws)
    if not alone.any():
        return parameters
    kappa = priors_alone(data).draws(theta.draws, seed)
    mixed = Theta.of(np.where(alone, 0.0, theta.strength), theta.half_life,
                     np.where(alone, kappa, theta.prior_strength))
    return replace(parameters, theta=mixed)


@dataclass(frozen=True)
class Calibration:
    """What a calibration run found and did."""

    data: CalibrationData
    fit: TimedFit
    value: RatingsValue
    parameters: Parameters
    summary: tuple[str, ...]
    saved: bool
    refusal: str = ""

    def as_dict(self) -> dict:
        """What the run found and did, as plain data (``vane calibrate --json``)."""
        return {
            "questions": self.data.questions,
            "saved": self.saved,
            "refusal": self.refusal,
            "ratings_value": self.value.as_dict(),
            "summary": list(self.summary),
            "fit": self.fit.as_dict(),
        }


def parameters_from(fit: TimedFit, data: CalibrationData, summary_line: str) -> Parameters:
    """The fit's posterior draws as forecast parameters (chains flattened)."""
    draws = flat_draws(fit.idata.posterior)
    theta = Theta.of(draws.strength, draws.half_life, draws.prior_strength)
    analysts = _columns(draws.analyst_strength, data.analysts)
    letters = _columns(draws.reliability, data.letters)
    digits = _columns(draws.credibility, data.digits)
    return Parameters(theta, summary_line, "calibrated", analysts, letters, credibility=digits)


def _columns(table: np.ndarray | None, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """(D, N) draws as {name: (D,) draws}; nothing when the model did not learn them."""
    return {} if table is None else {name: table[:, index] for index, name in enumerate(names)}


LEARNED = 0.5  # a parameter whose prior variance the data cut by less than half is "mostly the prior"


@dataclass(frozen=True)
class Finding:
    """One learned figure: how to say it, what to call it when it is not learned, and how far the data moved it."""

    sentence: str
    name: str
    draws: np.ndarray  # on the scale where the prior's sd is ``prior_sd`` (log for multipliers)
    prior_sd: float

    @property
    def learned(self) -> bool:
        """True when the data cut the prior's variance by at least half (``LEARNED``)."""
        return contraction(self.draws, self.prior_sd) >= LEARNED


def plain_summary(parameters: Parameters, data: CalibrationData, value: RatingsValue) -> list[str]:
    """What the fit means, in the analyst's words: the value of the ratings first, then what was learned.

    A figure the data have not narrowed much is never given as if learned: it is
    only named, in one closing line, as still the prior.
    """
    findings = _theta_findings(parameters.theta) + _multiplier_findings(parameters, data)
    lines = [value.sentence(), *(finding.sentence for finding in findings if finding.learned)]
    still = [finding.name for finding in findings if not finding.learned]
    if still:
        lines.append("not learned yet, so still the prior: " + ", ".join(still))
    return lines


def _theta_findings(theta: Theta) -> list[Finding]:
    rate = np.log(2.0) / theta.half_life
    rate_sd = PRIOR["decay_rate"][1] * math.sqrt(1 - 2 / math.pi)  # sd of the half-normal prior
    return [
        Finding(f"your ratings behave as about {_median(theta.strength):.2g}x their face value "
                f"({INTERVAL_NAME} {_range(theta.strength)})",
                "how much your ratings are worth", np.log(theta.strength), PRIOR["log_strength"][1]),
        Finding(f"evidence loses half its weight in about {_median(theta.half_life):.0f} days ({INTERVAL_NAME} "
                f"{_range(theta.half_life, '.0f')} days; after 30 days it keeps {_range(np.exp(-30 * rate), '.0%')})",
                "how fast evidence fades", rate, rate_sd),
        Finding(f"your priors behave as about {_median(theta.prior_strength):.2g}x as written "
                f"({INTERVAL_NAME} {_range(theta.prior_strength)})",
                "how far your priors can be trusted", np.log(theta.prior_strength), PRIOR["log_prior_strength"][1]),
    ]


def _multiplier_findings(parameters: Parameters, data: CalibrationData) -> list[Finding]:
    found = []
    for name, values in sorted(parameters.analyst_strength.items()):
        who = f"analyst {name}" if name else "evidence with no analyst named"
        found.append(Finding(f"{who}: ratings worth about {_median(values):.2g}x the average analyst's "
                             f"({INTERVAL_NAME} {_range(values)})", who, np.log(values), SPREAD_SCALE))
    for kind, learned, names, defaults, word in (
        ("sources", parameters.reliability, data.letters, data.default_reliability, "reliability"),
        ("information", parameters.credibility, data.digits, data.default_credibility, "credibility"),
    ):
        for grade, values in sorted(learned.items()):
            default = defaults[names.index(grade)]
            found.append(Finding(f"{kind} graded {grade}: {word} about {_median(values):.2f} ({INTERVAL_NAME} "
                                 f"{_range(values, '.2f')}; Admiralty default {default:.2f})",
                                 f"{kind} graded {grade}", np.log(values / default), SPREAD_SCALE))
    return found


def contraction(draws: np.ndarray, prior_sd: float) -> float:
    """How much the data narrowed a parameter: 1 - posterior variance / prior variance (0: nothing learned)."""
    return float(1.0 - np.var(draws) / prior_sd ** 2)


def _median(values: np.ndarray) -> float:
    return float(np.median(values))


def _range(values: np.ndarray, form: str = ".2g") -> str:
    low, high = np.quantile(values, INTERVAL)
    return f"{low:{form}}–{high:{form}}"


LIBRARIES = ("pymc", "pytensor", "arviz", "numpy", "jax", "jaxlib", "numpyro", "nutpie", "xarray")
"""Every library in the chain from the model to the saved draws, whose versions the provenance records."""


def provenance(calibration_data_: CalibrationData, fit: TimedFit, value: RatingsValue, summary_line: str,
               findings: tuple[str, ...] = (), inputs_sha256: str = "") -> dict:
    """Where the saved draws came from: the sampler that ran, every library's version, the data, the diagnostics.

    ``findings`` are what the fit learned in words (``vane calibrate --show``
    prints them); ``inputs_sha256`` is the hash of everything it learned from
    (``model.calibration.saved.learning_inputs``), so a later run can tell that nothing is new.
    """
    settings = fit.settings
    return {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model_version": MODEL_VERSION,
        "sampler": settings.sampler, "inference_library": _inference_library(fit),
        "versions": library_versions(),
        "draws": settings.draws, "tune": settings.tune, "chains": settings.chains, "seed": settings.seed,
        "data_sha256": calibration_data_.digest(), "questions": calibration_data_.questions,
        "question_ids": list(calibration_data_.question_ids),
        "ratings_value": value.sentence(), "ratings_weight": value.weight,
        "max_rhat": fit.diagnostics.max_rhat, "min_bulk_ess": fit.diagnostics.min_ess,
        "divergences": fit.diagnostics.divergences, "summary_line": summary_line,
        "findings": list(findings), "inputs_sha256": inputs_sha256,
    }


def _inference_library(fit: TimedFit) -> str:
    """The library whose NUTS ran: as the sampler recorded it, else from the sampler's name."""
    recorded = fit.idata.posterior.attrs.get("inference_library")
    return str(recorded) if recorded else {"pymc": "pymc", "nutpie": "nutpie"}.get(fit.settings.sampler, "numpyro")


def library_versions() -> dict[str, str]:
    """The installed version of each of ``LIBRARIES`` ("" when one is absent)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = ""
    return found


def save(saved: SavedFit, fit: TimedFit, parameters: Parameters, record: dict) -> None:
    """Write fit.nc (ArviZ NetCDF with provenance attributes) and its numpy extract, each atomically."""
    saved.folder.mkdir(parents=True, exist_ok=True)
    idata = fit.idata
    for group in ("posterior", "sample_stats", "log_likelihood", "observed_data"):
        if group in idata.groups():
            idata[group].attrs.update({key: _attribute(value) for key, value in record.items()})
    with tempfile.TemporaryDirectory(dir=saved.folder) as scratch:
        written = Path(scratch) / "fit.nc"
        idata.to_netcdf(str(written))
        atomic_write(saved.record, written.read_bytes())
    atomic_write(saved.extract, extract_bytes(parameters, {**record, "record_sha256": file_digest(saved.record)}))


def _attribute(value):
    return value if isinstance(value, (str, int, float)) else json.dumps(value)


def calibrate(
    questions, saved: SavedFit, settings: SamplerSettings = SamplerSettings(),
    grades: GradeTable | None = None, report: Callable[[str], None] = lambda line: None, inputs_sha256: str = "",
) -> Calibration:
    """Fit theta on every question resolved to a scenario; save it when the diagnostics pass.

    A fit that fails its diagnostics is sampled once more with longer chains
    before it is refused. ``report`` receives each step's progress as a line of
    text; ``inputs_sha256`` is saved with the fit (see ``provenance``).

    Raises
    ------
    VaneError
        When no question has been resolved to a scenario.
    """
    data = calibration_data(questions, grades)
    if not data.questions:
        raise VaneError("no resolved questions to learn from: resolve a question first")
    report(_data_sentence(data))
    report(f"fitting the model ({settings.sampler}, {settings.chains} chains x {settings.draws} draws)")
    fitted = sampling.patient_fit(data, settings, report)
    report(f"  done in {fitted.seconds:.1f} s; " + _diagnostic_sentence(fitted))
    value = ratings_value(fitted, data)
    parameters, summary = summarised(fitted, data, value)
    if not fitted.diagnostics.passed:
        again = sampling.longer(fitted.settings)
        refusal = (f"the fit failed its diagnostics ({'; '.join(fitted.diagnostics.problems)}) even with longer chains; "
                   f"the saved fit was not replaced. Try 'vane calibrate --tune {again.tune} --draws {again.draws}'")
        return Calibration(data, fitted, value, parameters, tuple(summary), False, refusal)
    save(saved, fitted, parameters, provenance(data, fitted, value, parameters.source, tuple(summary), inputs_sha256))
    return Calibration(data, fitted, value, parameters, tuple(summary), True)


def _data_sentence(data: CalibrationData) -> str:
    """What the fit learns from, and which optional multipliers it learns too."""
    extensions = [name for name, on in (("per-analyst strengths", data.learns_analysts),
                                        ("per-letter reliabilities", data.learns_reliability),
                                        ("per-digit credibilities", data.learns_credibility)) if on]
    return (f"calibrating on {data.questions} resolved question(s), {data.cell_age.shape[0]} story cells"
            + (f"; also learning {' and '.join(extensions)}" if extensions else ""))


def summarised(fitted: TimedFit, data: CalibrationData, value: RatingsValue) -> tuple[Parameters, list[str]]:
    """The draws forecasts use (stacked, with a source naming the run and the ratings' value), and every finding.

    The findings describe the fit itself: what the ratings are worth when they count.
    """
    line = f"calibrated on {data.questions} resolved question(s) on {dt.date.today()}"
    parameters = parameters_from(fitted, data, line)
    summary = plain_summary(parameters, data, value)
    return stacked(replace(parameters, source=f"{line}: {summary[0]}"), value.weight, data), summary


def _diagnostic_sentence(fit: TimedFit) -> str:
    d = fit.diagnostics
    verdict = "diagnostics pass" if d.passed else "diagnostics FAIL: " + "; ".join(d.problems)
    return f"max R-hat {d.max_rhat:.3f}, min bulk ESS {d.min_ess:.0f}, {d.divergences} divergences: {verdict}"
