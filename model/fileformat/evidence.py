"""An evidence item: its type, its keys, its reader and its writer (``docs/format.md``, "evidence")."""

from __future__ import annotations

import datetime as dt

from msgspec import Struct

from model.base.clock import Clock
from model.base.dates import utc_seconds
from model.base.errors import did_you_mean
from model.base.records import compared_without
from model.fileformat.grades import parse_grade
from model.fileformat.ratings import likelihood_units, rating_units, symbol
from model.fileformat.values import (
    Findings,
    check_keys,
    read_date,
    read_identifier,
    read_mapping,
    read_recorded,
    read_scenario_numbers,
    read_text,
    read_url,
    require_every_scenario,
)
from model.fileformat.yamlread import Mapping, Node, Scalar, Sequence


class Retraction(Struct, frozen=True, array_like=True, gc=False):
    """An item withdrawn: from ``date`` on it no longer counts, for ``reason``.

    ``recorded`` is when the retraction was entered: a view that only sees what
    was known by its day (``--strict``) still counts the item before then.
    """

    date: dt.date
    reason: str
    recorded: dt.datetime | None = None

    def in_effect(self, day: dt.date, strict: bool = False) -> bool:
        """Whether the item no longer counts in a view of ``day``."""
        if strict and self.recorded is not None and self.recorded.date() > day:
            return False
        return self.date <= day


# Packed as arrays of values, not maps of names (``question.PackedEvidence``), and out of the garbage collector's
# sight: an item holds text, dates, numbers and a mapping of numbers, so it can be in no cycle
@compared_without("scale", "line")
class Evidence(Struct, frozen=True, array_like=True, gc=False):
    """One tagged evidence item.

    ``units`` holds the rating units ``r_jk`` per scenario (model.md, "Ratings ->
    likelihood ratios"): ratings as written, or ``log P(E|S_k) / ln 2`` for
    explicit likelihoods. Scenarios not rated are neutral (0). ``scale`` says
    how the item is written: ``ratings`` (symbols), ``likelihoods``, or ""
    for symbols when every unit is a whole step of the scale.

    An item not yet in a file (``vane add``) has no id: the edit gives it one.
    """

    id: str
    date: dt.date
    summary: str
    units: dict[str, float]
    recorded: dt.datetime | None = None
    source: str = ""
    url: str = ""
    grade: str = ""
    story: str = ""
    analyst: str = ""
    scale: str = ""  # how it is written, not what it says (not compared)
    indicator: str = ""  # the indicator this item stands for when it is not written in the file
    retracted: Retraction | None = None
    line: int = 0  # where it is written (not compared)

    @property
    def story_key(self) -> str:
        """The story this item belongs to: its ``story``, or else its own id."""
        return self.story or self.id


EVIDENCE_KEYS = (
    "id", "date", "recorded", "summary", "source", "url", "grade",
    "story", "analyst", "ratings", "likelihoods", "retracted",
)

RETRACTION_KEYS = ("date", "reason", "recorded")


def read_ratings(mapping: Mapping, scenario_ids, found: Findings) -> dict[str, float] | None:
    """Rating units from ``ratings`` (symbols) or ``likelihoods`` (probabilities), not both."""
    ratings, likelihoods = mapping.get("ratings"), mapping.get("likelihoods")
    if ratings is not None and likelihoods is not None:
        found.add(mapping.line, "give either ratings or likelihoods, not both")
        return None
    if ratings is None and likelihoods is None:
        found.add(mapping.line, "evidence needs ratings (e.g. {deal: '+', stall: '-'}) or likelihoods")
        return None
    if ratings is not None:
        return _read_symbol_ratings(ratings, scenario_ids, found, mapping.line)
    numbers = read_scenario_numbers(likelihoods, "likelihoods", scenario_ids, found, mapping.line)
    if not require_every_scenario(numbers, likelihoods, "likelihoods", scenario_ids, found):
        return None
    units = {}
    for sid, (value, value_line) in numbers.items():
        try:
            units[sid] = likelihood_units(value)
        except ValueError as error:
            found.add(value_line, f"likelihood for '{sid}': {error}")
    return units if len(units) == len(scenario_ids) else None


def _read_symbol_ratings(node: Node, scenario_ids, found: Findings, line: int) -> dict[str, float] | None:
    mapping = read_mapping(node, "ratings", found, line)
    if mapping is None:
        return None
    units: dict[str, float] = {sid: 0.0 for sid in scenario_ids}
    ok = True
    for key, value in mapping.items:
        if key.text not in scenario_ids:
            found.add(key.line, f"ratings name unknown scenario '{key.text}'{did_you_mean(key.text, scenario_ids)}")
            ok = False
            continue
        if not isinstance(value, Scalar) or value.is_null:
            hint = " (write '-' in quotes: a bare - starts a YAML list)" if isinstance(value, Sequence) else ""
            found.add(getattr(value, "line", key.line), f"rating for '{key.text}' must be one of ++ + 0 - --{hint}")
            ok = False
            continue
        try:
            units[key.text] = float(rating_units(value.text))
        except ValueError as error:
            found.add(value.line, f"rating for '{key.text}': {error}")
            ok = False
    return units if ok else None


def read_evidence_item(node: Node, scenario_ids, clock: Clock, found: Findings) -> Evidence | None:
    """One ``evidence:`` entry."""
    mapping = read_mapping(node, "an evidence item", found, getattr(node, "line", 0))
    if mapping is None:
        return None
    before = len(found.problems)
    check_keys(mapping, EVIDENCE_KEYS, ("id", "date", "summary"), "evidence item", found)
    line = mapping.line
    item_id = read_identifier(mapping.get("id"), "evidence id", found, line)
    date = read_date(mapping.get("date"), "evidence date", found, line)
    if date and clock.is_future(date):
        found.add(mapping.get("date").line, f"evidence date {date} is in the future")
    recorded = read_recorded(mapping, date, clock, found)
    grade = read_text(mapping.get("grade"), "grade", found, line, required=False)
    if grade:
        try:
            grade = parse_grade(grade)
        except ValueError as error:
            found.add(mapping.get("grade").line, str(error))
    item = Evidence(
        id=item_id or "",
        date=date or dt.date.min,
        summary=read_text(mapping.get("summary"), "summary", found, line) or "",
        units=read_ratings(mapping, scenario_ids, found) or {},
        recorded=recorded,
        source=read_text(mapping.get("source"), "source", found, line, required=False) or "",
        url=read_url(mapping.get("url"), "url", found, line) or "",
        grade=grade or "",
        story=(read_identifier(mapping.get("story"), "story", found, line) or "") if mapping.get("story") else "",
        analyst=read_text(mapping.get("analyst"), "analyst", found, line, required=False) or "",
        scale="likelihoods" if mapping.get("likelihoods") is not None else "ratings",
        retracted=read_retraction(mapping, date, clock, found),
        line=line,
    )
    return item if len(found.problems) == before else None


def read_retraction(mapping: Mapping, date: dt.date | None, clock: Clock, found: Findings) -> Retraction | None:
    """The optional ``retracted: {date, reason, recorded}`` of an item dated ``date``."""
    node = mapping.get("retracted")
    if node is None:
        return None
    inner = read_mapping(node, "retracted", found, mapping.line)
    if inner is None:
        return None
    check_keys(inner, RETRACTION_KEYS, ("date", "reason"), "retraction", found)
    day = read_date(inner.get("date"), "retraction date", found, inner.line)
    reason = read_text(inner.get("reason"), "retraction reason", found, inner.line)
    recorded = read_recorded(inner, day, clock, found)
    if day and clock.is_future(day):
        found.add(inner.get("date").line, f"retraction date {day} is in the future")
    elif day and date and day < date:
        found.add(inner.get("date").line, f"retracted on {day}, before the item's own date {date}")
    return Retraction(day, reason, recorded) if day and reason else None


def retraction_entry(retraction: Retraction) -> dict:
    """A retraction as the file writes it (a one-line mapping)."""
    recorded = utc_seconds(retraction.recorded) if retraction.recorded else None
    return {name: value for name, value in
            (("date", retraction.date), ("reason", retraction.reason), ("recorded", recorded)) if value}


def evidence_entry(item: Evidence) -> dict:
    """The item as the file writes it: keys in the documented order, values as ``read_evidence_item`` reads them."""
    whole = all(float(units).is_integer() and -2 <= units <= 2 for units in item.units.values())
    scale = (
        {"ratings": {sid: symbol(units) for sid, units in item.units.items()}}
        if item.scale == "ratings" or (whole and item.scale != "likelihoods")
        else {"likelihoods": {sid: round(2.0 ** units, 12) for sid, units in item.units.items()}}
    )
    return {"id": item.id, "date": item.date, "recorded": utc_seconds(item.recorded) if item.recorded else None,
            "summary": item.summary, "source": item.source, "url": item.url, "grade": item.grade, "story": item.story,
            "analyst": item.analyst, **scale,
            "retracted": retraction_entry(item.retracted) if item.retracted else None}
