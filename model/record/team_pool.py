"""The team's forecast: the analysts' stated forecasts pooled, extremized by how differently they saw the evidence.

docs/model.md, "The team's pooled forecast". For a question with stated forecasts
from at least two analysts, the pool is the normalised geometric mean of their
latest forecasts raised to a power ``d`` (the extremizing factor),

    pooled_k  ∝  exp(d * mean_i log p_ik),      log d = alpha + beta * D,

where ``D`` is the team's evidence diversity: one minus the mean Jaccard overlap
of the stories each analyst tagged. ``alpha`` and ``beta`` are learned from
resolved questions with PyMC (``fit_pooling``), checked against an exact grid
posterior (``grid_posterior``), and saved as a small numpy file beside the
saved calibration (``save_pooling``, ``read_pooling``).

Everything here needs numpy alone, so reports and forecasts pool the team
without PyMC; the PyMC model and its fit are in ``model.calibration.pooling``.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from model.base.errors import VaneError
from model.base.safewrite import atomic_write
from model.engine.analysts import analyst_key
from model.engine.parameters import SavedFit
from model.engine.posterior import logsumexp
from model.engine.probabilities import INTERVAL, INTERVAL_NAME, quantiles
from model.fileformat.log_entry import TEAM, LoggedForecast, reserved_kind
from model.fileformat.question import Question
from model.record.publishing import is_open

"""The forecaster name of the pooled forecast in the forecast log and the track record."""

MIN_TEAM = 2  # one analyst is not a team: nothing to pool

FLOOR = 0.001
"""Stated probabilities are clipped to [FLOOR, 1 - FLOOR] before their logarithms (Metaculus' 0.1%-99.9%).

A stated 0 would be log 0 = -inf: one analyst would veto a scenario whatever the
rest of the team said, and extremizing (d > 1) would only harden the veto. At
0.1% a "certain" analyst counts as 1000 to 1: still heavy in a geometric pool
(against two analysts at 70-80% the other way it keeps the team at 83%), but a
team that leans the other way firmly enough outvotes it.
"""

POOLING_PRIOR = {"alpha": (0.0, 0.5), "beta": (0.5, 0.5)}
"""(mean, sd) of the normal priors: ``alpha`` is log d when the analysts saw the same stories, ``beta`` how much
more log d grows when they shared none (Satopää et al. 2014; Baron et al. 2014: extremize more when forecasters
hold different information)."""

POOLING_VERSION = "1"  # saved draws of another version are not used
POOLING_FILE = "pooling.npz"
PRIOR_DRAWS = 1000
PRIOR_SEED = 20250212
LEARNED = 0.5  # the data must cut the prior variance of log d by half before its figure is called learned


# --- the team at a time, and its pool (numpy only) ---


@dataclass(frozen=True, eq=False)
class TeamPool:
    """The team on one question at one time: each analyst's latest stated forecast and the stories each tagged.

    ``forecasts`` is (N, K): row i is ``forecasters[i]``'s probabilities in the
    order of ``scenarios``. ``outcome`` is the scenario that happened (None while
    open, or when annulled).
    """

    question: str
    time: dt.datetime
    scenarios: tuple[str, ...]
    forecasters: tuple[str, ...]
    forecasts: np.ndarray
    stories: tuple[frozenset[str], ...]
    diversity: float
    outcome: str | None = None

    @property
    def mean_log(self) -> np.ndarray:
        """(K,) mean over the team of log p_ik, each p clipped to [FLOOR, 1 - FLOOR]."""
        return np.log(np.clip(self.forecasts, FLOOR, 1.0 - FLOOR)).mean(axis=0)

    def extremized(self, extremizing) -> np.ndarray:
        """The pool at extremizing factor(s) ``d``: (..., K) for d of shape (...)."""
        logits = np.asarray(extremizing, dtype=float)[..., None] * self.mean_log
        return np.exp(logits - logsumexp(logits, axis=-1))

    @property
    def pooled(self) -> np.ndarray:
        """(K,) the plain geometric pool (d = 1)."""
        return self.extremized(1.0)

    def as_dict(self) -> dict:
        """The pool as plain data."""
        return {
            "question": self.question, "time": self.time.isoformat(), "forecasters": list(self.forecasters),
            "forecasts": {name: dict(zip(self.scenarios, map(float, row)))
                          for name, row in zip(self.forecasters, self.forecasts)},
            "stories": {name: sorted(tagged) for name, tagged in zip(self.forecasters, self.stories)},
            "diversity": self.diversity, "pooled": dict(zip(self.scenarios, map(float, self.pooled))),
            "outcome": self.outcome,
        }


def team_pools(questions, log_entries, at: dt.datetime | None = None) -> list[TeamPool]:
    """The team's pool on every question where at least two analysts have stated a forecast.

    A question's pool is taken at its last stated forecast on or before ``at``
    (default: the question's end, ``question.window[1]``; never after it), with
    each analyst's latest forecast by then. Only entries of kind ``stated`` count,
    never the tool's own rows nor an earlier pool; entries for other scenarios
    than the question's are skipped (``vane check`` reports them). Names are
    matched like analysts' (``analyst_key``: case and spacing ignored).
    """
    stated: dict[str, list[LoggedForecast]] = {}
    for entry in log_entries:
        if entry.kind == "stated" and reserved_kind(entry.forecaster) is None:  # (the team's own name is reserved)
            stated.setdefault(entry.question, []).append(entry)
    pools = []
    for question in questions:
        end = question.window[1] if at is None else min(at, question.window[1])
        pool = pool_at(question, stated.get(question.id, []), end)
        if pool is not None:
            pools.append(pool)
    return pools


def pool_at(question: Question, entries: list[LoggedForecast], end: dt.datetime) -> TeamPool | None:
    """The team's pool on ``question`` at its last stated forecast on or before ``end``; None for fewer than two analysts.

    ``entries`` are the question's stated forecasts in log order; of two with the
    same time, the one written later counts as later.
    """
    latest: dict[str, LoggedForecast] = {}
    for entry in sorted(entries, key=lambda entry: entry.time):  # stable: log order breaks ties
        if entry.time <= end and set(entry.probabilities) == set(question.scenario_ids):
            latest[analyst_key(entry.forecaster)] = entry
    if len(latest) < MIN_TEAM:
        return None
    members = [latest[key] for key in sorted(latest)]
    moment = max(entry.time for entry in members)
    tagged = tagged_stories(question, moment, set(latest))
    stories = tuple(tagged[analyst_key(entry.forecaster)] for entry in members)
    return TeamPool(
        question=question.id, time=moment, scenarios=question.scenario_ids,
        forecasters=tuple(entry.forecaster for entry in members),
        forecasts=np.array([[entry.probabilities[sid] for sid in question.scenario_ids] for entry in members]),
        stories=stories, diversity=diversity(stories), outcome=question.outcome,
    )


def tagged_stories(question: Question, moment: dt.datetime, analysts: set[str]) -> dict[str, frozenset[str]]:
    """The stories each analyst (by ``analyst_key``) had tagged on ``question`` by ``moment``.

    An item counts once it is dated by then and, if it carries a ``recorded``
    time, recorded by then. One pass over the evidence, whatever the team's size.
    """
    found: dict[str, set[str]] = {key: set() for key in analysts}
    day = moment.date()
    for item in question.evidence:
        if item.analyst and item.date <= day and (item.recorded is None or item.recorded <= moment):
            stories = found.get(analyst_key(item.analyst))
            if stories is not None:
                stories.add(item.story_key)
    return {key: frozenset(stories) for key, stories in found.items()}


def diversity(stories) -> float:
    """1 - the mean Jaccard overlap |A ∩ B| / |A ∪ B| over pairs of analysts who both tagged stories.

    0 when fewer than two analysts tagged any: the tool cannot tell how
    differently they saw the evidence, so it adds no extremizing for it.
    """
    tagged = [set(found) for found in stories if found]
    pairs = list(itertools.combinations(tagged, 2))
    if not pairs:
        return 0.0
    return 1.0 - float(np.mean([len(a & b) / len(a | b) for a, b in pairs]))


# --- the pools as arrays, and the exact likelihood (numpy only) ---


@dataclass(frozen=True, eq=False)
class PoolingData:
    """The resolved pools as arrays: one row per question, scenarios padded to the most any question has."""

    question_ids: tuple[str, ...]
    mean_log: np.ndarray  # (Q, K) mean log forecast, 0 in padding
    scenario_mask: np.ndarray  # (Q, K) True for a real scenario
    diversity: np.ndarray  # (Q,)
    outcome: np.ndarray  # (Q,) index of the scenario that happened

    @property
    def questions(self) -> int:
        """How many resolved questions the data hold."""
        return len(self.question_ids)

    @classmethod
    def of(cls, pools) -> PoolingData:
        """The pools of questions resolved to a scenario (one pool per question: its last, see ``team_pools``)."""
        resolved = [pool for pool in pools if pool.outcome is not None]
        width = max((len(pool.scenarios) for pool in resolved), default=2)
        mean_log = np.zeros((len(resolved), width))
        mask = np.zeros((len(resolved), width), dtype=bool)
        for row, pool in enumerate(resolved):
            mean_log[row, :len(pool.scenarios)] = pool.mean_log
            mask[row, :len(pool.scenarios)] = True
        return cls(
            tuple(pool.question for pool in resolved), mean_log, mask,
            np.array([pool.diversity for pool in resolved], dtype=float),
            np.array([pool.scenarios.index(pool.outcome) for pool in resolved], dtype=np.int64),
        )

    def digest(self) -> str:
        """sha256 of the arrays and question ids: which data a saved fit learned from."""
        import hashlib

        digest = hashlib.sha256(json.dumps(self.question_ids).encode())
        for array in (self.mean_log, self.scenario_mask, self.diversity, self.outcome):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

    def log_likelihood(self, alpha, beta) -> np.ndarray:
        """(..., Q) log P(o_q | alpha, beta) for alpha and beta of one shape (...)."""
        alpha, beta = np.broadcast_arrays(np.asarray(alpha, dtype=float), np.asarray(beta, dtype=float))
        extremizing = np.exp(alpha[..., None] + beta[..., None] * self.diversity)  # (..., Q)
        logits = np.where(self.scenario_mask, extremizing[..., None] * self.mean_log, -np.inf)  # (..., Q, K)
        picked = np.broadcast_to(self.outcome[:, None], logits.shape[:-1] + (1,))
        chosen = np.take_along_axis(logits, picked, axis=-1)[..., 0]
        return chosen - logsumexp(logits, axis=-1)[..., 0]


# --- the exact posterior on a grid (numpy only) ---


@dataclass(frozen=True, eq=False)
class GridPosterior:
    """The posterior of (alpha, beta) on a grid: ``weights[i, j]`` is the mass at (alpha[i], beta[j])."""

    alpha: np.ndarray
    beta: np.ndarray
    weights: np.ndarray

    def mean(self) -> tuple[float, float]:
        """Posterior means of alpha and beta."""
        return float(self.weights.sum(1) @ self.alpha), float(self.weights.sum(0) @ self.beta)

    def sd(self) -> tuple[float, float]:
        """Posterior standard deviations of alpha and beta."""
        mean_alpha, mean_beta = self.mean()
        return (math.sqrt(float(self.weights.sum(1) @ (self.alpha - mean_alpha) ** 2)),
                math.sqrt(float(self.weights.sum(0) @ (self.beta - mean_beta) ** 2)))

    def extremizing_quantiles(self, diversity_: float, levels) -> np.ndarray:
        """Quantiles of d = exp(alpha + beta * D) at ``levels``.

        Each grid point's mass is spread evenly over its cell, so alpha + beta D is,
        cell by cell, a sum of two uniform variables (a trapezoid): its CDF is
        exact for that density, and is inverted by bisection.
        """
        step_alpha, step_beta = self.alpha[1] - self.alpha[0], abs(diversity_) * (self.beta[1] - self.beta[0])
        centres = (self.alpha[:, None] + diversity_ * self.beta[None, :]).ravel()
        weights = self.weights.ravel()
        narrow, wide = min(step_alpha, step_beta), max(step_alpha, step_beta)
        half = (narrow + wide) / 2
        cdf = lambda point: float(weights @ _trapezoid_cdf(point - centres + half, narrow, wide))  # noqa: E731
        found = []
        for level in np.atleast_1d(levels):
            low, high = centres.min() - half, centres.max() + half
            for _ in range(50):
                middle = (low + high) / 2
                low, high = (middle, high) if cdf(middle) < level else (low, middle)
            found.append((low + high) / 2)
        return np.exp(np.array(found))


def _trapezoid_cdf(offset: np.ndarray, narrow: float, wide: float) -> np.ndarray:
    """CDF at ``offset`` (from its lower end) of the sum of two uniforms of widths ``narrow`` <= ``wide``."""
    total = narrow + wide
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = offset ** 2 / (2 * narrow * wide)
        falling = 1 - (total - offset) ** 2 / (2 * narrow * wide)
    middle = (2 * offset - narrow) / (2 * wide)
    return np.where(offset <= 0, 0.0, np.where(offset >= total, 1.0, np.where(
        offset < narrow, rising, np.where(offset <= wide, middle, falling))))


def grid_posterior(pools_or_data, size: int = 200, prior=POOLING_PRIOR) -> GridPosterior:
    """The exact posterior of (alpha, beta) on a ``size`` x ``size`` grid (prior x likelihood, normalised).

    A first pass over the prior's ±6 sd finds where the mass is; the second
    spans the posterior's mean ±8 sd (inside the first box), fine enough that
    means and quantiles are exact to well under the Monte Carlo error of MCMC.
    """
    data = pools_or_data if isinstance(pools_or_data, PoolingData) else PoolingData.of(pools_or_data)
    (mean_a, sd_a), (mean_b, sd_b) = prior["alpha"], prior["beta"]
    box = ((mean_a - 6 * sd_a, mean_a + 6 * sd_a), (mean_b - 6 * sd_b, mean_b + 6 * sd_b))
    first = _grid(data, box, size, prior)
    (center_a, center_b), (spread_a, spread_b) = first.mean(), first.sd()
    zoom = tuple((max(low, center - 8 * spread), min(high, center + 8 * spread))
                 for (low, high), center, spread in zip(box, (center_a, center_b), (spread_a, spread_b)))
    return _grid(data, zoom, size, prior)


def _grid(data: PoolingData, box, size: int, prior) -> GridPosterior:
    alpha, beta = np.linspace(*box[0], size), np.linspace(*box[1], size)
    log_prior = (-0.5 * ((alpha[:, None] - prior["alpha"][0]) / prior["alpha"][1]) ** 2
                 - 0.5 * ((beta[None, :] - prior["beta"][0]) / prior["beta"][1]) ** 2)
    log_post = log_prior.copy()
    for row in range(size):  # one alpha at a time: (size, Q, K) at most in memory
        log_post[row] += data.log_likelihood(alpha[row], beta).sum(axis=-1)
    log_post -= log_post.max()
    weights = np.exp(log_post)
    return GridPosterior(alpha, beta, weights / weights.sum())


# --- the learned extremizing, and the team's forecast (numpy only) ---


@dataclass(frozen=True, eq=False)
class PoolingFit:
    """Draws of (alpha, beta), where they came from, and how the fit went.

    ``kind`` is ``calibrated`` (learned from ``questions`` resolved questions) or
    ``prior`` (no fit yet: draws from ``POOLING_PRIOR``). ``problems`` names any
    failed diagnostic; a fit with problems is never saved.
    """

    alpha: np.ndarray
    beta: np.ndarray
    questions: int
    kind: str
    provenance: dict = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @classmethod
    def prior(cls, count: int = PRIOR_DRAWS, seed: int = PRIOR_SEED) -> PoolingFit:
        """Draws from the prior (seeded): what the pool uses before any resolved question teaches it."""
        rng = np.random.default_rng(seed)
        return cls(rng.normal(*POOLING_PRIOR["alpha"], count), rng.normal(*POOLING_PRIOR["beta"], count), 0, "prior")

    @property
    def passed(self) -> bool:
        """True when every diagnostic passed."""
        return not self.problems

    def extremizing(self, diversity_: float) -> np.ndarray:
        """(D,) draws of d at evidence diversity ``diversity_``."""
        return np.exp(self.alpha + self.beta * diversity_)

    def interval(self, diversity_: float) -> tuple[float, float, float]:
        """Median of d at ``diversity_`` and its 80% interval."""
        low, middle, high = quantiles(self.extremizing(diversity_), [INTERVAL[0], 0.5, INTERVAL[1]])
        return float(middle), float(low), float(high)

    @property
    def learned(self) -> bool:
        """True when the data cut the prior variance of log d (at the same stories) by at least half."""
        return bool(self.kind == "calibrated" and 1.0 - np.var(self.alpha) / POOLING_PRIOR["alpha"][1] ** 2 >= LEARNED)

    def sentence(self) -> str:
        """What the pool does, in one plain sentence with its intervals."""
        same, apart = _d_text(*self.interval(0.0)), _d_text(*self.interval(1.0))
        more = float(np.mean(self.beta > 0))
        if more >= 0.9:
            lead = "analysts who saw different evidence are extremized more"
        elif more <= 0.1:
            lead = "analysts who saw different evidence are extremized less"
        else:
            lead = "no clear difference yet between analysts who saw the same evidence and those who saw different"
        figures = f"d = {apart} at no shared stories vs {same} at the same stories ({INTERVAL_NAME}s)"
        if self.kind != "calibrated":
            return f"not calibrated yet, so the prior's extremizing: {figures}"
        caveat = "" if self.learned else f"; from {self.questions} resolved question(s) this is still mostly the prior"
        return f"{lead}: {figures}{caveat}"

    def as_dict(self) -> dict:
        """The fit's summary as plain data (``vane calibrate --json``)."""
        return {"kind": self.kind, "questions": self.questions, "learned": self.learned,
                "extremizing_same_stories": dict(zip(("median", "low", "high"), self.interval(0.0))),
                "extremizing_no_shared_stories": dict(zip(("median", "low", "high"), self.interval(1.0))),
                "sentence": self.sentence(), "problems": list(self.problems),
                "provenance": self.provenance}


def _d_text(middle: float, low: float, high: float) -> str:
    return f"{middle:.2g} ({low:.2g}–{high:.2g})"


class TeamForecast(NamedTuple):
    """The team's pooled forecast: mean over draws of d, and the 80% interval, per scenario (in ``pool.scenarios``)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def pooled_forecast(pool: TeamPool, fit: PoolingFit | None = None) -> TeamForecast:
    """The team's forecast: the pool averaged over draws of d, with its 80% interval.

    With no fit (``None``) the prior's draws are used, as ``PoolingFit.prior()``
    says: the forecast is then not calibrated, and a report should say so.
    """
    fit = fit if fit is not None else PoolingFit.prior()
    pooled = pool.extremized(fit.extremizing(pool.diversity))  # (D, K)
    low, high = quantiles(pooled, INTERVAL)
    return TeamForecast(pooled.mean(axis=0), low, high)


TEAM_KIND = "pooled"  # the forecast log's kind for the team's pool (``reserved_kind(TEAM)``)


def team_entries(questions, log_entries, fit: PoolingFit | None, batch: str, now: dt.datetime) -> list[LoggedForecast]:
    """The team's pooled forecast now on every open question with stated forecasts from two analysts or more.

    As forecast-log entries to publish beside the engine's (``batch`` as theirs);
    ``parameters`` says how the pool was extremized, and that it is the prior's
    guess while ``fit`` is None.
    """
    used = fit if fit is not None else PoolingFit.prior()
    entries = []
    for pool in team_pools([question for question in questions if is_open(question, now.date())], log_entries, at=now):
        forecast = pooled_forecast(pool, used)
        entries.append(LoggedForecast(
            time=now, question=pool.question, forecaster=TEAM, kind=TEAM_KIND, batch=batch,
            probabilities={sid: float(p) for sid, p in zip(pool.scenarios, forecast.mean)},
            interval={sid: (float(low), float(high)) for sid, low, high in zip(pool.scenarios, forecast.low, forecast.high)},
            parameters=f"{len(pool.forecasters)} analysts: {used.sentence()}", recorded=now,
        ))
    return entries


# --- saving and reading the draws (numpy only) ---


def pooling_path(saved: SavedFit):
    """Where the pooling draws live: ``pooling.npz`` beside the saved calibration."""
    return saved.folder / POOLING_FILE


def save_pooling(fit: PoolingFit, saved: SavedFit) -> None:
    """Write the fit's draws and provenance to ``pooling.npz`` atomically.

    Raises
    ------
    VaneError
        For a fit that failed its diagnostics or is only the prior: neither is saved.
    """
    if fit.kind != "calibrated" or not fit.passed:
        raise VaneError("the team's pooling fit was not saved: " + ("; ".join(fit.problems) or "it is only the prior"))
    saved.folder.mkdir(parents=True, exist_ok=True)
    record = {**fit.provenance, "pooling_version": POOLING_VERSION, "questions": fit.questions}
    buffer = io.BytesIO()
    np.savez(buffer, alpha=fit.alpha, beta=fit.beta, provenance=np.array(json.dumps(record)))
    atomic_write(pooling_path(saved), buffer.getvalue())


def read_pooling(saved: SavedFit) -> tuple[PoolingFit | None, str]:
    """The saved pooling fit, or None and why it cannot be used (numpy only: no PyMC, no ArviZ)."""
    path = pooling_path(saved)
    if not path.exists():
        return None, "no saved pooling fit"
    try:
        with np.load(path, allow_pickle=False) as stored:
            alpha, beta = np.asarray(stored["alpha"], dtype=float), np.asarray(stored["beta"], dtype=float)
            record = json.loads(str(stored["provenance"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        return None, f"the saved pooling fit could not be read ({error})"
    if not isinstance(record, dict) or record.get("pooling_version") != POOLING_VERSION:
        return None, "the saved pooling fit is from another version; run 'vane calibrate' again"
    if alpha.ndim != 1 or alpha.shape != beta.shape or not alpha.size or not np.all(np.isfinite(alpha) & np.isfinite(beta)):
        return None, "the saved pooling fit's draws are damaged; run 'vane calibrate' again"
    return PoolingFit(alpha, beta, int(record.get("questions", 0)), "calibrated", record), ""
