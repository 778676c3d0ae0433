"""``vane resolve``: record what happened to a question."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer

from cli.options import (
    DirOption,
    QuestionArgument,
    handles_errors,
    parse_date,
    say,
    with_dir,
    writable_workspace,
)
from model.edits.resolve import resolve as record_resolution


@handles_errors
def resolve(
    question_id: QuestionArgument,
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="The scenario that happened, or 'annulled'.")],
    note: Annotated[str, typer.Option(help="What happened, with sources.")],
    date: Annotated[Optional[str], typer.Option(metavar="YYYY-MM-DD", help="When it was resolved [default: today].")] = None,
    url: Annotated[str, typer.Option(help="Link to the deciding source.")] = "",
    force: Annotated[bool, typer.Option(help="Replace an earlier resolution (kept in the file's history).")] = False,
    directory: DirOption = None,
) -> None:
    """Resolve a question to the scenario that happened (or annul it); the file keeps any earlier resolution."""
    path = writable_workspace(directory).writable_question_path(question_id)
    edit = record_resolution(path, scenario, parse_date(date, "--date") or dt.date.today(), note, url, force)
    resolution = edit.after.resolution
    say(f"resolved {edit.after.id} as {resolution.outcome} on {resolution.date}")
    if edit.result:
        say(f"(replaced {edit.result.outcome} on {edit.result.date}, kept in the resolution's history)")
    say("see how the forecasts scored: " + with_dir(f"vane score {edit.after.id}", directory))
