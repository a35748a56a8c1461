"""Packing an order end to end at a bench, in a real browser (Debian's Chromium through
Playwright) on the station screen of BENCH-1 of a real edge server (`warehouse-edge serve` as a
subprocess), whose label printer is a file sink. The packer works only with the keyboard-wedge
scanner and taps; the order is released and picked through the HTTP API first, the outcome is
read from the API, the database file (read-only) and the printer's output folder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import (
    ANSWER_TIMEOUT_MS,
    LAN_NAME,
    RECORD_TONES,
    STATION_SCREEN,
    StationScreen,
    read_only,
)
from tests.servers import EdgeServer, seed, serve_edge, stopping, write_config
from tests.support import EAN13, PIN, SKU2_EAN, Floor, picked_order, seed_floor
from tests.test_labels import decode, rasterise

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
BENCH = "BENCH-1"
# servers.write_config writes [sections] only; the bench and its printer are lists of tables.
BENCH_TOML = """
[[stations]]
name = "BENCH-1"
type = "pack_bench"

[[printers]]
name = "bench-1-pdf"
kind = "file"
station = "BENCH-1"
path = "{printed}"
"""


# The bench's printer as a Zebra on 9100 (tests.printer_fake), for the print's own outcomes.
ZEBRA_BENCH_TOML = """
[[stations]]
name = "BENCH-1"
type = "pack_bench"

[[printers]]
name = "bench-1-zpl"
kind = "zpl-tcp"
station = "BENCH-1"
host = "127.0.0.1"
port = {port}
"""


@contextmanager
def bench_edge(
    data_dir: Path, *, bench_toml: str = "", sections: dict[str, dict[str, Any]] | None = None
) -> Iterator[EdgeServer]:
    """`warehouse-edge serve` on the seeded floor (tests.support.seed_floor), with the pack bench
    BENCH-1 and its file-sink printer writing to data_dir/printed (or `bench_toml`'s stations
    and printers); stopped on the way out."""
    seed(data_dir / "edge.db", seed_floor)
    (data_dir / "printed").mkdir()
    config = write_config(data_dir, sections)
    lists = bench_toml or BENCH_TOML.format(printed=data_dir / "printed")
    config.write_text(config.read_text() + lists)
    with stopping(serve_edge(config, data_dir / "serve.log")) as server:
        yield server


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[EdgeServer]:
    with bench_edge(tmp_path) as server:
        yield server


@pytest.fixture
def floor(edge: EdgeServer) -> Iterator[Floor]:
    """The floor worked through the API of the running edge."""
    with httpx.Client(base_url=edge.url, timeout=30) as http:
        yield Floor.enrol(None, http)


@pytest.fixture
def screen(browser: Any) -> Iterator[StationScreen]:
    context = browser.new_context(**STATION_SCREEN)
    context.add_init_script(RECORD_TONES)
    yield StationScreen(context.new_page())
    context.close()


def shot(screen: StationScreen, name: str) -> Path:
    return screen.screenshot(SCREENSHOTS / f"pack-{name}.png")


def log_in_and_choose(
    screen: StationScreen,
    edge: EdgeServer,
    task: str,
    *,
    bench: str = BENCH,
    badge: str = "B-PACK",
) -> None:
    """Open the bench's screen, scan the packer's badge with the wedge, tap the PIN, the task."""
    port = edge.url.rsplit(":", 1)[1]
    screen.open(f"http://{LAN_NAME}:{port}/ui/", bench, supervisor=("B-SUP", PIN))
    # A first touch, as a packer's: the page starts its audio on the first touch or key, which
    # takes long enough in a headless browser to split the first wedge scan typed after it.
    screen.by("screen").click()
    screen.page.keyboard.type(f"{badge}\n")
    screen.by("badge").filter(has_text=badge).wait_for(timeout=ANSWER_TIMEOUT_MS)
    for digit in PIN:
        screen.by(f"pin-key-{digit}").click()
    screen.by("pin-ok").click()
    screen.wait_screen("chooser")
    choose(screen, task)


def choose(screen: StationScreen, task: str) -> None:
    screen.by(f"btn-{task}").click()
    screen.wait_screen(task)


def choose_from_tasks(screen: StationScreen, task: str) -> None:
    screen.by("btn-tasks").click()
    screen.wait_screen("chooser")
    choose(screen, task)


def tap_and_wait(screen: StationScreen, testid: str) -> None:
    """Tap a button that asks the edge, and wait until its answer is on the screen."""
    answered = screen.answers()
    screen.by(testid).click()
    screen.wait_answers(answered + 1)


def lines(screen: StationScreen) -> list[tuple[str, str, str]]:
    """(SKU, checked, to pack) of each order line on the pack screen."""
    rows = screen.by("pack-line")
    keys = ("data-sku", "data-verified", "data-to-pack")
    return [tuple(rows.nth(i).get_attribute(k) or "" for k in keys) for i in range(rows.count())]


def refusal(screen: StationScreen) -> dict[str, Any]:
    return screen.refusal() | {"step": screen.attr("step", "data-step")}


def stock(edge: EdgeServer) -> list[tuple[Any, ...]]:
    """Balances and the movement count: what a refused scan or close must leave alone."""
    balances = read_only(
        edge.db_path,
        "SELECT sku, location, container, bucket, qty FROM balances ORDER BY 1, 2, 3, 4",
    )
    return [*balances, *read_only(edge.db_path, "SELECT COUNT(*) FROM movements")]


def screen_view(screen: StationScreen, edge: EdgeServer) -> dict[str, Any]:
    """The bench's pack task as the edge's API gives it, with the screen's own session."""
    token = screen.page.evaluate(
        f"JSON.parse(localStorage.getItem('wt.station.{BENCH}.session')).token"
    )
    answer = httpx.get(
        f"{edge.url}/api/v1/work-sessions/current",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return dict(answer.json()["view"])


def order_status(floor: Floor, order_id: str) -> str:
    answer = floor.client.get(f"/api/v1/orders/{order_id}", headers=floor.login("B-SUP"))
    answer.raise_for_status()
    return str(answer.json()["status"])


def waybill_pdf(folder: Path) -> Path:
    """The one PDF the bench's printer wrote (it prints after the commit: wait for it)."""
    deadline = time.monotonic() + ANSWER_TIMEOUT_MS / 1000
    while not (found := sorted(folder.glob("*.pdf"))) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(found) == 1, f"printed: {found}"
    return found[0]


def barcodes_at_203_dpi(pdf: Path) -> list[str]:
    import zxingcpp

    return [
        code.text
        for page in rasterise(pdf.read_bytes(), 203)
        for code in decode(page, zxingcpp.BarcodeFormat.Code128)
    ]


def test_a_packer_packs_an_order_at_the_bench_past_a_wrong_item_and_a_weight_stop_and_ships_it(
    edge: EdgeServer, floor: Floor, screen: StationScreen, tmp_path: Path
) -> None:
    order_id = picked_order(floor, [{"sku": "SKU-1", "qty": 2}])
    log_in_and_choose(screen, edge, "pack")

    screen.scan("T-0001")
    opened = (screen.attr("step", "data-step"), screen.text("order"), lines(screen))
    before = stock(edge)
    screen.scan(SKU2_EAN)  # Jasmine tea: not in this order
    wrong = refusal(screen)
    shot(screen, "wrong-item")
    wrong_after = (stock(edge), lines(screen), screen_view(screen, edge)["lines"][0]["verified"])
    screen.scan(EAN13)
    screen.scan(EAN13)
    checked = (screen.attr("step", "data-step"), screen.attr("in-parcel", "data-units"))
    screen.page.locator("[data-testid=package][data-code=S]").click()
    screen.by("weight-input").fill("200")  # a 120 g unit is missing: 240 g + the S box's 120 g
    shot(screen, "package")
    tap_and_wait(screen, "btn-close-parcel")
    stopped = refusal(screen)
    shot(screen, "weight-off")
    stopped_after = (stock(edge), order_status(floor, order_id))
    screen.by("feedback").click()
    screen.by("weight-input").fill("360")
    tap_and_wait(screen, "btn-close-parcel")
    closed = screen.feedback()
    screen.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)
    screen.page.wait_for_selector(
        "[data-testid=print-state][data-status=done]", timeout=ANSWER_TIMEOUT_MS
    )
    tracking = screen.text("tracking-no")
    shot(screen, "closed")
    parcel = screen.by("parcel-row")
    parcel_shown = (
        parcel.count(),
        parcel.first.get_attribute("data-tracking"),
        parcel.first.get_attribute("data-id"),
        screen.text("print-state"),
    )
    printed = barcodes_at_203_dpi(waybill_pdf(tmp_path / "printed"))
    packed = order_status(floor, order_id)

    choose_from_tasks(screen, "dispatch")
    screen.scan(tracking)
    screen.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)
    shot(screen, "dispatched")
    out = (
        screen.text("dispatched-count"),
        screen.attr("last-parcel", "data-tracking"),
        screen.attr("last-result", "data-tone"),
    )

    assert opened == ("verify", "TB-1", [("SKU-1", "0", "2")])  # the shop's order number
    assert wrong | {"detail": ""} == {
        "tone": "bad",
        "visible": True,
        "code": "pack_wrong_item",
        "detail": "",
        "step": "verify",
    }
    assert "SKU-2" in wrong["detail"] and "SKU-1" in wrong["detail"]
    assert wrong_after == (before, [("SKU-1", "0", "2")], 0)
    assert checked == ("package", "2")
    assert stopped | {"detail": ""} == {
        "tone": "bad",
        "visible": True,
        "code": "weight_off",
        "detail": "",
        "step": "package",
    }
    assert stopped["detail"].startswith(
        "The parcel is 160 g too light: no single item explains it;"
    )
    assert stopped_after == (before, "picked")  # checking items moves nothing; the stop neither
    assert (closed["tone"], tracking in closed["detail"]) == ("good", True)
    assert screen.tones().count("bad") == 2
    assert parcel_shown == (1, tracking, f"{order_id}-P1", "Waybill printed")
    assert sorted(printed) == sorted([tracking, "TB-1"])  # the tracking and the order number
    assert packed == "packed"
    assert out == ("1", tracking, "good")
    assert order_status(floor, order_id) == "shipped"


def test_the_shops_notes_show_on_the_pack_screen_while_the_items_are_checked(
    edge: EdgeServer, floor: Floor, screen: StationScreen
) -> None:
    picked_order(
        floor, [{"sku": "SKU-1", "qty": 1}], buyer_note="周末配送", seller_note="改为发顺丰"
    )
    log_in_and_choose(screen, edge, "pack")

    screen.scan("T-0001")
    screen.by("notes").wait_for(timeout=ANSWER_TIMEOUT_MS)
    shot(screen, "notes")

    assert screen.text("note-buyer").endswith("周末配送")
    assert screen.text("note-seller").endswith("改为发顺丰")


def test_an_order_in_two_parcels_closes_the_first_when_full_and_a_waybill_can_be_reprinted(
    edge: EdgeServer, floor: Floor, screen: StationScreen, tmp_path: Path
) -> None:
    order_id = picked_order(floor, [{"sku": "SKU-1", "qty": 2}, {"sku": "SKU-2", "qty": 1}])
    log_in_and_choose(screen, edge, "pack")
    for code in ("T-0001", EAN13, EAN13):
        screen.scan(code)

    tap_and_wait(screen, "btn-parcel-full")  # sends CMD:DONE, as the command barcode would
    full = (screen.attr("step", "data-step"), screen.attr("in-parcel", "data-units"))
    screen.page.locator("[data-testid=package][data-code=M]").click()
    screen.by("btn-pieces-plus").click()
    screen.by("weight-input").fill("460")  # 2 × 120 g + the M box's 220 g
    tap_and_wait(screen, "btn-close-parcel")
    second = (
        screen.attr("step", "data-step"),
        screen.attr("parcel-no", "data-parcel"),
        lines(screen),
    )
    screen.scan(SKU2_EAN)
    screen.page.locator("[data-testid=package][data-code=BAG]").click()
    second_pieces = screen.text("pieces")
    screen.by("weight-input").fill("90")  # 70 g + the bag's 20 g
    tap_and_wait(screen, "btn-close-parcel")
    rows = screen.by("parcel-row")
    rows.first.get_by_test_id("btn-reprint").click()
    screen.page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=print-state][data-status=done]').length >= 3",
        timeout=ANSWER_TIMEOUT_MS,
    )
    shot(screen, "two-parcels")
    shown = [
        (rows.nth(i).get_attribute("data-id"), rows.nth(i).get_attribute("data-tracking"))
        for i in range(rows.count())
    ]
    contents = read_only(
        edge.db_path,
        "SELECT p.id, p.piece_no, p.pieces, p.tracking_no, c.sku, c.qty FROM parcels p"
        " JOIN parcel_contents c ON c.parcel_id = p.id ORDER BY p.piece_no",
    )
    jobs = read_only(edge.db_path, "SELECT parcel_id, status FROM print_jobs ORDER BY id")

    assert full == ("package", "2")
    assert second == ("verify", "2", [("SKU-1", "0", "0"), ("SKU-2", "0", "1")])
    assert second_pieces == "2"  # the count chosen for the first parcel carries on
    assert [(pid, trk) for pid, _, _, trk, _, _ in contents] == shown
    assert [row[:3] + row[4:] for row in contents] == [
        (f"{order_id}-P1", 1, 2, "SKU-1", 2),
        (f"{order_id}-P2", 2, 2, "SKU-2", 1),
    ]
    assert jobs == [
        (f"{order_id}-P1", "done"),
        (f"{order_id}-P2", "done"),
        (f"{order_id}-P1", "done"),
    ]
    assert len(list((tmp_path / "printed").glob("*.pdf"))) == 3
    assert order_status(floor, order_id) == "packed"


def test_a_close_whose_answer_is_lost_is_sent_again_with_the_same_close_id_and_closes_once(
    edge: EdgeServer, floor: Floor, screen: StationScreen
) -> None:
    picked_order(floor, [{"sku": "SKU-1", "qty": 1}])
    sent: list[dict[str, Any]] = []

    def lose_the_first_answer(route: Any) -> None:
        sent.append(route.request.post_data_json)
        if len(sent) == 1:
            # The edge closes the parcel; its answer never reaches the screen. (Playwright's own
            # fetch does not know the LAN name: it goes to the address the name maps to.)
            route.fetch(url=route.request.url.replace(LAN_NAME, "127.0.0.1"))
            route.abort("connectionreset")
        else:
            route.continue_()

    screen.page.route("**/api/v1/pack/close", lose_the_first_answer)
    log_in_and_choose(screen, edge, "pack")
    for code in ("T-0001", EAN13):
        screen.scan(code)
    screen.page.locator("[data-testid=package][data-code=S]").click()
    screen.by("weight-input").fill("240")

    tap_and_wait(screen, "btn-close-parcel")

    closed = screen.feedback()
    tracking = screen.text("tracking-no")
    counts = [
        read_only(edge.db_path, f"SELECT COUNT(*) FROM {table}")[0][0]
        for table in ("tracking_numbers", "parcels", "print_jobs")
    ]
    assert len(sent) == 2 and sent[0] == sent[1]  # the same close_id, box, weight and pieces
    assert (closed["tone"], tracking in closed["detail"]) == ("good", True)
    assert counts == [1, 1, 1]
    assert read_only(edge.db_path, "SELECT tracking_no FROM parcels") == [(tracking,)]


def test_a_waybill_that_needs_attention_shows_on_the_bench_and_prints_once_the_printer_is_ready(
    screen: StationScreen, tmp_path: Path
) -> None:
    from tests.printer_fake import FakeZebra

    retry_fast = {"printing": {"max_attempts": 1, "fault_poll_s": 0.2}}
    with FakeZebra() as zebra:
        zebra.head_open = True
        bench = ZEBRA_BENCH_TOML.format(port=zebra.port)
        with (
            bench_edge(tmp_path, bench_toml=bench, sections=retry_fast) as edge,
            httpx.Client(base_url=edge.url, timeout=30) as http,
        ):
            picked_order(Floor.enrol(None, http), [{"sku": "SKU-1", "qty": 2}])
            log_in_and_choose(screen, edge, "pack")
            for code in ("T-0001", EAN13, EAN13):
                screen.scan(code)
            screen.page.locator("[data-testid=package][data-code=S]").click()
            screen.by("weight-input").fill("360")
            tap_and_wait(screen, "btn-close-parcel")
            screen.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)
            screen.page.wait_for_selector(
                "[data-testid=print-state][data-status=needs_attention]", timeout=ANSWER_TIMEOUT_MS
            )
            waiting = (screen.text("print-state"), list(zebra.jobs))
            shot(screen, "needs-attention")

            zebra.fix(head_open=False)

            screen.page.wait_for_selector(
                "[data-testid=print-state][data-status=done]", timeout=ANSWER_TIMEOUT_MS
            )
            printed = screen.text("print-state")

    assert waiting == (
        "Waybill waiting for the printer (head open): fix the printer and it prints by itself.",
        [],
    )
    assert (printed, len(zebra.jobs)) == ("Waybill printed", 1)
