"""A blind cycle count of one bin (pure): the counter says what is there, SKU and lot by SKU and
lot, without being told what the records say; each line's variance (counted − expected) is
settled through the `adjusted` account, and a count whose variance is over the site's threshold
(units or value) waits for a second person's approval before it changes anything.

`expected` for a (SKU, lot) is its on_hand in the bin plus the units the task itself froze (a
short pick's hold): those units are released first, then the variance is booked against on_hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from edge.domain.count import CountTaskClosed
from edge.domain.decision import Decision, Event, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import Account, Bucket, Movement, Place, Stock, take_free

SOURCES = ("short_pick", "variance", "schedule", "manual")
LineKey = tuple[str, str]  # (sku, lot)


@dataclass(frozen=True)
class CountLine:
    """One SKU and lot of the bin: what the records said, what was counted, what the task held."""

    sku: str
    lot: str
    expected: int
    counted: int
    held: int = 0

    @property
    def variance(self) -> int:
        return self.counted - self.expected


def count_lines(
    expected: Mapping[LineKey, int],
    held: Mapping[LineKey, int],
    counted: Iterable[tuple[str, str, int]],
) -> tuple[CountLine, ...]:
    """The lines of a count: every (SKU, lot) the records expect or the counter counted (a
    line counted twice adds up; one expected and not counted was counted 0), sorted."""
    got: dict[LineKey, int] = {}
    for sku, lot, qty in counted:
        if qty < 0:
            raise EdgeError("invalid_quantity", quantity=qty, reason="a count is 0 or more")
        got[(sku, lot)] = got.get((sku, lot), 0) + qty
    keys = sorted({*expected, *held, *got})
    return tuple(
        CountLine(
            sku,
            lot,
            expected.get((sku, lot), 0) + held.get((sku, lot), 0),
            got.get((sku, lot), 0),
            held.get((sku, lot), 0),
        )
        for sku, lot in keys
    )


@dataclass(frozen=True)
class Threshold:
    """Above either limit a count's adjustment waits for approval; 0 switches a limit off."""

    units: int = 0
    value: int = 0  # in the products' unit_value currency unit (e.g. cents)


def variance_size(lines: Sequence[CountLine], unit_value: Mapping[str, int]) -> tuple[int, int]:
    """Units and value the count would adjust (absolute, summed over lines)."""
    units = sum(abs(x.variance) for x in lines)
    value = sum(abs(x.variance) * unit_value.get(x.sku, 0) for x in lines)
    return units, value


def needs_approval(lines: Sequence[CountLine], unit_value: Mapping[str, int], t: Threshold) -> bool:
    units, value = variance_size(lines, unit_value)
    return (t.units > 0 and units > t.units) or (t.value > 0 and value > t.value)


def check_approver(task_id: int, counted_by: int | None, approver: int | None) -> None:
    """The second person: never the one who counted."""
    if approver is None or approver == counted_by:
        raise EdgeError("approver_is_counter", task_id=task_id)


def held_found(line: CountLine) -> int:
    """Of a line's held units, how many the count found (the rest of the bin counted first)."""
    return max(0, min(line.held, line.counted - (line.expected - line.held)))


def settle_count(
    stock: Stock,
    task_id: int,
    location: str,
    lines: Sequence[CountLine],
    *,
    approved_by: str = "",
    reason: str = "",
) -> Decision[Stock]:
    """Release the task's hold, then book each line's variance: found units come from
    `adjusted`, missing ones go there (never below what orders reserve). One event. `reason`:
    a supervisor's adjustment's own reason, instead of the count's."""
    here_on_hand = Place(location, Bucket.ON_HAND)
    movements: list[Movement] = []
    for x in lines:
        if x.held:
            movements.append(
                Movement(
                    "count_release",
                    x.sku,
                    x.held,
                    Place(location, Bucket.FROZEN),
                    here_on_hand,
                    lot=x.lot,
                    reason="count",
                )
            )
    after_release = stock.apply(movements)
    for x in lines:
        if x.variance > 0:
            movements.append(
                Movement(
                    "count_adjust",
                    x.sku,
                    x.variance,
                    Account.ADJUSTED,
                    here_on_hand,
                    lot=x.lot,
                    reason=reason or "count: found",
                )
            )
        elif x.variance < 0:
            take_free(after_release, x.sku, location, -x.variance, lots=[x.lot])
            movements.append(
                Movement(
                    "count_adjust",
                    x.sku,
                    -x.variance,
                    here_on_hand,
                    Account.ADJUSTED,
                    lot=x.lot,
                    reason=reason or "count: missing",
                )
            )
    payload = {
        "task_id": task_id,
        "location": location,
        "expected": sum(x.expected for x in lines),
        "counted": sum(x.counted for x in lines),
        "lines": [
            {"sku": x.sku, "lot": x.lot, "expected": x.expected, "counted": x.counted}
            for x in lines
        ],
    }
    if approved_by:
        payload["approved_by"] = approved_by
    sku = lines[0].sku if lines else None
    event = Event("count_recorded", payload, tuple(movements), sku=sku)
    found = sum(held_found(x) for x in lines)
    return Decision(
        stock.apply(movements),
        (event,),
        feedback=Feedback("good", "count_submitted", {"task_id": task_id, "location": location}),
        changes=(CountTaskClosed(task_id, found),),
    )


# --- the count schedule: ABC by movement ---------------------------------------------------

ABC_SHARES = (("A", 0.2), ("B", 0.3))  # the busiest fifth of the bins, the next 30 %; C the rest


def abc_classes(bins: Iterable[str], moves: Mapping[str, int]) -> dict[str, str]:
    """Each bin's class by how often stock moved in or out of it: A the busiest 20 %, B the
    next 30 %, C the rest (a bin nothing moved through is C). Ties keep the bin code order."""
    ranked = sorted(bins, key=lambda b: (-moves.get(b, 0), b))
    out: dict[str, str] = {}
    start = 0
    for cls, share in ABC_SHARES:
        end = start + round(len(ranked) * share)
        out |= {b: cls for b in ranked[start:end] if moves.get(b, 0) > 0}
        start = end
    return {b: out.get(b, "C") for b in ranked}


def due_bins(
    classes: Mapping[str, str],
    last_counted: Mapping[str, datetime],
    every_days: Mapping[str, int],
    now: datetime,
    *,
    open_already: Iterable[str] = (),
    limit: int = 20,
) -> list[str]:
    """The bins whose class's interval has passed since their last count (never counted: due),
    most overdue first, at most `limit`, none with a count open. A class without an interval
    (or 0) is never scheduled."""
    busy = set(open_already)
    due: list[tuple[float, str]] = []
    for b, cls in classes.items():
        days = every_days.get(cls, 0)
        if days <= 0 or b in busy:
            continue
        last = last_counted.get(b)
        overdue = float("inf") if last is None else (now - last).total_seconds() - days * 86400
        if overdue >= 0:
            due.append((-overdue, b))
    return [b for _, b in sorted(due)[:limit]]
