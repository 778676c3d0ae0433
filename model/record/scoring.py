"""Proper scores for forecasts, vectorised over every forecast of every forecaster on every question.

model.md, "Scoring against what happened". For a forecast ``p`` and outcome ``o``:

- Brier: ``sum_k (p_k - [k = o])**2``, 0 (perfect) to 2;
- log: ``ln p_o``;
- Metaculus baseline: ``100 * (ln p_o / ln K + 1)``;
- ranked (ordered scenarios): the mean over the K-1 cumulative splits of the
  two-category Brier score ``2 (P_i - O_i)**2``, 0 to 2;
- peer (Metaculus): ``100 / (n - 1) * sum over the other standing forecasters
  of (ln p_me - ln p_other)``.

Time-averaged versions run over the question's window (open to close); each
forecast stands until the same forecaster's next one; time before a
forecaster's first forecast scores as the uniform forecast (0 for baseline and
peer). Spot versions use the forecasts standing at the spot-scoring time,
final versions those standing at the close.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

LOG_FLOOR = 1e-15  # a forecast of 0 on what happened scores ln(1e-15), not minus infinity


SCORE_NAMES = ("brier", "log", "baseline", "peer", "ranked_brier")  # every score, in the order reports list them


OWN_SCORES = tuple(name for name in SCORE_NAMES if name != "peer")  # a forecast's scores on its own, without the others


SPOT_SCORES = ("baseline", "peer")  # the scores also taken at the spot-scoring time (Metaculus)


@dataclass(frozen=True)
class ScoringInput:
    """Questions and forecasts as flat arrays.

    Questions (Q): ``start``, ``end``, ``spot`` (seconds), ``scenarios`` (K),
    ``outcome`` (scenario index; -1 for unresolved or annulled: not scored),
    ``ordered``. Forecasts (F): ``question``, ``forecaster`` (integer indices, any width), ``time``
    (seconds) and ``probabilities`` (F, K_max; padding 0). ``peer_members``
    (one flag per forecaster index) says who counts in peer scores.
    """

    start: np.ndarray
    end: np.ndarray
    spot: np.ndarray
    scenarios: np.ndarray
    outcome: np.ndarray
    ordered: np.ndarray
    question: np.ndarray
    forecaster: np.ndarray
    time: np.ndarray
    probabilities: np.ndarray
    peer_members: np.ndarray


@dataclass(frozen=True)
class PairScores:
    """Scores per (question, forecaster) pair that has at least one forecast in the window.

    ``averaged`` and ``final`` map score names (``brier``, ``log``, ``baseline``,
    ``ranked_brier``, ``peer``) to (P,) arrays; ``spot`` maps ``baseline`` and
    ``peer`` to (P,) arrays (nan when nothing stood at the spot time).
    ``ranked_brier`` is nan for unordered questions, ``peer`` for non-members.
    Time before a pair's first forecast scores as the uniform forecast; ``coverage``
    says how much of the question's life came after it (1: forecast from the start).
    """

    question: np.ndarray
    forecaster: np.ndarray
    forecasts: np.ndarray
    averaged: dict[str, np.ndarray]
    final: dict[str, np.ndarray]
    spot: dict[str, np.ndarray]
    coverage: np.ndarray | None = None  # (P,) share of the question's scored life from the first forecast on


def forecast_scores(probabilities: np.ndarray, outcome: np.ndarray, scenarios: np.ndarray, ordered: np.ndarray) -> dict[str, np.ndarray]:
    """Each forecast's own scores: (F,) arrays of Brier, log, baseline and ranked Brier (nan if unordered)."""
    p_outcome = probabilities[np.arange(probabilities.shape[0]), outcome]
    log = np.log(np.maximum(p_outcome, LOG_FLOOR))
    ranked = np.full(probabilities.shape[0], np.nan)
    if ordered.any():
        ranked[ordered] = ranked_brier(probabilities[ordered], outcome[ordered], scenarios[ordered])
    return {
        "brier": np.einsum("fk,fk->f", probabilities, probabilities) - 2.0 * p_outcome + 1.0,  # sum_k (p_k - [k = o])^2
        "log": log,
        "baseline": 100.0 * (log / np.log(scenarios) + 1.0),
        "ranked_brier": ranked,
    }


def ranked_brier(probabilities: np.ndarray, outcome: np.ndarray, scenarios: np.ndarray) -> np.ndarray:
    """Mean over the K-1 cumulative splits of the two-category Brier score ``2 (P_i - O_i)**2``."""
    cumulative = np.cumsum(probabilities, axis=1)[:, :-1]  # P(scenario <= i), i = 0..K_max-2
    split = np.arange(cumulative.shape[1])[None, :]
    observed = (outcome[:, None] <= split).astype(float)
    valid = split < (scenarios[:, None] - 1)
    return np.sum(np.where(valid, 2.0 * (cumulative - observed) ** 2, 0.0), axis=1) / (scenarios - 1)


def uniform_scores(scenarios: np.ndarray, ordered: np.ndarray, outcome: np.ndarray) -> dict[str, np.ndarray]:
    """The uniform forecast's scores per question (what time before a first forecast scores)."""
    width = int(scenarios.max(initial=2))
    uniform = np.where(np.arange(width)[None, :] < scenarios[:, None], 1.0 / scenarios[:, None], 0.0)
    scores = forecast_scores(uniform, np.maximum(outcome, 0), scenarios, ordered)
    scores["baseline"] = np.zeros_like(scores["baseline"])  # exactly 0, not a rounding away from it
    return scores


BLOCK = 250_000  # forecasts scored together: blocks that fit in cache are several times faster than one pass


def score(data: ScoringInput, workers: int = 2) -> PairScores:
    """Every score for every (question, forecaster) pair with forecasts in a resolved question's window.

    Questions are independent, so forecasts are scored in blocks of whole
    questions, on ``workers`` threads (numpy releases the GIL on large arrays).
    """
    blocks = _question_blocks(data.question, data.start.shape[0])
    if len(blocks) == 1:
        return _score_block(data)
    from concurrent.futures import (
        ThreadPoolExecutor,  # imported here: most scoring runs are one block
    )

    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda chosen: _score_block(_forecasts(data, chosen)), blocks))
    return _concatenate(parts)


def _question_blocks(question: np.ndarray, questions: int) -> list[np.ndarray]:
    """Forecast indices grouped in question order into blocks of whole questions of about ``BLOCK`` forecasts."""
    if question.shape[0] <= BLOCK:
        return [np.arange(question.shape[0])]
    order = np.argsort(question, kind="stable")
    ends = np.cumsum(np.bincount(question, minlength=questions))
    cuts = ends[np.searchsorted(ends, np.arange(BLOCK, ends[-1], BLOCK))]
    edges = np.unique(np.concatenate([[0], cuts, [ends[-1]]]))
    return [order[low:high] for low, high in zip(edges[:-1], edges[1:])]


def _forecasts(data: ScoringInput, chosen: np.ndarray) -> ScoringInput:
    """``data`` with only the forecasts ``chosen`` (questions unchanged)."""
    return ScoringInput(
        data.start, data.end, data.spot, data.scenarios, data.outcome, data.ordered,
        data.question[chosen], data.forecaster[chosen], data.time[chosen], data.probabilities[chosen], data.peer_members,
    )


def _concatenate(parts: list[PairScores]) -> PairScores:
    """The pairs of several blocks, in block (that is, question) order.

    Each score is taken out of the blocks as it is joined, so the blocks and
    the whole are held together one score at a time.
    """
    def scores(kind: str) -> dict[str, np.ndarray]:
        return {name: np.concatenate([getattr(part, kind).pop(name) for part in parts])
                for name in list(getattr(parts[0], kind))}

    join = lambda pick: np.concatenate([pick(part) for part in parts])  # noqa: E731
    return PairScores(join(lambda part: part.question), join(lambda part: part.forecaster),
                      join(lambda part: part.forecasts), scores("averaged"), scores("final"), scores("spot"),
                      join(lambda part: part.coverage))


def _score_block(data: ScoringInput) -> PairScores:
    """``score`` for forecasts whose questions all lie in this block."""
    data = replace(data, question=data.question.astype(np.int64, copy=False),  # products of indices below
                   forecaster=data.forecaster.astype(np.int64, copy=False))
    keep = (data.outcome[data.question] >= 0) & (data.time <= data.end[data.question])
    kept = np.flatnonzero(keep)
    rank = _time_rank(data.time[kept])
    forecasters = int(data.peer_members.shape[0])
    group = data.question[kept] * forecasters + data.forecaster[kept]
    order = np.argsort(group * rank.shape[0] + rank)  # by question, forecaster, time
    chosen, rank = kept[order], rank[order]
    question, forecaster = data.question[chosen], data.forecaster[chosen]
    time = np.maximum(data.time[chosen], data.start[question])  # a forecast before opening stands from opening
    probabilities = data.probabilities[chosen]
    own = forecast_scores(probabilities, data.outcome[question], data.scenarios[question], data.ordered[question])
    pairs = _pairs(question, forecaster)
    window = (data.end - data.start)[question[pairs.first]]
    standing_until = np.where(pairs.last_of_pair, data.end[question], np.roll(time, -1))
    duration = standing_until - time
    before_first = time[pairs.first] - data.start[question[pairs.first]]
    uniform = uniform_scores(data.scenarios, data.ordered, data.outcome)
    averaged, final = {}, {}
    for name in OWN_SCORES:
        weighted = np.add.reduceat(np.where(duration > 0, duration * own[name], 0.0), pairs.first)
        averaged[name] = (weighted + before_first * uniform[name][question[pairs.first]]) / window
        final[name] = own[name][pairs.last]
    member = data.peer_members[forecaster]
    log_p = own["log"]
    peer = _peer_integral(question, rank, time, log_p, member, data, pairs)
    averaged["peer"] = np.where(member[pairs.first], peer / window, np.nan)
    final["peer"] = _peer_at(data.end, question, time, log_p, member, pairs)
    spot_index = _standing_at(data.spot, question, time, pairs)
    spot_ok = spot_index >= 0
    spot_baseline = np.where(spot_ok, own["baseline"][np.maximum(spot_index, 0)], np.nan)
    spot_peer = _peer_at(data.spot, question, time, log_p, member, pairs)
    return PairScores(
        question=question[pairs.first], forecaster=forecaster[pairs.first], forecasts=np.diff(np.append(pairs.first, time.shape[0])),
        averaged=averaged, final=final, spot={"baseline": spot_baseline, "peer": spot_peer},
        coverage=1.0 - before_first / window,
    )


@dataclass(frozen=True)
class _Pairs:
    first: np.ndarray  # index of each pair's first forecast (forecasts sorted by question, forecaster, time)
    last: np.ndarray  # index of each pair's last forecast
    last_of_pair: np.ndarray  # (F,) True at each pair's last forecast
    pair_of: np.ndarray  # (F,) pair index of each forecast


def _pairs(question: np.ndarray, forecaster: np.ndarray) -> _Pairs:
    starts = np.ones(question.shape[0], dtype=bool)
    starts[1:] = (question[1:] != question[:-1]) | (forecaster[1:] != forecaster[:-1])
    first = np.flatnonzero(starts)
    last = np.append(first[1:] - 1, question.shape[0] - 1) if first.size else first
    last_of_pair = np.zeros(question.shape[0], dtype=bool)
    last_of_pair[last] = True
    return _Pairs(first, last, last_of_pair, np.cumsum(starts) - 1)


def _time_rank(time: np.ndarray) -> np.ndarray:
    """Each time's position in time order (ties: the later entry ranks later), for one-key integer sorts."""
    order = np.argsort(time)  # the fast unstable sort; exact ties are put back in entry order below
    ordered = time[order]
    tied = np.flatnonzero(ordered[1:] == ordered[:-1])
    if tied.size:
        runs = np.unique(np.concatenate([tied, tied + 1]))
        order[runs] = order[runs][np.lexsort((order[runs], ordered[runs]))]
    rank = np.empty(time.shape[0], dtype=np.int64)
    rank[order] = np.arange(time.shape[0])
    return rank


def _peer_integral(question, rank, time, log_p, member, data: ScoringInput, pairs: _Pairs) -> np.ndarray:
    """Per pair, the integral over the window of the forecaster's peer score (members only)."""
    ids = np.flatnonzero(member)  # peer members' forecasts, in (question, forecaster, time) order
    by_time = ids[np.argsort(question[ids] * rank.shape[0] + rank[ids])]  # time order within each question
    q, t, value = question[by_time], time[by_time], log_p[by_time]
    previous_own = np.where(pairs.first[pairs.pair_of[by_time]] == by_time, np.nan, log_p[np.maximum(by_time - 1, 0)])
    change = value - np.nan_to_num(previous_own)
    joins = np.isnan(previous_own).astype(float)
    question_start = np.ones(q.shape[0], dtype=bool)
    question_start[1:] = q[1:] != q[:-1]
    total = _cumsum_within(change, question_start)  # S_j: sum of standing ln p after event j
    standing = _cumsum_within(joins, question_start)  # n_j
    segment_end = np.where(np.append(q[1:] != q[:-1], True), data.end[q], np.append(t[1:], 0.0))
    length = segment_end - t
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(standing > 1, 100.0 * length * standing / (standing - 1), 0.0)
        b = np.where(standing > 1, 100.0 * length * total / (standing - 1), 0.0)
    prefix_a, prefix_b = np.concatenate([[0.0], np.cumsum(a)]), np.concatenate([[0.0], np.cumsum(b)])
    position = np.zeros(log_p.shape[0], dtype=np.int64)  # non-members stay at 0 (their contribution is masked)
    position[by_time] = np.arange(by_time.shape[0])
    question_end = np.concatenate([np.flatnonzero(question_start)[1:], [by_time.shape[0]]])[np.cumsum(question_start) - 1]
    end_position = np.zeros(log_p.shape[0], dtype=np.int64)
    end_position[by_time] = question_end
    # a member's forecast stands until the position of its own next forecast, else the question's end
    next_own = np.where(pairs.last_of_pair, -1, np.arange(log_p.shape[0]) + 1)
    stop = np.where(next_own >= 0, position[np.maximum(next_own, 0)], end_position)
    start = position
    contribution = np.where(member, log_p * (prefix_a[stop] - prefix_a[start]) - (prefix_b[stop] - prefix_b[start]), 0.0)
    return np.add.reduceat(contribution, pairs.first)


def _cumsum_within(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Cumulative sum that restarts at every group start."""
    total = np.cumsum(values)
    return total - _carry(np.where(group_start, total - values, 0.0), group_start)


def _carry(offsets: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Each position's value of ``offsets`` at the start of its group."""
    index = np.maximum.accumulate(np.where(group_start, np.arange(offsets.shape[0]), 0))
    return offsets[index]


def _standing_at(when: np.ndarray, question: np.ndarray, time: np.ndarray, pairs: _Pairs) -> np.ndarray:
    """Per pair, the index of the forecast standing at ``when[question]`` (-1 if none yet)."""
    candidate = np.where(time <= when[question], np.arange(time.shape[0]), -1)
    return np.maximum.reduceat(candidate, pairs.first) if candidate.size else candidate


def _peer_at(when: np.ndarray, question, time, log_p, member, pairs: _Pairs) -> np.ndarray:
    """Per pair, the peer score among the forecasts standing at ``when`` (nan if the pair has none standing)."""
    index = _standing_at(when, question, time, pairs)
    pair_question = question[pairs.first]
    standing = (index >= 0) & member[pairs.first]
    value = np.where(standing, log_p[np.maximum(index, 0)], 0.0)
    questions = int(question.max(initial=-1)) + 1
    count = np.bincount(pair_question, weights=standing.astype(float), minlength=questions)[pair_question]
    total = np.bincount(pair_question, weights=value, minlength=questions)[pair_question]
    with np.errstate(divide="ignore", invalid="ignore"):
        peer = np.where(count > 1, 100.0 * (count * value - total) / (count - 1), 0.0)
    return np.where(standing, peer, np.nan)
