"""Short picks freeze only the units not found, open a count for the bin, say exactly what was
frozen, and a supervisor's count ("found N") releases the hold (issue 14 item 8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.domain.stock import FreezeStock, ReceiveStock
from edge.service.stock import freeze, receive
from edge.store.ledger import Actor
from tests.support import EAN13, Floor, snapshot

pytestmark = pytest.mark.usefixtures("ledger_verifies")  # verify after each scenario


def _short_one_of_two(floor: Floor) -> tuple[dict[str, str], dict[str, Any]]:
    """272 units of SKU-1 in A-01-01; an order for 2, one picked, the other reported short."""
    floor.store.writer.call(lambda tx: receive(tx, ReceiveStock("SKU-1", "A-01-01", 262), Actor()))
    sup = floor.login("B-SUP")
    resp = floor.client.post(
        "/api/v1/orders",
        json={"channel": "shop", "channel_order_id": "S-1", "lines": [{"sku": "SKU-1", "qty": 2}]},
        headers=sup,
    )
    assert resp.status_code == 201, resp.text
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01", EAN13):
        assert floor.scan(picker, raw).status_code == 200
    short = floor.scan(picker, "CMD:SHORT")
    assert short.status_code == 200, short.text
    return sup, short.json()


def _stock(floor: Floor, sup: dict[str, str]) -> tuple[int, int, int, int]:
    s = floor.client.get("/api/v1/stock/SKU-1", headers=sup).json()
    return s["on_hand"], s["frozen"], s["picked"], s["allocated"]


def test_a_short_pick_of_one_unit_freezes_that_unit_alone_and_says_so(floor: Floor) -> None:
    sup, short = _short_one_of_two(floor)

    assert _stock(floor, sup) == (270, 1, 1, 0)
    assert short["message"] == (
        "Short pick noted: 1 × SKU-1 missing at A-01-01. Frozen for a count: 1 × SKU-1 at A-01-01;"
        " the rest there stays free. The order is on hold for a supervisor."
    )
    assert (short["params"]["missing"], short["params"]["held"]) == (1, 1)


def test_a_short_pick_opens_a_count_task_holding_the_units_it_froze(floor: Floor) -> None:
    sup, _ = _short_one_of_two(floor)

    tasks = floor.client.get("/api/v1/count-tasks", headers=sup).json()

    assert [(t["location"], t["sku"], t["lot"], t["held"], t["status"]) for t in tasks] == [
        ("A-01-01", "SKU-1", "", 1, "open")
    ]


@pytest.mark.parametrize(
    ("found", "after", "moves"),
    [
        (1, (271, 0, 1, 0), [("count_release", 1, "frozen", "on_hand")]),
        (0, (270, 0, 1, 0), [("count_write_off", 1, "frozen", "adjusted")]),
    ],
)
def test_recording_the_count_releases_the_found_units_and_writes_off_the_rest(
    floor: Floor, found: int, after: tuple[int, ...], moves: list[tuple[Any, ...]]
) -> None:
    sup, _ = _short_one_of_two(floor)
    task = floor.client.get("/api/v1/count-tasks", headers=sup).json()[0]

    resp = floor.client.post(
        f"/api/v1/count-tasks/{task['id']}/result", json={"found": found}, headers=sup
    )

    assert resp.status_code == 200, resp.text
    assert resp.json()["message"] == (
        f"Count at A-01-01: {found} of the 1 × SKU-1 held were found and are back in stock;"
        f" {1 - found} written off."
    )
    assert _stock(floor, sup) == after
    rows = floor.store.read().execute(
        "SELECT type, qty, from_bucket, to_bucket FROM movements WHERE type LIKE 'count_%'"
        " AND type != 'count_hold' ORDER BY id"
    )
    assert [tuple(r) for r in rows] == moves
    outbox = floor.store.read().execute("SELECT type FROM outbox ORDER BY seq DESC LIMIT 1")
    assert outbox.fetchone()[0] == "count_recorded"
    assert floor.client.get("/api/v1/count-tasks", headers=sup).json() == []
    done = floor.client.get("/api/v1/count-tasks?status=done", headers=sup).json()
    assert [(t["found"], t["closed_by"] is not None) for t in done] == [(found, True)]


def test_a_count_above_the_hold_or_of_a_closed_task_is_refused_and_changes_nothing(
    floor: Floor,
) -> None:
    sup, _ = _short_one_of_two(floor)
    task_id = floor.client.get("/api/v1/count-tasks", headers=sup).json()[0]["id"]
    url = f"/api/v1/count-tasks/{task_id}/result"
    before = snapshot(floor.store)

    too_many = floor.client.post(url, json={"found": 2}, headers=sup)
    unknown = floor.client.post("/api/v1/count-tasks/999/result", json={"found": 0}, headers=sup)

    assert (too_many.status_code, too_many.json()["code"]) == (422, "count_out_of_range")
    assert too_many.json()["detail"] == (
        "Found 2 is not possible: 1 × SKU-1 are held for this count at A-01-01."
        " Count again and enter 0 to 1."
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert snapshot(floor.store) == before
    assert floor.client.post(url, json={"found": 1}, headers=sup).status_code == 200
    again = floor.client.post(url, json={"found": 1}, headers=sup)
    assert (again.status_code, again.json()["code"]) == (422, "count_task_done")


def test_a_count_task_from_before_the_fix_releases_the_bins_whole_frozen_stock(
    floor: Floor,
) -> None:
    """Tasks opened by the old short pick froze the bin's whole free stock (272 units seen) and
    did not record how many: their count releases the SKU's frozen balance in that bin."""
    floor.store.writer.call(
        lambda tx: freeze(tx, FreezeStock("SKU-1", "A-01-01", 10, "short_pick"), Actor())
    )
    floor.store.writer.call(
        lambda tx: tx.execute(
            "INSERT INTO count_tasks (location, sku, reason, created_at)"
            " VALUES ('A-01-01', 'SKU-1', 'short_pick', '2026-01-01T00:00:00Z')"
        )
    )
    sup = floor.login("B-SUP")
    task = floor.client.get("/api/v1/count-tasks", headers=sup).json()[0]

    resp = floor.client.post(
        f"/api/v1/count-tasks/{task['id']}/result", json={"found": 9}, headers=sup
    )

    assert task["held"] == 10
    assert resp.status_code == 200, resp.text
    assert _stock(floor, sup) == (9, 0, 0, 0)


def test_a_picker_may_not_record_a_count(floor: Floor) -> None:
    _short_one_of_two(floor)
    picker = floor.login("B-PICK")

    resp = floor.client.post("/api/v1/count-tasks/1/result", json={"found": 1}, headers=picker)

    assert (resp.status_code, resp.json()["code"]) == (403, "not_authorized")


def test_the_cli_lists_the_count_and_records_it(floor: Floor, tmp_path: Path) -> None:
    sup, _ = _short_one_of_two(floor)
    config = tmp_path / "edge.toml"
    config.write_text(f'[edge]\ndata_dir = "{tmp_path}"\n')
    runner = CliRunner()
    listed = runner.invoke(cli, ["stock", "counts", "--config", str(config), "--json"])
    task_id = json.loads(listed.stdout)[0]["id"]

    recorded = runner.invoke(
        cli, ["stock", "count-result", str(task_id), "--found", "1", "--config", str(config)]
    )
    refused = runner.invoke(
        cli, ["stock", "count-result", str(task_id), "--found", "1", "--config", str(config)]
    )

    assert recorded.exit_code == 0, recorded.output
    assert recorded.output.strip() == (
        "Count at A-01-01: 1 of the 1 × SKU-1 held were found and are back in stock; 0 written off."
    )
    assert (refused.exit_code, refused.output.split(":")[1].strip()) == (1, "count_task_done")
    assert _stock(floor, sup) == (271, 0, 1, 0)
