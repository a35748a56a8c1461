"""Exceptions a supervisor owns: what each kind asks of whom and where it is done, the rules of
its states (open → acked → resolved), and the sweep that opens one per overdue cause (an order
stuck in a state, a print job needing attention, a return parcel not graded, the sync lagging)
and closes it when the cause is gone. Pure: the time is passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from edge.domain.errors import EdgeError

STATES = ("open", "acked", "resolved")
ACTIVE = ("open", "acked")


@dataclass(frozen=True)
class Kind:
    """Who owns an exception of this kind until someone is assigned, what they should do, and
    the screen (its terminal name) and API path where it is done."""

    owner: str
    action: str
    action_zh: str
    screen: str
    link: str


_SUP = "supervisor"
KINDS: Mapping[str, Kind] = {
    "short_pick": Kind(
        _SUP,
        "Count the bin: record what is found in its count task.",
        "盘点该库位：在盘点任务中登记实际数量。",
        "counts",
        "/api/v1/count-tasks",
    ),
    "count_variance": Kind(
        _SUP,
        "Review the count's variance: approve or reject it if it waits, or have the bin counted again.",
        "复核盘点差异：如待审批则批准或驳回，或安排重新盘点该库位。",
        "counts",
        "/api/v1/counts/review",
    ),
    "order_stuck": Kind(
        _SUP,
        "Find out why the order has not moved on and move it, hold it or cancel it.",
        "查明订单为何停滞，推进、挂起或取消它。",
        "orders",
        "/api/v1/orders/{order_id}",
    ),
    "print_attention": Kind(
        _SUP,
        "Fix the printer (paper, ribbon, head, power) or reprint the job elsewhere.",
        "处理打印机（纸、碳带、打印头、电源），或在别处重打该任务。",
        "printers",
        "/api/v1/print-jobs/needs-attention",
    ),
    "returns_not_graded": Kind(
        _SUP,
        "Have the returns desk grade and close the parcel.",
        "请退货台检验并关闭该包裹。",
        "returns",
        "/api/v1/returns/exceptions",
    ),
    "sync_lag": Kind(
        "admin",
        "Check the link to central: events wait to be sent.",
        "检查与中心的连接：有事件等待上传。",
        "sync",
        "/api/v1/sync/status",
    ),
    "sync": Kind(
        "admin",
        "Read why central's change was not applied and settle the order by hand.",
        "查看中心变更未能应用的原因，并手工处理该订单。",
        "sync",
        "/api/v1/sync/status",
    ),
    "restore": Kind(
        _SUP,
        "Settle the order that changed after the backup was taken.",
        "处理备份之后发生变化的订单。",
        "orders",
        "/api/v1/orders/{order_id}",
    ),
}
_OTHER = Kind(_SUP, "Read the detail and settle it.", "查看详情并处理。", "exceptions", "")


def kind_of(kind: str) -> Kind:
    """The rules of `kind` (a kind this code does not know gets the supervisor's generic ones)."""
    return KINDS.get(kind, _OTHER)


def link_of(kind: str, order_id: str | None) -> str:
    """The API path where an exception of `kind` is dealt with."""
    link = kind_of(kind).link
    if "{order_id}" in link:
        return link.format(order_id=order_id) if order_id else "/api/v1/exceptions"
    return link or "/api/v1/exceptions"


def next_state(exception_id: int, state: str, action: str) -> str:
    """The state after `action` (ack, assign, resolve); a resolved exception takes none."""
    if state == "resolved":
        raise EdgeError("exception_resolved", exception_id=exception_id)
    if action == "ack":
        return "acked"
    if action == "resolve":
        return "resolved"
    return state  # assigning keeps the state


@dataclass(frozen=True)
class Condition:
    """Something that may need a person: open once `since` is `threshold_s` in the past."""

    cause: str
    kind: str
    since: datetime
    threshold_s: float
    order_id: str | None = None
    location: str | None = None
    sku: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def due(self, now: datetime) -> bool:
        return (now - self.since).total_seconds() >= self.threshold_s


@dataclass(frozen=True)
class SweepPlan:
    """What one sweep does: the exceptions to open, and the ids whose cause has cleared."""

    opened: tuple[Condition, ...]
    cleared: tuple[int, ...]


def sweep(
    conditions: Iterable[Condition], known: Mapping[str, tuple[int, str]], now: datetime
) -> SweepPlan:
    """Open an exception for each overdue cause never opened before (`known`: every cause an
    exception was opened for, resolved or not, with its id and state); close each still active
    whose cause is no longer among `conditions`. A cause is opened once, never twice, even after
    a person resolved it while it still holds."""
    present: dict[str, Condition] = {}
    for c in conditions:
        present.setdefault(c.cause, c)
    opened = tuple(c for cause, c in present.items() if cause not in known and c.due(now))
    cleared = tuple(
        sorted(i for cause, (i, state) in known.items() if state in ACTIVE and cause not in present)
    )
    return SweepPlan(opened, cleared)
