"""Speed benchmarks for the core (run: python benchmarks/run.py).

1. Cold start: ``vane status`` on the bundled examples against a bare Python
   start that imports yaml, numpy and typer (goal: at most 1.5x).
2. The exact engine: 1,000 questions x 1,000 evidence items x 4 scenarios,
   probabilities now (goal: under 1 s on a 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.engine import posterior  # noqa: E402
from model.engine.posterior import EvidenceMatrix, Theta  # noqa: E402


def median_seconds(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of ``runs`` fresh processes per command, interleaved so drift hits all alike.

    Bytecode caching is left on, as on a user's machine: a warm-up run writes it.
    """
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 1):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, capture_output=True, check=True, env=environment)
            if round_number:  # round 0 is the warm-up
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def vane_command() -> list[str]:
    installed = shutil.which("vane")
    return [installed] if installed else [sys.executable, "-c", "from cli.app import main; main()"]


def cold_start(runs: int) -> None:
    measured = median_seconds({
        "baseline": [sys.executable, "-c", "import yaml, numpy, typer"],
        "status": vane_command() + ["status"],
    }, runs)
    baseline, status = measured["baseline"], measured["status"]
    print(f"cold start, median of {runs} processes each:")
    print(f"  python -c 'import yaml, numpy, typer'  {baseline:.3f} s")
    print(f"  vane status (bundled examples)         {status:.3f} s")
    print(f"  ratio                                  {status / baseline:.2f}x   (goal: at most 1.5x)")


def synthetic_questions(count: int, items: int, scenarios: int, seed: int = 0) -> list[EvidenceMatrix]:
    """Questions with random ratings, grades, stories (about 4 items in 5 their own) and dates."""
    rng = np.random.default_rng(seed)
    questions = []
    for _ in range(count):
        prior = rng.dirichlet(np.ones(scenarios))
        story = rng.integers(0, int(items * 0.8), items)
        _, story = np.unique(story, return_inverse=True)
        dates = rng.integers(0, 365, items)
        questions.append(EvidenceMatrix(
            log_prior=np.log(prior), units=rng.integers(-2, 3, (items, scenarios)).astype(float),
            weights=rng.choice([0.2, 0.4, 0.55, 0.72, 1.0], items), story=story.astype(np.int64),
            dates=dates.astype(np.int64), recorded=dates.astype(np.int64), stories=int(story.max()) + 1,
        ))
    return questions


def engine_time(questions: list[EvidenceMatrix], theta: Theta, times) -> float:
    start = time.perf_counter()
    for matrix in questions:
        view = posterior.story_view(matrix, times)
        posterior.posterior(matrix.log_prior, view, theta)
    return time.perf_counter() - start


def exact_engine(count: int, items: int, scenarios: int) -> None:
    questions = synthetic_questions(count, items, scenarios)
    face = min(engine_time(questions, Theta.face_value(), [365]) for _ in range(3))
    rng = np.random.default_rng(1)
    draws = Theta.of(np.exp(rng.normal(0, 0.5, 200)), np.exp(rng.normal(np.log(180), 1, 200)), np.exp(rng.normal(0, 0.3, 200)))
    with_draws = engine_time(questions, draws, [365])
    print(f"exact engine, {count:,} questions x {items:,} evidence items x {scenarios} scenarios (best of 3):")
    print(f"  face value, probabilities now          {face:.3f} s   (goal: under 1 s)")
    print(f"  200 parameter draws with decay         {with_draws:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21, help="processes per cold-start measurement")
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--scenarios", type=int, default=4)
    options = parser.parse_args()
    cold_start(options.runs)
    exact_engine(options.questions, options.items, options.scenarios)


if __name__ == "__main__":
    main()
