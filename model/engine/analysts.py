"""Who said what: a question seen from one analyst's evidence alone, and where analysts disagree.

A team's analysts tag evidence into the same questions. When several of them
rated the same story differently, the question's probabilities depend on whose
rating counts; ``disagreements`` ranks those stories by how far apart the
probabilities would be if the story counted as each analyst rated it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import replace

import numpy as np
from msgspec import Struct

from model.base.errors import VaneError
from model.engine.parameters import Parameters
from model.engine.probabilities import (
    evaluation_date,
    probabilities_at,
    stories_of,
    visible_items,
)
from model.fileformat.evidence import Evidence
from model.fileformat.question import Question
from model.workspace.identity import tidy_name


def analyst_key(name: str) -> str:
    """How names are compared: case and runs of white space do not matter."""
    return tidy_name(name).casefold()


def analysts_in(questions) -> list[str]:
    """Every analyst named on the questions' evidence, in order of first appearance (as first written)."""
    seen: dict[str, str] = {}
    for question in questions:
        for item in question.evidence:
            if item.analyst.strip():
                seen.setdefault(analyst_key(item.analyst), tidy_name(item.analyst))
    return list(seen.values())


def known_analyst(questions, name: str) -> str:
    """``name`` as written on the evidence, or a ``VaneError`` with the closest name when nobody is called that."""
    names = analysts_in(questions)
    for known in names:
        if analyst_key(known) == analyst_key(name):
            return known
    by_key = {analyst_key(known): known for known in names}
    close = difflib.get_close_matches(analyst_key(name), list(by_key), n=1, cutoff=0.6)
    if close:
        hint = f" (did you mean '{by_key[close[0]]}'?)"
    elif names:
        hint = f" (analysts named on the evidence: {', '.join(names[:SHOWN_NAMES])}{', ...' if len(names) > SHOWN_NAMES else ''})"
    else:
        hint = " (no evidence names an analyst yet)"
    raise VaneError(f"no evidence by analyst '{tidy_name(name)}'{hint}")


SHOWN_NAMES = 8


def analyst_view(question: Question, name: str) -> Question:
    """The question with only the evidence ``name`` tagged (indicators, which are nobody's, left out)."""
    key = analyst_key(name)
    return replace(question, evidence=tuple(item for item in question.evidence if analyst_key(item.analyst) == key),
                   indicators=())


class Disagreement(Struct, frozen=True):
    """A story several analysts rated differently, and what each version of it implies.

    ``probabilities`` (A, K) are the question's probabilities with the story
    counted as each of ``analysts`` rated it (every other story as it is);
    ``spread`` is the largest gap between two of them in any scenario.
    """

    story: str
    date: dt.date
    analysts: tuple[str, ...]
    items: tuple[tuple[Evidence, ...], ...]  # each analyst's items of the story
    probabilities: np.ndarray
    spread: float

    def as_dict(self, scenario_ids) -> dict:
        """Plain data for ``--json``."""
        return {
            "story": self.story, "date": self.date.isoformat(), "spread": float(self.spread),
            "analysts": [
                {"analyst": name, "items": [item.id for item in items],
                 "probabilities": dict(zip(scenario_ids, map(float, row)))}
                for name, items, row in zip(self.analysts, self.items, self.probabilities)
            ],
        }


def disagreements(question: Question, parameters: Parameters, as_of: dt.date, strict: bool = False) -> list[Disagreement]:
    """Stories that several analysts rated differently, the one that moves the probabilities most first."""
    when = evaluation_date(question, as_of)
    visible = {item.id for item in visible_items(question, when, strict)}
    found = []
    for story, members in stories_of([item for item in question.evidence if item.id in visible]).items():
        versions = _versions(members)
        if len(versions) < 2 or len({_rating(items) for items in versions.values()}) < 2:
            continue
        story_ids = {item.id for item in members}
        rows = []
        for items in versions.values():
            kept = {item.id for item in items}
            evidence = tuple(item for item in question.evidence if item.id not in story_ids or item.id in kept)
            rows.append(probabilities_at(replace(question, evidence=evidence), parameters, [when], strict).mean[0])
        probabilities = np.array(rows)
        found.append(Disagreement(
            story=story, date=min(item.date for item in members),
            analysts=tuple(tidy_name(items[0].analyst) for items in versions.values()),
            items=tuple(versions.values()), probabilities=probabilities,
            spread=float(np.max(probabilities.max(axis=0) - probabilities.min(axis=0))),
        ))
    return sorted(found, key=lambda disagreement: -disagreement.spread)


def _versions(items) -> dict[str, tuple[Evidence, ...]]:
    """A story's items by analyst (items naming nobody left out), analysts in order of first appearance."""
    versions: dict[str, list[Evidence]] = {}
    for item in items:
        if item.analyst.strip():
            versions.setdefault(analyst_key(item.analyst), []).append(item)
    return {key: tuple(found) for key, found in versions.items()}


def _rating(items) -> frozenset:
    """What an analyst's version of a story says: the distinct ratings (as units per scenario) of its items."""
    return frozenset(tuple(sorted(item.units.items())) for item in items)
