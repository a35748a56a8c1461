"""Waves: the supervisor's view of them against their cut-offs, their release (by a supervisor
or the schedule, one transaction each, audited), the orders the next pick list takes from the
released ones, and the orders that will miss their cut-off (for the exceptions sweep)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from edge.domain.errors import EdgeError
from edge.domain.exceptions import Condition
from edge.domain.wave import (
    Wave,
    WaveRules,
    batch_of,
    due_for_release,
    key_of,
    parse_cutoffs,
    parse_group_by,
    plan_waves,
    progress,
    will_miss,
)
from edge.store import waves as store
from edge.store.database import Store
from edge.store.writer import Tx

if TYPE_CHECKING:  # not imported by the writer process (tests/test_writer_imports.py)
    from edge.config import Settings


def rules_of(settings: Settings) -> WaveRules:
    w = settings.waves
    return WaveRules(
        parse_cutoffs(w.cutoffs),
        settings.edge.zone,
        parse_group_by(w.group_by),
        settings.carrier.name,
        w.warn_minutes,
        w.lead_minutes,
        w.cart_size,
    )


def board(conn: Any, settings: Settings, now: datetime) -> dict[str, Any]:
    """Every wave with orders still to pack or packed lately, most urgent first: its progress by
    stage against its cut-off, whether it is released (and by whom, when)."""
    rules = rules_of(settings)
    done = store.released_ids(conn)
    waves = []
    for w in plan_waves(store.wave_orders(conn, now), rules):
        shown = progress(w, now, w.id in done, rules)
        if w.id in done:
            row = store.released(conn, w.id) or {}
            shown["release"] = {
                "how": row.get("how"),
                "by": row.get("released_by_name"),
                "at": row.get("released_at"),
                "orders": row.get("orders_at_release"),
            }
        waves.append(shown)
    return {"enabled": settings.waves.enabled, "release": settings.waves.release, "waves": waves}


def _release(tx: Tx, w: Wave, how: str, operator_id: int | None, device_id: str | None) -> None:
    to_pick = sum(1 for o in w.orders if o.status == "released")
    store.record_release(tx, w.key, to_pick, how=how, operator_id=operator_id, device_id=device_id)


def release(
    tx: Tx, settings: Settings, wave_id: str, *, operator_id: int | None, device_id: str | None
) -> dict[str, Any]:
    """A supervisor releases a wave to picking: refused when waves are off, when the wave is
    unknown (no order to pack in it) or already released. `operator_id` None: a script (the
    bench) releases it, recorded as the supervisor's release with no one named."""
    if not settings.waves.enabled:
        raise EdgeError("waves_off")
    rules = rules_of(settings)
    if wave_id in store.released_ids(tx):
        raise EdgeError("wave_released", wave_id=wave_id)
    wave = next(
        (w for w in plan_waves(store.wave_orders(tx, tx.now), rules) if w.id == wave_id), None
    )
    if wave is None or not any(o.status == "released" for o in wave.orders):
        raise EdgeError("not_found", what="wave", key=wave_id)
    _release(tx, wave, "supervisor", operator_id, device_id)
    return progress(wave, tx.now, True, rules)


async def release_wave(
    st: Store, settings: Settings, wave_id: str, *, operator_id: int, device_id: str | None
) -> dict[str, Any]:
    return await st.writer.run(
        lambda tx: release(tx, settings, wave_id, operator_id=operator_id, device_id=device_id)
    )


def release_due(tx: Tx, settings: Settings) -> list[str]:
    """The schedule: release every wave whose cut-off is within waves.lead_minutes."""
    if not settings.waves.enabled or settings.waves.release != "schedule":
        return []
    rules = rules_of(settings)
    due = due_for_release(
        plan_waves(store.wave_orders(tx, tx.now), rules), store.released_ids(tx), tx.now, rules
    )
    for w in due:
        _release(tx, w, "schedule", None, None)
    return [w.id for w in due]


def next_orders(tx: Tx, rules: WaveRules, batch_size: int) -> tuple[list[str], bool]:
    """The next pick list's orders from the most urgent released wave with any left to pick,
    and whether they go on one cart: its single-item orders first, up to waves.cart_size of them
    (when there are two or more), else its others by `batch_size`. Each order's wave is kept
    (worked out once), so this reads the released waves and one wave's orders by index."""
    keep_waves(tx, rules)
    waiting = store.released_with_work(tx)
    if not waiting:
        return [], False
    best = str(min(waiting, key=_wave_urgency)["id"])
    singles = store.wave_pickable(tx, best, limit=max(rules.cart_size, 2), single_item=True)
    if singles:
        on_cart, cart = batch_of(Wave(key_of(singles[0], rules), tuple(singles)), rules)
        if cart:
            return on_cart, True
    return [o.id for o in store.wave_pickable(tx, best, limit=batch_size)], False


def _wave_urgency(row: dict[str, Any]) -> tuple[bool, str, int, str, str]:
    """plan_waves' order of waves, from a released wave's row: earliest cut-off (none last),
    then its orders' top priority, carrier, channel."""
    return (row["cutoff"] is None, row["cutoff"] or "", -row["top"], row["carrier"], row["channel"])


def keep_waves(tx: Tx, rules: WaveRules) -> None:
    """Work out the wave of each released order that has none yet (all of them again when the
    rules changed since they were worked out)."""
    cutoffs = sorted(rules.cutoffs.items())
    store.forget_keys_unless(
        tx, repr((cutoffs, str(rules.zone), rules.group_by, rules.default_carrier))
    )
    new = store.without_key(tx)
    if new:
        store.keep_keys(tx, [(key_of(o, rules).id, o.id) for o in new])


def next_zone_orders(
    tx: Tx, rules: WaveRules | None, batch_size: int, zone: str | None
) -> tuple[list[str], bool, str | None]:
    """With picking.zones: the next zone's list (orders, cart, zone): the zone asked for, else
    the most urgent order's zone (with waves on: among the most urgent released wave's orders),
    and the orders with units there no open list takes, as next_orders chooses them."""
    work = store.zone_pickable(tx, zone)
    wave: Wave | None = None
    if rules is not None:
        done = store.released_ids(tx)
        unique = {o.id: o for o, _ in work}
        wave = next((w for w in plan_waves(unique.values(), rules) if w.id in done), None)
        ids = {o.id for o in wave.orders} if wave else set()
        work = [(o, z) for o, z in work if o.id in ids]
    if not work:
        return [], False, zone
    chosen = work[0][1]
    here = [o for o, z in work if z == chosen]
    if rules is not None and wave is not None:
        by_id = {o.id for o in here}
        in_zone = Wave(wave.key, tuple(o for o in wave.orders if o.id in by_id))
        singles, cart = batch_of(in_zone, rules)
        if cart:
            return singles, True, chosen
        here = list(in_zone.orders)
    return [o.id for o in here][:batch_size], False, chosen


def cutoff_conditions(tx: Tx, settings: Settings) -> list[Condition]:
    """One condition per order not packed within waves.warn_minutes of its cut-off."""
    rules = rules_of(settings)
    if not rules.cutoffs:
        return []
    misses = will_miss(plan_waves(store.wave_orders(tx, tx.now), rules), tx.now, rules)
    return [
        Condition(
            f"cutoff_at_risk:{m.order_id}:{m.cutoff.isoformat()}",
            "cutoff_at_risk",
            m.warn_from,
            0,
            order_id=m.order_id,
            detail={
                "wave_id": m.wave_id,
                "carrier": m.carrier,
                "cutoff": m.cutoff.isoformat().replace("+00:00", "Z"),
                "status": m.status,
            },
        )
        for m in misses
    ]
