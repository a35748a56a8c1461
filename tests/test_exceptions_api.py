"""Exceptions a supervisor owns, through the API on a real SQLite file: a short pick is one with
its owner, age, action and link; acknowledging, assigning and resolving it are audited and queued
for the webhooks in the same transaction; the sweep opens an exception per overdue cause once and
closes it when the cause is gone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from edge.config import Settings, load_settings
from edge.service.exceptions import sweep_once
from edge.store.database import Store
from tests.support import Floor, scan_id


def short_pick(floor: Floor) -> tuple[dict[str, str], dict[str, Any]]:
    """A picker shorts 1 unit at A-01-01; the supervisor's headers and the exception."""
    sup = floor.login("B-SUP")
    resp = floor.client.post(
        "/api/v1/orders",
        json={
            "channel": "shop",
            "channel_order_id": scan_id(),
            "lines": [{"sku": "SKU-1", "qty": 1}],
        },
        headers=sup,
    )
    assert resp.status_code == 201, resp.text
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01", "CMD:SHORT"):
        assert floor.scan(picker, raw).status_code == 200, raw
    (exc,) = floor.client.get("/api/v1/exceptions", headers=sup).json()
    return sup, exc


def queued(store: Store, exception_id: int) -> list[tuple[str, str]]:
    rows = store.read().execute(
        "SELECT action, state FROM exception_events WHERE exception_id = ? ORDER BY id",
        (exception_id,),
    )
    return [tuple(r) for r in rows]


def test_a_short_pick_is_an_exception_with_its_owner_age_action_and_where_it_is_done(
    floor: Floor,
) -> None:
    _sup, exc = short_pick(floor)

    assert (exc["kind"], exc["state"], exc["owner"], exc["location"]) == (
        "short_pick",
        "open",
        "supervisor",
        "A-01-01",
    )
    assert exc["link"] == "/api/v1/count-tasks"
    assert exc["action"].startswith("Count the bin") and "盘点" in exc["action_zh"]
    assert 0 <= exc["age_s"] < 60
    assert queued(floor.store, exc["id"]) == [("opened", "open")]


def test_ack_assign_and_resolve_are_audited_and_each_queued_once_for_the_webhooks(
    floor: Floor,
) -> None:
    sup, exc = short_pick(floor)
    url = f"/api/v1/exceptions/{exc['id']}"
    picker_id = (
        floor.store.read().execute("SELECT id FROM operators WHERE badge = 'B-PICK'").fetchone()[0]
    )

    acked = floor.client.post(f"{url}/ack", json={}, headers=sup).json()
    again = floor.client.post(f"{url}/ack", json={}, headers=sup).json()
    assigned = floor.client.post(
        f"{url}/assign", json={"operator_id": picker_id, "note": "count it"}, headers=sup
    ).json()
    resolved = floor.client.post(
        f"{url}/resolve", json={"reason": "counted: 1 found"}, headers=sup
    ).json()

    assert (acked["state"], again["state"], assigned["state"]) == ("acked", "acked", "acked")
    assert assigned["owner"] != "supervisor" and assigned["assigned_to"] == picker_id
    assert (resolved["state"], resolved["resolve_reason"]) == ("resolved", "counted: 1 found")
    assert [(h["action"], h["note"]) for h in resolved["history"]] == [
        ("opened", ""),
        ("acked", ""),
        ("assigned", "count it"),
        ("resolved", "counted: 1 found"),
    ]
    assert {h["operator_id"] for h in resolved["history"][1:]} == {acked["acked_by"]}
    assert queued(floor.store, exc["id"]) == [
        ("opened", "open"),
        ("acked", "acked"),
        ("assigned", "acked"),
        ("resolved", "resolved"),
    ]
    active = floor.client.get("/api/v1/exceptions", headers=sup).json()
    done = floor.client.get("/api/v1/exceptions", params={"state": "resolved"}, headers=sup).json()
    assert (active, [e["id"] for e in done]) == ([], [exc["id"]])


def test_a_resolved_exception_takes_no_more_changes_and_nothing_is_queued(floor: Floor) -> None:
    sup, exc = short_pick(floor)
    url = f"/api/v1/exceptions/{exc['id']}"
    assert (
        floor.client.post(f"{url}/resolve", json={"reason": "ok"}, headers=sup).status_code == 200
    )

    for action, body in (("ack", {}), ("resolve", {"reason": "again"})):
        resp = floor.client.post(f"{url}/{action}", json=body, headers=sup)
        assert (resp.status_code, resp.json()["code"]) == (409, "exception_resolved")

    assert queued(floor.store, exc["id"]) == [("opened", "open"), ("resolved", "resolved")]


def test_resolving_needs_a_reason_and_assigning_a_known_operator(floor: Floor) -> None:
    sup, exc = short_pick(floor)
    url = f"/api/v1/exceptions/{exc['id']}"

    no_reason = floor.client.post(f"{url}/resolve", json={"reason": ""}, headers=sup)
    long_reason = floor.client.post(f"{url}/resolve", json={"reason": "x" * 201}, headers=sup)
    nobody = floor.client.post(f"{url}/assign", json={"operator_id": 999}, headers=sup)

    assert (no_reason.status_code, long_reason.status_code) == (400, 400)
    assert (nobody.status_code, nobody.json()["code"]) == (404, "not_found")
    assert queued(floor.store, exc["id"]) == [("opened", "open")]


def test_the_list_filters_by_state_kind_and_owner(floor: Floor) -> None:
    sup, exc = short_pick(floor)
    get = lambda **q: [  # noqa: E731
        e["id"] for e in floor.client.get("/api/v1/exceptions", params=q, headers=sup).json()
    ]

    assert get(kind="short_pick") == [exc["id"]]
    assert get(kind="print_attention") == []
    assert get(owner="supervisor") == [exc["id"]]
    assert get(owner="admin") == []
    assert get(state="acked") == []
    assert (
        floor.client.get("/api/v1/exceptions", params={"state": "x"}, headers=sup).status_code
        == 400
    )


def test_pickers_and_packers_cannot_see_or_change_exceptions(floor: Floor) -> None:
    _sup, exc = short_pick(floor)
    picker = floor.login("B-PICK")

    listed = floor.client.get("/api/v1/exceptions", headers=picker)
    resolved = floor.client.post(
        f"/api/v1/exceptions/{exc['id']}/resolve", json={"reason": "mine"}, headers=picker
    )

    assert (listed.status_code, resolved.status_code) == (403, 403)
    assert queued(floor.store, exc["id"]) == [("opened", "open")]


def _settings(settings: Settings, **notify: Any) -> Settings:
    overrides = {"edge.data_dir": settings.edge.data_dir, "report.schedule": ""}
    return load_settings(
        env={}, overrides=overrides | {f"notify.{k}": v for k, v in notify.items()}
    )


def _age_order(store: Store, order_id: str, minutes: int) -> None:
    """The order entered its state `minutes` ago (as if the sweep ran later)."""
    then = (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    store.writer.call(
        lambda tx: tx.execute(
            "UPDATE order_status_history SET at = ? WHERE order_id = ?", (then, order_id)
        )
    )


def test_an_order_stuck_past_its_states_threshold_opens_one_exception_that_closes_when_it_moves(
    floor: Floor, settings: Settings
) -> None:
    sup = floor.login("B-SUP")
    order = floor.client.post(
        "/api/v1/orders",
        json={
            "channel": "shop",
            "channel_order_id": "STUCK-1",
            "lines": [{"sku": "SKU-1", "qty": 1}],
        },
        headers=sup,
    ).json()
    rules = _settings(settings, stuck_minutes="released=30")
    sweep = lambda: floor.store.writer.call(lambda tx: sweep_once(tx, rules))  # noqa: E731

    early = sweep()
    _age_order(floor.store, order["order_id"], 31)
    first, second = sweep(), sweep()
    (stuck,) = floor.client.get(
        "/api/v1/exceptions", params={"kind": "order_stuck"}, headers=sup
    ).json()
    floor.client.post(
        f"/api/v1/orders/{order['order_id']}/cancel", json={"reason": "test"}, headers=sup
    )
    cleared = sweep()

    assert early == {"opened": [], "cleared": []}
    assert (first["opened"], second["opened"]) == ([stuck["id"]], [])
    assert stuck["link"] == f"/api/v1/orders/{order['order_id']}"
    assert json.loads(stuck["detail"])["status"] == "released"
    assert cleared == {"opened": [], "cleared": [stuck["id"]]}
    assert queued(floor.store, stuck["id"]) == [("opened", "open"), ("resolved", "resolved")]


def test_a_print_job_needing_attention_is_an_exception_until_it_prints(
    floor: Floor, settings: Settings
) -> None:
    job_id = floor.store.writer.call(
        lambda tx: (
            tx.execute(
                "INSERT INTO print_jobs (printer, station, kind, format, document, status, attempts,"
                " last_error, created_at, updated_at, needs_attention)"
                " VALUES ('bench1', 'BENCH-1', 'waybill', 'zpl', '{}', 'failed', 5, 'paper out', ?, ?, 1)",
                (tx.at, tx.at),
            ).lastrowid
        )
    )
    rules = _settings(settings)
    opened = floor.store.writer.call(lambda tx: sweep_once(tx, rules))
    floor.store.writer.call(
        lambda tx: tx.execute("UPDATE print_jobs SET status = 'done', needs_attention = 0")
    )
    closed = floor.store.writer.call(lambda tx: sweep_once(tx, rules))

    sup = floor.login("B-SUP")
    (exc,) = floor.client.get("/api/v1/exceptions", params={"state": "all"}, headers=sup).json()
    assert (exc["kind"], json.loads(exc["detail"])["job_id"], exc["state"]) == (
        "print_attention",
        job_id,
        "resolved",
    )
    assert (opened["opened"], closed["cleared"]) == ([exc["id"]], [exc["id"]])


def test_an_acknowledged_sync_exception_still_counts_in_the_sync_status_until_resolved(
    floor: Floor,
) -> None:
    from edge.store import sync_state

    change = {"cursor": 7, "type": "order_cancel", "order_id": "O-1", "data": {}}
    floor.store.writer.call(
        lambda tx: sync_state.record_sync_exception(tx, change, "unknown_order", "not here")
    )
    sup = floor.login("B-SUP")
    (exc,) = floor.client.get("/api/v1/exceptions", params={"kind": "sync"}, headers=sup).json()
    url = f"/api/v1/exceptions/{exc['id']}"

    floor.client.post(f"{url}/ack", json={}, headers=sup)
    acked = sync_state.open_sync_exceptions(floor.store.read())
    floor.client.post(f"{url}/resolve", json={"reason": "settled by hand"}, headers=sup)
    resolved = sync_state.open_sync_exceptions(floor.store.read())

    assert (exc["owner"], exc["link"]) == ("admin", "/api/v1/sync/status")
    assert (acked, resolved) == (1, 0)


def test_metrics_count_the_active_exceptions_by_kind(floor: Floor) -> None:
    sup, exc = short_pick(floor)

    before = floor.client.get("/metrics").text
    floor.client.post(f"/api/v1/exceptions/{exc['id']}/resolve", json={"reason": "ok"}, headers=sup)
    after = floor.client.get("/metrics").text

    assert 'edge_exceptions_active{kind="short_pick"} 1.0' in before
    assert "edge_exceptions_active{" not in after
    assert "edge_exception_pushes_pending " in after


def test_a_return_parcel_open_past_its_hours_is_an_exception_until_it_is_closed(
    floor: Floor, settings: Settings
) -> None:
    opened = (datetime.now(UTC) - timedelta(hours=25)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    floor.store.writer.call(
        lambda tx: tx.execute(
            "INSERT INTO return_parcels (id, scanned, matched_by, location, opened_at)"
            " VALUES ('P-1', 'RMA-1', 'rma', 'RETURNS', ?)",
            (opened,),
        )
    )
    rules = _settings(settings)  # returns.grade_within_hours = 24
    sweep = lambda: floor.store.writer.call(lambda tx: sweep_once(tx, rules))  # noqa: E731

    first = sweep()
    floor.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE return_parcels SET status = 'closed', closed_at = ?", (tx.at,)
        )
    )
    closed = sweep()

    sup = floor.login("B-SUP")
    (exc,) = floor.client.get("/api/v1/exceptions", params={"state": "all"}, headers=sup).json()
    assert (exc["kind"], json.loads(exc["detail"])["parcel_id"], exc["state"]) == (
        "returns_not_graded",
        "P-1",
        "resolved",
    )
    assert exc["link"] == "/api/v1/returns/exceptions"
    assert (first["opened"], closed["cleared"]) == ([exc["id"]], [exc["id"]])


def test_events_waiting_for_central_past_the_lag_threshold_are_one_exception_for_an_admin(
    floor: Floor, settings: Settings
) -> None:
    old = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    floor.store.writer.call(  # the floor's stock events, not yet taken by central, 20 min old
        lambda tx: tx.execute("UPDATE outbox SET occurred_at = ?", (old,))
    )
    standalone = _settings(settings)
    linked = load_settings(
        env={},
        overrides={
            "edge.data_dir": settings.edge.data_dir,
            "report.schedule": "",
            "central.url": "http://127.0.0.1:9",
            "central.token": "t",
        },
    )

    alone = floor.store.writer.call(lambda tx: sweep_once(tx, standalone))
    lagging, again = (floor.store.writer.call(lambda tx: sweep_once(tx, linked)) for _ in "12")
    floor.store.writer.call(lambda tx: tx.execute("UPDATE outbox SET delivered_at = ?", (tx.at,)))
    caught_up = floor.store.writer.call(lambda tx: sweep_once(tx, linked))

    assert alone == {"opened": [], "cleared": []}  # no central: nothing lags
    (exception_id,) = lagging["opened"]
    assert again == {"opened": [], "cleared": []}
    assert caught_up["cleared"] == [exception_id]
    sup = floor.login("B-SUP")
    (exc,) = floor.client.get("/api/v1/exceptions", params={"state": "all"}, headers=sup).json()
    assert (exc["kind"], exc["owner"]) == ("sync_lag", "admin")
