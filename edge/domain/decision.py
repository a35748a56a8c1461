"""What a decision returns: the new state, the events (each with the movements behind it), the
reservation changes and the feedback for the person who scanned. The store applies all of it in
one transaction (`edge.store.ledger`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from edge.domain.ledger import Movement, Reservation

S = TypeVar("S")
Tone = Literal["good", "info", "bad"]


@dataclass(frozen=True)
class Event:
    """A fact for the outbox, named in the past tense (`stock_moved`, `item_picked`)."""

    type: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    movements: tuple[Movement, ...] = ()
    order_id: str | None = None
    line_id: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class Feedback:
    """What the operator sees and hears: a tone and a prompt from the catalogue."""

    tone: Tone
    prompt: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CountTaskOpened:
    """A bin to count: after a short pick, or a supervisor's cycle count."""

    location: str
    sku: str
    reason: str
    held: int = 0  # units frozen at the location until the count says how many are there
    lot: str = ""


@dataclass(frozen=True)
class ExceptionRaised:
    """Something a supervisor must look at, with a catalogue code and its values."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    order_id: str | None = None
    location: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class Decision(Generic[S]):
    state: S
    events: tuple[Event, ...] = ()
    reservations: tuple[Reservation, ...] = ()
    feedback: Feedback | None = None
    # Other records the store applies with the rest: status changes, task progress, follow-ups.
    changes: tuple[Any, ...] = ()

    @property
    def movements(self) -> tuple[Movement, ...]:
        return tuple(m for e in self.events for m in e.movements)
