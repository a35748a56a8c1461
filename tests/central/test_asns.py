"""Advance shipping notices at central, on SQLite and PostgreSQL: created by API and CSV, read,
cancelled, sent to their warehouse's edge through the change feed; closed once by the edge's
`asn_closed`, whatever the redelivery. Every refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from edge.domain.gtin import check_digit
from tests.central.support import EdgeSide, product, snapshot

PALLET = "376130321109103420"


def sscc(serial: int) -> str:
    body = f"3761303211{serial:07d}"
    return body + check_digit(body)


@pytest.fixture
def catalogue(client: TestClient, admin: dict[str, str], edge: EdgeSide) -> EdgeSide:
    """Central knows edge-1 and the teas the supplier sends."""
    products = [product(s) for s in ("TEA-0001", "TEA-0002", "TEA-0003")]
    resp = client.post("/api/v1/products", json={"products": products}, headers=admin)
    assert resp.status_code == 200, resp.text
    return edge


def asn(asn_id: str = "ASN-1", **extra: Any) -> dict[str, Any]:
    return {
        "asn_id": asn_id,
        "warehouse": "edge-1",
        "supplier": "Fujian Tea Co.",
        "expected_date": "2026-12-04",
        "lines": [
            {"sku": "TEA-0001", "qty": 24, "lot": "L2611", "expiry": "2027-11-30"},
            {"sku": "TEA-0002", "qty": 12},
        ],
        "containers": [
            {
                "sscc": PALLET,
                "kind": "pallet",
                "contents": [
                    {"sku": "TEA-0001", "qty": 24, "lot": "L2611", "expiry": "2027-11-30"}
                ],
            }
        ],
    } | extra


def asn_changes(edge: EdgeSide, after: int = 0) -> list[tuple[str, dict[str, Any]]]:
    found = edge.changes(after, limit=500)["changes"]
    return [(c["type"], c["data"]) for c in found if c["type"].startswith("asn_")]


def test_an_asn_made_by_the_api_is_read_back_and_sent_to_its_warehouse_once(
    client: TestClient, admin: dict[str, str], catalogue: EdgeSide
) -> None:
    resp = client.post("/api/v1/asns", json=asn(), headers=admin)

    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert (made["created"], made["status"], made["source"]) == (True, "open", "api")
    assert [(ln["line_no"], ln["sku"], ln["qty"], ln["lot"]) for ln in made["lines"]] == [
        (1, "TEA-0001", 24, "L2611"),
        (2, "TEA-0002", 12, None),
    ]
    assert made["containers"][0]["sscc"] == PALLET
    assert client.get("/api/v1/asns/ASN-1", headers=admin).json()["supplier"] == "Fujian Tea Co."
    listed = client.get("/api/v1/asns", params={"status": "open"}, headers=admin).json()["asns"]
    assert [a["asn_id"] for a in listed] == ["ASN-1"]
    sent = asn_changes(catalogue)
    assert sent == [
        (
            "asn_upserted",
            {
                "asn_id": "ASN-1",
                "supplier": "Fujian Tea Co.",
                "expected_date": "2026-12-04",
                "lines": [
                    {"line_no": 1, "sku": "TEA-0001", "qty": 24, "lot": "L2611",
                     "expiry": "2027-11-30"},
                    {"line_no": 2, "sku": "TEA-0002", "qty": 12, "lot": None, "expiry": None},
                ],
                "containers": [
                    {"sscc": PALLET, "kind": "pallet", "contents": [
                        {"sku": "TEA-0001", "qty": 24, "lot": "L2611", "expiry": "2027-11-30"}
                    ]}
                ],
            },
        )
    ]  # fmt: skip

    again = client.post("/api/v1/asns", json=asn(), headers=admin)

    assert (again.status_code, again.json()["created"]) == (200, False)
    assert len(asn_changes(catalogue)) == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"warehouse": "edge-9"}, 422, "asn_unknown_warehouse", "edge-9"),
        ({"warehouse": None}, 400, "invalid_request", "warehouse"),
        ({"lines": [{"sku": "TEA-9999", "qty": 1}], "containers": []}, 422, "asn_unknown_sku",
         "Line 1 of ASN ASN-1: SKU TEA-9999"),
        ({"lines": [{"sku": "TEA-0001", "qty": 0}]}, 400, "invalid_request", "lines.0.qty"),
        ({"lines": [{"sku": "TEA-0001", "qty": "3"}]}, 400, "invalid_request", "lines.0.qty"),
        ({"expected_date": "4 Dec"}, 400, "invalid_request", "expected_date"),
        ({"lines": []}, 400, "invalid_request", "lines"),
        (
            {"containers": [{"sscc": PALLET[:-1] + "1", "contents": [{"sku": "TEA-0001", "qty": 1}]}]},
            400, "invalid_request", "containers.0.sscc",
        ),
        (
            {"containers": [{"sscc": PALLET, "contents": [{"sku": "TEA-0003", "qty": 1}]}]},
            400, "invalid_request", "TEA-0003 is on none of the lines",
        ),
        (
            {"containers": [{"sscc": PALLET, "contents": [{"sku": "TEA-0001", "qty": 1}]}] * 2},
            400, "invalid_request", "appears twice",
        ),
        ({"asn_id": "ASN 1"}, 400, "invalid_request", "asn_id"),
        ({"lines": [{"sku": "TEA-0001", "qty": 1, "lot": "L\x001"}]}, 400, "invalid_request",
         "lines.0.lot"),
        ({"lines": [{"sku": "TEA-0001", "qty": 1, "lot": "L 1"}]}, 400, "invalid_request",
         "lines.0.lot"),
        ({"lines": [{"sku": "TEA-0001", "qty": 1, "expiry": 1924992000}]}, 400,
         "invalid_request", "lines.0.expiry"),
        ({"expected_date": True}, 400, "invalid_request", "expected_date"),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("catalogue")
def test_an_asn_with_a_bad_field_is_refused_naming_it_and_changes_nothing(
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    change: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    before = snapshot(central)

    resp = client.post("/api/v1/asns", json=asn() | change, headers=admin)

    body = resp.json()
    assert (resp.status_code, body["code"]) == (status, code), body
    assert field in body["detail"]
    assert snapshot(central) == before


@pytest.mark.usefixtures("catalogue")
def test_an_asn_number_in_use_with_other_contents_or_an_sscc_expected_elsewhere_is_refused(
    central: Central, client: TestClient, admin: dict[str, str]
) -> None:
    assert client.post("/api/v1/asns", json=asn(), headers=admin).status_code == 201
    before = snapshot(central)

    other = client.post("/api/v1/asns", json=asn(supplier="Another"), headers=admin)
    taken = client.post("/api/v1/asns", json=asn("ASN-2"), headers=admin)

    assert (other.status_code, other.json()["code"]) == (409, "asn_exists")
    assert (taken.status_code, taken.json()["code"]) == (409, "asn_sscc_taken")
    assert f"SSCC {PALLET} is already expected on ASN ASN-1" in taken.json()["detail"]
    assert snapshot(central) == before


def test_an_edge_token_can_neither_make_nor_read_asns(
    client: TestClient, catalogue: EdgeSide
) -> None:
    made = client.post("/api/v1/asns", json=asn(), headers=catalogue.headers)
    read = client.get("/api/v1/asns", headers=catalogue.headers)

    assert (made.status_code, made.json()["code"]) == (403, "admin_only")
    assert (read.status_code, read.json()["code"]) == (403, "admin_only")


def test_a_cancelled_asn_is_sent_to_its_warehouse_once_and_a_closed_one_cannot_be_cancelled(
    central: Central, client: TestClient, admin: dict[str, str], catalogue: EdgeSide
) -> None:
    client.post("/api/v1/asns", json=asn(), headers=admin)
    client.post("/api/v1/asns", json=asn("ASN-2", containers=[]), headers=admin)

    first = client.post(
        "/api/v1/asns/ASN-1/cancel", json={"reason": "order withdrawn"}, headers=admin
    )
    again = client.post("/api/v1/asns/ASN-1/cancel", json={}, headers=admin)

    assert (first.status_code, first.json()["status"]) == (200, "cancelled")
    assert (again.status_code, again.json()["cancel_reason"]) == (200, "order withdrawn")
    assert [k for k, _ in asn_changes(catalogue)] == [
        "asn_upserted",
        "asn_upserted",
        "asn_cancelled",
    ]
    assert asn_changes(catalogue)[-1][1] == {"asn_id": "ASN-1"}
    catalogue.send("asn_closed", **closed("ASN-2", []))
    before = snapshot(central)

    refused = client.post("/api/v1/asns/ASN-2/cancel", json={}, headers=admin)
    missing = client.post("/api/v1/asns/ASN-9/cancel", json={}, headers=admin)

    assert (refused.status_code, refused.json()["code"]) == (409, "asn_not_open")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert snapshot(central) == before


CSV = (
    "asn_id,warehouse,supplier,expected_date,sku,qty,lot,expiry,sscc,container_kind\n"
    f"ASN-10,edge-1,Fujian Tea Co.,2026-12-04,TEA-0001,24,L2611,2027-11-30,{PALLET},pallet\n"
    f"ASN-10,,,,TEA-0002,12,,,{PALLET},\n"
    "ASN-10,,,,TEA-0003,6,,,,\n"
    f"ASN-11,edge-1,Hangzhou Cups,,TEA-0003,48,,,{sscc(7)},carton\n"
)


def upload(client: TestClient, admin: dict[str, str], text: str) -> Any:
    return client.post(
        "/api/v1/asns/csv",
        content=text.encode(),
        headers=admin | {"Content-Type": "text/csv"},
    )


def test_a_csv_file_makes_every_asn_of_it_with_containers_from_its_sscc_column(
    client: TestClient, admin: dict[str, str], catalogue: EdgeSide
) -> None:
    resp = upload(client, admin, CSV)

    assert resp.status_code == 200, resp.text
    assert resp.json() == {"created": ["ASN-10", "ASN-11"], "unchanged": []}
    ten = client.get("/api/v1/asns/ASN-10", headers=admin).json()
    assert (ten["source"], ten["supplier"], len(ten["lines"])) == ("csv", "Fujian Tea Co.", 3)
    assert [(c["sscc"], len(c["contents"])) for c in ten["containers"]] == [(PALLET, 2)]
    eleven = client.get("/api/v1/asns/ASN-11", headers=admin).json()
    assert eleven["containers"][0]["kind"] == "carton"
    assert [d["asn_id"] for _, d in asn_changes(catalogue)] == ["ASN-10", "ASN-11"]
    assert upload(client, admin, CSV).json() == {"created": [], "unchanged": ["ASN-10", "ASN-11"]}


@pytest.mark.parametrize(
    ("row", "bad", "field"),
    [
        (3, "ASN-10,,,,TEA-0002,twelve,,,,", "qty"),
        (3, "ASN-10,,,,TEA-0002,12,,2027-13-01,,", "expiry"),
        (3, "ASN-10,,,,TEA-9999,12,,,,", "sku"),
        (3, "ASN-10,edge-2,,,TEA-0002,12,,,,", "warehouse"),
        (3, f"ASN-10,,,,TEA-0002,12,,,{PALLET[:-1]}9,", "sscc"),
        (3, "ASN-10,,,,TEA-0002,12,,,,crate", "container_kind"),
        (5, f"ASN-11,edge-1,Hangzhou Cups,,TEA-0003,48,,,{PALLET},carton", "sscc"),
    ],
)
@pytest.mark.usefixtures("catalogue")
def test_a_csv_file_with_a_bad_row_is_refused_naming_the_row_and_imports_nothing(
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    row: int,
    bad: str,
    field: str,
) -> None:
    lines = CSV.splitlines()
    lines[row - 1] = bad
    before = snapshot(central)

    resp = upload(client, admin, "\n".join(lines) + "\n")

    body = resp.json()
    assert (resp.status_code, body["code"]) == (422, "asn_csv_refused"), body
    assert (body["params"]["row"], body["params"]["field"]) == (row, field)
    assert body["detail"].startswith(f"Row {row} of the CSV file was refused: {field} ")
    assert snapshot(central) == before


def closed(asn_id: str, lines: list[dict[str, Any]], *found: dict[str, Any]) -> dict[str, Any]:
    return {
        "asn_id": asn_id,
        "closed_at": "2026-12-04T10:00:00Z",
        "lines": lines,
        "discrepancies": list(found),
    }


def result(line_no: int, sku: str, expected: int, accepted: int, **rest: int) -> dict[str, Any]:
    counts = {"quarantined": 0, "rejected": 0} | rest
    received = accepted + sum(counts.values())
    return {"line_no": line_no, "sku": sku, "expected": expected, "received": received,
            "accepted": accepted} | counts  # fmt: skip


SHORT = {"kind": "short", "sku": "TEA-0002", "lot": None, "qty": 2, "decision": "accept",
         "operator": "Li"}  # fmt: skip
EXPIRED = {"kind": "expired", "sku": "TEA-0001", "lot": "L2611", "qty": 4,
           "decision": "quarantine", "operator": "Li"}  # fmt: skip


def test_an_asn_closed_at_the_edge_is_closed_once_with_its_lines_and_discrepancies_whatever_the_redelivery(
    central: Central, client: TestClient, admin: dict[str, str], catalogue: EdgeSide
) -> None:
    client.post("/api/v1/asns", json=asn(), headers=admin)
    report = closed(
        "ASN-1",
        [result(1, "TEA-0001", 24, 20, quarantined=4), result(2, "TEA-0002", 12, 10)],
        EXPIRED,
        SHORT,
    )
    event = catalogue.event("asn_closed", **report)

    assert catalogue.post([event]).json()["applied"] == 1
    once = snapshot(central)
    resent = catalogue.post([event]).json()
    catalogue.send("asn_closed", **closed("ASN-1", [result(1, "TEA-0001", 24, 24)]))

    assert resent["duplicates"] == 1
    got = client.get("/api/v1/asns/ASN-1", headers=admin).json()
    assert (got["status"], got["closed_at"]) == ("closed", "2026-12-04T10:00:00Z")
    assert [(ln["received"], ln["accepted"], ln["quarantined"]) for ln in got["lines"]] == [
        (24, 20, 4),
        (10, 10, 0),
    ]
    assert [(d["no"], d["kind"], d["qty"], d["decision"]) for d in got["discrepancies"]] == [
        (1, "expired", 4, "quarantine"),
        (2, "short", 2, "accept"),
    ]
    after = snapshot(central)
    for table in ("asns", "asn_lines", "asn_discrepancies", "exceptions"):
        assert after.get(table, once.get(table)) == once.get(table), table
    board = client.get("/api/v1/board", headers=admin).json()
    shown = [x for x in board["exceptions"] if x["kind"] == "asn_discrepancies"]
    assert len(shown) == 1
    assert "expired TEA-0001 × 4 → quarantine" in shown[0]["detail"]


def test_an_asn_central_never_had_is_learnt_closed_from_the_edge(
    client: TestClient, admin: dict[str, str], catalogue: EdgeSide
) -> None:
    catalogue.send("asn_closed", **closed("LOCAL-7", [result(1, "TEA-0003", 5, 5)]))

    got = client.get("/api/v1/asns/LOCAL-7", headers=admin).json()

    assert (got["status"], got["source"], got["warehouse"]) == ("closed", "edge", "edge-1")
    assert [(ln["sku"], ln["qty"], ln["received"]) for ln in got["lines"]] == [("TEA-0003", 5, 5)]


def test_an_unreadable_close_is_an_exception_for_a_person_not_a_refused_batch(
    client: TestClient, admin: dict[str, str], catalogue: EdgeSide
) -> None:
    client.post("/api/v1/asns", json=asn(), headers=admin)

    answer = catalogue.send("asn_closed", asn_id="ASN-1", lines=[{"line_no": "one"}])

    assert answer["applied"] == 1
    assert client.get("/api/v1/asns/ASN-1", headers=admin).json()["status"] == "open"
    kinds = [x["kind"] for x in client.get("/api/v1/board", headers=admin).json()["exceptions"]]
    assert kinds == ["asn_report_unreadable"]
