"""The one date rule: which days and times the tool accepts, wherever they come from.

Question files, command-line options, imported forecasts and the forecast log
all go through these functions, so a date is either plausible everywhere or
refused everywhere with the same message. This module imports nothing else
from the project.
"""

from __future__ import annotations

import datetime as dt
import re

EARLIEST_YEAR, LATEST_YEAR = 1900, 2999  # outside these, a date is a typo (and day arithmetic could overflow)


YEARS_TEXT = f"the years {EARLIEST_YEAR}–{LATEST_YEAR}"


def year_problem(day: dt.date) -> str | None:
    """Why ``day`` (a date or a time) is refused, or None when it lies in the accepted years."""
    if EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        return None
    return f"is outside {YEARS_TEXT}"


def parse_day(text: str) -> dt.date:
    """A day written ``YYYY-MM-DD`` in the accepted years.

    Raises
    ------
    ValueError
        With a message that completes "'TEXT' ...", e.g. "does not exist: February 2026 has 28 days".
    """
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("is not a date written YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(_missing_day(*map(int, text.split("-")))) from None
    problem = year_problem(day)
    if problem:
        raise ValueError(problem)
    return day


def _missing_day(year: int, month: int, day: int) -> str:
    """Why YEAR-MONTH-DAY is no day of the calendar, e.g. "does not exist: February 2026 has 28 days"."""
    if not 1 <= month <= 12:
        return f"does not exist: there is no month {month:02d} (months run 01 to 12)"
    if year < 1:
        return "does not exist: years start at 0001"
    import calendar

    return f"does not exist: {calendar.month_name[month]} {year} has {calendar.monthrange(year, month)[1]} days"


def parse_utc(text: str) -> dt.datetime:
    """An ISO 8601 time in the accepted years, as UTC (a time without a zone is taken as UTC).

    The year is checked before the conversion to UTC, which would overflow at the
    ends of the calendar (``0001-01-01T00:00:00+01:00``).

    Raises
    ------
    ValueError
        With a message that completes "'TEXT' ...".
    """
    try:
        moment = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError("is not a time such as 2025-08-07T14:30:00Z") from None
    problem = year_problem(moment)
    if problem:
        raise ValueError(problem)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def utc_iso(moment: dt.datetime) -> str:
    """A time as written in files and the forecast log: UTC, ISO 8601, with ``Z`` (fractions of a second kept)."""
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def utc_seconds(moment: dt.datetime) -> str:
    """A time to the second, as ``recorded`` is written in question files: ``2025-12-04T09:12:00Z``."""
    return utc_iso(moment.replace(microsecond=0))
