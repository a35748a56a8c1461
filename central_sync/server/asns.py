"""Advance shipping notices at central (docs/central.md, "Advance shipping notices"): created by
API, CSV upload or the ASN screen, checked against central's catalogue and edges, sent to the
warehouse's edge in the same transaction (`asn_upserted`, `asn_cancelled`); closed by the edge's
`asn_closed` event with what each line received and the discrepancies the dock decided."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal

from pydantic import BaseModel, Field

from central_sync.server.attention import raise_exception
from central_sync.server.batch import EdgeEvent
from central_sync.server.errors import CentralError
from central_sync.server.feed import add_change, add_changes
from central_sync.server.messages import PHRASES, Text, render
from central_sync.store import asns as store
from central_sync.store.db import Tx
from kernel.asn import AsnIn, ParsedAsn, csv_column, document, parse_csv

log = logging.getLogger("central.asns")

Opener = Callable[[], AbstractContextManager[Tx]]
Source = Literal["api", "csv", "screen"]
STATUSES = ("open", "closed", "cancelled")
MAX_CSV_BYTES = 2 * 1024 * 1024
DISCREPANCY_KINDS = frozenset(
    {"over", "short", "unexpected", "wrong_lot", "expired", "short_shelf_life", "damaged"}
)
DECISIONS = frozenset({"accept", "reject", "quarantine"})


class AsnCancelIn(BaseModel):
    reason: str = Field(default="cancelled at central", min_length=1, max_length=200)


class _Bad(Exception):
    """A fault of the `index`th ASN at `where` (a path into it): the refusal `code`."""

    def __init__(self, index: int, where: tuple[Any, ...], code: str, **params: Any) -> None:
        super().__init__(where)
        self.index = index
        self.where = where
        self.error = CentralError(code, **params)


def check_asns(tx: Tx, asns: Sequence[AsnIn]) -> None:
    """What the model cannot see, for all of them at once: each warehouse is an edge, every
    SKU is in the catalogue, no container is expected on another ASN (here or stored)."""
    known = store.known_edges(tx, [a.warehouse for a in asns if a.warehouse])
    unknown = store.unknown_skus(tx, [ln.sku for a in asns for ln in a.lines])
    owners = store.sscc_owners(tx, [c.sscc for a in asns for c in a.containers])
    for n, asn in enumerate(asns):
        if asn.warehouse is None:
            raise _Bad(n, ("warehouse",), "invalid_request",
                       reason="warehouse: is required at central")  # fmt: skip
        if asn.warehouse not in known:
            raise _Bad(n, ("warehouse",), "asn_unknown_warehouse", warehouse=asn.warehouse)
        for i, ln in enumerate(asn.lines):
            if ln.sku in unknown:
                raise _Bad(n, ("lines", i, "sku"), "asn_unknown_sku", asn_id=asn.asn_id,
                           line=i + 1, sku=ln.sku)  # fmt: skip
        for i, c in enumerate(asn.containers):
            other = owners.setdefault(c.sscc, asn.asn_id)
            if other != asn.asn_id:
                raise _Bad(n, ("containers", i, "sscc"), "asn_sscc_taken", sscc=c.sscc,
                           other=other)  # fmt: skip


def _stored_document(tx: Tx, asn_id: str) -> dict[str, Any]:
    row = store.asn_row(tx, asn_id)
    assert row is not None
    lines = store.asn_lines(tx, [asn_id])[asn_id]
    return {
        "asn_id": asn_id,
        "supplier": row["supplier"],
        "expected_date": row["expected_date"],
        "lines": [{k: ln[k] for k in ("line_no", "sku", "qty", "lot", "expiry")} for ln in lines],
        "containers": store.asn_containers(tx, [asn_id])[asn_id],
    }


def create_asns(tx: Tx, asns: Sequence[AsnIn], *, source: str) -> list[bool]:
    """Store the new ASNs and send each to its warehouse, all checked first (a fault raises
    `_Bad`: nothing is written); one known with the same contents changes nothing (False),
    a known number with other contents is refused (`asn_exists`)."""
    tx.lock_feed()
    check_asns(tx, asns)
    docs = [document(a) for a in asns]
    rows = store.asn_rows(tx, [a.asn_id for a in asns], for_update=True)
    new: list[tuple[dict[str, Any], str]] = []
    for n, (asn, doc) in enumerate(zip(asns, docs, strict=True)):
        assert asn.warehouse is not None  # check_asns
        row = rows.get(asn.asn_id)
        if row is None:
            new.append((doc, asn.warehouse))
        elif row["warehouse"] != asn.warehouse or _stored_document(tx, asn.asn_id) != doc:
            raise _Bad(n, ("asn_id",), "asn_exists", asn_id=asn.asn_id, status=row["status"])
    store.insert_asns(tx, new, source=source)
    add_changes(tx, [(warehouse, "asn_upserted", doc, None) for doc, warehouse in new])
    for doc, warehouse in new:
        log.info("ASN %s for %s created (%s)", doc["asn_id"], warehouse, source)
    return [a.asn_id not in rows for a in asns]


def create_one(tx: Tx, asn: AsnIn, *, source: str) -> dict[str, Any]:
    """One ASN, a fault answered with its own refusal."""
    try:
        created = create_asns(tx, [asn], source=source)[0]
    except _Bad as bad:
        raise bad.error from None
    return asn_view(tx, asn.asn_id) | {"created": created}


def parse_upload(text: str) -> list[ParsedAsn]:
    """The file's ASNs, or `asn_csv_refused` naming the first bad row (nothing imported)."""
    asns, errors = parse_csv(text)
    if errors:
        first = errors[0]
        raise CentralError(
            "asn_csv_refused", row=first.row, field=first.field, reason=first.reason,
            bad_rows=len(errors),
        )  # fmt: skip
    if not asns:
        raise CentralError("asn_csv_refused", row=2, field="file", reason=PHRASES["no_rows"])
    return asns


def create_from_csv(tx: Tx, parsed: Sequence[ParsedAsn]) -> dict[str, Any]:
    """Every ASN of the file in this transaction, or none: a fault names its row."""
    try:
        created = create_asns(tx, [p.asn for p in parsed], source="csv")
    except _Bad as bad:
        params = bad.error.params
        reason = Text(render(bad.error.code, "en", params), render(bad.error.code, "zh", params))
        raise CentralError(
            "asn_csv_refused",
            row=parsed[bad.index].row_of(bad.where),
            field=csv_column(bad.where),
            reason=reason,
            bad_rows=1,
        ) from None
    ids = [p.asn.asn_id for p in parsed]
    return {
        "created": [i for i, c in zip(ids, created, strict=True) if c],
        "unchanged": [i for i, c in zip(ids, created, strict=True) if not c],
    }


def cancel_asn(tx: Tx, asn_id: str, reason: str) -> dict[str, Any]:
    """Cancel an open ASN and tell its edge; a cancelled one again changes nothing."""
    tx.lock_feed()
    row = store.asn_row(tx, asn_id, for_update=True)
    if row is None:
        raise CentralError("not_found", what="ASN", key=asn_id)
    if row["status"] == "cancelled":
        return asn_view(tx, asn_id)
    if row["status"] != "open":
        raise CentralError("asn_not_open", asn_id=asn_id, status=row["status"])
    store.set_cancelled(tx, asn_id, reason)
    add_change(tx, row["warehouse"], "asn_cancelled", {"asn_id": asn_id}, order_id=None)
    log.info("ASN %s cancelled: %s", asn_id, reason)
    return asn_view(tx, asn_id)


def asn_view(tx: Tx, asn_id: str) -> dict[str, Any]:
    row = store.asn_row(tx, asn_id)
    if row is None:
        raise CentralError("not_found", what="ASN", key=asn_id)
    return _views(tx, [dict(row)])[0]


def list_asns(
    tx: Tx, *, status: str | None = None, warehouse: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    return _views(tx, store.list_asns(tx, status=status, warehouse=warehouse, limit=limit))


def _views(tx: Tx, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [r["asn_id"] for r in rows]
    lines, containers = store.asn_lines(tx, ids), store.asn_containers(tx, ids)
    found = store.asn_discrepancies(tx, ids)
    for r in rows:
        r["lines"] = [{k: v for k, v in ln.items() if k != "asn_id"} for ln in lines[r["asn_id"]]]
        r["containers"] = containers[r["asn_id"]]
        r["discrepancies"] = found[r["asn_id"]]
    return rows


# --- the edge's asn_closed


def apply_asn_closes(tx: Tx, edge_id: str, new: Sequence[EdgeEvent]) -> None:
    """Each `asn_closed` of the batch: the ASN closed with its lines' results and the
    discrepancies, once (a close of an ASN closed already changes nothing). A report central
    cannot take is an exception for a person, never a refusal of the edge's batch."""
    for ev in new:
        if ev.type == "asn_closed":
            _close(tx, edge_id, ev)


def _close(tx: Tx, edge_id: str, ev: EdgeEvent) -> None:
    asn_id = ev.payload.get("asn_id")
    try:
        lines, found = _report(ev.payload)
    except (KeyError, TypeError, ValueError) as exc:
        detail = f"asn_closed from {edge_id} (epoch {ev.epoch} seq {ev.seq}) unreadable: {exc}"
        raise_exception(tx, "asn_report_unreadable", edge_id, detail, order_id=str(asn_id))
        return
    assert isinstance(asn_id, str)
    row = store.asn_row(tx, asn_id, for_update=True)
    if row is None:  # imported at a standalone edge that now syncs: central learns of it here
        doc = {
            "asn_id": asn_id,
            "supplier": str(ev.payload.get("supplier") or ""),
            "expected_date": None,
            "lines": [
                {"line_no": ln["line_no"], "sku": ln["sku"], "qty": ln["expected"]}
                | {"lot": None, "expiry": None}
                for ln in lines
            ],
            "containers": [],
        }
        store.insert_closed(tx, doc, warehouse=edge_id)
        row = store.asn_row(tx, asn_id)
        assert row is not None
    if row["warehouse"] != edge_id:
        detail = f"edge {edge_id} closed ASN {asn_id}, which central sent to {row['warehouse']}"
        raise_exception(tx, "asn_foreign_close", edge_id, detail, order_id=asn_id)
        return
    if row["status"] == "closed":
        log.info("ASN %s closed again by %s: already closed, nothing changed", asn_id, edge_id)
        return
    closed_at = str(ev.payload.get("closed_at") or ev.occurred_at)
    store.record_close(tx, asn_id, closed_at, lines, found)
    log.info("ASN %s closed at %s: %d discrepancies", asn_id, edge_id, len(found))
    notes = [f"{d['kind']} {d['sku']} × {d['qty']} → {d['decision']}" for d in found]
    if row["status"] == "cancelled":
        notes.insert(0, "received although central had cancelled it")
    if notes:
        detail = (
            f"ASN {asn_id} ({row['supplier']}) closed at {edge_id}: {'; '.join(notes)}. Take it"
            " up with the supplier, then resolve this."
        )
        raise_exception(tx, "asn_discrepancies", edge_id, detail, order_id=asn_id)


def _report(payload: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The close's lines and discrepancies, checked (KeyError/TypeError/ValueError if not)."""
    if not isinstance(payload.get("asn_id"), str) or not payload["asn_id"]:
        raise ValueError("asn_id missing")
    lines = []
    for ln in payload.get("lines") or []:
        lines.append({"line_no": _count(ln, "line_no"), "sku": str(ln["sku"])[:64]})
        lines[-1] |= {k: _count(ln, k) for k in ("expected", *store.RESULTS)}
    found = []
    for d in payload.get("discrepancies") or []:
        if d["kind"] not in DISCREPANCY_KINDS or d["decision"] not in DECISIONS:
            raise ValueError(f"discrepancy {d['kind']!r} decided {d['decision']!r}")
        lot = d.get("lot")
        found.append(
            {
                "kind": d["kind"],
                "sku": str(d["sku"])[:64],
                "lot": None if lot is None else str(lot)[:20],
                "qty": _count(d, "qty"),
                "decision": d["decision"],
                "operator": str(d.get("operator") or "")[:64],
            }
        )
    return lines, found


def _count(obj: dict[str, Any], key: str) -> int:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
        raise ValueError(f"{key} {value!r} is not a count")
    return value


class AsnDesk:
    """ASNs as the routers call them, one transaction per method (`Central.asns`)."""

    def __init__(self, *, write: Opener, read: Opener) -> None:
        self._write = write
        self._read = read

    def create(self, asn: AsnIn, *, source: Source = "api") -> dict[str, Any]:
        with self._write() as tx:
            return create_one(tx, asn, source=source)

    def upload(self, text: str) -> dict[str, Any]:
        parsed = parse_upload(text)
        with self._write() as tx:
            return create_from_csv(tx, parsed)

    def cancel(self, asn_id: str, reason: str) -> dict[str, Any]:
        with self._write() as tx:
            return cancel_asn(tx, asn_id, reason)

    def get(self, asn_id: str) -> dict[str, Any]:
        with self._read() as tx:
            return asn_view(tx, asn_id)

    def list(self, **filters: Any) -> list[dict[str, Any]]:
        with self._read() as tx:
            return list_asns(tx, **filters)
