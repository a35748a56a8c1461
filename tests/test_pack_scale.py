"""The bench scale through the pack API: a pseudo-terminal is the scale's serial port (configured
as `[[scales]]` of BENCH-1 through WAREHOUSE_EDGE_SCALES), real protocol frames are written to
its other end, and the parcel is closed with no typed weight: only a steady reading counts."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.api.events import station_channel
from edge.store.database import Store
from edge.store.verify import verify
from tests.scanner_harness import WAIT, Pty, point
from tests.support import EAN13, PIN, Floor, packer_at_bench, picked_order, snapshot
from tests.test_pack_api import _settings, close
from tests.test_scale import toledo

SCALE = "bench-1-scale"

# (settling, steady) frames of 358 g then 362 g in each continuous format the reader knows:
# MT-SICS, the ST/US tagged lines, Toledo continuous output (see tests/test_scale.py).
FORMATS = {
    "mt-sics": (b"S D     0.358 kg\r\n", b"S S     0.362 kg\r\n"),
    "tagged": (b"US,GS,+0000.358kg\r\n", b"ST,GS,+0000.362kg\r\n"),
    "toledo": (toledo("-8 ", "000358", checksum=True), toledo("-0 ", "000362", checksum=True)),
}


@dataclass
class ScaleBench:
    floor: Floor
    pty: Pty

    def reading(self) -> dict[str, Any]:
        answer = self.floor.client.get(
            "/api/v1/stations/BENCH-1/scale", headers=self.floor.login("B-SUP")
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def weighs(self, frame: bytes, *, grams: int, stable: bool) -> dict[str, Any]:
        """Send a frame from the scale; the reading the API shows once the edge has read it."""
        self.pty.write(frame)
        return until(self.reading, lambda r: (r["grams"], r["stable"]) == (grams, stable))


def until(read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> Any:
    deadline = time.monotonic() + WAIT
    while not done(seen := read()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; last seen {seen}")
        time.sleep(0.02)
    return seen


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[ScaleBench]:
    pty = Pty()
    # Frames are written one at a time here, far apart on a busy machine: no silence meant.
    scales = [
        {
            "name": SCALE,
            "station": "BENCH-1",
            "path": pty.path,
            "protocol": "continuous",
            "silent_after_s": 60,
        }
    ]
    settings = _settings(tmp_path, scales=json.dumps(scales))
    store = Store(settings.db_path, edge_id=settings.edge.id)
    with TestClient(create_app(settings, store=store)) as client:
        bench = ScaleBench(Floor.build(store, client), pty)
        until(bench.reading, lambda r: r["state"] == "connected")
        yield bench
    pty.unplug()
    assert verify(store.read()) == []
    store.close()


def packed_parcel(bench: ScaleBench) -> tuple[str, dict[str, str]]:
    """An order of 2 × SKU-1 (120 g each) checked at BENCH-1, ready for its box (S: 120 g)."""
    order_id = picked_order(bench.floor, [{"sku": "SKU-1", "qty": 2}])
    packer = packer_at_bench(bench.floor)
    for raw in ("T-0001", EAN13, EAN13):
        assert bench.floor.scan(packer, raw).status_code == 200
    return order_id, packer


@pytest.mark.parametrize(("settling", "steady"), FORMATS.values(), ids=FORMATS.keys())
def test_a_parcel_closes_with_the_scales_steady_weight_and_not_while_it_settles(
    bench: ScaleBench, settling: bytes, steady: bytes
) -> None:
    order_id, packer = packed_parcel(bench)
    before = snapshot(bench.floor.store)

    shown_settling = bench.weighs(settling, grams=358, stable=False)
    refused = close(bench.floor, packer)
    unchanged = snapshot(bench.floor.store) == before
    shown_steady = bench.weighs(steady, grams=362, stable=True)
    closed = close(bench.floor, packer)

    assert shown_settling == {
        "station": "BENCH-1",
        "scale": SCALE,
        "state": "connected",
        "reason": f"reading {bench.pty.path}",
        "grams": 358,
        "stable": False,
    }
    assert (refused.status_code, refused.json()["code"], unchanged) == (422, "no_weight", True)
    assert shown_steady == shown_settling | {"grams": 362, "stable": True}
    assert closed.status_code == 200, closed.text
    conn = bench.floor.store.read()
    parcel = conn.execute("SELECT weight_g, package_type FROM parcels").fetchall()
    status = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
    assert ([tuple(p) for p in parcel], status) == ([(362, "S")], "packed")


def test_a_steady_weight_off_from_the_scale_stops_the_packer_and_nothing_changes(
    bench: ScaleBench,
) -> None:
    order_id, packer = packed_parcel(bench)
    bench.weighs(b"ST,GS,+0000.240kg\r\n", grams=240, stable=True)  # one unit is not in the box
    before = snapshot(bench.floor.store)

    refused = close(bench.floor, packer)

    assert (refused.status_code, refused.json()["code"]) == (422, "weight_off")
    assert refused.json()["detail"].startswith(
        "The parcel is 120 g too light: most likely missing: 1 × SKU-1 (120 g each)."
    )
    assert refused.json()["messages"]["zh"].startswith(
        "包裹轻了 120 克：最可能缺少 1 件 SKU-1（每件 120 克）。"
    )
    assert snapshot(bench.floor.store) == before


def parcel_event(bench: ScaleBench) -> dict[str, Any]:
    row = (
        bench.floor.store.read()
        .execute("SELECT payload FROM outbox WHERE type = 'parcel_closed'")
        .fetchone()
    )
    return dict(json.loads(row[0]))


SUPERVISOR = {"badge": "B-SUP", "pin": PIN, "reason": "scale reads 240 g, box is full"}


@pytest.mark.parametrize(
    ("approval", "code"),
    [
        (None, "supervisor_needed"),
        (SUPERVISOR | {"pin": "0000"}, "bad_credentials"),
        (SUPERVISOR | {"badge": "B-PACK"}, "not_authorized"),  # a packer cannot confirm it
    ],
    ids=["no supervisor", "wrong PIN", "not a supervisor"],
)
def test_a_typed_weight_over_a_live_scale_needs_a_supervisor_and_changes_nothing_without_one(
    bench: ScaleBench, approval: dict[str, str] | None, code: str
) -> None:
    _, packer = packed_parcel(bench)
    bench.weighs(b"ST,GS,+0000.240kg\r\n", grams=240, stable=True)
    before = snapshot(bench.floor.store)

    refused = close(bench.floor, packer, weight_g=360, approval=approval)

    assert refused.json()["code"] == code, refused.text
    assert snapshot(bench.floor.store) == before
    if code == "supervisor_needed":
        assert refused.json()["detail"] == (
            "A supervisor must confirm this weight (the bench scale is working): scan their"
            " badge, type their PIN and the reason."
        )


def test_a_typed_weight_confirmed_by_a_supervisor_is_taken_and_records_who_and_why(
    bench: ScaleBench,
) -> None:
    _, packer = packed_parcel(bench)
    bench.weighs(b"ST,GS,+0000.240kg\r\n", grams=240, stable=True)

    closed = close(bench.floor, packer, weight_g=360, approval=SUPERVISOR)

    assert closed.status_code == 200, closed.text
    weights = bench.floor.store.read().execute("SELECT weight_g FROM parcels").fetchall()
    assert [w[0] for w in weights] == [360]
    event = parcel_event(bench)
    assert {
        k: event[k] for k in ("weight_g", "weight_source", "weight_approved_by", "weight_reason")
    } == {
        "weight_g": 360,
        "weight_source": "typed",
        "weight_approved_by": "Supervisor (B-SUP)",
        "weight_reason": "scale reads 240 g, box is full",
    }
    assert PIN not in json.dumps(event)


def test_a_weight_from_the_scale_is_recorded_as_the_scales(bench: ScaleBench) -> None:
    _, packer = packed_parcel(bench)
    bench.weighs(b"ST,GS,+0000.362kg\r\n", grams=362, stable=True)

    closed = close(bench.floor, packer)

    assert closed.status_code == 200, closed.text
    event = parcel_event(bench)
    assert (event["weight_source"], "weight_approved_by" in event) == ("scale", False)


def test_a_bench_without_a_scale_has_no_scale_reading(floor: Floor) -> None:
    answer = floor.client.get("/api/v1/stations/BENCH-1/scale", headers=floor.login("B-PACK"))

    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


# --- the scale's state: on the station's screen, with no error logged ---


@contextmanager
def scale_app(tmp_path: Path, path: str, **scale: Any) -> Iterator[tuple[Floor, Any]]:
    """The app with one continuous scale at BENCH-1 on `path`, and a subscriber to the station's
    events (subscribed before the scale starts, so no state is missed)."""
    config = {"name": SCALE, "station": "BENCH-1", "path": path} | scale
    settings = _settings(tmp_path, scales=json.dumps([config]))
    store = Store(settings.db_path, edge_id=settings.edge.id)
    app = create_app(settings, store=store)
    queue = app.state.broker.subscribe(station_channel("BENCH-1"))
    with TestClient(app) as client:
        yield Floor.build(store, client), lambda: next_scale_event(client, queue)
    assert verify(store.read()) == []
    store.close()


def next_scale_event(client: TestClient, queue: asyncio.Queue[str]) -> dict[str, Any]:
    while True:
        message = client.portal.call(asyncio.wait_for, queue.get(), WAIT)
        event, data = message.split("\n")[:2]
        if event == "event: scale":
            return dict(json.loads(data.removeprefix("data: ")))


def test_a_scale_plugged_unplugged_and_replugged_tells_its_station_and_logs_no_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    by_id, first = tmp_path / "usb-Scale_Co_Bench_5678-if00-port0", Pty()
    point(by_id, first.path)

    with caplog.at_level(logging.INFO), scale_app(tmp_path, str(by_id)) as (floor, next_event):
        states = [next_event()["state"], next_event()["state"]]
        first.unplug()
        states.append(next_event()["state"])
        second = Pty()
        point(by_id, second.path)
        replugged = next_event()
        listed = floor.client.get("/api/v1/stations", headers=floor.login("B-SUP")).json()[0][
            "scales"
        ]
    second.unplug()

    assert states == ["connecting", "connected", "disconnected"]
    assert replugged == {
        "scale": SCALE,
        "station": "BENCH-1",
        "state": "connected",
        "reason": f"reading {by_id}",
    }
    assert listed == [{"name": SCALE, "state": "connected", "reason": f"reading {by_id}"}]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_scale_that_stops_sending_goes_silent_and_its_last_weight_is_not_used(
    tmp_path: Path,
) -> None:
    pty = Pty()
    with scale_app(tmp_path, pty.path, silent_after_s=0.5) as (floor, next_event):
        bench = ScaleBench(floor, pty)
        order_id, packer = packed_parcel(bench)
        shown = bench.weighs(b"ST,GS,+0000.360kg\r\n", grams=360, stable=True)
        before = snapshot(floor.store)
        silent = until(bench.reading, lambda r: r["state"] != "connected")
        told = next(e for e in iter(next_event, None) if e["state"] == "silent")
        metrics = floor.client.get("/metrics").text
        refused = close(floor, packer)
        unchanged = snapshot(floor.store) == before
        typed = close(floor, packer, weight_g=360)  # what the terminal offers when it is silent
        status = floor.store.read().execute("SELECT status FROM orders WHERE id = ?", (order_id,))
        packed = status.fetchone()[0]
    pty.unplug()

    assert shown["state"] == "connected"
    reason = f"no reading for 0.5 s from {pty.path}"
    assert silent == {
        "station": "BENCH-1",
        "scale": SCALE,
        "state": "silent",
        "reason": reason,
        "grams": None,
        "stable": False,
    }
    assert told == {"scale": SCALE, "station": "BENCH-1", "state": "silent", "reason": reason}
    assert (refused.status_code, refused.json()["code"], unchanged) == (422, "no_weight", True)
    assert (typed.status_code, packed) == (200, "packed"), typed.text
    assert f'edge_scale_state{{scale="{SCALE}",state="silent"}} 1.0' in metrics
    assert f'edge_scale_weight_offered{{scale="{SCALE}"}} 0.0' in metrics


def test_scan_to_print_closes_on_the_scales_weight_and_stops_on_one_off_for_a_close_by_hand(
    bench: ScaleBench,
) -> None:
    f = bench.floor
    state = f.client.app.state  # type: ignore[attr-defined]
    packing = state.settings.packing.model_copy(update={"single_item_auto_close": "on"})
    state.settings = state.settings.model_copy(update={"packing": packing})
    first = picked_order(f, [{"sku": "SKU-1", "qty": 1}], ref="TB-1")
    packer = packer_at_bench(f)
    bench.weighs(b"ST,GS,+0000.142kg\r\n", grams=142, stable=True)  # 120 g unit + 20 g bag

    closed = f.scan(packer, EAN13).json()
    second = picked_order(f, [{"sku": "SKU-1", "qty": 1}], ref="TB-2")
    bench.weighs(b"ST,GS,+0000.362kg\r\n", grams=362, stable=True)  # something else in the bag
    stopped = f.scan(packer, EAN13).json()
    bench.weighs(b"ST,GS,+0000.139kg\r\n", grams=139, stable=True)
    by_hand = close(f, packer, package="BAG")

    assert (closed["ok"], closed["auto_closed"], closed["view"]["step"]) == (True, True, "order")
    assert closed["tracking_no"] and closed["verified"] == {"sku": "SKU-1", "qty": 1, "left": 0}
    assert (stopped["ok"], stopped["view"]["step"], stopped["auto_close"]["code"]) == (
        True,
        "package",
        "weight_off",
    )
    assert "auto_closed" not in stopped and stopped["view"]["auto_close"]["code"] == "weight_off"
    assert by_hand.status_code == 200, by_hand.text
    rows = f.store.read().execute(
        "SELECT s.order_id, p.weight_g, p.package_type FROM parcels p"
        " JOIN shipments s ON s.id = p.shipment_id ORDER BY p.closed_at"
    )
    assert [tuple(r) for r in rows] == [(first, 142, "BAG"), (second, 139, "BAG")]
    labels = f.store.read().execute(
        "SELECT order_id, COUNT(*) FROM print_jobs WHERE kind = 'waybill' GROUP BY order_id"
    )
    assert dict(labels.fetchall()) == {first: 1, second: 1}
