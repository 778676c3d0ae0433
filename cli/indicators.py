"""``vane indicator``: signposts to watch, and recording when one is seen."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer

from cli.add import change_table, question_now
from cli.options import (
    DirOption,
    handles_errors,
    parse_date,
    parse_numbers,
    say,
    workspace,
    writable_workspace,
)
from cli.render import table, wrapped
from model.base.clock import Clock
from model.base.numbers import percent
from model.edits.defaults import date_default, grade_default, used_grade
from model.edits.tag import before_and_after
from model.edits.watch import add_indicator, observe_indicator
from model.engine.indicators import INDICATOR_GRADE, to_watch
from model.engine.parameters import workspace_parameters
from model.engine.probabilities import evaluation_date, probabilities_at
from model.workspace.loader import load_one_question, load_settings

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
    grade: Annotated[str, typer.Option(help=f"Admiralty grade of the report [default: the grade last given to this source, else {INDICATOR_GRADE}].")] = "",
    directory: DirOption = None,
) -> None:
    """Record that an indicator was seen: it becomes evidence with its probabilities as likelihoods."""
    space = writable_workspace(directory)
    path = space.writable_question_path(question_id)
    settings, _ = load_settings(space.config_file)
    notes = {}
    when = parse_date(date, "--date")
    if when is None:
        default = date_default(dt.date.today())
        when, notes["date"] = dt.date.fromisoformat(default.value), default.note
    if not grade:
        question = question_now(path, space)
        default = grade_default(source, used_grade(source, question, space), INDICATOR_GRADE, settings.grades,
                                PLAIN_FACT)
        grade, notes["grade"] = default.value, default.note
    edit = observe_indicator(path, indicator_id, when, summary, source, url, grade)
    _, before, after = before_and_after(edit, workspace_parameters(space, grades=settings.grades), Clock.system())
    lines = [f"recorded {indicator_id} as seen on {when}: evidence {edit.result} in {edit.after.id}"]
    lines += [wrapped(f"  {name}: {value} ({notes[name]})", indent="    ")
              for name, value in (("date", when), ("grade", grade)) if name in notes]
    say("\n".join([*lines, change_table(edit.after.scenario_ids, before, after)]))


PLAIN_FACT = "no grade was given, nor ever to this source: whether a signpost was seen is taken as a plain fact"


@app.command("list")
@handles_errors
def list_indicators(question_id: QuestionArgument, directory: DirOption = None) -> None:
    """Open indicators ranked by how much seeing them (or not) would tell, and the rest with their status."""
    space = workspace(directory)
    loaded = load_one_question(space, question_id)
    question = loaded.question(question_id)
    today = dt.date.today()
    parameters = workspace_parameters(space, grades=loaded.settings.grades)
    belief = probabilities_at(question, parameters, [evaluation_date(question, today)]).mean[0]
    rows = [[w.indicator.id, str(w.indicator.due), f"{w.information_bits:.3f}", percent(w.chance_observed, 0),
             " ".join(w.indicator.description.split())] for w in to_watch(question, belief, today)]
    say(table(["id", "due", "bits", "P(seen)", "watch for"], rows, right={2, 3}, free=4) if rows else "no open indicators")
    for indicator in question.indicators:
        if indicator.observed:
            say(f"  {indicator.id}: seen on {indicator.observed}" + (f" (evidence {indicator.evidence})" if indicator.evidence else ""))
        elif indicator.due < today:
            say(f"  {indicator.id}: OVERDUE since {indicator.due}: not seen, which now counts as evidence")
