"""Tagging new evidence: checking it, refusing duplicates, giving it an id, writing it safely."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from model.base.clock import Clock
from model.base.dates import utc_seconds
from model.base.errors import VaneError, did_you_mean
from model.edits.transaction import edit_question
from model.engine.parameters import Parameters
from model.engine.probabilities import Probabilities, evaluation_date, probabilities_at
from model.fileformat.evidence import Evidence
from model.fileformat.grades import GradeTable, parse_grade
from model.fileformat.question import Question
from model.fileformat.ratings import discriminates, likelihood_units, rating_units
from model.fileformat.stories import normalise_summary, normalise_url
from model.fileformat.textedit import append_entry
from model.fileformat.values import IDENTIFIER_TEXT, is_identifier


@dataclass(frozen=True)
class NewEvidence:
    """An evidence item as the analyst gives it, before it has an id."""

    summary: str
    date: dt.date
    ratings: dict[str, str] = field(default_factory=dict)  # scenario -> symbol
    likelihoods: dict[str, float] = field(default_factory=dict)  # scenario -> P(E|S)
    source: str = ""
    url: str = ""
    grade: str = ""
    story: str = ""
    analyst: str = ""


@dataclass(frozen=True)
class Tagged:
    """What adding an item did: its id, the probabilities before and after, and warnings."""

    item_id: str
    question: Question
    before: Probabilities
    after: Probabilities
    warnings: tuple[str, ...]


def parse_assignments(values: list[str], what: str, example: str = "deal=+") -> dict[str, str]:
    """``["deal=+", "stall=--"]`` as ``{"deal": "+", "stall": "--"}``.

    Raises
    ------
    VaneError
        For an entry without ``=`` or a scenario given twice.
    """
    parsed: dict[str, str] = {}
    for value in values:
        name, sep, given = value.partition("=")
        if not sep or not name.strip() or not given.strip():
            raise VaneError(f"{what} '{value}' must look like scenario=value, e.g. {example}")
        if name.strip() in parsed:
            raise VaneError(f"{what} for '{name.strip()}' is given twice")
        parsed[name.strip()] = given.strip()
    return parsed


def parse_numbers(values: list[str], what: str) -> dict[str, float]:
    """``["deal=0.3", "stall=0.7"]`` as ``{"deal": 0.3, "stall": 0.7}``, naming ``what`` on a bad entry.

    Raises
    ------
    VaneError
        For an entry that is not scenario=number.
    """
    numbers = {}
    for name, text in parse_assignments(values, what, example="deal=0.3").items():
        try:
            numbers[name] = float(text)
        except ValueError:
            raise VaneError(f"{what} {name}={text}: '{text}' is not a number") from None
    return numbers


def find_duplicates(question: Question, new: NewEvidence) -> list[Evidence]:
    """Items with the same URL or the same normalised summary as ``new``."""
    summary = normalise_summary(new.summary)
    url = normalise_url(new.url) if new.url else None
    return [
        item for item in question.evidence
        if normalise_summary(item.summary) == summary or (url and item.url and normalise_url(item.url) == url)
    ]


def next_id(question: Question, letter: str) -> str:
    """``<letter><n>`` with n one more than the largest such id in the question.

    Evidence and indicators share one id space, so both are looked at.
    """
    pattern = re.compile(rf"{letter}(\d+)")
    ids = [thing.id for thing in (*question.evidence, *question.indicators)]
    numbers = [int(match.group(1)) for identifier in ids if (match := pattern.fullmatch(identifier))]
    return f"{letter}{max(numbers, default=0) + 1}"


def next_evidence_id(question: Question) -> str:
    """The next free ``e<n>`` id."""
    return next_id(question, "e")


def check_new_evidence(new: NewEvidence, question: Question, clock: Clock) -> list[str]:
    """Problems with a new item's arguments, each naming the option at fault."""
    problems = []
    if not new.summary.strip():
        problems.append("--summary must not be empty")
    if clock.is_future(new.date):
        problems.append(f"--date {new.date} is in the future")
    if new.url and not re.match(r"^https?://\S+$", new.url, re.IGNORECASE):
        problems.append(f"--url '{new.url}' must be an http:// or https:// address")
    if new.grade:
        try:
            parse_grade(new.grade)
        except ValueError as error:
            problems.append(f"--grade: {error}")
    if new.story and not is_identifier(new.story):
        problems.append(f"--story '{new.story}' must be {IDENTIFIER_TEXT}")
    if new.ratings and new.likelihoods:
        problems.append("give --rate or --likelihood, not both")
    problems += _check_ratings(new, question)
    return problems


def _check_ratings(new: NewEvidence, question: Question) -> list[str]:
    problems = []
    ids = question.scenario_ids
    for option, given in (("--rate", new.ratings), ("--likelihood", new.likelihoods)):
        for name, value in given.items():
            if name not in ids:
                problems.append(f"{option}: unknown scenario '{name}'{did_you_mean(name, ids)}; scenarios are {', '.join(ids)}")
                continue
            try:
                rating_units(value) if option == "--rate" else likelihood_units(float(value))
            except ValueError as error:
                problems.append(f"{option} {name}: {error}")
    if new.likelihoods and set(new.likelihoods) != set(ids) and not problems:
        missing = ", ".join(sid for sid in ids if sid not in new.likelihoods)
        problems.append(f"--likelihood needs every scenario; missing {missing}")
    if not new.ratings and not new.likelihoods:
        problems.append("no ratings: give --rate scenario=symbol (++ + 0 - --) for the scenarios it bears on")
    return problems


def refuse_duplicate(question: Question, new: NewEvidence) -> None:
    """Refuse an item already in the question unless ``--story`` joins it to that item's story.

    Raises
    ------
    VaneError
        Naming the earlier item and the story to give.
    """
    duplicates = find_duplicates(question, new)
    story_of = {item.id: item.story_key for item in question.evidence}  # --story may name any item of the story
    if not duplicates or story_of.get(new.story, new.story) in {item.story_key for item in duplicates}:
        return
    first = duplicates[0]
    reason = "the same URL" if new.url and first.url and normalise_url(first.url) == normalise_url(new.url) else "the same summary"
    raise VaneError(
        f"{first.id} ({first.date}, {first.source or 'no source'}) already has {reason}; "
        f"if this reports the same story, add it with --story {first.story_key} so it counts once"
    )


def evidence_units(new: NewEvidence, question: Question) -> dict[str, float]:
    """Rating units of the new item per scenario (unrated scenarios are neutral)."""
    if new.likelihoods:
        return {sid: likelihood_units(float(new.likelihoods[sid])) for sid in question.scenario_ids}
    return {sid: float(rating_units(new.ratings.get(sid, "0"))) for sid in question.scenario_ids}


def evidence_entry(new: NewEvidence, item_id: str, question: Question, recorded: dt.datetime) -> dict:
    """The new item as it is written to the file, keys in the documented order."""
    scenario_values = (
        {"likelihoods": {sid: float(new.likelihoods[sid]) for sid in question.scenario_ids}}
        if new.likelihoods
        else {"ratings": {sid: new.ratings.get(sid, "0") for sid in question.scenario_ids}}
    )
    return {
        "id": item_id,
        "date": new.date,
        "recorded": utc_seconds(recorded),
        "summary": " ".join(new.summary.split()),
        "source": new.source.strip(),
        "url": new.url.strip(),
        "grade": parse_grade(new.grade) if new.grade else "",
        "story": new.story,
        "analyst": new.analyst.strip(),
        **scenario_values,
    }


def add_evidence(
    path: Path, new: NewEvidence, parameters: Parameters | None = None,
    grades: GradeTable | None = None, clock: Clock | None = None,
) -> Tagged:
    """Tag one evidence item in the question file at ``path`` and report what it changed.

    The file is locked, validated, edited round-trip and replaced atomically
    (``model.edits.transaction.edit_question``).

    Raises
    ------
    VaneError
        For bad arguments, a duplicate, or a question file with problems.
    """
    clock = clock or Clock.system()
    parameters = parameters or Parameters.face_value()

    def append(text: str, question: Question) -> tuple[str, str]:
        problems = check_new_evidence(new, question, clock)
        if problems:
            raise VaneError("the evidence was not added:\n  " + "\n  ".join(problems))
        refuse_duplicate(question, new)
        item_id = next_evidence_id(question)
        return append_entry(text, "evidence", evidence_entry(new, item_id, question, clock.now)), item_id

    edit = edit_question(path, append, clock)
    when = evaluation_date(edit.after, clock.today)
    before = probabilities_at(edit.before, parameters, [when], grades=grades)
    after = probabilities_at(edit.after, parameters, [when], grades=grades)
    return Tagged(edit.result, edit.after, before, after, tuple(_warnings(new, edit.after, when)))


def _warnings(new: NewEvidence, question: Question, when: dt.date) -> list[str]:
    warnings = []
    units = list(evidence_units(new, question).values())
    if not discriminates(units):
        warnings.append("this item does not discriminate between scenarios: it rates every scenario the same, so it changes nothing")
    if new.date > when:
        warnings.append(f"the question was resolved on {question.horizon}; an item dated {new.date} does not change its forecast")
    unrated = [sid for sid in question.scenario_ids if not new.likelihoods and sid not in new.ratings]
    if unrated and new.ratings:
        warnings.append(f"rated neutral (0) where no rating was given: {', '.join(unrated)}")
    return warnings
