"""The evidence of a question file read quickly when it is laid out as the tool writes it.

Evidence is most of a question file, and building a YAML node for each of its
values costs about 100 us an item: a thousand questions of 120 items took 20 s
of CPU to read for the first time. Items written by ``vane add`` (or laid out
the same way by hand) follow one pattern: ``  - id: ...`` then one
``    key: value`` line per key in the documented order, plain or quoted
one-line values, ``ratings`` as a one-line mapping of symbols. Such an item is
read here straight from its text, with the checks ``read_evidence_item`` makes.

This is only ever a shortcut, never a second reader with its own rules:

- The block is the lines after a top-level ``evidence:`` line, each starting
  ``"  - "`` or four spaces, up to the next top-level key; anything else
  (a comment, a blank line, another indentation) and the file is read whole
  by the YAML reader.
- An item this pattern does not describe (likelihoods, a retraction, a
  multi-line or escaped value, a character YAML treats specially) is parsed by
  the YAML reader on its own, at its own lines, and read by
  ``read_evidence_item``.
- Any problem, anywhere, and the file is read whole again by the YAML reader
  (``GiveUp``), so messages are always that reader's.

Tests compare both readings on written files and on thousands of damaged ones.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache

from msgspec import Struct
from msgspec.structs import replace

from model.base.clock import Clock
from model.base.dates import parse_day, parse_utc
from model.fileformat.evidence import Evidence, read_evidence_item
from model.fileformat.grades import parse_grade
from model.fileformat.ratings import SYMBOLS
from model.fileformat.values import (
    MAX_IDENTIFIER_LENGTH,
    Findings,
    is_url,
    recorded_problem,
)
from model.fileformat.yamlread import NULL_WORDS, Mapping, Sequence, load_string


class GiveUp(Exception):
    """The shortcut cannot read this file exactly as the YAML reader would: read it whole."""


# One character of a value: printable in YAML and never a line break there (YAML 1.1 also breaks lines at
# U+0085, U+2028 and U+2029), no tab, no byte-order mark.
_CHAR = "[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufeff\\ud800-\\udfff\\ufffe\\uffff]"
# A plain value starts with a letter, digit or any character beyond ASCII (never an indicator such as - ? : # & *
# ! | > ' " % @ ` [ { ), holds no ": " or " #" (checked after the match) and has no space at its end.
_PLAIN = f"(?:[A-Za-z0-9(]|(?![\\x00-\\x9f]){_CHAR})(?:{_CHAR}*(?![\\s:]){_CHAR})?"
_SINGLE = f"'(?:(?!'){_CHAR}|'')*'"  # '' is a quote
_DOUBLE = f'"(?:(?!["\\\\]){_CHAR})*"'  # no escapes
_VALUE = f"({_PLAIN}|{_SINGLE}|{_DOUBLE})"  # as written, quotes and all
_ID = "[A-Za-z0-9][A-Za-z0-9_.-]*"
_OPTIONAL = ("recorded", "summary", "source", "url", "grade", "story", "analyst")


@cache
def _item() -> re.Pattern:
    """An item as the tool writes it (compiled on first use: 11 ms, which a command that reads no question file
    anew should not pay at start-up)."""
    return re.compile(
        f"  - id: ({_ID})\\n    date: ([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})\\n"
        + "".join(f"(?:    {key}: {_VALUE}\\n)" + ("" if key == "summary" else "?") for key in _OPTIONAL)
        + "    ratings: \\{((?:[^{}\\n\\\\]*))\\}\\n"
    )


_RATING = re.compile(f'({_ID}|"{_ID}"): ("(?:\\+\\+|\\+|0|-|--)"|[0-2])')
_RATINGS_WRITTEN = re.compile(f"{_RATING.pattern}(?:, {_RATING.pattern})*")
_IDENTIFIER = re.compile(_ID)
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")  # YAML counts lines at these too: the YAML reader's lines differ
_BLOCK = re.compile("^evidence:\\n((?:  - [^\\n]*\\n(?:    [^\\n]*\\n)*)+)", re.MULTILINE)


class Block(Struct, frozen=True):
    """A question file's evidence block: the text to parse without it (its lines left empty, so every line
    keeps its number), the block itself, and the line of the ``evidence:`` key."""

    head: str
    text: str
    key_line: int

    @property
    def count(self) -> int:
        """How many items the block holds."""
        return self.text.count("\n  - ") + 1

    def items(self, scenario_ids: tuple[str, ...], clock: Clock) -> list[Evidence]:
        """Every item as ``read_evidence_item`` reads it, in file order.

        Raises
        ------
        GiveUp
            When any item has a problem (the YAML reader then reads the whole file and says what).
        """
        reader, found, line, fullmatch = _Reader(scenario_ids, clock), [], self.key_line + 1, _item().fullmatch
        text, start, size = self.text, 0, len(self.text)
        while start < size:  # an entry at a time: from its "  - " to the next one's (matched in place, not copied)
            end = text.find("\n  - ", start) + 1 or size
            match = fullmatch(text, start, end)
            item = reader.quick(match.groups(), line) if match else None
            found.append(item or _slow(text[start:end], line, scenario_ids, clock))
            line += text.count("\n", start, end)
            start = end
        return found


def split(text: str) -> Block | None:
    """The evidence block of a question file's text, or None when it has none this reader can follow."""
    if any(breaks in text for breaks in _OTHER_BREAKS):
        return None
    match = _BLOCK.search(text)
    if match is None:
        return None
    end = match.end()
    if end < len(text) and not ("a" <= text[end].lower() <= "z"):  # the next line must be a top-level key
        return None
    block = match.group(1)
    head = text[: match.start(1)] + "\n" * block.count("\n") + text[end:]
    return Block(head, block, text.count("\n", 0, match.start()) + 1)


class _NotHere(Exception):
    """This item's layout is not the one read here: the YAML reader reads it."""


_RATINGS = 2 + len(_OPTIONAL)  # the group of the ratings' members (after the id, the date and the values)


class _Reader:
    """Reads matched items of one question: dates and ratings repeat from item to item, so each distinct one is
    worked out once."""

    def __init__(self, scenario_ids: tuple[str, ...], clock: Clock):
        self.scenario_ids, self.clock = scenario_ids, clock
        self.days: dict[str, dt.date] = {}
        self.ratings: dict[str, dict[str, float]] = {}

    def quick(self, groups: tuple, line: int) -> Evidence | None:
        """The item of a matched entry's ``groups`` (at ``line``), or None to leave it to the YAML reader."""
        try:
            return self._checked(groups, line)
        except _NotHere:
            return None

    def _checked(self, groups: tuple, line: int) -> Evidence:
        """``read_evidence_item``'s item; ``GiveUp`` where it would find a problem."""
        item_id = groups[0]
        if len(item_id) > MAX_IDENTIFIER_LENGTH:
            raise GiveUp
        recorded, summary, source, url, grade, story, analyst = map(_text, groups[2:_RATINGS])
        summary = summary.strip()
        if not summary:
            raise GiveUp
        date = self._day(groups[1])
        return Evidence(
            item_id, date, summary, self._units(groups[_RATINGS]), recorded=_recorded(recorded, date, self.clock),
            source=source.strip() if source else "", url=_url(url), grade=_grade(grade), story=_story(story),
            analyst=analyst.strip() if analyst else "", scale="ratings", line=line,
        )

    def _day(self, text: str) -> dt.date:
        """The date of ``text``, which must not be in the future."""
        day = self.days.get(text)
        if day is None:
            day = _parse_day(text)
            if self.clock.is_future(day):
                raise GiveUp
            self.days[text] = day
        return day

    def _units(self, written: str) -> dict[str, float]:
        """The rating units of ``{...}``'s members as written: every scenario, unrated ones 0 (a new dict)."""
        units = self.ratings.get(written)
        if units is None:
            units = self.ratings[written] = _units(written, self.scenario_ids)
        return dict(units)


@lru_cache(maxsize=4096)
def _parse_day(text: str) -> dt.date:
    """``parse_day``, kept: the same days recur across a workspace's questions."""
    try:
        return parse_day(text)
    except ValueError:
        raise GiveUp from None


def _text(written: str | None) -> str | None:
    """A value as written (``_VALUE``) as the YAML reader gives its text; None when there is no such key. A plain
    value with ": " or " #" in it, or written as null, is not for this reader."""
    if written is None:
        return None
    quote = written[0]
    if quote == "'":
        return written[1:-1].replace("''", "'")
    if quote == '"':
        return written[1:-1]
    if ": " in written or " #" in written or written in NULL_WORDS:
        raise _NotHere
    return written


def _recorded(text: str | None, date: dt.date, clock: Clock) -> dt.datetime | None:
    """``read_recorded``'s time."""
    if text is None:
        return None
    try:
        recorded = parse_utc(text.strip())
    except ValueError:
        raise GiveUp from None
    if recorded_problem(recorded, date, clock):
        raise GiveUp
    return recorded


def _url(text: str | None) -> str:
    address = text.strip() if text else ""
    if address and not is_url(address):
        raise GiveUp
    return address


def _grade(text: str | None) -> str:
    grade = text.strip() if text else ""
    if not grade:
        return ""
    try:
        return parse_grade(grade)
    except ValueError:
        raise GiveUp from None


def _story(text: str | None) -> str:
    if text is None:
        return ""
    if not _IDENTIFIER.fullmatch(text) or len(text) > MAX_IDENTIFIER_LENGTH:
        raise GiveUp
    return text


def _units(written: str, scenario_ids) -> dict[str, float]:
    """The rating units of ``{...}``'s members as written: every scenario, unrated ones 0."""
    units = dict.fromkeys(scenario_ids, 0.0)
    if not written:
        return units
    if not _RATINGS_WRITTEN.fullmatch(written):
        raise _NotHere
    pairs = _RATING.findall(written)
    for name, value in pairs:
        name = name.strip('"')
        if name not in units:
            raise GiveUp
        units[name] = _SYMBOL_UNITS[value]
    if len(dict(pairs)) != len(pairs):  # a scenario rated twice (written with and without quotes
        raise GiveUp                                     # counts twice too: the YAML reader refuses both)
    return units


_SYMBOL_UNITS = {f'"{symbol}"': float(units) for symbol, units in SYMBOLS.items()} | {"0": 0.0, "1": 1.0, "2": 2.0}


def _slow(entry: str, line: int, scenario_ids, clock: Clock) -> Evidence:
    """The item of one entry (at ``line``) read by the YAML reader on its own; ``GiveUp`` on any problem."""
    root, problems = load_string(entry, "")
    if problems or not isinstance(root, Sequence) or len(root.items) != 1 or not isinstance(root.items[0], Mapping):
        raise GiveUp
    found = Findings("")
    item = read_evidence_item(root.items[0], scenario_ids, clock, found)
    if item is None or found.problems:
        raise GiveUp
    return replace(item, line=line)  # (an item's line is its only position the reading keeps)
