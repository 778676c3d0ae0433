"""Numbers kept in the user's cache folder (``kept_arrays``): always exactly the numbers worked out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.engine import kept_arrays
from model.engine.kept_arrays import kept_array
from model.engine.parameters import PRIOR, Parameters

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def user_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return tmp_path / "user-cache" / "weathervane" / kept_arrays.FOLDER


def drawn_here(count: int = 1000, seed: int = 20250212) -> tuple[np.ndarray, np.ndarray]:
    """The prior draws as the engine made them before they were kept: numpy's generator, s then kappa."""
    rng = np.random.default_rng(seed)
    strength = np.exp(rng.normal(*PRIOR["log_strength"], count))
    return strength, np.exp(rng.normal(*PRIOR["log_prior_strength"], count))


def prior_values(parameters: Parameters) -> tuple[np.ndarray, np.ndarray]:
    theta = parameters.theta
    return np.asarray(theta.strength), np.asarray(theta.prior_strength)


def assert_same_bits(found, expected) -> None:
    for got, wanted in zip(found, expected):
        assert got.shape == wanted.shape
        assert got.tobytes() == wanted.tobytes()


def test_prior_draws_are_the_generators_bit_for_bit_when_worked_out_and_when_read(user_cache):
    first = prior_values(Parameters.prior_draws())
    assert [path.suffix for path in user_cache.iterdir()] == [".f8"]  # kept
    again = prior_values(Parameters.prior_draws())
    assert_same_bits(first, drawn_here())
    assert_same_bits(again, drawn_here())
    assert Parameters.prior_draws().fingerprint() == Parameters.prior_draws().fingerprint()
    other = prior_values(Parameters.prior_draws(count=10, seed=7))  # other inputs: other numbers, another file
    assert_same_bits(other, drawn_here(10, 7))
    assert len(list(user_cache.iterdir())) == 2


@pytest.mark.parametrize("damage", [
    lambda data: data[:-8],  # cut short
    lambda data: data + b"\0" * 8,  # too long
    lambda data: np.full(2000, np.nan).tobytes(),  # not numbers
    lambda data: np.full(2000, np.inf).tobytes(),
    lambda data: b"",
])
def test_a_damaged_kept_file_is_worked_out_again_and_mended(user_cache, damage):
    Parameters.prior_draws()
    (kept,) = user_cache.iterdir()
    kept.write_bytes(damage(kept.read_bytes()))
    assert_same_bits(prior_values(Parameters.prior_draws()), drawn_here())
    assert_same_bits(np.frombuffer(kept.read_bytes(), dtype="<f8").reshape(2, 1000), drawn_here())


def test_numbers_are_worked_out_when_nothing_can_be_kept(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the cache folder cannot be made
    assert_same_bits(prior_values(Parameters.prior_draws()), drawn_here())
    assert blocker.read_text() == "not a folder\n"


def test_no_cache_works_the_numbers_out_every_time(user_cache, monkeypatch):
    monkeypatch.setenv("VANE_NO_CACHE", "1")
    assert_same_bits(prior_values(Parameters.prior_draws()), drawn_here())
    assert not user_cache.exists()


def test_a_kept_array_is_read_only_for_the_same_inputs_shape_and_numpy(user_cache, monkeypatch):
    calls = []

    def work_out(value: float):
        calls.append(value)
        return np.full((2, 3), value)

    assert kept_array(("a", 1), (2, 3), lambda: work_out(1.0))[0, 0] == 1.0
    assert kept_array(("a", 1), (2, 3), lambda: work_out(9.0))[0, 0] == 1.0  # read, not worked out
    assert kept_array(("a", 2), (2, 3), lambda: work_out(2.0))[0, 0] == 2.0
    assert kept_array(("a", 1), (3, 2), lambda: np.full((3, 2), 3.0))[0, 0] == 3.0
    monkeypatch.setattr(np, "__version__", "0.0.0-another")  # another numpy may draw other numbers
    assert kept_array(("a", 1), (2, 3), lambda: work_out(4.0))[0, 0] == 4.0
    assert calls == [1.0, 2.0, 4.0]
    read = kept_array(("a", 1), (2, 3), lambda: work_out(5.0))
    read[0, 0] = 7.0  # a writable copy, not the file's buffer
    with pytest.raises(ValueError, match="shape"):
        kept_array(("b",), (2, 3), lambda: np.zeros(6))


def test_a_command_with_the_draws_kept_does_not_import_numpys_generator(tmp_path):
    script = ("import sys; from model.engine.parameters import Parameters; Parameters.prior_draws(); "
              "print('numpy.random' in sys.modules)")
    environment = {"XDG_CACHE_HOME": str(tmp_path / "user-cache"), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment,
                           check=True).stdout.strip() for _ in range(2)]
    assert runs == ["True", "False"]  # drawn (and kept) the first time, read the second
