"""Scoring benchmark (run: python benchmarks/score.py).

Scores 10,000 questions x 10 forecasters x 100 forecasts each (10 million
forecasts, 2-6 scenarios, some ordered): Brier, log, Metaculus baseline,
peer and ranked scores, time-averaged and final, plus spot scores.
Goal: under 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.record import scoring  # noqa: E402


def synthetic_input(questions: int, forecasters: int, per_forecaster: int, seed: int = 0) -> scoring.ScoringInput:
    """Random questions with windows of 10-100 days and forecasts spread over (and a little beyond) them."""
    rng = np.random.default_rng(seed)
    scenarios = rng.integers(2, 7, questions)
    start = rng.uniform(0, 1e8, questions)
    end = start + rng.uniform(10, 100, questions) * 86400
    count = questions * forecasters * per_forecaster
    question = np.repeat(np.arange(questions), forecasters * per_forecaster)
    forecaster = np.tile(np.repeat(np.arange(forecasters), per_forecaster), questions)
    span = end - start
    moment = start[question] + rng.uniform(-0.05, 1.02, count) * span[question]
    width = int(scenarios.max())
    raw = rng.gamma(1.0, 1.0, (count, width)) * (np.arange(width)[None, :] < scenarios[question][:, None])
    return scoring.ScoringInput(
        start=start, end=end, spot=start + 0.8 * span, scenarios=scenarios,
        outcome=rng.integers(0, scenarios), ordered=rng.random(questions) < 0.3,
        question=question, forecaster=forecaster, time=moment,
        probabilities=raw / raw.sum(axis=1, keepdims=True), peer_members=np.ones(forecasters, dtype=bool),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--forecasters", type=int, default=10)
    parser.add_argument("--forecasts", type=int, default=100, help="forecasts per forecaster per question")
    options = parser.parse_args()
    data = synthetic_input(options.questions, options.forecasters, options.forecasts)
    start = time.perf_counter()
    pairs = scoring.score(data)
    seconds = time.perf_counter() - start
    total = data.question.shape[0]
    print(f"scored {options.questions:,} questions x {options.forecasters} forecasters x {options.forecasts} forecasts "
          f"({total:,} forecasts, {pairs.question.shape[0]:,} question-forecaster pairs)")
    print(f"  every score type, time-averaged, final and spot: {seconds:.2f} s   (goal: under 10 s)")


if __name__ == "__main__":
    main()
