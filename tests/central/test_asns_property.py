"""An ASN's life at central against a model, whatever the interleaving of creates (the same or
other contents), cancels, the edge's closes and batches delivered again, on both stores.

After every step: each ASN's status is the model's (open → cancelled or closed; cancelled →
closed when the dock received it anyway; closed is final); its warehouse's feed holds exactly one
`asn_upserted` per ASN made and one `asn_cancelled` per cancel that took; the lines' results and
the discrepancies are those of the first close; a refusal changes nothing."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.central.support import EdgeSide, product

NUMBERS = itertools.count(1)  # every example has ASN numbers of its own
KEYS = (0, 1, 2)

step_st = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(KEYS), st.integers(1, 2)),
    st.tuples(st.just("cancel"), st.sampled_from(KEYS)),
    st.tuples(st.just("close"), st.sampled_from(KEYS), st.integers(0, 3)),
    st.tuples(st.just("again")),
)


def body(asn_id: str, variant: int) -> dict[str, Any]:
    return {
        "asn_id": asn_id,
        "warehouse": "edge-1",
        "supplier": f"Supplier {variant}",
        "lines": [{"sku": "TEA-0001", "qty": 10 * variant}],
    }


def report(asn_id: str, short: int) -> dict[str, Any]:
    line = {"line_no": 1, "sku": "TEA-0001", "expected": 10, "received": 10 - short,
            "accepted": 10 - short, "quarantined": 0, "rejected": 0}  # fmt: skip
    found = [{"kind": "short", "sku": "TEA-0001", "lot": None, "qty": short,
              "decision": "accept", "operator": "Li"}] if short else []  # fmt: skip
    return {"asn_id": asn_id, "closed_at": "2026-12-04T10:00:00Z", "lines": [line],
            "discrepancies": found}  # fmt: skip


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step_st, min_size=1, max_size=12))
def test_an_asn_s_status_and_feed_follow_the_model_whatever_the_interleaving(
    client: TestClient,
    admin: dict[str, str],
    edge: EdgeSide,
    steps: list[tuple[Any, ...]],
) -> None:
    client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
    run = next(NUMBERS)
    ids = {k: f"P{run}-{k}" for k in KEYS}
    status: dict[int, str] = {}
    variant: dict[int, int | None] = {}
    first_close: dict[int, int] = {}  # key: units short in the close that took
    made = cancels = 0
    last: list[dict[str, Any]] = []
    for step in steps:
        kind, key = step[0], (step[1] if len(step) > 1 else None)
        if kind == "create":
            assert key is not None
            resp = client.post("/api/v1/asns", json=body(ids[key], step[2]), headers=admin)
            if key not in status:
                assert resp.status_code == 201, resp.text
                status[key], variant[key] = "open", step[2]
                made += 1
            elif variant[key] == step[2]:  # the same again, whatever its status: unchanged
                assert (resp.status_code, resp.json()["created"]) == (200, False), resp.text
            else:
                assert (resp.status_code, resp.json()["code"]) == (409, "asn_exists"), resp.text
        elif kind == "cancel":
            assert key is not None
            resp = client.post(f"/api/v1/asns/{ids[key]}/cancel", json={}, headers=admin)
            expected = {None: 404, "open": 200, "cancelled": 200, "closed": 409}
            assert resp.status_code == expected[status.get(key)], resp.text
            if status.get(key) == "open":
                status[key] = "cancelled"
                cancels += 1
        elif kind == "close":
            assert key is not None
            last = [edge.event("asn_closed", **report(ids[key], step[2]))]
            assert edge.post(last).status_code == 200
            if status.get(key) != "closed":
                if key not in status:
                    variant[key] = None  # learnt from the close: no supplier, never the same
                status[key] = "closed"
                first_close[key] = step[2]
        elif last:
            assert edge.post(last).json()["duplicates"] == 1

        listed = {
            a["asn_id"]: a
            for a in client.get("/api/v1/asns", params={"limit": 500}, headers=admin).json()["asns"]
        }
        assert {k: listed[ids[k]]["status"] for k in status} == status
        sent = [
            c
            for c in edge.changes(limit=500)["changes"]
            if c["data"].get("asn_id", "").startswith(f"P{run}-")
        ]
        assert sum(c["type"] == "asn_upserted" for c in sent) == made
        assert sum(c["type"] == "asn_cancelled" for c in sent) == cancels
        for k, short in first_close.items():
            got = listed[ids[k]]
            assert got["lines"][0]["received"] == 10 - short
            assert [d["qty"] for d in got["discrepancies"]] == ([short] if short else [])
