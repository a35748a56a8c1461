"""Kits and bundles (组合装) at the edge, through the real app and store: a kit from central's
feed, an order for it allocated, picked and verified as its components (the picker and the
packer see which kit each belongs to), shipped as one line as the channel sold it; refusals
change nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.store.database import Store
from edge.store.verify import verify
from tests.support import EAN13, SKU2_EAN, Floor, packer_at_bench, snapshot
from tests.sync.feed import apply, change, released, rows
from tests.test_pack_api import _settings, close

# Two green teas and a jasmine tea in one box: 2 × SKU-1 + 1 × SKU-2.
KIT = {
    "sku": "KIT-GIFT",
    "name": "Tea gift box",
    "name_zh": "茶叶礼盒",
    "components": [{"sku": "SKU-1", "qty": 2}, {"sku": "SKU-2", "qty": 1}],
}
PARTS = [{"sku": "SKU-1", "qty": 2}, {"sku": "SKU-2", "qty": 1}]


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Floor]:
    settings = _settings(tmp_path)
    store = Store(settings.db_path, edge_id=settings.edge.id)
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        apply(store, change(1, "kit_upserted", KIT))
        yield floor
    assert verify(store.read()) == []
    store.close()


def kit_order(cursor: int, order_id: str, kits: int, *more: tuple[str, int]) -> dict[str, Any]:
    """The order as central releases it: the kit line with its components, then `more`."""
    body = released(cursor, order_id, [("KIT-GIFT", kits), *more])
    body["data"]["lines"][0]["components"] = PARTS
    return body


def order_lines(store: Store, order_id: str) -> list[tuple[Any, ...]]:
    return rows(
        store,
        "SELECT line_no, sku, qty_ordered, qty_allocated, kit_sku, kit_line_no, kit_qty, per_kit"
        " FROM order_lines WHERE order_id = ? ORDER BY line_no",
        (order_id,),
    )


def test_a_kit_from_central_is_kept_with_its_components(bench: Floor) -> None:
    kits = rows(bench.store, "SELECT kit_sku, sku, qty FROM kit_components ORDER BY sku")

    assert kits == [("KIT-GIFT", "SKU-1", 2), ("KIT-GIFT", "SKU-2", 1)]


def test_a_kit_line_is_stored_and_allocated_as_its_components(bench: Floor) -> None:
    counts = apply(bench.store, kit_order(2, "O-1", 2, ("SKU-2", 1)))

    assert counts == {"applied": 1, "refused": 0}
    assert order_lines(bench.store, "O-1") == [
        (1, "SKU-1", 4, 4, "KIT-GIFT", 1, 2, 2),
        (2, "SKU-2", 2, 2, "KIT-GIFT", 1, 2, 1),
        (3, "SKU-2", 1, 1, "", 0, 0, 0),
    ]


def test_an_order_for_more_kits_than_one_component_allows_holds_whole_and_reserves_nothing(
    bench: Floor,
) -> None:
    # SKU-2 has 5 units: 6 kits need 6
    apply(bench.store, kit_order(2, "O-1", 6))

    status = rows(bench.store, "SELECT status, hold_reason FROM orders WHERE id = 'O-1'")
    assert status[0][0] == "on_hold"
    assert "SKU-2: need 6, 5 free" in status[0][1]
    assert rows(bench.store, "SELECT * FROM allocations") == []


def test_an_order_posted_at_the_edge_for_a_kit_is_expanded_by_the_edges_own_kit(
    bench: Floor,
) -> None:
    sup = bench.login("B-SUP")

    resp = bench.client.post(
        "/api/v1/orders",
        json={
            "channel": "shop",
            "channel_order_id": "K-1",
            "lines": [{"sku": "KIT-GIFT", "qty": 1}],
        },
        headers=sup,
    )

    assert resp.status_code == 201, resp.text
    assert [ln[1:3] for ln in order_lines(bench.store, resp.json()["order_id"])] == [
        ("SKU-1", 2),
        ("SKU-2", 1),
    ]


def test_a_kit_naming_a_product_this_edge_lacks_is_refused_and_changes_nothing(
    bench: Floor,
) -> None:
    before = snapshot(bench.store)
    bad = KIT | {"sku": "KIT-BAD", "components": [{"sku": "NO-SUCH", "qty": 1}]}

    counts = apply(bench.store, change(2, "kit_upserted", bad))

    assert counts == {"applied": 0, "refused": 1}
    after = snapshot(bench.store)
    assert {t: r for t, r in after.items() if r != before[t]}.keys() <= {
        "sync_state",
        "exceptions",
        "exception_events",
    }
    assert rows(bench.store, "SELECT sku FROM kits") == [("KIT-GIFT",)]


def test_a_kit_order_is_picked_verified_by_component_scans_packed_and_shipped_as_one_line(
    bench: Floor,
) -> None:
    apply(bench.store, kit_order(2, "O-1", 1))
    picker = bench.login("B-PICK")
    bench.start(picker, "pick")
    bench.scan(picker, "T-0001")

    at_bin = bench.scan(picker, "A-01-01").json()
    view = bench.client.get("/api/v1/work-sessions/current", headers=picker).json()
    picks = [bench.scan(picker, raw).json() for raw in (EAN13, EAN13, "A-01-02", SKU2_EAN)]

    assert at_bin["ok"] and all(p["ok"] for p in picks), picks
    assert view["view"]["task"]["kit"] == {
        "sku": "KIT-GIFT",
        "name": "Tea gift box",
        "name_zh": "茶叶礼盒",
        "per_kit": 2,
        "kits": 1,
    }

    packer = packer_at_bench(bench)
    opened = bench.scan(packer, "T-0001").json()
    checks = [bench.scan(packer, raw).json() for raw in (EAN13, SKU2_EAN, EAN13)]
    before = snapshot(bench.store)
    extra = bench.scan(packer, EAN13)
    assert snapshot(bench.store) == before
    pack_view = bench.client.get("/api/v1/work-sessions/current", headers=packer).json()["view"]
    closed = close(bench, packer, weight_g=430)  # 2 × 120 g + 70 g + the S box's 120 g
    bench.client.post("/api/v1/work-sessions", json={"workflow": "dispatch"}, headers=packer)
    out = bench.scan(packer, closed.json()["tracking_no"]).json()

    assert opened["ok"] and [c["params"]["left"] for c in checks] == [2, 1, 0]
    assert (extra.status_code, extra.json()["code"]) == (422, "extra_item")
    assert [(ln["sku"], ln["kit"]["sku"]) for ln in pack_view["lines"]] == [
        ("SKU-1", "KIT-GIFT"),
        ("SKU-2", "KIT-GIFT"),
    ]
    assert closed.status_code == 200, closed.text
    assert out["ok"], out
    shipped = rows(bench.store, "SELECT payload FROM outbox WHERE type = 'order_shipped'")
    contents = [p["contents"] for p in json.loads(shipped[0][0])["parcels"]]
    assert contents == [[{"sku": "KIT-GIFT", "qty": 1, "kit": True}]]


def test_a_gift_line_from_central_is_kept_flagged_and_shown_to_the_picker_as_a_gift(
    bench: Floor,
) -> None:
    body = released(2, "O-1", [("SKU-1", 1), ("SKU-2", 1)])
    body["data"]["lines"][1]["gift"] = True
    apply(bench.store, body)
    picker = bench.login("B-PICK")
    bench.start(picker, "pick")
    bench.scan(picker, "T-0001")
    for raw in ("A-01-01", EAN13):
        assert bench.scan(picker, raw).json()["ok"]

    view = bench.client.get("/api/v1/work-sessions/current", headers=picker).json()["view"]

    assert rows(bench.store, "SELECT sku, gift FROM order_lines ORDER BY line_no") == [
        ("SKU-1", 0),
        ("SKU-2", 1),
    ]
    assert (view["task"]["sku"], view["task"]["gift"], view["task"]["kit"]) == ("SKU-2", True, None)
