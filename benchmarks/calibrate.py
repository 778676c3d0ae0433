"""Sampler benchmark for ``vane calibrate`` (run: python benchmarks/calibrate.py).

For each NUTS implementation (PyMC's own, nutpie and numpyro through
``pm.sample(nuts_sampler=...)``, and numpyro's kernel compiled as one JAX
program with the data as inputs, ``numpyro-jit``) it runs ``vane calibrate`` as a fresh process on
a workspace of 200 resolved synthetic questions (2-6 scenarios, about 30
evidence items each), twice:

- cold: empty compilation caches (PyTensor, JAX, Numba), as on a fresh machine;
- warm: the same caches again, as on every later run.

It prints the total wall time, the time of each model fit, the smallest bulk
ESS and the effective samples per second of sampling. Goals: under 20 s warm,
under 60 s cold, with the fit passing its diagnostics.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.calibration.synthetic import World, synthetic_questions, write_questions  # noqa: E402


def make_workspace(folder: Path, questions: int) -> Path:
    """A workspace holding ``questions`` resolved synthetic questions."""
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    write_questions(synthetic_questions(questions, World(), seed=7), folder / "scenarios")
    return folder


def run_calibrate(space: Path, sampler: str, caches: Path, draws: int, tune: int) -> dict:
    """One ``vane calibrate`` process with its caches in ``caches``; its JSON plus the wall time."""
    environment = {
        **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
        "PYTENSOR_FLAGS": f"base_compiledir={caches / 'pytensor'}",
        "JAX_COMPILATION_CACHE_DIR": str(caches / "jax"),
        "NUMBA_CACHE_DIR": str(caches / "numba"),
    }
    command = [sys.executable, "-c", "from cli.app import main; main()", "calibrate", "--dir", str(space),
               "--sampler", sampler, "--draws", str(draws), "--tune", str(tune), "--json",
               "--force"]  # (the warm run has nothing new to learn from: it would not fit)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        result = {"error": done.stderr.strip().splitlines()[-1:] or ["no output"]}
    return {**result, "wall": seconds, "exit": done.returncode}


def describe(label: str, run: dict, draws: int, chains: int = 4) -> str:
    """One line per run: wall time, the fit's time, ESS and ESS per second of sampling."""
    if "fit" not in run:
        return f"  {label:<5} failed after {run['wall']:.1f} s: {run.get('error')}"
    fit = run["fit"]
    verdict = "passes diagnostics" if run["saved"] else "FAILS diagnostics"
    return (f"  {label:<5} {run['wall']:6.1f} s total (fit {fit['seconds']:.1f} s); min bulk ESS {fit['min_bulk_ess']:.0f} "
            f"of {chains * draws} draws, {fit['min_bulk_ess'] / max(fit['seconds'], 1e-9):.0f} ESS/s of fitting; {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samplers", default="numpyro-jit,numpyro,nutpie,pymc")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vane-calibrate-bench-") as scratch:
        space = make_workspace(Path(scratch) / "workspace", options.questions)
        print(f"vane calibrate on {options.questions} synthetic resolved questions, 4 chains x {options.draws} draws "
              f"(+{options.tune} tuning), one model with decay:")
        for sampler in options.samplers.split(","):
            caches = Path(scratch) / f"caches-{sampler}"
            print(f"{sampler}:", flush=True)
            for label in ("cold", "warm"):
                print(describe(label, run_calibrate(space, sampler, caches, options.draws, options.tune), options.draws), flush=True)


if __name__ == "__main__":
    main()
