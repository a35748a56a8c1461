"""Carrier handover (交接单, pure): a bag, cage or truck of one carrier that packed parcels are
scanned into, the refusals of a parcel that may not go in, the undo of the last scan, the close
that hands every parcel in it over, and the close-out's parcels left behind by carrier.

Handing a parcel over is its dispatch: closing a handover dispatches each parcel in it exactly as
the dock's dispatch scan does (`parcel_dispatched`, and `order_shipped` with an order's last
parcel), and adds one `handover_closed` event with the list. A parcel's carrier is its order's
carrier, or the edge's own (`[carrier] name`) when the order names none, as waves reckon it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from edge.domain.decision import Decision, Event
from edge.domain.errors import EdgeError
from edge.domain.parcel import ParcelInfo, dispatch_parcel
from edge.domain.wave import cutoff_of

CONTAINERS = ("bag", "cage", "truck")
HELD = ("cancelled", "on_hold")
PACKED = ("packed", "shipped")


@dataclass(frozen=True)
class Candidate:
    """A scanned parcel as the store found it: its order, the order's status and carrier, the
    handover it is in already (if any), and whether its parcel is closed."""

    order_id: str
    status: str
    carrier: str
    parcel: ParcelInfo
    handover_id: str | None = None
    shipment_carrier: str = ""  # the name its waybill and order_shipped carry


@dataclass(frozen=True)
class Handover:
    id: str
    carrier: str
    container: str
    status: str = "open"  # open | closed
    parcels: tuple[str, ...] = ()  # parcel ids in scan order


def check_container(container: str) -> None:
    if container not in CONTAINERS:
        raise EdgeError(
            "handover_bad_container", container=container, choices=", ".join(CONTAINERS)
        )


def check_carrier(carrier: str, known: Sequence[str]) -> None:
    if carrier not in known:
        raise EdgeError("handover_unknown_carrier", carrier=carrier, choices=", ".join(known))


def add_parcel(
    h: Handover, code: str, found: Candidate | None, order_status: str | None = None
) -> Handover:
    """Scan a parcel into the handover, or refuse it with nothing changed. `order_status`: when
    the scan names no parcel but an order (by its id), that order's status."""
    if h.status != "open":
        raise EdgeError("handover_closed", handover_id=h.id)
    if found is None and order_status in HELD:
        raise EdgeError("handover_order_held", tracking_no=code, order_id=code, status=order_status)
    if found is None and order_status is not None and order_status not in PACKED:
        raise EdgeError("handover_not_packed", tracking_no=code, order_id=code, status=order_status)
    if found is None:
        raise EdgeError("handover_unknown_parcel", code=code)
    p = found.parcel
    if found.handover_id is not None:
        raise EdgeError(
            "handover_parcel_taken", tracking_no=p.tracking_no, handover_id=found.handover_id
        )
    if p.dispatched:
        raise EdgeError("already_dispatched", tracking_no=p.tracking_no, order_id=found.order_id)
    if found.status in HELD:
        raise EdgeError(
            "handover_order_held",
            tracking_no=p.tracking_no,
            order_id=found.order_id,
            status=found.status,
        )
    if found.status not in PACKED:
        raise EdgeError(
            "handover_not_packed",
            tracking_no=p.tracking_no,
            order_id=found.order_id,
            status=found.status,
        )
    if found.carrier != h.carrier:
        raise EdgeError(
            "handover_wrong_carrier",
            tracking_no=p.tracking_no,
            parcel_carrier=found.carrier,
            carrier=h.carrier,
            handover_id=h.id,
        )
    return replace(h, parcels=(*h.parcels, p.parcel_id))


def undo_last(h: Handover) -> tuple[Handover, str]:
    """Take the last scanned parcel out again (before the close); the new state and its id."""
    if h.status != "open":
        raise EdgeError("handover_closed", handover_id=h.id)
    if not h.parcels:
        raise EdgeError("handover_nothing_to_undo", handover_id=h.id)
    return replace(h, parcels=h.parcels[:-1]), h.parcels[-1]


@dataclass(frozen=True)
class Listed:
    """One line of the handover list."""

    order_id: str
    tracking_no: str
    weight_g: int


def close(
    h: Handover,
    members: Sequence[Candidate],
    siblings: Mapping[str, Sequence[ParcelInfo]],
    summary: Mapping[str, object],
) -> Decision[Handover]:
    """Close the handover: every parcel in it leaves (the dock's dispatch, one parcel after
    another, so an order whose parcels are all here ships once), then `handover_closed` with
    the list. `siblings`: each member order's parcels; `summary`: who/when/where for the list."""
    if h.status != "open":
        raise EdgeError("handover_closed", handover_id=h.id)
    if not members:
        raise EdgeError("handover_empty", handover_id=h.id)
    for m in members:  # held or cancelled since it was scanned in: it must not leave
        if m.status in HELD:
            raise EdgeError(
                "handover_order_held",
                tracking_no=m.parcel.tracking_no,
                order_id=m.order_id,
                status=m.status,
            )
    events: list[Event] = []
    changes: list[object] = []
    gone: set[str] = set()
    for m in members:
        parcels = [
            replace(p, dispatched=p.dispatched or p.parcel_id in gone) for p in siblings[m.order_id]
        ]
        mine = next(p for p in parcels if p.parcel_id == m.parcel.parcel_id)
        d = dispatch_parcel(m.order_id, m.status, mine, parcels, m.shipment_carrier or m.carrier)
        gone.add(mine.parcel_id)
        events += d.events
        changes += d.changes
    listed: list[dict[str, object]] = [
        {
            "order_id": m.order_id,
            "tracking_number": m.parcel.tracking_no,
            "weight_g": m.parcel.weight_g,
        }
        for m in members
    ]
    payload = dict(summary) | {
        "handover_id": h.id,
        "carrier": h.carrier,
        "container": h.container,
        "count": len(listed),
        "total_weight_g": sum(m.parcel.weight_g for m in members),
        "parcels": listed,
    }
    events.append(Event("handover_closed", payload))
    return Decision(replace(h, status="closed"), tuple(events), changes=tuple(changes))


# --- close-out: parcels packed and not handed over, by carrier ---


@dataclass(frozen=True)
class Waiting:
    """A closed parcel not yet handed over, with the moment it was closed (aware, UTC)."""

    parcel_id: str
    order_id: str
    tracking_no: str
    carrier: str
    weight_g: int
    closed_at: datetime


@dataclass(frozen=True)
class Missed:
    """A carrier's cut-off that passed with parcels closed before it still in the building."""

    carrier: str
    cutoff: datetime
    parcels: tuple[Waiting, ...]


def next_cutoff(times: Sequence[int], now: datetime, zone: tzinfo) -> datetime | None:
    """The carrier's next collection at or after `now` (None: it has no cut-off)."""
    return cutoff_of(times, now, zone)


def missed(
    waiting: Sequence[Waiting], cutoffs: Mapping[str, Sequence[int]], now: datetime, zone: tzinfo
) -> list[Missed]:
    """Each (carrier, cut-off) already past with parcels closed before it and left behind:
    a parcel belongs to the first cut-off of its carrier at or after it was closed."""
    by: dict[tuple[str, datetime], list[Waiting]] = {}
    for w in waiting:
        due = cutoff_of(cutoffs.get(w.carrier, ()), w.closed_at, zone)
        if due is not None and due <= now:
            by.setdefault((w.carrier, due), []).append(w)
    return [Missed(c, due, tuple(ws)) for (c, due), ws in sorted(by.items())]


def closeout(
    waiting: Sequence[Waiting], cutoffs: Mapping[str, Sequence[int]], now: datetime, zone: tzinfo
) -> list[dict[str, Any]]:
    """The close-out screen: per carrier with parcels waiting, its next cut-off and the parcels
    (each marked `missed` when a cut-off it was due for has passed)."""
    late = {w.parcel_id for m in missed(waiting, cutoffs, now, zone) for w in m.parcels}
    carriers = sorted({w.carrier for w in waiting})
    out = []
    for c in carriers:
        mine = [w for w in waiting if w.carrier == c]
        nxt = next_cutoff(cutoffs.get(c, ()), now, zone)
        out.append(
            {
                "carrier": c,
                "next_cutoff": _iso(nxt),
                "count": len(mine),
                "missed": sum(1 for w in mine if w.parcel_id in late),
                "parcels": [
                    {
                        "parcel_id": w.parcel_id,
                        "order_id": w.order_id,
                        "tracking_no": w.tracking_no,
                        "weight_g": w.weight_g,
                        "closed_at": _iso(w.closed_at),
                        "missed": w.parcel_id in late,
                    }
                    for w in mine
                ],
            }
        )
    return out


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat().replace("+00:00", "Z")
