"""``vane edit`` and ``vane retract``: correct a tagged item, or withdraw it from a day on, without hand-editing."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.add import change_table
from cli.options import (
    DirOption,
    QuestionArgument,
    handles_errors,
    parse_assignments,
    parse_date,
    parse_numbers,
    say,
    writable_workspace,
)
from cli.render import wrapped
from model.base.errors import VaneError, display_path
from model.edits.correct import Corrected, edit_evidence, retract_evidence
from model.engine.parameters import workspace_parameters
from model.workspace.loader import load_settings

ItemArgument = Annotated[str, typer.Argument(metavar="ITEM", help="Evidence id, e.g. e4.")]


@handles_errors
def edit(
    question_id: QuestionArgument,
    item_id: ItemArgument,
    summary: Annotated[Optional[str], typer.Option("--summary", "-s", help="What the evidence says.")] = None,
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="When it happened or was reported.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Outlet or person it came from ('' for none).")] = None,
    url: Annotated[Optional[str], typer.Option(help="Link to the source ('' for none).")] = None,
    grade: Annotated[Optional[str], typer.Option(help="Admiralty grade, e.g. B2 ('' for none: F6).")] = None,
    story: Annotated[Optional[str], typer.Option(help="Story it belongs to ('' for its own).")] = None,
    analyst: Annotated[Optional[str], typer.Option(help="Who rated it.")] = None,
    rate: Annotated[Optional[list[str]], typer.Option("--rate", "-r", metavar="SCENARIO=RATING", help="A new rating for a scenario: ++ + 0 - -- (the others stay).")] = None,
    likelihood: Annotated[Optional[list[str]], typer.Option("--likelihood", "-l", metavar="SCENARIO=P", help="New likelihoods P(evidence | scenario), every scenario.")] = None,
    directory: DirOption = None,
) -> None:
    """Correct a tagged evidence item: the same checks as add; comments and layout kept."""
    space = writable_workspace(directory)
    path = space.writable_question_path(question_id)
    given = {"summary": summary, "date": parse_date(date, "--date"), "source": source, "url": url, "grade": grade,
             "story": story, "analyst": analyst}
    fields = {name: value for name, value in given.items() if value is not None}
    ratings = parse_assignments(rate or [], "--rate")
    likelihoods = parse_numbers(likelihood or [], "--likelihood")
    if ratings and likelihoods:
        raise VaneError("give --rate or --likelihood, not both")
    if not (fields or ratings or likelihoods):
        raise VaneError("nothing to change: give the fields to correct, e.g. --grade B2 or --rate deal=+")
    settings, _ = load_settings(space.config_file)
    corrected = edit_evidence(path, item_id, fields, ratings, likelihoods,
                              workspace_parameters(space, grades=settings.grades))
    say(render_corrected(corrected, f"changed {', '.join(corrected.changed)} of"))


@handles_errors
def retract(
    question_id: QuestionArgument,
    item_id: ItemArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (kept in the file).")],
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="From when it no longer counts [default: today].")] = None,
    directory: DirOption = None,
) -> None:
    """Withdraw an evidence item from a day on; views of earlier days still count it."""
    space = writable_workspace(directory)
    path = space.writable_question_path(question_id)
    settings, _ = load_settings(space.config_file)
    corrected = retract_evidence(path, item_id, reason, parse_date(date, "--date"),
                                 workspace_parameters(space, grades=settings.grades))
    item = next(entry for entry in corrected.question.evidence if entry.id == item_id)
    say(render_corrected(corrected, f"retracted from {item.retracted.date}:"))


def render_corrected(corrected: Corrected, done: str) -> str:
    """What was done to which item, any warnings, and each scenario's probability before and after."""
    question = corrected.question
    lines = [wrapped(f"{done} {corrected.item_id} in {question.id} ({display_path(question.path)})", indent="  ")]
    lines += [wrapped(f"warning: {warning}", indent="  ") for warning in corrected.warnings]
    lines.append(change_table(question.scenario_ids, corrected.before, corrected.after))
    return "\n".join(lines)
