"""Report benchmark (run: python benchmarks/report.py).

Times ``vane report`` as a fresh process (no MCMC: it uses saved parameter
draws when present, else prior draws) on the bundled examples (goal: under
10 s) and on 50 synthetic open questions with 100 evidence items each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.calibration.synthetic import World, synthetic_questions, write_questions  # noqa: E402


def timed_report(space: Path) -> float:
    """Wall time of one ``vane report`` process on ``space``."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-c", "from cli.app import main; main()", "report", "--dir", str(space)]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=environment, check=True, capture_output=True)
    return time.perf_counter() - start


def bundled_copy(folder: Path) -> Path:
    for name in ("scenarios", "seeds"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "reports").mkdir()
    return folder


def open_synthetic(folder: Path, count: int, items: int) -> Path:
    """``count`` open questions of ``items`` evidence items each, running up to today."""
    today = dt.date.today()
    world = World(items=float(items), start=today - dt.timedelta(days=400), life_days=(300, 390))
    questions = []
    for question in synthetic_questions(count, world, seed=5):
        shift = today - question.closes  # move the question so its evidence ends by today
        questions.append(dataclasses.replace(
            question, resolution=None, opened=question.opened + shift, closes=today + dt.timedelta(days=120),
            evidence=tuple(dataclasses.replace(item, date=item.date + shift, recorded=dt.datetime.combine(
                item.date + shift, dt.time(), dt.timezone.utc)) for item in question.evidence),
        ))
    write_questions(questions, folder / "scenarios")
    (folder / "reports").mkdir()
    return folder


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="vane-report-bench-") as scratch:
        scratch = Path(scratch)
        timed_report(bundled_copy(scratch / "warmup"))  # first run writes bytecode and font caches
        bundled = timed_report(bundled_copy(scratch / "bundled"))
        synthetic = timed_report(open_synthetic(scratch / "synthetic", 50, 100))
    print("vane report (fresh process, no MCMC):")
    print(f"  bundled examples                           {bundled:.2f} s   (goal: under 10 s)")
    print(f"  50 synthetic questions x 100 evidence items {synthetic:.2f} s")


if __name__ == "__main__":
    main()
