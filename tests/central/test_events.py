"""The outbox contract at central (docs/sync.md, "Up"): each event at most once, in order, keyed
by (edge_id, epoch, seq); a duplicate acknowledged, a mismatch or gap refused, a malformed batch
refused whole."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from central_sync.server.central import Central
from tests.central.support import EdgeSide, move, snapshot

# On PostgreSQL the requests take turns between two central instances on one database.
pytestmark = pytest.mark.two_instances


def receipts(edge: EdgeSide, n: int) -> list[dict[str, Any]]:
    return [
        edge.event("receipt", move("TEA-0001", 1, "received", "A-01-01/on_hand")) for _ in range(n)
    ]


def test_events_in_order_are_applied_and_the_high_water_answered(edge: EdgeSide) -> None:
    events = receipts(edge, 3)

    resp = edge.post(events)

    assert resp.status_code == 200
    assert resp.json() == {"high_water": [{"epoch": 1, "seq": 3}], "applied": 3, "duplicates": 0}


def test_a_batch_sent_again_is_acknowledged_as_duplicates_and_applied_once(
    edge: EdgeSide, central: Central
) -> None:
    events = receipts(edge, 3)
    edge.post(events[:2])

    resp = edge.post(events)

    assert resp.json() == {"high_water": [{"epoch": 1, "seq": 3}], "applied": 1, "duplicates": 2}
    assert central.stock(sku="TEA-0001")[0]["on_hand"] == 3


def test_the_same_seq_with_another_event_id_is_a_mismatch_and_nothing_is_applied(
    edge: EdgeSide, central: Central
) -> None:
    events = receipts(edge, 2)
    edge.post(events[:1])
    impostor = copy.deepcopy(events[0]) | {"event_id": "not-the-first-one"}
    before = snapshot(central)

    resp = edge.post([impostor, events[1]])

    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert (body["code"], body["params"]) == (
        "event_mismatch",
        {"epoch": 1, "seq": 1, "event_id": "not-the-first-one", "stored": events[0]["event_id"]},
    )
    assert body["high_water"] == [{"epoch": 1, "seq": 1}]
    assert snapshot(central) == before


def test_an_event_id_stored_at_another_seq_is_refused(edge: EdgeSide, central: Central) -> None:
    events = receipts(edge, 2)
    edge.post(events[:1])
    reused = events[1] | {"event_id": events[0]["event_id"]}
    before = snapshot(central)

    resp = edge.post([reused])

    assert (resp.status_code, resp.json()["code"]) == (409, "event_id_reused")
    assert snapshot(central) == before


def test_a_seq_beyond_the_next_is_a_gap_naming_the_expected_seq(
    edge: EdgeSide, central: Central
) -> None:
    events = receipts(edge, 4)
    edge.post(events[:1])
    before = snapshot(central)

    resp = edge.post([events[1], events[3]])

    assert resp.status_code == 409
    body = resp.json()
    assert (body["code"], body["params"]) == ("sequence_gap", {"epoch": 1, "seq": 4, "expected": 3})
    assert "expects seq 3" in body["detail"]
    assert snapshot(central) == before


def _set(event: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(event)
    *parents, last = path.split(".")
    target = out
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return out


MALFORMED = [
    # (what, path to change in the second event, new value, the field named)
    ("event_id missing", "event_id", KeyError, "event_id"),
    ("seq as text", "seq", "2", "seq"),
    ("seq zero", "seq", 0, "seq"),
    ("epoch as bool", "epoch", True, "epoch"),
    ("another edge_id", "edge_id", "edge-2", "edge_id"),
    ("payload a list", "payload", [], "payload"),
    ("bad occurred_at", "occurred_at", "yesterday", "occurred_at"),
    ("movement qty negative", "payload.movements.0.qty", -1, "payload.movements[0].qty"),
    (
        "movement side short",
        "payload.movements.0.to",
        ["A-01-01", "on_hand"],
        "payload.movements[0].to",
    ),
    ("order event without order", "type", "order_picked", "order_id"),
    ("out of order", "seq", 1, "seq"),
    ("event_id repeated", "event_id", "first", "event_id"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_a_malformed_batch_is_refused_whole_naming_the_event_and_field(
    edge: EdgeSide, central: Central, path: str, value: Any, field: str
) -> None:
    first, second = receipts(edge, 2)
    first["event_id"] = "first"
    before = snapshot(central)

    resp = edge.post([first, _set(second, path, value)])

    assert resp.status_code == 422
    body = resp.json()
    assert (body["code"], body["params"]["index"], body["params"]["field"]) == (
        "invalid_batch",
        1,
        field,
    )
    assert snapshot(central) == before


def test_a_body_that_is_not_json_is_refused_before_the_batch_is_read(edge: EdgeSide) -> None:
    resp = edge.client.post(
        f"/api/v1/edges/{edge.edge_id}/events", content=b"{not json", headers=edge.headers
    )

    # the guard in front of every route (kernel/json_body.py) refuses it, as it refuses NaN
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert "not well-formed JSON" in resp.json()["messages"]["en"]


def test_a_new_epoch_starts_at_seq_1_after_the_old_epochs_remaining_events(edge: EdgeSide) -> None:
    old = receipts(edge, 3)
    edge.post(old[:2])
    edge.epoch, edge.seq = 2, 0
    new = receipts(edge, 2)

    resp = edge.post([old[2], *new])

    assert resp.json() == {
        "high_water": [{"epoch": 1, "seq": 3}, {"epoch": 2, "seq": 2}],
        "applied": 3,
        "duplicates": 0,
    }


def test_a_new_epoch_not_starting_at_1_is_a_gap(edge: EdgeSide) -> None:
    edge.post(receipts(edge, 1))
    edge.epoch, edge.seq = 2, 4

    resp = edge.post(receipts(edge, 1))

    assert resp.json()["params"] == {"epoch": 2, "seq": 5, "expected": 1}


def test_high_water_lists_every_epoch_held(edge: EdgeSide) -> None:
    edge.post(receipts(edge, 2))
    edge.epoch, edge.seq = 7, 0
    edge.post(receipts(edge, 1))

    resp = edge.client.get(f"/api/v1/edges/{edge.edge_id}/events/high-water", headers=edge.headers)

    assert resp.json() == {"high_water": [{"epoch": 1, "seq": 2}, {"epoch": 7, "seq": 1}]}


def test_high_water_of_an_edge_that_sent_nothing_is_empty(edge: EdgeSide) -> None:
    resp = edge.client.get(f"/api/v1/edges/{edge.edge_id}/events/high-water", headers=edge.headers)

    assert resp.json() == {"high_water": []}


def test_an_empty_batch_answers_the_high_water(edge: EdgeSide) -> None:
    edge.post(receipts(edge, 1))

    resp = edge.post([])

    assert resp.json() == {"high_water": [{"epoch": 1, "seq": 1}], "applied": 0, "duplicates": 0}


def test_every_event_is_kept_whole_for_audit(edge: EdgeSide, central: Central) -> None:
    event = edge.event("count_recorded", location="A-01-01", counted=5)

    edge.post([event])

    with central.read() as tx:
        row = tx.one("SELECT type, payload FROM events WHERE event_id = ?", (event["event_id"],))
    assert row is not None
    assert (row["type"], row["payload"]) == (
        "count_recorded",
        '{"location":"A-01-01","counted":5,"movements":[],"operator_id":1}',
    )


def test_an_edge_takes_back_its_own_events_of_an_epoch_after_a_seq_in_order(
    edge: EdgeSide,
) -> None:
    sent = [
        edge.event("receipt", move("TEA-0001", n, "received", "A-01-01/on_hand")) for n in (1, 2, 3)
    ]
    assert edge.post(sent).status_code == 200

    back = edge.client.get(
        f"/api/v1/edges/{edge.edge_id}/events",
        params={"epoch": 1, "after": 1},
        headers=edge.headers,
    ).json()["events"]

    assert [(e["seq"], e["event_id"], e["payload"]) for e in back] == [
        (s["seq"], s["event_id"], s["payload"]) for s in sent[1:]
    ]


def test_another_edges_events_are_not_given_back(
    edge: EdgeSide, make_edge: Callable[[str], EdgeSide]
) -> None:
    other = make_edge("edge-2")
    edge.receive("TEA-0001", 1)

    resp = other.client.get(
        f"/api/v1/edges/{edge.edge_id}/events", params={"epoch": 1}, headers=other.headers
    )

    assert (resp.status_code, resp.json()["code"]) == (403, "wrong_edge")


def test_a_restore_that_closed_a_gap_is_an_exception_for_a_person_once(
    edge: EdgeSide, central: Central
) -> None:
    report = {
        "backup": "edge-20261125.db",
        "epoch": 2,
        "reapplied": 20,
        "gap": [{"epoch": 1, "from_seq": 1397, "to_seq": 1416}],
        "orders_held": ["shop:1", "shop:2"],
    }
    path = f"/api/v1/edges/{edge.edge_id}/restores"

    first = edge.client.post(path, json=report, headers=edge.headers).json()
    again = edge.client.post(path, json=report, headers=edge.headers).json()
    nothing = edge.client.post(path, json=report | {"gap": []}, headers=edge.headers).json()

    assert (first, again, nothing) == (
        {"exception": True},
        {"exception": False},
        {"exception": False},
    )
    (exc,) = central.exceptions()
    assert (exc["kind"], exc["edge_id"]) == ("restore_gap", "edge-1")
    assert "epoch 1 seq 1397-1416" in exc["detail"] and "shop:1, shop:2" in exc["detail"]


def test_a_malformed_restore_report_is_refused(edge: EdgeSide) -> None:
    resp = edge.client.post(
        f"/api/v1/edges/{edge.edge_id}/restores", json={"epoch": 0}, headers=edge.headers
    )

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")


def test_a_stream_that_parts_from_central_s_is_one_exception_for_a_person(
    edge: EdgeSide, central: Central
) -> None:
    events = receipts(edge, 1)
    edge.post(events)
    impostor = copy.deepcopy(events[0]) | {"event_id": "from-a-copied-back-file"}

    edge.post([impostor])
    edge.post([impostor])

    (exc,) = central.exceptions()
    assert (exc["kind"], exc["edge_id"]) == ("out_of_step", "edge-1")
    assert "event_mismatch" in exc["detail"] and "warehouse-edge restore" in exc["detail"]
