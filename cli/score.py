"""``vane score``: the track record of every forecaster on the resolved questions."""

from __future__ import annotations

import csv
import io
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
from model.base.numbers import number, signed
from model.base.textsafe import visible
from model.engine.parameters import workspace_parameters
from model.fileformat.log_entry import PRIOR, UNIFORM, read_log
from model.record.publishing import backtest_forecasts
from model.record.scorecard import SCORE_NAMES, ScoreReport, score_questions
from model.workspace.folder import log_path

RISKY = ("=", "+", "-", "@", "\t", "\r")


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
    chosen = loaded.select(questions)
    entries, log_problems = read_log(log_path(space))
    for problem in log_problems:
        say(str(problem), err=True)
    parameters = workspace_parameters(space)
    grades = loaded.settings.grades
    backtests = [entry for question in chosen if backtest and question.resolution and not question.resolution.annulled
                 for entry in backtest_forecasts(question, parameters, hindsight, grades)]
    report = score_questions(chosen, entries, backtests, parameters, grades)
    diagram = _diagram(report, plot or space.reports / "scores" / "reliability.png")
    if csv_file:
        _write_csv(report, csv_file)
    if json_output:
        print_json(score_data(report, diagram))
    elif csv_file != Path("-"):
        say(render(report, diagram))


def _diagram(report: ScoreReport, path: Path) -> Path | None:
    if not report.rows:
        return None
    from model.reports.charts import (
        reliability_diagram,  # matplotlib: only when there is something to draw
    )

    return reliability_diagram(report.calibration, path)


def score_data(report: ScoreReport, diagram: Path | None) -> dict:
    """The report as plain data (documented in the README)."""
    by_question: dict[str, list] = {}
    for row in report.rows:
        by_question.setdefault(row.question, []).append(row.as_dict())
    return {
        "questions": [{"id": qid, "outcome": report.outcomes[qid], "forecasters": rows} for qid, rows in by_question.items()],
        "summary": [
            {"forecaster": s.forecaster, "questions": s.questions,
             "time_averaged": {name: {"mean": m, "low": lo, "high": hi} for name, (m, lo, hi) in s.means.items()},
             "brier_versus_baselines": s.versus}
            for s in report.summaries
        ],
        "calibration": {name: [b.__dict__ for b in buckets] for name, buckets in report.calibration.items()},
        "murphy": {name: m.__dict__ for name, m in report.murphy.items()},
        "coherence": [
            {"question": c.question, "forecaster": c.forecaster, "time": c.time.isoformat(), "stated": c.stated,
             "engine": c.engine, "gap": c.gap, "stated_log": c.stated_log, "engine_log": c.engine_log}
            for c in report.coherence
        ],
        "reliability_diagram": str(diagram) if diagram else None,
        "skipped_forecasts": list(report.skipped),
    }




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
        ["forecaster", "questions", "Brier", "log", "baseline", "Brier − uniform", "Brier − prior"],
        [[s.forecaster, str(s.questions)] + [_interval(s.means.get(name)) for name in ("brier", "log", "baseline")]
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
    return "–" if value is None else f"{number(value[0])} ({number(value[1])} to {number(value[2])})"


def _render_calibration(report: ScoreReport) -> str:
    lines = ["Calibration of final forecasts (every scenario's probability; observed frequency / count per 10% bucket)"]
    header = ["forecaster"] + [f"{int(100 * b)}–{int(100 * b + 10)}%" for b in (i / 10 for i in range(10))]
    rows = [[name] + [f"{100 * b.observed:.0f}%/{b.count}" if b.count else "·" for b in buckets]
            for name, buckets in report.calibration.items()]
    return "\n".join(lines) + "\n" + table(header, rows, right=set(range(1, 11)))


def _render_coherence(report: ScoreReport) -> str:
    rows = []
    for c in report.coherence:
        better = "–" if c.stated_log is None else ("stated" if c.stated_log > c.engine_log else "engine" if c.engine_log > c.stated_log else "tie")
        rows.append([c.question, c.forecaster, f"{c.time:%Y-%m-%d}",
                     " ".join(f"{k} {100 * v:.0f}%" for k, v in c.stated.items()),
                     " ".join(f"{k} {100 * v:.0f}%" for k, v in c.engine.items()), f"{100 * c.gap:.0f} pp", better])
    return ("Coherence: stated forecasts beside what the evidence implied then (gap: total variation distance)\n"
            + table(["question", "forecaster", "date", "stated", "evidence implies", "gap", "scored better"], rows))


def _write_csv(report: ScoreReport, path: Path) -> None:
    header = ["question", "forecaster", "kind", "forecasts"]
    header += [f"{name}_{when}" for name in SCORE_NAMES for when in ("time_averaged", "final")] + ["spot_baseline", "spot_peer"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in report.rows:
        values = [row.averaged[name] if when == "time_averaged" else row.final[name]
                  for name in SCORE_NAMES for when in ("time_averaged", "final")]
        writer.writerow([_safe(row.question), _safe(row.forecaster), _safe(row.kind), row.forecasts]
                        + ["" if not math.isfinite(v) else repr(v) for v in values + [row.spot["baseline"], row.spot["peer"]]])
    if str(path) == "-":
        typer.echo(buffer.getvalue(), nl=False)  # every text cell is already made safe (``_safe``)
    else:
        from model.base.safewrite import atomic_write

        atomic_write(path, buffer.getvalue())


def _safe(text: str) -> str:
    """A text cell shown as written but inert: control and bidi characters made visible, and a
    leading quote on cells that a spreadsheet would run as a formula."""
    text = visible(text)
    return "'" + text if text.startswith(RISKY) else text
