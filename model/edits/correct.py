"""Correcting tagged evidence (``vane edit``) and withdrawing it (``vane retract``), the file's layout kept.

An edit changes what an item says; the same checks as for a new item apply. A
retraction changes nothing that was written: it adds when and why the item was
withdrawn, so the item stops counting from that day on while every view of an
earlier day (``--as-of``, ``--strict``) still sees it. History is never
rewritten.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from msgspec.structs import replace

from model.base.clock import Clock
from model.base.errors import Invalid, Refused, VaneError, did_you_mean
from model.edits.tag import (
    before_and_after,
    check_new_evidence,
    refuse_duplicate,
    warnings_on,
)
from model.edits.transaction import edit_question
from model.engine.parameters import Parameters
from model.engine.probabilities import Probabilities
from model.fileformat.evidence import (
    Evidence,
    Retraction,
    evidence_entry,
    retraction_entry,
)
from model.fileformat.grades import parse_grade
from model.fileformat.question import Question
from model.fileformat.ratings import likelihood_units, rating_units
from model.fileformat.textedit import Draft, add_to_entry, set_in_entry
from model.workspace.identity import tidy_name

EDITABLE = ("summary", "date", "source", "url", "grade", "story", "analyst")
"""The fields ``vane edit`` changes besides the ratings (``id`` and ``recorded`` never change)."""


@dataclass(frozen=True)
class Corrected:
    """What an edit or a retraction did: the item, what changed, the probabilities before and after, warnings."""

    item_id: str
    question: Question
    changed: tuple[str, ...]
    before: Probabilities
    after: Probabilities
    warnings: tuple[str, ...] = ()


def edit_evidence(
    path: Path, item_id: str, fields: dict, ratings: dict[str, str] | None = None,
    likelihoods: dict[str, float] | None = None, parameters: Parameters | None = None, clock: Clock | None = None,
) -> Corrected:
    """Change fields (``EDITABLE``), ratings (only those given) or likelihoods (every scenario) of an item.

    Raises
    ------
    VaneError
        For an unknown item, nothing to change, or a change ``vane add`` would refuse (``Refused``).
    """
    clock = clock or Clock.system()
    unknown = [name for name in fields if name not in EDITABLE]
    if unknown:
        raise ValueError(f"not editable: {', '.join(unknown)}")

    def change(draft: Draft, question: Question) -> tuple[Draft, tuple[str, ...]]:
        item = find_item(question, item_id)
        updated = _updated(item, fields, ratings, likelihoods, question)
        old, new = evidence_entry(item), evidence_entry(updated)
        changed = tuple(key for key in new.keys() | old.keys() if old.get(key) != new.get(key))
        if not changed:
            raise VaneError(f"nothing to change: {item_id} already says that")
        problems = check_new_evidence(updated, question, clock)
        if problems:
            raise Refused(f"{item_id} was not changed", problems)
        if {"summary", "url"} & set(changed):
            refuse_duplicate(dataclasses.replace(question, evidence=tuple(e for e in question.evidence if e.id != item_id)), updated)
        values = {key: new.get(key) for key in changed}
        order = list(dict.fromkeys([*new, *old]))
        return set_in_entry(draft, "evidence", item_id, values), tuple(sorted(changed, key=order.index))

    edit = edit_question(path, change, clock)
    when, before, after = before_and_after(edit, parameters, clock)
    item = find_item(edit.after, item_id)
    return Corrected(item_id, edit.after, edit.result, before, after, tuple(warnings_on(item, edit.after, when)))


def _updated(item: Evidence, fields: dict, ratings: dict[str, str] | None, likelihoods: dict[str, float] | None,
             question: Question) -> Evidence:
    """``item`` with the new values (text tidied as ``vane add`` tidies it)."""
    tidy = {name: " ".join(str(value).split()) if name == "summary" else value.strip() if isinstance(value, str)
            else value for name, value in fields.items()}
    if "analyst" in tidy:
        tidy["analyst"] = tidy_name(tidy["analyst"])
    if tidy.get("grade"):
        try:
            tidy["grade"] = parse_grade(tidy["grade"])
        except ValueError as error:
            raise Refused(f"{item.id} was not changed", [Invalid("grade", f"{{field}}: {error}")]) from None
    updated = replace(item, **tidy)
    if ratings:
        units = dict(item.units) if item.scale != "likelihoods" else {sid: 0.0 for sid in question.scenario_ids}
        units.update({sid: float(_checked(rating_units, value, "ratings", sid)) for sid, value in ratings.items()})
        updated = replace(updated, units=units, scale="ratings")
    if likelihoods:
        units = {sid: _checked(likelihood_units, value, "likelihoods", sid) for sid, value in likelihoods.items()}
        updated = replace(updated, units=units, scale="likelihoods")
    return updated


def _checked(convert, value, field: str, scenario: str) -> float:
    try:
        return convert(value)
    except ValueError as error:
        raise Refused("the evidence was not changed", [Invalid(field, f"{{field}} {scenario}: {error}")]) from None


def retract_evidence(path: Path, item_id: str, reason: str, day: dt.date | None = None,
                     parameters: Parameters | None = None, clock: Clock | None = None) -> Corrected:
    """Withdraw an item from ``day`` (today by default) for ``reason``; it keeps counting in views of earlier days.

    Raises
    ------
    VaneError
        For an unknown or already retracted item, no reason, or a day before the item's or in the future.
    """
    clock = clock or Clock.system()
    day = day or clock.today
    reason = " ".join(reason.split())
    if not reason:
        raise Refused("nothing was retracted", [Invalid("reason", "{field} must say why the item is withdrawn")])

    def change(draft: Draft, question: Question) -> tuple[Draft, tuple[str, ...]]:
        item = find_item(question, item_id)
        if item.retracted:
            raise VaneError(f"{item_id} was already retracted on {item.retracted.date}: {item.retracted.reason}")
        if day < item.date:
            raise VaneError(f"{item_id} is dated {item.date}; it cannot be retracted on {day}, before it happened")
        if clock.is_future(day):
            raise VaneError(f"{day} is in the future; an item is retracted from today at the latest")
        entry = retraction_entry(Retraction(day, reason, clock.now.replace(microsecond=0)))
        return add_to_entry(draft, "evidence", item_id, {"retracted": entry}), ("retracted",)

    edit = edit_question(path, change, clock)
    _, before, after = before_and_after(edit, parameters, clock)
    return Corrected(item_id, edit.after, edit.result, before, after)


def find_item(question: Question, item_id: str) -> Evidence:
    """The evidence item ``item_id`` of ``question``.

    Raises
    ------
    VaneError
        When there is none, with the closest id.
    """
    item = next((entry for entry in question.evidence if entry.id == item_id), None)
    if item is None:
        ids = [entry.id for entry in question.evidence]
        raise VaneError(f"{question.id} has no evidence item '{item_id}'{did_you_mean(item_id, ids)}")
    return item
