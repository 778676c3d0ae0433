"""Limits benchmark (run: python benchmarks/limits.py).

Writes, in a temporary folder, the largest question files ``vane check``
accepts under ``model/base/limits.py`` (the most scenarios with a few items, the
most items with few scenarios, the largest file, the largest file with its
lists in flow style, one long text), each opened in 1900 so its weekly
trajectory is as long as the format allows, every item its own story and
analyst. Then a few files beyond the limits, which every command must refuse
quickly (a mapping of 40,000 keys, 20,000 scenarios, 54,000 items, a file of
tiny values). Each command runs as a fresh process (``check``, ``status``,
``show``, ``add``, ``report``) and the table gives its wall and CPU time and
peak memory (the child's ``ru_maxrss``). Goal: every command on every accepted
file within 30 s and 2 GB, and every refusal as quick.

``--decay`` adds a stand-in calibration with a finite half-life to the
accepted workspaces. With decay every week differs from the one before, so
``show`` and ``report`` summarise draws at every week of a trajectory from 1900;
the engine carries the decayed sum from week to week (``model.engine.posterior.DecayedEvidence``),
so its cost grows with draws x (weeks + items), not draws x weeks x stories.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.base.limits import MAX_ENTRIES, MAX_FILE_BYTES, MAX_SCENARIOS  # noqa: E402

GOAL_SECONDS, GOAL_MB = 30.0, 2048.0
OPENED = dt.date(1900, 1, 1)  # the earliest date the format takes: the longest weekly trajectory
SYMBOLS = ('"++"', '"+"', '"0"', '"-"', '"--"')
QUESTION = "q"
ADD_MARGIN = 2048  # bytes left under the file limit so that ``vane add`` stays within it


@dataclass(frozen=True)
class Case:
    """One generated workspace: its name, the question file's text, and whether check should accept it."""

    name: str
    text: str
    accepted: bool


def header(scenarios: int, description: str = "") -> list[str]:
    ids = [f"s{k}" for k in range(scenarios)]
    lines = ["question: How large can a question file be?", f"opened: {OPENED}", "closes: 2999-12-31"]
    if description:
        lines.append(f"description: {description}")
    lines += ["scenarios:"] + [f"  {sid}: Scenario {sid}" for sid in ids]
    return lines + ["prior:", "  basis: uniform, for a benchmark", "  probabilities: uniform"]


def day(rng: random.Random) -> dt.date:
    return OPENED + dt.timedelta(days=rng.randrange((dt.date.today() - OPENED).days))


def question(scenarios: int, items: int, indicators: int = 0, rated: int | None = None,
             budget: int | None = None, flow: bool = False, compact: bool = False, seed: int = 1) -> str:
    """A valid question file: ``items`` evidence items and ``indicators`` indicators over 1900 to today.

    ``rated`` scenarios get a rating in each item (all of them by default); with
    ``budget`` (bytes), items rate as many scenarios as fit and their summaries
    are padded so that the file comes close to ``budget``. ``flow`` writes the
    evidence list in flow style (``[...]``); ``compact`` writes each entry on one
    line, without grade and analyst.
    """
    rng = random.Random(seed)
    lines = header(scenarios)
    ids = [f"s{k}" for k in range(scenarios)]
    fixed = len("\n".join(lines)) + 200 + indicators * (60 + 14 * scenarios)
    per_item = (budget - fixed) // max(items, 1) if budget else 0
    entries = []
    for j in range(items):
        fields = [("id", f"e{j}"), ("date", str(day(rng))), ("grade", f"{'ABCDEF'[j % 6]}{1 + j % 6}"),
                  ("analyst", f"a{j}"), ("summary", f"Item {j}")]
        if compact:
            fields = [("id", f"e{j}"), ("date", str(day(rng))), ("summary", f"x{j}")]
        count = rated if rated is not None else scenarios
        if budget:  # as many ratings as fit
            base = sum(len(key) + len(value) + 6 for key, value in fields) + 16
            count = max(1, min(scenarios, (per_item - base) // 12))
        ratings = ", ".join(f"{sid}: {rng.choice(SYMBOLS)}" for sid in ids[:count])
        fields.append(("ratings", "{" + ratings + "}"))
        if budget:
            size = sum(len(key) + len(value) + 6 for key, value in fields) + 4
            fields[-2] = ("summary", fields[-2][1] + " " + "x" * max(0, per_item - size - 1))
        entries.append(fields)
    if flow:
        lines.append("evidence: [" + ", ".join("{" + ", ".join(f"{k}: {v}" for k, v in e) + "}" for e in entries) + "]")
    elif entries and compact:
        lines.append("evidence:")
        lines += ["  - {" + ", ".join(f"{key}: {value}" for key, value in fields) + "}" for fields in entries]
    elif entries:
        lines.append("evidence:")
        for fields in entries:
            lines += [f"  - {fields[0][0]}: {fields[0][1]}"] + [f"    {key}: {value}" for key, value in fields[1:]]
    if indicators:
        lines.append("indicators:")
    for i in range(indicators):
        probabilities = ", ".join(f"{sid}: 0.{rng.randrange(1, 10)}" for sid in ids)
        if compact:
            lines.append(f"  - {{id: i{i}, description: S, due: {day(rng)}, probabilities: {{{probabilities}}}}}")
            continue
        lines += [f"  - id: i{i}", f"    description: Signpost {i}", f"    due: {day(rng)}",
                  f"    probabilities: {{{probabilities}}}"]
    return "\n".join(lines) + "\n"


def largest(budget: int, flow: bool = False) -> str:
    """As many items as fit (at most one fewer than the limit), filling ``budget`` bytes."""
    items = MAX_ENTRIES - 1
    while True:  # as many items as fit with one rating each
        size = len(question(MAX_SCENARIOS, items, rated=1, flow=flow).encode("utf-8"))
        if size <= budget:
            break
        items = int(items * budget / size * 0.98)
    target = budget
    while True:  # then ratings and longer summaries to fill the budget
        text = question(MAX_SCENARIOS, items, budget=target, flow=flow)
        size = len(text.encode("utf-8"))
        if size <= budget:
            return text
        target -= size - budget + 64


def accepted_cases() -> list[Case]:
    room = MAX_FILE_BYTES - ADD_MARGIN
    items = MAX_ENTRIES - 1  # ``vane add`` brings it to the limit
    long_text = "y" * (room - 2000)
    return [
        Case(f"{MAX_SCENARIOS} scenarios, 20 items", question(MAX_SCENARIOS, 20), True),
        Case(f"{MAX_ENTRIES:,} entries, 3 scenarios", question(3, items - items // 10, items // 10, compact=True), True),
        Case(f"largest file, {MAX_SCENARIOS} scenarios", largest(room), True),
        Case("largest file, flow-style list", largest(room, flow=True), True),
        Case("one long text", "\n".join(header(3, long_text)) + "\n", True),
    ]


def rejected_cases() -> list[Case]:
    keys = "\n".join(f"k{index:05d}: x" for index in range(40_000))
    tiny = "\n".join(header(2)) + "\ndescription: [" + "a," * ((MAX_FILE_BYTES - 400) // 2) + "a]\n"
    compact = "\n".join(header(2)) + "\nevidence:\n" + "".join(
        f"  - {{id: e{j}, date: 2020-01-01, summary: x, ratings: {{s0: '+'}}}}\n" for j in range(54_000))
    few_bytes = "\n".join(header(2)) + "\nevidence:\n" + "".join(
        f"- {{id: e{j}, date: 2020-01-01, summary: x, ratings: {{s0: '+'}}}}\n" for j in range(MAX_ENTRIES + 1))
    return [
        Case("40,000 keys", "\n".join(header(2)) + "\n" + keys + "\n", False),
        Case("20,000 scenarios", question(20_000, 3, rated=2), False),
        Case("54,000 items", compact, False),
        Case(f"{MAX_ENTRIES + 1:,} small items", few_bytes, False),
        Case("file of tiny values", tiny, False),
    ]


def write_stand_in_calibration(space: Path) -> None:
    """A saved 'calibration' of 1,000 draws with half-lives of 30 to 400 days (not a real fit)."""
    import numpy as np

    from model.engine.parameters import (
        MODEL_VERSION,
        Parameters,
        SavedFit,
        extract_bytes,
        file_digest,
    )
    from model.engine.posterior import Theta
    from model.workspace.folder import Workspace

    saved = SavedFit.of(Workspace(space))
    saved.folder.mkdir(parents=True, exist_ok=True)
    saved.record.write_bytes(b"a stand-in for benchmarks/limits.py, not a fit")
    rng = np.random.default_rng(0)
    theta = Theta.of(np.exp(rng.normal(0, 0.5, 1000)), rng.uniform(30, 400, 1000), np.exp(rng.normal(0, 0.3, 1000)))
    provenance = {"model_version": MODEL_VERSION, "record_sha256": file_digest(saved.record),
                  "summary_line": "stand-in draws with decay (benchmark)"}
    saved.extract.write_bytes(extract_bytes(Parameters(theta, "stand-in", "calibrated"), provenance))


def run(arguments: list[str], cwd: Path) -> tuple[int, float, float, float, str]:
    """Exit code, wall s, CPU s and peak MB of one fresh process, and its first line of output."""
    environment = {name: value for name, value in os.environ.items() if name not in ("VANE_DIR", "PYTHONDONTWRITEBYTECODE")}
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(arguments, cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    return process.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, first


def commands(space: Path) -> list[tuple[str, list[str]]]:
    vane = [sys.executable, "-c", "from cli.app import main; main()"]
    where = ["--dir", str(space)]
    add = ["add", QUESTION, "--summary", "One more item, from the benchmark", "--date", str(dt.date.today()),
           "--source", "Benchmark", "--grade", "B2", "--rate", "s0=+", "--rate", "s1=-"]
    return [
        ("check", vane + ["check"] + where),
        ("status", vane + ["status"] + where),
        (f"show {QUESTION}", vane + ["show", QUESTION] + where),
        (f"add {QUESTION}", vane + add + where),
        ("report", vane + ["report"] + where),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decay", action="store_true", help="also run the accepted files with decaying parameter draws")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    options = parser.parse_args()
    cases = [case for case in accepted_cases() + rejected_cases() if options.only in case.name]
    reference = run([sys.executable, "-c", "import yaml, numpy, typer"], ROOT)
    print(f"limits: {MAX_SCENARIOS} scenarios, {MAX_ENTRIES:,} evidence items and indicators per question, "
          f"{MAX_FILE_BYTES / 2**20:g} MiB per file; goal: {GOAL_SECONDS:g} s and {GOAL_MB:g} MB per command")
    print(f"reference: python -c 'import yaml, numpy, typer' {reference[1]:.2f} s wall, {reference[3]:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'case':<30} {'MB':>5}  {'command':<8} {'exit':>4} {'wall s':>7} {'CPU s':>6} {'peak MB':>8}  verdict")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="vane-limits-bench-") as scratch:
        variants = [(case, False) for case in cases]
        variants += [(case, True) for case in cases if case.accepted and options.decay]
        for number, (case, decaying) in enumerate(variants):
            space = Path(scratch) / f"w{number}"
            (space / "scenarios").mkdir(parents=True)
            (space / "reports").mkdir()
            (space / "scenarios" / f"{QUESTION}.yaml").write_text(case.text, encoding="utf-8")
            if decaying:
                write_stand_in_calibration(space)
            name = case.name + (" +decay" if decaying else "")
            size = len(case.text.encode("utf-8")) / 1e6
            for label, arguments in commands(space):
                code, wall, cpu, peak, first = run(arguments, ROOT)
                within = wall <= GOAL_SECONDS and peak <= GOAL_MB
                # accepted: every command succeeds; beyond the limits: check refuses (the others report it)
                good = within and (code == 0 if case.accepted else (code != 0 or label != "check"))
                failures += not good
                shown = (not good) or (not case.accepted and label == "check")
                verdict = ("ok" if good else "FAIL") + (f"  {first[:70]}" if shown else "")
                print(f"{name:<30} {size:5.2f}  {label.split()[0]:<8} {code:>4} {wall:7.2f} {cpu:6.2f} {peak:8.0f}  {verdict}",
                      flush=True)
    print("every command within the goal" if not failures else f"{failures} command(s) missed the goal")


if __name__ == "__main__":
    main()
