"""``vane add``: tag one evidence item on a question and show what it changed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer

from cli.options import (
    DirOption,
    handles_errors,
    interactive,
    parse_assignments,
    parse_date,
    parse_numbers,
    say,
    shown,
    writable_workspace,
)
from cli.render import table
from model.base.errors import VaneError
from model.base.numbers import percent, points
from model.edits.tag import Tagged, add_evidence, rated
from model.engine.parameters import workspace_parameters
from model.fileformat.question import Question
from model.fileformat.ratings import SCALE_TEXT, rating_units
from model.workspace.identity import person, tidy_name
from model.workspace.loader import load_question, load_settings


@handles_errors
def add(
    question_id: Annotated[str, typer.Argument(metavar="QUESTION", help="Question id (its file name without .yaml).")],
    summary: Annotated[Optional[str], typer.Option("--summary", "-s", help="What the evidence says, in your own words.")] = None,
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="When it happened or was reported [default: today].")] = None,
    source: Annotated[str, typer.Option(help="Outlet or person it came from.")] = "",
    url: Annotated[str, typer.Option(help="Link to the source (http or https).")] = "",
    grade: Annotated[str, typer.Option(help="Admiralty grade: source A-F and credibility 1-6, e.g. B2 [default: F6].")] = "",
    story: Annotated[str, typer.Option(help="Story it belongs to: items of one story count once.")] = "",
    analyst: Annotated[Optional[str], typer.Option(help="Who rated it [default: you: $VANE_ANALYST, analyst in vane.yaml, else git's user.name].")] = None,
    rate: Annotated[Optional[list[str]], typer.Option("--rate", "-r", metavar="SCENARIO=RATING", help="How expected it is under a scenario: ++ + 0 - -- (repeat per scenario).")] = None,
    likelihood: Annotated[Optional[list[str]], typer.Option("--likelihood", "-l", metavar="SCENARIO=P", help="P(evidence | scenario) instead of ratings (every scenario).")] = None,
    directory: DirOption = None,
) -> None:
    """Tag one evidence item; unrated scenarios are asked for in a terminal, else taken as neutral."""
    space = writable_workspace(directory)
    path = space.writable_question_path(question_id)
    ratings = parse_assignments(rate or [], "--rate")
    likelihoods = parse_numbers(likelihood or [], "--likelihood")
    if ratings and likelihoods:
        raise VaneError("give --rate or --likelihood, not both")
    if interactive() and not likelihoods:
        summary, ratings = _ask(path, summary, ratings)
    if summary is None:
        raise VaneError("--summary is required (what the evidence says, in your own words)")
    settings, _ = load_settings(space.config_file)
    new = rated(summary, parse_date(date, "--date") or dt.date.today(), ratings, likelihoods, source=source, url=url,
                grade=grade, story=story, analyst=_analyst(analyst, space, settings))
    tagged = add_evidence(path, new, workspace_parameters(space, grades=settings.grades))
    say(render_added(tagged))


def _analyst(given: Optional[str], space, settings) -> str:
    """``--analyst`` as given, else the person using the workspace; never empty."""
    if given is None:
        return person(space.root, settings.analyst)
    if not tidy_name(given):
        raise VaneError("--analyst needs a name (leave it out to be named as yourself)")
    return tidy_name(given)


def _ask(path, summary: Optional[str], ratings: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Prompt for the summary and any unrated scenario (terminal only)."""
    question, problems = load_question(path)
    if question is None:
        raise VaneError(f"{path} has problems, so it was not changed; fix them first", problems)
    if summary is None:
        summary = typer.prompt("summary")
    return summary, {**ratings, **_ask_ratings(question, ratings)}


def _ask_ratings(question: Question, given: dict[str, str]) -> dict[str, str]:
    answers = {}
    for scenario in question.scenarios:
        if scenario.id in given:
            continue
        while True:
            answer = typer.prompt(shown(f"how expected is this if '{scenario.id}' ({scenario.description})? ++ + 0 - --"), default="0")
            try:
                rating_units(answer)
                answers[scenario.id] = answer.strip()
                break
            except ValueError:
                say(f"  please answer {SCALE_TEXT}")
    return answers


def render_added(tagged: Tagged) -> str:
    """The new item's id, any warnings, and each scenario's probability before and after."""
    question = tagged.question
    lines = [f"added {tagged.item_id} to {question.id} ({question.path})"]
    lines += [f"warning: {warning}" for warning in tagged.warnings]
    rows = [
        [sid, percent(tagged.before.mean[0, k]), percent(tagged.after.mean[0, k]),
         points(tagged.after.mean[0, k] - tagged.before.mean[0, k])]
        for k, sid in enumerate(question.scenario_ids)
    ]
    lines.append(table(["scenario", "before", "after", "change"], rows, right={1, 2, 3}))
    return "\n".join(lines)
