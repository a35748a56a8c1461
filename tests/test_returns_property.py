"""Every returns path through the real store under random scan sequences (and central cancelling
the RMA at any point): the ledger verifies after each step, no order gets back more units than
it shipped, returns_in_transit holds exactly what is still announced, and a refused scan
changes nothing."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_sync.agent.appliers import apply_page
from edge.api.app import create_app
from edge.service.floor import FloorSettings
from edge.service.scans import ScanRequest, handle_scan
from edge.store.database import Store
from edge.store.operators import LoginSession, newest_open_session
from edge.store.verify import verify
from tests.returns_support import authorise, clerk, desk_settings, shipped_order
from tests.support import EAN13, GTIN, SKU2_EAN, Floor, snapshot
from tests.sync.feed import rma_cancelled

SHIPPED = {"SKU-1": 2, "SKU-2": 1}
ANNOUNCED = 1  # RMA-1: 1 × SKU-1


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A database with an order shipped (2 × SKU-1, 1 × SKU-2), RMA-1 announced for 1 × SKU-1
    and a returns clerk with a returns task open, to copy for each example."""
    where = tmp_path_factory.mktemp("returns-template")
    config = desk_settings(where)
    store = Store(config.db_path, edge_id=config.edge.id)
    with TestClient(create_app(config, store=store)) as client:
        floor = Floor.build(store, client)
        order_id = shipped_order(floor, SHIPPED)
        authorise(floor, "RMA-1", order_id, {"SKU-1": ANNOUNCED})
        clerk(floor)
    store.close()
    yield {
        "path": config.db_path,
        "edge_id": config.edge.id,
        "order_id": order_id,
        "device_id": floor.device_id,
    }


GRADES = ("CMD:RESELLABLE", "CMD:DAMAGED", "CMD:DESTROY")
# Each action is what a clerk does in a row (open a parcel, scan an item and grade it, close),
# or one stray scan, or central cancelling the RMA.
OPEN = [("RMA-1",), ("ORDER",), ("SF-NOWHERE", "ORDER"), ("SF-NOWHERE", "CMD:UNKNOWN")]
LOT_L9 = f"]C101{GTIN}10L9"  # SKU-1 of lot L9 (GS1-128): not a lot that shipped
GRADED = [(code, grade) for code in (EAN13, LOT_L9, SKU2_EAN) for grade in GRADES]
STRAY = [(raw,) for raw in (EAN13, "CMD:DONE", "CMD:CANCEL", "CMD:RESELLABLE", "RMA-1")]
ACTIONS = st.tuples(
    st.sampled_from(OPEN),
    st.lists(
        st.one_of(
            st.sampled_from(OPEN),
            st.sampled_from(GRADED),
            st.sampled_from(GRADED),
            st.sampled_from(STRAY),
            st.just(("CMD:DONE",)),
            st.just(("cancel RMA",)),
        ),
        max_size=12,
    ),
).map(lambda t: [t[0], *t[1]])


def copy_of(template: dict[str, Any]) -> Store:
    path = Path(tempfile.mkdtemp()) / "edge.db"
    shutil.copy(template["path"], path)
    return Store(path, edge_id=template["edge_id"])


def returned(store: Store, order_id: str) -> dict[str, int]:
    rows = store.read().execute(
        "SELECT sku, SUM(qty) FROM return_items WHERE order_id = ? AND wrong_item = 0 GROUP BY sku",
        (order_id,),
    )
    return {r[0]: r[1] for r in rows}


def in_transit(store: Store) -> int:
    row = (
        store.read()
        .execute("SELECT COALESCE(SUM(qty), 0) FROM balances WHERE bucket = 'returns_in_transit'")
        .fetchone()
    )
    return int(row[0])


def still_announced(store: Store) -> int:
    status, taken = (
        store.read()
        .execute(
            "SELECT status, (SELECT COALESCE(SUM(announced), 0) FROM return_items WHERE rma = 'RMA-1')"
            " FROM return_authorisations WHERE rma = 'RMA-1'"
        )
        .fetchone()
    )
    return 0 if status == "cancelled" else ANNOUNCED - int(taken)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(actions=ACTIONS)
def test_random_returns_keep_the_ledger_whole_and_never_take_back_more_than_shipped(
    template: dict[str, Any], actions: list[tuple[str, ...]]
) -> None:
    store = copy_of(template)
    order_id = template["order_id"]
    now = datetime.now(UTC)
    session = newest_open_session(store.read(), template["device_id"], now)
    assert isinstance(session, LoginSession)
    floor = FloorSettings()
    try:
        for n, action in enumerate(raw for group in actions for raw in group):
            before = snapshot(store)
            if action == "cancel RMA":
                page = [rma_cancelled(100 + n, "RMA-1", order_id)]
                store.writer.call(lambda tx, page=page: apply_page(tx, page, page[0]["cursor"]))
            else:
                raw = order_id if action == "ORDER" else action
                req = ScanRequest(uuid.uuid4().hex, raw, session)
                answer = store.writer.call(lambda tx, req=req: handle_scan(tx, req, floor))
                if answer.code:
                    assert snapshot(store) == before, (action, answer.code)
            assert verify(store.read()) == []
            back = returned(store, order_id)
            assert all(back.get(sku, 0) <= qty for sku, qty in SHIPPED.items()), back
            assert in_transit(store) == still_announced(store)
    finally:
        store.close()
