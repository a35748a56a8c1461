"""Receiving, putaway and picking at 360×640 in a real browser (Debian's Chromium via Playwright)
on the demo: the demo's central announces ASN-DEMO-1 (docs/receiving.md, "In the demo"); a
picker receives it by keyboard-wedge scans and taps — the pallet whole by its SSCC, one over, one
short, one wrong lot and one expired, quarantining each stop (a picker may not accept, and nobody
may accept expired goods) — closes it, puts the rest away and then picks an order from the bin
it went to. The database is read only (read-only) to find the demo's codes and check the end."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime

import pytest

from tests.browser import (
    DemoEdge,
    Handheld,
    StationScreen,
    read_only,
    virtual_scanner,
)
from tests.servers import venv_script

pytestmark = pytest.mark.slow

ASN, PALLET = "ASN-DEMO-1", "069533050000000012"
PICKER, PIN = "P001", "1111"


def demo_asn(edge: DemoEdge) -> list[tuple[int, str, str, str, str]]:
    """(line_no, sku, lot, expiry, unit GTIN-14) of ASN-DEMO-1, once the feed brought it."""
    sql = (
        "SELECT l.line_no, l.sku, l.lot, l.expiry, (SELECT b.code FROM barcodes b"
        " WHERE b.sku = l.sku AND b.pack_qty = 1 AND length(b.code) = 14 ORDER BY b.code"
        " LIMIT 1) FROM asn_lines l WHERE l.asn_id = ? ORDER BY l.line_no"
    )
    for _ in range(120):
        rows = read_only(edge.db, sql, (ASN,))
        if len(rows) == 4:
            return [tuple(r) for r in rows]  # type: ignore[misc]
        time.sleep(0.5)
    raise AssertionError("the demo's central never announced ASN-DEMO-1 to the edge")


def gs1(gtin: str, expiry: str, lot: str) -> str:
    """A carton's GS1-128 as a scanner in HRI mode sends it: GTIN, expiry, then the lot."""
    return f"(01){gtin}(17){expiry[2:4]}{expiry[5:7]}{expiry[8:10]}(10){lot}"


def stop_shows(hh: Handheld, kind: str) -> list[str]:
    """Wait for the stop; what its red overlay says (each text shown), then dismiss it."""
    hh.page.wait_for_selector(f"[data-testid=stop][data-kind={kind}]", timeout=30_000)
    said = [hh.text("feedback-detail")]
    if hh.by("feedback-next").count():
        said.append(hh.text("feedback-next"))
    hh.by("feedback").click()  # the red overlay is dismissed with a tap
    return said


def choose(hh: Handheld, choice: str) -> None:
    answered = hh.answers()
    hh.by(f"btn-{choice}").click()
    hh.wait_answers(answered + 1)


def tap_task(hh: Handheld, tile: str, screen: str) -> None:
    hh.by("btn-tasks").click()
    hh.wait_screen("chooser")
    hh.by(tile).click()
    hh.wait_screen(screen)
    hh.by("step").wait_for(timeout=30_000)


def put_away(hh: Handheld, edge: DemoEdge, container: str) -> str:
    """Scan the container, then the suggested bin (or an empty one if none is suggested)."""
    hh.scan(container)
    suggested = hh.text("suggested")
    if suggested == "—":
        suggested = read_only(
            edge.db,
            "SELECT code FROM locations l WHERE type = 'bin' AND NOT EXISTS"
            " (SELECT 1 FROM balances b WHERE b.location = l.code AND b.qty > 0)"
            " ORDER BY pick_seq LIMIT 1",
        )[0][0]
    hh.scan(suggested)
    return str(suggested)


def test_a_picker_receives_the_demo_asn_quarantines_the_stops_puts_away_and_picks_from_it(
    edge: DemoEdge, handheld: Handheld
) -> None:
    (
        (_, a, lot_a, exp_a, gtin_a),
        (_, _b, lot_b, exp_b, gtin_b),
        (_, sku_c, lot_c, exp_c, gtin_c),
        (
            _,
            _d,
            lot_d,
            exp_d,
            gtin_d,
        ),
    ) = demo_asn(edge)
    hh = handheld
    hh.page.goto(edge.ui_url)
    hh.enrol("HH-DOCK")
    hh.log_in(PICKER, PIN)
    hh.by("btn-receive").click()
    hh.wait_screen("receive")

    hh.scan(f"(00){PALLET}")  # the pallet's SSCC: the ASN opens and line 1 comes in whole
    hh.scan(gs1(gtin_a, exp_a, lot_a))  # a 13th unit of line 1: over
    stop_shows(hh, "over")
    assert hh.by("btn-accept").is_disabled()
    choose(hh, "quarantine")
    hh.scan(f"(01){gtin_b}")  # line 2: GTIN, lot and expiry on separate barcodes
    hh.scan(f"(10){lot_b}")
    hh.scan(f"(17){exp_b[2:4]}{exp_b[5:7]}{exp_b[8:10]}")
    hh.scan(gs1(gtin_b, exp_b, lot_b))
    hh.scan(gs1(gtin_c, exp_c, "DEMO-C2"))  # line 3: another lot than announced
    wrong_lot = stop_shows(hh, "wrong_lot")
    choose(hh, "quarantine")
    hh.scan(gs1(gtin_d, exp_d, lot_d))  # line 4: expired five days ago
    stop_shows(hh, "expired")
    assert hh.by("btn-accept").is_disabled()
    choose(hh, "quarantine")
    lines = {
        hh.by("asn-line").nth(i).get_attribute("data-line"): hh.by("asn-line")
        .nth(i)
        .get_attribute("data-received")
        for i in range(4)
    }
    answered = hh.answers()
    hh.by("btn-done").click()  # asked first: it closes the delivery for good
    asked = hh.text("confirm-text")
    hh.by("confirm-yes").click()
    hh.wait_answers(answered + 1)

    assert lines == {"1": "13", "2": "2", "3": "1", "4": "1"}
    assert asked == (
        f"Close ASN {ASN}? 32 announced units have not come and are recorded short;"
        " the ASN cannot be received any more."
    )
    assert wrong_lot == [  # said once, not twice over
        f"Stop: {sku_c} lot DEMO-C2 is not the lot expected ({lot_c}). Choose: reject or quarantine."
    ]
    assert read_only(edge.db, "SELECT status FROM asns WHERE asn_id = ?", (ASN,)) == [("closed",)]
    found = read_only(
        edge.db,
        "SELECT kind, decision, qty FROM receipt_discrepancies WHERE asn_id = ? ORDER BY id",
        (ASN,),
    )
    assert found == [
        ("over", "quarantine", 1),
        ("wrong_lot", "quarantine", 1),
        ("expired", "quarantine", 1),
        ("short", "accept", 22),
        ("short", "accept", 5),
        ("short", "accept", 5),
    ]
    assert read_only(edge.db, "SELECT COUNT(*) FROM outbox WHERE type = 'asn_closed'") == [(1,)]

    tap_task(hh, "btn-putaway", "putaway")
    bin_a = put_away(hh, edge, PALLET)
    put_away(hh, edge, f"{ASN}-2")

    assert read_only(edge.db, "SELECT COUNT(*) FROM putaway_tasks WHERE status = 'open'") == [(0,)]
    order = edge.supervisor_get(
        "/api/v1/orders",
        method="POST",
        channel="shop",
        channel_order_id="DOCK-PICK-1",
        lines=[{"sku": a, "qty": 2, "lot": lot_a}],
        ship_to={
            "name": "王芳",
            "city": "上海市",
            "address": "世纪大道100号",
            "postcode": "200120",
        },
    )["order_id"]
    edge.supervisor_get(
        "/api/v1/pick-lists", method="POST", order_ids=[order], assignee_badge=PICKER
    )
    tote = read_only(
        edge.db,
        "SELECT code FROM containers c WHERE type = 'tote' AND NOT EXISTS (SELECT 1 FROM"
        " container_bindings b WHERE b.container = c.code AND b.closed_at IS NULL) ORDER BY code"
        " LIMIT 1",
    )[0][0]
    tap_task(hh, "btn-pick", "pick")
    hh.scan(tote)
    assert hh.text("location") == bin_a
    hh.scan(bin_a)
    hh.scan(gs1(gtin_a, exp_a, lot_a))
    hh.scan(gs1(gtin_a, exp_a, lot_a))

    picked = read_only(
        edge.db, "SELECT location, picked FROM pick_tasks WHERE order_id = ?", (order,)
    )
    assert picked == [(bin_a, 2)]
    today = datetime.now(UTC).date().isoformat()
    expired_in_bins = read_only(
        edge.db,
        "SELECT b.location, b.sku, b.lot FROM balances b JOIN locations l ON l.code = b.location"
        " JOIN lots t ON t.sku = b.sku AND t.lot = b.lot WHERE l.type = 'bin'"
        " AND b.bucket = 'on_hand' AND b.qty > 0 AND b.sku IN (?, ?, ?, ?) AND t.expiry <= ?",
        (a, _b, sku_c, _d, today),
    )
    assert expired_in_bins == []
    verify = subprocess.run(
        [venv_script("warehouse-edge"), "verify", "--db", str(edge.db)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_at_the_dock_station_the_fixed_scanner_receives_the_pallet_into_that_dock(
    edge: DemoEdge, station_screen: StationScreen
) -> None:
    demo_asn(edge)
    scanner = virtual_scanner(edge, "DOCK-1")
    dock = station_screen
    dock.open(edge, "DOCK-1")
    dock.wait_scanner("connected")
    dock.by("screen").click()
    dock.scan_with(scanner, PICKER)
    for digit in PIN:
        dock.by(f"pin-key-{digit}").click()
    dock.by("pin-ok").click()
    dock.wait_screen("chooser")
    dock.by("btn-receive").click()
    dock.wait_screen("receive")

    dock.scan_with(scanner, f"(00){PALLET}")

    assert dock.text("asn") == ASN
    assert dock.attr("asn-line", "data-received") == "12"
    assert read_only(
        edge.db,
        "SELECT location, container, SUM(qty) FROM balances WHERE container = ? GROUP BY 1, 2",
        (PALLET,),
    ) == [("DOCK-1", PALLET, 12)]
