"""Expired stock through the real app on a Shanghai edge (issue 14 item 7): allocation skips
expired and short-dated lots on the warehouse's date, the pick refuses an expired unit, the
supervisor lists expired and soon-expiring stock (API and CLI) and quarantines it by a command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.cli.main import cli
from edge.config import load_settings
from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.verify import verify
from tests.support import Floor, snapshot

LOT_GTIN = "09506000134376"  # SKU-3 (lot-tracked) in these tests
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A day D a few days ahead (sessions opened at the writer's instant must still be valid now):
# 00:00 on D in Shanghai is 16:00 UTC the day before; from then on, the warehouse's date is D.
D = datetime.now(SHANGHAI).date() + timedelta(days=3)
MIDNIGHT_IN_SHANGHAI = datetime.combine(D, time(0), SHANGHAI).astimezone(UTC)


def day(n: int) -> str:
    """D + n days, as a lot's expiry is stored."""
    return (D + timedelta(days=n)).isoformat()


@pytest.fixture
def shanghai(tmp_path: Path) -> Iterator[tuple[Floor, Any]]:
    """A floor on an edge whose warehouse is in Shanghai, JD orders needing 30 days of shelf
    life; the writer's clock is the test's to set."""
    config = tmp_path / "edge.toml"
    config.write_text(
        f'[edge]\ntimezone = "Asia/Shanghai"\ndata_dir = "{tmp_path}"\n'
        '[stock]\nchannel_min_shelf_life_days = "jd=30"\nexpiring_soon_days = 15\n'
        "[auth]\npin_hash_cost = 10\n"
    )
    settings = load_settings(config, env={})
    store = Store(settings.db_path, edge_id=settings.edge.id)
    clock = {"now": MIDNIGHT_IN_SHANGHAI}
    store.writer._clock = lambda: clock["now"]  # the command's instant, as the writer gives it
    with TestClient(create_app(settings, store=store)) as client:
        yield Floor.build(store, client), (config, clock)
    assert verify(store.read()) == []
    store.close()


def lots(floor: Floor, *batches: tuple[str, str, int, str]) -> None:
    """SKU-3 with lots (lot, expiry, qty, bin)."""

    def add(tx: Any) -> None:
        catalog.upsert_product(
            tx, sku="SKU-3", name="Matcha 30g", lot_tracked=True, expiry_tracked=True
        )
        catalog.add_barcode(tx, code=LOT_GTIN, sku="SKU-3")
        for lot, expiry, qty, location in batches:
            catalog.upsert_lot(tx, sku="SKU-3", lot=lot, expiry=expiry)
            receive(tx, ReceiveStock("SKU-3", location, qty, lot=lot), Actor())

    floor.store.writer.call(add)


def release(floor: Floor, ref: str, qty: int, *, channel: str = "shop") -> dict[str, Any]:
    resp = floor.client.post(
        "/api/v1/orders",
        json={"channel": channel, "channel_order_id": ref, "lines": [{"sku": "SKU-3", "qty": qty}]},
        headers=floor.login("B-SUP"),
    )
    assert resp.status_code == 201, resp.text
    return floor.client.get(
        f"/api/v1/orders/{resp.json()['order_id']}", headers=floor.login("B-SUP")
    ).json()


def reserved(order: dict[str, Any]) -> list[tuple[str, int]]:
    return [(a["lot"], a["qty"]) for line in order["lines"] for a in line["allocations"]]


def test_a_lot_expiring_today_in_shanghai_is_not_allocated_from_midnight_there(
    shanghai: tuple[Floor, Any],
) -> None:
    floor, (_, clock) = shanghai
    lots(floor, ("L-TODAY", day(0), 5, "A-01-01"), ("L-LATER", day(200), 5, "B-02-01"))
    clock["now"] = MIDNIGHT_IN_SHANGHAI - timedelta(seconds=1)  # 23:59:59 on 31 May there
    before_midnight = release(floor, "TB-1", 2)
    clock["now"] = MIDNIGHT_IN_SHANGHAI  # 00:00 on 1 June there, 16:00 UTC on 31 May

    at_midnight = release(floor, "TB-2", 2)

    assert reserved(before_midnight) == [("L-TODAY", 2)]
    assert reserved(at_midnight) == [("L-LATER", 2)]


def test_an_order_only_expired_stock_could_fill_goes_on_hold_saying_why(
    shanghai: tuple[Floor, Any],
) -> None:
    floor, _ = shanghai
    lots(floor, ("L-OLD", day(-12), 5, "A-01-01"))

    held = release(floor, "TB-3", 1)

    assert (held["status"], held["hold_reason"]) == (
        "on_hold",
        "insufficient stock (SKU-3: need 1, 0 free (5 more expired or too short-dated))",
    )


@pytest.mark.parametrize(
    ("channel", "product_min", "lot"),
    [
        ("shop", 0, "L-20D"),
        ("jd", 0, "L-60D"),
        ("shop", 25, "L-60D"),
    ],
)
def test_a_lot_below_the_channels_or_products_minimum_shelf_life_is_passed_over(
    shanghai: tuple[Floor, Any], channel: str, product_min: int, lot: str
) -> None:
    floor, _ = shanghai
    lots(floor, ("L-20D", day(20), 5, "A-01-01"), ("L-60D", day(60), 5, "B-02-01"))
    floor.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE products SET min_shelf_life_days = ? WHERE sku = 'SKU-3'", (product_min,)
        )
    )

    order = release(floor, f"TB-{channel}-{product_min}", 2, channel=channel)

    assert reserved(order) == [(lot, 2)]


def test_a_scanned_unit_past_its_gs1_expiry_is_refused_at_the_pick_and_nothing_moves(
    shanghai: tuple[Floor, Any],
) -> None:
    floor, _ = shanghai
    lots(floor, ("L-NEW", day(200), 5, "A-01-01"))
    release(floor, "TB-4", 1)
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01"):
        assert floor.scan(picker, raw).status_code == 200
    before = snapshot(floor.store)

    resp = floor.scan(picker, f"]C101{LOT_GTIN}17{D:%y%m%d}")  # expires on D: today in Shanghai

    assert (resp.status_code, resp.json()["code"]) == (422, "expired_item")
    assert resp.json()["detail"].startswith(f"Do not pick this SKU-3: it expired on {D} ")
    assert resp.json()["parsed"]["expiry"] == day(0)
    assert snapshot(floor.store) == before


def _aged(floor: Floor, clock: dict[str, datetime]) -> dict[str, Any]:
    """L-OLD allocated to an order while good, then expired; L-SOON has 10 days left."""
    lots(
        floor,
        ("L-OLD", day(0), 4, "A-01-01"),
        ("L-SOON", day(10), 3, "A-01-02"),
        ("L-NEW", day(200), 5, "B-02-01"),
    )
    clock["now"] = MIDNIGHT_IN_SHANGHAI - timedelta(days=2)
    order = release(floor, "TB-5", 3)
    assert reserved(order) == [("L-OLD", 3)]
    clock["now"] = MIDNIGHT_IN_SHANGHAI
    return order


def test_the_supervisor_lists_expired_and_soon_expiring_stock_by_api_and_cli(
    shanghai: tuple[Floor, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    floor, (config, clock) = shanghai
    _aged(floor, clock)
    for module in ("edge.api.routes.holds", "edge.cli.stock_cmd"):  # "now" for the reads too
        monkeypatch.setattr(f"{module}.datetime", _AtMidnight)

    listing = floor.client.get("/api/v1/stock/expiring", headers=floor.login("B-SUP")).json()
    run = CliRunner().invoke(cli, ["stock", "expiring", "--config", str(config), "--json"])

    expected = {
        "today": day(0),
        "timezone": "Asia/Shanghai",
        "soon_days": 15,
        "expired": [("L-OLD", "A-01-01", "on_hand", 4, 3, 0)],
        "expiring_soon": [("L-SOON", "A-01-02", "on_hand", 3, 0, 10)],
    }
    assert run.exit_code == 3, run.output  # something has expired
    for found in (listing, json.loads(run.stdout)):
        for key in ("expired", "expiring_soon"):
            found[key] = [
                (r["lot"], r["location"], r["bucket"], r["qty"], r["allocated"], r["days_left"])
                for r in found[key]
            ]
        assert found == expected


class _AtMidnight(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return MIDNIGHT_IN_SHANGHAI.astimezone(tz)  # 00:00 on D in Shanghai


def test_quarantining_expired_stock_freezes_it_and_allocates_its_orders_again(
    shanghai: tuple[Floor, Any],
) -> None:
    floor, (_, clock) = shanghai
    order = _aged(floor, clock)
    sup = floor.login("B-SUP")

    resp = floor.client.post(
        "/api/v1/stock/expired/quarantine", json={"target": "Q-01"}, headers=sup
    )

    assert resp.status_code == 200, resp.text
    assert resp.json()["message"] == (
        f"Expired on or before {D}: 4 units (1 bin lots) moved to quarantine (frozen → Q-01)."
        " Orders allocated again: 1. Units left allocated on open pick lists (the picker is"
        " refused them): 0."
    )
    after = floor.client.get(f"/api/v1/orders/{order['id']}", headers=sup).json()
    assert (after["status"], reserved(after)) == ("released", [("L-SOON", 3)])
    frozen = floor.store.read().execute(
        "SELECT location, lot, qty FROM balances WHERE sku = 'SKU-3' AND bucket = 'frozen'"
    )
    assert [tuple(r) for r in frozen] == [("Q-01", "L-OLD", 4)]
    events = [
        r[0]
        for r in floor.store.read().execute("SELECT type FROM outbox ORDER BY seq DESC LIMIT 3")
    ]
    assert events == ["order_allocated", "stock_frozen", "order_deallocated"]


def test_the_quarantine_cli_freezes_expired_units_in_place(shanghai: tuple[Floor, Any]) -> None:
    floor, (config, clock) = shanghai
    lots(floor, ("L-OLD", "2020-01-31", 2, "A-01-01"))

    run = CliRunner().invoke(cli, ["stock", "quarantine-expired", "--config", str(config)])

    assert run.exit_code == 0, run.output
    assert "frozen      2 × SKU-3 lot L-OLD (expired 2020-01-31) at A-01-01 → A-01-01" in run.output
    stock = floor.client.get("/api/v1/stock/SKU-3", headers=floor.login("B-SUP")).json()
    assert (stock["on_hand"], stock["frozen"]) == (0, 2)


@pytest.mark.parametrize(
    ("channel", "prompt"), [("shop", "short_reallocated"), ("jd", "short_order_held")]
)
def test_a_short_pick_re_allocates_only_to_lots_with_the_lines_shelf_life(
    shanghai: tuple[Floor, Any], channel: str, prompt: str
) -> None:
    floor, _ = shanghai
    lots(floor, ("L-60D", day(60), 2, "A-01-01"))
    release(floor, f"TB-short-{channel}", 2, channel=channel)
    lots(floor, ("L-20D", day(20), 5, "B-02-01"))  # received after the order was allocated
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01"):
        assert floor.scan(picker, raw).status_code == 200

    short = floor.scan(picker, "CMD:SHORT")

    assert short.json()["prompt"] == prompt  # jd needs 30 days: L-20D is not offered


def test_quarantine_to_an_unknown_location_is_refused_and_changes_nothing(
    shanghai: tuple[Floor, Any],
) -> None:
    floor, _ = shanghai
    lots(floor, ("L-OLD", day(-1), 2, "A-01-01"))
    before = snapshot(floor.store)

    resp = floor.client.post(
        "/api/v1/stock/expired/quarantine", json={"target": "Q-99"}, headers=floor.login("B-SUP")
    )

    assert (resp.status_code, resp.json()["code"]) == (404, "unknown_location")
    assert snapshot(floor.store) == before
