"""A resolved question's post-mortem: what pointed toward what happened, who saw it, and how forecasts moved.

For a question resolved to a scenario (an annulled one has nothing to learn
from), on one page:

- **Stories**, each with its log likelihood ratio for the outcome against the
  rest: the story's contribution to the outcome's log odds minus the log of
  its contributions to the other scenarios, averaged with the question's prior
  weights (``log_ratio``), as the engine weighed it at the resolution (grade,
  strength, decay). Above 0 the story pointed toward what happened.
- **Analysts and sources**: their items as rated (the ratings alone, before
  grades and calibration: what they said), how many pointed toward the
  outcome and how many away, and their mean log likelihood ratio.
- **Forecasters**: the engine's recomputed weekly probability of the outcome
  with its band, and every logged forecaster's (published engine, analysts'
  stated, the team's pool, imported) first and last probability of it, with
  their time-averaged scores on the question.

Natural logarithms throughout (nats): a ratio of +0.69 doubles the odds.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from model.base.errors import VaneError
from model.engine.parameters import Parameters
from model.engine.probabilities import Probabilities
from model.engine.views import StoryLine, ledger, trajectory
from model.fileformat.evidence import Evidence
from model.fileformat.log_entry import LoggedForecast
from model.fileformat.question import Question
from model.record.scorecard import ScoreReport

LABEL_LIMIT = 30  # characters of a name or an outcome the post-mortem's chart shows


NEITHER = 0.05  # nats: a ratio within this of 0 pointed neither way (a 5% change in the odds)


def log_ratio(log_likelihoods: np.ndarray, outcome: int, weights: np.ndarray) -> float:
    """ln L(outcome) − ln(Σ_{k≠outcome} w_k L_k / Σ_{k≠outcome} w_k): how much more likely the evidence was under
    the outcome than under the rest, the rest weighed by ``weights`` (the prior), from log likelihoods."""
    others = np.delete(np.arange(log_likelihoods.shape[0]), outcome)
    if not others.size:
        return 0.0
    w = weights[others] / weights[others].sum()
    top = float(np.max(log_likelihoods[others]))
    rest = top + math.log(float(np.sum(w * np.exp(log_likelihoods[others] - top))))
    return float(log_likelihoods[outcome]) - rest


def direction(ratio: float) -> str:
    """"toward", "away" or "neither": where a log likelihood ratio for the outcome points."""
    return "toward" if ratio > NEITHER else "away" if ratio < -NEITHER else "neither"


@dataclass(frozen=True)
class StoryVerdict:
    """One story and where it pointed: its log likelihood ratio for the outcome as the engine weighed it."""

    story: str
    date: dt.date
    items: tuple[Evidence, ...]
    ratio: float

    @property
    def direction(self) -> str:
        return direction(self.ratio)


@dataclass(frozen=True)
class WitnessRecord:
    """An analyst's or a source's items as rated: how many pointed toward the outcome, away, and the mean ratio."""

    name: str
    items: int
    toward: int
    away: int
    mean_ratio: float


@dataclass(frozen=True)
class ForecasterPath:
    """One logged forecaster's probabilities of the outcome over the question's life, and its scores there."""

    forecaster: str
    kind: str
    times: tuple[dt.datetime, ...]
    outcome_probability: tuple[float, ...]
    brier: float | None = None
    log: float | None = None

    @property
    def first(self) -> float:
        return self.outcome_probability[0]

    @property
    def last(self) -> float:
        return self.outcome_probability[-1]


@dataclass(frozen=True)
class PostMortem:
    """Everything the post-mortem page shows of one resolved question."""

    question: Question
    outcome: str
    resolved: dt.date
    engine: Probabilities  # the weekly trajectory, opened to resolution, recomputed from the evidence
    stories: tuple[StoryVerdict, ...]  # most toward the outcome first
    analysts: tuple[WitnessRecord, ...]
    sources: tuple[WitnessRecord, ...]
    forecasters: tuple[ForecasterPath, ...]

    @property
    def outcome_index(self) -> int:
        return self.question.scenario_ids.index(self.outcome)

    @property
    def toward(self) -> tuple[StoryVerdict, ...]:
        return tuple(story for story in self.stories if story.direction == "toward")

    @property
    def away(self) -> tuple[StoryVerdict, ...]:
        return tuple(story for story in reversed(self.stories) if story.direction == "away")

    @property
    def neither(self) -> int:
        return sum(story.direction == "neither" for story in self.stories)


def post_mortem(question: Question, parameters: Parameters, entries: list[LoggedForecast],
                scores: ScoreReport | None = None) -> PostMortem:
    """The post-mortem of ``question`` (resolved to a scenario) from its evidence, the log's ``entries`` on it,
    and its ``scores`` (``vane score`` of the question: each forecaster's time-averaged scores).

    Raises
    ------
    VaneError
        When the question is open or annulled.
    """
    if question.resolution is None:
        raise VaneError(f"{question.id} is not resolved yet: a post-mortem needs an outcome "
                        f"(vane resolve {question.id} SCENARIO --note ...)")
    if question.outcome is None:
        raise VaneError(f"{question.id} was annulled: no scenario happened, so there is nothing to weigh the "
                        "evidence against")
    resolved = question.resolution.date
    outcome = question.scenario_ids.index(question.outcome)
    weights = np.array([question.prior.probabilities[sid] for sid in question.scenario_ids], dtype=float)
    lines = ledger(question, parameters, resolved)
    stories = sorted((_verdict(line, outcome, weights) for line in lines), key=lambda story: -story.ratio)
    items = [item for line in lines for item in line.items]
    rated = [(item, log_ratio(math.log(2.0) * _units(item, question), outcome, weights)) for item in items]
    path = trajectory(question, parameters, resolved)
    return PostMortem(
        question, question.outcome, resolved, path, tuple(stories),
        _witnesses(rated, lambda item: item.analyst or "(no analyst)"),
        _witnesses(rated, lambda item: item.source or "(no source)"),
        _paths(question, entries, scores),
    )


def _verdict(line: StoryLine, outcome: int, weights: np.ndarray) -> StoryVerdict:
    return StoryVerdict(line.story, line.date, line.items, log_ratio(np.asarray(line.log_odds), outcome, weights))


def _units(item: Evidence, question: Question) -> np.ndarray:
    """The item's rating units per scenario (log base 2 of its likelihoods, up to a constant; 0 when not rated)."""
    return np.array([item.units.get(sid, 0.0) for sid in question.scenario_ids], dtype=float)


def _witnesses(rated: list[tuple[Evidence, float]], name_of) -> tuple[WitnessRecord, ...]:
    """Per analyst (or source), its items' counts toward and away and their mean ratio; most toward first."""
    groups: dict[str, list[float]] = {}
    for item, ratio in rated:
        groups.setdefault(name_of(item), []).append(ratio)
    found = [WitnessRecord(name, len(ratios), sum(direction(r) == "toward" for r in ratios),
                           sum(direction(r) == "away" for r in ratios), float(np.mean(ratios)))
             for name, ratios in groups.items()]
    return tuple(sorted(found, key=lambda record: (-record.mean_ratio, record.name)))


def _paths(question: Question, entries: list[LoggedForecast], scores: ScoreReport | None) -> tuple[ForecasterPath, ...]:
    """Each logged forecaster's probabilities of the outcome up to the resolution, in order of first forecast."""
    horizon = question.horizon
    by_forecaster: dict[tuple[str, str], list[LoggedForecast]] = {}
    for entry in sorted(entries, key=lambda entry: entry.time):
        if entry.question == question.id and entry.time.date() <= horizon:
            by_forecaster.setdefault((entry.forecaster, entry.kind), []).append(entry)
    scored = {(row.forecaster, row.kind): row for row in scores.rows} if scores is not None else {}
    paths = []
    for (name, kind), found in by_forecaster.items():
        row = scored.get((name, kind))
        paths.append(ForecasterPath(
            name, kind, tuple(entry.time for entry in found),
            tuple(float(entry.probabilities.get(question.outcome, 0.0)) for entry in found),
            _finite(row.averaged["brier"]) if row else None, _finite(row.averaged["log"]) if row else None,
        ))
    return tuple(paths)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def draw_paths(found: PostMortem, path) -> bytes:
    """The outcome's probability over the question's life as PNG bytes (also written to ``path``): the engine's
    weekly line with its band, each logged forecaster's forecasts as a step line with points, in the
    colour it has in every chart, and the resolution marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from model.base.textsafe import visible
    from model.reports.charts import (
        DPI,
        encode_png,
        forecaster_colour,
        rgba_of,
        shortened,
        write_png,
    )

    figure = Figure(figsize=(8.4, 3.4), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    k, dates = found.outcome_index, list(found.engine.dates)
    axes.fill_between(dates, found.engine.low[:, k], found.engine.high[:, k], color="#1f4e79", alpha=0.15, linewidth=0)
    axes.plot(dates, found.engine.mean[:, k], color="#1f4e79", linewidth=2, label="evidence (recomputed)")
    for trail in found.forecasters:
        times = [moment.date() for moment in trail.times] + [found.question.horizon]
        values = list(trail.outcome_probability) + [trail.last]
        colour = forecaster_colour(trail.forecaster)
        axes.step(times, values, where="post", color=colour, linewidth=1.2, alpha=0.9,
                  label=shortened(visible(f"{trail.forecaster} ({trail.kind})"), LABEL_LIMIT))
        axes.plot(times[:-1], values[:-1], "o", color=colour, markersize=3)
    axes.axvline(found.resolved, color="#444444", linestyle=":", linewidth=1)
    axes.annotate(f"resolved: {shortened(visible(found.outcome), LABEL_LIMIT)}", (found.resolved, 1.0), xytext=(-4, -4),
                  textcoords="offset points", ha="right", va="top", fontsize=8, color="#444444", parse_math=False)
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    axes.set_ylabel(f"probability of {shortened(visible(found.outcome), LABEL_LIMIT)}", fontsize=8, parse_math=False)
    axes.grid(True, axis="y", color="#eeeeee")
    axes.tick_params(labelsize=7)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for text in axes.legend(loc="upper left", fontsize=7, frameon=False, ncols=2).get_texts():
        text.set_parse_math(False)  # names are the user's: a $ is a dollar, never mathtext
    data = encode_png(rgba_of(figure.canvas), {})  # in the palette every chart is kept in
    write_png(path, data)
    return data


def write_post_mortem(found: PostMortem, folder) -> list:
    """Write ``<question>.md``, ``<question>.html`` and the chart ``<question>.png`` into ``folder`` (the file
    name is the question's safe name, ``render.safe_names``); the HTML carries the chart inside it."""
    from model.base.safewrite import atomic_write
    from model.reports.render import png_data_uri, safe_names, template_environment

    name = safe_names([found.question.id])[found.question.id]
    folder.mkdir(parents=True, exist_ok=True)
    chart = folder / f"{name}.png"
    image = png_data_uri(draw_paths(found, chart))
    markdown = template_environment(True, {}).get_template("post-mortem.md.j2").render(pm=found, chart=chart.name)
    html = template_environment(False, {}).get_template("post-mortem.html.j2").render(pm=found, image=image)
    paths = [folder / f"{name}.md", folder / f"{name}.html", chart]
    atomic_write(paths[0], markdown)
    atomic_write(paths[1], html)
    return paths
