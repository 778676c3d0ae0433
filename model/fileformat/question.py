"""A question file as a whole: the ``Question`` type, its keys, its reader and its writers.

The format is documented in ``docs/format.md``. Each check is a small function
that records a located problem and carries on, so one run of ``vane check``
reports everything that is wrong with a file. The parts live beside this
module: ``evidence``, ``indicator``, ``resolution``; the values they are made of
in ``values``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, cached_property

import msgspec
from msgspec import Struct

from model.base.clock import Clock
from model.base.errors import Problem
from model.base.limits import MAX_ENTRIES, MAX_SCENARIOS
from model.fileformat import evidence_block
from model.fileformat.evidence import (
    Evidence,
    evidence_entry,
    read_evidence_item,
)
from model.fileformat.evidence_block import Block
from model.fileformat.indicator import (
    Indicator,
    due_date_problem,
    indicator_entry,
    read_indicator,
)
from model.fileformat.resolution import (
    ANNULLED,
    Resolution,
    read_resolution,
    render_resolution,
)
from model.fileformat.stories import join_stories, repeated_items
from model.fileformat.values import (
    IDENTIFIER_TEXT,
    Findings,
    check_keys,
    is_identifier,
    read_bool,
    read_identifier,
    read_list,
    read_mapping,
    read_moment,
    read_scenario_numbers,
    read_sequence,
    read_text,
    require_every_scenario,
    written_time,
)
from model.fileformat.yamlread import Mapping, Node, Scalar, Sequence, load_string
from model.fileformat.yamlwrite import render_entry, render_mapping, render_value


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)


class Scenario(Struct, frozen=True):
    """One of a question's mutually exclusive outcomes."""

    id: str
    description: str


class Prior(Struct, frozen=True):
    """The analyst's prior over scenarios and where it came from."""

    probabilities: dict[str, float]
    basis: str


@dataclass(frozen=True)
class Question:
    """A question: competing scenarios, a prior, and the evidence tagged so far."""

    id: str
    path: str
    title: str
    opened: dt.date
    closes: dt.date
    scenarios: tuple[Scenario, ...]
    prior: Prior
    evidence: tuple[Evidence, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    resolution: Resolution | None = None
    ordered: bool = False
    description: str = ""
    opened_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    spot_scoring_at: dt.datetime | None = None
    tags: tuple[str, ...] = ()  # topics to cut the track record by (``vane score --by tag``)

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """The question's life for scoring: from opening to close, or to its resolution if that came first.

        Dates mean 00:00 UTC for the opening and the end of the day for the close
        and the resolution. Forecasts made once the answer was known score nothing.
        """
        start = self.opened_at or dt.datetime.combine(self.opened, dt.time(), dt.timezone.utc)
        end = self.closes_at or _end_of(self.closes)
        if self.resolution and self.resolution.date < end.date():
            end = max(start, _end_of(self.resolution.date))
        return start, end

    @property
    def spot_scoring_time(self) -> dt.datetime:
        """When spot scores are taken: ``spot_scoring`` if given, else the close."""
        return self.spot_scoring_at or self.window[1]

    @cached_property
    def scenario_ids(self) -> tuple[str, ...]:
        """Scenario ids in file order (computed once: scoring asks for them in every inner loop)."""
        return tuple(scenario.id for scenario in self.scenarios)

    @property
    def is_resolved(self) -> bool:
        """True once a resolution (including annulment) is recorded."""
        return self.resolution is not None

    @property
    def outcome(self) -> str | None:
        """The scenario that happened; None while open or when annulled (nothing to score or learn from)."""
        return self.resolution.outcome if self.resolution and not self.resolution.annulled else None

    @property
    def horizon(self) -> dt.date:
        """The last day that counts: the closing date, or the resolution date if earlier."""
        if self.resolution and self.resolution.date < self.closes:
            return self.resolution.date
        return self.closes

    def __getattr__(self, name: str):
        """Only ever for ``evidence`` of a question read from the parse cache, kept packed until first asked for
        (``model.workspace.cache``: ``vane status`` on an unchanged workspace never unpacks it)."""
        if name == "evidence":
            packed = self.__dict__.pop(PACKED_EVIDENCE, None)
            if packed is not None:
                evidence = self.__dict__["evidence"] = packed()
                return evidence
        raise AttributeError(f"'Question' object has no attribute '{name}'")

    def __reduce__(self):
        """Pickled with its evidence packed (``packed_parts``): a question sent back by a worker process, or
        kept in the parse cache, is unpickled without its items until something asks for them."""
        return unpacked_question, packed_parts(self)


def packed_parts(question: "Question") -> tuple[dict, bytes]:
    """A question as its ``__dict__`` without the evidence, and the evidence packed (``PackedEvidence``; as it was
    packed before, when it was: a question just kept in the parse cache is then sent back from its worker
    without packing its items twice)."""
    state = dict(question.__dict__)
    packed, evidence = state.pop(PACKED_EVIDENCE, None), state.pop("evidence", None)
    if packed is not None:
        return state, packed.data
    data = _PACKER.encode(evidence)
    question.__dict__[PACKED_EVIDENCE] = PackedEvidence(data)  # (beside the evidence: packed once)
    return state, data


def unpacked_question(state: dict, evidence: bytes) -> "Question":
    """The question of ``packed_parts``, its evidence still packed (unpacked when first asked for)."""
    question = Question.__new__(Question)
    question.__dict__.update(state)
    question.__dict__[PACKED_EVIDENCE] = PackedEvidence(evidence)
    return question


class PackedEvidence:
    """A question's evidence as MessagePack, unpacked when called.

    Unpacking each item was most of the cost of reading a workspace from the
    parse cache, and a status already worked out needs none of them. msgspec
    writes 100 items in about 80 us and reads them in 300 us, where pickle took
    360 and 430 us (the parse workers pack every question they send back). Times
    are kept as instants: every time read from a file is UTC.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __call__(self) -> tuple:
        return _unpacker().decode(self.data)


_PACKER = msgspec.msgpack.Encoder()


@cache
def _unpacker() -> msgspec.msgpack.Decoder:
    """The reader of ``PackedEvidence`` (made on first use: 0.5 ms, and a warm ``vane status`` unpacks nothing)."""
    return msgspec.msgpack.Decoder(tuple[Evidence, ...])


PACKED_EVIDENCE = "_packed_evidence"
"""Where a question keeps its evidence before it is unpacked (``PackedEvidence``)."""


# ``evidence`` is looked up on each question only: a class-level default (which ``dataclass`` leaves, and which
# ``__init__`` does not need) would answer for a question whose evidence is still packed
del Question.evidence


QUESTION_KEYS = (
    "question", "description", "tags", "opened", "closes", "spot_scoring", "ordered",
    "scenarios", "prior", "evidence", "indicators", "resolution",
)


REQUIRED_QUESTION_KEYS = ("question", "opened", "closes", "scenarios", "prior")


PRIOR_KEYS = ("probabilities", "basis")


PRIOR_SUM_TOLERANCE = 1e-3


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


def within_limits(mapping: Mapping, found: Findings, block: Block | None = None) -> bool:
    """False, with a problem naming the limit, when a question is larger than ``model.base.limits`` allows
    (``block``: the evidence when it was taken out of the text before parsing).

    Checked before anything else, so an oversized file costs no more than reading it.
    """
    before = len(found.problems)
    scenarios = mapping.get("scenarios")
    if isinstance(scenarios, Mapping) and len(scenarios.items) > MAX_SCENARIOS:
        found.add(mapping.key_line("scenarios"),
                  f"{len(scenarios.items)} scenarios; a question may have at most {MAX_SCENARIOS}")
    lists = {key: mapping.get(key) for key in ("evidence", "indicators")}
    counts = {key: len(node.items) if isinstance(node, Sequence) else 0 for key, node in lists.items()}
    counts["evidence"] += block.count if block else 0
    if sum(counts.values()) > MAX_ENTRIES:
        where = "evidence" if counts["evidence"] else "indicators"
        found.add(mapping.key_line(where), f"{counts['evidence']} evidence items and {counts['indicators']} indicators; "
                                           f"a question may have at most {MAX_ENTRIES} in all")
    return len(found.problems) == before


def question_from_text(text: str, path: str, question_id: str, clock: Clock) -> tuple[Question | None, list[Problem]]:
    """Build a ``Question`` from a file's text, or None with every problem found.

    The evidence block is read by the shortcut for the layout the tool writes
    (``evidence_block``) and the rest by the YAML reader; on any problem, or
    whatever the shortcut cannot follow, the YAML reader reads the whole text,
    so the question and the problems are always the same as its.
    """
    block = evidence_block.split(text)
    if block is not None:
        root, problems = load_string(block.head, path)
        if not problems:
            try:
                question, problems = question_from_node(root, path, question_id, clock, block)
            except evidence_block.GiveUp:
                question = None
            if question is not None:
                return question, []
    root, problems = load_string(text, path)
    return (None, problems) if problems else question_from_node(root, path, question_id, clock)


def question_from_node(root: Node | None, path: str, question_id: str, clock: Clock,
                       block: Block | None = None) -> tuple[Question | None, list[Problem]]:
    """Build a ``Question`` from a parsed file, or None with every problem found.

    ``block``: the evidence, when it was taken out of the text before parsing (``question_from_text``).
    """
    found = Findings(path)
    if root is None:
        found.add(0, "the file is empty")
        return None, found.problems
    mapping = read_mapping(root, "a question file", found, 1)
    if mapping is None or not within_limits(mapping, found, block):
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
    if block is None:
        evidence = read_list(get("evidence"), "evidence", lambda n: read_evidence_item(n, ids, clock, found), found,
                             at("evidence"))
        written = _written_ids(get("evidence"))
    else:
        evidence = _block_items(mapping, block, ids, clock)
        written = {item.id for item in evidence}  # (every item was read: its id is as written)
    indicators = read_list(get("indicators"), "indicators", lambda n: read_indicator(n, ids, clock, found), found, at("indicators"))
    check_unique_ids(evidence, indicators, found, written)
    evidence = join_stories(evidence)
    check_repeated_items(evidence, found)
    for indicator in indicators:
        problem = due_date_problem(indicator.due, opened, closes)
        if problem:
            found.add(indicator.line, f"indicator '{indicator.id}': {problem}")
    resolution = read_resolution(get("resolution"), ids, opened, clock, found, at("resolution")) if get("resolution") else None
    ordered = read_bool(get("ordered"), "ordered", found, at("ordered")) if get("ordered") else False
    description = read_text(get("description"), "description", found, at("description"), required=False)
    tags = read_tags(get("tags"), found, at("tags")) if get("tags") is not None else ()
    if found.problems:
        return None, found.problems
    question = Question(
        id=question_id, path=path, title=title, opened=opened, closes=closes,
        scenarios=scenarios, prior=prior, evidence=tuple(evidence), indicators=tuple(indicators),
        resolution=resolution, ordered=bool(ordered), description=description or "",
        opened_at=opened_at, closes_at=closes_at, spot_scoring_at=_as_moment(spot), tags=tags,
    )
    return question, []


def read_tags(node, found: Findings, line: int) -> tuple[str, ...]:
    """``tags: [russia, diplomacy]``: ids, each once, in the order written."""
    sequence = read_sequence(node, "tags", found, line)
    tags = [read_identifier(item, "tag", found, line) for item in (sequence.items if sequence else ())]
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def _as_moment(moment) -> dt.datetime | None:
    """A read (day, time) as a time; a bare day means the end of that day (UTC)."""
    if moment is None:
        return None
    day, exact = moment
    return exact or dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)


def _block_items(mapping: Mapping, block: Block, ids: tuple[str, ...], clock: Clock) -> list[Evidence]:
    """The items of an evidence block taken out of the text; ``GiveUp`` unless the text without it has the
    ``evidence:`` key where the block was, empty (not, say, inside a quoted value that ran over it)."""
    value = mapping.get("evidence")
    if mapping.key_line("evidence") != block.key_line or not isinstance(value, Scalar) or not value.is_null:
        raise evidence_block.GiveUp
    return block.items(ids, clock)


def _written_ids(node: Node | None) -> set[str]:
    entries = node.items if isinstance(node, Sequence) else ()
    return {entry.get("id").text for entry in entries if isinstance(entry, Mapping) and isinstance(entry.get("id"), Scalar)}


NO_BASIS = {False: "uniform: no base rate chosen yet", True: "not stated yet: say where these priors come from"}
"""The basis a new question is written with when none is given (without priors, then with them)."""


def question_text(
    title: str, opened: dt.date, closes: dt.date, scenarios: dict[str, str],
    prior: dict[str, float] | None = None, basis: str = "", ordered: bool = False, tags=(),
) -> str:
    """The YAML text of a new question, commented for a first-time user."""
    quoted = render_value
    if prior:
        probabilities = render_value(prior)
    else:
        probabilities = "uniform"
    lines = [
        f"# {title}",
        "# A Weathervane question; the format is described in docs/format.md.",
        "# Tag evidence with: vane add <question> --summary \"...\" --rate <scenario>=+",
        f"question: {quoted(title)}",
        *([f"tags: {render_value(list(tags))}   # topics, to cut the track record by (vane score --by tag)"]
          if tags else []),
        f"opened: {opened}",
        f"closes: {closes}",
    ]
    lines += ["ordered: true   # scenarios are in order (date bins, escalation levels)"] if ordered else []
    lines += ["scenarios:   # mutually exclusive, together exhaustive"]
    lines += [f"  {sid}: {quoted(description)}" for sid, description in scenarios.items()]
    lines += [
        "prior:",
        f"  basis: {quoted(basis or NO_BASIS[bool(prior)])}",
        f"  probabilities: {probabilities}",
        "evidence: []",
        "indicators: []",
    ]
    return "\n".join(lines) + "\n"


def render_question(question: Question, comment: str = "") -> str:
    """The complete YAML text of a ``Question`` (the file ``load_question`` would read it from)."""
    lines = [f"# {line}\n" for line in comment.splitlines()]
    lines.append(render_mapping({
        "question": question.title, "description": question.description, "tags": list(question.tags) or None,
        "opened": written_time(question.opened_at) or question.opened, "closes": written_time(question.closes_at) or question.closes,
        "spot_scoring": written_time(question.spot_scoring_at), "ordered": question.ordered or None,
    }, 0))
    lines.append("scenarios:\n" + render_mapping({s.id: s.description for s in question.scenarios}, 2))
    lines.append("prior:\n" + render_mapping({"basis": question.prior.basis, "probabilities": {
        sid: round(p, 12) for sid, p in question.prior.probabilities.items()}}, 2))
    lines.append("evidence:" + ("\n" if question.evidence else " []\n"))
    lines += [render_entry(evidence_entry(item), 2, 4) for item in question.evidence]
    lines.append("indicators:" + ("\n" if question.indicators else " []\n"))
    lines += [render_entry(indicator_entry(indicator), 2, 4) for indicator in question.indicators]
    if question.resolution:
        lines.append("resolution:\n" + render_resolution(question.resolution))
    return "".join(lines)

