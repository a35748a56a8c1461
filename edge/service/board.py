"""The supervisor's task board: every order and floor task as a card in its column, with assignee,
due time (the channel's ship-by), priority and why it is blocked; and the two moves a supervisor
makes on it — give a card to a picker, change its priority — each one command, audited."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from edge.config import Settings
from edge.config.board import BoardSettings
from edge.domain import board as rules
from edge.domain.errors import EdgeError
from edge.domain.messages import hold_text
from edge.domain.operator import Role
from edge.service import waves as wave_service
from edge.service.picking import create_list_for
from edge.store import board as store
from edge.store.counts import open_floor_tasks
from edge.store.database import Store
from edge.store.operators import parse_utc
from edge.store.orders import order_row
from edge.store.picking import in_open_list
from edge.store.writer import Tx

_FLOOR_COLUMNS = frozenset({"todo", "picking", "packing", "on_hold"})


@dataclass(frozen=True)
class Moved:
    """What a move did: the card as it is now, and who must be told (the picker the list went
    to, the pickers it was taken from)."""

    card: dict[str, Any]
    list_id: str | None = None
    assigned: int | None = None
    unassigned: list[int] = field(default_factory=list)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def board(
    conn: sqlite3.Connection,
    now: datetime,
    settings: BoardSettings,
    filt: rules.BoardFilter | None = None,
) -> dict[str, Any]:
    """The board: cards (filtered, at most `max_cards`, most pressing first in each column),
    how many stand in each column, the pickers a card can go to and the channels seen."""
    limit = settings.max_cards
    cards = _cards(conn, now, settings, limit + 1)
    channels = sorted({c["channel"] for c in cards if c.get("channel")})
    kept = [c for c in cards if (filt or rules.BoardFilter()).keeps(c)]
    kept.sort(key=lambda c: (rules.COLUMNS.index(c["column"]), rules.sort_key(c)))
    # A source that gave more than `limit` rows was cut before the filter: say so even when
    # the filtered cards fit (count and replenishment tasks come from one source).
    per_source = Counter(
        "task" if c["kind"] in ("count", "replenish") else c["kind"] for c in cards
    )
    truncated = len(kept) > limit or any(n > limit for n in per_source.values())
    kept = kept[:limit]
    columns = [
        {"name": name, "count": sum(1 for c in kept if c["column"] == name)}
        for name in rules.COLUMNS
    ]
    return {
        "now": _stamp(now),
        "columns": columns,
        "cards": kept,
        "truncated": truncated,
        "pickers": store.pickers(conn),
        "channels": channels,
        "thresholds": {
            "near_minutes": settings.near_minutes,
            "urgent_priority": settings.urgent_priority,
            "high_priority": settings.high_priority,
        },
    }


def _cards(
    conn: sqlite3.Connection, now: datetime, s: BoardSettings, limit: int
) -> list[dict[str, Any]]:
    near = timedelta(minutes=s.near_minutes)
    shipped_since = _stamp(now - timedelta(hours=s.shipped_hours))
    returns_since = _stamp(now - timedelta(days=s.after_sales_days))
    blocked_by = store.open_exception_kinds(conn)
    out: list[dict[str, Any]] = []
    for r in store.order_rows(
        conn, shipped_since=shipped_since, returns_since=returns_since, limit=limit
    ):
        out.append(_order_card(r, now, s, near, blocked_by.get(r["id"], [])))
    for r in store.open_lists(conn, limit):
        out.append(_list_card(r, now, s, near))
    for r in store.open_putbacks(conn, limit):
        out.append(
            _task_card(
                f"putback:{r['id']}",
                "putback",
                "todo",
                r["container"],
                detail={"order_id": r["order_id"], "sku": r["sku"], "qty": r["qty"]},
                channel=r["channel"],
                since=r["created_at"],
            )
        )
    for r in store.open_return_parcels(conn, limit):
        out.append(
            _task_card(
                f"return:{r['id']}",
                "return",
                "after_sales",
                r["rma"] or r["id"],
                detail={"order_id": r["order_id"], "unexpected": bool(r["unexpected"])},
                channel=r["channel"],
                since=r["opened_at"],
                assignee=(r["operator_id"], r["operator_name"]),
            )
        )
    for r in open_floor_tasks(conn)[:limit]:  # count and replenishment tasks
        review = r["status"] == "review"  # a count waiting for a second person's approval
        out.append(
            _task_card(
                f"{r['kind']}:{r['id']}",
                r["kind"],
                "on_hold" if review else "todo",
                r["location"],
                detail={"sku": r["sku"], "reason": r["reason"]},
                since=r["created_at"],
                blocked=[{"reason": "approval", "detail": ""}] if review else [],
            )
        )
    return out


def _order_card(
    r: Any, now: datetime, s: BoardSettings, near: timedelta, exceptions: list[str]
) -> dict[str, Any]:
    column = rules.order_column(r["status"]) or "todo"
    blocked: list[dict[str, Any]] = [{"reason": "exception", "detail": kind} for kind in exceptions]
    if r["status"] == "on_hold":
        # detail: the free text (the note); text: the hold's code said in each language
        text = hold_text(r["hold_code"], r["hold_params"])
        blocked.insert(0, {"reason": "hold", "detail": r["hold_reason"], "text": text})
    assignee = r["assignee"] if column in ("todo", "picking") else None
    return {
        "id": f"order:{r['id']}",
        "kind": "order",
        "column": column,
        "title": r["channel_order_id"],
        "order_id": r["id"],
        "channel": r["channel"],
        "status": r["status"],
        "list_id": r["list_id"],
        "assignee": assignee,
        "assignee_name": r["assignee_name"] if assignee is not None else None,
        "priority": r["priority"],
        "priority_tag": _tag(r["priority"], s),
        "due": r["ship_by"],
        "lateness": rules.lateness(parse_utc(r["ship_by"]), now, column, near=near),
        "blocked": blocked,
        "assignable": column in ("todo", "picking") and r["status"] in ("released", "picking"),
        "rev": _order_rev(r, assignee),
    }


def _order_rev(r: Any, assignee: int | None) -> str:
    return rules.revision("order", r["status"], r["list_id"], assignee, r["priority"])


def _list_card(r: Any, now: datetime, s: BoardSettings, near: timedelta) -> dict[str, Any]:
    started = r["tasks_done"] > 0 or r["units_picked"] > 0
    column = "picking" if started else "todo"
    channels = [c for c in (r["channels"] or "").split(",") if c]
    priority = r["priority"] or 0
    return {
        "id": f"list:{r['id']}",
        "kind": "list",
        "column": column,
        "title": r["id"],
        "list_id": r["id"],
        "channel": channels[0] if len(channels) == 1 else None,
        "channels": channels,
        "assignee": r["assignee"],
        "assignee_name": r["assignee_name"],
        "priority": priority,
        "priority_tag": _tag(priority, s),
        "due": r["ship_by"],
        "lateness": rules.lateness(parse_utc(r["ship_by"]), now, column, near=near),
        "blocked": [],
        "progress": {"orders": r["orders"], "tasks_done": r["tasks_done"], "tasks": r["tasks"]},
        "assignable": not started,
        "rev": rules.revision("list", r["assignee"], started, priority),
    }


def _task_card(
    card_id: str,
    kind: str,
    column: str,
    title: str,
    *,
    detail: dict[str, Any],
    since: str | None,
    channel: str | None = None,
    assignee: tuple[int | None, str | None] = (None, None),
    blocked: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "id": card_id,
        "kind": kind,
        "column": column,
        "title": title,
        "channel": channel,
        "assignee": assignee[0],
        "assignee_name": assignee[1],
        "priority": 0,
        "priority_tag": "normal",
        "due": None,
        "since": since,
        "lateness": "none",
        "blocked": blocked or [],
        "detail": detail,
        "assignable": False,
        "rev": rules.revision(kind, column, assignee[0]),
    }


def board_waves(conn: Any, settings: Settings, now: datetime) -> dict[str, Any]:
    """The board's strip of waves: those with orders left to pack (GET /api/v1/waves has all),
    each with its priority's tag, as the cards have theirs: two waves of one carrier and channel
    differ by it. `waves_enabled`: off, no wave waits for a release."""
    waves = wave_service.board(conn, settings, now)["waves"]
    shown = [w | {"priority_tag": _tag(w["priority"], settings.board)} for w in waves]
    return {
        "waves": [w for w in shown if w["left_to_pack"]],
        "waves_enabled": settings.waves.enabled,
    }


def _tag(priority: int, s: BoardSettings) -> str:
    return rules.priority_tag(priority, urgent=s.urgent_priority, high=s.high_priority)


# --- moves ------------------------------------------------------------------------------------


def _card(tx: Tx, card_id: str, s: BoardSettings) -> dict[str, Any]:
    """One card as the board shows it now; unknown (or no longer on the board) is not found."""
    kind, key = rules.parse_card(card_id)
    near = timedelta(minutes=s.near_minutes)
    if kind == "order":
        row = order_row(tx, key)
        if row is None or rules.order_column(row["status"]) is None:
            raise EdgeError("not_found", what="card", key=card_id)
        list_id = in_open_list(tx, key)
        state = store.list_state(tx, list_id) if list_id else None
        assignee = state["assignee"] if state is not None else None
        r = dict(row) | {"list_id": list_id, "assignee": assignee, "assignee_name": None}
        return _order_card(r, tx.now, s, near, [])
    if kind == "list":
        for r in store.open_lists(tx, 10_000):
            if r["id"] == key:
                return _list_card(r, tx.now, s, near)
    raise EdgeError("not_found", what="card", key=card_id)


def reassign(
    tx: Tx,
    card_id: str,
    operator_id: int,
    rev: str,
    s: BoardSettings,
    *,
    by: int | None,
    device_id: str | None = None,
) -> Moved:
    """Give a card to a picker: a pick list (not yet begun) goes to them whole; an order to do
    that is on no list gets a list of its own for them; an order on a list moves its list."""
    card = _card(tx, card_id, s)
    role = store.operator_role(tx, operator_id)
    if role is None:
        raise EdgeError("not_found", what="operator", key=str(operator_id))
    if Role(role) is not Role.PICKER:
        raise EdgeError("board_not_a_picker", operator_id=operator_id, role=role)
    rules.check_revision(card_id, rev, card["rev"])
    if not card["assignable"]:
        if card.get("list_id") and card["column"] in ("todo", "picking"):
            raise EdgeError("board_list_started", list_id=card["list_id"])
        raise EdgeError("board_not_assignable", card=card_id, column=card["column"])
    list_id = card.get("list_id")
    before = card["assignee"]
    if list_id is None:  # an order to do on no list: a list of its own for the picker
        list_id = create_list_for(
            tx,
            [card["order_id"]],
            assignee=operator_id,
            created_by=by if by is not None else operator_id,
        )
    else:
        state = store.list_state(tx, list_id)
        if state is None or state["started"]:
            raise EdgeError("board_list_started", list_id=list_id)
        if before == operator_id:
            return Moved(card, list_id)  # already theirs: nothing to do, nothing to audit
        store.reassign_list(tx, list_id, operator_id)
    taken = store.end_pick_sessions_on(tx, list_id, keep=operator_id)
    store.record_move(
        tx,
        card_id,
        "assign",
        None if before is None else str(before),
        str(operator_id),
        operator_id=by,
        device_id=device_id,
    )
    told = sorted({*taken, *([before] if before not in (None, operator_id) else [])})
    return Moved(_card(tx, card_id, s), list_id, operator_id, told)


def reprioritise(
    tx: Tx,
    card_id: str,
    priority: int,
    rev: str,
    s: BoardSettings,
    *,
    by: int | None,
    device_id: str | None = None,
) -> Moved:
    """Set the priority of an order (or of every order on a pick list) still on the floor."""
    card = _card(tx, card_id, s)
    rules.check_revision(card_id, rev, card["rev"])
    if card["column"] not in _FLOOR_COLUMNS:
        raise EdgeError("board_not_reprioritisable", card=card_id, column=card["column"])
    if card["priority"] == priority:
        return Moved(card, card.get("list_id"))
    orders = (
        [card["order_id"]] if card["kind"] == "order" else store.list_orders(tx, card["list_id"])
    )
    store.set_priority(tx, orders, priority)
    store.record_move(
        tx,
        card_id,
        "priority",
        str(card["priority"]),
        str(priority),
        operator_id=by,
        device_id=device_id,
    )
    return Moved(_card(tx, card_id, s), card.get("list_id"))


def history(conn: sqlite3.Connection, card_id: str) -> list[dict[str, Any]]:
    """Every move made on a card: who, when, before and after."""
    rules.parse_card(card_id)
    return store.moves(conn, card_id)


async def move_assign(
    db: Store,
    card_id: str,
    operator_id: int,
    rev: str,
    s: BoardSettings,
    *,
    by: int,
    device_id: str | None,
) -> Moved:
    """One reassignment, in one transaction."""
    return await db.writer.run(
        lambda tx: reassign(tx, card_id, operator_id, rev, s, by=by, device_id=device_id)
    )


async def move_priority(
    db: Store,
    card_id: str,
    priority: int,
    rev: str,
    s: BoardSettings,
    *,
    by: int,
    device_id: str | None,
) -> Moved:
    """One reprioritisation, in one transaction."""
    return await db.writer.run(
        lambda tx: reprioritise(tx, card_id, priority, rev, s, by=by, device_id=device_id)
    )
