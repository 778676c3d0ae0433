"""The forecast log from the command line: ``snapshot``, ``forecast`` and ``import-forecasts``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.options import (
    DirOption,
    SkipBrokenOption,
    handles_errors,
    load_publishing,
    parse_numbers,
    report_problems,
    say,
    writable_workspace,
)
from cli.render import wrapped
from model.base.errors import VaneError, display_path
from model.base.numbers import percent
from model.engine.parameters import SavedFit, workspace_parameters
from model.fileformat.log_entry import check_probabilities
from model.fileformat.values import is_identifier
from model.record.forecast_log import (
    clamp_extremes,
    logged_entries,
    refuse_unwritable_log,
    stated_forecast,
    write_entries,
)
from model.record.importing import import_forecasts as read_forecasts
from model.record.importing import write_new_questions
from model.record.publishing import engine_forecasts
from model.record.team_pool import read_pooling, team_entries
from model.workspace.folder import log_path
from model.workspace.identity import person
from model.workspace.loader import load_one_question, load_workspace


@handles_errors
def snapshot(skip_broken: SkipBrokenOption = False, directory: DirOption = None) -> None:
    """Record the engine's current forecast for every open question in the forecast log."""
    space = writable_workspace(directory)
    loaded = load_publishing(space, skip_broken)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    entries = engine_forecasts(list(loaded.questions), workspace_parameters(space, grades=loaded.settings.grades), "snapshot", now)
    stated = logged_entries(log_path(space), {q.id for q in loaded.questions if q.resolution is None}, {"stated"})
    team = team_entries(list(loaded.questions), stated, read_pooling(SavedFit.of(space))[0], "snapshot", now)
    added = write_entries(log_path(space), entries + team)
    pooled = f", and the team's pooled forecast on {len(team)} of them" if team else ""
    say(f"recorded {added} new forecast(s) in {display_path(log_path(space))}: the engine's on {len(entries)} open "
        f"question(s){pooled}")


@handles_errors
def forecast(
    question_id: Annotated[str, typer.Argument(metavar="QUESTION", help="Question id.")],
    probabilities: Annotated[list[str], typer.Argument(metavar="SCENARIO=P...", help="Your probability for every scenario, e.g. deal=0.3 stall=0.7.")],
    forecaster: Annotated[Optional[str], typer.Option(help="Whose forecast this is [default: you, as for 'vane add --analyst'].")] = None,
    directory: DirOption = None,
) -> None:
    """Record your own stated forecast for a question, as of now (probabilities cover every scenario and sum to 1)."""
    space = writable_workspace(directory)
    loaded = load_one_question(space, question_id)
    question = loaded.question(question_id)
    who = person(space.root, loaded.settings.analyst) if forecaster is None else forecaster
    given = parse_numbers(probabilities, "probability")
    entry = stated_forecast(question, given, who)
    _, warnings = clamp_extremes(check_probabilities(given, question.scenario_ids, "the forecast"))
    added = write_entries(log_path(space), [entry])
    shown = ", ".join(f"{sid} {percent(p, 1 if min(entry.probabilities.values()) < 0.01 else 0)}"
                      for sid, p in entry.probabilities.items())
    say(f"recorded {entry.forecaster}'s forecast for {question.id}: {shown}" if added else "already recorded")
    for warning in warnings:
        say(wrapped(f"warning: {warning}", indent="  "))


@handles_errors
def import_forecasts(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A Metaculus forecasts export, or a CSV: question, forecaster, time, one column per scenario.")],
    tag: Annotated[Optional[list[str]], typer.Option(metavar="TAG", help="Tag every question file the import creates (repeat); they are also tagged metaculus, their type and their project.")] = None,
    directory: DirOption = None,
) -> None:
    """Import other forecasters' histories into the forecast log; unknown Metaculus questions become question files."""
    for wanted in tag or ():
        if not is_identifier(wanted):
            raise typer.BadParameter(f"tag '{wanted}' is not an id (letters, digits, '-', '_' and '.')",
                                     param_hint="--tag")
    space = writable_workspace(directory)
    loaded = load_workspace(space)
    if loaded.problems:
        report_problems(loaded.problems)
        raise VaneError("not importing into a workspace with problems; fix them first")
    imported = read_forecasts(file, {question.id: question for question in loaded.questions}, tags=tuple(tag or ()))
    refuse_unwritable_log(log_path(space))  # before any question file is created: all or nothing
    created = write_new_questions(space.scenarios, imported)
    added = write_entries(log_path(space), list(imported.forecasts))
    questions = len({entry.question for entry in imported.forecasts})
    say(f"imported {added} forecast(s) for {questions} question(s) from {display_path(file)}"
               + (f" ({len(imported.forecasts) - added} already in the log)" if added < len(imported.forecasts) else ""))
    if created:
        say(f"created {len(created)} question file(s) in {display_path(space.scenarios)}")
