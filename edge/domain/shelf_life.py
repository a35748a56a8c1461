"""Shelf life (pure): whether a lot may still be allocated or picked on the warehouse's date.

A lot expiring on day D is expired from 00:00 of D in the warehouse's time zone, so it has
`(D - today).days` days left and is expired at 0 or fewer. A lot may be allocated only with at
least one day left and no fewer than the line's minimum remaining shelf life (the product's
or the channel's, the larger). "today" is always passed in: nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo


def remaining_days(expiry: date, today: date) -> int:
    return (expiry - today).days


def is_expired(expiry: date, today: date) -> bool:
    return remaining_days(expiry, today) <= 0


def allocatable(expiry: date | None, today: date, min_days: int = 0) -> bool:
    """A lot without an expiry always; else one with `min_days` (and at least one day) left."""
    return expiry is None or remaining_days(expiry, today) >= max(min_days, 1)


def as_date(value: date | str | None) -> date | None:
    """An expiry as stored (ISO text) or read (a date)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class ShelfRules:
    """The warehouse's date and the channels' minimum remaining shelf life, from the settings."""

    zone: tzinfo = UTC
    channel_min_days: Mapping[str, int] = field(default_factory=dict)
    soon_days: int = 30  # "expiring soon" on the supervisor's list: this many days or fewer left

    def today(self, now: datetime) -> date:
        """The warehouse's date at the instant `now` (an aware datetime)."""
        return now.astimezone(self.zone).date()

    def min_days(self, product_min: int, channel: str) -> int:
        """A line's minimum remaining shelf life: the product's or its channel's, the larger."""
        return max(product_min, self.channel_min_days.get(channel, 0))
