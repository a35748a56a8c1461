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
    "device_down": Kind(
        _SUP,
        "Check the device: power, cable or network, paper or ribbon; it has been down a while.",
        "检查该设备：电源、线缆或网络、纸张或碳带；它已停机一段时间。",
        "devices",
        "/metrics",
    ),
    "scale_silent": Kind(
        _SUP,
        "The bench's scale sends no weight while a parcel is packed there: check its cable and"
        " power, or weigh on another bench.",
        "包装台的秤在打包时没有读数：请检查线缆和电源，或到其他包装台称重。",
        "devices",
        "/metrics",
    ),
    "no_reserve": Kind(
        _SUP,
        "The pick face is at its minimum and no reserve is left: receive or move stock in.",
        "拣货位已到最低库存且无储备库存：请收货或调入库存。",
        "replenish",
        "/api/v1/replenishments",
    ),
    "cutoff_at_risk": Kind(
        _SUP,
        "The order is not packed and its carrier's cut-off is near or past: pick and pack it now,"
        " or tell the customer it ships with the next collection.",
        "订单尚未打包，承运商截单时间将到或已过：请立即拣货打包，或告知客户改随下一班揽收发出。",
        "waves",
        "/api/v1/waves",
    ),
    "not_handed_over": Kind(
        _SUP,
        "The carrier's cut-off passed with packed parcels still here: hand them to the next"
        " collection (scan them into a handover) or call the carrier.",
        "承运商截单时间已过，仍有已打包包裹未交接：请扫入交接单随下一班揽收，或联系承运商。",
        "closeout",
        "/api/v1/closeout",
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


# A device's states that mean it is down, by kind (printers: edge.devices.printers.STATES;
# scanners and scales: edge.devices.adapters.DeviceState).
DOWN_STATES: Mapping[str, frozenset[str]] = {
    "printer": frozenset({"offline", "paper_out", "head_open", "paused"}),
    "scanner": frozenset({"disconnected", "error"}),
    "scale": frozenset({"disconnected", "error"}),
}


@dataclass(frozen=True)
class DeviceReport:
    """What one configured device says now; a scale also how long since its last reading
    (None: none yet) and whether a parcel is being packed at its bench (it needs a weight)."""

    kind: str
    name: str
    state: str
    station: str = ""
    silent_s: float | None = None
    needed: bool = False


Tracked = Mapping[tuple[str, str], tuple[str, datetime]]


def _bad(r: DeviceReport, silent_s: float) -> tuple[tuple[str, str], str] | None:
    """A device's bad state now, if any: down, or (a scale needed at its bench) silent — no
    reading for `silent_s` — or never read since it connected."""
    if r.state in DOWN_STATES.get(r.kind, ()):
        return ("device_down", f"{r.kind}:{r.name}"), r.state
    if r.kind == "scale" and r.needed and r.state == "silent":  # the reader says so itself
        return ("scale_silent", r.name), "silent"
    if r.kind == "scale" and r.needed and r.state == "connected":
        if r.silent_s is None:
            return ("scale_silent", r.name), "never_read"
        if r.silent_s >= silent_s:
            return ("scale_silent", r.name), "silent"
    return None


def watch_devices(
    previous: Tracked, reports: Iterable[DeviceReport], now: datetime, silent_s: float
) -> dict[tuple[str, str], tuple[str, datetime]]:
    """Which devices are down or silent now, each with the time it was first seen so: a device
    keeps its time while it stays in the same bad state; a change of state starts it again."""
    out: dict[tuple[str, str], tuple[str, datetime]] = {}
    for r in reports:
        bad = _bad(r, silent_s)
        if bad is None:
            continue
        key, state = bad
        before = previous.get(key)
        out[key] = (state, before[1] if before is not None and before[0] == state else now)
    return out


def device_conditions(
    tracked: Tracked, reports: Iterable[DeviceReport], down_s: float, silent_s: float
) -> list[Condition]:
    """One condition per device down (due after `down_s`) or scale silent (due at once when
    its last reading is `silent_s` old, after `silent_s` when it never read)."""
    by_key: dict[tuple[str, str], DeviceReport] = {}
    for report in reports:
        by_key[("device_down", f"{report.kind}:{report.name}")] = report
        by_key[("scale_silent", report.name)] = report
    out = []
    for (kind, name), (state, since) in sorted(tracked.items()):
        r = by_key.get((kind, name))
        if r is None:
            continue
        wait = down_s if kind == "device_down" else (silent_s if state == "never_read" else 0)
        out.append(
            Condition(
                f"{kind}:{name}:{state}:{since.isoformat()}",
                kind,
                since,
                wait,
                location=r.station or None,
                detail={"device": r.name, "kind": r.kind, "state": state, "station": r.station},
            )
        )
    return out
