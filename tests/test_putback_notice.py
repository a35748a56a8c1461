"""A picker's next scan after a supervisor cancelled one of the list's orders says which units
go back from which tote to which bin; the other order of the batch goes on being picked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edge.store import catalog
from edge.store.database import Store
from edge.store.verify import verify
from tests.support import EAN13, Floor


@pytest.fixture(autouse=True)
def ledger_verifies(store: Store) -> Iterator[None]:
    yield
    assert verify(store.read()) == []


def release(floor: Floor, sup: dict[str, str], ref: str, sku: str, qty: int) -> str:
    body = {"channel": "shop", "channel_order_id": ref, "lines": [{"sku": sku, "qty": qty}]}
    resp = floor.client.post("/api/v1/orders", json=body, headers=sup)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["order_id"])


def test_the_next_scan_after_a_cancel_mid_list_says_what_to_put_back_where(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    first = release(floor, sup, "TB-1", "SKU-1", 2)
    release(floor, sup, "TB-2", "SKU-2", 1)
    picker = floor.login("B-PICK")
    assert floor.start(picker, "pick").status_code == 200
    floor.store.writer.call(lambda tx: catalog.upsert_container(tx, code="T-0002", type="tote"))
    for raw in ("T-0001", "T-0002", "A-01-01", EAN13):
        assert floor.scan(picker, raw).status_code == 200, raw

    floor.client.post(f"/api/v1/orders/{first}/cancel", json={"reason": "buyer"}, headers=sup)
    answer = floor.scan(picker, "A-01-02").json()

    (unit,) = answer["view"]["put_back"]
    assert {k: unit[k] for k in ("order_id", "tote", "sku", "qty", "location")} == {
        "order_id": first,
        "tote": "T-0001",
        "sku": "SKU-1",
        "qty": 1,
        "location": "A-01-01",
    }
    assert answer["view"]["task"]["sku"] == "SKU-2"  # the other order goes on
