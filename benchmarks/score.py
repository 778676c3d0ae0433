"""Scoring benchmark (run: python benchmarks/score.py).

Two measurements:

1. The scoring arithmetic alone (``model.record.scoring.score``) on 10,000
   questions x 10 forecasters x 100 forecasts each (10 million forecasts, 2-6
   scenarios, some ordered): Brier, log, Metaculus baseline, peer and ranked
   scores, time-averaged and final, plus spot scores. Goal: under 10 s on a
   2-core machine.
2. The whole command as a fresh process: a real workspace of N resolved
   questions (2-5 scenarios, some ordered, two evidence items each) and a
   forecast log of 10 analysts x 10 stated forecasts per question, scored by
   ``vane score`` and ``vane score --json`` (output to a file), with wall and
   CPU time, peak memory (the child's ``ru_maxrss``) and the output's size, at
   1,000, 10,000 and 100,000 questions (100,000 to 10 million forecasts).
   Goal: 1,000 questions under 2 s; 10 million forecasts under 60 s and 2 GB.
   Loading the workspace alone is timed first, as a floor (twice: the first
   load of a new workspace may fill caches).

``--sizes 1000`` picks the workspace sizes, ``--per-forecaster 100`` the
stated forecasts per analyst per question (10 by default, 100 per question;
with 100, 10,000 questions hold 10 million forecasts, in a folder named
``w10000x1000``), ``--keep DIR`` keeps (and reuses) the generated workspaces,
``--no-cache`` loads them without the parse cache, ``--skip-arithmetic``
leaves out the first part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.record import scoring  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
FORECASTERS, PER_FORECASTER = 10, 10
GOALS = {1_000: 2.0}  # questions -> wall seconds; larger sizes: GOAL_SECONDS and GOAL_MB
GOAL_SECONDS, GOAL_MB = 60.0, 2048.0
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


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


def arithmetic(questions: int, forecasters: int, forecasts: int) -> None:
    """Time ``scoring.score`` alone on synthetic arrays."""
    data = synthetic_input(questions, forecasters, forecasts)
    start = time.perf_counter()
    pairs = scoring.score(data)
    seconds = time.perf_counter() - start
    total = data.question.shape[0]
    print(f"scored {questions:,} questions x {forecasters} forecasters x {forecasts} forecasts "
          f"({total:,} forecasts, {pairs.question.shape[0]:,} question-forecaster pairs)")
    print(f"  every score type, time-averaged, final and spot: {seconds:.2f} s   (goal: under 10 s)", flush=True)


# --- a real workspace ---


def question_text(rng: np.random.Generator, number: int) -> tuple[str, list[str], dt.date, dt.date]:
    """A resolved question file: its text, scenario ids, opening and close."""
    k = int(rng.integers(2, 6))
    ids = [f"s{j}" for j in range(k)]
    opened = EPOCH.date() + dt.timedelta(days=int(rng.integers(0, 1500)))
    closes = opened + dt.timedelta(days=int(rng.integers(30, 300)))
    prior = rng.dirichlet(np.full(k, 2.0))
    prior = np.round(prior / prior.sum(), 3)
    prior[-1] = round(1.0 - prior[:-1].sum(), 3)
    if (prior <= 0).any():  # rounding left a scenario without prior: uniform instead
        prior = np.full(k, round(1.0 / k, 3))
        prior[-1] = round(1.0 - prior[:-1].sum(), 3)
    lines = [
        f"question: Benchmark question {number}?",
        f"opened: {opened}",
        f"closes: {closes}",
        *(["ordered: true"] if rng.random() < 0.3 else []),
        "scenarios:",
        *(f"  {sid}: Scenario {sid}" for sid in ids),
        "prior:",
        "  basis: generated for the scoring benchmark",
        "  probabilities: {" + ", ".join(f"{sid}: {p:.3f}" for sid, p in zip(ids, prior)) + "}",
        "evidence:",
    ]
    span = (closes - opened).days
    for item in range(2):
        day = opened + dt.timedelta(days=int(rng.integers(0, span)))
        symbols = ", ".join(f'{sid}: "{rng.choice(["+", "0", "-"])}"' for sid in ids)
        lines += [f"  - id: e{item + 1}", f"    date: {day}", f"    recorded: {day}T12:00:00Z",
                  f"    summary: Evidence item {item + 1}.", "    grade: B2", f"    ratings: {{{symbols}}}"]
    outcome = ids[int(rng.integers(0, k))]
    lines += ["resolution:", f"  scenario: {outcome}", f"  date: {closes}", "  note: generated"]
    return "\n".join(lines) + "\n", ids, opened, closes


def write_workspace(folder: Path, questions: int, forecasters: int = FORECASTERS,
                    per_forecaster: int = PER_FORECASTER, seed: int = 0) -> Path:
    """A workspace of ``questions`` resolved questions and a log of stated forecasts, in the log's own format.

    Each forecaster states ``per_forecaster`` forecasts per question at random
    times over (and a little beyond) its window, as ``vane forecast`` writes them.
    """
    rng = np.random.default_rng(seed)
    scenarios, reports = folder / "scenarios", folder / "reports"
    scenarios.mkdir(parents=True)
    reports.mkdir()
    names = [f"analyst {f}" for f in range(forecasters)]
    with open(reports / "forecasts.jsonl", "w", encoding="utf-8") as log:
        for number in range(questions):
            qid = f"q{number:06d}"
            text, ids, opened, closes = question_text(rng, number)
            (scenarios / f"{qid}.yaml").write_text(text, encoding="utf-8")
            start = dt.datetime.combine(opened, dt.time(), dt.timezone.utc).timestamp()
            span = (closes - opened).days * 86400.0 + 86399.0
            count = forecasters * per_forecaster
            moments = np.sort(start + rng.uniform(-0.02, 1.02, count) * span).astype(np.int64)
            who = np.repeat(np.arange(forecasters), per_forecaster)[rng.permutation(count)]  # interleaved in time
            raw = rng.gamma(1.0, 1.0, (count, len(ids)))
            probabilities = raw / raw.sum(axis=1, keepdims=True)
            lines = []
            for moment, person, row in zip(moments.tolist(), who.tolist(), probabilities.tolist()):
                stamp = dt.datetime.fromtimestamp(moment, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                spread = ", ".join(f'"{sid}": {p!r}' for sid, p in zip(ids, row))
                lines.append(f'{{"time": "{stamp}", "question": "{qid}", "forecaster": "{names[person]}", '
                             f'"kind": "stated", "probabilities": {{{spread}}}, "batch": "stated", '
                             f'"recorded": "{stamp}"}}\n')
            log.write("".join(lines))
    return folder


def run(arguments: list[str], output: Path, cache: bool = True) -> tuple[int, float, float, float, float, str]:
    """Exit code, wall s, CPU s, peak MB and output MB of one fresh process, and its standard error's first line."""
    environment = {name: value for name, value in os.environ.items() if name not in ("VANE_DIR", "PYTHONDONTWRITEBYTECODE")}
    if not cache:
        environment["VANE_NO_CACHE"] = "1"
    with open(output, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(arguments, cwd=ROOT, env=environment, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        first = next((line for line in err.read().decode("utf-8", "replace").splitlines() if line.strip()), "")
    return (os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
            output.stat().st_size / 1e6, first)


LOAD_ONLY = ("import sys; from pathlib import Path; from model.workspace.folder import Workspace; "
             "from model.workspace.loader import load_workspace; load_workspace(Workspace(Path(sys.argv[1])))")


def commands(space: Path) -> list[tuple[str, list[str]]]:
    """What is timed: loading the workspace alone (a floor: twice, as a cold load may fill caches), then the command."""
    vane = [sys.executable, "-c", "from cli.app import main; main()", "score", "--dir", str(space)]
    load = [sys.executable, "-c", LOAD_ONLY, str(space)]
    return [("load, first", load), ("load", load), ("score", vane), ("score --json", vane + ["--json"])]


def whole_command(sizes, keep: Path | None, cache: bool = True, per_forecaster: int = PER_FORECASTER) -> int:
    """Time ``vane score`` and ``vane score --json`` as processes on generated workspaces; returns the misses."""
    per_question = FORECASTERS * per_forecaster
    print(f"vane score as a fresh process on generated workspaces ({FORECASTERS} analysts x {per_forecaster} "
          f"stated forecasts per question; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
          f"{'' if cache else '; no parse cache'})")
    print(f"{'questions':>9} {'forecasts':>10} {'log MB':>7}  {'command':<13} {'exit':>4} {'wall s':>7} {'CPU s':>6} "
          f"{'peak MB':>8} {'out MB':>7}  verdict", flush=True)
    misses = 0
    with tempfile.TemporaryDirectory(prefix="vane-score-bench-") as scratch:
        base = keep or Path(scratch)
        for size in sizes:
            space = base / (f"w{size}" if per_forecaster == PER_FORECASTER else f"w{size}x{per_question}")
            if not (space / "reports" / "forecasts.jsonl").exists():
                started = time.perf_counter()
                write_workspace(space, size, per_forecaster=per_forecaster)
                print(f"  (wrote {size:,} questions in {time.perf_counter() - started:.0f} s)", flush=True)
            log_mb = (space / "reports" / "forecasts.jsonl").stat().st_size / 1e6
            for label, arguments in commands(space):
                code, wall, cpu, peak, out, first = run(arguments, Path(scratch) / "out", cache)
                goal = GOALS.get(size, GOAL_SECONDS)
                good = code == 0 and wall <= goal and peak <= GOAL_MB
                timed = label.startswith("score")
                misses += timed and not good
                verdict = (("ok" if good else "MISS") + f" (goal {goal:g} s, {GOAL_MB:g} MB)" if timed else "(for reference)")
                verdict += "" if code == 0 else f"  {first[:70]}"
                print(f"{size:>9,} {size * per_question:>10,} {log_mb:7.0f}  {label:<13} {code:>4} "
                      f"{wall:7.2f} {cpu:6.2f} {peak:8.0f} {out:7.1f}  {verdict}", flush=True)
    return misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=10_000, help="questions for the arithmetic alone")
    parser.add_argument("--forecasters", type=int, default=10)
    parser.add_argument("--forecasts", type=int, default=100, help="forecasts per forecaster per question")
    parser.add_argument("--per-forecaster", type=int, default=PER_FORECASTER,
                        help="stated forecasts per analyst per question in the generated workspaces")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="workspace sizes in questions, comma-separated")
    parser.add_argument("--keep", type=Path, help="keep the generated workspaces in this folder (and reuse them)")
    parser.add_argument("--skip-arithmetic", action="store_true")
    parser.add_argument("--no-cache", action="store_true", help="load the workspaces without the parse cache (VANE_NO_CACHE)")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",") if size]
    misses = whole_command(sizes, options.keep.resolve() if options.keep else None, not options.no_cache,
                           options.per_forecaster) if sizes else 0
    if not options.skip_arithmetic:  # after the processes: a child's peak memory counts what it was forked from
        print()
        arithmetic(options.questions, options.forecasters, options.forecasts)
    print("every command within the goal" if not misses else f"{misses} command(s) missed the goal")


if __name__ == "__main__":
    main()
