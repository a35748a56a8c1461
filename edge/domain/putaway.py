"""Directed putaway (pure): received goods go from the dock into a bin.

A putaway task is one received container's units of one SKU. Its suggested bin is the SKU's pick
face if it has room; else a bin in the SKU's zone holding the same SKU and lot, then an empty bin
by pick sequence, then (a full zone) a bin holding the same SKU. The clerk scans the container, then a bin: the suggested one or another
(allowed, and recorded); every unit of the SKU in the container moves dock → bin at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from edge.domain.classify import Classified
from edge.domain.decision import Decision, Event, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import Bucket, Movement, Place, Stock
from edge.domain.workflow import transition

Step = Literal["container", "bin"]
PROMPT: dict[Step, str] = {"container": "scan_putaway_container", "bin": "scan_putaway_bin"}


@dataclass(frozen=True)
class BinFacts:
    """One candidate bin as the store sees it for the SKU being put away."""

    location: str
    pick_seq: int = 0
    pick_face_room: int | None = None  # the SKU's pick face: units it can still take
    same_sku_lot: bool = False  # holds the same SKU and lot already (in the SKU's zone)
    empty: bool = False  # holds nothing (in the SKU's zone)
    same_sku: bool = False  # holds the same SKU, another lot (in the SKU's zone)


def suggest_bin(bins: Sequence[BinFacts], qty: int) -> str:
    """The site's rule: pick face with room, same SKU and lot, then empty by pick sequence; a
    full zone falls back on a bin of the same SKU (another lot: FEFO still picks in order)."""
    faces = [b for b in bins if b.pick_face_room is not None and b.pick_face_room >= qty]
    others = [b for b in bins if b.pick_face_room is None]
    same = [b for b in others if b.same_sku_lot]
    empty = [b for b in others if b.empty]
    sku = [b for b in others if b.same_sku]
    for group in (faces, same, empty, sku):
        if group:
            return min(group, key=lambda b: (b.pick_seq, b.location)).location
    return ""


@dataclass(frozen=True)
class PutawaySession:
    step: Step = "container"
    task_id: int = 0
    container: str = ""
    sku: str = ""
    dock: str = ""
    qty: int = 0
    suggested: str = ""
    done: int = 0  # tasks finished in this session


@dataclass(frozen=True)
class PutawayTask:
    id: int
    container: str
    sku: str
    dock: str
    qty: int
    suggested: str


@dataclass(frozen=True)
class PutawayDone:
    """A task finished: its units went into `location` (the suggested bin or another)."""

    task_id: int
    location: str
    qty: int


@dataclass(frozen=True)
class PutawayContext:
    task: PutawayTask | None = None  # the task the scanned container names
    stock: Stock = field(default_factory=Stock)  # the SKU at the dock and the bin


Handler = Callable[[PutawaySession, Classified, PutawayContext], Decision[PutawaySession]]


def _take_task(
    s: PutawaySession, scan: Classified, ctx: PutawayContext
) -> Decision[PutawaySession]:
    task = ctx.task
    if task is None:
        raise EdgeError("putaway_not_found", code=scan.scan.display)
    new = PutawaySession(
        "bin", task.id, task.container, task.sku, task.dock, task.qty, task.suggested, s.done
    )
    return Decision(new, feedback=Feedback("info", "scan_putaway_bin", view_params(new)))


def _put(s: PutawaySession, scan: Classified, ctx: PutawayContext) -> Decision[PutawaySession]:
    if scan.key == s.dock:
        raise EdgeError("same_location", location=scan.key)
    source = Place(s.dock, Bucket.ON_HAND, s.container)
    lots = sorted(
        (k[3], q)
        for k, q in ctx.stock.balances.items()
        if k[:3] == (s.sku, s.dock, s.container) and k[4] == Bucket.ON_HAND.value and q > 0
    )
    moves = tuple(
        Movement("putaway", s.sku, q, source, Place(scan.key, Bucket.ON_HAND), lot=lot)
        for lot, q in lots
    )
    if not moves:
        raise EdgeError("putaway_not_found", code=s.container)
    qty = sum(m.qty for m in moves)
    payload = {
        "sku": s.sku,
        "source": s.dock,
        "target": scan.key,
        "qty": qty,
        "container": s.container,
        "putaway_task": s.task_id,
        "suggested": s.suggested,
    }
    ctx.stock.apply(moves)
    event = Event("stock_moved", payload, moves, sku=s.sku)
    params = {"sku": s.sku, "qty": qty, "location": scan.key, "suggested": s.suggested}
    prompt = "put_away" if scan.key == s.suggested or not s.suggested else "put_away_elsewhere"
    return Decision(
        PutawaySession(done=s.done + 1),
        (event,),
        feedback=Feedback("good", prompt, params),
        changes=(PutawayDone(s.task_id, scan.key, qty),),
    )


def _back(s: PutawaySession, _scan: Classified, _ctx: PutawayContext) -> Decision[PutawaySession]:
    return Decision(replace(PutawaySession(), done=s.done))


TRANSITIONS: dict[tuple[Step, str], Handler] = {
    ("container", "parcel"): _take_task,
    ("container", "container"): _take_task,
    ("container", "product"): _take_task,
    ("bin", "location"): _put,
    ("bin", "command:CANCEL"): _back,
}


def decide_putaway(
    s: PutawaySession, scan: Classified, ctx: PutawayContext
) -> Decision[PutawaySession]:
    """Apply one classified scan to a putaway session, or refuse it naming what is expected."""
    params = view_params(s)
    return transition(TRANSITIONS, s.step, scan, prompt=PROMPT[s.step], params=params)(s, scan, ctx)


def view_params(s: PutawaySession) -> dict[str, object]:
    return {
        "container": s.container,
        "sku": s.sku,
        "qty": s.qty,
        "suggested": s.suggested or "—",
        "done": s.done,
    }
