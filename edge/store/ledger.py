"""The ledger in the store: the one place where a decision's effects are written (balances,
ledger rows, reservations and outbox events), all inside the caller's transaction (the writer's
savepoint)."""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from edge.domain.decision import Decision, Event
from edge.domain.ledger import (
    MAX_BALANCE,
    Account,
    Bucket,
    Key,
    Movement,
    Place,
    Reservation,
    ReservationKey,
    check_balance,
)
from edge.store.decision_records import apply_record
from edge.store.writer import Tx

SCHEMA_VERSION = 1

# The columns a movement's hash covers, in order; `verify` recomputes it from the same list.
HASHED = (
    "id",
    "type",
    "reason",
    "sku",
    "lot",
    "serial",
    "qty",
    "from_location",
    "from_container",
    "from_bucket",
    "to_location",
    "to_container",
    "to_bucket",
    "operator_id",
    "device_id",
    "scan_id",
    "order_id",
    "order_line_id",
    "event_epoch",
    "event_seq",
    "at",
)


# Movement types that count on the order line they serve.
LINE_COUNTERS = {
    "pick": ("qty_picked", 1),
    "put_back": ("qty_picked", -1),
    "pack": ("qty_packed", 1),
    "ship": ("qty_shipped", 1),
}


@dataclass(frozen=True)
class Actor:
    """Who and what caused a change, for the ledger and the status history."""

    operator_id: int | None = None
    device_id: str | None = None
    scan_id: str | None = None


def utc(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload_text(payload: Mapping[str, Any]) -> str:
    """An outbox event's payload as stored: JSON, keys sorted. orjson (~1 µs against json's ~9
    on every scan): nothing hashes these bytes, the agent and central parse them."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def movement_hash(previous: str, row: Mapping[str, Any]) -> str:
    text = "\x1f".join("" if row[c] is None else str(row[c]) for c in HASHED)
    return hashlib.sha256(f"{previous}\x1e{text}".encode()).hexdigest()


def edge_identity(tx: Tx) -> tuple[str, int]:
    ident = tx.memo.get("identity")
    if ident is None:
        rows = dict(tx.execute("SELECT key, value FROM edge_meta WHERE key IN ('edge_id','epoch')"))
        ident = tx.memo["identity"] = (rows["edge_id"], int(rows["epoch"]))
    return ident


def _next_seq(tx: Tx, epoch: int) -> int:
    seq = tx.memo.get(("seq", epoch))
    if seq is None:
        sql = "SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox WHERE epoch = ?"
        row = tx.one(sql, (epoch,))
        assert row is not None  # an aggregate without GROUP BY always answers one row
        seq = int(row[0])
    tx.memo[("seq", epoch)] = seq + 1
    return int(seq)


def _ledger_tail(tx: Tx) -> tuple[int, str]:
    tail = tx.memo.get("tail")
    if tail is None:
        last = tx.one("SELECT id, hash FROM movements ORDER BY id DESC LIMIT 1")
        tail = (last["id"], last["hash"]) if last else (0, "")
    return tail


def apply_decision(tx: Tx, decision: Decision[Any], actor: Actor) -> list[int]:
    """Write the decision's events with their movements, then its reservations; returns seqs."""
    seqs = [write_event(tx, event, actor) for event in decision.events]
    for r in decision.reservations:
        _reserve(tx, r)
    for record in decision.changes:
        apply_record(tx, record, actor.operator_id, actor.device_id, actor.scan_id)
    return seqs


def write_event(tx: Tx, event: Event, actor: Actor) -> int:
    """Append one outbox event and the movements it carries; balances follow in the same step."""
    _edge_id, epoch = edge_identity(tx)
    seq = _next_seq(tx, epoch)
    at = tx.at
    moved = [_write_movement(tx, m, actor, epoch=epoch, seq=seq, at=at) for m in event.movements]
    payload = dict(event.payload) | {"movements": moved, "operator_id": actor.operator_id}
    tx.execute(
        "INSERT INTO outbox (epoch, seq, event_id, type, schema_version, occurred_at, scan_id,"
        " order_id, order_line_id, sku, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            epoch,
            seq,
            str(uuid.uuid4()),
            event.type,
            SCHEMA_VERSION,
            at,
            actor.scan_id,
            event.order_id,
            event.line_id,
            event.sku,
            payload_text(payload),
        ),
    )
    return int(seq)


def replay_event(tx: Tx, event: Mapping[str, Any]) -> None:
    """An event of this edge that central holds and this database lacks (it was restored from an
    older backup): its movements go into the ledger again and its outbox row is written under its
    own epoch and seq, already delivered. The movement ids listed are the ones given here."""
    payload = dict(event["payload"])
    actor = Actor(operator_id=payload.get("operator_id"), device_id="central")
    epoch, seq, at = int(event["epoch"]), int(event["seq"]), str(event["occurred_at"])
    moved = [
        _write_movement(tx, _movement(m, event.get("order_id")), actor, epoch=epoch, seq=seq, at=at)
        for m in payload.get("movements") or []
    ]
    payload["movements"] = moved
    tx.execute(
        "INSERT INTO outbox (epoch, seq, event_id, type, schema_version, occurred_at, scan_id,"
        " order_id, order_line_id, sku, payload, delivered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            epoch,
            seq,
            event["event_id"],
            event["type"],
            SCHEMA_VERSION,
            at,
            None,
            event.get("order_id"),
            None,
            event.get("sku"),
            payload_text(payload),
            tx.at,
        ),
    )
    tx.memo.pop(("seq", epoch), None)


def _movement(m: Mapping[str, Any], order_id: str | None) -> Movement:
    def side(s: Sequence[str]) -> Place | Account:
        location, container, bucket = s
        if not location and not container:
            return Account(bucket)
        return Place(location, Bucket(bucket), container)

    return Movement(
        str(m["type"]),
        str(m["sku"]),
        int(m["qty"]),
        side(m["from"]),
        side(m["to"]),
        lot=str(m.get("lot") or ""),
        serial=str(m.get("serial") or ""),
        reason=str(m.get("reason") or ""),
        order_id=order_id,
    )


def _side(side: Place | Account) -> tuple[str, str, str]:
    if isinstance(side, Account):
        return ("", "", side.value)
    return (side.location, side.container, side.bucket.value)


# The movement row's columns in the order `_write_movement` builds it (its hash last).
_INSERT_MOVEMENT = f"INSERT INTO movements ({', '.join(HASHED)}, hash) VALUES ({', '.join('?' * (len(HASHED) + 1))})"


def _write_movement(
    tx: Tx, m: Movement, actor: Actor, *, epoch: int, seq: int, at: str
) -> dict[str, Any]:
    last_id, last_hash = _ledger_tail(tx)
    src, dst = _side(m.source), _side(m.target)
    row: dict[str, Any] = {
        "id": last_id + 1,
        "type": m.type,
        "reason": m.reason,
        "sku": m.sku,
        "lot": m.lot,
        "serial": m.serial,
        "qty": m.qty,
        "from_location": src[0],
        "from_container": src[1],
        "from_bucket": src[2],
        "to_location": dst[0],
        "to_container": dst[1],
        "to_bucket": dst[2],
        "operator_id": actor.operator_id,
        "device_id": actor.device_id,
        "scan_id": actor.scan_id,
        "order_id": m.order_id,
        "order_line_id": m.line_id,
        "event_epoch": epoch,
        "event_seq": seq,
        "at": at,
    }
    row["hash"] = movement_hash(last_hash, row)
    tx.memo["tail"] = (row["id"], row["hash"])
    tx.execute(_INSERT_MOVEMENT, list(row.values()))
    if isinstance(m.source, Place):
        _add_balance(tx, m.sku, m.source, m.lot, -m.qty)
    if isinstance(m.target, Place):
        _add_balance(tx, m.sku, m.target, m.lot, m.qty)
    if m.type in LINE_COUNTERS and m.line_id:
        column, sign = LINE_COUNTERS[m.type]
        tx.execute(
            f"UPDATE order_lines SET {column} = {column} + ? WHERE id = ?",
            (sign * m.qty, m.line_id),
        )
    return {k: row[k] for k in ("id", "type", "reason", "sku", "lot", "serial", "qty")} | {
        "from": list(src),
        "to": list(dst),
    }


# A sum past MAX_BALANCE (or past int64, where SQLite makes it a float) becomes NULL, which the
# NOT NULL on qty refuses (`_add_balance` says balance_out_of_range). Not `RETURNING qty` checked
# in Python: RETURNING makes SQLite update in two passes through two temporary tables, ~25 µs
# against ~3 for this statement.
_ADD_BALANCE = (
    f"UPDATE balances SET qty = CASE WHEN qty + ?1 <= {MAX_BALANCE} THEN qty + ?1 END"
    " WHERE sku = ?2 AND location = ?3 AND container = ?4 AND lot = ?5 AND bucket = ?6"
)

_INSERT_BALANCE = (
    "INSERT INTO balances (sku, location, container, lot, bucket, qty) VALUES (?,?,?,?,?,?)"
)


def _add_balance(tx: Tx, sku: str, place: Place, lot: str, delta: int) -> None:
    # The CHECK (qty >= 0) on balances is the last line of defence behind the domain's rules;
    # the NOT NULL is the same for the top (`_ADD_BALANCE`), `check_balance` for a new row.
    key = (sku, place.location, place.container, lot, place.bucket.value)
    try:
        updated = tx.execute(_ADD_BALANCE, (delta, *key)).rowcount
    except sqlite3.IntegrityError as exc:
        if "NOT NULL" not in str(exc):
            raise
        check_balance(key, None)  # raises balance_out_of_range
        raise
    if not updated:
        tx.execute(_INSERT_BALANCE, (*key, delta))
        check_balance(key, delta)


def _reserve(tx: Tx, r: Reservation) -> None:
    cur = tx.execute(
        "UPDATE allocations SET qty = qty + ? WHERE order_line_id = ? AND sku = ? AND location = ?"
        " AND container = ? AND lot = ?",
        (r.delta, *r.key),
    )
    if cur.rowcount == 0:
        tx.execute(
            "INSERT INTO allocations (order_line_id, sku, location, container, lot, qty)"
            " VALUES (?,?,?,?,?,?)",
            (*r.key, r.delta),
        )
    tx.execute("DELETE FROM allocations WHERE qty = 0 AND order_line_id = ?", (r.line_id,))
    tx.execute(
        "UPDATE order_lines SET qty_allocated = qty_allocated + ? WHERE id = ?",
        (r.delta, r.line_id),
    )


def load_stock_rows(
    tx_or_conn: Any, sku: str, locations: Sequence[str]
) -> tuple[dict[Key, int], dict[ReservationKey, int]]:
    """Balances and reservations of `sku` at `locations`, as the domain's `Stock` mappings."""
    balances, reserved, _ = _stock_read(tx_or_conn, sku, locations, lots=False)
    return balances, reserved


def load_stock_and_lots(
    tx_or_conn: Any, sku: str, locations: Sequence[str]
) -> tuple[dict[Key, int], dict[ReservationKey, int], tuple[str, ...]]:
    """`load_stock_rows` and the SKU's lots first-expiry-first-out, lots without an expiry last, in
    one statement: what a move scan reads."""
    return _stock_read(tx_or_conn, sku, locations, lots=True)


@functools.lru_cache(maxsize=32)
def _stock_sql(places: int, *, lots: bool) -> str:
    """`_stock_read`'s statement for `places` locations (?2, ?3, ...; the SKU is ?1): an arm per
    location, not `location IN (...)`, for which SQLite fills a temporary table on every run
    (~10 µs each, two on a move scan); the rows come in the same order."""
    arms = [
        f"SELECT {part}, location, container, lot, {column}, qty FROM {table}"
        f" WHERE sku = ?1 AND location = ?{i + 2}"
        for part, table, column in ((0, "balances", "bucket"), (1, "allocations", "order_line_id"))
        for i in range(places)
    ]
    if lots:
        arms.append("SELECT 2, expiry, '', lot, '', 0 FROM lots WHERE sku = ?1")
    return " UNION ALL ".join(arms)


def _stock_read(
    tx_or_conn: Any, sku: str, locations: Sequence[str], *, lots: bool
) -> tuple[dict[Key, int], dict[ReservationKey, int], tuple[str, ...]]:
    """One statement instead of two or three (each is a hand-off of the GIL on the scan path):
    balances (part 0), reservations (1) and, with `lots`, the lots with their expiry (2)."""
    places = sorted(set(locations))  # each once, in the order `location IN (...)` walked them
    if not places and not lots:
        return {}, {}, ()
    rows = tx_or_conn.execute(_stock_sql(len(places), lots=lots), (sku, *places))
    balances: dict[Key, int] = {}
    reserved: dict[ReservationKey, int] = {}
    found: list[tuple[str | None, str]] = []
    for part, location, container, lot, bucket, qty in rows:
        if part == 0:
            balances[(sku, location, container, lot, bucket)] = qty
        elif part == 1:
            reserved[(bucket, sku, location, container, lot)] = qty
        else:
            found.append((location, lot))
    # ORDER BY expiry IS NULL, expiry, lot; "" (no lot) first. UTF-8 bytes and code points sort alike
    found.sort(key=lambda r: (r[0] is None, r[0] or "", r[1]))
    return balances, reserved, ("", *(lot for _, lot in found)) if lots else ()
