"""The returns desk beside its scans: finding the order of an unexpected parcel, what is
expected and what came, the exceptions for a supervisor, the return rates, photos of damage
and the quarantine label. Each write is one command in one transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from edge.domain.errors import EdgeError
from edge.service.packing import PackSettings, station_printer
from edge.store import return_desk as desk_store
from edge.store.database import Store
from edge.store.ledger import utc
from edge.store.operators import LoginSession, device_station
from edge.store.print_jobs import queue_job
from edge.store.writer import Tx

PHOTO_MAX_BYTES = 2 * 1024 * 1024
# What a photo's first bytes must be for the type it claims (JPEG SOI, the PNG signature).
PHOTO_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


def lookup(conn: sqlite3.Connection, q: str) -> list[dict[str, Any]]:
    """Shipped orders an unexpected parcel may be from (order number, name or phone digits)."""
    return desk_store.lookup_shipped(conn, q.strip())


def overview(conn: sqlite3.Connection) -> dict[str, Any]:
    """RMAs still expected, and the parcels opened at the desk (open first, then recent)."""
    return {"expected": desk_store.expected_rmas(conn), "parcels": desk_store.recent_parcels(conn)}


def exceptions(
    conn: sqlite3.Connection, now: datetime, *, expect_within_days: int, grade_within_hours: int
) -> dict[str, Any]:
    """What a supervisor must chase: RMAs whose parcel has not come within the days allowed,
    parcels opened and not closed within the hours allowed."""
    late_rma = utc(now - timedelta(days=expect_within_days))
    late_parcel = utc(now - timedelta(hours=grade_within_hours))
    return {
        "expect_within_days": expect_within_days,
        "grade_within_hours": grade_within_hours,
        "rmas_not_arrived": desk_store.expected_rmas(conn, before=late_rma),
        "parcels_not_closed": desk_store.recent_parcels(conn, limit=500, open_before=late_parcel),
    }


def rates(
    conn: sqlite3.Connection, now: datetime, *, days: int, warn_above: float
) -> dict[str, Any]:
    """Units returned / units shipped over the last `days`, per product, channel and reason
    (wrong items and unknown senders left out)."""
    since = utc(now - timedelta(days=days))
    shipped: dict[str, dict[str, int]] = {"sku": {}, "channel": {}}
    for r in desk_store.shipped_units(conn, since):
        _add(shipped["sku"], r["sku"], r["qty"])
        _add(shipped["channel"], r["channel"], r["qty"])
    back: dict[str, dict[str, int]] = {"sku": {}, "channel": {}, "reason": {}}
    for r in desk_store.returned_units(conn, since):
        for key in back:
            _add(back[key], r[key], r["qty"])
    total = sum(shipped["sku"].values())

    def rows(key: str, denominators: dict[str, int]) -> list[dict[str, Any]]:
        names = sorted(set(denominators) | set(back[key]))
        out = []
        for name in names:
            n, d = back[key].get(name, 0), denominators.get(name, 0)
            rate = round(n / d, 4) if d else None
            out.append(
                {
                    key: name,
                    "returned": n,
                    "shipped": d,
                    "rate": rate,
                    "warn": rate is not None and rate > warn_above,
                }
            )
        return out

    return {
        "days": days,
        "since": since,
        "warn_above": warn_above,
        "shipped": total,
        "returned": sum(back["sku"].values()),
        "products": rows("sku", shipped["sku"]),
        "channels": rows("channel", shipped["channel"]),
        "reasons": rows("reason", dict.fromkeys(back["reason"], total)),
    }


def _add(counts: dict[str, int], key: str, qty: int) -> None:
    counts[key] = counts.get(key, 0) + int(qty)


def add_photo(
    tx: Tx, parcel_id: str, *, content_type: str, data: bytes, operator_id: int | None
) -> dict[str, Any]:
    """Keep a photo of damage with the parcel's last graded item (or the parcel)."""
    kind = content_type.split(";")[0].strip().lower()
    magic = PHOTO_MAGIC.get(kind)
    if magic is None or not data.startswith(magic):
        raise EdgeError("unsupported_photo", content_type=kind or "-")
    if len(data) > PHOTO_MAX_BYTES:
        raise EdgeError("request_too_large", limit=PHOTO_MAX_BYTES)
    if desk_store.parcel_row(tx, parcel_id) is None:
        raise EdgeError("not_found", what="return parcel", key=parcel_id)
    photo_id = desk_store.add_photo(
        tx, parcel_id, content_type=kind, data=data, operator_id=operator_id
    )
    return {"photo_id": photo_id, "parcel_id": parcel_id, "bytes": len(data)}


@dataclass(frozen=True)
class LabelRequest:
    parcel_id: str
    session: LoginSession
    settings: PackSettings


def queue_label(tx: Tx, req: LabelRequest) -> dict[str, Any]:
    """Queue the quarantine label of the parcel on the station's printer (or the handheld's
    default); it prints after the commit."""
    parcel = desk_store.parcel_row(tx, req.parcel_id)
    if parcel is None:
        raise EdgeError("not_found", what="return parcel", key=req.parcel_id)
    station = device_station(tx, req.session.device_id)
    printer = station_printer(req.settings, station)
    items = desk_store.parcel_items(tx, req.parcel_id)
    held = [i for i in items if i["bucket"] == "frozen"] or items
    lines = [
        f"{i['qty']} × {i['sku']} {i['grade']}" + (" (wrong item)" if i["wrong_item"] else "")
        for i in held
    ]
    reasons = sorted({_why(i, parcel) for i in held}) or [_why({}, parcel)]
    document = {
        "parcel_id": req.parcel_id,
        "location": parcel["location"],
        "rma": parcel["rma"] or "",
        "order_id": parcel["order_id"] or "",
        "reason": ", ".join(reasons),
        "lines": lines,
        "date": tx.at[:10],
    }
    job_id = queue_job(
        tx,
        printer=printer.name,
        station=printer.station,
        kind="quarantine",
        format=printer.format,
        document=document,
        order_id=parcel["order_id"],
    )
    return {"job_id": job_id, "printer": printer.name, "parcel_id": req.parcel_id}


def _why(item: dict[str, Any], parcel: Any) -> str:
    if parcel["matched_by"] == "unknown_sender":
        return "unknown sender"
    if item.get("wrong_item"):
        return "wrong item"
    return str(item.get("grade") or "returned")


async def photo(
    store_: Store, parcel_id: str, *, content_type: str, data: bytes, operator_id: int | None
) -> dict[str, Any]:
    return await store_.writer.run(
        lambda tx: add_photo(
            tx, parcel_id, content_type=content_type, data=data, operator_id=operator_id
        )
    )


async def label(store_: Store, spooler: Any, req: LabelRequest) -> dict[str, Any]:
    result = await store_.writer.run(lambda tx: queue_label(tx, req))
    spooler.notify()
    return result
