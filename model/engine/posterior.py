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
from one time point to the next, recomputing only the stories that changed:
their changes are summed by age first (theta-free), and ages are whole days,
the same in every question, so each age's decay factors for all draws come from
a table kept with the draws (``Theta.decay_by_age``) and a time point's changes
cost one matrix product.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from msgspec import Struct
from msgspec.structs import replace

from model.base.limits import ENGINE_BLOCK_CELLS
from model.fileformat.ratings import DELTA

NEVER = np.iinfo(np.int64).max  # "recorded" of an item with no recorded time: never visible in strict views


_CHUNK_CELLS = ENGINE_BLOCK_CELLS  # bound on the cells of any array held at once (read at call time: tests lower it)


class Theta(Struct, frozen=True, dict=True):
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
    def _decay(self) -> dict:
        """What ``decay_by_age`` and ``work`` keep with the draws: not a field (never compared, copied or pickled)."""
        return self.__dict__.setdefault("memo", {})

    @property
    def draws(self) -> int:
        """Number of draws D."""
        return int(self.strength.shape[0])

    @property
    def decays(self) -> bool:
        """True when some draw has a finite half-life (evidence loses weight with age)."""
        return not np.all(np.isinf(self.half_life))

    def work(self, rows: int, name: str = "gamma") -> np.ndarray:
        """A (rows, D) array to work in, the same for every question (in one thread): no fresh memory for each."""
        key = (name, threading.get_ident())
        work = self._decay.get(key)
        if work is None or work.shape[0] < rows:
            work = self._decay[key] = np.empty((rows, self.draws))
        return work

    def decay_by_age(self, ages: int, limit: int) -> np.ndarray:
        """(n, D) decay factors ``2 ** (-a / h)`` of the ages a = 0, 1, ... n - 1 days, n >= ``ages`` unless ``limit``.

        Ages are whole days, the same for every question, so the forecasts of many
        questions compute each age's factors once: the table is kept with the
        draws, and grows (doubling, up to ``limit`` ages) as older ages are asked for.
        """
        table = self._decay.get("table")
        if table is None or (table.shape[0] < ages and table.shape[0] < limit) or table.shape[0] > limit:
            size = min(limit, max(64, 1 << max(0, ages - 1).bit_length()))
            table = np.multiply(np.arange(size, dtype=float)[:, None], -1.0 / self.half_life)
            self._decay["table"] = np.exp2(table, out=table)
        return table


class EvidenceMatrix(Struct, frozen=True):
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
    retracted : (J,) day from which each item no longer counts (``NEVER`` when it stands), or
        None when no item is retracted; ``retraction_known`` the day each retraction was
        entered (strict views count the item until then).
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
    retracted: np.ndarray | None = None
    retraction_known: np.ndarray | None = None

    def gone_from(self, strict: bool = False) -> np.ndarray | None:
        """(J,) day from which each item no longer counts in a view (``NEVER``: it stands); None if none is retracted."""
        return None if self.retracted is None else gone_days(self.retracted, self.retraction_known, strict)

    @property
    def scenarios(self) -> int:
        """Number of scenarios K."""
        return int(self.log_prior.shape[0])


def gone_days(retracted: np.ndarray, known: np.ndarray, strict: bool) -> np.ndarray:
    """The day each item stops counting: its retraction's day, or (strict) the later of that and when it was entered."""
    return np.maximum(retracted, known) if strict else retracted


class StoryView(Struct, frozen=True):
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
    """(T, J) mask of the items counting at each time: dated by then (and recorded by then if strict), not retracted."""
    times = np.asarray(times, dtype=np.int64)[:, None]
    mask = matrix.dates[None, :] <= times
    if strict:
        mask &= matrix.recorded[None, :] <= times
    gone = matrix.gone_from(strict)
    if gone is not None:
        mask &= gone[None, :] > times
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
    if not theta.decays:  # gamma is 1 for every visible story
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
    top = _across_scenarios(np.maximum, logits)
    logits -= np.where(np.isfinite(top), top, 0.0)
    np.exp(logits, out=logits)
    logits /= _across_scenarios(np.add, logits)
    return logits


def _across_scenarios(combine: np.ufunc, values: np.ndarray) -> np.ndarray:
    """``combine.reduce(values, axis=-1, keepdims=True)``, bit for bit, a scenario column at a time.

    NumPy reduces a short last axis row by row, twice as slow as combining
    whole columns. Beyond 7 scenarios its sums add in another order (pairwise),
    so those are left to it.
    """
    if values.shape[-1] > 7 or values.shape[-1] < 2:
        return combine.reduce(values, axis=-1, keepdims=True)
    found = values[..., 0].copy()
    for column in range(1, values.shape[-1]):
        combine(found, values[..., column], out=found)
    return found[..., None]


def visible_counts(dates: np.ndarray, recorded: np.ndarray, times, strict: bool = False,
                   gone: np.ndarray | None = None) -> np.ndarray:
    """A number per time naming the set of items visible then: dated by then (recorded by then if strict),
    and not gone (``gone``: the day each item stops counting, ``EvidenceMatrix.gone_from``).

    Items come into view in one order and leave it in another, so the count of
    items that came and the count that left together name the set: the number
    is ``came + (J + 1) * left`` (just ``came`` when nothing leaves).
    """
    visible_from = np.maximum(dates, recorded) if strict else dates
    came = np.searchsorted(np.sort(visible_from), times, side="right")
    if gone is None:
        return came
    return came + (dates.shape[0] + 1) * np.searchsorted(np.sort(gone), times, side="right")


def distinct_times(matrix: EvidenceMatrix, times, theta: Theta, strict: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Time points that can differ, and for each of ``times`` the index of its equal among them.

    Without decay the probabilities depend only on which items are visible, so
    weeks in which nothing new became visible repeat the week before; with decay
    every time point is its own.
    """
    times = np.atleast_1d(np.asarray(times, dtype=np.int64))
    if times.shape[0] == 0 or theta.decays:
        return times, np.arange(times.shape[0])
    state = visible_counts(matrix.dates, matrix.recorded, times, strict, matrix.gone_from(strict))
    _, first, inverse = np.unique(state, return_index=True, return_inverse=True)
    return times[first], inverse.reshape(-1)


def _running_sums(values: np.ndarray, dates: np.ndarray, fresh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each story's sum of ``values`` (R, W) and earliest of ``dates`` up to each of its rows.

    The rows of one story are consecutive and ``fresh`` marks each story's first.
    Stories of two rows take one addition. Otherwise the stories of several rows
    are laid side by side in a (stories, n) table that is summed cumulatively
    along its rows (the same sums as adding the rows one at a time); when the
    longest story would make that table much larger than their rows, they go to
    tables of 2, 4, 8... rows instead, each in the shortest that holds it: at
    most twice the rows.
    """
    count = fresh.shape[0]
    later = np.flatnonzero(~fresh)
    if not later.shape[0]:  # every story one row
        return values, dates
    sums, earliest = values.copy(), dates.copy()
    if not np.any(later[1:] == later[:-1] + 1):  # no story of more than two rows
        sums[later] += sums[later - 1]
        earliest[later] = np.minimum(earliest[later], earliest[later - 1])
        return sums, earliest
    start = np.flatnonzero(fresh)
    story = np.cumsum(fresh)
    story -= 1
    rank = np.arange(count)
    rank -= start[story]
    size = np.empty_like(start)
    size[:-1] = start[1:] - start[:-1]
    size[-1] = count - start[-1]
    several = size > 1
    rows, longest = int(several.sum()), int(size.max())
    if rows * longest <= 2 * int(size[several].sum()) + 1024:
        length = np.where(several, longest, 0)
    else:
        length = np.where(several, 1 << np.ceil(np.log2(np.maximum(size, 1))).astype(np.int64), 0)
    for n in sorted(set(length.tolist()) - {0}):
        chosen = length == n
        members = np.flatnonzero(chosen[story])
        at = ((np.cumsum(chosen) - 1)[story[members]], rank[members])
        table = np.zeros((int(chosen.sum()), n) + values.shape[1:])
        table[at] = values[members]
        sums[members] = np.cumsum(table, axis=1, out=table)[at]
        first = np.full(table.shape[:2], NEVER, dtype=np.int64)
        first[at] = dates[members]
        earliest[members] = np.minimum.accumulate(first, axis=1, out=first)[at]
    return sums, earliest


_FAST_CELLS = 32_768
"""Cells of the decay factors used at once (``_CHUNK_CELLS`` bounds memory; this keeps them in the cache)."""


_PRODUCT_TERMS = 1 << 18
"""Multiply-adds of one matrix product of decay factors. BLAS (OpenBLAS) runs a product of up to
2 ** 18 of them on one thread and spreads larger ones over threads, which costs more than it gives
for these products, much more on a busy machine."""


_TABLE_AGES = 4096
"""Ages in days (about 11 years) whose decay factors are kept with the draws, within ``_CHUNK_CELLS``;
older ones are computed when needed."""


_BLOCK_BITS = 5
_BLOCK, _BLOCK_ROWS, _BLOCK_FILL = 1 << _BLOCK_BITS, 64, 0.45
"""``DecayedEvidence._add_by_blocks``: blocks of 32 days, for a time point with at least 64 changed ages
that fill at least 45% of the days of their blocks."""


class DecayedEvidence:
    """``evidence_logits`` over time points in increasing order, by a recurrence instead of a story view.

    Between two time points every story's term ``gamma_g(t) m_g`` decays by the
    same factor ``2 ** (-(t - t') / h)``, so the sum over stories is carried
    from one time point to the next and only the stories that changed are
    recomputed. What a time point changes is theta-free, and is summed by age
    first: each story that gained items since the time point before adds its
    new ``m`` at the age of its new date and takes away its old ``m`` at the age
    of its old one. Each distinct age then costs one row of decay factors for
    all draws (looked up: ``Theta.decay_by_age``), and their decayed sum is a
    matrix product (C K, ages) x (ages, D). The cost grows with draws x (times +
    distinct ages), not draws x times x stories, and memory with draws x
    classes x scenarios. Agrees with ``evidence_logits`` to rounding (about
    1e-13 here, 1e-12 after thousands of time points).
    """

    def __init__(self, matrix: EvidenceMatrix, theta: Theta, factors: np.ndarray | None, strict: bool = False):
        self.theta, self.classes, self.scenarios = theta, matrix.classes, matrix.scenarios
        width = matrix.classes * matrix.scenarios
        # theta-free: when each item becomes visible, its story and date, and its w r in its class's columns then a 1
        self.visible_from = np.maximum(matrix.dates, matrix.recorded) if strict else matrix.dates
        self.story, self.dates = matrix.story, matrix.dates
        items = matrix.units.shape[0]
        self.values = np.ones((items, width + 1))
        if matrix.classes == 1:
            np.multiply(matrix.units, matrix.weights[:, None], out=self.values[:, :-1])
        else:
            spread = np.zeros((items, matrix.classes, matrix.scenarios))
            spread[np.arange(items), matrix.item_class] = matrix.units * matrix.weights[:, None]
            self.values[:, :-1] = spread.reshape(items, width)
        # each story's sums of those (its visible items' count last) and earliest date at ``time``
        self.sums = np.zeros((matrix.stories, width + 1))
        self.earliest = np.full(matrix.stories, NEVER, dtype=np.int64)
        # draws run along the last axis of the working arrays, so that each operation is one long loop
        self.rate = -1.0 / theta.half_life  # gamma = 2 ** (age * rate), as in ``Theta.decay_by_age``; 0 without decay
        scale = theta.strength * DELTA
        if matrix.classes == 1:  # one class: its factor joins the scale
            self.scale, self.factors = (scale if factors is None else scale * factors[:, 0]), None
        else:
            self.scale = scale
            self.factors = np.ones((matrix.classes, theta.draws)) if factors is None else np.ascontiguousarray(
                factors.T)
        self.total = np.zeros((width, theta.draws))  # sum over stories of gamma m (C K, D)
        self.time: int | None = None  # the time point ``total`` is at; the items visible by then are in it
        self.after: tuple = ()  # the stories' sums and dates after the last call, not yet in ``sums``, ``earliest``

    def logits(self, times: np.ndarray) -> np.ndarray:
        """(D, T, K) evidence term at ``times``, which continue, in order, from the previous call's."""
        times = np.asarray(times, dtype=np.int64)
        count = times.shape[0]
        if not count:
            return np.empty((self.theta.draws, 0, self.scenarios))
        if (self.time is not None and times[0] < self.time) or np.any(times[1:] < times[:-1]):
            raise ValueError("DecayedEvidence needs time points in increasing order")
        draws = max(1, self.theta.draws)
        width = max(1, min(_CHUNK_CELLS, _FAST_CELLS, _PRODUCT_TERMS // self.total.shape[0]) // draws)  # ages at once
        limit = min(_TABLE_AGES, _CHUNK_CELLS // draws)
        gaps = np.empty_like(times)
        gaps[0] = 0 if self.time is None else times[0] - self.time
        np.subtract(times[1:], times[:-1], out=gaps[1:])
        ages, means, bounds = self._changes_by_age(times, limit)
        table = self.theta.decay_by_age(min(limit, max(int(ages.max(initial=0)), int(gaps.max())) + 1), limit)
        total, work = self.total, self.theta.work(width)
        logits = np.empty((self.theta.draws, count, self.scenarios))
        for i, gap in enumerate(gaps.tolist()):
            if gap:  # everything decays by the gap since the time point before
                total *= table[gap] if gap < table.shape[0] else np.exp2(gap * self.rate)
            start, held, last = bounds[i]  # then the changes it brings, ``width`` ages at a time
            if held - start >= _BLOCK_ROWS and table.shape[0] >= _BLOCK and (
                    held - start >= _BLOCK_FILL * (ages[held - 1] - ages[start] + 1)):  # ages close together
                start = self._add_by_blocks(ages[start:held], means[:, start:held], table, start)
            while start < last:
                end = min(start + width, held if start < held else last)
                gamma = work[:end - start]  # (a, D)
                if start < held:  # ages the table holds
                    np.take(table, ages[start:end], axis=0, out=gamma)
                else:
                    np.multiply(ages[start:end, None], self.rate, out=gamma)  # -age / h
                    np.exp2(gamma, out=gamma)
                total += means[:, start:end] @ gamma
                start = end
            self._emit(logits[:, i].T)
        self.time = int(times[-1])
        return logits

    def _add_by_blocks(self, ages: np.ndarray, means: np.ndarray, table: np.ndarray, start: int) -> int:
        """Add ``means @ table[ages]`` by blocks of ``_BLOCK`` days when the ages fill them; return where that ended.

        An age ``a = B q + r`` decays by ``2 ** (-B q / h) * 2 ** (-r / h)``, so a
        block's terms are one product with the table's first B rows, which stay
        in the cache, then scaled by the block's factor: fewer numbers read than
        one row of the table for each age, when most days of the blocks have one.
        Ages that fill their blocks too thinly are left to the caller (from ``start``).
        """
        blocks = ages >> _BLOCK_BITS
        first = np.ones(blocks.shape[0], dtype=bool)
        np.not_equal(blocks[1:], blocks[:-1], out=first[1:])
        count = int(first.sum())
        if ages.shape[0] < _BLOCK_FILL * count * _BLOCK:
            return start
        width, draws = means.shape[0], table.shape[1]
        spread = np.zeros((count, width, _BLOCK))  # (q, C K, r): the means of age B q + r
        spread[np.cumsum(first) - 1, :, ages & (_BLOCK - 1)] = means.T
        spread = spread.reshape(count * width, _BLOCK)
        group = max(1, min(count, _FAST_CELLS // max(1, width * draws)))  # blocks at once
        rows = max(1, _PRODUCT_TERMS // (_BLOCK * draws))  # rows of ``spread`` in one product
        within, scale = self.theta.work(group * width, "within"), self.theta.work(group, "scale")
        offsets = blocks[first] << _BLOCK_BITS
        for begin in range(0, count, group):
            end = min(count, begin + group)
            part = within[:(end - begin) * width]
            for row in range(0, part.shape[0], rows):
                np.matmul(spread[begin * width + row:begin * width + min(part.shape[0], row + rows)], table[:_BLOCK],
                          out=part[row:row + rows])
            np.take(table, offsets[begin:end], axis=0, out=scale[:end - begin])
            self.total += np.einsum("qkd,qd->kd", part.reshape(end - begin, width, draws), scale[:end - begin])
        return start + ages.shape[0]

    def _changes_by_age(self, times: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray, list]:
        """The changes ``times`` bring to the stories, summed by time point and age (theta-free).

        A story that gains items by a time point (since the one before) adds its
        new mean at the age of its new date there, less its old mean at the age
        of its old date. Returns the ages (A,) sorted by time point and age, their
        summed means (C K, A), and for each time point where its ages start,
        where those the decay table does not hold (``limit`` and older) start, and where they end.
        """
        count = times.shape[0]
        if self.after:  # the stories as the last call left them
            story, fresh, sums, dates = self.after
            last = np.ones(story.shape[0], dtype=bool)  # a story's last time point then
            last[:-1] = fresh[1:]
            self.sums[story[last]], self.earliest[story[last]] = sums[last], dates[last]
        step = np.searchsorted(times, self.visible_from, side="left")  # the time point that first sees each item
        if self.time is not None:
            step[self.visible_from <= self.time] = count  # seen before: in ``sums`` already
        key = np.where(step < count, self.story * count + step, NEVER)
        order = np.argsort(key, kind="stable")[:np.count_nonzero(step < count)]  # the items seen, by story and step
        key = key[order]
        first = np.ones(key.shape[0], dtype=bool)  # each (story, time point)'s first item
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        story, step = self.story[order[starts]], step[order[starts]]
        fresh = np.ones(starts.shape[0], dtype=bool)  # a story's first time point in this call
        np.not_equal(story[1:], story[:-1], out=fresh[1:])
        sums, dates = _running_sums(np.add.reduceat(self.values[order], starts, axis=0) if starts.shape[0]
                                    else self.values[:0], np.minimum.reduceat(self.dates[order], starts)
                                    if starts.shape[0] else self.dates[:0], fresh)
        later = np.flatnonzero(~fresh)  # less the old state: the story at its time point before in this call
        if self.time is None:  # the first call: no story had anything visible before it
            means = sums[:, :-1] / sums[:, -1:]
            steps = np.concatenate([step, step[later]])
            ages = times[steps] - np.concatenate([dates, dates[later - 1]])
            means = np.concatenate([means, -means[later - 1]])
        else:  # or before this call
            before, earlier = self.sums[story], self.earliest[story]
            sums = sums + before
            np.minimum(dates, earlier, out=dates)
            means = sums[:, :-1] / sums[:, -1:]
            known = np.flatnonzero(fresh & (before[:, -1] > 0))
            steps = np.concatenate([step, step[later], step[known]])
            ages = times[steps] - np.concatenate([dates, dates[later - 1], earlier[known]])
            means = np.concatenate([means, -means[later - 1], -before[known, :-1] / before[known, -1:]])
        self.after = (story, fresh, sums, dates)
        key = (steps << 32) + ages
        order = np.argsort(key, kind="stable")
        key = key[order]
        rows = np.ones(key.shape[0], dtype=bool)
        np.not_equal(key[1:], key[:-1], out=rows[1:])
        starts = np.flatnonzero(rows)
        summed = np.add.reduceat(means[order], starts, axis=0) if starts.shape[0] else means
        key = key[starts]
        steps = np.arange(count + 1, dtype=np.int64) << 32
        first = np.searchsorted(key, steps).tolist()
        held = np.searchsorted(key, steps[:-1] + limit).tolist()
        return key & 0xFFFFFFFF, np.ascontiguousarray(summed.T), list(zip(first, held, first[1:]))

    def _emit(self, out: np.ndarray) -> None:
        """Write ``s delta sum_c f_c total_c`` into ``out`` (K, D)."""
        if self.factors is None:
            np.multiply(self.total, self.scale, out=out)
        else:
            per_class = self.total.reshape(self.classes, self.scenarios, -1)
            np.multiply(np.einsum("ckd,cd->kd", per_class, self.factors), self.scale, out=out)


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
    decaying = theta.decays
    if decaying:  # the story view: visible (time, item) pairs with their w r, and (t, G, C, K) means
        per_time = max(items * matrix.scenarios, groups * width, theta.draws * groups, theta.draws * width)
    else:  # visible pairs and the (t, J) shares
        per_time = 4 * max(items, 1)
    step = max(1, _CHUNK_CELLS // max(1, per_time, theta.draws * matrix.scenarios))
    prior = theta.prior_strength[:, None, None] * matrix.log_prior[None, None, :]
    recurrence = None
    if decaying and np.all(times[1:] >= times[:-1]) and matrix.retracted is None:  # (it only adds items)
        recurrence = DecayedEvidence(matrix, theta, factors, strict)
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
