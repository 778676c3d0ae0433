"""``vane score``: the track record of every forecaster on the resolved questions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.options import (
    DirOption,
    JsonOption,
    handles_errors,
    load_reporting,
    print_json,
    say,
    workspace,
)
from cli.render import table
from model.base.errors import display_path
from model.base.numbers import MISSING, number, percent, signed
from model.fileformat.log_entry import PRIOR, UNIFORM
from model.record.scorecard import ScoreReport
from model.record.track_record import score_workspace

SUMMARY_SCORES = {"brier": "Brier", "log": "log", "baseline": "baseline"}  # the means the text summary shows, as headed


@handles_errors
def score(
    questions: Annotated[Optional[list[str]], typer.Argument(help="Question ids [default: every resolved question].")] = None,
    backtest: Annotated[bool, typer.Option(help="Also score the engine's weekly forecasts recomputed from evidence recorded by each week (labelled a backtest).")] = False,
    hindsight: Annotated[bool, typer.Option(help="With --backtest: use evidence dated by each week instead of recorded by it.")] = False,
    json_output: JsonOption = False,
    csv_file: Annotated[Optional[Path], typer.Option("--csv", help="Also write the per-question scores as CSV ('-' for standard output).")] = None,
    plot: Annotated[Optional[Path], typer.Option(help="Where to save the reliability diagram [default: reports/scores/reliability.png].")] = None,
    directory: DirOption = None,
) -> None:
    """Brier, log, Metaculus baseline and peer scores, calibration and Murphy decomposition, against baselines."""
    if json_output and csv_file == Path("-"):
        raise typer.BadParameter("--json and --csv - would both write to standard output; give --csv a file name",
                                 param_hint="--csv")
    space = workspace(directory)
    loaded = load_reporting(space)
    report, log_problems = score_workspace(space, loaded.select(questions), loaded.settings.grades, backtest, hindsight)
    for problem in log_problems:
        say(str(problem), err=True)
    diagram = _diagram(report, plot or space.reports / "scores" / "reliability.png")
    if csv_file:
        _write_csv(report, csv_file)
    if json_output:
        print_json(report.as_dict(diagram))
    elif csv_file != Path("-"):
        say(render(report, diagram))


def _diagram(report: ScoreReport, path: Path) -> Path | None:
    if not report.rows:
        return None
    from model.reports.charts import (
        reliability_diagram,  # matplotlib: only when there is something to draw
    )

    return reliability_diagram(report.calibration, path)


def render(report: ScoreReport, diagram: Path | None) -> str:
    """The track record as text: per question, across questions, calibration, coherence."""
    if not report.rows:
        return "No resolved questions to score yet (vane resolve QUESTION SCENARIO --note ...)."
    parts = []
    for question, outcome in report.outcomes.items():
        rows = [r for r in report.rows if r.question == question]
        ranked = any(math.isfinite(r.averaged["ranked_brier"]) for r in rows)
        headers = ["forecaster", "forecasts", "Brier avg", "Brier final", "log avg", "log final"]
        headers += ["ranked avg", "ranked final"] if ranked else []
        headers += ["baseline avg", "spot baseline", "peer avg", "spot peer"]
        cells = [[r.forecaster, str(r.forecasts), number(r.averaged["brier"]), number(r.final["brier"]),
                  number(r.averaged["log"]), number(r.final["log"])]
                 + ([number(r.averaged["ranked_brier"]), number(r.final["ranked_brier"])] if ranked else [])
                 + [number(r.averaged["baseline"], 1), number(r.spot["baseline"], 1),
                    number(r.averaged["peer"], 1), number(r.spot["peer"], 1)] for r in rows]
        parts.append(f"{question} (resolved: {outcome})\n" + table(headers, cells, right=set(range(1, len(headers)))))
    parts.append("Across questions (time-averaged means, 90% bootstrap interval; Brier against each baseline on the "
                 "forecaster's own questions, below 0 is better)\n" + table(
        ["forecaster", "questions", *SUMMARY_SCORES.values(), "Brier − uniform", "Brier − prior"],
        [[s.forecaster, str(s.questions)] + [_interval(s.means.get(name)) for name in SUMMARY_SCORES]
         + [signed(s.versus.get(name)) for name in (UNIFORM, PRIOR)]
         for s in report.summaries], right={1, 5, 6}))
    parts.append("Murphy decomposition of the final forecasts' Brier score (per scenario probability)\n" + table(
        ["forecaster", "Brier", "reliability", "resolution", "uncertainty"],
        [[name, number(m.brier), number(m.reliability), number(m.resolution), number(m.uncertainty)]
         for name, m in report.murphy.items()], right={1, 2, 3, 4}))
    parts.append(_render_calibration(report))
    if report.coherence:
        parts.append(_render_coherence(report))
    if diagram:
        parts.append(f"reliability diagram: {display_path(diagram)}")
    return "\n\n".join(parts)


def _interval(value) -> str:
    return MISSING if value is None else f"{number(value[0])} ({number(value[1])} to {number(value[2])})"


def _render_calibration(report: ScoreReport) -> str:
    lines = ["Calibration of final forecasts (every scenario's probability; observed frequency / count per 10% bucket)"]
    header = ["forecaster"] + [f"{int(100 * b)}–{int(100 * b + 10)}%" for b in (i / 10 for i in range(10))]
    rows = [[name] + [f"{percent(b.observed, 0)}/{b.count}" if b.count else "·" for b in buckets]
            for name, buckets in report.calibration.items()]
    return "\n".join(lines) + "\n" + table(header, rows, right=set(range(1, 11)))


def _render_coherence(report: ScoreReport) -> str:
    rows = []
    for c in report.coherence:
        better = MISSING if c.stated_log is None else ("stated" if c.stated_log > c.engine_log else "engine" if c.engine_log > c.stated_log else "tie")
        rows.append([c.question, c.forecaster, f"{c.time:%Y-%m-%d}",
                     _probabilities(c.stated), _probabilities(c.engine), f"{100 * c.gap:.0f} pp", better])
    return ("Coherence: stated forecasts beside what the evidence implied then (gap: total variation distance)\n"
            + table(["question", "forecaster", "date", "stated", "evidence implies", "gap", "scored better"], rows))


def _probabilities(probabilities: dict[str, float]) -> str:
    return " ".join(f"{sid} {percent(p, 0)}" for sid, p in probabilities.items())


def _write_csv(report: ScoreReport, path: Path) -> None:
    text = report.as_csv()
    if str(path) == "-":
        typer.echo(text, nl=False)  # every text cell is already made safe (``spreadsheet_safe``)
    else:
        from model.base.safewrite import atomic_write

        atomic_write(path, text)
