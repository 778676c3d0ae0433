"""What a calibration would learn from, whether anything is new since the saved one, and the saved one in words.

Light on purpose (numpy only, no PyMC): ``vane calibrate`` decides here whether
to fit at all before paying for the sampler's import, and ``vane calibrate
--show`` reads the saved fit without it.
"""

from __future__ import annotations

import hashlib

import numpy as np

from model.calibration.data import CalibrationData, calibration_data
from model.calibration.settings import MIN_COMPARED
from model.engine.parameters import Parameters, lognormal_in_words
from model.fileformat.grades import GradeTable
from model.record.team_pool import team_pools


def learning_inputs(questions, log_entries, grades: GradeTable | None = None) -> tuple[CalibrationData, str]:
    """The calibration data of ``questions`` and a sha256 of everything a calibration learns from.

    That is the calibration data (resolved questions, their evidence, grades)
    and the team's pools on resolved questions from the stated forecasts in
    ``log_entries``.
    """
    data = calibration_data(questions, grades)
    digest = hashlib.sha256(data.digest().encode())
    for pool in team_pools(questions, log_entries):
        if pool.outcome is None:
            continue
        stories = sorted(sorted(story) for story in pool.stories)
        digest.update(repr((pool.question, pool.scenarios, pool.forecasters, pool.outcome, stories)).encode())
        digest.update(np.ascontiguousarray(pool.forecasts, dtype="<f8").tobytes())
    return data, digest.hexdigest()


def nothing_to_learn(data: CalibrationData, digest: str, provenance: dict) -> str:
    """Why a fit now would learn nothing (too few resolved questions, nothing new since the saved fit), or ""."""
    if data.questions and data.questions < MIN_COMPARED:
        verb = "is" if data.questions == 1 else "are"
        return (f"{_resolved(data.questions)} {verb} too few to learn from (it takes {MIN_COMPARED}): a fit would leave "
                "how far your ratings can be trusted at its prior, which forecasts use already")
    if digest and provenance.get("inputs_sha256") == digest:
        return (f"nothing is new since the calibration of {str(provenance.get('created_at', ''))[:10]}: the same "
                f"{_resolved(data.questions)} with the same evidence and stated forecasts")
    return ""


def _resolved(count: int) -> str:
    return f"{count} resolved question" + ("" if count == 1 else "s")


def parameters_in_detail(parameters: Parameters, provenance: dict) -> list[str]:
    """The parameters forecasts use, in full: where they came from, what was learned, how the fit went."""
    if parameters.kind == "face value":
        return ["face value: ratings and prior taken exactly as written (s = 1, kappa = 1, no decay)"]
    if parameters.kind == "prior":
        lines = ["not calibrated yet: forecasts use draws from a broad prior on how far the ratings and priors can "
                 f"be trusted: {lognormal_in_words('s', 'log_strength')}, "
                 f"{lognormal_in_words('kappa', 'log_prior_strength')}, no decay"]
        if parameters.caveat:
            lines.append(f"the saved calibration is not used: {parameters.caveat}")
        lines.append(f"run 'vane calibrate' once {MIN_COMPARED} questions or more have resolved")
        return lines
    lines = [parameters.brief]
    lines += [f"  {line}" for line in provenance.get("findings") or [provenance.get("ratings_value", "")] if line]
    lines.append(f"  sampler: {provenance.get('inference_library', '?')} NUTS ({provenance.get('sampler', '?')}), "
                 f"{provenance.get('chains', '?')} chains x {provenance.get('draws', '?')} draws after "
                 f"{provenance.get('tune', '?')} tuning steps, seed {provenance.get('seed', '?')}")
    lines.append(f"  diagnostics: max R-hat {_number(provenance.get('max_rhat'), '.3f')}, min bulk ESS "
                 f"{_number(provenance.get('min_bulk_ess'), '.0f')}, {provenance.get('divergences', '?')} divergences")
    ids = [str(name) for name in provenance.get("question_ids") or []]
    lines.append(f"  learned from: {', '.join(ids) or '?'}")
    lines.append(f"  saved {provenance.get('created_at', '?')}, model version {provenance.get('model_version', '?')}")
    return lines


def _number(value, form: str) -> str:
    return format(value, form) if isinstance(value, (int, float)) else "?"
