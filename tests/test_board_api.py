"""The supervisor's task board through the API on a real SQLite file: orders and pick lists as
cards in their columns with assignee, ship-by lateness, priority tags and why they are blocked;
filters; a reassignment and a reprioritisation, each audited; and every refusal (not a
supervisor, unknown card, unknown operator, not a picker, a stale move, a list being picked)
answered with its code and changing nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.config import Settings, load_settings
from edge.store.database import Store
from tests.support import EAN13, Floor, add_colleague, snapshot


def release(floor: Floor, sup: dict[str, str], ref: str, **extra: Any) -> str:
    body = {"channel": "shop", "channel_order_id": ref, "lines": [{"sku": "SKU-1", "qty": 1}]}
    resp = floor.client.post("/api/v1/orders", json=body | extra, headers=sup)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["order_id"])


def in_hours(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def board(floor: Floor, sup: dict[str, str], **query: str) -> dict[str, Any]:
    resp = floor.client.get("/api/v1/board", params=query, headers=sup)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def card(data: dict[str, Any], card_id: str) -> dict[str, Any]:
    return next(c for c in data["cards"] if c["id"] == card_id)


def board_state(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a refused move must leave untouched: the ledger and orders, the pick lists,
    the work sessions and the board's audit rows."""
    conn = store.read()
    tables = ("pick_lists", "pick_list_orders", "pick_tasks", "work_sessions", "board_moves")
    rows = {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1")] for t in tables}
    return snapshot(store) | rows


def test_orders_stand_in_their_columns_red_when_late_amber_when_near_and_blocked_with_why(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    late = release(floor, sup, "LATE-1", ship_by=in_hours(-1), priority=2)
    near = release(floor, sup, "NEAR-1", ship_by=in_hours(1))
    later = release(floor, sup, "OK-1", ship_by=in_hours(30))
    held = release(floor, sup, "HELD-1", lines=[{"sku": "SKU-2", "qty": 99}])

    data = board(floor, sup)

    shown = {c["order_id"]: c for c in data["cards"] if c["kind"] == "order"}
    assert {o: (c["column"], c["lateness"]) for o, c in shown.items()} == {
        late: ("todo", "late"),
        near: ("todo", "near"),
        later: ("todo", "ok"),
        held: ("on_hold", "none"),
    }
    assert shown[late]["priority_tag"] == "urgent" and shown[near]["priority_tag"] == "normal"
    assert shown[held]["blocked"][0]["reason"] == "hold" and shown[held]["blocked"][0]["detail"]
    said = shown[held]["blocked"][0]["text"]
    assert re.fullmatch(r"Not enough stock: SKU-2: need 99, \d+ free\. Receive or .*", said["en"])
    assert re.fullmatch(r"库存不足：SKU-2：需要 99 件，可用 \d+ 件。请收货.*", said["zh"])
    todo = [c["order_id"] for c in data["cards"] if c["column"] == "todo"]
    assert todo == [late, near, later]  # the late first, then the near one
    counts = {c["name"]: c["count"] for c in data["columns"]}
    assert counts == {
        "todo": 3,
        "picking": 0,
        "packing": 0,
        "shipped": 0,
        "after_sales": 0,
        "on_hold": 1,
    }
    assert [p["name"] for p in data["pickers"]] == ["Picker"]
    assert data["truncated"] is False


def test_a_supervisor_gives_an_order_to_a_picker_and_then_moves_its_list_to_another_audited(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    order_id = release(floor, sup, "R-1", ship_by=in_hours(3))
    picker = floor.login("B-PICK")
    second = add_colleague(floor, "B-PICK2", "picker")
    ids = {p["name"]: p["id"] for p in board(floor, sup)["pickers"]}
    first = card(board(floor, sup), f"order:{order_id}")

    given = floor.client.post(
        f"/api/v1/board/cards/order:{order_id}/assign",
        json={"operator_id": ids["Picker"], "rev": first["rev"]},
        headers=sup,
    )

    assert given.status_code == 200, given.text
    list_id = given.json()["list_id"]
    assert (given.json()["assignee"], given.json()["column"]) == (ids["Picker"], "todo")
    started = floor.start(picker, "pick").json()
    assert started["view"]["list_id"] == list_id  # the picker's next list is that one

    listed = card(board(floor, sup), f"list:{list_id}")
    moved = floor.client.post(
        f"/api/v1/board/cards/list:{list_id}/assign",
        json={"operator_id": ids["B-PICK2"], "rev": listed["rev"]},
        headers=sup,
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee"] == ids["B-PICK2"]
    assert floor.start(second, "pick").json()["view"]["list_id"] == list_id
    assert floor.scan(picker, "T-0001").json()["code"] == "no_work_session"  # taken from them
    history = floor.client.get(f"/api/v1/board/cards/list:{list_id}/moves", headers=sup).json()
    assert [(m["action"], m["before"], m["after"], m["operator_name"]) for m in history] == [
        ("assign", str(ids["Picker"]), str(ids["B-PICK2"]), "Supervisor")
    ]


def test_a_supervisor_reprioritises_an_order_and_its_tag_changes_audited(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    order_id = release(floor, sup, "P-1")
    before = card(board(floor, sup), f"order:{order_id}")

    resp = floor.client.post(
        f"/api/v1/board/cards/order:{order_id}/priority",
        json={"priority": 2, "rev": before["rev"]},
        headers=sup,
    )

    assert resp.status_code == 200, resp.text
    assert (resp.json()["priority"], resp.json()["priority_tag"]) == (2, "urgent")
    assert floor.client.get(f"/api/v1/orders/{order_id}", headers=sup).json()["priority"] == 2
    history = floor.client.get(f"/api/v1/board/cards/order:{order_id}/moves", headers=sup)
    assert [(m["action"], m["before"], m["after"]) for m in history.json()] == [
        ("priority", "0", "2")
    ]


def test_the_board_filters_by_person_channel_priority_and_lateness(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    late = release(floor, sup, "F-1", ship_by=in_hours(-2), channel="tmall", priority=1)
    other = release(floor, sup, "F-2", ship_by=in_hours(20), channel="jd")
    picker_id = board(floor, sup)["pickers"][0]["id"]
    rev = card(board(floor, sup), f"order:{other}")["rev"]
    assign = {"operator_id": picker_id, "rev": rev}
    url = f"/api/v1/board/cards/order:{other}/assign"
    assert floor.client.post(url, json=assign, headers=sup).status_code == 200

    def orders(**query: str) -> set[str]:
        return {c["order_id"] for c in board(floor, sup, **query)["cards"] if c["kind"] == "order"}

    assert orders(channel="tmall") == {late}
    assert orders(priority="high") == {late}
    assert orders(lateness="late") == {late}
    assert orders(person=str(picker_id)) == {other}
    assert orders(person="none") == {late}
    assert board(floor, sup)["channels"] == ["jd", "tmall"]


def test_a_board_answer_is_bounded_and_says_it_was_cut(tmp_path: Any) -> None:
    settings = load_settings(
        env={},
        overrides={
            "edge.data_dir": tmp_path,
            "auth.pin_hash_cost": 10,
            "report.schedule": "",
            "board.max_cards": 10,
        },
    )
    store = Store(settings.db_path)
    try:
        with TestClient(create_app(settings, store=store)) as client:
            floor = Floor.build(store, client)
            sup = floor.login("B-SUP")
            for n in range(12):
                release(floor, sup, f"B-{n}", lines=[{"sku": "SKU-2", "qty": 99}])
            data = board(floor, sup)
            only_lists = board(floor, sup, channel="no-such-channel")
    finally:
        store.close()

    assert (len(data["cards"]), data["truncated"]) == (10, True)
    # filtered to nothing, the answer still says the board held more than it read
    assert (only_lists["cards"], only_lists["truncated"]) == ([], True)


def refused(resp: Any, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == code


@pytest.fixture
def arranged(floor: Floor) -> tuple[Floor, dict[str, str], str, dict[str, Any]]:
    sup = floor.login("B-SUP")
    order_id = release(floor, sup, "X-1", ship_by=in_hours(2))
    return floor, sup, order_id, card(board(floor, sup), f"order:{order_id}")


def picker_id(floor: Floor, sup: dict[str, str]) -> int:
    return int(board(floor, sup)["pickers"][0]["id"])


def test_a_picker_may_not_move_cards(arranged: Any) -> None:
    floor, sup, order_id, shown = arranged
    picker = floor.login("B-PICK")
    before = board_state(floor.store)

    resp = floor.client.post(
        f"/api/v1/board/cards/order:{order_id}/assign",
        json={"operator_id": picker_id(floor, sup), "rev": shown["rev"]},
        headers=picker,
    )

    refused(resp, 403, "not_authorized")
    refused(floor.client.get("/api/v1/board", headers=picker), 403, "not_authorized")
    assert board_state(floor.store) == before


@pytest.mark.parametrize("card_id", ["order:NO-SUCH", "list:PL-NONE", "putback:1", "count:999"])
def test_an_unknown_card_is_not_found_and_nothing_changes(arranged: Any, card_id: str) -> None:
    floor, sup, _order_id, shown = arranged
    before = board_state(floor.store)

    resp = floor.client.post(
        f"/api/v1/board/cards/{card_id}/assign",
        json={"operator_id": picker_id(floor, sup), "rev": shown["rev"]},
        headers=sup,
    )

    refused(resp, 404, "not_found")
    assert board_state(floor.store) == before


def test_an_unknown_operator_is_not_found_and_nothing_changes(arranged: Any) -> None:
    floor, sup, order_id, shown = arranged
    before = board_state(floor.store)

    resp = floor.client.post(
        f"/api/v1/board/cards/order:{order_id}/assign",
        json={"operator_id": 98765, "rev": shown["rev"]},
        headers=sup,
    )

    refused(resp, 404, "not_found")
    assert "98765" in resp.json()["detail"]
    assert board_state(floor.store) == before


def test_a_card_goes_only_to_a_picker(arranged: Any) -> None:
    floor, sup, order_id, shown = arranged
    packer = floor.store.read().execute("SELECT id FROM operators WHERE badge = 'B-PACK'")
    before = board_state(floor.store)

    resp = floor.client.post(
        f"/api/v1/board/cards/order:{order_id}/assign",
        json={"operator_id": packer.fetchone()[0], "rev": shown["rev"]},
        headers=sup,
    )

    refused(resp, 422, "board_not_a_picker")
    assert board_state(floor.store) == before


def test_a_stale_move_is_refused_and_nothing_changes(arranged: Any) -> None:
    floor, sup, order_id, shown = arranged
    url = f"/api/v1/board/cards/order:{order_id}/priority"
    assert floor.client.post(url, json={"priority": 1, "rev": shown["rev"]}, headers=sup).is_success
    before = board_state(floor.store)

    again = floor.client.post(url, json={"priority": 2, "rev": shown["rev"]}, headers=sup)
    assign = floor.client.post(
        f"/api/v1/board/cards/order:{order_id}/assign",
        json={"operator_id": picker_id(floor, sup), "rev": shown["rev"]},
        headers=sup,
    )

    refused(again, 409, "board_card_stale")
    refused(assign, 409, "board_card_stale")
    assert board_state(floor.store) == before


def test_a_list_being_picked_stays_with_its_picker(arranged: Any) -> None:
    floor, sup, _order_id, _shown = arranged
    lines = [{"sku": "SKU-1", "qty": 1}, {"sku": "SKU-2", "qty": 1}]
    order_id = release(floor, sup, "X-2", lines=lines)
    body = {"order_ids": [order_id], "assignee_badge": "B-PICK"}
    assert floor.client.post("/api/v1/pick-lists", json=body, headers=sup).status_code == 201
    picker = floor.login("B-PICK")
    add_colleague(floor, "B-PICK2", "picker")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01", EAN13):  # one unit in the tote: picking has begun
        assert floor.scan(picker, raw).json()["ok"], raw
    ids = {p["name"]: p["id"] for p in board(floor, sup)["pickers"]}
    shown = card(board(floor, sup), f"order:{order_id}")
    before = board_state(floor.store)

    resp = floor.client.post(
        f"/api/v1/board/cards/order:{order_id}/assign",
        json={"operator_id": ids["B-PICK2"], "rev": shown["rev"]},
        headers=sup,
    )

    refused(resp, 409, "board_list_started")
    assert board_state(floor.store) == before


def test_settings_refuse_a_high_priority_above_urgent(tmp_path: Any) -> None:
    with pytest.raises(Exception, match="board.high_priority"):
        load_settings(
            env={},
            overrides={"edge.data_dir": tmp_path, "board.high_priority": 5},
        )


def settings_with(tmp_path: Any, **board_keys: Any) -> Settings:
    overrides = {"edge.data_dir": tmp_path} | {f"board.{k}": v for k, v in board_keys.items()}
    return load_settings(env={}, overrides=overrides)


def test_the_amber_threshold_is_configurable(tmp_path: Any) -> None:
    assert settings_with(tmp_path, near_minutes=30).board.near_minutes == 30


def test_a_replenishment_and_a_short_picks_count_are_cards_to_do(
    floor: Floor, tmp_path: Any
) -> None:
    from edge.domain.stock import ReceiveStock
    from edge.service.stock import receive
    from edge.store import catalog
    from edge.store.ledger import Actor
    from tests.test_replenishment import face, low_stock, sweep

    def stock_up(tx: Any) -> None:
        catalog.upsert_location(tx, code="R-09-01", type="bin", pick_seq=90)
        receive(tx, ReceiveStock("SKU-1", "R-09-01", 30), Actor())
        receive(tx, ReceiveStock("SKU-1", "B-02-01", 1), Actor())

    floor.store.writer.call(stock_up)
    face(floor, "SKU-1", "B-02-01", 12)  # 1 unit: at or below the minimum of 2
    sweep(floor, low_stock(tmp_path))
    sup = floor.login("B-SUP")
    release(floor, sup, "C-1", lines=[{"sku": "SKU-2", "qty": 1}])
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-02", "CMD:SHORT"):  # the rest frozen for a count
        assert floor.scan(picker, raw).status_code == 200, raw

    cards = {(c["kind"], c["column"], c["title"]) for c in board(floor, sup)["cards"]}

    assert ("replenish", "todo", "B-02-01") in cards
    assert ("count", "todo", "A-01-02") in cards
