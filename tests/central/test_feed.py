"""The change feed down to an edge (docs/sync.md, "Down"): pages by cursor, long-polls, and the
changes the catalogue writes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from tests.central.support import EdgeSide, product

Headers = dict[str, str]

# On PostgreSQL the requests take turns between two central instances on one database.
pytestmark = pytest.mark.two_instances


def put_product(client: TestClient, admin: Headers, sku: str, **extra: Any) -> Any:
    body = {k: v for k, v in product(sku, **extra).items() if k != "sku"}
    return client.put(f"/api/v1/products/{sku}", json=body, headers=admin)


def test_a_product_change_reaches_every_edge(
    client: TestClient, admin: Headers, make_edge: Any
) -> None:
    one, two = make_edge("edge-1"), make_edge("edge-2")
    barcodes = [{"code": "6901234567892", "pack_qty": 1}]

    put_product(client, admin, "TEA-0001", name="Longjing tea", barcodes=barcodes)

    expected = {
        "sku": "TEA-0001",
        "name": "Longjing tea",
        "name_zh": "",
        "weight_g": 100,
        "barcodes": barcodes,
    }
    for edge in (one, two):
        (change,) = edge.changes()["changes"]
        assert (change["type"], change["order_id"], change["data"]) == (
            "product_upserted",
            None,
            expected,
        )


def test_a_product_put_again_unchanged_writes_no_change(
    client: TestClient, admin: Headers, edge: EdgeSide
) -> None:
    put_product(client, admin, "TEA-0001")

    resp = put_product(client, admin, "TEA-0001")

    assert resp.json() == {"created": 0, "updated": 0, "unchanged": 1}
    assert len(edge.changes()["changes"]) == 1


def test_a_new_edge_starts_with_the_whole_catalogue(make_edge: Any, catalogue: list[str]) -> None:
    edge = make_edge("edge-9")

    changes = edge.changes()["changes"]

    assert [(c["type"], c["data"]["sku"]) for c in changes] == [
        ("product_upserted", sku) for sku in sorted(catalogue)
    ]


def test_pages_follow_the_cursor_and_next_is_the_last_cursor(
    central: Central, edge: EdgeSide
) -> None:
    central.upsert_products([(f"SKU-{i}", ProductIn(name=f"p{i}")) for i in range(5)])

    first = edge.changes(0, limit=2)
    second = edge.changes(first["next"], limit=2)
    third = edge.changes(second["next"], limit=2)
    empty = edge.changes(third["next"], limit=2)

    skus = [c["data"]["sku"] for page in (first, second, third) for c in page["changes"]]
    assert skus == [f"SKU-{i}" for i in range(5)]
    cursors = [c["cursor"] for page in (first, second, third) for c in page["changes"]]
    assert cursors == sorted(cursors) and len(set(cursors)) == 5
    assert (first["next"], second["next"], third["next"]) == (cursors[1], cursors[3], cursors[4])
    assert empty == {"changes": [], "next": third["next"]}


def test_a_cursor_beyond_the_last_change_answers_empty_with_the_same_cursor(edge: EdgeSide) -> None:
    assert edge.changes(10_000) == {"changes": [], "next": 10_000}


def test_an_edge_sees_only_its_own_changes(
    client: TestClient, admin: Headers, make_edge: Any
) -> None:
    one = make_edge("edge-1")
    put_product(client, admin, "TEA-0001")
    two = make_edge("edge-2")  # gets the catalogue as a change of its own

    mine, theirs = one.changes()["changes"], two.changes()["changes"]

    assert (len(mine), len(theirs)) == (1, 1)
    assert mine[0]["cursor"] < theirs[0]["cursor"]


def _long_poll(edge: EdgeSide, after: int, out: list[dict[str, Any]]) -> threading.Thread:
    """A long-poll on its own thread, returned once central holds it (nothing to send yet)."""
    thread = threading.Thread(target=lambda: out.append(edge.changes(after, wait=30)))
    thread.start()
    apps = getattr(edge.client, "apps", [edge.client.app])  # TwoInstances: either holds it

    def waiting() -> int:
        return sum(app.state.notifier.waiting for app in apps)

    deadline = time.monotonic() + 30
    while waiting() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert waiting() == 1, "the long-poll is not waiting"
    return thread


def test_a_long_poll_returns_when_a_change_is_written_in_this_process(
    client: TestClient, admin: Headers, edge: EdgeSide
) -> None:
    answers: list[dict[str, Any]] = []
    poll = _long_poll(edge, 0, answers)

    put_product(client, admin, "TEA-0001")

    poll.join(60)
    assert [c["data"]["sku"] for c in answers[0]["changes"]] == ["TEA-0001"]


def test_a_long_poll_sees_a_change_written_by_another_process(db_url: str, edge: EdgeSide) -> None:
    answers: list[dict[str, Any]] = []
    poll = _long_poll(edge, 0, answers)
    other = Central(db_url)  # its own connections, no notifier: like another central process

    other.upsert_products([("TEA-0002", ProductIn(name="Jasmine tea"))])

    other.close()
    poll.join(60)
    assert [c["data"]["sku"] for c in answers[0]["changes"]] == ["TEA-0002"]


def test_wait_zero_answers_at_once_when_there_is_nothing(edge: EdgeSide) -> None:
    assert edge.changes(0, wait=0) == {"changes": [], "next": 0}


def test_bad_paging_values_are_refused(edge: EdgeSide) -> None:
    url = f"/api/v1/edges/{edge.edge_id}/changes"
    answers = [
        edge.client.get(url, params=p, headers=edge.headers).status_code
        for p in ({"after": -1}, {"wait": 61}, {"limit": 0}, {"limit": 501}, {"after": "x"})
    ]

    assert answers == [400] * 5
