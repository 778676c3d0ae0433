"""``vane status``: every question's scenario probabilities now and over the last week."""

# (no "from __future__ import annotations": typer would eval every option's annotation from text at start-up)

from typing import Annotated, Optional

import typer

from cli.options import (
    EXIT_PROBLEMS,
    AnalystOption,
    AsOfOption,
    DirOption,
    FaceValueOption,
    JsonOption,
    StrictOption,
    handles_errors,
    print_json,
    report_problems,
    say,
    viewing,
    warn_before_opened,
    workspace,
)
from cli.render import joined, plural, table, wrapped
from model.base.numbers import interval, percent, points
from model.engine.analysts import analyst_view, known_analyst
from model.engine.probabilities import INTERVAL_NAME
from model.engine.views import QuestionStatus, question_statuses
from model.workspace.cache import ParseCache


@handles_errors
def status(
    questions: Annotated[Optional[list[str]], typer.Argument(metavar="[QUESTION]...", help="Question ids [default: all].")] = None,
    as_of: AsOfOption = None,
    analyst: AnalystOption = None,
    strict: StrictOption = False,
    face_value: FaceValueOption = False,
    json_output: JsonOption = False,
    directory: DirOption = None,
) -> None:
    """Scenario probabilities now, their 7-day change, evidence counts and days to deadline."""
    loaded, parameters, day = viewing(directory, as_of, face_value)
    selected = loaded.select(questions)
    if analyst is not None:
        analyst = known_analyst(loaded.questions, analyst)
        selected = [analyst_view(question, analyst) for question in selected]
    cache = ParseCache.of(workspace(directory).root) if analyst is None else None  # (an analyst's view is not a file's)
    statuses = question_statuses(selected, parameters, day, strict, cache)
    if as_of is not None:
        warn_before_opened(selected, day)
    broken = not questions and loaded.problems
    if broken:  # first, so that the error is never lost below a screenful of tables
        report_problems(loaded.problems)
    if json_output:
        print_json({
            "as_of": day.isoformat(), "strict": strict, "parameters": parameters.source, "analyst": analyst,
            "questions": [entry.as_dict() for entry in statuses],
        })
    else:
        say("\n\n".join(render_status(entry, parameters.theta.draws > 1) for entry in statuses))
        say("\n" + parameters_line(parameters))
        if analyst is not None:
            say(f"evidence: {analyst}'s alone (indicators left out)")
    if broken:
        raise typer.Exit(EXIT_PROBLEMS)


def render_status(entry: QuestionStatus, with_interval: bool) -> str:
    """One question's status as a header and a table."""
    question = entry.question
    headers = ["scenario", "probability"] + ([INTERVAL_NAME] if with_interval else []) + ["7-day change"]
    rows = []
    for k, sid in enumerate(question.scenario_ids):
        cells = [sid, percent(entry.now.mean[0, k])]
        cells += [interval(entry.now.low[0, k], entry.now.high[0, k])] if with_interval else []
        rows.append(cells + [points(entry.change[k])])
    return "\n".join([
        wrapped(f"{question.id}  {question.title}", indent="  "),
        joined(status_facts(entry)),
        table(headers, rows, right=set(range(1, len(headers)))),
    ])


def parameters_line(parameters, indent: str = "") -> str:
    """Where the numbers come from, in one short sentence (the details: ``vane calibrate --show``)."""
    return wrapped(f"{indent}parameters: {parameters.brief} (details: vane calibrate --show)", indent=indent + "  ")


def status_facts(entry: QuestionStatus) -> list[str]:
    """The one-line facts under a question's title."""
    question = entry.question
    facts = [f"as of {entry.as_of}"]
    if question.resolution:
        facts.append(f"resolved: {question.resolution.outcome} on {question.resolution.date}")
    elif entry.days_to_deadline >= 0:
        facts.append(f"closes {question.closes} (in {entry.days_to_deadline} days)")
    else:
        facts.append(f"closed {question.closes} ({-entry.days_to_deadline} days ago), not yet resolved")
    facts.append(f"{plural(entry.evidence_count, 'evidence item')} in {plural(entry.story_count, 'story', 'stories')}"
                 + (f", {plural(entry.indicator_count, 'indicator outcome')}" if entry.indicator_count else ""))
    if entry.last_evidence:
        facts.append(f"last evidence {entry.last_evidence}")
    return facts
