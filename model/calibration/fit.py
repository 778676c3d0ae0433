"""Calibration, end to end: learn theta from resolved questions and save it with its provenance.

model.md, "Learning theta from what happened": fit the model with and without
decay, keep the variant PSIS-LOO supports (decay only when it predicts held-out
outcomes better by more than one standard error), check the diagnostics, and
save the draws only when they pass.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from model.base.errors import VaneError
from model.base.safewrite import atomic_write
from model.calibration import sampling
from model.calibration.data import CalibrationData, calibration_data
from model.calibration.sampling import TimedFit, flat_draws
from model.calibration.settings import SamplerSettings
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


@dataclass(frozen=True)
class Comparison:
    """PSIS-LOO of the two variants and which one is kept."""

    elpd: dict[str, float]
    se: dict[str, float]
    difference: float  # elpd(decay) - elpd(no decay)
    difference_se: float
    chosen: str
    pareto_warnings: dict[str, int] = field(default_factory=dict)
    questions: int = 0

    def sentence(self) -> str:
        """The choice in words."""
        if self.questions < MIN_COMPARED:
            return (f"PSIS-LOO cannot compare decay with no decay on {self.questions} resolved question(s) "
                    f"(it needs {MIN_COMPARED}); keeping the simpler model, no decay")
        better = "supports decay" if self.chosen == "decay" else "does not support decay"
        shaky = sum(self.pareto_warnings.values())
        caveat = f"; {shaky} question(s) with Pareto k above 0.7, so treat the comparison with care" if shaky else ""
        return (
            f"PSIS-LOO {better}: elpd {self.elpd['decay']:.1f} with decay vs {self.elpd['no decay']:.1f} without "
            f"(difference {self.difference:+.1f} ± {self.difference_se:.1f}){caveat}"
        )


@dataclass(frozen=True)
class Calibration:
    """What a calibration run found and did."""

    data: CalibrationData
    fits: dict[str, TimedFit]
    comparison: Comparison
    parameters: Parameters
    summary: tuple[str, ...]
    saved: bool
    refusal: str = ""

    @property
    def chosen(self) -> TimedFit:
        """The variant that was kept."""
        return self.fits[self.comparison.chosen]

    def as_dict(self) -> dict:
        """What the run found and did, as plain data (``vane calibrate --json``)."""
        return {
            "questions": self.data.questions,
            "saved": self.saved,
            "refusal": self.refusal,
            "chosen": self.comparison.chosen,
            "comparison": self.comparison.sentence(),
            "summary": list(self.summary),
            "fits": {name: fit.as_dict() for name, fit in self.fits.items()},
        }


MIN_COMPARED = 5  # fewer resolved questions than this cannot tell decay from no decay


def compare(decay: TimedFit, flat: TimedFit) -> Comparison:
    """PSIS-LOO of both fits; decay is kept only when better by more than one standard error of the difference.

    With fewer than ``MIN_COMPARED`` questions the standard error means nothing
    (with one it is 0), so the simpler model, no decay, is kept.
    """
    import warnings

    import arviz as az

    with warnings.catch_warnings():  # ArviZ warns when one question makes pointwise and total LOO equal
        warnings.simplefilter("ignore", UserWarning)
        loos = {"decay": az.loo(decay.idata, pointwise=True), "no decay": az.loo(flat.idata, pointwise=True)}
    difference_pointwise = np.asarray(loos["decay"].loo_i) - np.asarray(loos["no decay"].loo_i)
    difference = float(difference_pointwise.sum())
    difference_se = float(np.sqrt(difference_pointwise.shape[0] * np.var(difference_pointwise)))
    enough = difference_pointwise.shape[0] >= MIN_COMPARED
    chosen = "decay" if enough and difference > difference_se else "no decay"
    return Comparison(
        elpd={name: float(loo.elpd_loo) for name, loo in loos.items()},
        se={name: float(loo.se) for name, loo in loos.items()},
        difference=difference, difference_se=difference_se, chosen=chosen,
        pareto_warnings={name: int(np.sum(np.asarray(loo.pareto_k) > 0.7)) for name, loo in loos.items()},
        questions=int(difference_pointwise.shape[0]),
    )


def parameters_from(fit: TimedFit, data: CalibrationData, summary_line: str) -> Parameters:
    """The fit's posterior draws as forecast parameters (chains flattened)."""
    draws = flat_draws(fit.idata.posterior, fit.decay)
    theta = Theta.of(draws.strength, draws.half_life, draws.prior_strength)
    analysts = _columns(draws.analyst_strength, data.analysts)
    letters = _columns(draws.reliability, data.letters)
    return Parameters(theta, summary_line, "calibrated", analysts, letters)


def _columns(table: np.ndarray | None, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """(D, N) draws as {name: (D,) draws}; nothing when the model did not learn them."""
    return {} if table is None else {name: table[:, index] for index, name in enumerate(names)}


def plain_summary(parameters: Parameters, data: CalibrationData, comparison: Comparison) -> list[str]:
    """What the fit means, in the analyst's words."""
    theta = parameters.theta
    lines = [
        f"your ratings behave as about {_median(theta.strength):.2g}x their face value "
        f"({INTERVAL_NAME} {_range(theta.strength)})",
    ]
    learned = contraction(np.log(theta.strength), PRIOR["log_strength"][1])
    if learned < 0.5:
        lines.append(f"caution: {data.questions} resolved question(s) say little yet (the interval of s is "
                     f"{100 * max(learned, 0.0):.0f}% narrower than before any question resolved): these figures are mostly the prior")
    if comparison.chosen == "decay":
        lines.append(
            f"evidence loses half its weight in about {_median(theta.half_life):.0f} days "
            f"({INTERVAL_NAME} {_range(theta.half_life, '.0f')} days)"
        )
    elif comparison.questions < MIN_COMPARED:
        lines.append(f"old evidence keeps its full weight until {MIN_COMPARED} questions have resolved to test decay")
    else:
        lines.append("old evidence keeps its weight: the outcomes do not support decay")
    lines.append(
        f"your priors behave as about {_median(theta.prior_strength):.2g}x as written "
        f"({INTERVAL_NAME} {_range(theta.prior_strength)})"
    )
    for name, values in sorted(parameters.analyst_strength.items()):
        who = f"analyst {name}" if name else "evidence with no analyst named"
        lines.append(f"{who}: ratings worth about {_median(values):.2g}x the average analyst's")
    for letter, values in sorted(parameters.reliability.items()):
        default = data.default_reliability[data.letters.index(letter)]
        lines.append(f"sources graded {letter}: reliability about {_median(values):.2f} (Admiralty default {default:.2f})")
    return lines


def contraction(draws: np.ndarray, prior_sd: float) -> float:
    """How much the data narrowed a parameter: 1 - posterior variance / prior variance (0: nothing learned)."""
    return float(1.0 - np.var(draws) / prior_sd ** 2)


def _median(values: np.ndarray) -> float:
    return float(np.median(values))


def _range(values: np.ndarray, form: str = ".2g") -> str:
    low, high = np.quantile(values, INTERVAL)
    return f"{low:{form}}–{high:{form}}"


def provenance(calibration_data_: CalibrationData, fit: TimedFit, settings: SamplerSettings,
               comparison: Comparison, summary_line: str) -> dict:
    """Where the saved draws came from: versions, sampler, data hash, the model choice."""
    import arviz
    import pymc
    import pytensor

    return {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model_version": MODEL_VERSION,
        "inference_library": "pymc", "inference_library_version": pymc.__version__,
        "pytensor_version": pytensor.__version__, "arviz_version": arviz.__version__, "numpy_version": np.__version__,
        "sampler": settings.sampler, "sampler_version": _sampler_version(settings.sampler),
        "draws": settings.draws, "tune": settings.tune, "chains": settings.chains, "seed": settings.seed,
        "data_sha256": calibration_data_.digest(), "questions": calibration_data_.questions,
        "question_ids": list(calibration_data_.question_ids),
        "decay": comparison.chosen, "loo": comparison.sentence(),
        "max_rhat": fit.diagnostics.max_rhat, "min_bulk_ess": fit.diagnostics.min_ess,
        "divergences": fit.diagnostics.divergences, "summary_line": summary_line,
    }


def _sampler_version(sampler: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(sampler)
    except PackageNotFoundError:
        return ""


def save(saved: SavedFit, fit: TimedFit, parameters: Parameters, record: dict) -> None:
    """Write fit.nc (ArviZ NetCDF with provenance attributes) and its numpy extract, each atomically."""
    saved.folder.mkdir(parents=True, exist_ok=True)
    idata = fit.idata
    for group in ("posterior", "sample_stats", "log_likelihood"):
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
    grades: GradeTable | None = None, report: Callable[[str], None] = lambda line: None,
) -> Calibration:
    """Fit theta on every question resolved to a scenario; save it when the diagnostics pass.

    ``report`` receives each step's progress as a line of text.

    Raises
    ------
    VaneError
        When no question has been resolved to a scenario.
    """
    data = calibration_data(questions, grades)
    if not data.questions:
        raise VaneError("no resolved questions to learn from: resolve a question first")
    report(_data_sentence(data))
    fits = {name: _fit_variant(data, name, decay, settings, report) for name, decay in VARIANTS}
    comparison = compare(fits["decay"], fits["no decay"])
    report(comparison.sentence())
    chosen = fits[comparison.chosen]
    parameters, summary = _summarised(chosen, data, comparison)
    if not chosen.diagnostics.passed:
        refusal = "the fit failed its diagnostics (" + "; ".join(chosen.diagnostics.problems) + "); the saved fit was not replaced"
        return Calibration(data, fits, comparison, parameters, tuple(summary), False, refusal)
    save(saved, chosen, parameters, provenance(data, chosen, settings, comparison, parameters.source))
    return Calibration(data, fits, comparison, parameters, tuple(summary), True)


VARIANTS = (("decay", True), ("no decay", False))
"""The two models compared, by name: with decay, and without (every age 0)."""


def _data_sentence(data: CalibrationData) -> str:
    """What the fit learns from, and which optional multipliers it learns too."""
    extensions = [name for name, on in (("per-analyst strengths", data.learns_analysts),
                                        ("per-letter reliabilities", data.learns_reliability)) if on]
    return (f"calibrating on {data.questions} resolved question(s), {data.cell_age.shape[0]} story cells"
            + (f"; also learning {' and '.join(extensions)}" if extensions else ""))


def _fit_variant(data: CalibrationData, name: str, decay: bool, settings: SamplerSettings,
                 report: Callable[[str], None]) -> TimedFit:
    """Sample one variant of the model, reporting before and after."""
    report(f"fitting the model with {name} ({settings.sampler}, {settings.chains} chains x {settings.draws} draws)")
    fitted = sampling.timed_fit(data, decay, settings)
    report(f"  done in {fitted.seconds:.1f} s; " + _diagnostic_sentence(fitted))
    return fitted


def _summarised(chosen: TimedFit, data: CalibrationData, comparison: Comparison) -> tuple[Parameters, list[str]]:
    """The kept fit as parameters whose source names the run and its first two findings, and every finding."""
    line = f"calibrated on {data.questions} resolved question(s) on {dt.date.today()} ({comparison.chosen})"
    parameters = parameters_from(chosen, data, line)
    summary = plain_summary(parameters, data, comparison)
    return replace(parameters, source=f"{line}: " + "; ".join(summary[:2])), summary


def _diagnostic_sentence(fit: TimedFit) -> str:
    d = fit.diagnostics
    verdict = "diagnostics pass" if d.passed else "diagnostics FAIL: " + "; ".join(d.problems)
    return f"max R-hat {d.max_rhat:.3f}, min bulk ESS {d.min_ess:.0f}, {d.divergences} divergences: {verdict}"
