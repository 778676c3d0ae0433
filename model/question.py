"""The analyst's world as plain immutable data: questions, scenarios, evidence, indicators.

Nothing here reads files or computes probabilities; see ``model.schema`` for
building these from YAML and ``model.engine`` for the arithmetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ANNULLED = "annulled"


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)


@dataclass(frozen=True)
class Scenario:
    """One of a question's mutually exclusive outcomes."""

    id: str
    description: str


@dataclass(frozen=True)
class Prior:
    """The analyst's prior over scenarios and where it came from."""

    probabilities: dict[str, float]
    basis: str


@dataclass(frozen=True)
class Evidence:
    """One tagged evidence item.

    ``units`` holds the rating units ``r_jk`` per scenario (model.md, "Ratings ->
    likelihood ratios"): ratings as written, or ``log P(E|S_k) / ln 2`` for
    explicit likelihoods. Scenarios not rated are neutral (0).
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
    indicator: str = ""  # the indicator this item stands for when it is not written in the file
    line: int = field(default=0, compare=False)

    @property
    def story_key(self) -> str:
        """The story this item belongs to: its ``story``, or else its own id."""
        return self.story or self.id


@dataclass(frozen=True)
class Indicator:
    """A signpost: evidence that has not happened yet, with ``q_k`` per scenario."""

    id: str
    description: str
    due: dt.date
    probabilities: dict[str, float]
    observed: dt.date | None = None
    evidence: str = ""
    recorded: dt.datetime | None = None  # when the indicator was entered (unknown for hand-written ones)
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Resolution:
    """What happened: a scenario id or ``annulled``, when, and the sources."""

    outcome: str
    date: dt.date
    note: str
    url: str = ""
    history: tuple["Resolution", ...] = ()
    replaced: dt.datetime | None = None
    line: int = field(default=0, compare=False)

    @property
    def annulled(self) -> bool:
        """True when the question was annulled rather than resolved to a scenario."""
        return self.outcome == ANNULLED


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

    @property
    def scenario_ids(self) -> tuple[str, ...]:
        """Scenario ids in file order."""
        return tuple(scenario.id for scenario in self.scenarios)

    @property
    def is_resolved(self) -> bool:
        """True once a resolution (including annulment) is recorded."""
        return self.resolution is not None

    @property
    def horizon(self) -> dt.date:
        """The last day that counts: the closing date, or the resolution date if earlier."""
        if self.resolution and self.resolution.date < self.closes:
            return self.resolution.date
        return self.closes
