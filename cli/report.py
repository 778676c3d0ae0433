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
from model.reports.publish import publish_week
from model.reports.weekly import Week


@handles_errors
def report(
    week: Annotated[Optional[str], typer.Option(metavar="YYYY-Www", help="ISO week to report [default: this week]; a past week is reconstructed as of its end.")] = None,
    out: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Folder for the reports [default: the workspace's reports/].")] = None,
    strict: StrictOption = False,
    skip_broken: SkipBrokenOption = False,
    directory: DirOption = None,
) -> None:
    """Write this week's probability report: every open question, what moved it, and what to watch."""
    chosen = _week(week)
    space = writable_workspace(directory)
    loaded = load_publishing(space, skip_broken)
    done = publish_week(space, loaded, chosen, out, strict, _progress())
    markdown, page = done.paths[:2]
    say(f"wrote {display_path(markdown)} and {display_path(page)} ({len(done.report.questions)} open question(s))")
    if done.track_record:
        say(f"wrote the track record page {display_path(done.track_record)} (and track-record.md beside it)")
    if done.published:
        teams = sum(entry.team is not None for entry in done.report.questions)
        pooled = f", with the team's pooled forecast on {teams}" if teams else ""
        say(f"published {done.published} forecast(s) in {display_path(done.log)}: the engine's on every open "
            f"question{pooled}")
    elif done.report.reconstructed:
        say(f"{chosen.label} is past: reconstructed as of {done.report.as_of}; nothing added to the forecast log")


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


def _progress():
    """A one-line progress display of each stage on a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return lambda *_: None

    def show(stage: str, number: int, total: int, name: str) -> None:
        end = "\n" if number == total else ""
        sys.stderr.write(f"\r{stage} {number}/{total}: {shown(name)[:50]:<50}{end}")
        sys.stderr.flush()

    return show
