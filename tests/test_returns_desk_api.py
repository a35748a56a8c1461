"""The returns desk's routes beside its scans, through the real app on a real SQLite file: the
order lookup for an unexpected parcel, the desk's lists, the supervisor's exceptions and return
rates, a photo of damage, and the quarantine label printed and read back by a real decoder."""

from __future__ import annotations

import asyncio
import struct
import zlib
from pathlib import Path
from typing import Any

import zxingcpp

from tests.returns_support import authorise, buckets, clerk, desk, shipped_order
from tests.support import EAN13, Floor, add_colleague, snapshot
from tests.test_labels import rasterise

__all__ = ["desk"]
# A 1×1 PNG: the signature, IHDR, one IDAT row and IEND.
PNG = b"\x89PNG\r\n\x1a\n" + b"".join(
    struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    for tag, data in (
        (b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)),
        (b"IDAT", zlib.compress(b"\x00\x00")),
        (b"IEND", b""),
    )
)


def scans(floor: Floor, headers: dict[str, str], *raws: str) -> list[dict[str, Any]]:
    return [floor.scan(headers, raw).json() for raw in raws]


def test_the_lookup_finds_a_shipped_order_by_number_name_or_phone_digits(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1}, ref="TB-9")
    desk.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE orders SET ship_to = json_set(ship_to, '$.phone', '13800001234') WHERE id = ?",
            (order_id,),
        )
    )
    headers = clerk(desk)

    found = {
        q: [
            o["order_id"]
            for o in desk.client.get(
                "/api/v1/returns/lookup", params={"q": q}, headers=headers
            ).json()
        ]
        for q in ("TB-9", "shop:TB-9", "王芳", "1234", "123", "nobody")
    }

    assert found == {
        "TB-9": [order_id],
        "shop:TB-9": [order_id],
        "王芳": [order_id],
        "1234": [order_id],
        "123": [],
        "nobody": [],
    }
    row = desk.client.get("/api/v1/returns/lookup", params={"q": "TB-9"}, headers=headers).json()[0]
    assert (row["customer"], row["phone_tail"], row["lines"]) == (
        "王芳",
        "1234",
        [{"sku": "SKU-1", "qty": 1}],
    )


def test_the_desk_lists_what_is_expected_and_the_parcels_opened(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1})
    authorise(desk, "RMA-2", "O-ELSEWHERE", {"SKU-2": 1})
    headers = clerk(desk)
    scans(desk, headers, "RMA-1", EAN13)

    lists = desk.client.get("/api/v1/returns", headers=headers).json()

    assert [r["rma"] for r in lists["expected"]] == ["RMA-2"]
    assert [(p["parcel_id"], p["rma"], p["status"]) for p in lists["parcels"]] == [
        ("RP-000001", "RMA-1", "open")
    ]


def test_exceptions_list_rmas_not_arrived_and_parcels_left_open_past_their_time(
    desk: Floor,
) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-OLD", order_id, {"SKU-1": 1})
    authorise(desk, "RMA-NEW", "O-ELSEWHERE", {"SKU-2": 1})
    headers = clerk(desk)
    scans(desk, headers, "SF-1", "CMD:UNKNOWN")
    desk.store.writer.call(
        lambda tx: (
            tx.execute(
                "UPDATE return_authorisations SET received_at = '2026-01-01T00:00:00Z'"
                " WHERE rma = 'RMA-OLD'"
            ),
            tx.execute("UPDATE return_parcels SET opened_at = '2026-01-01T00:00:00Z'"),
        )
    )

    found = desk.client.get("/api/v1/returns/exceptions", headers=headers).json()

    assert [r["rma"] for r in found["rmas_not_arrived"]] == ["RMA-OLD"]
    assert [p["parcel_id"] for p in found["parcels_not_closed"]] == ["RP-000001"]
    assert (found["expect_within_days"], found["grade_within_hours"]) == (14, 24)


def test_return_rates_count_units_back_over_units_shipped_per_product_channel_and_reason(
    desk: Floor,
) -> None:
    order_id = shipped_order(desk, {"SKU-1": 2, "SKU-2": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1}, reason="size")
    headers = clerk(desk)
    scans(desk, headers, "RMA-1", EAN13, "CMD:RESELLABLE", "CMD:DONE")
    supervisor = desk.login("B-SUP")

    rates = desk.client.get("/api/v1/returns/rates", params={"days": 7}, headers=supervisor).json()

    assert (rates["shipped"], rates["returned"], rates["warn_above"]) == (3, 1, 0.08)
    assert rates["products"] == [
        {"sku": "SKU-1", "returned": 1, "shipped": 2, "rate": 0.5, "warn": True},
        {"sku": "SKU-2", "returned": 0, "shipped": 1, "rate": 0.0, "warn": False},
    ]
    assert rates["channels"] == [
        {"channel": "shop", "returned": 1, "shipped": 3, "rate": 0.3333, "warn": True}
    ]
    assert rates["reasons"] == [
        {"reason": "size", "returned": 1, "shipped": 3, "rate": 0.3333, "warn": True}
    ]
    refused = desk.client.get("/api/v1/returns/rates", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_authorized")


def test_a_photo_is_kept_with_the_last_graded_item_and_a_non_image_is_refused(
    desk: Floor,
) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1})
    headers = clerk(desk)
    scans(desk, headers, "RMA-1", EAN13, "CMD:DAMAGED")
    url = "/api/v1/returns/parcels/RP-000001/photos"

    kept = desk.client.post(url, content=PNG, headers=headers | {"Content-Type": "image/png"})
    before = snapshot(desk.store)
    lying = desk.client.post(
        url, content=b"<svg/>", headers=headers | {"Content-Type": "image/png"}
    )
    missing = desk.client.post(
        "/api/v1/returns/parcels/RP-404/photos",
        content=PNG,
        headers=headers | {"Content-Type": "image/png"},
    )

    assert kept.status_code == 201 and kept.json()["bytes"] == len(PNG)
    row = (
        desk.store.read()
        .execute("SELECT item_id, content_type, data FROM return_photos")
        .fetchone()
    )
    assert (row[0], row[1], bytes(row[2])) == (1, "image/png", PNG)
    assert (lying.status_code, lying.json()["code"]) == (415, "unsupported_photo")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert snapshot(desk.store) == before


def test_the_quarantine_label_prints_at_the_desk_and_its_barcode_reads_back_as_the_parcel(
    desk: Floor, tmp_path: Path
) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1})
    add_colleague(desk, "B-RET", "returns")
    headers = desk.login("B-RET", station="DESK-1")
    assert desk.start(headers, "returns").status_code == 200
    scans(desk, headers, "RMA-1", EAN13, "CMD:DAMAGED")

    resp = desk.client.post("/api/v1/returns/parcels/RP-000001/label", headers=headers)

    assert resp.status_code == 202, resp.text
    assert resp.json()["printer"] == "desk-zpl"
    pdf = wait_for_file(desk, tmp_path / "d")
    (image,) = rasterise(pdf, 203)
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    assert [c.text for c in codes] == ["RP-000001"]
    assert buckets(desk.store) == {"SKU-1//frozen": 1}


def wait_for_file(floor: Floor, folder: Path) -> bytes:
    """The first file the file printer wrote (the spooler prints after the commit)."""
    for _ in range(200):
        files = sorted(folder.iterdir())
        if files:
            return files[0].read_bytes()
        floor.client.portal.call(asyncio.sleep, 0.05)
    raise AssertionError(f"nothing printed into {folder}")
