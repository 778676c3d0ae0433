"""``vane report``: the weekly probability report, in Markdown and as a self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.options import (
    DirOption,
    SkipBrokenOption,
    StrictOption,
    handles_errors,
    load_publishing,
    say,
    shown,
    writable_workspace,
)
from model.base.errors import display_path
from model.engine.parameters import workspace_parameters
from model.record.forecast_log import refuse_damaged_log, write_entries
from model.reports.weekly import Week, build_report, published_entries
from model.workspace.folder import log_path


@handles_errors
def report(
    week: Annotated[Optional[str], typer.Option(metavar="YYYY-Www", help="ISO week to report [default: this week]; a past week is reconstructed as of its end.")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Folder for the reports [default: the workspace's reports/].")] = None,
    strict: StrictOption = False,
    skip_broken: SkipBrokenOption = False,
    directory: DirOption = None,
) -> None:
    """Write this week's probability report: every open question, what moved it, and what to watch."""
    chosen = _week(week)
    space = writable_workspace(directory)
    loaded = load_publishing(space, skip_broken)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    log = refuse_damaged_log(log_path(space))  # the report compares with published forecasts: it needs them all
    parameters = workspace_parameters(space)
    weekly = build_report(list(loaded.questions), parameters, chosen, log, now, strict, loaded.settings.grades,
                          loaded.settings.report, _progress("forecasting"), broken=loaded.problems)
    from model.reports.render import (
        write_report,  # matplotlib and Jinja2: only when writing a report
    )

    paths = write_report(weekly, (out or space.reports) / chosen.label, _progress("drawing"))
    published = write_entries(log_path(space), published_entries(weekly, parameters)) if not weekly.reconstructed else 0
    say(f"wrote {display_path(paths[0])} and {display_path(paths[1])} ({len(weekly.questions)} open question(s))")
    if published:
        say(f"published the engine's forecasts for {published} question(s) in {display_path(log_path(space))}")
    elif weekly.reconstructed:
        say(f"{chosen.label} is past: reconstructed as of {weekly.as_of}; nothing added to the forecast log")


def _week(label: Optional[str]) -> Week:
    if label is None:
        return Week.of(dt.date.today())
    try:
        chosen = Week.parse(label)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--week") from None
    if chosen.start > dt.date.today():
        raise typer.BadParameter(f"{label} has not started yet", param_hint="--week")
    return chosen


def _progress(stage: str):
    """A one-line progress display on a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return lambda *_: None

    def show(number: int, total: int, name: str) -> None:
        end = "\n" if number == total else ""
        sys.stderr.write(f"\r{stage} {number}/{total}: {shown(name)[:50]:<50}{end}")
        sys.stderr.flush()

    return show
