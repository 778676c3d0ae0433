"""The values every record is made of (text, ids, dates, times, numbers, URLs), read once.

Each reader returns the value, or records a located problem in ``Findings``
and returns None, so one read of a file reports everything wrong with it.
The writer side is ``model.fileformat.yamlwrite``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

from msgspec import Struct, field

from model.base.clock import _LATEST_ZONE, Clock
from model.base.dates import parse_day, parse_utc, utc_iso
from model.base.errors import Problem, did_you_mean
from model.base.numbers import probability_value
from model.fileformat.yamlread import Mapping, Node, Scalar, Sequence

IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


IDENTIFIER_TEXT = "at most 100 letters, digits, '.', '_' or '-', starting with a letter or digit"


MAX_IDENTIFIER_LENGTH = 100  # ids become file names and table cells


def is_identifier(text: str) -> bool:
    """True when the whole of ``text`` is an id (a full match: a trailing newline is not allowed)."""
    return len(text) <= MAX_IDENTIFIER_LENGTH and IDENTIFIER.fullmatch(text) is not None


class Findings(Struct):
    """Problems found in one file so far."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        """Record a problem at ``line``."""
        self.problems.append(Problem(self.path, line, message))


def read_mapping(node: Node | None, what: str, found: Findings, line: int) -> Mapping | None:
    """``node`` as a mapping, or None with a problem."""
    if isinstance(node, Mapping):
        return node
    found.add(getattr(node, "line", line), f"{what} must be a mapping of 'key: value' lines")
    return None


def read_sequence(node: Node | None, what: str, found: Findings, line: int) -> Sequence | None:
    """``node`` as a list; an empty value counts as an empty list."""
    if isinstance(node, Sequence):
        return node
    if isinstance(node, Scalar) and node.is_null:
        return Sequence((), node.line)
    found.add(getattr(node, "line", line), f"{what} must be a list of '- ' entries")
    return None


def read_text(node: Node | None, what: str, found: Findings, line: int, required=True) -> str | None:
    """A non-empty text value; "" when optional and absent.

    An absent required key is left to ``check_keys``, which reports it once.
    """
    if node is None:
        return None if required else ""
    if isinstance(node, Scalar) and node.is_null:
        if required:
            found.add(node.line, f"{what} must not be empty")
            return None
        return ""
    if not isinstance(node, Scalar):
        found.add(node.line, f"{what} must be text, not a list or mapping")
        return None
    text = node.text.strip()
    if not text and required:
        found.add(node.line, f"{what} must not be empty")
        return None
    return text


def read_parsed(node: Node | None, what: str, found: Findings, line: int, parse):
    """``parse(text)`` of a required text value, or None with the parser's reason as a problem."""
    text = read_text(node, what, found, line)
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError as error:
        found.add(node.line, f"{what} '{text}' {error}")
        return None


def read_date(node: Node | None, what: str, found: Findings, line: int) -> dt.date | None:
    """A date written YYYY-MM-DD, in the accepted years (``model.base.dates``)."""
    return read_parsed(node, what, found, line, parse_day)


def read_moment(node: Node | None, what: str, found: Findings, line: int) -> tuple[dt.date, dt.datetime | None] | None:
    """A day (YYYY-MM-DD) or an exact time (ISO 8601): the day, and the time when one was given."""
    text = read_text(node, what, found, line)
    if text is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = read_date(node, what, found, line)
        return (day, None) if day else None
    moment = read_datetime(node, what, found, line)
    return (moment.date(), moment) if moment else None


def read_datetime(node: Node | None, what: str, found: Findings, line: int) -> dt.datetime | None:
    """An ISO 8601 time in the accepted years, as UTC; without a zone it is taken as UTC."""
    return read_parsed(node, what, found, line, parse_utc)


def read_number(node: Node | None, what: str, found: Findings, line: int) -> float | None:
    """A finite number."""
    text = read_text(node, what, found, line)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        found.add(node.line, f"{what} '{text}' is not a number")
        return None
    return number


def read_probability(node: Node | None, what: str, found: Findings, line: int) -> float | None:
    """A probability as people write it (``0.3``, ``30%``, odds ``1:4``); its range is the caller's to check."""
    return read_parsed(node, what, found, line, probability_value)


def read_bool(node: Node | None, what: str, found: Findings, line: int) -> bool | None:
    """``true`` or ``false``."""
    text = read_text(node, what, found, line)
    if text is None:
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    found.add(node.line, f"{what} must be true or false, not '{text}'")
    return None


def read_identifier(node: Node | None, what: str, found: Findings, line: int) -> str | None:
    """An id: letters, digits and . _ - ."""
    text = read_text(node, what, found, line)
    if text is not None and not is_identifier(node.text):  # as written: no spaces or newline around it either
        found.add(node.line, f"{what} '{node.text}' must be {IDENTIFIER_TEXT}")
        return None
    return text


def is_url(text: str) -> bool:
    """True for an http(s) address with no spaces in it."""
    return re.fullmatch(r"https?://\S+", text, re.IGNORECASE) is not None


def read_url(node: Node | None, what: str, found: Findings, line: int) -> str | None:
    """An optional http(s) address."""
    text = read_text(node, what, found, line, required=False)
    if text and not is_url(text):
        found.add(node.line, f"{what} '{text}' must be an http:// or https:// address")
        return None
    return text


def check_keys(mapping: Mapping, allowed, required, what: str, found: Findings, line: int = 0) -> None:
    """Unknown keys (with a did-you-mean hint) and missing required keys (reported at ``line``)."""
    for key in mapping.keys():
        if key.text not in allowed:
            hint = did_you_mean(key.text, allowed)
            found.add(key.line, f"unknown key '{key.text}' in {what}{hint}")
    present = {key.text for key in mapping.keys()}
    for key in required:
        if key not in present:
            found.add(line or mapping.line, f"{what} is missing '{key}'")


def read_scenario_numbers(
    node: Node | None, what: str, scenario_ids, found: Findings, line: int
) -> dict[str, tuple[float, int]]:
    """A ``scenario: probability`` mapping; unknown scenarios are problems. Values keep their line."""
    mapping = read_mapping(node, what, found, line)
    if mapping is None:
        return {}
    numbers = {}
    for key, value in mapping.items:
        if key.text not in scenario_ids:
            hint = did_you_mean(key.text, scenario_ids)
            found.add(key.line, f"{what} names unknown scenario '{key.text}'{hint}")
            continue
        number = read_probability(value, f"{what} for '{key.text}'", found, key.line)
        if number is not None:
            numbers[key.text] = (number, key.line)
    return numbers


def require_every_scenario(numbers: dict, node: Node, what: str, scenario_ids, found: Findings) -> bool:
    """False when some scenario has no valid value; a problem names those not written at all.

    A value written but invalid has already been reported where it stands.
    """
    written = {key.text for key in node.keys()} if isinstance(node, Mapping) else set()
    missing = [sid for sid in scenario_ids if sid not in written]
    if missing:
        found.add(node.line, f"{what} has no value for {', '.join(repr(m) for m in missing)}")
    return all(sid in numbers for sid in scenario_ids)


def read_recorded(mapping: Mapping, date: dt.date | None, clock: Clock, found: Findings) -> dt.datetime | None:
    """The optional ``recorded`` time: not in the future, and not before ``date`` (when there is one)."""
    node = mapping.get("recorded")
    if node is None:
        return None
    recorded = read_datetime(node, "recorded", found, mapping.line)
    if recorded is None:
        return None
    problem = recorded_problem(recorded, date, clock)
    if problem:
        found.add(node.line, problem)
    return recorded


def recorded_problem(recorded: dt.datetime, date: dt.date | None, clock: Clock) -> str | None:
    """Why a ``recorded`` time is refused for an item dated ``date``: in the future, or before the date began
    anywhere on Earth; None when it is fine."""
    if recorded > clock.now + CLOCK_SKEW:
        return f"recorded time {recorded:%Y-%m-%d %H:%M} UTC is in the future"
    if date and recorded < _first_moment(date):
        return f"recorded {recorded.date()} is before the evidence date {date}"
    return None


CLOCK_SKEW = dt.timedelta(minutes=5)  # a recorded time this far ahead of the clock is taken as the clock's skew


@functools.lru_cache(maxsize=4096)
def _first_moment(day: dt.date) -> dt.datetime:
    """When ``day`` begins anywhere on Earth (kept: an item's date is compared with its recorded time on every
    read, and dates repeat)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=_LATEST_ZONE)


def read_list(node, what, read_one, found: Findings, line: int) -> list:
    if node is None:
        return []
    sequence = read_sequence(node, what, found, line)
    if sequence is None:
        return []
    return [thing for thing in map(read_one, sequence.items) if thing is not None]


def written_time(moment: dt.datetime | None) -> str | None:
    """A time as the files write it (UTC, ISO 8601 with ``Z``), or None when there is none."""
    return utc_iso(moment) if moment else None
