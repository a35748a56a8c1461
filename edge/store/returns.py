"""Returns the edge expects and receives: the return authorisations (RMAs) central sends, the
parcels opened at the returns desk, the items graded from them and their photos."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from edge.domain.return_record import ReturnItemGraded, ReturnParcelClosed, ReturnParcelOpened
from edge.store.orders import order_row, resolve_order_id
from edge.store.receiving import open_putaway
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx


@dataclass(frozen=True)
class NewAuthorisation:
    """An RMA as the feed's `return_authorised` carries it (the optional keys may be empty)."""

    rma: str
    order_id: str | None
    lines: tuple[tuple[str, int, str], ...]  # (sku, qty, reason)
    reason: str = ""
    return_tracking: str | None = None
    expires_at: str | None = None
    channel: str = ""


def record_authorisation(
    tx: Tx, auth: NewAuthorisation, *, feed_cursor: int, location: str
) -> bool:
    """Keep an RMA with its lines; True when it is new (the same RMA again changes nothing)."""
    lines = [{"sku": s, "qty": q} | ({"reason": r} if r else {}) for s, q, r in auth.lines]
    cur = tx.execute(
        "INSERT INTO return_authorisations (rma, order_id, lines, feed_cursor, received_at, reason,"
        " return_tracking, expires_at, channel, location) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (rma) DO NOTHING",
        (
            auth.rma,
            auth.order_id,
            json.dumps(lines, ensure_ascii=False),
            feed_cursor,
            tx.at,
            auth.reason,
            auth.return_tracking,
            auth.expires_at,
            auth.channel,
            location,
        ),
    )
    return cur.rowcount == 1


def ensure_returns_location(tx: Tx, code: str) -> None:
    """The returns location exists (a `returns` location, created the first time it is needed)."""
    tx.execute(
        "INSERT INTO locations (code, type) VALUES (?, 'returns') ON CONFLICT (code) DO NOTHING",
        (code,),
    )


def authorisation(conn: Conn, rma: str) -> dict[str, Any] | None:
    """One RMA with its lines decoded, or None."""
    row = conn.execute("SELECT * FROM return_authorisations WHERE rma = ?", (rma,)).fetchone()
    return _authorisation(row) if row is not None else None


def _authorisation(row: sqlite3.Row) -> dict[str, Any]:
    return dict(row) | {"lines": json.loads(row["lines"])}


def announced_received(conn: Conn, rma: str) -> dict[str, int]:
    """Per SKU, the units of this RMA's announcement already taken out of returns_in_transit."""
    rows = conn.execute(
        "SELECT sku, SUM(announced) FROM return_items WHERE rma = ? GROUP BY sku", (rma,)
    )
    return {r[0]: int(r[1]) for r in rows}


def cancel_authorisation(tx: Tx, rma: str, reason: str) -> None:
    tx.execute(
        "UPDATE return_authorisations SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?"
        " WHERE rma = ?",
        (tx.at, reason, rma),
    )


# --- the returns desk: finding a parcel's return, its lines, and what was graded ---

_OPEN_RMA = (
    "SELECT rma FROM return_authorisations WHERE order_id = ? AND status IN ('open','received')"
    " ORDER BY received_at DESC, rma DESC LIMIT 1"
)


def find_return(conn: Conn, codes: Sequence[str]) -> tuple[str, str | None, str | None] | None:
    """What a parcel's code names, as (matched_by, rma, order_id): an RMA by its number or its
    return label's tracking number, an order by its shipment's tracking number, its parcel's
    SSCC or its number (with or without the channel prefix; its newest open RMA with it)."""
    for code in codes:
        row = conn.execute(
            "SELECT rma, order_id, rma = ? AS by_number FROM return_authorisations"
            " WHERE rma = ? OR return_tracking = ? ORDER BY by_number DESC LIMIT 1",
            (code, code, code),
        ).fetchone()
        if row is not None:
            return ("rma" if row["by_number"] else "return_tracking", row["rma"], row["order_id"])
        for matched_by, sql in _SHIPPED:
            hit = conn.execute(sql, (code,)).fetchone()
            if hit is not None:
                return (matched_by, _open_rma(conn, hit[0]), hit[0])
        order_id = resolve_order_id(conn, code)
        if order_id is not None:
            return ("order", _open_rma(conn, order_id), order_id)
    return None


_SHIPPED = (
    (
        "shipment_tracking",
        "SELECT s.order_id FROM parcels p JOIN shipments s ON s.id = p.shipment_id"
        " WHERE p.tracking_no = ?",
    ),
    (
        "sscc",
        "SELECT s.order_id FROM parcels p JOIN shipments s ON s.id = p.shipment_id"
        " JOIN containers c ON c.code = p.container WHERE c.sscc = ?",
    ),
)


def _open_rma(conn: Conn, order_id: str) -> str | None:
    row = conn.execute(_OPEN_RMA, (order_id,)).fetchone()
    return str(row[0]) if row is not None else None


def open_parcel(
    conn: Conn, clerk: tuple[int, str], codes: Sequence[str], *, rma: str | None
) -> tuple[str, str | None, str | None, bool, bool] | None:
    """The parcel this clerk opened on this device for this RMA (or by one of these codes) and
    has not closed, newest first, as (id, rma, order_id, unexpected, unknown_sender)."""
    marks = ", ".join("?" for _ in codes)
    row = conn.execute(
        "SELECT id, rma, order_id, unexpected, matched_by FROM return_parcels"
        " WHERE status = 'open' AND operator_id = ? AND device_id = ?"
        f" AND (rma = ? OR scanned IN ({marks}))"
        " ORDER BY opened_at DESC, id DESC LIMIT 1",
        (*clerk, rma, *codes),
    ).fetchone()
    if row is None:
        return None
    unknown = row["matched_by"] == "unknown_sender"
    return (row["id"], row["rma"], row["order_id"], bool(row["unexpected"]), unknown)


def next_parcel_id(conn: Conn) -> str:
    row = conn.execute("SELECT COUNT(*) FROM return_parcels").fetchone()
    return f"RP-{int(row[0]) + 1:06d}"


def return_lines(conn: Conn, rma: str | None, order_id: str | None) -> dict[str, dict[str, Any]]:
    """Per SKU of the RMA (or, without one, of the order): expected, shipped and already
    returned units (every parcel of the order, wrong items left out), the lots and serials
    shipped. An order this edge does not hold ships what its RMA names."""
    lines: dict[str, dict[str, Any]] = {}
    auth = authorisation(conn, rma) if rma else None
    shipped = _shipped(conn, order_id) if order_id else {}
    known_order = bool(order_id) and order_row(conn, order_id or "") is not None
    for sku, qty in shipped.items():
        lines[sku] = _line(sku, expected=0 if auth else qty, shipped=qty)
    for ln in auth["lines"] if auth else []:
        sku = str(ln["sku"])
        line = lines.setdefault(sku, _line(sku, expected=0, shipped=0))
        line["expected"] += int(ln["qty"])
        if not known_order:
            line["shipped"] += int(ln["qty"])
    for sku, returned in _returned(conn, rma, order_id, known_order).items():
        if sku in lines:
            lines[sku]["returned"] = returned
    if order_id:
        for r in conn.execute(
            "SELECT sku, lot, serial FROM movements WHERE order_id = ? AND type = 'ship'",
            (order_id,),
        ):
            if r["sku"] in lines:
                lines[r["sku"]]["lots"].add(r["lot"])
                lines[r["sku"]]["serials"].add(r["serial"])
    return lines


def _line(sku: str, *, expected: int, shipped: int) -> dict[str, Any]:
    return {
        "sku": sku,
        "expected": expected,
        "shipped": shipped,
        "returned": 0,
        "lots": set(),
        "serials": set(),
    }


def _shipped(conn: Conn, order_id: str) -> dict[str, int]:
    rows = conn.execute(
        "SELECT sku, SUM(qty_shipped) FROM order_lines WHERE order_id = ? GROUP BY sku"
        " HAVING SUM(qty_shipped) > 0",
        (order_id,),
    )
    return {r[0]: int(r[1]) for r in rows}


def _returned(conn: Conn, rma: str | None, order_id: str | None, known: bool) -> dict[str, int]:
    """Units returned so far, wrong items left out: of the order (every RMA and parcel of it),
    or of the RMA when this edge does not hold the order."""
    if order_id and known:
        where, key = "order_id = ?", order_id
    elif rma:
        where, key = "rma = ?", rma
    else:
        return {}
    rows = conn.execute(
        f"SELECT sku, SUM(qty) FROM return_items WHERE {where} AND wrong_item = 0 GROUP BY sku",
        (key,),
    )
    return {r[0]: int(r[1]) for r in rows}


def announced_left(conn: Conn, rma: str | None, sku: str) -> int:
    """Units of `rma`'s line for `sku` still announced: its quantity less those received, 0
    once the RMA is cancelled (its units were taken out again)."""
    auth = authorisation(conn, rma) if rma else None
    if auth is None or auth["status"] == "cancelled" or rma is None:
        return 0
    named = sum(int(ln["qty"]) for ln in auth["lines"] if ln["sku"] == sku)
    return max(0, named - announced_received(conn, rma).get(sku, 0))


def in_transit(conn: Conn, sku: str, location: str) -> int:
    row = conn.execute(
        "SELECT qty FROM balances WHERE sku = ? AND location = ? AND container = '' AND lot = ''"
        " AND bucket = 'returns_in_transit'",
        (sku, location),
    ).fetchone()
    return int(row[0]) if row is not None else 0


def graded_lines(conn: Conn, parcel_id: str) -> list[sqlite3.Row]:
    """This parcel's items summed per SKU, grade, wrong item and reason, in the order graded."""
    return list(
        conn.execute(
            "SELECT sku, SUM(qty) AS qty, grade, wrong_item, reason FROM return_items"
            " WHERE parcel_id = ? GROUP BY sku, grade, wrong_item, reason ORDER BY MIN(id)",
            (parcel_id,),
        )
    )


def parcel_lines(
    conn: Conn, parcel_id: str, rma: str | None, order_id: str | None
) -> list[dict[str, Any]]:
    """The screen's lines: each SKU expected or received, with its name and what it was graded."""
    lines = return_lines(conn, rma, order_id) if (rma or order_id) else {}
    out: dict[str, dict[str, Any]] = {
        sku: _view_line(sku, ln["expected"]) for sku, ln in lines.items()
    }
    for r in conn.execute(
        "SELECT sku, grade, SUM(qty) FROM return_items WHERE parcel_id = ? GROUP BY sku, grade",
        (parcel_id,),
    ):
        line = out.setdefault(r[0], _view_line(r[0], 0))
        line["received"] += int(r[2])
        line["graded"][r[1]] += int(r[2])
    for sku, qty in earlier_units(conn, parcel_id, rma, order_id).items():
        if sku in out:
            out[sku]["earlier"] = qty
    names = product_names(conn, list(out))
    return [line | names.get(sku, {"name": "", "name_zh": ""}) for sku, line in sorted(out.items())]


def _view_line(sku: str, expected: int) -> dict[str, Any]:
    graded = {"resellable": 0, "damaged": 0, "destroy": 0}
    return {"sku": sku, "expected": expected, "received": 0, "earlier": 0, "graded": graded}


def earlier_units(
    conn: Conn, parcel_id: str, rma: str | None, order_id: str | None
) -> dict[str, int]:
    """Units of the same return (its RMA; without one, the order's returns with no RMA) that came
    in other parcels, wrong items left out: another handheld's, or a box that came first."""
    if not rma and not order_id:
        return {}
    same = "i.rma = ?" if rma else "i.order_id = ? AND i.rma IS NULL"
    rows = conn.execute(
        "SELECT i.sku, SUM(i.qty) FROM return_items i WHERE i.parcel_id != ? AND i.wrong_item = 0"
        f" AND {same} GROUP BY i.sku",
        (parcel_id, rma or order_id),
    )
    return {r[0]: int(r[1]) for r in rows}


def product_names(conn: Conn, skus: list[str]) -> dict[str, dict[str, str]]:
    """Each SKU's `name` and `name_zh`."""
    marks = ",".join("?" * len(skus))
    rows = conn.execute(f"SELECT sku, name, name_zh FROM products WHERE sku IN ({marks})", skus)
    return {r[0]: {"name": r[1], "name_zh": r[2]} for r in rows}


# --- the records a returns decision carries (applied by edge.store.decision_records) ---


def apply_parcel_opened(
    tx: Tx, c: ReturnParcelOpened, operator_id: int | None, device_id: str | None, *_: Any
) -> None:
    tx.execute(
        "INSERT INTO return_parcels (id, rma, order_id, scanned, matched_by, unexpected, location,"
        " operator_id, device_id, opened_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            c.parcel_id,
            c.rma,
            c.order_id,
            c.scanned,
            c.matched_by,
            int(c.unexpected),
            c.location,
            operator_id,
            device_id,
            tx.at,
        ),
    )
    if c.rma:
        tx.execute(
            "UPDATE return_authorisations SET status = 'received' WHERE rma = ? AND status = 'open'",
            (c.rma,),
        )


def apply_item_graded(
    tx: Tx, c: ReturnItemGraded, operator_id: int | None, _device: str | None, scan_id: str | None
) -> None:
    tx.execute(
        "INSERT INTO return_items (parcel_id, rma, order_id, sku, qty, grade, lot, serial,"
        " wrong_item, not_shipped_lot, announced, reason, location, bucket, operator_id, scan_id,"
        " graded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            c.parcel_id,
            c.rma,
            c.order_id,
            c.sku,
            c.qty,
            c.grade,
            c.lot,
            c.serial,
            int(c.wrong_item),
            int(c.not_shipped_lot),
            c.announced,
            c.reason,
            c.location,
            c.bucket,
            operator_id,
            scan_id,
            tx.at,
        ),
    )
    if c.grade == "resellable" and c.bucket == "on_hand":  # to a bin by the dock's putaway
        open_putaway(tx, container="", sku=c.sku, location=c.location, asn_id=None)


def apply_parcel_closed(tx: Tx, c: ReturnParcelClosed, *_: Any) -> None:
    missing = [{"sku": sku, "qty": qty} for sku, qty in c.missing]
    tx.execute(
        "UPDATE return_parcels SET status = 'closed', closed_at = ?, missing = ? WHERE id = ?",
        (tx.at, json.dumps(missing), c.parcel_id),
    )
    if c.rma:
        tx.execute(
            "UPDATE return_authorisations SET status = 'closed' WHERE rma = ?"
            " AND status IN ('open','received')",
            (c.rma,),
        )
