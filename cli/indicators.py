"""``vane indicator``: signposts to watch, and recording when one is seen."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer

from cli.options import (
    DirOption,
    handles_errors,
    parse_date,
    parse_numbers,
    say,
    workspace,
    writable_workspace,
)
from cli.render import shorten, table
from model.base.numbers import percent
from model.edits.watch import add_indicator, observe_indicator
from model.engine.indicators import to_watch
from model.engine.parameters import workspace_parameters
from model.engine.probabilities import evaluation_date, probabilities_at
from model.workspace.loader import load_workspace

app = typer.Typer(help="Signposts: add them, record when one is seen, list what is worth watching.", no_args_is_help=True,
                  rich_markup_mode=None)
QuestionArgument = Annotated[str, typer.Argument(metavar="QUESTION", help="Question id.")]


@app.command("add")
@handles_errors
def add(
    question_id: QuestionArgument,
    description: Annotated[str, typer.Option(help="What to watch for.")],
    due: Annotated[str, typer.Option(metavar="YYYY-MM-DD", help="By when it would be seen.")],
    prob: Annotated[list[str], typer.Option(metavar="SCENARIO=Q", help="Chance it is seen by then if that scenario is the true path (every scenario).")],
    directory: DirOption = None,
) -> None:
    """Add an indicator with, for every scenario, the chance it is seen by its due date."""
    path = writable_workspace(directory).writable_question_path(question_id)
    edit = add_indicator(path, description, parse_date(due, "--due"), parse_numbers(prob, "--prob"))
    indicator_id, warnings = edit.result
    say(f"added indicator {indicator_id} to {edit.after.id}")
    for warning in warnings:
        say(f"warning: {warning}")


@app.command("observe")
@handles_errors
def observe(
    question_id: QuestionArgument,
    indicator_id: Annotated[str, typer.Argument(metavar="INDICATOR", help="Indicator id, e.g. i2.")],
    date: Annotated[Optional[str], typer.Option(metavar="YYYY-MM-DD", help="When it was seen [default: today].")] = None,
    summary: Annotated[str, typer.Option(help="What was seen [default: the indicator's description].")] = "",
    source: Annotated[str, typer.Option(help="Where it was reported.")] = "",
    url: Annotated[str, typer.Option(help="Link to the report.")] = "",
    grade: Annotated[str, typer.Option(help="Admiralty grade of the report.")] = "A1",
    directory: DirOption = None,
) -> None:
    """Record that an indicator was seen: it becomes evidence with its probabilities as likelihoods."""
    path = writable_workspace(directory).writable_question_path(question_id)
    when = parse_date(date, "--date") or dt.date.today()
    edit = observe_indicator(path, indicator_id, when, summary, source, url, grade)
    say(f"recorded {indicator_id} as seen on {when}: evidence {edit.result} in {edit.after.id}")


@app.command("list")
@handles_errors
def list_indicators(question_id: QuestionArgument, directory: DirOption = None) -> None:
    """Open indicators ranked by how much seeing them (or not) would tell, and the rest with their status."""
    space = workspace(directory)
    loaded = load_workspace(space)
    question = loaded.question(question_id)
    today = dt.date.today()
    parameters = workspace_parameters(space, grades=loaded.settings.grades)
    belief = probabilities_at(question, parameters, [evaluation_date(question, today)]).mean[0]
    rows = [[w.indicator.id, str(w.indicator.due), f"{w.information_bits:.3f}", percent(w.chance_observed, 0),
             shorten(w.indicator.description, 50)] for w in to_watch(question, belief, today)]
    say(table(["id", "due", "bits", "P(seen)", "watch for"], rows, right={2, 3}) if rows else "no open indicators")
    for indicator in question.indicators:
        if indicator.observed:
            say(f"  {indicator.id}: seen on {indicator.observed}" + (f" (evidence {indicator.evidence})" if indicator.evidence else ""))
        elif indicator.due < today:
            say(f"  {indicator.id}: OVERDUE since {indicator.due}: not seen, which now counts as evidence")
