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

``posterior_blocks`` and ``story_effects`` are what forecasts use: they give the
same numbers as ``posterior`` and ``leave_one_out`` (to rounding, about 1e-15)
while working through time points and stories in blocks, so memory stays
bounded (``model.base.limits.ENGINE_BLOCK_CELLS``) however many draws, weeks and
items there are. Without decay they also skip the per-story view: a story's
mean is each visible item's ``w r`` divided by the story's visible count, which
makes the sum over stories one matrix product per class. With decay, over time
points in increasing order, ``DecayedEvidence`` carries the sum over stories
from one time point to the next, recomputing only the stories that changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from model.base.limits import ENGINE_BLOCK_CELLS
from model.fileformat.ratings import DELTA

NEVER = np.iinfo(np.int64).max  # "recorded" of an item with no recorded time: never visible in strict views


_CHUNK_CELLS = ENGINE_BLOCK_CELLS  # bound on the cells of any array held at once (read at call time: tests lower it)


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
        gamma = np.divide(-ages[None], h)  # nan where invisible; never +-inf, as ages are finite or nan
        np.exp2(gamma, out=gamma)
    gamma[np.isnan(gamma)] = 0.0
    return gamma


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
    per_time = theta.draws * max(groups, view.means.shape[2] * view.means.shape[3])
    step = max(1, _CHUNK_CELLS // max(1, per_time))
    # stories in chunks too when one time point's (D, G) decay factors alone pass the bound
    width = max(groups, 1) if per_time <= _CHUNK_CELLS else max(1, _CHUNK_CELLS // max(1, theta.draws))
    parts = []
    for start in range(0, count_t, step):
        ages, means = view.ages[start:start + step], view.means[start:start + step]
        count, draws, classes, scenarios = ages.shape[0], theta.draws, means.shape[2], means.shape[3]
        per_class = np.zeros((count, draws, classes * scenarios))
        for first in range(0, max(groups, 1), width):
            gamma = decay(ages[:, first:first + width], theta.half_life)  # (D, t, g)
            stories = means[:, first:first + width].reshape(count, gamma.shape[2], classes * scenarios)  # (t, g, C K)
            per_class += np.matmul(gamma.transpose(1, 0, 2), stories)  # (t, D, C K), one matrix product per time
        per_class = per_class.reshape(count, draws, classes, scenarios).transpose(1, 0, 2, 3)
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


def merge_classes(matrix: EvidenceMatrix, factors: np.ndarray | None) -> tuple[EvidenceMatrix, np.ndarray | None]:
    """The matrix with classes whose factors are equal in every draw merged into one, and their factors.

    Only a class's factors set it apart, so merging changes nothing but rounding,
    and keeps the arrays small when items name many analysts: with no learned
    multipliers (factors ``None`` or all equal) every item falls in one class.
    """
    items = matrix.units.shape[0]
    if factors is None:
        if matrix.classes == 1:
            return matrix, None
        return replace(matrix, item_class=np.zeros(items, dtype=np.int64), classes=1), None
    first: dict[bytes, int] = {}  # a column's bytes -> the first class with that column
    inverse = np.array([first.setdefault(column.tobytes(), c) for c, column in enumerate(factors.T)], dtype=np.int64)
    if len(first) == matrix.classes:
        return matrix, factors
    kept = np.array(sorted(first.values()), dtype=np.int64)
    renumber = np.zeros(matrix.classes, dtype=np.int64)
    renumber[kept] = np.arange(kept.shape[0])
    item_class = matrix.item_class if matrix.item_class is not None else np.zeros(items, dtype=np.int64)
    return replace(matrix, item_class=renumber[inverse][item_class], classes=kept.shape[0]), factors[:, kept]


def _undecayed_logits(matrix: EvidenceMatrix, times: np.ndarray, theta: Theta, factors: np.ndarray | None,
                      strict: bool) -> np.ndarray:
    """(D, T, K) ``evidence_logits`` when nothing decays, without the (T, G, C, K) story view.

    Summed over stories, a story's mean is each visible item's ``w r`` divided by
    the number of the story's items visible then: one (T, J) x (J, K) product per class.
    """
    seen = visibility(matrix, times, strict)
    at_time, item = np.nonzero(seen)
    cell = at_time * matrix.stories + matrix.story[item]
    counts = np.bincount(cell, minlength=times.shape[0] * matrix.stories)
    share = np.zeros(seen.shape)
    share[at_time, item] = 1.0 / counts[cell]
    del seen, at_time, item, cell, counts
    weighted = matrix.units * matrix.weights[:, None]  # (J, K)
    scale = theta.strength * DELTA
    if matrix.classes == 1:
        factor = scale if factors is None else scale * factors[:, 0]
        return factor[:, None, None] * (share @ weighted)[None]
    sums = np.zeros((times.shape[0], matrix.classes, matrix.scenarios))
    item_class = matrix.item_class if matrix.item_class is not None else np.zeros(weighted.shape[0], np.int64)
    for c in range(matrix.classes):
        members = np.flatnonzero(item_class == c)
        sums[:, c, :] = share[:, members] @ weighted[members]
    factors = np.ones((theta.draws, matrix.classes)) if factors is None else factors
    evidence = np.einsum("tck,dc->dtk", sums, factors)
    evidence *= scale[:, None, None]
    return evidence


def _normalise(logits: np.ndarray) -> np.ndarray:
    """exp(logits) / sum(exp(logits)) along the last axis, computed in place (stable)."""
    top = np.max(logits, axis=-1, keepdims=True)
    logits -= np.where(np.isfinite(top), top, 0.0)
    np.exp(logits, out=logits)
    logits /= np.sum(logits, axis=-1, keepdims=True)
    return logits


def distinct_times(matrix: EvidenceMatrix, times, theta: Theta, strict: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Time points that can differ, and for each of ``times`` the index of its equal among them.

    Without decay the probabilities depend only on which items are visible, so
    weeks in which nothing new became visible repeat the week before; with decay
    every time point is its own.
    """
    times = np.atleast_1d(np.asarray(times, dtype=np.int64))
    if times.shape[0] == 0 or not np.all(np.isinf(theta.half_life)):
        return times, np.arange(times.shape[0])
    visible_from = np.maximum(matrix.dates, matrix.recorded) if strict else matrix.dates
    state = np.searchsorted(np.sort(visible_from), times, side="right")  # how many items are visible
    _, first, inverse = np.unique(state, return_index=True, return_inverse=True)
    return times[first], inverse.reshape(-1)


@dataclass(frozen=True)
class StoryChanges:
    """Every change to a story's state, in the order items become visible; theta-free.

    When an item becomes visible, its story's mean ``m`` (C K) and date (its
    earliest visible item) change from ``old`` to ``new``; a story with nothing
    visible before has an old mean of 0. ``day`` (R,) is when each change happens.
    """

    day: np.ndarray
    old_mean: np.ndarray
    old_date: np.ndarray
    new_mean: np.ndarray
    new_date: np.ndarray

    @classmethod
    def of(cls, matrix: EvidenceMatrix, strict: bool = False) -> "StoryChanges":
        """The changes of ``matrix``'s stories (items never visible make none)."""
        visible_from = np.maximum(matrix.dates, matrix.recorded) if strict else matrix.dates
        order = np.argsort(visible_from, kind="stable")
        order = order[visible_from[order] < NEVER]
        classes, width = matrix.classes, matrix.classes * matrix.scenarios
        item_class = matrix.item_class if matrix.item_class is not None else np.zeros(matrix.units.shape[0], np.int64)
        weighted = matrix.units * matrix.weights[:, None]  # (J, K)
        sums = np.zeros((matrix.stories, classes, matrix.scenarios))
        counts = np.zeros(matrix.stories)
        earliest = np.full(matrix.stories, NEVER, dtype=np.int64)
        old_mean, new_mean = np.zeros((order.shape[0], width)), np.zeros((order.shape[0], width))
        old_date, new_date = np.zeros(order.shape[0], np.int64), np.zeros(order.shape[0], np.int64)
        for r, j in enumerate(order):
            g = matrix.story[j]
            if counts[g]:
                old_mean[r] = (sums[g] / counts[g]).reshape(width)
            old_date[r] = earliest[g] if counts[g] else matrix.dates[j]
            sums[g, item_class[j]] += weighted[j]
            counts[g] += 1
            earliest[g] = min(earliest[g], matrix.dates[j])
            new_mean[r], new_date[r] = (sums[g] / counts[g]).reshape(width), earliest[g]
        return cls(visible_from[order], old_mean, old_date, new_mean, new_date)


class DecayedEvidence:
    """``evidence_logits`` over time points in increasing order, by a recurrence instead of a story view.

    Between two time points every story's term ``gamma_g(t) m_g`` decays by the
    same factor ``2 ** (-(t - t') / h)``, so the sum over stories is carried
    from one time point to the next and only the stories that changed are
    recomputed: the cost grows with draws x (times + items), not draws x times x
    stories, and memory with draws x classes x scenarios. Agrees with
    ``evidence_logits`` to rounding (about 1e-12 after thousands of steps).
    """

    def __init__(self, matrix: EvidenceMatrix, theta: Theta, factors: np.ndarray | None, strict: bool = False):
        self.changes = StoryChanges.of(matrix, strict)
        self.theta, self.classes, self.scenarios = theta, matrix.classes, matrix.scenarios
        self.factors = np.ones((theta.draws, matrix.classes)) if factors is None else factors
        self.total = np.zeros((theta.draws, matrix.classes * matrix.scenarios))  # sum over stories of gamma m
        self.time: int | None = None
        self.applied = 0  # changes already in ``total``

    def logits(self, times: np.ndarray) -> np.ndarray:
        """(D, T, K) evidence term at ``times``, which continue, in order, from the previous call's."""
        times = np.asarray(times, dtype=np.int64)
        draws = self.theta.draws
        totals = np.empty((draws, times.shape[0], self.classes * self.scenarios))
        # time points with no change between them form a segment: all of it is the total at its start, decayed
        changed = np.searchsorted(self.changes.day, times, side="right")
        starts = np.flatnonzero(np.r_[True, changed[1:] != changed[:-1]]) if times.shape[0] else []
        for first, end in zip(starts, [*starts[1:], times.shape[0]]):
            self._advance(int(times[first]))
            ages = (times[first:end] - times[first])[None, :] / self.theta.half_life[:, None]  # (D, n)
            np.multiply(self.total[:, None, :], np.exp2(-ages)[:, :, None], out=totals[:, first:end])
        per_class = totals.reshape(draws, times.shape[0], self.classes, self.scenarios)
        return (self.theta.strength * DELTA)[:, None, None] * np.einsum("dtck,dc->dtk", per_class, self.factors)

    def _advance(self, time: int) -> None:
        if self.time is not None:
            if time < self.time:
                raise ValueError("DecayedEvidence needs time points in increasing order")
            self.total *= np.exp2(-(time - self.time) / self.theta.half_life)[:, None]
        self.time = time
        changes = self.changes
        upto = int(np.searchsorted(changes.day, time, side="right"))
        for first in range(self.applied, upto, max(1, _CHUNK_CELLS // max(1, self.theta.draws))):
            part = slice(first, min(upto, first + max(1, _CHUNK_CELLS // max(1, self.theta.draws))))
            self.total += self._gamma(time, changes.new_date[part]) @ changes.new_mean[part]
            self.total -= self._gamma(time, changes.old_date[part]) @ changes.old_mean[part]
        self.applied = max(self.applied, upto)

    def _gamma(self, time: int, dates: np.ndarray) -> np.ndarray:
        """(D, r) decay factors of stories dated ``dates`` at ``time``."""
        return np.exp2(-(time - dates)[None, :] / self.theta.half_life[:, None])


def posterior_blocks(matrix: EvidenceMatrix, times, theta: Theta, factors: np.ndarray | None = None,
                     strict: bool = False):
    """``posterior(story_view(matrix, times, strict), ...)`` in consecutive blocks of time points.

    Yields ``(start, probabilities)`` with probabilities of shape (D, b, K) for
    ``times[start:start + b]``; no array holds more than about ``_CHUNK_CELLS``
    numbers, whatever the number of draws, time points and items.
    """
    times = np.atleast_1d(np.asarray(times, dtype=np.int64))
    matrix, factors = merge_classes(matrix, factors)
    items, groups, width = matrix.units.shape[0], matrix.stories, matrix.classes * matrix.scenarios
    decaying = not np.all(np.isinf(theta.half_life))
    if decaying:  # the story view: visible (time, item) pairs with their w r, and (t, G, C, K) means
        per_time = max(items * matrix.scenarios, groups * width, theta.draws * groups, theta.draws * width)
    else:  # visible pairs and the (t, J) shares
        per_time = 4 * max(items, 1)
    step = max(1, _CHUNK_CELLS // max(1, per_time, theta.draws * matrix.scenarios))
    prior = theta.prior_strength[:, None, None] * matrix.log_prior[None, None, :]
    recurrence = DecayedEvidence(matrix, theta, factors, strict) if decaying and np.all(np.diff(times) >= 0) else None
    if recurrence is not None:
        step = max(1, _CHUNK_CELLS // max(1, theta.draws * width))
    for start in range(0, times.shape[0], step):
        block = times[start:start + step]
        if recurrence is not None:
            logits = recurrence.logits(block)
        elif decaying:
            logits = evidence_logits(story_view(matrix, block, strict), theta, factors)
        else:
            logits = _undecayed_logits(matrix, block, theta, factors, strict)
        logits += prior
        yield start, _normalise(logits)


def story_effects(matrix: EvidenceMatrix, time: int, theta: Theta, factors: np.ndarray | None = None,
                  strict: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each story's effect at ``time``, as means over draws, in blocks of stories.

    Returns ``(log_odds, moved)``, both (G, K): the story's contribution
    ``s delta gamma mean(w r)`` (``contributions``) and how many percentage points
    of each scenario's probability it causes, the probability with every story
    minus the probability without it (``leave_one_out``).
    """
    matrix, factors = merge_classes(matrix, factors)
    view = story_view(matrix, [time], strict)
    full = theta.prior_strength[:, None] * matrix.log_prior[None, :] + evidence_logits(view, theta, factors)[:, 0]
    now = _normalise(full.copy())  # (D, K)
    mean_now = now.mean(axis=0)
    factors = _factors(view, theta, factors)
    scale = theta.strength * DELTA
    means = view.means[0]  # (G, C, K)
    groups, scenarios = matrix.stories, matrix.scenarios
    log_odds, moved = np.zeros((groups, scenarios)), np.zeros((groups, scenarios))
    step = max(1, _CHUNK_CELLS // max(1, theta.draws * scenarios * matrix.classes))
    for first in range(0, groups, step):
        part = slice(first, first + step)
        gamma = decay(view.ages[0, part], theta.half_life) * scale[:, None]  # (D, g): s delta gamma
        weight = gamma[:, :, None] * factors[:, None, :]  # (D, g, C)
        log_odds[part] = np.einsum("gc,gck->gk", weight.mean(axis=0), means[part])
        without = np.einsum("dgc,gck->dgk", weight, means[part]) if matrix.classes > 1 else weight * means[None, part, 0]
        np.subtract(full[:, None, :], without, out=without)  # the logits without each story
        moved[part] = 100.0 * (mean_now[None, :] - _normalise(without).mean(axis=0))
    return log_odds, moved


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
