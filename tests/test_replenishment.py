"""Low stock and replenishment (issue 20 item 3): a pick face whose free units fell to the site's
minimum (`stock.low_stock_threshold`) gets one replenishment task from the reserve bin the site's
rule picks; done by scan, its units move reserve → face through the move path; a face with no
reserve left is a `no_reserve` exception until stock comes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edge.config import Settings, load_settings
from edge.domain.replenish import Face, NoReserve, Refill, ReserveBin, refill
from edge.domain.stock import ReceiveStock
from edge.service.exceptions import sweep_once
from edge.service.stock import receive
from edge.store import catalog
from edge.store.ledger import Actor
from tests.support import Floor, snapshot

pytestmark = pytest.mark.usefixtures("ledger_verifies")  # verify after each scenario


def low_stock(tmp_path: Path, rule: str = "fefo") -> Settings:
    overrides = {
        "edge.data_dir": tmp_path,
        "stock.low_stock_threshold": 2,
        "stock.replenish_rule": rule,
    }
    return load_settings(env={}, overrides=overrides)


def face(floor: Floor, sku: str, location: str, capacity: int) -> None:
    """The site's pick face of `sku` (as a site sets it up: a row of pick_faces)."""
    floor.store.writer.call(
        lambda tx: tx.execute(
            "INSERT INTO pick_faces (sku, location, capacity) VALUES (?,?,?)",
            (sku, location, capacity),
        )
    )


def sweep(floor: Floor, settings: Settings) -> Any:
    return floor.store.writer.call(lambda tx: sweep_once(tx, settings))


def test_a_pick_face_at_its_minimum_is_refilled_by_scan_from_the_earliest_expiring_reserve(
    floor: Floor, tmp_path: Path
) -> None:
    def stock_up(tx: Any) -> None:
        catalog.upsert_location(tx, code="R-09-01", type="bin", pick_seq=90)
        catalog.upsert_lot(tx, sku="SKU-1", lot="L-LATE", expiry="2031-01-31")
        catalog.upsert_lot(tx, sku="SKU-1", lot="L-SOON", expiry="2030-01-31")
        receive(tx, ReceiveStock("SKU-1", "R-09-01", 30, lot="L-SOON"), Actor())
        receive(tx, ReceiveStock("SKU-1", "B-02-01", 1, lot="L-LATE"), Actor())

    floor.store.writer.call(stock_up)
    face(floor, "SKU-1", "B-02-01", 12)  # the face holds 1: at or below the minimum of 2
    settings = low_stock(tmp_path)

    sweep(floor, settings)
    sweep(floor, settings)  # a second sweep opens no second task
    picker = floor.login("B-PICK")
    tasks = floor.client.get("/api/v1/replenishments", headers=picker).json()
    (task,) = tasks
    done = floor.client.post(
        f"/api/v1/replenishments/{task['id']}/done",
        json={"source": "R-09-01", "target": "B-02-01"},
        headers=picker,
    )
    sup = floor.login("B-SUP")
    bins = floor.client.get("/api/v1/stock?sku=SKU-1", headers=sup).json()

    assert (task["source"], task["lot"], task["location"], task["qty"]) == (
        "R-09-01",
        "L-SOON",
        "B-02-01",
        11,
    )
    assert done.status_code == 200, done.text
    assert done.json()["message"] == "Moved 11 × SKU-1 from R-09-01 to the pick face B-02-01."
    on_hand = {(b["location"], b["lot"]): b["qty"] for b in bins if b["bucket"] == "on_hand"}
    assert on_hand[("B-02-01", "L-SOON")] == 11 and on_hand[("R-09-01", "L-SOON")] == 19
    assert floor.client.get("/api/v1/replenishments", headers=picker).json() == []


def test_a_pick_face_with_no_reserve_left_warns_until_stock_comes(
    floor: Floor, tmp_path: Path
) -> None:
    face(floor, "SKU-2", "B-02-01", 10)  # empty; SKU-2's only other stock is in A-01-02,
    face(floor, "SKU-2", "A-01-02", 10)  # a pick face too: no reserve
    settings = low_stock(tmp_path)
    sup = floor.login("B-SUP")

    swept = sweep(floor, settings)
    warned = floor.client.get("/api/v1/exceptions?kind=no_reserve", headers=sup).json()
    floor.store.writer.call(
        lambda tx: (
            catalog.upsert_location(tx, code="R-09-02", type="bin"),
            receive(tx, ReceiveStock("SKU-2", "R-09-02", 8), Actor()),
        )
    )
    cleared = sweep(floor, settings)
    tasks = floor.client.get("/api/v1/replenishments", headers=sup).json()

    assert [(e["location"], e["sku"]) for e in warned] == [("B-02-01", "SKU-2")]
    assert len(swept["opened"]) == 1 and cleared["cleared"] == swept["opened"]
    assert [(t["source"], t["location"], t["qty"]) for t in tasks] == [("R-09-02", "B-02-01", 8)]


def test_the_wrong_pick_face_or_a_task_done_twice_is_refused_and_changes_nothing(
    floor: Floor, tmp_path: Path
) -> None:
    face(floor, "SKU-1", "B-02-01", 5)
    sweep(floor, low_stock(tmp_path))
    picker = floor.login("B-PICK")
    (task,) = floor.client.get("/api/v1/replenishments", headers=picker).json()
    url = f"/api/v1/replenishments/{task['id']}/done"
    before = snapshot(floor.store)

    wrong = floor.client.post(url, json={"source": "A-01-01", "target": "A-01-02"}, headers=picker)
    unchanged = snapshot(floor.store) == before
    assert floor.client.post(
        url, json={"source": "A-01-01", "target": "B-02-01"}, headers=picker
    ).is_success
    again = floor.client.post(url, json={"source": "A-01-01", "target": "B-02-01"}, headers=picker)

    assert (wrong.status_code, wrong.json()["code"], unchanged) == (
        422,
        "replenish_wrong_face",
        True,
    )
    assert (again.status_code, again.json()["code"]) == (409, "replenish_task_done")


RESERVES = [
    ReserveBin("R-1", "", 3, "2031-01-01", pick_seq=30),
    ReserveBin("R-2", "", 40, "2030-06-01", pick_seq=20),
    ReserveBin("R-3", "", 9, None, pick_seq=10),
]


@pytest.mark.parametrize(
    ("rule", "source"), [("fefo", "R-2"), ("fullest", "R-2"), ("nearest", "R-3")]
)
def test_the_sites_rule_picks_the_reserve_bin(rule: str, source: str) -> None:
    need = refill(Face("S", "F-1", 10, 1), RESERVES, 2, rule)
    assert isinstance(need, Refill) and need.source == source
    assert need.qty == min(9, next(r.free for r in RESERVES if r.location == source))


def test_a_face_above_its_minimum_or_without_one_needs_nothing_and_one_without_reserve_warns() -> (
    None
):
    assert refill(Face("S", "F-1", 10, 3), RESERVES, 2) is None
    assert refill(Face("S", "F-1", 10, 0), RESERVES, 0) is None
    assert refill(Face("S", "F-1", 10, 0), [], 2) == NoReserve("S", "F-1")
