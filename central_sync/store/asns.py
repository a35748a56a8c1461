"""Advance shipping notices at central: the ASN, its expected lines and containers, and what the
edge's close reported (per line, and the discrepancies). Plain functions over the caller's
transaction; the rules are in central_sync/server/asns.py."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from central_sync.store.db import Tx, utc_now

RESULTS = ("received", "accepted", "quarantined", "rejected")
DISCREPANCY_FIELDS = ("kind", "sku", "lot", "qty", "decision", "operator")


def asn_row(tx: Tx, asn_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = tx.dialect.for_update if for_update else ""
    return tx.one(f"SELECT * FROM asns WHERE asn_id = ?{lock}", (asn_id,))


def _rows_in(tx: Tx, sql: str, values: Iterable[str]) -> list[dict[str, Any]]:
    """`sql` with `{in}` standing for a list of marks, run over `values` 500 at a time."""
    wanted = sorted(set(values))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows += tx.all(sql.replace("{in}", ",".join("?" * len(part))), part)
    return rows


def asn_rows(tx: Tx, asn_ids: Iterable[str], *, for_update: bool = False) -> dict[str, Any]:
    """asn_id → its row, of those that exist."""
    lock = tx.dialect.for_update if for_update else ""
    rows = _rows_in(tx, f"SELECT * FROM asns WHERE asn_id IN ({{in}}){lock}", asn_ids)
    return {r["asn_id"]: r for r in rows}


def known_edges(tx: Tx, edge_ids: Iterable[str]) -> set[str]:
    return {
        r["edge_id"]
        for r in _rows_in(tx, "SELECT edge_id FROM edges WHERE edge_id IN ({in})", edge_ids)
    }


def unknown_skus(tx: Tx, skus: Iterable[str]) -> set[str]:
    """The SKUs of `skus` that central's catalogue does not hold."""
    wanted = set(skus)
    return wanted - {
        r["sku"] for r in _rows_in(tx, "SELECT sku FROM products WHERE sku IN ({in})", wanted)
    }


def sscc_owners(tx: Tx, ssccs: Iterable[str]) -> dict[str, str]:
    """SSCC → the ASN that expects it, of those any ASN expects."""
    rows = _rows_in(tx, "SELECT sscc, asn_id FROM asn_containers WHERE sscc IN ({in})", ssccs)
    return {r["sscc"]: r["asn_id"] for r in rows}


def insert_asns(tx: Tx, asns: Sequence[tuple[dict[str, Any], str]], *, source: str) -> None:
    """New ASNs, each (the ASN as `kernel.asn.document` shapes it, its warehouse)."""
    now = utc_now()
    tx.many(
        "INSERT INTO asns (asn_id, warehouse, supplier, expected_date, status, source,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?)",
        ((d["asn_id"], w, d["supplier"], d["expected_date"], source, now, now) for d, w in asns),
    )
    tx.many(
        "INSERT INTO asn_lines (asn_id, line_no, sku, qty, lot, expiry) VALUES (?, ?, ?, ?, ?, ?)",
        (
            (d["asn_id"], ln["line_no"], ln["sku"], ln["qty"], ln["lot"], ln["expiry"])
            for d, _ in asns
            for ln in d["lines"]
        ),
    )
    tx.many(
        "INSERT INTO asn_containers (sscc, asn_id, kind, contents) VALUES (?, ?, ?, ?)",
        (
            (c["sscc"], d["asn_id"], c["kind"], json.dumps(c["contents"], ensure_ascii=False))
            for d, _ in asns
            for c in d["containers"]
        ),
    )


def insert_closed(tx: Tx, doc: dict[str, Any], *, warehouse: str) -> None:
    """An ASN central learns of from the edge's close (imported at a standalone edge)."""
    insert_asns(tx, [(doc, warehouse)], source="edge")


def asn_lines(tx: Tx, asn_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    return _by_asn(tx, "asn_lines", asn_ids, "line_no")


def asn_containers(tx: Tx, asn_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    found = _by_asn(tx, "asn_containers", asn_ids, "sscc")
    for rows in found.values():
        for r in rows:
            r["contents"] = json.loads(r["contents"])
            del r["asn_id"]
    return found


def asn_discrepancies(tx: Tx, asn_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    found = _by_asn(tx, "asn_discrepancies", asn_ids, "no")
    for rows in found.values():
        for r in rows:
            del r["asn_id"]
    return found


def _by_asn(
    tx: Tx, table: str, asn_ids: Sequence[str], order: str
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {a: [] for a in asn_ids}
    for start in range(0, len(asn_ids), 500):
        part = list(asn_ids[start : start + 500])
        marks = ",".join("?" * len(part))
        rows = tx.all(
            f"SELECT * FROM {table} WHERE asn_id IN ({marks}) ORDER BY asn_id, {order}", part
        )
        for r in rows:
            found[r["asn_id"]].append(dict(r))
    return found


def list_asns(
    tx: Tx, *, status: str | None, warehouse: str | None, limit: int
) -> list[dict[str, Any]]:
    """ASNs, the most recently changed first."""
    sql, params = "SELECT * FROM asns WHERE 1 = 1", []
    if status:
        sql += " AND status = ?"
        params.append(status)
    if warehouse:
        sql += " AND warehouse = ?"
        params.append(warehouse)
    rows = tx.all(sql + " ORDER BY updated_at DESC, asn_id LIMIT ?", [*params, limit])
    return [dict(r) for r in rows]


def set_cancelled(tx: Tx, asn_id: str, reason: str) -> None:
    tx.execute(
        "UPDATE asns SET status = 'cancelled', cancel_reason = ?, updated_at = ? WHERE asn_id = ?",
        (reason, utc_now(), asn_id),
    )


def record_close(
    tx: Tx,
    asn_id: str,
    closed_at: str,
    lines: Sequence[dict[str, Any]],
    discrepancies: Sequence[dict[str, Any]],
) -> None:
    """The ASN closed with what each line received and the discrepancies found."""
    tx.execute(
        "UPDATE asns SET status = 'closed', closed_at = ?, updated_at = ? WHERE asn_id = ?",
        (closed_at, utc_now(), asn_id),
    )
    tx.many(
        "UPDATE asn_lines SET received = ?, accepted = ?, quarantined = ?, rejected = ?"
        " WHERE asn_id = ? AND line_no = ?",
        ((*(ln[k] for k in RESULTS), asn_id, ln["line_no"]) for ln in lines),
    )
    tx.many(
        "INSERT INTO asn_discrepancies (asn_id, no, kind, sku, lot, qty, decision, operator)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (asn_id, no, *(d[k] for k in DISCREPANCY_FIELDS))
            for no, d in enumerate(discrepancies, 1)
        ),
    )
