"""Speed benchmarks for the core (run: python benchmarks/run.py).

1. Cold start: ``vane --help``, ``status``, ``show`` and ``add`` on (a copy
   of) the bundled examples against a bare Python start that imports yaml,
   numpy and typer (goal: each at most 1.5x).
2. The exact engine: 1,000 questions x 1,000 evidence items x 4 scenarios,
   probabilities now (goal: under 1 s on a 2-core machine).
3. The cost of decay: ``probabilities_at`` for many questions (1,000 x 120
   items, about 1 in 5 items in a story of several, 4 scenarios, 1,000 draws)
   as ``vane status`` asks for them (today and 7 days before) and as ``vane
   show`` does (a weekly trajectory over a year), with draws that do not decay
   and with a decay fit (half-lives around 90 days); goal: decay within 2x.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.engine import posterior, probabilities  # noqa: E402
from model.engine.parameters import Parameters  # noqa: E402
from model.engine.posterior import EvidenceMatrix, Theta  # noqa: E402
from model.engine.probabilities import compile_question, probabilities_at, weekly_dates  # noqa: E402
from model.fileformat.evidence import Evidence  # noqa: E402
from model.fileformat.question import Prior, Question, Scenario  # noqa: E402


def median_seconds(commands: dict[str, list[str]], runs: int, after=None) -> dict[str, float]:
    """Median wall time of ``runs`` fresh processes per command, interleaved so drift hits all alike.

    Bytecode caching is left on, as on a user's machine: a warm-up run writes it.
    ``after(name)``, if given, runs untimed after each process (to undo what it wrote).
    """
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 1):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, capture_output=True, check=True, env=environment)
            if round_number:  # round 0 is the warm-up
                times[name].append(time.perf_counter() - start)
            if after:
                after(name)
    return {name: statistics.median(values) for name, values in times.items()}


def vane_command() -> list[str]:
    installed = shutil.which("vane")
    return [installed] if installed else [sys.executable, "-c", "from cli.app import main; main()"]


COLD_START_QUESTION = "ukraine-talks-2027"


def cold_start(runs: int) -> None:
    """The everyday commands on (a copy of) the bundled examples against a bare Python start."""
    vane = vane_command()
    with tempfile.TemporaryDirectory() as scratch:
        space = Path(scratch) / "workspace"
        shutil.copytree(ROOT / "scenarios", space / "scenarios")
        (space / "reports").mkdir()
        question = space / "scenarios" / f"{COLD_START_QUESTION}.yaml"
        original = question.read_bytes()
        subprocess.run(vane + ["check", "--dir", str(space)], capture_output=True, check=True)  # fills the parse cache
        measured = median_seconds({
            "baseline": [sys.executable, "-c", "import yaml, numpy, typer"],
            "--help": vane + ["--help"],
            "status": vane + ["status", "--dir", str(space)],
            "show": vane + ["show", COLD_START_QUESTION, "--dir", str(space)],
            "add": vane + ["add", COLD_START_QUESTION, "--dir", str(space), "-s", "A timed item", "--date",
                           "2026-11-01", "--grade", "B2", "-r", "stall=+"],
        }, runs, after=lambda name: question.write_bytes(original) if name == "add" else None)
    baseline = measured.pop("baseline")
    print(f"cold start, median of {runs} processes each (the bundled examples, parse cache warm):")
    print(f"  python -c 'import yaml, numpy, typer'  {baseline:.3f} s")
    for name, seconds in measured.items():
        print(f"  vane {name:<33} {seconds:.3f} s   {seconds / baseline:.2f}x   (goal: at most 1.5x)")


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


TODAY = dt.date(2025, 6, 30)


def synthetic_files(count: int, items: int, scenarios: int, seed: int = 0) -> list[Question]:
    """Questions as the loader gives them: items over the past year, about 1 in 5 in a story of 2 to 6 items.

    Items of a story are dated days to weeks apart and recorded a few days after their date; one
    analyst per question, a dozen grades, the commonest most often.
    """
    rng = np.random.default_rng(seed)
    ids = tuple(f"s{k}" for k in range(scenarios))
    grades = ["B2", "B3", "C2", "C3", "A2", "B1", "C4", "D3", "A1", "D4", "E4", "F6"]  # the commonest first
    weights = np.array([6, 6, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1], dtype=float) / 36
    start = TODAY - dt.timedelta(days=365)
    questions = []
    for number in range(count):
        evidence, j = [], 0
        while j < items:
            size = int(rng.integers(2, 7)) if rng.random() < 1 / 17 else 1  # stories of 4 on average: 20% of items
            size = min(size, items - j)
            first = int(rng.integers(0, 366))
            story = f"story{j}" if size > 1 else ""
            for _ in range(size):
                day = start + dt.timedelta(days=min(365, first + int(rng.integers(0, 40)) * (size > 1)))
                recorded = dt.datetime.combine(day + dt.timedelta(days=int(rng.integers(0, 5))), dt.time(12),
                                               dt.UTC)
                units = {sid: float(value) for sid, value in zip(ids, rng.integers(-2, 3, scenarios))}
                evidence.append(Evidence(id=f"e{j + 1}", date=day, summary=f"item {j + 1}", units=units,
                                         recorded=recorded, grade=str(rng.choice(grades, p=weights)), story=story,
                                         analyst=f"a{number % 2}"))
                j += 1
        prior = rng.dirichlet(np.ones(scenarios))
        questions.append(Question(
            id=f"q{number}", path=f"q{number}.yaml", title=f"Question {number}?", opened=start,
            closes=TODAY + dt.timedelta(days=90),
            scenarios=tuple(Scenario(sid, sid) for sid in ids), prior=Prior(dict(zip(ids, prior.tolist())), "random"),
            evidence=tuple(evidence),
        ))
    return questions


def draws_pair(count: int, seed: int = 1) -> tuple[Parameters, Parameters]:
    """The same draws of s and kappa, without decay and with a decay fit (half-lives ~ LogNormal(log 90, 0.5))."""
    rng = np.random.default_rng(seed)
    strength, prior_strength = np.exp(rng.normal(0, 0.5, count)), np.exp(rng.normal(0, 0.5, count))
    half_life = np.exp(rng.normal(np.log(90.0), 0.5, count))
    return (Parameters(Theta.of(strength, np.inf, prior_strength), "no decay", "prior"),
            Parameters(Theta.of(strength, half_life, prior_strength), "decay fit", "calibrated"))


def seconds(questions: list[Question], parameters: Parameters, dates, strict: bool) -> float:
    """CPU seconds of ``probabilities_at`` for every question."""
    start = time.process_time()
    for question in questions:
        probabilities_at(question, parameters, dates, strict)
    return time.process_time() - start


@contextlib.contextmanager
def compiled_once(questions: list[Question], grades):
    """``probabilities_at`` with each question's engine arrays built beforehand: the engine alone."""
    ready = {id(question): compile_question(question, grades) for question in questions}
    original = probabilities.compile_question
    probabilities.compile_question = lambda question, grades=None: ready[id(question)]
    try:
        yield
    finally:
        probabilities.compile_question = original


def decay_cost(count: int, items: int, scenarios: int, draws: int, repeats: int) -> None:
    """CPU seconds of ``probabilities_at`` over many questions, without and with decay, and their ratio.

    ``probabilities_at`` as the commands call it (its first step turns each question into engine
    arrays, which decay does not change), and the engine alone, with those arrays built beforehand.
    Each measurement is the best of ``repeats``, taken in turn so that load from other work hits all alike.
    """
    questions = synthetic_files(count, items, scenarios)
    plain, decaying = draws_pair(draws)
    status = [TODAY - dt.timedelta(days=7), TODAY]
    weekly = weekly_dates(TODAY - dt.timedelta(days=365), TODAY)
    print(f"cost of decay: probabilities_at for {count:,} questions x {items} items x {scenarios} scenarios, "
          f"{draws:,} draws, CPU s (best of {repeats}); goal: decay within 2x")
    print(f"  {'':<22} {'probabilities_at':^30}   {'engine alone':^30}")
    print(f"  {'':<22} {'no decay':>9} {'decay':>9} {'ratio':>9}    {'no decay':>9} {'decay':>9} {'ratio':>9}")
    for label, dates, strict in (("status, 2 dates", status, False), ("status --strict", status, True),
                                 (f"trajectory, {len(weekly)} weeks", weekly, False)):
        measured: dict[str, list[float]] = {"no decay": [], "decay": [], "engine no decay": [], "engine decay": []}
        for _ in range(repeats):
            measured["no decay"].append(seconds(questions, plain, dates, strict))
            measured["decay"].append(seconds(questions, decaying, dates, strict))
            with compiled_once(questions, plain.grades):
                measured["engine no decay"].append(seconds(questions, plain, dates, strict))
                measured["engine decay"].append(seconds(questions, decaying, dates, strict))
        best = {name: min(values) for name, values in measured.items()}
        print(f"  {label:<22} {best['no decay']:9.3f} {best['decay']:9.3f} {best['decay'] / best['no decay']:8.2f}x"
              f"    {best['engine no decay']:9.3f} {best['engine decay']:9.3f}"
              f" {best['engine decay'] / best['engine no decay']:8.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21, help="processes per cold-start measurement")
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--scenarios", type=int, default=4)
    parser.add_argument("--decay-items", type=int, default=120, help="items per question for the cost of decay")
    parser.add_argument("--draws", type=int, default=1000, help="parameter draws for the cost of decay")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each cost-of-decay measurement")
    parser.add_argument("--only", choices=("cold", "engine", "decay"), help="run one benchmark only")
    options = parser.parse_args()
    if options.only in (None, "cold"):
        cold_start(options.runs)
    if options.only in (None, "engine"):
        exact_engine(options.questions, options.items, options.scenarios)
    if options.only in (None, "decay"):
        decay_cost(options.questions, options.decay_items, options.scenarios, options.draws, options.repeats)


if __name__ == "__main__":
    main()
