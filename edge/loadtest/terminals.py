"""Handhelds that follow their screen: what the pick, pack and returns screens ask for next,
as the request a terminal sends (kind, path, body). The web terminal sends the same scans to the
same routes; the benches in bench/ and `warehouse-edge loadtest` drive these."""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

Request = tuple[str, str, dict[str, Any]]  # (kind, path, body)
SCAN_KINDS = ("tote", "location", "item")  # the pick screen's steps
GRADE, DONE = "CMD:RESELLABLE", "CMD:DONE"  # the returns desk's command barcodes


def tote_code(n: int, prefix: str = "T-") -> str:
    return f"{prefix}{n:04d}"


@dataclass
class Picker:
    """One operator on their own handheld; `view` is the screen as the last answer left it."""

    index: int
    headers: dict[str, str]
    view: dict[str, Any] | None = None


@dataclass
class Floor:
    """What a handheld reads off the shelves: each SKU's barcode, and the next empty tote (a bound
    tote stays with its order until it is packed, so each is scanned once)."""

    barcodes: dict[str, str]
    totes_used: int = 0
    tote_prefix: str = "T-"

    def empty_tote(self) -> str:
        self.totes_used += 1
        return tote_code(self.totes_used, self.tote_prefix)


def scan(raw: str) -> dict[str, Any]:
    """A scan's body: the code and a new scan id."""
    return {"scan_id": uuid.uuid4().hex, "raw": raw}


def next_pick(p: Picker, floor: Floor) -> Request:
    """What the pick screen asks for next: a list, an empty tote, the task's bin or its item."""
    step = p.view["step"] if p.view else "done"
    if step == "done":
        return "start", "/api/v1/work-sessions", {"workflow": "pick"}
    assert p.view is not None
    if step == "tote":
        raw = floor.empty_tote()
    elif step == "location":
        raw = p.view["task"]["location"]
    else:
        raw = floor.barcodes[p.view["task"]["sku"]]
    return step, "/api/v1/scans", scan(raw)


@dataclass
class Totes:
    """Totes whose pick list is done, waiting at the benches; a picker's totes of its open list."""

    filled: deque[str] = field(default_factory=deque)
    open: dict[int, list[str]] = field(default_factory=dict)


def next_pack(
    p: Picker, totes: Totes, barcodes: dict[str, str], *, package: str, weight_g: int
) -> Request | None:
    """What the pack screen asks for: a waiting tote, each unit verified, then the parcel closed
    in `package` at `weight_g`; None while no tote waits."""
    view = p.view or {"step": "order"}
    if view["step"] == "order":
        if not totes.filled:
            return None
        return "pack_tote", "/api/v1/scans", scan(totes.filled.popleft())
    if view["step"] == "verify":
        line = next(x for x in view["lines"] if x["verified"] < x["to_pack"])
        return "pack_item", "/api/v1/scans", scan(barcodes[line["sku"]])
    close = {"close_id": uuid.uuid4().hex, "package": package, "weight_g": weight_g}
    return "pack_close", "/api/v1/pack/close", close


@dataclass
class Parcel:
    """A shipped order coming back: its number, and the barcode of each unit in it."""

    order_id: str
    units: list[str]


@dataclass
class Clerk(Picker):
    """A returns clerk: the codes of the parcel in hand still to scan."""

    left: deque[str] = field(default_factory=deque)


def next_return(c: Clerk, parcels: deque[Parcel]) -> Request | None:
    """The returns desk: the parcel's order, then each unit and its grade (resellable), then done;
    None while no parcel waits."""
    if not c.left:
        if not parcels:
            return None
        parcel = parcels.popleft()
        c.left.extend([parcel.order_id, *(x for u in parcel.units for x in (u, GRADE)), DONE])
    return "return", "/api/v1/scans", scan(c.left.popleft())
