"""Scan-to-print (单品, 扫描即打单) at a bench on a phone-sized station screen (360×640, Debian's
Chromium through Playwright) of a real edge server: with no order open, the packer scans the
item; the bench opens the picked single-item order that wants it with the unit checked, the
packer picks the bag, types the weight and closes, and the waybill prints (decoded back from
the file printer's PDF)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.store import catalog
from tests.browser import (
    ANSWER_TIMEOUT_MS,
    HANDHELD,
    LAN_NAME,
    RECORD_TONES,
    STATION_SCREEN,
    Handheld,
    StationScreen,
    read_only,
)
from tests.printer_fake import FakeZebra
from tests.servers import EdgeServer, add_operators, seed, serve_edge, stopping, write_config
from tests.support import EAN13, PIN, Floor, picked_order, seed_floor
from tests.test_pack_browser import (
    barcodes_at_203_dpi,
    log_in_and_choose,
    order_status,
    shot,
    tap_and_wait,
    waybill_pdf,
)
from tests.test_pack_browser import edge as edge  # noqa: F401 (the fixtures: BENCH-1's edge)
from tests.test_pack_browser import floor as floor  # noqa: F401
from tests.test_zpl import printed_barcodes

pytestmark = pytest.mark.slow
PHONE = {"viewport": {"width": 360, "height": 640}, "has_touch": True}


@pytest.fixture
def screen(browser: Any) -> Iterator[StationScreen]:
    context = browser.new_context(**PHONE)
    context.add_init_script(RECORD_TONES)
    yield StationScreen(context.new_page())
    context.close()


def test_scanning_an_item_at_a_phone_sized_bench_opens_its_single_item_order_and_prints_its_waybill(
    edge: EdgeServer, floor: Floor, screen: StationScreen, tmp_path: Path
) -> None:
    order_id = picked_order(floor, [{"sku": "SKU-1", "qty": 1}])
    log_in_and_choose(screen, edge, "pack")

    screen.scan(EAN13)  # the item, not the tote
    screen.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)
    opened = (
        screen.attr("step", "data-step"),
        screen.text("order"),
        screen.attr("in-parcel", "data-units"),
    )
    shot(screen, "scan-to-print-360")
    screen.page.locator("[data-testid=package][data-code=BAG]").click()
    screen.by("weight-input").fill("140")  # the 120 g unit and the 20 g bag
    tap_and_wait(screen, "btn-close-parcel")
    closed = screen.feedback()
    screen.page.wait_for_selector(
        "[data-testid=print-state][data-status=done]", timeout=ANSWER_TIMEOUT_MS
    )
    tracking = screen.text("tracking-no")
    width = screen.page.evaluate("document.documentElement.scrollWidth")

    assert opened == ("package", "TB-1", "1")
    assert (closed["tone"], tracking in closed["detail"]) == ("good", True)
    assert sorted(barcodes_at_203_dpi(waybill_pdf(tmp_path / "printed"))) == sorted(
        [tracking, "TB-1"]
    )
    assert order_status(floor, order_id) == "packed"
    assert width <= 360  # nothing runs off a phone's screen sideways


# --- a single-item wave: picked on a cart, packed by scan-to-print at two benches at once ---

TWO_ZEBRAS_TOML = "".join(
    f"""
[[stations]]
name = "{bench}"
type = "pack_bench"

[[printers]]
name = "{bench.lower()}-zpl"
kind = "zpl-tcp"
station = "{bench}"
host = "127.0.0.1"
port = {{port{n}}}
"""
    for n, bench in enumerate(("BENCH-1", "BENCH-2"))
)


def wave_floor(tx: Any) -> None:
    """The seeded floor with SKU-1's bin in zone A, a cart and a second packer."""
    seed_floor(tx)
    catalog.upsert_location(tx, code="A-01-01", type="bin", zone="A", pick_seq=10)
    catalog.upsert_container(tx, code="CART-01", type="cart")
    add_operators(tx, ["B-PACK2"], role="packer")


@pytest.fixture
def wave_edge(tmp_path: Path) -> Iterator[tuple[EdgeServer, list[FakeZebra]]]:
    """`warehouse-edge serve` with waves on (so scan-to-print closes by the scan) and zone
    picking, BENCH-1 and BENCH-2 each printing to a Zebra of its own on 127.0.0.1."""
    seed(tmp_path / "edge.db", wave_floor)
    waves = {"enabled": True, "cutoffs": "Edge Post=23:59"}
    config = write_config(tmp_path, {"waves": waves, "picking": {"zones": True}})
    with FakeZebra() as one, FakeZebra() as two:
        lists = TWO_ZEBRAS_TOML.format(port0=one.port, port1=two.port)
        config.write_text(config.read_text() + lists)
        with stopping(serve_edge(config, tmp_path / "serve.log")) as server:
            yield server, [one, two]


def release_wave(floor: Floor, refs: list[str]) -> str:
    """Single-item orders of SKU-1 (one per ref), and their wave released by the supervisor."""
    sup = floor.login("B-SUP")
    for ref in refs:
        body = {"channel": "shop", "channel_order_id": ref, "lines": [{"sku": "SKU-1", "qty": 1}]}
        assert floor.client.post("/api/v1/orders", json=body, headers=sup).status_code == 201
    wave = floor.client.get("/api/v1/waves", headers=sup).json()["waves"][0]
    assert (wave["orders"], wave["single_item_orders"]) == (len(refs), len(refs))
    released = floor.client.post(f"/api/v1/waves/{wave['id']}/release", headers=sup)
    assert released.status_code == 200, released.text
    return str(wave["id"])


def bench_screen(browser: Any, edge: EdgeServer, bench: str, badge: str) -> StationScreen:
    """A bench's station screen with `badge` logged in on its pack task."""
    context = browser.new_context(**STATION_SCREEN)
    context.add_init_script(RECORD_TONES)
    screen = StationScreen(context.new_page())
    log_in_and_choose(screen, edge, "pack", bench=bench, badge=badge)
    return screen


def test_a_single_item_wave_picked_on_a_cart_is_packed_by_scanning_items_at_two_benches_at_once(
    wave_edge: tuple[EdgeServer, list[FakeZebra]], browser: Any
) -> None:
    edge, zebras = wave_edge
    refs = ["TB-1", "TB-2", "TB-3", "TB-4"]
    with httpx.Client(base_url=edge.url, timeout=30) as http:
        release_wave(Floor.enrol(None, http), refs)
    port = edge.url.rsplit(":", 1)[1]
    phone = browser.new_context(**HANDHELD)
    phone.add_init_script(RECORD_TONES)
    picker = Handheld(phone.new_page())
    picker.page.goto(f"http://{LAN_NAME}:{port}/ui/")
    picker.enrol("HH-CART", supervisor=("B-SUP", PIN))
    picker.log_in("B-PICK", PIN)
    picker.start_picking()

    zone = (picker.attr("pick-zone", "data-zone"), picker.text("pick-zone"))
    asked = [picker.view()]
    for code in ["CART-01", "A-01-01", *[EAN13] * len(refs)]:
        picker.scan(code)
        asked.append(picker.view())
    picked_width = picker.page.evaluate("document.documentElement.scrollWidth")
    benches = [
        bench_screen(browser, edge, "BENCH-1", "B-PACK"),
        bench_screen(browser, edge, "BENCH-2", "B-PACK2"),
    ]
    for _ in range(len(refs) // 2):  # both benches scan the same SKU at the same moment
        counts = [b.answers() for b in benches]
        for b in benches:
            b.page.keyboard.type(EAN13 + "\n")
        for b, n in zip(benches, counts, strict=True):
            b.wait_answers(n + 1)
    last = [b.feedback() for b in benches]
    zebras[0].wait_for(lambda: sum(len(z.jobs) for z in zebras) == len(refs), "a label an order")
    labels = [printed_barcodes(job.decode()) for z in zebras for job in z.jobs]
    statuses = read_only(edge.db_path, "SELECT channel_order_id, status FROM orders")
    tracking = read_only(edge.db_path, "SELECT tracking_no FROM parcels")
    for context in (phone, *(b.page.context for b in benches)):
        context.close()

    assert [a["step"] for a in asked] == [
        "tote",
        "location",
        "item",
        "item",
        "item",
        "item",
        "done",
    ]
    assert zone == ("A", "Zone A")  # a zone's cart list, the zone shown to the picker
    assert picked_width <= 360
    assert all(f["tone"] == "good" for f in last), last
    assert [len(z.jobs) for z in zebras] == [2, 2]  # each bench printed what it scanned
    assert sorted(order for _, order in labels) == refs  # one waybill per order, none twice
    assert sorted(number for number, _ in labels) == sorted(t for (t,) in tracking)
    assert dict(statuses) == dict.fromkeys(refs, "packed")
