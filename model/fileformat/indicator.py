"""An indicator (a signpost): its type, keys, reader and writer (``docs/format.md``, "indicators")."""

from __future__ import annotations

import datetime as dt

from msgspec import Struct

from model.base.clock import Clock
from model.base.dates import utc_seconds
from model.base.records import compared_without
from model.fileformat.values import (
    Findings,
    check_keys,
    read_date,
    read_identifier,
    read_mapping,
    read_recorded,
    read_scenario_numbers,
    read_text,
    require_every_scenario,
)
from model.fileformat.yamlread import Node


@compared_without("line")
class Indicator(Struct, frozen=True):
    """A signpost: evidence that has not happened yet, with ``q_k`` per scenario."""

    id: str
    description: str
    due: dt.date
    probabilities: dict[str, float]
    observed: dt.date | None = None
    evidence: str = ""
    recorded: dt.datetime | None = None  # when the indicator was entered (unknown for hand-written ones)
    line: int = 0  # where it is written (not compared)


INDICATOR_KEYS = ("id", "description", "due", "recorded", "probabilities", "observed", "evidence")


def read_indicator(node: Node, scenario_ids, clock: Clock, found: Findings) -> Indicator | None:
    """One ``indicators:`` entry: a signpost with ``q_k`` per scenario."""
    mapping = read_mapping(node, "an indicator", found, getattr(node, "line", 0))
    if mapping is None:
        return None
    before = len(found.problems)
    check_keys(mapping, INDICATOR_KEYS, ("id", "description", "due", "probabilities"), "indicator", found)
    line = mapping.line
    given = mapping.get("probabilities")
    numbers = read_scenario_numbers(given, "indicator probabilities", scenario_ids, found, line) if given is not None else {}
    if given is not None and numbers:
        require_every_scenario(numbers, given, "indicator probabilities", scenario_ids, found)
    for sid, (value, value_line) in numbers.items():
        if not 0.0 <= value <= 1.0:
            found.add(value_line, f"indicator probability for '{sid}' must be between 0 and 1, not {value:g}")
    observed = None
    if mapping.get("observed") is not None:
        observed = read_date(mapping.get("observed"), "observed", found, line)
        if observed and clock.is_future(observed):
            found.add(mapping.get("observed").line, f"observed date {observed} is in the future")
    recorded = read_recorded(mapping, None, clock, found)
    indicator = Indicator(
        id=read_identifier(mapping.get("id"), "indicator id", found, line) or "",
        description=read_text(mapping.get("description"), "indicator description", found, line) or "",
        due=read_date(mapping.get("due"), "due date", found, line) or dt.date.min,
        probabilities={sid: value for sid, (value, _) in numbers.items()},
        observed=observed,
        recorded=recorded,
        evidence=read_identifier(mapping.get("evidence"), "evidence", found, line) if mapping.get("evidence") else "",
        line=line,
    )
    return indicator if len(found.problems) == before else None


def due_date_problem(due: dt.date, opened: dt.date | None, closes: dt.date | None) -> str | None:
    """Why an indicator's due date cannot work, or None: it must fall within the question's life."""
    if opened and due < opened:
        return f"due date {due} is before the question opened ({opened})"
    if closes and due > closes:
        return f"due date {due} is after the question closes ({closes}), so it could never count"
    return None


def indicator_entry(indicator: Indicator) -> dict:
    """The indicator as the file writes it: keys in the documented order, values as ``read_indicator`` reads them."""
    return {"id": indicator.id, "description": indicator.description, "due": indicator.due,
            "recorded": utc_seconds(indicator.recorded) if indicator.recorded else None,
            "probabilities": indicator.probabilities, "observed": indicator.observed, "evidence": indicator.evidence}
