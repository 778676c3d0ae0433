"""Report benchmark (run: python benchmarks/report.py [--sizes 10,100,1000] [--repeats 2] [--profile 100]).

1. ``vane report --dir W`` as a fresh process (no MCMC: it uses saved
   parameter draws when present, else prior draws) on the bundled examples
   (goal: under 10 s) and on generated workspaces of 10, 100 and 1,000 open
   questions with about 120 evidence items each (goal: 1,000 questions under
   30 s, memory flat in the number of questions): wall time, CPU time (user +
   system of the process and of the worker processes that draw its charts)
   and peak resident memory (``os.wait4``: the largest of those processes).
   "first" is the week's first report (every chart drawn; by worker processes
   when there are many and a core is free), "one process" the same with every
   chart drawn by vane itself, "workers" the same with worker processes
   however busy the machine is (does drawing in parallel pay?), "again" the
   same week's report run once more (no chart changed, none drawn). The best
   of ``--repeats`` of each.
2. What one chart costs, drawn in this process from a real report's data:
   the first (matplotlib imported, the figure made), each further one, one
   whose file already shows the same data, and one on a figure of its own.
3. Where the time goes: ``vane report`` under cProfile on one of the sizes
   (charts drawn in the same process), by stage (loading, forecasting,
   drawing, the text, the forecast log) and the functions that take the
   most time of their own.

``--keep FOLDER`` keeps the generated workspaces (generating 1,000 questions
takes about a minute) and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from msgspec import structs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.calibration.synthetic import World, synthetic_questions, write_questions  # noqa: E402

VANE = [sys.executable, "-c", "from cli.app import main; main()"]


ONE_PROCESS = [sys.executable, "-c",  # vane report drawing every chart itself, without worker processes
               "import model.reports.trajectories as c; c.WORKERS = 0; from cli.app import main; main()"]


WITH_WORKERS = [sys.executable, "-c",  # vane report with worker processes however busy the machine is
                "import model.reports.trajectories as c; c.SPARE_CORES = -1e9; from cli.app import main; main()"]


@dataclasses.dataclass(frozen=True)
class Run:
    """One ``vane report`` process: wall and CPU seconds, peak resident memory in MB."""

    wall: float
    cpu: float
    peak_mb: float


def run_report(space: Path, vane: list[str] = VANE) -> Run:
    """Run ``vane report --dir space`` as a process and measure it with ``os.wait4``."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    process = subprocess.Popen([*vane, "report", "--dir", str(space)], cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode:
        raise SystemExit(f"vane report failed on {space} (exit {process.returncode}):\n{errors}")
    # wait4 sums the process and the children it waited for; ru_maxrss is the largest of them, in kB on Linux
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def clear_reports(space: Path) -> None:
    """Remove every report and the forecast log: the next report is the workspace's first."""
    shutil.rmtree(space / "reports")
    (space / "reports").mkdir()


def bundled_copy(folder: Path) -> Path:
    for name in ("scenarios", "seeds"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "reports").mkdir()
    return folder


def open_synthetic(folder: Path, count: int, items: int = 120, seed: int = 5) -> Path:
    """A workspace of ``count`` open questions with about ``items`` evidence items each, running up to today.

    Each synthetic question (``model.calibration.synthetic``) is moved in time so that its evidence
    ends today: opened 300 to 390 days ago (a chart of about 50 weeks), closing in 120 days, no
    resolution; the latest items are dated (and recorded) this week, as in a workspace kept up to date.
    """
    today = dt.date.today()
    world = World(items=float(items), start=today - dt.timedelta(days=400), life_days=(300, 390))
    questions = []
    for question in synthetic_questions(count, world, seed=seed):
        shift = today - question.closes  # move the question so its evidence ends by today
        questions.append(dataclasses.replace(
            question, resolution=None, opened=question.opened + shift, closes=today + dt.timedelta(days=120),
            evidence=tuple(structs.replace(item, date=item.date + shift, recorded=dt.datetime.combine(
                item.date + shift, dt.time(), dt.timezone.utc)) for item in question.evidence),
        ))
    write_questions(questions, folder / "scenarios")
    (folder / "reports").mkdir(exist_ok=True)
    return folder


def timings(space: Path, repeats: int) -> list[Run]:
    """The best (by wall time) of ``repeats`` runs of each: the week's first report as vane decides to
    draw it, the same drawn in the one process, the same drawn by worker processes, and the same
    week's report run again (no chart changed).
    """
    runs: list[list[Run]] = [[], [], [], []]
    for _ in range(repeats):  # interleaved, so that the other work on the machine weighs on each alike
        for number, vane in enumerate((VANE, ONE_PROCESS, WITH_WORKERS)):
            clear_reports(space)
            runs[number].append(run_report(space, vane))
        runs[3].append(run_report(space))
    return [min(each, key=lambda run: run.wall) for each in runs]


def chart_cost(space: Path, sample: int = 60) -> dict[str, tuple[float, float]]:
    """Milliseconds (wall, CPU) per trajectory chart on the first ``sample`` questions' data, in this process.

    "first": the first chart of a report (importing matplotlib, making the figure); "drawn": each
    further chart, drawn and written; "unchanged": a chart whose file already shows the same data;
    "own figure": a chart drawn on a figure of its own (``trajectory_chart``).
    """
    from model.engine.parameters import workspace_parameters
    from model.reports import trajectories
    from model.reports.render import trajectory_of
    from model.reports.weekly import Week, build_report
    from model.workspace.folder import Workspace
    from model.workspace.loader import load_workspace

    workspace = Workspace(space)
    loaded = load_workspace(workspace)
    questions = sorted(loaded.questions, key=lambda question: question.id)[:sample]
    parameters = workspace_parameters(workspace, grades=loaded.settings.grades)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    report = build_report(questions, parameters, Week.of(now.date()), [], now)
    jobs = [trajectory_of(entry) for entry in report.questions]
    results = {}

    def measure(label: str, count: int, work) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        results[label] = (1000 * (time.perf_counter() - wall) / count, 1000 * (time.process_time() - cpu) / count)

    with tempfile.TemporaryDirectory(prefix="vane-charts-") as folder:
        paths = [Path(folder) / f"{number}.png" for number in range(len(jobs))]

        def draw_all(todo) -> None:
            with trajectories.TrajectoryCharts() as drawer:
                for job, path in zip(todo, paths):
                    drawer.draw(job, path)

        def own_figures() -> None:
            for job, path in zip(jobs[:20], paths):
                trajectories.trajectory_chart(job.scenario_ids, job.dates, job.mean, job.low, job.high,
                                        job.evidence_dates, job.closes, path)

        measure("first", 1, lambda: draw_all(jobs[:1]))
        paths[0].unlink()
        measure("drawn", len(jobs), lambda: draw_all(jobs))
        measure("unchanged", len(jobs), lambda: draw_all(jobs))
        for path in paths:
            path.unlink()
        measure("own figure", min(20, len(jobs)), own_figures)
    return results


STAGES = (  # (label, module file ending, function): cumulative time in the profile
    ("loading the workspace", "cli/options.py", "load_publishing"),
    ("forecasting (build_report)", "reports/weekly.py", "build_report"),
    ("  probabilities_at", "engine/probabilities.py", "probabilities_at"),
    ("  story_moves (the movers)", "reports/effects.py", "story_moves"),
    ("  the track record", "record/scorecard.py", "score_questions"),
    ("writing the report (write_report)", "reports/render.py", "write_report"),
    ("  drawing the charts", "reports/trajectories.py", "render"),
    ("  checking charts for changes", "reports/charts.py", "chart_key"),
    ("  Markdown", "reports/render.py", "render_markdown"),
    ("  HTML", "reports/render.py", "html_pieces"),
    ("publishing to the forecast log", "record/forecast_log.py", "write_entries"),
    ("importing matplotlib", "matplotlib/__init__.py", "<module>"),
)


def profile(space: Path, top: int = 15) -> None:
    """Run ``vane report`` on ``space`` under cProfile in this process and print where the time went.

    Charts are drawn in this process (no worker processes), so that their cost shows.
    """
    from cli.app import main
    from model.reports import trajectories

    trajectories.WORKERS = 0
    clear_reports(space)
    arguments = sys.argv
    sys.argv = ["vane", "report", "--dir", str(space)]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    try:
        profiler.runcall(main)
    except SystemExit as done:
        if done.code:
            raise
    finally:
        sys.argv = arguments
    total = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    print(f"where the time goes (cProfile, {total:.1f} s with profiling overhead):")
    for label, module, function in STAGES:
        found = [values for (file, _, name), values in stats.stats.items()
                 if name == function and file.replace(os.sep, "/").endswith(module)]
        if found:
            cumulative = max(values[3] for values in found)
            print(f"  {label:<36} {cumulative:6.2f} s  {100 * cumulative / total:4.0f}%")
    print(f"  the {top} functions with the most time of their own:")
    rows = sorted(stats.stats.items(), key=lambda pair: -pair[1][2])[:top]
    for (file, line, name), (_, calls, own, cumulative, _) in rows:
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if line else file
        print(f"    {own:6.2f} s own {cumulative:6.2f} s cum {calls:>9} calls  {name} ({where})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="numbers of open questions, comma-separated")
    parser.add_argument("--items", type=int, default=120, help="evidence items per question (on average)")
    parser.add_argument("--repeats", type=int, default=2, help="processes per measurement (the best is shown)")
    parser.add_argument("--profile", type=int, default=100, help="the size to profile (0: none)")
    parser.add_argument("--keep", type=Path, help="keep the generated workspaces in this folder (reused if there)")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",") if size]
    with tempfile.TemporaryDirectory(prefix="vane-report-bench-") as scratch:
        base = options.keep or Path(scratch)
        base.mkdir(parents=True, exist_ok=True)
        spaces = {}
        for size in sorted(set(sizes) | ({options.profile} - {0})):
            space = base / f"open-{size}x{options.items}"
            if not (space / "scenarios").is_dir():
                start = time.perf_counter()
                open_synthetic(space, size, options.items)
                seconds = time.perf_counter() - start
                print(f"generated {size} open questions x ~{options.items} items in {seconds:.1f} s", flush=True)
            spaces[size] = space
        if not (base / "bundled").exists():
            bundled_copy(base / "bundled")
        run_report(base / "bundled")  # the first run writes bytecode and font caches
        print(f"vane report as a process, best of {options.repeats} (wall, CPU of the process and its workers, "
              "peak memory of the largest of them):\n"
              "  first: the week's first report (vane draws in worker processes when there are many charts and\n"
              "  a core is free); one process: the same, every chart drawn by vane itself; workers: the same,\n"
              "  charts drawn by worker processes however busy the machine is; again: the same week's report\n"
              "  once more (no chart changed, none drawn)", flush=True)
        titles = ("first", "one process", "workers", "again")
        print(f"  {'workspace':<28}" + "".join(f"{title:>26}" for title in titles))
        rows = [("bundled examples", base / "bundled")]
        rows += [(f"{size} questions x ~{options.items} items", spaces[size]) for size in sizes]
        for label, space in rows:
            runs = timings(space, options.repeats)
            cells = (f"{run.wall:8.2f} s {run.cpu:6.1f} s {run.peak_mb:4.0f} MB" for run in runs)
            print(f"  {label:<28}" + "".join(cells), flush=True)
        print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("  goals: bundled under 10 s; 1,000 questions under 30 s; peak memory flat in the number of questions")
        cost = chart_cost(spaces[max(sizes)])
        print("one trajectory chart, in this process (wall / CPU): "
              + ", ".join(f"{label} {wall:.1f} / {cpu:.1f} ms" for label, (wall, cpu) in cost.items()))
        if options.profile:
            profile(spaces[options.profile])


if __name__ == "__main__":
    main()
