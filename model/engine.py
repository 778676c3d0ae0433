"""The exact engine: scenario probabilities from evidence, in closed form (model.md, "The posterior at time t").

Two stages keep the arithmetic vectorised and cheap:

1. ``story_view`` (no parameters): for each time point, each story's mean of
   ``w_j * r_jk`` over its items visible then, and the story's age.
2. ``log_posterior`` (parameters theta = (s, h, kappa) as arrays of draws):
   ``log b_k(t) = kappa log pi_k + s delta sum_g gamma_g(t) m_gk(t) - log Z(t)``.

Items fall into classes (an analyst and a source letter) so that learned
per-analyst strengths and per-letter reliabilities can scale them: a story's
mean is kept per class, and ``factors`` (D, C) multiply each class's part. With
one class and factors of 1 this is exactly the formula above.

Arrays are numpy throughout: items ``J``, stories ``G``, classes ``C``,
scenarios ``K``, time points ``T`` and parameter draws ``D``. Days are
proleptic ordinals (``date.toordinal()``) so ages are plain differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.ratings import DELTA

NEVER = np.iinfo(np.int64).max  # "recorded" of an item with no recorded time: never visible in strict views
_CHUNK_CELLS = 4_000_000  # bound on D*T*G cells held at once when decay is on


@dataclass(frozen=True)
class Theta:
    """Draws of the global parameters; each field has shape ``(D,)``.

    ``half_life`` is in days; ``inf`` means no decay.
    """

    strength: np.ndarray
    half_life: np.ndarray
    prior_strength: np.ndarray

    @classmethod
    def face_value(cls) -> "Theta":
        """The single point s = 1, no decay, kappa = 1: ratings and prior as written."""
        return cls(np.ones(1), np.full(1, np.inf), np.ones(1))

    @classmethod
    def of(cls, strength, half_life, prior_strength) -> "Theta":
        """Draws from array-likes, broadcast to a common length."""
        s, h, k = np.broadcast_arrays(
            np.atleast_1d(np.asarray(strength, float)),
            np.atleast_1d(np.asarray(half_life, float)),
            np.atleast_1d(np.asarray(prior_strength, float)),
        )
        return cls(s.copy(), h.copy(), k.copy())

    @property
    def draws(self) -> int:
        """Number of draws D."""
        return int(self.strength.shape[0])


@dataclass(frozen=True)
class EvidenceMatrix:
    """A question's evidence as arrays; built once, evaluated for any times and draws.

    Attributes
    ----------
    log_prior : (K,) log of the prior.
    units : (J, K) rating units r_jk.
    weights : (J,) source-grade weights w_j.
    story : (J,) story index of each item, 0..G-1.
    dates : (J,) day of each item's event or report.
    recorded : (J,) day each item was tagged (``NEVER`` when unknown).
    item_class : (J,) class index of each item, 0..C-1 (all 0 when classes are not used).
    """

    log_prior: np.ndarray
    units: np.ndarray
    weights: np.ndarray
    story: np.ndarray
    dates: np.ndarray
    recorded: np.ndarray
    stories: int
    item_class: np.ndarray | None = None
    classes: int = 1

    @property
    def scenarios(self) -> int:
        """Number of scenarios K."""
        return int(self.log_prior.shape[0])


@dataclass(frozen=True)
class StoryView:
    """Stories as seen at each time point; theta-free.

    Attributes
    ----------
    means : (T, G, C, K) each class's share of the story's mean of ``w_j r_jk`` over
        its visible items (sums over C to the story's mean; 0 if none visible).
    ages : (T, G) days since the story's earliest visible item (``nan`` if none visible).
    visible : (T, G) whether any of the story's items is visible.
    """

    means: np.ndarray
    ages: np.ndarray
    visible: np.ndarray


def visibility(matrix: EvidenceMatrix, times: np.ndarray, strict: bool = False) -> np.ndarray:
    """(T, J) mask of the items known at each time: dated by then, and recorded by then if strict."""
    times = np.asarray(times, dtype=np.int64)[:, None]
    mask = matrix.dates[None, :] <= times
    if strict:
        mask &= matrix.recorded[None, :] <= times
    return mask


def story_view(matrix: EvidenceMatrix, times, strict: bool = False, mask: np.ndarray | None = None) -> StoryView:
    """Each story's mean weighted rating and age at each time point.

    A story contributes the mean of its items' ``w_j r_jk``, not the sum, so an
    item seen n times counts once (model.md, "Duplicates and stories").
    ``mask`` (T, J) overrides the visibility rule (used for leave-out views).
    """
    times = np.atleast_1d(np.asarray(times, dtype=np.int64))
    seen = visibility(matrix, times, strict) if mask is None else mask
    cells = times.shape[0] * matrix.stories
    at_time, item = np.nonzero(seen)  # the visible (time, item) pairs
    cell = at_time * matrix.stories + matrix.story[item]  # flat (time, story) index
    classes = matrix.classes
    item_class = matrix.item_class[item] if matrix.item_class is not None else np.zeros_like(item)
    counts = np.bincount(cell, minlength=cells).astype(float)
    weighted = matrix.units[item] * matrix.weights[item, None]  # (pairs, K)
    sums = np.stack(
        [np.bincount(cell * classes + item_class, weights=weighted[:, k], minlength=cells * classes)
         for k in range(matrix.scenarios)], axis=-1,
    ).reshape(cells, classes, matrix.scenarios)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts[:, None, None] > 0, sums / counts[:, None, None], 0.0)
    earliest = np.full(cells, NEVER, dtype=np.int64)
    np.minimum.at(earliest, cell, matrix.dates[item])
    shape = (times.shape[0], matrix.stories)
    counts, earliest = counts.reshape(shape), earliest.reshape(shape)
    means = means.reshape(shape + (classes, matrix.scenarios))
    visible = counts > 0
    ages = np.where(visible, times[:, None] - earliest, np.nan).astype(float)
    return StoryView(means, ages, visible)


def decay(ages: np.ndarray, half_life: np.ndarray) -> np.ndarray:
    """gamma = 2 ** (-age / h) for every draw: (D,) x (..., G) -> (D, ..., G); 0 where invisible."""
    h = half_life.reshape((-1,) + (1,) * ages.ndim)
    with np.errstate(invalid="ignore"):
        gamma = np.exp2(-ages[None] / h)
    return np.nan_to_num(gamma, nan=0.0)


def _factors(view: StoryView, theta: Theta, factors: np.ndarray | None) -> np.ndarray:
    """(D, C) class factors, 1 when not given."""
    return np.ones((theta.draws, view.means.shape[2])) if factors is None else factors


def contributions(view: StoryView, theta: Theta, at: int, factors: np.ndarray | None = None) -> np.ndarray:
    """(D, G, K) log-likelihood contribution of each story at time index ``at``: s delta gamma m."""
    gamma = decay(view.ages[at], theta.half_life)  # (D, G)
    scale = (theta.strength * DELTA)[:, None, None]
    return scale * np.einsum("dg,gck,dc->dgk", gamma, view.means[at], _factors(view, theta, factors))


def evidence_logits(view: StoryView, theta: Theta, factors: np.ndarray | None = None) -> np.ndarray:
    """(D, T, K) summed evidence term ``s delta sum_g gamma_g(t) sum_c f_c m_gck(t)``."""
    scale = (theta.strength * DELTA)[:, None, None]
    factors = _factors(view, theta, factors)
    if np.all(np.isinf(theta.half_life)):  # no decay: gamma is 1 for every visible story
        return scale * np.einsum("tck,dc->dtk", view.means.sum(axis=1), factors)
    count_t, groups = view.ages.shape
    step = max(1, _CHUNK_CELLS // max(1, theta.draws * groups * view.means.shape[2]))
    parts = []
    for start in range(0, count_t, step):
        gamma = decay(view.ages[start:start + step], theta.half_life)  # (D, t, G)
        per_class = np.einsum("dtg,tgck->dtck", gamma, view.means[start:start + step])
        parts.append(np.einsum("dtck,dc->dtk", per_class, factors))
    return scale * np.concatenate(parts, axis=1)


def log_posterior(log_prior: np.ndarray, view: StoryView, theta: Theta, factors: np.ndarray | None = None) -> np.ndarray:
    """(D, T, K) normalised log probabilities of each scenario."""
    logits = theta.prior_strength[:, None, None] * log_prior[None, None, :] + evidence_logits(view, theta, factors)
    return logits - logsumexp(logits, axis=-1)


def posterior(log_prior: np.ndarray, view: StoryView, theta: Theta, factors: np.ndarray | None = None) -> np.ndarray:
    """(D, T, K) probabilities of each scenario; they sum to 1 over K."""
    return np.exp(log_posterior(log_prior, view, theta, factors))


def leave_one_out(
    log_prior: np.ndarray, view: StoryView, theta: Theta, at: int, factors: np.ndarray | None = None,
) -> np.ndarray:
    """(D, G, K) probabilities at time index ``at`` with each story left out in turn."""
    full = theta.prior_strength[:, None] * log_prior[None, :] + evidence_logits(view, theta, factors)[:, at]  # (D, K)
    without = full[:, None, :] - contributions(view, theta, at, factors)  # (D, G, K)
    return np.exp(without - logsumexp(without, axis=-1))


def logsumexp(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Stable log(sum(exp(values))) along ``axis``, keeping the axis."""
    top = np.max(values, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return top + np.log(np.sum(np.exp(values - top), axis=axis, keepdims=True))


def information_gain(belief: np.ndarray, q: np.ndarray) -> float:
    """Mutual information in bits between a yes/no indicator with ``q_k`` and the scenario.

    model.md, "Indicators and value of information".
    """
    belief = np.asarray(belief, float)
    q = np.clip(np.asarray(q, float), 0.0, 1.0)
    total = 0.0
    for likelihood in (q, 1.0 - q):
        joint = belief * likelihood
        marginal = joint.sum()
        if marginal <= 0:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(joint > 0, joint * np.log2(likelihood / marginal), 0.0)
        total += float(terms.sum())
    return max(total, 0.0) if math.isfinite(total) else 0.0
