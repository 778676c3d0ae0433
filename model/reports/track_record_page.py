"""The track record page (``reports/track-record.md`` and ``.html``): per forecaster, the whole verification suite.

One page an analyst can read, or send, to see how each forecaster has done:
the means across questions against the baselines, calibration with counts
and intervals, the Murphy decomposition, discrimination, the rolling
calibration month by month, the scores by tag and by horizon, and the
questions each forecaster got most wrong and most right. The HTML page
carries its two charts inside it (``data:`` URIs), as the weekly report
does; the Markdown links their files. ``vane score`` and ``vane report``
write it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.base.safewrite import atomic_write
from model.fileformat.log_entry import reserved_kind
from model.fileformat.question import Question
from model.record.scorecard import (
    CUTS,
    ROLLING_MONTHS,
    SMALL_COVERAGE,
    UNTAGGED,
    Bucket,
    Discrimination,
    Murphy,
    RollingPoint,
    ScoreReport,
    Summary,
    summaries_by,
)

EXTREMES = 5  # questions shown as a forecaster's worst and best


ROLLING_SHOWN = 12  # the latest months of the rolling calibration on the page (the JSON has them all)


@dataclass(frozen=True)
class QuestionScore:
    """One forecaster's time-averaged scores on one resolved question."""

    question: str  # id
    title: str
    outcome: str
    brier: float
    log: float
    coverage: float
    forecasts: int


@dataclass(frozen=True)
class ForecasterRecord:
    """Everything the page shows of one forecaster."""

    name: str
    summary: Summary
    calibration: tuple[Bucket, ...]
    extremes: tuple[Bucket, ...]  # the outer buckets split finer (``scorecard.extremes_table``), those with forecasts
    murphy: Murphy | None
    discrimination: Discrimination | None
    rolling: tuple[RollingPoint, ...]
    cuts: dict[str, tuple[tuple[str, Summary], ...]]  # "tag" / "grade" / "horizon" -> (group, its summary)
    worst: tuple[QuestionScore, ...]
    best: tuple[QuestionScore, ...]

    @property
    def small_coverage(self) -> bool:
        return bool(self.summary.coverage < SMALL_COVERAGE)


@dataclass(frozen=True)
class TrackRecordPage:
    """The page's content: the summaries of every forecaster and a record of each who is not a baseline."""

    generated: dt.datetime
    questions: int
    summaries: tuple[Summary, ...]
    forecasters: tuple[ForecasterRecord, ...]
    rolling_months: int = ROLLING_MONTHS
    rolling_shown: int = ROLLING_SHOWN

    @property
    def sections(self) -> set[str]:
        """The forecasters with a section of their own (every one but the baselines)."""
        return {record.name for record in self.forecasters}


def track_record_page(report: ScoreReport, questions: list[Question], generated: dt.datetime) -> TrackRecordPage:
    """The page of ``report`` (scored on ``questions``); the tag and grade cuts are computed when the report has
    none, the horizon cut is shown when the report has it (``score_workspace(horizons=True)``)."""
    cuts = {}
    tags = CUTS["tag"](questions)
    if set(tags) != {UNTAGGED}:  # no question has a tag: nothing to cut by
        cuts["tag"] = report.cuts.get("tag") or summaries_by(report.scores, tags)
    cuts["grade"] = report.cuts.get("grade") or summaries_by(report.scores, CUTS["grade"](questions))
    if "horizon" in report.cuts:
        cuts["horizon"] = report.cuts["horizon"]
    titles = {question.id: question.title for question in questions}
    people = [summary for summary in report.summaries if reserved_kind(summary.forecaster) != "baseline"]
    records = tuple(_record(report, summary, cuts, titles) for summary in people)
    return TrackRecordPage(generated, len(report.scores.questions), report.summaries, records)


def _record(report: ScoreReport, summary: Summary, cuts: dict, titles: dict[str, str]) -> ForecasterRecord:
    name = summary.forecaster
    mine = {cut: tuple((group, found) for group, summaries in groups.items()
                       for found in summaries if found.forecaster == name)
            for cut, groups in cuts.items()}
    ranked = _question_scores(report, name, titles)
    return ForecasterRecord(
        name, summary, report.calibration.get(name, ()),
        tuple(bucket for bucket in report.extremes.get(name, ()) if bucket.count), report.murphy.get(name),
        report.discrimination.get(name), report.rolling.get(name, ())[-ROLLING_SHOWN:], mine,
        worst=tuple(ranked[::-1][:EXTREMES]), best=tuple(ranked[:min(EXTREMES, max(0, len(ranked) - EXTREMES))]),
    )


def _question_scores(report: ScoreReport, name: str, titles: dict[str, str]) -> list[QuestionScore]:
    """The forecaster's questions, best time-averaged Brier score first (ties: in question order)."""
    scores = report.scores
    if name not in scores.forecasters:
        return []
    pairs = scores.pairs
    rows = np.flatnonzero(pairs.forecaster == scores.forecasters.index(name))
    rows = rows[np.argsort(pairs.averaged["brier"][rows], kind="stable")]
    found = []
    for p in rows.tolist():
        qid = scores.questions[pairs.question[p]]
        coverage = float(pairs.coverage[p]) if pairs.coverage is not None else 1.0
        found.append(QuestionScore(qid, titles.get(qid, qid), report.outcomes[qid], float(pairs.averaged["brier"][p]),
                                   float(pairs.averaged["log"][p]), coverage, int(pairs.forecasts[p])))
    return found


def write_track_record(page: TrackRecordPage, folder: Path, diagram: Path | None = None,
                       spread: Path | None = None) -> list[Path]:
    """Write ``track-record.md`` and ``track-record.html`` into ``folder``; ``diagram`` and ``spread`` are the
    reliability diagram and the discrimination plot (inside the HTML, linked from the Markdown)."""
    from model.reports.render import data_uri, safe_names, template_environment

    anchors = safe_names(record.name for record in page.forecasters)
    folder.mkdir(parents=True, exist_ok=True)
    charts = [(path, alt) for path, alt in ((diagram, "Reliability diagram: observed frequency against forecast "
                                                      "probability, a panel per forecaster"),
                                            (spread, "Discrimination plot: final forecasts on questions that "
                                                     "resolved yes and no, a panel per forecaster")) if path]
    markdown = template_environment(True, anchors).get_template("track-record.md.j2").render(
        page=page, charts=[(_relative(path, folder), alt) for path, alt in charts])
    html = template_environment(False, anchors).get_template("track-record.html.j2").render(
        page=page, charts=[(data_uri(path), alt) for path, alt in charts])
    paths = [folder / "track-record.md", folder / "track-record.html"]
    atomic_write(paths[0], markdown)
    atomic_write(paths[1], html)
    return paths


def _relative(path: Path, folder: Path) -> str | None:
    """``path`` relative to ``folder`` as a link (plain segments only), or None when it is elsewhere."""
    relative = Path(os.path.relpath(path.resolve(), folder.resolve()))
    parts = relative.parts
    plain = all(part.replace("-", "").replace("_", "").replace(".", "").isalnum() for part in parts)
    return relative.as_posix() if plain and ".." not in parts else None


def draw_charts(report: ScoreReport, diagram: Path) -> tuple[Path | None, Path | None]:
    """The reliability diagram at ``diagram`` and the discrimination plot beside it (``discrimination.png``),
    each when there is something to draw (else None); a chart that already shows its data is kept."""
    from model.reports.charts import (  # matplotlib: only now
        discrimination_plot,
        reliability_diagram,
    )

    drawn = reliability_diagram(report.calibration, diagram) if len(report.scores) else None
    spread = None
    if any(found.questions for found in report.discrimination.values()):
        spread = discrimination_plot(report.discrimination, diagram.with_name("discrimination.png"))
    return drawn, spread


def publish_track_record(report: ScoreReport, questions: list[Question], reports: Path, generated: dt.datetime,
                         diagram: Path | None = None) -> tuple[Path | None, Path | None, list[Path]]:
    """Draw the track record's charts (``draw_charts``; default ``reports/scores/reliability.png``) and write
    the page into ``reports``: the charts' paths and the page's."""
    drawn, spread = draw_charts(report, diagram or reports / "scores" / "reliability.png")
    return drawn, spread, write_track_record(track_record_page(report, questions, generated), reports, drawn, spread)
