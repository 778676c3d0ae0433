"""A resolution (what happened) with its history: type, keys, reader and writer."""

from __future__ import annotations

import datetime as dt

from msgspec import Struct

from model.base.clock import Clock
from model.base.errors import did_you_mean
from model.base.records import compared_without
from model.fileformat.values import (
    Findings,
    check_keys,
    read_date,
    read_datetime,
    read_list,
    read_mapping,
    read_text,
    read_url,
    written_time,
)
from model.fileformat.yamlread import Mapping, Node
from model.fileformat.yamlwrite import render_entry, render_mapping

ANNULLED = "annulled"


@compared_without("line")
class Resolution(Struct, frozen=True):
    """What happened: a scenario id or ``annulled``, when, and the sources."""

    outcome: str
    date: dt.date
    note: str
    url: str = ""
    history: tuple["Resolution", ...] = ()
    replaced: dt.datetime | None = None
    line: int = 0  # where it is written (not compared)

    @property
    def annulled(self) -> bool:
        """True when the question was annulled rather than resolved to a scenario."""
        return self.outcome == ANNULLED


RESOLUTION_KEYS = ("scenario", "date", "note", "url", "history")


HISTORY_KEYS = ("scenario", "date", "note", "url", "replaced")


def read_resolution(node: Node, scenario_ids, opened, clock: Clock, found: Findings, line: int) -> Resolution | None:
    """``resolution:``: the scenario that happened (or ``annulled``), its date, a note, and earlier resolutions."""
    mapping = read_mapping(node, "resolution", found, line)
    if mapping is None:
        return None
    before = len(found.problems)
    check_keys(mapping, RESOLUTION_KEYS, ("scenario", "date", "note"), "resolution", found, line)
    resolution = _resolution_fields(mapping, scenario_ids, opened, clock, found, "resolution")
    history = read_list(mapping.get("history"), "resolution history",
                         lambda entry: _earlier_resolution(entry, scenario_ids, opened, clock, found), found, line)
    if len(found.problems) > before or resolution is None:
        return None
    return Resolution(*resolution, history=tuple(history), line=mapping.line)


def _earlier_resolution(node: Node, scenario_ids, opened, clock: Clock, found: Findings) -> Resolution | None:
    mapping = read_mapping(node, "an earlier resolution", found, getattr(node, "line", 0))
    if mapping is None:
        return None
    check_keys(mapping, HISTORY_KEYS, ("scenario", "date", "note", "replaced"), "earlier resolution", found)
    fields = _resolution_fields(mapping, scenario_ids, opened, clock, found, "earlier resolution")
    replaced = read_datetime(mapping.get("replaced"), "replaced", found, mapping.line) if mapping.get("replaced") else None
    return Resolution(*fields, replaced=replaced, line=mapping.line) if fields and replaced else None


def _resolution_fields(mapping: Mapping, scenario_ids, opened, clock: Clock, found: Findings, what: str):
    """(outcome, date, note, url) of a resolution mapping, or None with problems recorded."""
    before = len(found.problems)
    outcome = read_text(mapping.get("scenario"), f"{what} scenario", found, mapping.line)
    if outcome and outcome not in scenario_ids and outcome != ANNULLED:
        hint = did_you_mean(outcome, [*scenario_ids, ANNULLED])
        found.add(mapping.get("scenario").line, f"{what} names unknown scenario '{outcome}'{hint}")
    date = read_date(mapping.get("date"), f"{what} date", found, mapping.line)
    if date and clock.is_future(date):
        found.add(mapping.get("date").line, f"{what} date {date} is in the future")
    elif date and opened and date < opened:
        found.add(mapping.get("date").line, f"{what} date {date} is before the question opened ({opened})")
    note = read_text(mapping.get("note"), f"{what} note", found, mapping.line)
    url = read_url(mapping.get("url"), f"{what} url", found, mapping.line)
    return None if len(found.problems) > before else (outcome, date, note, url or "")


def render_resolution(resolution) -> str:
    """The body of a ``resolution:`` mapping (indented two spaces), with any earlier resolutions."""
    text = render_mapping({"scenario": resolution.outcome, "date": resolution.date, "note": resolution.note,
                           "url": resolution.url}, 2)
    if resolution.history:
        text += "  history:\n" + "".join(
            render_entry({"scenario": earlier.outcome, "date": earlier.date, "note": earlier.note, "url": earlier.url,
                          "replaced": written_time(earlier.replaced)}, 4, 6)
            for earlier in resolution.history
        )
    return text
