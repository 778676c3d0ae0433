"""Publishing the week's report (``vane report``): build it, write its files, and log the engine's forecasts.

Only the current week is published to the forecast log: a past week is
reconstructed as of its end and written, but adds nothing to the log (its
forecasts were not made then). The log is checked before anything is written:
the report compares with the forecasts published earlier, so it needs them all.
It reads as entries only the forecasts on questions still followed; the track
record of resolved ones is scored from the log's columns, as ``vane score`` does.

With many questions, worker processes draw each question's chart as soon as
its forecasts are computed, while this process computes the next question's
(``model.reports.trajectories.chart_workers``); a chart that already shows its data
is not drawn again. The track record's page is written while they finish, not after.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from model.engine.parameters import SavedFit, workspace_parameters
from model.fileformat.log_entry import LoggedForecast
from model.fileformat.question import Question
from model.record.forecast_log import logged_entries, write_entries
from model.record.team_pool import read_pooling, team_entries
from model.record.track_record import scored_before
from model.reports.weekly import (
    Week,
    WeeklyReport,
    build_report,
    published_entries,
    report_batch,
)
from model.workspace.folder import Workspace, log_path
from model.workspace.loader import Loaded

Progress = Callable[[str, int, int, str], None]  # (stage, number, total, name): "forecasting" 3/12 talks


@dataclass(frozen=True)
class PublishedWeek:
    """What publishing the week's report did: the report, the files written, entries added to the log."""

    report: WeeklyReport
    paths: list[Path]  # report.md, report.html, then the charts
    published: int  # forecast-log entries added (0 for a past week)
    log: Path
    track_record: Path | None = None  # the track record page (``track-record.html``) when there is one to write


def publish_week(space: Workspace, loaded: Loaded, week: Week, folder: Path | None = None, strict: bool = False,
                 progress: Progress = lambda *_: None, now: dt.datetime | None = None) -> PublishedWeek:
    """Write ``week``'s report into ``folder``/<week> (default: the workspace's reports/) and publish its forecasts.

    Raises
    ------
    VaneError
        When the forecast log has lines that cannot be read or is read-only (nothing is written).
    """
    now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    log = needed_entries(space, loaded.questions, week)
    parameters = workspace_parameters(space, grades=loaded.settings.grades)
    from model.reports.render import (  # Jinja2 (and matplotlib, when a chart is drawn): only when writing a report
        ReportCharts,
        write_report,
    )
    from model.reports.trajectories import chart_workers

    target = (folder or space.reports) / week.label
    workers = chart_workers(len(loaded.questions))
    with ReportCharts(target / "charts", workers, functools.partial(progress, "drawing")) as charts:
        # with workers, each question's chart is drawn while the next questions are forecast
        team = team_entries(list(loaded.questions), log, read_pooling(SavedFit.of(space))[0], report_batch(week), now)
        weekly = build_report(list(loaded.questions), parameters, week, log, now, strict, loaded.settings.report,
                              functools.partial(progress, "forecasting"), broken=loaded.problems,
                              each=charts.add if workers else lambda _: None,
                              team={entry.question: entry for entry in team},
                              record_of=functools.partial(scored_before, space))
        # the track record's page (its own charts, drawn here) while the workers finish the last questions' charts
        record = _track_record_page(weekly, list(loaded.questions), folder or space.reports, now)
        paths = write_report(weekly, target, functools.partial(progress, "drawing"), charts)
    published = 0
    if not weekly.reconstructed:  # the team's pool beside the engine's forecasts, as the report shows them
        published = write_entries(log_path(space), published_entries(weekly, parameters)
                                  + [entry.team for entry in weekly.questions if entry.team])
    return PublishedWeek(weekly, paths, published, log_path(space), record)


def _track_record_page(weekly: WeeklyReport, questions: list[Question], folder: Path, now: dt.datetime) -> Path | None:
    """Write the whole track record as of now (``track-record.html`` and its charts) when there is one to write
    and the week is not a past one; its page."""
    if weekly.reconstructed or weekly.track_record is None or not len(weekly.track_record.scores):
        return None
    from model.reports.track_record_page import publish_track_record

    _, _, (_, page) = publish_track_record(weekly.track_record, questions, folder, now)  # (charts, [md, html])
    return page


def needed_entries(space: Workspace, questions, week: Week) -> list[LoggedForecast]:
    """What the report reads of the log as entries: the engine's and the analysts' forecasts on the questions
    not resolved before the week (earlier reports, the team's pool). The rest is scored as columns
    (``scored_before``), so a long log costs reading time, not memory.

    Raises
    ------
    VaneError
        When the log has lines that cannot be read or is read-only (nothing is written).
    """
    followed = {question.id for question in questions
                if question.resolution is None or question.resolution.date >= week.start}
    return logged_entries(log_path(space), followed, {"engine", "stated"})
