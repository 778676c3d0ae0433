"""Parameter draws: the prior, learned class factors, and saved calibrations that are checked on load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.engine.parameters import (
    MODEL_VERSION,
    PRIOR,
    Parameters,
    SavedFit,
    extract_bytes,
    file_digest,
    read_saved,
    workspace_parameters,
)
from model.engine.posterior import Theta
from model.workspace.folder import Workspace
from tests.helpers import vane


def test_prior_draws_follow_the_prior_and_have_no_decay():
    parameters = Parameters.prior_draws(4000)
    assert parameters.kind == "prior" and np.all(np.isinf(parameters.theta.half_life))
    assert np.median(np.log(parameters.theta.strength)) == pytest.approx(0.0, abs=0.03)
    assert np.std(np.log(parameters.theta.strength)) == pytest.approx(0.5, abs=0.02)
    assert np.std(np.log(parameters.theta.prior_strength)) == pytest.approx(PRIOR["log_prior_strength"][1], abs=0.02)
    again = Parameters.prior_draws(4000)
    assert np.array_equal(again.theta.strength, parameters.theta.strength)  # seeded: same numbers every run


def test_the_prior_draws_describe_the_prior_they_follow(monkeypatch):
    assert "s ~ LogNormal(0, 0.5), kappa ~ LogNormal(0, 0.5), no decay" in Parameters.prior_draws(10).source
    monkeypatch.setitem(PRIOR, "log_strength", (0.25, 0.75))
    parameters = Parameters.prior_draws(4000)
    assert "s ~ LogNormal(0.25, 0.75)," in parameters.source
    assert np.std(np.log(parameters.theta.strength)) == pytest.approx(0.75, abs=0.03)


def test_class_factors_combine_analyst_strength_and_learned_reliability_and_credibility():
    theta = Theta.of([1.0, 1.0], np.inf, 1.0)
    parameters = Parameters(theta, "test", "calibrated", {"mk": np.array([2.0, 0.5])}, {"C": np.array([0.65, 0.325])},
                            credibility={"3": np.array([1.3, 0.65])})  # the default of 3 is 0.65
    factors = parameters.class_factors([("mk", "C", "2"), ("other", "C", "2"), ("mk", "A", "2"), ("other", "A", "3")])
    assert factors.tolist() == [[2.0, 1.0, 2.0, 2.0], [0.25, 0.5, 0.5, 1.0]]


def fake_fit(folder, version=MODEL_VERSION, tamper=False) -> SavedFit:
    saved = SavedFit(folder)
    folder.mkdir(parents=True, exist_ok=True)
    saved.record.write_bytes(b"pretend NetCDF")
    theta = Theta.of(np.linspace(0.4, 0.6, 50), np.full(50, 90.0), np.ones(50))
    parameters = Parameters(theta, "calibrated on 3 resolved question(s)", "calibrated", {}, {"B": np.full(50, 0.8)},
                            credibility={"2": np.full(50, 0.7)})
    provenance = {"model_version": version, "record_sha256": file_digest(saved.record), "summary_line": "calibrated on 3"}
    saved.extract.write_bytes(extract_bytes(parameters, provenance))
    if tamper:
        saved.record.write_bytes(b"another NetCDF")
    return saved


def test_a_saved_fit_is_read_back(tmp_path):
    parameters, reason = read_saved(fake_fit(tmp_path / "calibration"))
    assert reason == "" and parameters.kind == "calibrated"
    assert parameters.theta.strength == pytest.approx(np.linspace(0.4, 0.6, 50))
    assert parameters.reliability["B"] == pytest.approx(np.full(50, 0.8))
    assert parameters.credibility["2"] == pytest.approx(np.full(50, 0.7)) and not parameters.analyst_strength


def test_a_fit_of_another_model_version_is_refused(tmp_path):
    parameters, reason = read_saved(fake_fit(tmp_path / "calibration", version="0"))
    assert parameters is None and "model version 0" in reason


def test_draws_that_do_not_match_the_record_are_refused(tmp_path):
    parameters, reason = read_saved(fake_fit(tmp_path / "calibration", tamper=True))
    assert parameters is None and "do not match fit.nc" in reason


def test_workspace_falls_back_to_the_prior_and_says_why(space):
    saved = fake_fit(space / "reports" / "calibration", version="0")
    chosen = workspace_parameters(Workspace(space))
    assert chosen.kind == "prior" and "model version 0" in chosen.source
    assert saved.extract.exists()


def test_status_uses_a_saved_fit_and_says_so(space):
    fake_fit(space / "reports" / "calibration")
    result = vane("status", "--dir", str(space), "--json")
    assert json.loads(result.stdout)["parameters"] == "calibrated on 3"
    text = vane("status", "--dir", str(space))
    assert "80% interval" in text.stdout and "parameters: calibrated on 3" in text.stdout


def test_status_without_a_fit_shows_prior_draws_in_one_line(space):
    result = vane("status", "--dir", str(space))
    lines = [line for line in result.stdout.splitlines() if line.startswith("parameters:")]
    assert len(lines) == 1 and "not calibrated yet" in lines[0] and "vane calibrate --show" in lines[0]
    face = vane("status", "--dir", str(space), "--face-value")
    assert "80% interval" not in face.stdout and "face value" in face.stdout
