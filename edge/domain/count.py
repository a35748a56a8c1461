"""A count of the units a short pick froze (pure): the supervisor says how many were found; those
go back to on_hand, the rest leave through the `adjusted` account, and the count task closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge.domain.decision import Decision, Event, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import Account, Bucket, Movement, Place, Stock


@dataclass(frozen=True)
class CountHeld:
    """Record a count: `found` of the units held at `location` (lot → qty frozen) are there."""

    task_id: int
    sku: str
    location: str
    found: int
    held: Sequence[tuple[str, int]]  # (lot, qty) frozen for this count, in the order to release


@dataclass(frozen=True)
class CountTaskClosed:
    task_id: int
    found: int


def count_held(stock: Stock, cmd: CountHeld) -> Decision[Stock]:
    """Release the found units lot by lot, write off the rest; one event, the task closed."""
    total = sum(qty for _, qty in cmd.held)
    if not 0 <= cmd.found <= total:
        raise EdgeError(
            "count_out_of_range", found=cmd.found, held=total, sku=cmd.sku, location=cmd.location
        )
    frozen = Place(cmd.location, Bucket.FROZEN)
    movements: list[Movement] = []
    to_release = cmd.found
    for lot, qty in cmd.held:
        back = min(qty, to_release)
        to_release -= back
        if back:
            movements.append(
                Movement(
                    "count_release",
                    cmd.sku,
                    back,
                    frozen,
                    Place(cmd.location, Bucket.ON_HAND),
                    lot=lot,
                    reason="count",
                )
            )
        if qty - back:
            movements.append(
                Movement(
                    "count_write_off",
                    cmd.sku,
                    qty - back,
                    frozen,
                    Account.ADJUSTED,
                    lot=lot,
                    reason="count: not found",
                )
            )
    payload = {
        "task_id": cmd.task_id,
        "sku": cmd.sku,
        "location": cmd.location,
        "held": total,
        "found": cmd.found,
        "written_off": total - cmd.found,
    }
    event = Event("count_recorded", payload, tuple(movements), sku=cmd.sku)
    return Decision(
        stock.apply(movements),
        (event,),
        feedback=Feedback("good", "count_resolved", payload),
        changes=(CountTaskClosed(cmd.task_id, cmd.found),),
    )
