"""Tagging new evidence (``vane add``): checking the item, refusing repeats, giving it an id, writing it safely."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from msgspec import Struct
from msgspec.structs import replace

from model.base.clock import Clock
from model.base.errors import Invalid, Refused, VaneError, did_you_mean
from model.edits.defaults import source_key
from model.edits.transaction import Edit, edit_question
from model.engine.parameters import Parameters
from model.engine.probabilities import Probabilities, evaluation_date, probabilities_at
from model.fileformat.evidence import Evidence, evidence_entry
from model.fileformat.grades import parse_grade
from model.fileformat.question import Question
from model.fileformat.ratings import discriminates, likelihood_units, rating_units
from model.fileformat.stories import normalise_summary, normalise_url
from model.fileformat.textedit import Draft, append_entry
from model.fileformat.values import IDENTIFIER_TEXT, is_identifier, is_url


class Tagged(Struct, frozen=True):
    """What adding an item did: its id, the probabilities before and after, and warnings."""

    item_id: str
    question: Question
    before: Probabilities
    after: Probabilities
    warnings: tuple[str, ...]


def rated(summary: str, date: dt.date, ratings: dict[str, str] | None = None,
          likelihoods: dict[str, float] | None = None, **fields) -> Evidence:
    """A new item (no id yet) from rating symbols (``{"deal": "+"}``) or likelihoods ``P(E|S)`` per scenario.

    ``fields`` are the other ``Evidence`` fields (source, url, grade, story, analyst).

    Raises
    ------
    Refused
        For a rating off the scale, a likelihood outside (0, 1], or both kinds given.
    """
    problems = []
    if ratings and likelihoods:
        problems.append(Invalid("likelihoods", "give ratings or {field}, not both"))
    units = {}
    for name, value in (ratings or {}).items():
        try:
            units[name] = float(rating_units(value))
        except ValueError as error:
            problems.append(Invalid("ratings", f"{{field}} {name}: {error}"))
    for name, value in (likelihoods or {}).items():
        try:
            units[name] = likelihood_units(float(value))
        except ValueError as error:
            problems.append(Invalid("likelihoods", f"{{field}} {name}: {error}"))
    if problems:
        raise Refused("the evidence was not added", problems)
    return Evidence(id="", date=date, summary=summary, units=units, scale="likelihoods" if likelihoods else "ratings",
                    **fields)


def find_duplicates(question: Question, new: Evidence) -> list[Evidence]:
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


def check_new_evidence(new: Evidence, question: Question, clock: Clock) -> list[Invalid]:
    """Problems with a new item, each naming the field at fault."""
    problems = []
    if not new.summary.strip():
        problems.append(Invalid("summary", "{field} must not be empty"))
    if clock.is_future(new.date):
        problems.append(Invalid("date", f"{{field}} {new.date} is in the future"))
    if new.url and not is_url(new.url.strip()):
        problems.append(Invalid("url", f"{{field}} '{new.url}' must be an http:// or https:// address"))
    if new.grade:
        try:
            parse_grade(new.grade)
        except ValueError as error:
            problems.append(Invalid("grade", f"{{field}}: {error}"))
    if new.story and not is_identifier(new.story):
        problems.append(Invalid("story", f"{{field}} '{new.story}' must be {IDENTIFIER_TEXT}"))
    return problems + _check_units(new, question)


def _check_units(new: Evidence, question: Question) -> list[Invalid]:
    field, ids = new.scale or "ratings", question.scenario_ids
    problems = [
        Invalid(field, f"{{field}}: unknown scenario '{name}'{did_you_mean(name, ids)}; scenarios are {', '.join(ids)}")
        for name in new.units if name not in ids
    ]
    if field == "likelihoods" and set(new.units) != set(ids) and not problems:
        missing = ", ".join(sid for sid in ids if sid not in new.units)
        problems.append(Invalid(field, f"{{field}} needs every scenario; missing {missing}"))
    if not new.units:
        problems.append(Invalid("ratings", "no ratings: give {field} scenario=symbol (++ + 0 - --) "
                                           "for the scenarios it bears on"))
    return problems


def refuse_duplicate(question: Question, new: Evidence) -> None:
    """Refuse an item already in the question unless its ``story`` joins it to that item's story.

    Raises
    ------
    VaneError
        Naming the earlier item and the story to give.
    """
    duplicates = find_duplicates(question, new)
    story_of = {item.id: item.story_key for item in question.evidence}  # the story may be named by any of its items
    if not duplicates or story_of.get(new.story, new.story) in {item.story_key for item in duplicates}:
        return
    first = duplicates[0]
    reason = "the same URL" if new.url and first.url and normalise_url(first.url) == normalise_url(new.url) else "the same summary"
    raise VaneError(
        f"{first.id} ({first.date}, {first.source or 'no source'}) already has {reason}; "
        f"if this reports the same story, add it with --story {first.story_key} so it counts once"
    )


def as_written(new: Evidence, item_id: str, question: Question, recorded: dt.datetime) -> Evidence:
    """The new item as it goes into the file: its id and time of entry, every scenario rated, text tidied."""
    return replace(
        new, id=item_id, recorded=recorded, units={sid: new.units.get(sid, 0.0) for sid in question.scenario_ids},
        summary=" ".join(new.summary.split()), source=new.source.strip(), url=new.url.strip(),
        grade=parse_grade(new.grade) if new.grade else "", analyst=new.analyst.strip(),
    )


def append_evidence(draft: Draft, new: Evidence, question: Question, clock: Clock) -> tuple[Draft, str]:
    """``draft`` with ``new`` checked and appended under a fresh id; the new draft and the id.

    Raises
    ------
    Refused
        For problems with the item's fields.
    VaneError
        For a repeat of an earlier item.
    """
    problems = check_new_evidence(new, question, clock)
    if problems:
        raise Refused("the evidence was not added", problems)
    refuse_duplicate(question, new)
    item_id = next_evidence_id(question)
    return append_entry(draft, "evidence", evidence_entry(as_written(new, item_id, question, clock.now))), item_id


def add_evidence(
    path: Path, new: Evidence, parameters: Parameters | None = None, clock: Clock | None = None,
) -> Tagged:
    """Tag one evidence item in the question file at ``path`` and report what it changed.

    The file is locked, validated, edited round-trip and replaced atomically
    (``model.edits.transaction.edit_question``).

    Raises
    ------
    VaneError
        For bad fields (``Refused``), a duplicate, or a question file with problems.
    """
    clock = clock or Clock.system()
    edit = edit_question(path, lambda draft, question: append_evidence(draft, new, question, clock), clock)
    when, before, after = before_and_after(edit, parameters, clock)
    return Tagged(edit.result, edit.after, before, after, tuple(_warnings(new, edit.result, edit.after, when)))


def before_and_after(edit: Edit, parameters: Parameters | None, clock: Clock) -> tuple[dt.date, Probabilities, Probabilities]:
    """The day a change is seen at (today, or the horizon of a resolved question) and the probabilities before and after it."""
    parameters = parameters or Parameters.face_value()
    when = evaluation_date(edit.after, clock.today)
    return when, probabilities_at(edit.before, parameters, [when]), probabilities_at(edit.after, parameters, [when])


def _warnings(new: Evidence, item_id: str, question: Question, when: dt.date) -> list[str]:
    """``warnings_on`` the item as written, and which scenarios were taken as neutral."""
    warnings = warnings_on(next(item for item in question.evidence if item.id == item_id), question, when)
    unrated = [sid for sid in question.scenario_ids if sid not in new.units]
    if unrated and new.scale != "likelihoods":
        warnings.append(f"rated neutral (0) where no rating was given: {', '.join(unrated)}")
    return warnings


def warnings_on(item: Evidence, question: Question, when: dt.date) -> list[str]:
    """Where the analyst probably erred in ``item`` of ``question``: each a sentence on what looks wrong and what to do.

    ``when`` is the day the question is seen at (``evaluation_date``).
    """
    warnings = []
    if not discriminates([item.units.get(sid, 0.0) for sid in question.scenario_ids]):
        warnings.append("this item does not discriminate between scenarios: it rates every scenario the same, so it changes nothing")
    if question.resolution is not None:
        late = (f"; dated after the question's horizon ({question.horizon}), it changes nothing"
                if item.date > when else "")
        warnings.append(f"{question.id} was resolved on {question.resolution.date}: the item is kept for the record, "
                        f"but forecasts already logged and scored do not change{late}")
    if item.date < question.opened:
        warnings.append(f"dated {item.date}, before the question opened on {question.opened}: it counts from the "
                        "start (is the date when it happened, not a typo?)")
    if item.scale == "likelihoods":
        certain = [sid for sid in question.scenario_ids if item.units.get(sid) == 0.0]
        if certain:
            warnings.append(f"likelihood 100% for {', '.join(certain)} says this evidence was certain to appear on "
                            "that path; only its ratio to the other scenarios' likelihoods moves the forecast")
    return warnings + _unlinked_same_source(item, question)


def _unlinked_same_source(item: Evidence, question: Question) -> list[str]:
    """A warning when other items from the item's source on its day are in other stories."""
    if not source_key(item.source):
        return []
    story_of = {entry.id: entry.story_key for entry in question.evidence}  # a story may be named by any of its items
    story = story_of.get(item.story, item.story_key)
    others = [entry for entry in question.evidence
              if entry.id != item.id and entry.date == item.date and source_key(entry.source) == source_key(item.source)
              and story_of.get(entry.story, entry.story_key) != story]
    if not others:
        return []
    return [f"{', '.join(entry.id for entry in others)} {'is' if len(others) == 1 else 'are'} from "
            f"{item.source.strip()} on {item.date} too, in another story; if they report the same thing, link them "
            f"so it counts once: vane edit {question.id} {item.id} --story {others[0].story_key}"]
