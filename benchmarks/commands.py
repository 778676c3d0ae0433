"""Whole-command scale benchmark (run: python benchmarks/commands.py).

The commands a user runs, each as a fresh process with ``--dir`` on a
generated workspace, timed end to end: ``status``, ``show QUESTION``,
``check``, ``add QUESTION ...``, ``report``, ``score`` and
``import-forecasts FILE``. Goal (the issue "Scale"): a 1,000-question
workspace about as quick as a 10-question one.

Two sweeps:

- questions: 10, 100, 1,000 (``--sizes``; 10,000 is opt-in) questions of about
  120 evidence items each (``--per-question``);
- items: 100 questions of about 10, 100 and 1,000 items each (``--items``).

Every workspace has one question in five resolved and the rest open (their
evidence running up to yesterday, closing in 120 days), a forecast log of
stated forecasts (10 forecasters x 10 forecasts per resolved question) for
``score``, and a CSV of 10 more forecasters x 10 forecasts per resolved
question for ``import-forecasts``. Workspaces are generated once into
``--cache`` (default: vane-commands-bench in the system's temporary folder)
and reused for 30 days while the generator is the same; generation is
never timed, and each is checked with an untimed ``vane check``.

Commands keep a parse cache in the workspace (``.vane/parsed/``), so each
command is timed with it ``warm`` (filled by that untimed check: the everyday
case) and ``cold`` (empty: the first command after a clone or after the
reader's code changed, which fills it); ``off`` (``VANE_NO_CACHE=1``) is
opt-in (``--parse-cache``). Before every timed run the workspace is put back
as it was, at the same path (the cache's entries are keyed by it): its files
copied afresh, with the saved cache when warm. So commands that write
(``add``, ``report``, ``score``, ``import-forecasts``) change nothing the
next run sees, and every file is in the system's page cache: "cold" is the
parse cache, not the disk.

For each command, size and cache state the table gives the median over
``--repeat`` runs of the wall time, the child's CPU time (user + system, from
``os.wait4``) and its peak memory (``ru_maxrss``), and the growth per 10x: how
many times longer the command took than at the previous size of its sweep,
per tenfold (exactly the ratio when the sizes are 10x apart). A command that
fails or passes ``--timeout`` is recorded as such, with the tail of its
standard error, and the benchmark goes on.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from msgspec import structs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.calibration.synthetic import World, synthetic_questions, write_questions  # noqa: E402
from model.fileformat.log_entry import LoggedForecast, entry_line  # noqa: E402
from model.workspace.cache import FOLDER as CACHE  # noqa: E402  (the workspace's parse cache)

GENERATOR = 1  # bump when the generated workspaces change: cached ones are then generated again
RESOLVED_EVERY = 5  # one question in five is resolved, the others are open
FORECASTERS, FORECASTS = 10, 10  # per resolved question, in the log and again in the import file
COPIES = 1.225  # synthetic items per drawn report: 15% of reports come with 1 or 2 copies (1 + 0.15 x 1.5)
WRITES = ("add", "report", "score", "import-forecasts")  # commands that change the workspace: run on a copy
COMMANDS = ("status", "show", "check", "add", "report", "score", "import-forecasts")
SMALL = 100 * 120  # up to this many evidence items in a workspace, --repeat defaults to 3
STATES = {  # the parse cache before a command: its environment
    "warm": {},  # filled by an earlier command: the everyday case
    "cold": {},  # empty: the first command after a clone, or after the reader's code changed (it fills the cache)
    "off": {"VANE_NO_CACHE": "1"},  # turned off
}


@dataclass(frozen=True)
class Shape:
    """A workspace to generate: how many questions, with about how many evidence items each."""

    questions: int
    items: int

    @property
    def name(self) -> str:
        return f"q{self.questions}-i{self.items}"

    @property
    def label(self) -> str:
        return f"{self.questions:,} q x {self.items:,} items"


@dataclass(frozen=True)
class Generated:
    """A generated workspace, the import file beside it, and which of its questions are open or resolved."""

    workspace: Path
    import_file: Path
    open_ids: tuple[str, ...]
    resolved_ids: tuple[str, ...]


def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _shifted(question, days: int, **changes):
    """``question`` moved by ``days`` (its opening, close, evidence and resolution), with ``changes``."""
    shift = dt.timedelta(days=days)
    evidence = sorted(question.evidence, key=lambda item: item.date)  # in date order, as ``vane add`` writes them
    evidence = tuple(structs.replace(
        item, id=f"e{number}", date=item.date + shift,
        recorded=dt.datetime.combine(item.date + shift, dt.time(), dt.timezone.utc),
    ) for number, item in enumerate(evidence, start=1))
    resolution = question.resolution
    fields = {"opened": question.opened + shift, "closes": question.closes + shift, "evidence": evidence,
              "resolution": resolution and structs.replace(resolution, date=resolution.date + shift)}
    return dataclasses.replace(question, **{**fields, **changes})


def _forecasts(rng: np.random.Generator, question) -> list[tuple[dt.datetime, dict[str, float]]]:
    """``FORECASTS`` times within the question's life (opening to resolution) and random probabilities."""
    start, end = question.window
    seconds = np.sort(rng.uniform(0, (end - start).total_seconds() - 1, FORECASTS))
    found = []
    for second in seconds:
        raw = rng.dirichlet(np.ones(len(question.scenarios)))
        rounded = np.round(raw, 6)
        rounded[-1] = round(1.0 - float(rounded[:-1].sum()), 6)
        if rounded[-1] < 0:  # rounding pushed the rest over 1: take the unrounded values
            rounded = raw
        found.append((start + dt.timedelta(seconds=int(second)),
                      {sid: float(p) for sid, p in zip(question.scenario_ids, rounded)}))
    return found


def generate(folder: Path, questions: int, items: int, seed: int = 0, today: dt.date | None = None) -> Generated:
    """Write a workspace of ``questions`` questions of about ``items`` evidence items each into ``folder``.

    ``folder/workspace`` holds ``scenarios/`` (one question in ``RESOLVED_EVERY``
    resolved, the others open with evidence up to yesterday) and
    ``reports/forecasts.jsonl`` (stated forecasts on the resolved questions);
    ``folder/import.csv`` is a CSV for ``vane import-forecasts`` (question,
    forecaster, time, one column per scenario id).
    """
    today = today or today_utc()
    last = today - dt.timedelta(days=1)  # the latest evidence: yesterday, never a future time in any zone
    world = World(items=items / COPIES, start=dt.date(2020, 1, 1), life_days=(300, 390))
    rng = np.random.default_rng(seed + 1)
    written, open_ids, resolved_ids = [], [], []
    for index, question in enumerate(synthetic_questions(questions, world, seed=seed)):
        last_chance = questions > 1 and index == questions - 1 and not resolved_ids  # at least one resolved
        resolved = index % RESOLVED_EVERY == RESOLVED_EVERY - 1 or last_chance
        if resolved:  # kept resolved, moved back when it would resolve within 30 days of today
            days = min(0, (today - dt.timedelta(days=30) - question.resolution.date).days)
            written.append(_shifted(question, days))
            resolved_ids.append(question.id)
        else:  # open: its evidence runs up to yesterday, and it closes in 120 days
            days = (last - question.closes).days
            written.append(_shifted(question, days, resolution=None, closes=today + dt.timedelta(days=120)))
            open_ids.append(question.id)
    space = folder / "workspace"
    write_questions(written, space / "scenarios")
    (space / "reports").mkdir(parents=True, exist_ok=True)
    resolved = [question for question in written if question.resolution is not None]
    entries = []
    for question in resolved:
        for number in range(FORECASTERS):
            entries += [LoggedForecast(moment, question.id, f"analyst-{number}", probabilities, "stated", "stated",
                                       recorded=moment)
                        for moment, probabilities in _forecasts(rng, question)]
    entries.sort(key=lambda entry: entry.time)  # the log is appended as time goes by
    with open(space / "reports" / "forecasts.jsonl", "w", encoding="utf-8", newline="") as log:
        log.writelines(entry_line(entry) for entry in entries)
    width = max((len(question.scenarios) for question in written), default=2)
    with open(folder / "import.csv", "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["question", "forecaster", "time"] + [f"s{k + 1}" for k in range(width)])
        for question in resolved:
            for number in range(FORECASTERS):
                for moment, probabilities in _forecasts(rng, question):
                    values = [probabilities.get(f"s{k + 1}", "") for k in range(width)]
                    writer.writerow([question.id, f"crowd-{number}", f"{moment:%Y-%m-%dT%H:%M:%SZ}"] + values)
    return Generated(space, folder / "import.csv", tuple(open_ids), tuple(resolved_ids))


def cached(cache: Path, shape: Shape) -> tuple[Generated, bool]:
    """The workspace of ``shape`` under ``cache``, generated unless a complete one under 30 days old is there.

    Returns it and whether it was generated now. A manifest written last marks
    a complete workspace; an interrupted generation is started over.
    """
    folder = cache / shape.name
    manifest = folder / "manifest.json"
    today = today_utc()
    if manifest.exists():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            made = dt.date.fromisoformat(data["date"])
            if data["generator"] == GENERATOR and (today - made).days < 30:
                shutil.rmtree(folder / "workspace" / CACHE.parts[0], ignore_errors=True)  # never timed against
                return Generated(folder / "workspace", folder / "import.csv", tuple(data["open"]),
                                 tuple(data["resolved"])), False
        except (ValueError, KeyError, TypeError):
            pass
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    generated = generate(folder, shape.questions, shape.items, today=today)
    manifest.write_text(json.dumps({"generator": GENERATOR, "date": str(today), "questions": shape.questions,
                                    "items": shape.items, "open": list(generated.open_ids),
                                    "resolved": list(generated.resolved_ids)}), encoding="utf-8")
    return generated, True


@dataclass(frozen=True)
class Run:
    """One process: exit code (None when it timed out), wall and CPU seconds, peak MB, and its output's tail."""

    code: int | None
    wall: float
    cpu: float
    peak: float
    tail: str

    @property
    def ok(self) -> bool:
        return self.code == 0


def vane_command() -> list[str]:
    """``vane`` from this checkout with this interpreter (what the installed script runs)."""
    return [sys.executable, "-c", "from cli.app import main; main()"]


# A small launcher between the benchmark and each command. On Linux a child's ``ru_maxrss`` counts the
# memory of the process it was forked from (until its exec), so a command forked from this benchmark,
# which holds the generated workspaces' data, would show this benchmark's size. The launcher is a bare
# Python (about 10 MB): it starts the command, waits for it with ``os.wait4`` and writes the command's
# wall time and resource usage as JSON to the file named by its first argument.
LAUNCHER = """
import json, os, subprocess, sys, time
arguments = json.loads(sys.argv[2])
start = time.perf_counter()
process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
wall = time.perf_counter() - start
process.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as result:
    json.dump({"code": process.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
               "maxrss": usage.ru_maxrss}, result)
"""


def run(arguments: list[str], timeout: float, environment: dict[str, str] | None = None) -> Run:
    """Run ``arguments`` as a fresh process: its wall time, and its own CPU time and peak memory from ``os.wait4``.

    Past ``timeout`` seconds the process (and its launcher) is killed and the run recorded as timed out.
    The tail is the last lines of its standard error (after those of its standard output when it wrote
    fewer than three lines of errors).
    """
    environment = {**{name: value for name, value in os.environ.items()
                      if name not in ("VANE_DIR", "PYTHONDONTWRITEBYTECODE", "VANE_NO_CACHE")}, **(environment or {})}
    timed_out = threading.Event()
    with tempfile.TemporaryDirectory(prefix="vane-run-") as folder:
        measured = Path(folder) / "usage.json"
        with open(Path(folder) / "stdout", "w+b") as output, open(Path(folder) / "stderr", "w+b") as errors:
            start = time.perf_counter()
            launcher = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER, str(measured), json.dumps(arguments)],
                                        cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, stdout=output,
                                        stderr=errors, start_new_session=True)

            def kill() -> None:
                timed_out.set()
                try:
                    os.killpg(launcher.pid, signal.SIGKILL)  # the launcher and the command: one process group
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                launcher.wait()
            finally:
                timer.cancel()
            elapsed = time.perf_counter() - start
            errors.seek(0)
            output.seek(0)
            said = errors.read().decode("utf-8", "replace").rstrip().splitlines()[-12:]
            if len(said) < 3:  # little on stderr (``check`` lists problems on stdout): the end of stdout first
                said = output.read().decode("utf-8", "replace").rstrip().splitlines()[-(12 - len(said)):] + said
        usage = json.loads(measured.read_text()) if measured.exists() else None
    tail = "\n".join(said)
    if usage is None:  # killed at the timeout, or the launcher itself failed
        return Run(None if timed_out.is_set() else launcher.returncode or -1, elapsed, math.nan, math.nan, tail)
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return Run(usage["code"], usage["wall"], usage["cpu"], usage["maxrss"] / scale, tail)


def launcher_floor() -> float:
    """The peak memory a command started by the launcher shows at the least (the launcher's own, in MB)."""
    return run([sys.executable, "-S", "-c", "pass"], 60).peak


def arguments(command: str, generated: Generated, space: Path) -> list[str]:
    """The ``vane`` command line of ``command`` on the workspace ``space`` (a copy of ``generated``'s, or it)."""
    question = generated.open_ids[0] if generated.open_ids else generated.resolved_ids[0]
    words = {
        "status": ["status"],
        "show": ["show", question],
        "check": ["check"],
        "add": ["add", question, "--summary", "One more item, from the benchmark", "--date", str(today_utc()),
                "--source", "Benchmark", "--grade", "B2", "--rate", "s1=+", "--rate", "s2=-"],
        "report": ["report"],
        "score": ["score"],
        "import-forecasts": ["import-forecasts", str(generated.import_file)],
    }[command]
    return vane_command() + words + ["--dir", str(space)]


class Prepared:
    """A workspace in ``state`` at one fixed path, put back as it was before every timed run.

    The parse cache's entries are keyed by the path a command is given, so the
    workspace always sits at the same path: a copy of the generated files (never
    their parse cache), and for ``warm`` the parse cache that an untimed ``vane
    check`` on this copy wrote, saved once and put back each time.
    """

    def __init__(self, generated: Generated, scratch: Path, state: str, timeout: float):
        self.generated, self.state = generated, state
        self.path, self.saved = scratch / "workspace", scratch / "parse-cache"
        self.reset()
        self.check = run(arguments("check", generated, self.path), max(timeout, 600))  # also fills the parse cache
        shutil.rmtree(self.saved, ignore_errors=True)
        if state == "warm" and (self.path / CACHE).is_dir():
            shutil.copytree(self.path / CACHE, self.saved)
        self.entries = _entries(self.saved)

    def reset(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.copytree(self.generated.workspace, self.path, ignore=lambda folder, names: [
            name for name in names if name == CACHE.parts[0] and Path(folder) == self.generated.workspace])
        if self.state == "warm" and self.saved.is_dir():
            shutil.copytree(self.saved, self.path / CACHE)

    def timed(self, command: str, timeout: float) -> tuple[Run, int]:
        """One run of ``command`` on the workspace as prepared, and how many parse-cache entries it wrote."""
        self.reset()
        result = run(arguments(command, self.generated, self.path), timeout, STATES[self.state])
        now = _entries(self.path / CACHE)
        return result, sum(1 for name, stamp in now.items() if self.entries.get(name) != stamp)


def _entries(folder: Path) -> dict[str, tuple[int, int]]:
    """The parse cache's files with their size and time of change (entries are written over in place)."""
    if not folder.is_dir():
        return {}
    return {entry.name: (entry.stat().st_size, entry.stat().st_mtime_ns) for entry in os.scandir(folder)}


@dataclass(frozen=True)
class Cell:
    """A command at a size with the parse cache in a state: the median of its runs, or why there is none."""

    command: str
    sweep: str
    shape: Shape
    state: str
    runs: tuple[Run, ...]
    timeout: float
    written: int = 0  # parse-cache entries the runs wrote at most

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(run.ok for run in self.runs)

    @property
    def timed_out(self) -> bool:
        return bool(self.runs) and self.runs[-1].code is None

    @property
    def outcome(self) -> str:
        """'' when every run succeeded, else 'timeout (> N s)' or 'failed (exit N)'."""
        bad = next((run for run in self.runs if not run.ok), None)
        if bad is None:
            return ""
        return f"timeout (> {self.timeout:g} s)" if bad.code is None else f"failed (exit {bad.code})"

    @property
    def missed(self) -> bool:
        """A warm cache that missed: the command parsed more than the one file ``add`` writes."""
        return self.state == "warm" and self.written > 1

    def median(self, field: str) -> float:
        return statistics.median(getattr(run, field) for run in self.runs)

    @property
    def size(self) -> int:
        return self.shape.questions if self.sweep == "questions" else self.shape.items

    def summary(self) -> str:
        if not self.ok:
            return self.outcome
        text = f"{self.median('wall'):.2f} s wall, {self.median('cpu'):.2f} s CPU, {self.median('peak'):.0f} MB"
        return text + (f"; the warm parse cache missed ({self.written} entries written)" if self.missed else "")


def in_order(cells: list[Cell]) -> list[Cell]:
    """By sweep, command, parse-cache state and size, so each command's growth reads down the table."""
    sweeps = list(dict.fromkeys(cell.sweep for cell in cells))
    commands = list(dict.fromkeys(cell.command for cell in cells))
    states = list(dict.fromkeys(cell.state for cell in cells))
    return sorted(cells, key=lambda cell: (sweeps.index(cell.sweep), commands.index(cell.command),
                                           states.index(cell.state), cell.size))


def growth(cells: list[Cell]) -> list[str]:
    """Per cell, its wall time over that of the next smaller size in its sweep and state, per tenfold.

    A timeout gives a lower bound ("> x9.00"); a failure on either side, "-".
    """
    found = []
    for cell in cells:
        before = [other for other in cells if (other.command, other.sweep, other.state) ==
                  (cell.command, cell.sweep, cell.state) and other.size < cell.size]
        if not before:
            found.append("")
            continue
        previous = max(before, key=lambda other: other.size)
        if not previous.ok or not (cell.ok or cell.timed_out):
            found.append("-")
            continue
        wall = cell.median("wall") if cell.ok else cell.timeout
        ratio = (wall / previous.median("wall")) ** (1 / math.log10(cell.size / previous.size))
        found.append(f"x{ratio:.2f}" if cell.ok else f"> x{ratio:.2f}")
    return found


HEADER = ("command", "size", "parse cache", "wall s", "CPU s", "peak MB", "growth per 10x")


def rows(cells: list[Cell]) -> list[tuple[str, ...]]:
    cells = in_order(cells)
    table = []
    for cell, ratio in zip(cells, growth(cells)):
        if cell.ok:
            numbers = (f"{cell.median('wall'):.2f}" + ("*" if cell.missed else ""), f"{cell.median('cpu'):.2f}",
                       f"{cell.median('peak'):.0f}")
        else:
            numbers = (cell.outcome, "", "")
        table.append((cell.command, cell.shape.label, cell.state) + numbers + (ratio,))
    return table


def footnote(cells: list[Cell]) -> str:
    if any(cell.missed and cell.ok for cell in cells):
        return "\n* the warm parse cache missed (the reader's code changed during the run?): re-run that cell"
    return ""


def plain_table(cells: list[Cell]) -> str:
    table = [HEADER] + rows(cells)
    widths = [max(len(row[column]) for row in table) for column in range(len(HEADER))]
    lines = []
    for number, row in enumerate(table):
        lines.append("  ".join(value.ljust(width) if column < 3 else value.rjust(width)
                               for column, (value, width) in enumerate(zip(row, widths))).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines) + footnote(cells)


def markdown_table(cells: list[Cell]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---|---|--:|--:|--:|--:|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows(cells)]
    return "\n".join(lines) + footnote(cells)


def show_tail(result: Run) -> None:
    """The last lines of a failed command's output, indented under its line."""
    if not result.ok and result.tail.strip():
        print("      | " + result.tail.replace("\n", "\n      | "), flush=True)


def numbers(text: str) -> list[int]:
    return [int(value.replace("_", "")) for value in text.split(",") if value.strip()]


def words(text: str, allowed, what: str, parser: argparse.ArgumentParser) -> list[str]:
    chosen = [word.strip() for word in text.split(",") if word.strip()]
    unknown = [word for word in chosen if word not in allowed]
    if unknown:
        parser.error(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000",
                        help="questions per workspace, comma-separated (default: 10,100,1000; 10000 is opt-in: "
                             "generating it takes several minutes and report and status take minutes there today)")
    parser.add_argument("--per-question", type=int, default=120, help="evidence items per question in the size sweep")
    parser.add_argument("--items", default="10,100,1000",
                        help="the items sweep: evidence items per question on 100 questions ('' to skip it)")
    parser.add_argument("--items-questions", type=int, default=100, help="questions per workspace in the items sweep")
    parser.add_argument("--commands", default=",".join(COMMANDS),
                        help=f"which commands, comma-separated (default: {','.join(COMMANDS)})")
    parser.add_argument("--parse-cache", default="warm,cold",
                        help="the parse cache's state before each command: warm (filled by an earlier command), "
                             "cold (empty; the command fills it), off (VANE_NO_CACHE=1) (default: warm,cold)")
    parser.add_argument("--repeat", type=int, default=None,
                        help=f"runs per command and size, the median shown (default: 3 up to {SMALL:,} evidence "
                             "items in the workspace, 1 above)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a command is killed and recorded "
                                                                     "as a timeout (default: 300)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "vane-commands-bench",
                        help="folder for the generated workspaces, reused by later runs (default: %(default)s)")
    parser.add_argument("--markdown", action="store_true", help="print the final table as Markdown (for the README)")
    options = parser.parse_args()
    commands = words(options.commands, COMMANDS, "command(s)", parser)
    states = words(options.parse_cache, tuple(STATES), "parse-cache state(s)", parser)
    plan = [("questions", Shape(count, options.per_question)) for count in numbers(options.sizes)]
    plan += [("items", Shape(options.items_questions, count)) for count in numbers(options.items)]
    if not (plan and commands and states):
        parser.error("nothing to run")
    options.cache.mkdir(parents=True, exist_ok=True)

    print(f"vane, whole commands as fresh processes; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the start; workspaces in {options.cache}; a command's peak memory "
          f"is at least the launcher's, {launcher_floor():.0f} MB", flush=True)
    workspaces: dict[Shape, Generated] = {}
    for _, shape in plan:
        if shape in workspaces:
            continue
        start = time.perf_counter()
        workspaces[shape], made = cached(options.cache, shape)
        if made:
            print(f"generated {shape.label} in {time.perf_counter() - start:.0f} s (not timed)", flush=True)

    cells: list[Cell] = []
    with tempfile.TemporaryDirectory(prefix="scratch-", dir=options.cache) as scratch:
        scratch = Path(scratch)
        smallest = min(workspaces, key=lambda shape: shape.questions * shape.items)
        warming = Prepared(workspaces[smallest], scratch, states[0], options.timeout)
        for command in commands:  # untimed: bytecode and matplotlib's font cache, as on a user's machine
            warming.timed(command, options.timeout)
        checked: set[Shape] = set()
        for sweep, shape in plan:
            for state in states:
                prepared = Prepared(workspaces[shape], scratch, state, options.timeout)
                if shape not in checked:  # the untimed check: the workspace is valid
                    checked.add(shape)
                    verdict = prepared.check
                    print(f"{shape.label}: " + ("valid (vane check passes)" if verdict.ok else
                          "vane check timed out: validity unknown" if verdict.code is None else
                          "INVALID: vane check fails"), flush=True)
                    show_tail(verdict)
                repeat = options.repeat or (3 if shape.questions * shape.items <= SMALL else 1)
                for command in commands:
                    runs, written = [], 0
                    for _ in range(repeat):
                        result, entries = prepared.timed(command, options.timeout)
                        runs.append(result)
                        written = max(written, entries)
                        if not result.ok:  # a failure or a timeout: no point in repeating it
                            break
                    cell = Cell(command, sweep, shape, state, tuple(runs), options.timeout, written)
                    cells.append(cell)
                    print(f"  {command:<16} {shape.label:<24} {state:<5} {cell.summary()}  "
                          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
                    show_tail(runs[-1])
    print(f"load average {os.getloadavg()[0]:.1f} at the end; medians of "
          f"{options.repeat or f'3 (up to {SMALL:,} items) or 1'} run(s)\n")
    print(markdown_table(cells) if options.markdown else plain_table(cells))


if __name__ == "__main__":
    main()
