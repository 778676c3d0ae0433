"""What "now" is: the one clock every date check and default date goes through (tests inject their own)."""

from __future__ import annotations

import datetime as dt

from msgspec import Struct

_LATEST_ZONE = dt.timezone(dt.timedelta(hours=14))  # where on Earth the date changes first


class Clock(Struct, frozen=True):
    """What "now" is for date checks; injected so tests can fix it."""

    now: dt.datetime

    @property
    def today(self) -> dt.date:
        """Today's date where the user is (the default date of new evidence and views)."""
        return self.now.astimezone().date()

    def is_future(self, day: dt.date) -> bool:
        """True when ``day`` has not begun anywhere on Earth yet.

        Files are shared between analysts in different time zones; a date that is
        already today in Tokyo is not "in the future" for a colleague in New York.
        """
        return day > self.now.astimezone(_LATEST_ZONE).date()

    @classmethod
    def system(cls) -> "Clock":
        """The real clock, in UTC."""
        return cls(dt.datetime.now(dt.timezone.utc))
