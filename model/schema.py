"""The question file format: from parsed YAML nodes to a ``Question``, collecting every problem.

The format is documented in ``docs/format.md``. Each check is a small function
that records a located problem and carries on, so one run of ``vane check``
reports everything that is wrong with a file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from model.dates import parse_day, parse_utc
from model.errors import Problem, did_you_mean
from model.grades import parse_grade
from model.limits import MAX_ENTRIES, MAX_SCENARIOS
from model.question import (
    ANNULLED,
    Evidence,
    Indicator,
    Prior,
    Question,
    Resolution,
    Scenario,
)
from model.ratings import likelihood_units, rating_units
from model.stories import join_stories, repeated_items
from model.yamlread import Mapping, Node, Scalar, Sequence

QUESTION_KEYS = (
    "question", "description", "opened", "closes", "spot_scoring", "ordered",
    "scenarios", "prior", "evidence", "indicators", "resolution",
)
REQUIRED_QUESTION_KEYS = ("question", "opened", "closes", "scenarios", "prior")
PRIOR_KEYS = ("probabilities", "basis")
EVIDENCE_KEYS = (
    "id", "date", "recorded", "summary", "source", "url", "grade",
    "story", "analyst", "ratings", "likelihoods",
)
INDICATOR_KEYS = ("id", "description", "due", "recorded", "probabilities", "observed", "evidence")
RESOLUTION_KEYS = ("scenario", "date", "note", "url", "history")
HISTORY_KEYS = ("scenario", "date", "note", "url", "replaced")
PRIOR_SUM_TOLERANCE = 1e-3
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
IDENTIFIER_TEXT = "at most 100 letters, digits, '.', '_' or '-', starting with a letter or digit"
MAX_IDENTIFIER_LENGTH = 100  # ids become file names and table cells


def is_identifier(text: str) -> bool:
    """True when the whole of ``text`` is an id (a full match: a trailing newline is not allowed)."""
    return len(text) <= MAX_IDENTIFIER_LENGTH and IDENTIFIER.fullmatch(text) is not None


@dataclass
class Findings:
    """Problems found in one file so far."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        """Record a problem at ``line``."""
        self.problems.append(Problem(self.path, line, message))


_LATEST_ZONE = dt.timezone(dt.timedelta(hours=14))  # where on Earth the date changes first


@dataclass(frozen=True)
class Clock:
    """What "now" is for date checks; injected so tests can fix it."""

    now: dt.datetime

    @property
    def today(self) -> dt.date:
        """Today's date where the user is (the default date of new evidence and views)."""
        return self.now.astimezone().date()

    def is_future(self, day: dt.date) -> bool:
        """True when ``day`` has not begun anywhere on Earth yet.

        Files are shared between analysts in different time zones; a date that is
        already today in Tokyo is not "in the future" for a colleague in New York.
        """
        return day > self.now.astimezone(_LATEST_ZONE).date()

    @classmethod
    def system(cls) -> "Clock":
        """The real clock, in UTC."""
        return cls(dt.datetime.now(dt.timezone.utc))


# --- small typed readers: return the value, or record a problem and return None ---


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


def read_date(node: Node | None, what: str, found: Findings, line: int) -> dt.date | None:
    """A date written YYYY-MM-DD, in the accepted years (``model.dates``)."""
    text = read_text(node, what, found, line)
    if text is None:
        return None
    try:
        return parse_day(text)
    except ValueError as error:
        found.add(node.line, f"{what} '{text}' {error}")
        return None


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
    text = read_text(node, what, found, line)
    if text is None:
        return None
    try:
        return parse_utc(text)
    except ValueError as error:
        found.add(node.line, f"{what} '{text}' {error}")
        return None


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


def read_url(node: Node | None, what: str, found: Findings, line: int) -> str | None:
    """An optional http(s) address."""
    text = read_text(node, what, found, line, required=False)
    if text and not re.match(r"^https?://[^\s]+$", text, re.IGNORECASE):
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


# --- the parts of a question ---


def read_scenarios(node: Node | None, found: Findings, line: int) -> tuple[Scenario, ...]:
    """``scenarios:`` as ``id: description`` lines, at least two."""
    mapping = read_mapping(node, "scenarios", found, line)
    if mapping is None:
        return ()
    scenarios = []
    for key, value in mapping.items:
        if not is_identifier(key.text):
            found.add(key.line, f"scenario id '{key.text}' must be {IDENTIFIER_TEXT}")
        elif key.text == ANNULLED:
            found.add(key.line, f"'{ANNULLED}' is reserved for annulled questions; pick another scenario id")
        description = read_text(value, f"the description of scenario '{key.text}'", found, key.line)
        scenarios.append(Scenario(key.text, description or ""))
    if len(scenarios) < 2:
        found.add(line, "a question needs at least two scenarios")
    return tuple(scenarios)


def read_scenario_numbers(
    node: Node | None, what: str, scenario_ids, found: Findings, line: int
) -> dict[str, tuple[float, int]]:
    """A ``scenario: number`` mapping; unknown scenarios are problems. Values keep their line."""
    mapping = read_mapping(node, what, found, line)
    if mapping is None:
        return {}
    numbers = {}
    for key, value in mapping.items:
        if key.text not in scenario_ids:
            hint = did_you_mean(key.text, scenario_ids)
            found.add(key.line, f"{what} names unknown scenario '{key.text}'{hint}")
            continue
        number = read_number(value, f"{what} for '{key.text}'", found, key.line)
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


def read_prior(node: Node | None, scenario_ids, found: Findings, line: int) -> Prior | None:
    """``prior:`` with ``probabilities`` (or ``uniform``) and a ``basis``."""
    mapping = read_mapping(node, "prior", found, line)
    if mapping is None:
        return None
    check_keys(mapping, PRIOR_KEYS, PRIOR_KEYS, "prior", found, line)
    basis = read_text(mapping.get("basis"), "prior basis", found, line)
    given = mapping.get("probabilities")
    if isinstance(given, Scalar) and given.text == "uniform" and scenario_ids:
        return Prior({sid: 1.0 / len(scenario_ids) for sid in scenario_ids}, basis or "")
    if given is None:  # reported by check_keys
        return None
    numbers = read_scenario_numbers(given, "prior probabilities", scenario_ids, found, mapping.line)
    if not numbers:
        return None
    ok = require_every_scenario(numbers, given, "prior probabilities", scenario_ids, found)
    for sid, (value, value_line) in numbers.items():
        if value <= 0 or value >= 1:
            found.add(value_line, f"prior probability for '{sid}' must be above 0 and below 1, not {value:g}")
            ok = False
    total = sum(value for value, _ in numbers.values())
    if ok and abs(total - 1.0) > PRIOR_SUM_TOLERANCE:
        found.add(given.line, f"prior probabilities sum to {total:.4g}, not 1")
        ok = False
    if not ok or basis is None:
        return None
    return Prior({sid: numbers[sid][0] / total for sid in scenario_ids}, basis)


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
    recorded = _read_recorded(mapping, date, clock, found)
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
        line=line,
    )
    return item if len(found.problems) == before else None


def _read_recorded(mapping: Mapping, date: dt.date | None, clock: Clock, found: Findings) -> dt.datetime | None:
    """The optional ``recorded`` time: not in the future, and not before ``date`` (when there is one)."""
    node = mapping.get("recorded")
    if node is None:
        return None
    recorded = read_datetime(node, "recorded", found, mapping.line)
    if recorded is None:
        return None
    if recorded > clock.now + dt.timedelta(minutes=5):  # a little slack for clock skew
        found.add(node.line, f"recorded time {recorded:%Y-%m-%d %H:%M} UTC is in the future")
    elif date and recorded.astimezone(_LATEST_ZONE).date() < date:  # before the date began anywhere
        found.add(node.line, f"recorded {recorded.date()} is before the evidence date {date}")
    return recorded


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
    recorded = _read_recorded(mapping, None, clock, found)
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


def read_resolution(node: Node, scenario_ids, opened, clock: Clock, found: Findings, line: int) -> Resolution | None:
    """``resolution:``: the scenario that happened (or ``annulled``), its date, a note, and earlier resolutions."""
    mapping = read_mapping(node, "resolution", found, line)
    if mapping is None:
        return None
    before = len(found.problems)
    check_keys(mapping, RESOLUTION_KEYS, ("scenario", "date", "note"), "resolution", found, line)
    resolution = _resolution_fields(mapping, scenario_ids, opened, clock, found, "resolution")
    history = _read_list(mapping.get("history"), "resolution history",
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


def due_date_problem(due: dt.date, opened: dt.date | None, closes: dt.date | None) -> str | None:
    """Why an indicator's due date cannot work, or None: it must fall within the question's life."""
    if opened and due < opened:
        return f"due date {due} is before the question opened ({opened})"
    if closes and due > closes:
        return f"due date {due} is after the question closes ({closes}), so it could never count"
    return None


def check_unique_ids(evidence, indicators, found: Findings, written_ids: set[str]) -> None:
    """Evidence and indicator ids are unique within a question; indicator links resolve.

    ``written_ids`` holds every evidence id in the file, including items with
    problems of their own, so a link to such an item is not reported twice.
    """
    seen: dict[str, int] = {}
    for thing in (*evidence, *indicators):
        if thing.id in seen:
            found.add(thing.line, f"duplicate id '{thing.id}' (first used on line {seen[thing.id]})")
        else:
            seen[thing.id] = thing.line
    for indicator in indicators:
        if indicator.evidence and indicator.evidence not in written_ids:
            found.add(indicator.line, f"indicator '{indicator.id}' links to unknown evidence '{indicator.evidence}'")


def check_repeated_items(evidence: list[Evidence], found: Findings) -> None:
    """Items entered twice (the same link or summary outside one story) would count twice: each is a problem."""
    for item, earlier, reason in repeated_items(evidence):
        found.add(item.line, f"evidence '{item.id}' has {reason} as '{earlier.id}' (line {earlier.line}) and would "
                             f"count twice; if it reports the same story, give it 'story: {earlier.id}', else remove it")


def within_limits(mapping: Mapping, found: Findings) -> bool:
    """False, with a problem naming the limit, when a question is larger than ``model.limits`` allows.

    Checked before anything else, so an oversized file costs no more than reading it.
    """
    before = len(found.problems)
    scenarios = mapping.get("scenarios")
    if isinstance(scenarios, Mapping) and len(scenarios.items) > MAX_SCENARIOS:
        found.add(mapping.key_line("scenarios"),
                  f"{len(scenarios.items)} scenarios; a question may have at most {MAX_SCENARIOS}")
    lists = {key: mapping.get(key) for key in ("evidence", "indicators")}
    counts = {key: len(node.items) if isinstance(node, Sequence) else 0 for key, node in lists.items()}
    if sum(counts.values()) > MAX_ENTRIES:
        where = "evidence" if counts["evidence"] else "indicators"
        found.add(mapping.key_line(where), f"{counts['evidence']} evidence items and {counts['indicators']} indicators; "
                                           f"a question may have at most {MAX_ENTRIES} in all")
    return len(found.problems) == before


def question_from_node(root: Node | None, path: str, question_id: str, clock: Clock) -> tuple[Question | None, list[Problem]]:
    """Build a ``Question`` from a parsed file, or None with every problem found."""
    found = Findings(path)
    if root is None:
        found.add(0, "the file is empty")
        return None, found.problems
    mapping = read_mapping(root, "a question file", found, 1)
    if mapping is None or not within_limits(mapping, found):
        return None, found.problems
    check_keys(mapping, QUESTION_KEYS, REQUIRED_QUESTION_KEYS, "the question", found, 1)
    get, at = mapping.get, mapping.key_line
    title = read_text(get("question"), "question", found, at("question"))
    opened, opened_at = read_moment(get("opened"), "opened", found, at("opened")) or (None, None)
    closes, closes_at = read_moment(get("closes"), "closes", found, at("closes")) or (None, None)
    if opened and closes and (closes < opened or (opened_at and closes_at and closes_at < opened_at)):
        found.add(at("closes"), f"closes ({closes}) is before opened ({opened})")
    spot = read_moment(get("spot_scoring"), "spot_scoring", found, at("spot_scoring")) if get("spot_scoring") else None
    scenarios = read_scenarios(get("scenarios"), found, at("scenarios")) if get("scenarios") else ()
    ids = tuple(scenario.id for scenario in scenarios)
    prior = read_prior(get("prior"), ids, found, at("prior")) if get("prior") else None
    evidence = _read_list(get("evidence"), "evidence", lambda n: read_evidence_item(n, ids, clock, found), found, at("evidence"))
    indicators = _read_list(get("indicators"), "indicators", lambda n: read_indicator(n, ids, clock, found), found, at("indicators"))
    check_unique_ids(evidence, indicators, found, _written_ids(get("evidence")))
    evidence = join_stories(evidence)
    check_repeated_items(evidence, found)
    for indicator in indicators:
        problem = due_date_problem(indicator.due, opened, closes)
        if problem:
            found.add(indicator.line, f"indicator '{indicator.id}': {problem}")
    resolution = read_resolution(get("resolution"), ids, opened, clock, found, at("resolution")) if get("resolution") else None
    ordered = read_bool(get("ordered"), "ordered", found, at("ordered")) if get("ordered") else False
    description = read_text(get("description"), "description", found, at("description"), required=False)
    if found.problems:
        return None, found.problems
    question = Question(
        id=question_id, path=path, title=title, opened=opened, closes=closes,
        scenarios=scenarios, prior=prior, evidence=tuple(evidence), indicators=tuple(indicators),
        resolution=resolution, ordered=bool(ordered), description=description or "",
        opened_at=opened_at, closes_at=closes_at, spot_scoring_at=_as_moment(spot),
    )
    return question, []


def _as_moment(moment) -> dt.datetime | None:
    """A read (day, time) as a time; a bare day means the end of that day (UTC)."""
    if moment is None:
        return None
    day, exact = moment
    return exact or dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)


def _written_ids(node: Node | None) -> set[str]:
    entries = node.items if isinstance(node, Sequence) else ()
    return {entry.get("id").text for entry in entries if isinstance(entry, Mapping) and isinstance(entry.get("id"), Scalar)}


def _read_list(node, what, read_one, found: Findings, line: int) -> list:
    if node is None:
        return []
    sequence = read_sequence(node, what, found, line)
    if sequence is None:
        return []
    return [thing for thing in map(read_one, sequence.items) if thing is not None]
