"""``vane show``: a question's evidence ledger with each story's contribution, and its weekly trajectory."""

# (no "from __future__ import annotations": typer would eval every option's annotation from text at start-up)


import numpy as np

from cli.options import (
    AnalystOption,
    AsOfOption,
    DirOption,
    FaceValueOption,
    JsonOption,
    QuestionArgument,
    StrictOption,
    handles_errors,
    print_json,
    say,
    viewing,
    warn_before_opened,
)
from cli.render import fit_lines, shorten, table, wrapped
from cli.status import parameters_line, render_status
from model.base.numbers import percent
from model.engine.analysts import (
    Disagreement,
    analyst_view,
    disagreements,
    known_analyst,
)
from model.engine.parameters import Parameters
from model.engine.probabilities import Probabilities
from model.engine.views import StoryLine, ledger, question_status, trajectory
from model.fileformat.question import Question

SPARKS = "▁▂▃▄▅▆▇█"
MAX_MARKS = 60  # the trend line fits a terminal however long the question runs
FOLD_BELOW = 0.0005  # weeks that moved no scenario by 0.05 pp or more are folded


@handles_errors
def show(
    question_id: QuestionArgument,
    as_of: AsOfOption = None,
    analyst: AnalystOption = None,
    strict: StrictOption = False,
    face_value: FaceValueOption = False,
    json_output: JsonOption = False,
    directory: DirOption = None,
) -> None:
    """The evidence ledger in date order with each story's contribution, and the weekly trajectory."""
    loaded, parameters, day = viewing(directory, as_of, face_value, question_id)
    whole = loaded.question(question_id)
    analyst = known_analyst([whole], analyst) if analyst is not None else None  # as written on the evidence
    question = analyst_view(whole, analyst) if analyst is not None else whole
    if as_of is not None:
        warn_before_opened([question], day)
    lines = ledger(question, parameters, day, strict)
    weeks = trajectory(question, parameters, day, strict)
    disputed = disagreements(whole, parameters, day, strict)
    if json_output:
        data = show_data(question, parameters, day, strict, lines, weeks)
        print_json({**data, "analyst": analyst,
                    "disagreements": [entry.as_dict(whole.scenario_ids) for entry in disputed]})
        return
    say(render_status(question_status(question, parameters, day, strict), parameters.theta.draws > 1))
    say(parameters_line(parameters, "  "))
    if analyst is not None:
        say(f"  evidence: {analyst}'s alone (indicators left out)")
    say("")
    say(render_ledger(question, lines))
    withdrawn = [item for item in question.evidence if item.retracted and item.retracted.in_effect(day, strict)]
    if withdrawn:
        say(wrapped("Retracted, so no longer counted: " + "; ".join(
            f"{item.id} ({item.date}, retracted from {item.retracted.date}: {item.retracted.reason})"
            for item in withdrawn), indent="  "))
    if disputed:
        say("")
        say(render_disagreements(whole, disputed))
    say("")
    say(render_trajectory(question, weeks))


SHOWN_DISAGREEMENTS = 5


def render_disagreements(question: Question, disputed: list[Disagreement]) -> str:
    """The stories analysts rated most differently: each analyst's version and what it would make the probabilities."""
    rows = []
    for entry in disputed[:SHOWN_DISAGREEMENTS]:
        for position, (name, items, row) in enumerate(zip(entry.analysts, entry.items, entry.probabilities)):
            cells = [shorten(entry.story, 24) if position == 0 else "", f"{entry.spread * 100:.1f}" if position == 0 else "",
                     shorten(name, 20), " ".join(item.id for item in items)]
            rows.append(cells + [percent(value) for value in row])
    more = len(disputed) - SHOWN_DISAGREEMENTS
    note = f"\n  ({more} more: vane show --json lists them all)" if more > 0 else ""
    return (wrapped("Where analysts disagree: stories rated differently, with the probabilities if each analyst's "
                    "rating counted (spread: the widest gap, in points)") + "\n"
            + table(["story", "spread", "analyst", "items", *question.scenario_ids], rows,
                    right={1, *range(4, 4 + len(question.scenario_ids))}) + note)


def render_ledger(question: Question, lines: list[StoryLine]) -> str:
    """Stories in date order; each scenario cell is 'log-odds / leave-one-out pp'."""
    if not lines:
        return "Evidence: none yet (the probabilities are the prior)."
    headers = ["date", "item", "grade", "weight", "summary", *question.scenario_ids]
    rows = []
    for line in lines:
        for position, (item, weight) in enumerate(zip(line.items, line.weights)):
            summary = " ".join((item.summary if position == 0 else f"↳ same story: {item.summary}").split())
            cells = [str(item.date), item.id, item.grade or "F6", f"{weight:.2f}", summary]
            if position == 0:
                cells += [f"{odds:+.2f} / {moved:+.1f}" for odds, moved in zip(line.log_odds, line.leave_one_out)]
            else:
                cells += [""] * len(question.scenario_ids)
            rows.append(cells)
    title = (
        f"Evidence ledger: {len(lines)} stories, {sum(len(line.items) for line in lines)} items. "
        "Each scenario: log-odds contribution / percentage points it moved (leave-one-out)."
    )
    return wrapped(title) + "\n" + table(headers, rows, right={3, *range(5, len(headers))}, free=4)


def render_trajectory(question: Question, weeks: Probabilities) -> str:
    """Weekly probabilities, unchanged weeks folded, with a sparkline per scenario."""
    kept = _changed_weeks(weeks.mean)
    rows = [
        [f"{weeks.dates[t].isocalendar().year}-W{weeks.dates[t].isocalendar().week:02d}", str(weeks.dates[t])]
        + [percent(value) for value in weeks.mean[t]]
        for t in kept
    ]
    folded = len(weeks.dates) - len(kept)
    note = f" ({folded} unchanged weeks folded)" if folded else ""
    marks = _spark_points(len(weeks.dates))
    per_mark = "one week" if len(marks) == len(weeks.dates) else f"about {len(weeks.dates) / len(marks):.0f} weeks"
    sparks = "\n".join(f"  {sid:<{_width(question)}}  {sparkline(weeks.mean[marks, k])}" for k, sid in enumerate(question.scenario_ids))
    return fit_lines(
        f"Weekly trajectory{note}\n"
        + table(["week", "ends", *question.scenario_ids], rows, right=set(range(2, 2 + len(question.scenario_ids))))
        + f"\n\n  trend, {weeks.dates[0]} to {weeks.dates[-1]} (each mark {per_mark}, scale 0–100%):\n" + sparks
    )


def _spark_points(weeks: int) -> np.ndarray:
    """Which weeks the trend line shows: all of them, or evenly spaced ones (last included) on long questions."""
    if weeks <= MAX_MARKS:
        return np.arange(weeks)
    return np.unique(np.linspace(0, weeks - 1, MAX_MARKS).round().astype(int))


def _changed_weeks(mean: np.ndarray) -> list[int]:
    kept = [0]
    for t in range(1, mean.shape[0]):
        if t == mean.shape[0] - 1 or np.max(np.abs(mean[t] - mean[kept[-1]])) >= FOLD_BELOW:
            kept.append(t)
    return kept


def _width(question: Question) -> int:
    return max(len(sid) for sid in question.scenario_ids)


def sparkline(values) -> str:
    """One character per value on a fixed 0–1 scale."""
    top = len(SPARKS) - 1
    return "".join(SPARKS[min(top, max(0, int(round(value * top))))] for value in values)


def show_data(question: Question, parameters: Parameters, day, strict, lines, weeks: Probabilities) -> dict:
    """Everything ``show`` prints, as plain data."""
    ids = question.scenario_ids
    return {
        "id": question.id, "question": question.title, "as_of": day.isoformat(), "strict": strict,
        "parameters": parameters.source,
        "ledger": [line.as_dict(ids) for line in lines],
        "trajectory": {
            "dates": [d.isoformat() for d in weeks.dates],
            "scenarios": {
                sid: {"mean": weeks.mean[:, k].tolist(), "low": weeks.low[:, k].tolist(), "high": weeks.high[:, k].tolist()}
                for k, sid in enumerate(ids)
            },
        },
    }
