"""``vane add``: tag one evidence item on a question and show what it changed."""

# (no "from __future__ import annotations": typer would eval every option's annotation from text at start-up)

import datetime as dt
import functools
from typing import Annotated, Optional

import typer
from msgspec import Struct, field

from cli.options import (
    DirOption,
    QuestionArgument,
    handles_errors,
    interactive,
    parse_assignments,
    parse_date,
    parse_numbers,
    say,
    shown,
    writable_workspace,
)
from cli.render import table, wrapped
from model.base.dates import parse_day
from model.base.errors import VaneError, display_path
from model.base.numbers import percent, points
from model.edits.defaults import (
    UNKNOWN_SOURCE,
    Filled,
    date_default,
    grade_default,
    used_grade,
)
from model.edits.tag import Tagged, add_evidence, rated
from model.engine.parameters import workspace_parameters
from model.fileformat.grades import DEFAULT_GRADE, parse_grade
from model.fileformat.question import Question
from model.fileformat.ratings import SCALE_TEXT, rating_units
from model.workspace.cache import ParseCache
from model.workspace.identity import person, tidy_name
from model.workspace.loader import load_question, load_settings


@handles_errors
def add(
    question_id: QuestionArgument,
    summary: Annotated[Optional[str], typer.Option("--summary", "-s", help="What the evidence says, in your own words.")] = None,
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="When it happened or was reported [default: today].")] = None,
    source: Annotated[Optional[str], typer.Option(help="Outlet or person it came from.")] = None,
    url: Annotated[Optional[str], typer.Option(help="Link to the source (http or https).")] = None,
    grade: Annotated[Optional[str], typer.Option(help="Admiralty grade: source A-F and credibility 1-6, e.g. B2 [default: the grade last given to this source, else F6].")] = None,
    story: Annotated[Optional[str], typer.Option(help="Story it belongs to: items of one story count once.")] = None,
    analyst: Annotated[Optional[str], typer.Option(help="Who rated it [default: you: $VANE_ANALYST, analyst in vane.yaml, else git's user.name].")] = None,
    rate: Annotated[Optional[list[str]], typer.Option("--rate", "-r", metavar="SCENARIO=RATING", help="How expected it is under a scenario: ++ + 0 - -- (repeat per scenario).")] = None,
    likelihood: Annotated[Optional[list[str]], typer.Option("--likelihood", "-l", metavar="SCENARIO=P", help="P(evidence | scenario) instead of ratings (every scenario; 0.3, 30% or odds 1:4).")] = None,
    directory: DirOption = None,
) -> None:
    """Tag one evidence item; in a terminal, what is not given is asked for, else taken as the default."""
    space = writable_workspace(directory)
    path = space.writable_question_path(question_id)
    ratings = parse_assignments(rate or [], "--rate")
    likelihoods = parse_numbers(likelihood or [], "--likelihood")
    if ratings and likelihoods:
        raise VaneError("give --rate or --likelihood, not both")
    settings, _ = load_settings(space.config_file)
    question = functools.cache(lambda: question_now(path, space))  # read only when a prompt or a default needs it
    grade_for = lambda source: _grade_default(space, question(), source, settings.grades)  # noqa: E731
    given = Given(summary, parse_date(date, "--date"), source, url, grade, story)
    if interactive():
        given = _ask_fields(given, grade_for)
        if not likelihoods:
            ratings = {**ratings, **_ask_ratings(question(), ratings)}
    if given.summary is None:
        raise VaneError("--summary is required (what the evidence says, in your own words)")
    day, grade, notes = _filled(given, grade_for)
    new = rated(given.summary, day, ratings, likelihoods, source=given.source or "", url=given.url or "",
                grade=grade, story=given.story or "", analyst=_analyst(analyst, space, settings))
    tagged = add_evidence(path, new, workspace_parameters(space, grades=settings.grades))
    say(render_added(tagged, notes))


class Given(Struct, frozen=True):
    """The fields of a new item as the analyst gave them (None: not given)."""

    summary: Optional[str]
    date: Optional[dt.date]
    source: Optional[str]
    url: Optional[str]
    grade: Optional[str]
    story: Optional[str]
    notes: dict[str, str] = field(default_factory=dict)  # field -> why it has its default value (prompts accepted)


def _filled(given: Given, grade_for) -> tuple[dt.date, str, dict[str, Filled]]:
    """The item's date and grade, defaults filled in, and each value that is a default with why."""
    notes = {name: Filled(str(getattr(given, name)), note) for name, note in given.notes.items()}
    day, grade = given.date, given.grade
    if day is None:
        notes["date"] = date_default(dt.date.today())
        day = parse_day(notes["date"].value)
    if not grade:
        notes["grade"] = grade_for(given.source or "")
        grade = notes["grade"].value
    return day, grade, notes


def question_now(path, space):
    """The question as it is now (for prompts and the grade rule); refused when the file has problems."""
    question, problems = load_question(path, cache=ParseCache.of(space.root))
    if question is None:
        raise VaneError(f"{display_path(path)} has problems, so it was not changed; fix them first", problems)
    return question


def _grade_default(space, question: Question, source: str, grades) -> Filled:
    """The grade an item from ``source`` gets when none is given (``model.edits.defaults``), and why."""
    return grade_default(source, used_grade(source, question, space), DEFAULT_GRADE, grades, UNKNOWN_SOURCE)


def _analyst(given: Optional[str], space, settings) -> str:
    """``--analyst`` as given, else the person using the workspace; never empty."""
    if given is None:
        return person(space.root, settings.analyst)
    if not tidy_name(given):
        raise VaneError("--analyst needs a name (leave it out to be named as yourself)")
    return tidy_name(given)


def _ask_fields(given: Given, grade_for) -> Given:
    """Prompt for every field not given, each default shown (terminal only), like ``hledger add``.

    A default accepted is noted, so it is said after the item is added as in a script.
    """
    notes = {}

    def defaulted(name: str, prompt: str, default: Filled, check) -> str:
        answer = _ask(prompt, default.value, check)
        if answer == default.value:
            notes[name] = default.note
        return answer

    summary = given.summary if given.summary is not None else _ask("summary", check=_not_empty)
    day = given.date or parse_day(defaulted("date", "date (YYYY-MM-DD)", date_default(dt.date.today()), _date_problem))
    source = given.source if given.source is not None else _ask("source (outlet or person)", "")
    grade = given.grade or defaulted("grade", "grade (source A-F, credibility 1-6)", grade_for(source), _grade_problem)
    url = given.url if given.url is not None else _ask("url", "")
    story = given.story if given.story is not None else _ask("story (an earlier item's story, to count once)", "")
    return Given(summary, day, source, url, grade, story, notes)


def _ask(prompt: str, default: Optional[str] = None, check=lambda answer: "") -> str:
    """One answer, asked again until ``check`` finds no problem in it."""
    while True:
        answer = typer.prompt(prompt, default=default, show_default=bool(default)).strip()
        problem = check(answer)
        if not problem:
            return answer
        say(f"  {problem}")


def _date_problem(answer: str) -> str:
    try:
        parse_day(answer)
    except ValueError as error:
        return f"'{answer}' {error}"
    return ""


def _grade_problem(answer: str) -> str:
    try:
        parse_grade(answer)
    except ValueError as error:
        return str(error)
    return ""


def _not_empty(answer: str) -> str:
    return "" if answer else "please say what the evidence says"


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


def render_added(tagged: Tagged, filled: dict[str, Filled] | None = None) -> str:
    """The new item's id, each value filled in by default and why, any warnings, and the probabilities' change."""
    question = tagged.question
    lines = [f"added {tagged.item_id} to {question.id} ({display_path(question.path)})"]
    lines += [wrapped(f"  {name}: {value.value} ({value.note})", indent="    ")
              for name, value in (filled or {}).items() if value.note]
    lines += [wrapped(f"warning: {warning}", indent="  ") for warning in tagged.warnings]
    lines.append(change_table(question.scenario_ids, tagged.before, tagged.after))
    return "\n".join(lines)


def change_table(scenario_ids, before, after) -> str:
    """Each scenario's probability before and after a change (first date of each ``Probabilities``), and the change."""
    rows = [[sid, percent(before.mean[0, k]), percent(after.mean[0, k]), points(after.mean[0, k] - before.mean[0, k])]
            for k, sid in enumerate(scenario_ids)]
    return table(["scenario", "before", "after", "change"], rows, right={1, 2, 3})
