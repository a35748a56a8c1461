"""Floor work done by script, step by step through the same services a person's scans go through:
orders released, picked whole into a tote, packed and dispatched; a history of stock commands
applied; a value remembered once. The demo seeds its floor with these (edge/demo). Each public
function takes plain values and owns its transaction (one writer call)."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from edge.config import Settings
from edge.domain.shelf_life import ShelfRules
from edge.domain.stock import AdjustStock, FreezeStock, MoveStock, ReceiveStock
from edge.service import packing
from edge.service import stock as stock_service
from edge.service.carriers import carrier_for
from edge.service.floor import FloorSettings
from edge.service.orders import receive_order
from edge.service.picking import create_list_for
from edge.service.scans import ScanRequest, handle_scan
from edge.service.work import start_task
from edge.service.workflows import WORKFLOWS
from edge.store import packing as pack_store
from edge.store.catalog import free_totes, unit_barcode
from edge.store.database import Store, set_meta_once
from edge.store.ledger import Actor
from edge.store.operators import (
    LoginSession,
    end_login_only,
    enrol_device,
    open_session,
    operator_ids,
    session_by_token_hash,
    token_hash,
)
from edge.store.orders import NewOrder
from edge.store.writer import Tx

log = logging.getLogger("edge.scripted")

COMMANDS_PER_WRITE = 250
StockCommand = ReceiveStock | MoveStock | AdjustStock | FreezeStock


def release_orders(store: Store, orders: Sequence[NewOrder]) -> list[str]:
    """Release the orders (each allocated, or held as a new order would be); their ids."""

    def release(tx: Tx) -> list[str]:
        return [str(receive_order(tx, o, Actor(), shelf=ShelfRules())["order_id"]) for o in orders]

    return store.writer.call(release)


def pick_orders_whole(
    store: Store,
    order_ids: Sequence[str],
    *,
    badge: str,
    tag: str = "scripted",
    short: bool = False,
) -> list[str]:
    """Pick each order whole into the newest free tote, scan by scan, as the picker `badge`;
    the ids picked. `tag` starts the scans' ids; `short`: each order's first item is shorted."""
    chosen = list(order_ids)
    return store.writer.call(
        lambda tx: [_pick_whole(tx, o, badge, tag, short=short) for o in chosen]
    )


def ship_order(
    store: Store,
    order_id: str,
    *,
    carrier: Any,
    rules: packing.PackRules,
    box: Any,
    picker: str,
    packer: str,
    tag: str = "scripted",
    dispatch: bool = True,
) -> None:
    """Pick the order whole (as `picker`), pack it in one parcel of `box` at its weight and
    dispatch it (as `packer`; `dispatch` False: it waits packed, for a carrier handover), all in
    one transaction; no label is printed."""
    store.writer.call(
        functools.partial(
            _ship,
            order_id=order_id,
            carrier=carrier,
            rules=rules,
            box=box,
            picker=picker,
            packer=packer,
            tag=tag,
            dispatch=dispatch,
        )
    )


def ship_orders(
    store: Store,
    settings: Settings,
    order_ids: Sequence[str],
    *,
    picker: str,
    packer: str,
    tag: str,
    dispatch: bool = True,
) -> None:
    """Pick, pack (in the config's first package, no waybill printed) and dispatch each order,
    each in one writer call, with the configured carrier; `dispatch` False: they wait packed."""
    carrier = carrier_for(store, settings.carrier)
    rules = packing.pack_rules(settings)
    box = settings.pack_packages[0]
    for order_id in order_ids:
        ship_order(
            store,
            order_id,
            carrier=carrier,
            rules=rules,
            box=box,
            picker=picker,
            packer=packer,
            tag=tag,
            dispatch=dispatch,
        )


def run_stock_commands(
    store: Store,
    commands: Sequence[StockCommand],
    *,
    mover: str,
    supervisor: str,
    per_write: int = COMMANDS_PER_WRITE,
    tag: str = "scripted",
) -> int:
    """Apply stock commands many per writer call, each in its own savepoint (one refused rolls
    back alone): moves as the operator `mover`, the others as `supervisor` (badges). Returns
    how many were refused."""
    refused = 0
    for start in range(0, len(commands), per_write):
        chunk = commands[start : start + per_write]
        apply = functools.partial(
            _apply_chunk,
            commands=chunk,
            badges=(mover, supervisor),
            start=start,
            tag=tag,
        )
        refused += store.writer.call(apply)
    return refused


def remember_once(store: Store, key: str, value: str | None = None) -> None:
    """Keep `value` (None: now, ISO 8601) under `key` in edge_meta unless a value is kept."""
    store.writer.call(lambda tx: set_meta_once(tx, key, value or tx.now.isoformat()))


# --- inside the transaction


def _apply_chunk(
    tx: Tx, commands: Sequence[StockCommand], badges: tuple[str, str], start: int, tag: str
) -> int:
    ids = operator_ids(tx)
    mover, supervisor = Actor(ids[badges[0]]), Actor(ids[badges[1]])
    refused = 0
    for n, cmd in enumerate(commands, start=start):
        try:
            with tx.savepoint():
                _apply_one(tx, cmd, mover, supervisor, f"{tag}-adjust-{n}")
        except Exception:  # noqa: BLE001 - one odd command must not stop the others
            log.debug("scripted command %d refused: %r", n, cmd, exc_info=True)
            refused += 1
    return refused


def _apply_one(tx: Tx, cmd: Any, mover: Actor, supervisor: Actor, request_id: str) -> None:
    if isinstance(cmd, ReceiveStock):
        stock_service.receive(tx, cmd, supervisor)
    elif isinstance(cmd, MoveStock):
        stock_service.move(tx, cmd, mover)
    elif isinstance(cmd, AdjustStock):
        answer = stock_service.adjust(tx, cmd, supervisor, request_id=request_id)
        if answer.code:
            raise RuntimeError(f"adjustment refused: {answer.code}")
    elif isinstance(cmd, FreezeStock):
        stock_service.freeze(tx, cmd, supervisor)
    else:
        raise TypeError(f"not a stock command: {cmd!r}")


def _pick_whole(
    tx: Tx, order_id: str, badge: str, tag: str, *, short: bool = False, wrong_first: bool = False
) -> str:
    """Pick the order on a list of its own, scan by scan, as `badge`: a wrong bin scanned first
    (refused) when `wrong_first`, its first item shorted when `short` (the demo's history)."""
    session = _session(tx, badge)
    list_id = create_list_for(
        tx, [order_id], assignee=session.operator_id, created_by=session.operator_id
    )
    state = start_task(tx, session, "pick", {"pick_list_id": list_id})["state"]
    for n in range(200):  # a few scans per unit; the bound only guards against a loop
        view = WORKFLOWS["pick"].view(tx, state)
        if view["step"] == "done":
            return order_id
        code = _next_code(tx, view)
        if view["step"] == "location" and wrong_first:
            wrong_first = False
            _refused(tx, session, f"{tag}-wrong-{order_id}", "Q-01")
        if view["step"] == "item" and short:
            short = False
            code = "CMD:SHORT"
        state = _scan(tx, session, f"{tag}-pick-{order_id}-{n}", code)
    raise RuntimeError(f"scripted pick of {order_id} did not finish")


def _next_code(tx: Tx, view: dict[str, Any]) -> str:
    if view["step"] == "tote":
        # the last free tote: the first ones stay free for a newcomer's first pick
        return free_totes(tx, 1, newest_first=True)[0]
    task = view["task"]
    if view["step"] == "location":
        return str(task["location"])
    return str(unit_barcode(tx, task["sku"]))


def _ship(
    tx: Tx,
    *,
    order_id: str,
    carrier: Any,
    rules: packing.PackRules,
    box: Any,
    picker: str,
    packer: str,
    tag: str,
    dispatch: bool = True,
) -> None:
    _pick_whole(tx, order_id, picker, tag)
    pack_and_dispatch(
        tx,
        order_id=order_id,
        carrier=carrier,
        rules=rules,
        box=box,
        packer=packer,
        tag=tag,
        dispatch=dispatch,
    )


def pack_and_dispatch(
    tx: Tx,
    *,
    order_id: str,
    carrier: Any,
    rules: packing.PackRules,
    box: Any,
    packer: str,
    tag: str,
    dispatch: bool = True,
) -> str:
    """Pack a picked order in one parcel of `box` at its weight and dispatch it (as `packer`;
    `dispatch` False: it stays packed); its tracking number."""
    session = _session(tx, packer)
    state = start_task(tx, session, "pack")["state"]
    tote = pack_store.order_totes(tx, order_id)[0]
    state = _scan(tx, session, f"{tag}-pack-{order_id}-tote", tote)
    units = []
    while (view := WORKFLOWS["pack"].view(tx, state))["step"] == "verify":
        line = next(ln for ln in view["lines"] if ln["verified"] < ln["to_pack"])
        units.append(line["sku"])
        code = str(unit_barcode(tx, line["sku"]))
        state = _scan(tx, session, f"{tag}-pack-{order_id}-{len(units)}", code)
    weights = pack_store.unit_weights(tx, units)
    grams = box.tare_g + sum(weights[sku] for sku in units)
    tracking = pack_store.issue_tracking(tx, order_id, 1, carrier.name, carrier.numbers)
    close = packing.Close(
        f"{tag}-close-{order_id}", session, box.code, grams, 1, tracking, None, typed_weight=grams
    )
    answer = packing.close(tx, close, rules)
    if answer.code:
        raise RuntimeError(f"scripted pack of {order_id} refused: {answer.code}")
    if dispatch:
        start_task(tx, session, "dispatch")
        _scan(tx, session, f"{tag}-dispatch-{order_id}", tracking)
    return tracking


def _scan(tx: Tx, session: LoginSession, scan_id: str, code: str) -> dict[str, Any]:
    answer = handle_scan(tx, ScanRequest(scan_id, code, session), FloorSettings())
    if answer.code:
        raise RuntimeError(f"scripted scan {code} refused: {answer.code}")
    return dict(answer.body["state"])


def _refused(tx: Tx, session: LoginSession, scan_id: str, code: str) -> None:
    """A scan the workflow refuses (its answer kept, nothing moved)."""
    answer = handle_scan(tx, ScanRequest(scan_id, code, session), FloorSettings())
    if not answer.code:
        raise RuntimeError(f"scripted wrong scan {code} was taken")


def _session(tx: Tx, badge: str) -> LoginSession:
    """A login of `badge` on a seeding device, ended at once (its task stays usable here)."""
    operator_id = operator_ids(tx)[badge]
    device = enrol_device(tx, name="demo seeding", kind="handheld")
    token = secrets.token_urlsafe(16)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    open_session(tx, token=token, operator_id=operator_id, device_id=device, expires_at=expires)
    found = session_by_token_hash(tx.conn, token_hash(token))
    assert found is not None
    end_login_only(tx, token_hash(token))
    return found[0]
