"""A synthetic world: resolved questions generated from a known theta, for tests and benchmarks.

How ratings are generated so that their true strength is ``s`` times face value:
an item's rating row is drawn from a base distribution ``b`` over the scale,
independently per scenario, and then tilted towards the true scenario ``o``:

    P(row | o) = prod_k b(r_k) * exp(s delta w gamma r_o) / Z

Because ``b`` is the same for every scenario, ``Z`` does not depend on ``o``, so
the likelihood ratio between scenarios k and k' is exactly
``exp(s delta w gamma (r_k - r_k'))``: the model of model.md with that ``s``,
``gamma = 2 ** (-age / h)`` at the question's horizon, and ``w`` the true weight.
So ``r_o`` is drawn from ``b`` tilted by the exponential and every other
scenario's rating from ``b`` itself.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.fileformat.evidence import Evidence
from model.fileformat.grades import CREDIBILITY, RELIABILITY
from model.fileformat.question import Prior, Question, Scenario, render_question
from model.fileformat.ratings import DELTA
from model.fileformat.resolution import Resolution

SCALE = np.array([-2, -1, 0, 1, 2])


BASE = np.array([0.1, 0.2, 0.4, 0.2, 0.1])  # how often each symbol is used regardless of the truth


LETTER_USE = {"A": 0.1, "B": 0.3, "C": 0.3, "D": 0.15, "E": 0.05, "F": 0.1}


DIGIT_USE = {"1": 0.1, "2": 0.3, "3": 0.3, "4": 0.15, "5": 0.05, "6": 0.1}


@dataclass(frozen=True)
class World:
    """The true parameters and the shape of the questions generated.

    ``analysts`` maps analyst names to their true strength multipliers and
    ``reliability`` source letters (``credibility`` digits) to their true values (defaults:
    one unnamed analyst, the Admiralty table).
    """

    strength: float = 0.5
    half_life: float = 90.0
    prior_strength: float = 1.0
    analysts: dict[str, float] = field(default_factory=lambda: {"": 1.0})
    reliability: dict[str, float] = field(default_factory=dict)
    credibility: dict[str, float] = field(default_factory=dict)
    items: float = 30.0
    scenarios: tuple[int, int] = (2, 6)
    life_days: tuple[int, int] = (90, 540)
    copy_rate: float = 0.15
    linked: bool = True  # copies of a report written as one story (False: the analyst failed to link them)
    early: float = 0.0  # share of questions resolved before they close
    start: dt.date = dt.date(2020, 1, 1)


def synthetic_questions(count: int, world: World = World(), seed: int = 0) -> list[Question]:
    """``count`` resolved questions drawn from ``world``, reproducibly from ``seed``."""
    rng = np.random.default_rng(seed)
    return [_question(index, world, rng) for index in range(count)]


def _question(index: int, world: World, rng: np.random.Generator) -> Question:
    k = int(rng.integers(world.scenarios[0], world.scenarios[1] + 1))
    ids = tuple(f"s{number + 1}" for number in range(k))
    prior = rng.dirichlet(np.full(k, 2.0))
    true_prior = prior ** world.prior_strength / np.sum(prior ** world.prior_strength)
    outcome = int(rng.choice(k, p=true_prior))
    opened = world.start + dt.timedelta(days=int(rng.integers(0, 1500)))
    closes = opened + dt.timedelta(days=int(rng.integers(*world.life_days)))
    resolved = closes
    if world.early and rng.random() < world.early:  # the answer came before the deadline: nothing is reported after it
        resolved = opened + dt.timedelta(days=int(rng.integers(1, (closes - opened).days)))
    evidence = _evidence(rng, world, ids, outcome, opened, resolved)
    return Question(
        id=f"synthetic-{index:04d}", path=f"synthetic-{index:04d}.yaml", title=f"Synthetic question {index}",
        opened=opened, closes=closes, scenarios=tuple(Scenario(sid, f"scenario {sid}") for sid in ids),
        prior=Prior(dict(zip(ids, prior.tolist())), "drawn from a Dirichlet(2) for a synthetic test"),
        evidence=tuple(evidence), resolution=Resolution(ids[outcome], resolved, "synthetic outcome"),
    )


def _evidence(rng, world: World, ids, outcome: int, opened: dt.date, closes: dt.date) -> list[Evidence]:
    items: list[Evidence] = []
    analysts = list(world.analysts)
    for _ in range(max(1, int(rng.poisson(world.items)))):
        date = opened + dt.timedelta(days=int(rng.integers(0, (closes - opened).days + 1)))
        letter = str(rng.choice(list(LETTER_USE), p=list(LETTER_USE.values())))
        digit = str(rng.choice(list(DIGIT_USE), p=list(DIGIT_USE.values())))
        analyst = analysts[int(rng.integers(len(analysts)))]
        true_weight = world.reliability.get(letter, RELIABILITY[letter]) * world.credibility.get(digit, CREDIBILITY[digit])
        age = (closes - date).days
        decay = 2.0 ** (-age / world.half_life) if math.isfinite(world.half_life) else 1.0
        tilt = world.strength * world.analysts[analyst] * DELTA * true_weight * decay
        row = rng.choice(SCALE, size=len(ids), p=BASE)
        tilted = BASE * np.exp(tilt * SCALE)
        row[outcome] = rng.choice(SCALE, p=tilted / tilted.sum())
        number = len(items) + 1
        copies = 1 + (int(rng.integers(1, 3)) if rng.random() < world.copy_rate else 0)
        for copy in range(copies):  # copies of one report: the same ratings, one story
            items.append(Evidence(
                id=f"e{number + copy}", date=date, summary=f"synthetic report {number}" + (f" (copy {copy})" if copy else ""),
                units={sid: float(value) for sid, value in zip(ids, row)},
                recorded=dt.datetime.combine(date, dt.time(12), dt.timezone.utc),
                grade=letter + digit, story=f"story{number}" if copies > 1 and world.linked else "", analyst=analyst,
            ))
    return items


def write_questions(questions: list[Question], folder: Path) -> list[Path]:
    """Write questions as YAML files into ``folder`` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for question in questions:
        path = folder / f"{question.id}.yaml"
        path.write_text(render_question(question, "A synthetic question (model/calibration/synthetic.py)."), encoding="utf-8")
        paths.append(path)
    return paths
