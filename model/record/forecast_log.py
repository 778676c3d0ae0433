"""Appending to the forecast log: what each forecaster said and when, kept as it was published.

The log is append-only: entries are only ever added after the bytes already
there, never removed or rewritten, and a line that cannot be read stops every
write until it is fixed. Every write holds the log's lock and replaces the
file atomically, like the question files, so concurrent writers queue and a
crash leaves the old log whole. The format is ``model.fileformat.log_entry``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from model.base.errors import VaneError, display_path
from model.base.safewrite import atomic_append, atomic_write, locked, refuse_read_only
from model.fileformat.log_entry import (
    LoggedForecast,
    check_forecaster,
    check_probabilities,
    entry_line,
)
from model.record.log_reading import entries_on, logged_identities


def logged_entries(path: Path, question_ids: set[str], kinds: set[str]) -> list[LoggedForecast]:
    """The log's entries of ``kinds`` on ``question_ids`` (``log_reading.entries_on``), when every line can be
    read and the log can be written.

    Raises
    ------
    VaneError
        With each unreadable line: writing past damage would bury it, and the
        log is the track record, so every write stops until it is fixed. Also
        when the log is read-only.
    """
    entries, problems = entries_on(path, question_ids, kinds)
    refuse_damage(path, problems)
    return entries


def refuse_unwritable_log(path: Path) -> None:
    """Refuse a log with unreadable lines or that cannot be written, as ``logged_entries`` does."""
    refuse_damage(path, logged_identities(path, [])[1])


def refuse_damage(path: Path, problems: list) -> None:
    """Refuse to write past unreadable lines (``problems``) or to a read-only log."""
    if problems:
        raise VaneError(f"{display_path(path)} has lines that cannot be read; fix or remove them first "
                        "(nothing was written)", problems)
    if path.exists():  # checked before the caller writes anything else (a report, new question files)
        refuse_read_only(path)


def write_entries(path: Path, entries: list[LoggedForecast]) -> int:
    """Append ``entries`` to the log (skipping ones already in it); returns how many were added.

    The log is append-only: every byte already in it is written back unchanged
    and new lines go after it, never instead of anything. A re-run (the same
    week's report again) adds new entries stamped with their own time, which
    supersede the earlier ones from then on; nothing is removed or rewritten.
    The new file replaces the old atomically under the log's lock. The log is
    read and copied a block at a time: a log of millions of lines costs time,
    not memory.

    Raises
    ------
    VaneError
        When a line of the log cannot be read, or the log is read-only (``refuse_damage``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        seen, problems = logged_identities(path, entries)
        refuse_damage(path, problems)
        added = []
        for entry in entries:
            if entry.identity() not in seen:
                seen.add(entry.identity())
                added.append(entry)
        if not added:
            return 0
        lines = "".join(entry_line(entry) for entry in added).encode("utf-8")
        if path.exists():
            atomic_append(path, lines)
        else:
            atomic_write(path, lines)
    return len(added)


def stated_forecast(question, probabilities: dict[str, float], forecaster: str,
                    now: dt.datetime | None = None) -> LoggedForecast:
    """An analyst's own forecast for ``question``, stamped now: forecasts count from when they are recorded.

    Raises
    ------
    VaneError
        For a resolved or closed question, a reserved or empty name, or bad probabilities.
    """
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    if question.resolution is not None:
        raise VaneError(f"{question.id} was resolved on {question.resolution.date}; a forecast now could not be scored")
    if now >= question.window[1]:
        raise VaneError(f"{question.id} closed on {question.closes}; a forecast now could not be scored")
    name = check_forecaster(forecaster)
    checked, _ = clamp_extremes(check_probabilities(probabilities, question.scenario_ids, "the forecast"))
    return LoggedForecast(now, question.id, name, checked, "stated", "stated", recorded=now)


EXTREME = 0.001
"""The least probability a stated forecast keeps (and 1 - EXTREME the most, for two scenarios): as Metaculus
clamps forecasts to 0.1%-99.9%, because one forecast of 0% for what then happens scores -34 on the log score."""


def clamp_extremes(probabilities: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """Probabilities below ``EXTREME`` raised to it and the others scaled to make room, with a warning on each.

    ``probabilities`` sum to 1; so do the results.
    """
    low = [sid for sid, value in probabilities.items() if value < EXTREME]
    if not low:
        return probabilities, []
    rest = sum(value for sid, value in probabilities.items() if sid not in low)
    scale = (1.0 - EXTREME * len(low)) / rest
    clamped = {sid: EXTREME if sid in low else value * scale for sid, value in probabilities.items()}
    warnings = [f"{sid} {100 * probabilities[sid]:g}% taken as {100 * EXTREME:g}%, as Metaculus does: a forecast of "
                "0% for what then happens scores -34 on the log score (the other scenarios were scaled to make room)"
                for sid in low]
    return clamped, warnings
