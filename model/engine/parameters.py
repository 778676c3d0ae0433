"""Which parameter draws forecasts use, and where they came from (model.md, "Uncertainty").

Three sources, in order of preference:

1. a saved calibration (``vane calibrate``) whose provenance matches this model version;
2. otherwise draws from the prior of theta, with no decay until a calibration shows it;
3. ``face value`` (s = 1, kappa = 1, no decay) when the user asks for the ratings as written.

Saved calibrations live in ``reports/calibration/``: ``fit.nc`` is the ArviZ
NetCDF file (the record), ``draws.npz`` a small extract of it that the fast
commands read with numpy alone (importing ArviZ takes seconds).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
from msgspec import Struct, field
from msgspec.structs import replace

from model.engine.kept_arrays import kept_array
from model.engine.posterior import Theta
from model.fileformat.grades import GradeTable
from model.workspace.folder import Workspace

MODEL_VERSION = "3"
"""Version of the calibration model; saved fits with another version are not used."""


PRIOR_DRAWS = 1000


SHOWN_DRAWS = 1000  # forecasts use at most this many saved draws (evenly thinned)


PRIOR = {"log_strength": (0.0, 0.5), "decay_rate": (0.0, math.log(2.0) / 60.0), "log_prior_strength": (0.0, 0.5)}


def lognormal_in_words(symbol: str, name: str) -> str:
    """The prior ``PRIOR[name]`` of ``log symbol`` in words, e.g. "s ~ LogNormal(0, 0.5)"."""
    mean, sd = PRIOR[name]
    return f"{symbol} ~ LogNormal({mean:g}, {sd:g})"


def _prior_values(count: int, seed: int) -> np.ndarray:
    """``count`` draws of s (first row) and of kappa (second) from their priors, with numpy's generator."""
    rng = np.random.default_rng(seed)
    strength = np.exp(rng.normal(*PRIOR["log_strength"], count))
    return np.stack([strength, np.exp(rng.normal(*PRIOR["log_prior_strength"], count))])


class Parameters(Struct, frozen=True):
    """Draws of theta, optional learned multipliers, and one plain sentence on where they came from.

    ``analyst_strength`` maps an analyst to (D,) multipliers of s;
    ``reliability`` maps a source letter, and ``credibility`` a credibility
    digit, to (D,) learned values that replace the Admiralty default of that
    letter or digit.
    """

    theta: Theta
    source: str
    kind: str = "face value"
    analyst_strength: dict[str, np.ndarray] = field(default_factory=dict)
    reliability: dict[str, np.ndarray] = field(default_factory=dict)
    credibility: dict[str, np.ndarray] = field(default_factory=dict)
    caveat: str = ""  # why a saved calibration was not used, when there is one
    grades: GradeTable = field(default_factory=GradeTable)  # the Admiralty weights (vane.yaml may change them)

    def fingerprint(self) -> str:
        """A hash of every number the engine takes from these parameters (draws, multipliers, grade weights)."""
        digest = hashlib.sha256(f"{MODEL_VERSION}\x1f{self.kind}\x1f{self.grades!r}".encode())
        theta = self.theta
        named = [("strength", theta.strength), ("half_life", theta.half_life), ("prior", theta.prior_strength)]
        for group in ("analyst_strength", "reliability", "credibility"):
            named += [(f"{group}\x1f{name}", values) for name, values in sorted(getattr(self, group).items())]
        for name, values in named:
            array = np.ascontiguousarray(values, dtype="<f8")
            digest.update(f"\x1e{name}\x1f{array.shape}".encode("utf-8", "surrogatepass") + array.tobytes())
        return digest.hexdigest()

    @property
    def brief(self) -> str:
        """Where the numbers come from, in a few words for a terminal line."""
        if self.kind == "calibrated":
            return self.source.split(": ", 1)[0]  # "calibrated on N resolved question(s) on DATE"
        if self.kind == "prior":
            return "not calibrated yet" + (f" ({self.caveat})" if self.caveat else "")
        return "face value: ratings and prior as written"

    @property
    def plain(self) -> str:
        """Where the numbers come from, in one sentence for readers of a report."""
        if self.kind == "calibrated":
            return f"Parameters {self.source}."
        if self.kind == "prior":
            caveat = f" ({self.caveat})" if self.caveat else ""
            return ("Not calibrated yet: the intervals reflect a broad prior on how far the ratings can be trusted, "
                    f"until resolved questions show it{caveat}.")
        return "Ratings and prior taken exactly as written (face value)."

    @classmethod
    def face_value(cls) -> "Parameters":
        """Ratings and prior at face value, no decay (the core's default)."""
        return cls(Theta.face_value(), "face value: ratings and prior as written, no decay (s = 1, kappa = 1)")

    @classmethod
    def prior_draws(cls, count: int = PRIOR_DRAWS, seed: int = 20250212) -> "Parameters":
        """Draws from the prior of s and kappa, with no decay (not calibrated yet)."""
        inputs = ("prior draws of s and kappa", seed, PRIOR["log_strength"], PRIOR["log_prior_strength"])
        strength, prior_strength = kept_array(inputs, (2, count), lambda: _prior_values(count, seed))
        source = (
            "prior draws (not calibrated yet: run 'vane calibrate' once questions resolve): "
            f"{lognormal_in_words('s', 'log_strength')}, {lognormal_in_words('kappa', 'log_prior_strength')}, no decay"
        )
        return cls(Theta.of(strength, np.inf, prior_strength), source, "prior")

    def with_grades(self, grades: GradeTable | None) -> "Parameters":
        """These draws with the workspace's Admiralty weights (the defaults when ``grades`` is None)."""
        return replace(self, grades=grades or GradeTable())

    def class_factors(self, classes: list[tuple[str, str, str]]) -> np.ndarray:
        """(D, C) multipliers of each (analyst, source letter, credibility digit) class of items."""
        draws = self.theta.draws
        factors = np.ones((draws, len(classes)))
        for column, (analyst, letter, digit) in enumerate(classes):
            if analyst in self.analyst_strength:
                factors[:, column] *= self.analyst_strength[analyst]
            if letter in self.reliability and self.grades.reliability[letter] > 0:
                factors[:, column] *= self.reliability[letter] / self.grades.reliability[letter]
            if digit in self.credibility and self.grades.credibility[digit] > 0:
                factors[:, column] *= self.credibility[digit] / self.grades.credibility[digit]
        return factors


class SavedFit(Struct, frozen=True):
    """Paths of a workspace's saved calibration."""

    folder: Path

    @property
    def record(self) -> Path:
        """The ArviZ NetCDF file."""
        return self.folder / "fit.nc"

    @property
    def extract(self) -> Path:
        """The numpy extract read by the fast commands."""
        return self.folder / "draws.npz"

    @classmethod
    def of(cls, workspace: Workspace) -> "SavedFit":
        """The calibration place of ``workspace``: ``reports/calibration/``."""
        return cls(workspace.reports / "calibration")


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes."""
    import hashlib  # here, not at the top: only a saved fit needs it, and OpenSSL slows every start

    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


NO_CALIBRATION = "no saved calibration"


OTHER_VERSION = "the saved calibration is for model version"


def _read_extract(saved: SavedFit) -> tuple[dict[str, np.ndarray], dict]:
    """The saved extract's arrays and its provenance.

    Raises
    ------
    OSError, ValueError, KeyError
        When it cannot be read.
    """
    with np.load(saved.extract, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    provenance = json.loads(str(arrays.pop("provenance")))
    if not isinstance(provenance, dict):
        raise ValueError("its provenance is not a record")
    return arrays, provenance


def saved_provenance(saved: SavedFit) -> dict:
    """Where the saved calibration came from (sampler, diagnostics, data, findings); empty when there is none."""
    try:
        return _read_extract(saved)[1] if saved.extract.exists() else {}
    except (OSError, ValueError, KeyError):
        return {}


def read_saved(saved: SavedFit) -> tuple[Parameters | None, str]:
    """The saved calibration's draws, or None and the reason they cannot be used."""
    if not saved.extract.exists() or not saved.record.exists():
        return None, NO_CALIBRATION
    try:
        arrays, provenance = _read_extract(saved)
    except (OSError, ValueError, KeyError) as error:
        return None, f"the saved calibration could not be read ({error})"
    if provenance.get("model_version") != MODEL_VERSION:
        return None, f"{OTHER_VERSION} {provenance.get('model_version')}, not {MODEL_VERSION}; run 'vane calibrate' again"
    if provenance.get("record_sha256") != file_digest(saved.record):
        return None, "the saved calibration's draws do not match fit.nc; run 'vane calibrate' again"
    damage = draws_problem(arrays)
    if damage:
        return None, f"the saved calibration's draws are damaged ({damage}); run 'vane calibrate' again"
    return _parameters_from(arrays, provenance), ""


def calibration_problem(saved: SavedFit) -> str:
    """Why the saved calibration is damaged (unreadable, not its record's, bad draws), else "".

    An absent calibration, or one from another model version, is no problem:
    commands use the prior draws then and say why.
    """
    _, reason = read_saved(saved)
    return "" if reason in ("", NO_CALIBRATION) or reason.startswith(OTHER_VERSION) else reason


MULTIPLIERS = (("analysts", "analyst_strength"), ("letters", "reliability"), ("digits", "credibility"))
"""The learned multipliers in a saved extract: the array of names, then the (names, draws) table."""


def draws_problem(arrays: dict[str, np.ndarray]) -> str:
    """Why saved draws cannot be parameters (missing, misshapen, not finite and positive), or ""."""
    try:
        draws = arrays["strength"].shape[0]
        for name in ("strength", "half_life", "prior_strength"):
            values = np.asarray(arrays[name], dtype=float)
            finite = values if name != "half_life" else values[~np.isposinf(values)]  # no decay: an infinite half-life
            # s = 0 is a draw in which the ratings do not count (the stacked share of the written priors alone)
            low = 0.0 if name == "strength" else np.nextafter(0.0, 1.0)
            if values.shape != (draws,) or not draws or not np.all(np.isfinite(finite)) or not np.all(values >= low):
                return f"'{name}' must hold {draws or 'some'} {'non-negative' if low == 0 else 'positive'} numbers"
        for names, values in MULTIPLIERS:
            table = np.asarray(arrays[values], dtype=float)
            if table.shape != (len(arrays[names]), draws) or not np.all(np.isfinite(table)) or not np.all(table > 0):
                return f"'{values}' must hold positive numbers for every draw"
    except (KeyError, ValueError, TypeError, IndexError) as error:
        return f"unreadable: {error}"
    return ""


def _parameters_from(arrays: dict[str, np.ndarray], provenance: dict) -> Parameters:
    total = arrays["strength"].shape[0]
    keep = np.unique(np.linspace(0, total - 1, min(total, SHOWN_DRAWS)).round().astype(int))
    theta = Theta.of(arrays["strength"][keep], arrays["half_life"][keep], arrays["prior_strength"][keep])
    learned = {values: {str(name): table[keep] for name, table in zip(arrays[names], arrays[values])}
               for names, values in MULTIPLIERS}
    return Parameters(theta, provenance.get("summary_line", "calibrated"), "calibrated", **learned)


def extract_bytes(parameters: Parameters, provenance: dict) -> bytes:
    """The numpy extract of a fit as bytes (the caller writes them atomically)."""
    import io

    draws = parameters.theta.draws
    tables = {}
    for names, values in MULTIPLIERS:
        learned = getattr(parameters, values)
        tables[names] = np.array(sorted(learned), dtype=str)
        tables[values] = np.array([learned[name] for name in sorted(learned)]).reshape(len(learned), draws)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        strength=parameters.theta.strength, half_life=parameters.theta.half_life,
        prior_strength=parameters.theta.prior_strength, **tables,
        provenance=np.array(json.dumps(provenance)),
    )
    return buffer.getvalue()


def workspace_parameters(workspace: Workspace, face_value: bool = False, grades: GradeTable | None = None) -> Parameters:
    """The parameters forecasts in ``workspace`` use: saved fit, else prior draws (or face value if asked).

    ``grades`` are the workspace's Admiralty weights (``Settings.grades``); the defaults when None.
    """
    return _drawn(workspace, face_value).with_grades(grades)


def _drawn(workspace: Workspace, face_value: bool) -> Parameters:
    if face_value:
        return Parameters.face_value()
    saved, reason = read_saved(SavedFit.of(workspace))
    if saved:
        return saved
    fallback = Parameters.prior_draws()
    if reason == NO_CALIBRATION:
        return fallback
    return Parameters(fallback.theta, f"{fallback.source} [{reason}]", fallback.kind, caveat=reason)
