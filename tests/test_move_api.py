"""The move workflow through the real app: each item scan moves stock in one commit."""

from __future__ import annotations

from tests.support import EAN13, Floor, scan_id, snapshot

# each test runs with the writer thread and with the writer process (tests/conftest.py)
WRITERS = ("thread", "process")


def test_an_item_scan_moves_one_unit_between_bins(floor: Floor) -> None:
    h = floor.login()
    floor.start(h)
    floor.scan(h, "A-01-01")
    floor.scan(h, "A-01-02")

    resp = floor.scan(h, EAN13)

    assert resp.status_code == 200, resp.text
    assert resp.json()["message"] == "Moved 1 × SKU-1 from A-01-01 to A-01-02."
    stock = floor.client.get("/api/v1/stock", params={"sku": "SKU-1"}, headers=h).json()
    assert [(b["location"], b["qty"]) for b in stock] == [("A-01-01", 9), ("A-01-02", 1)]


def test_the_same_scan_id_twice_moves_stock_once(floor: Floor) -> None:
    h = floor.login()
    floor.start(h)
    floor.scan(h, "A-01-01")
    floor.scan(h, "A-01-02")
    sid = scan_id()

    first = floor.scan(h, EAN13, sid)
    again = floor.scan(h, EAN13, sid)

    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert floor.client.get("/api/v1/stock/SKU-1", headers=h).json()["on_hand"] == 10
    assert (
        len(
            floor.client.get(
                "/api/v1/movements", params={"sku": "SKU-1"}, headers=floor.login("B-SUP")
            ).json()
        )
        == 2
    )


def test_a_case_barcode_moves_its_pack_quantity_or_is_refused_whole(floor: Floor) -> None:
    h = floor.login()
    floor.start(h)
    floor.scan(h, "A-01-01")
    floor.scan(h, "A-01-02")
    before = snapshot(floor.store)

    resp = floor.scan(h, "19506000134359")

    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "insufficient_stock"
    assert resp.json()["detail"] == (
        "Only 10 of SKU-1 available at A-01-01; 12 requested. Take what is there or ask a supervisor."
    )
    assert snapshot(floor.store) == before


def test_a_task_open_when_the_session_expired_continues_after_the_next_login(floor: Floor) -> None:
    first = floor.login()
    floor.start(first)
    floor.scan(first, "A-01-01")
    floor.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE login_sessions SET expires_at = '2000-01-01T00:00:00.000000Z'"
        )
    )

    again = floor.login()
    resp = floor.scan(again, "A-01-02")

    assert resp.status_code == 200, resp.text
    assert resp.json()["view"]["step"] == "items"


def test_logging_out_ends_the_task(floor: Floor) -> None:
    first = floor.login()
    floor.start(first)
    floor.scan(first, "A-01-01")
    floor.client.post("/api/v1/auth/logout", headers=first)

    again = floor.login()
    resp = floor.scan(again, "A-01-02")

    assert resp.status_code == 422
    assert resp.json()["code"] == "no_work_session"
