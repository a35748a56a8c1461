"""The customer's self-service return through its API: the order number and the phone's last digits
open the order (nothing shown before), guessing is slowed down, the pass asks for an RMA within the
policy, adds photos within their limits and fetches the label of its own order only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from tests.central.support import EdgeSide, snapshot

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


def lookup(client: TestClient, order: str, phone: str, **headers: str) -> Any:
    return client.post(
        "/api/v1/self-service/lookup", json={"order": order, "phone": phone}, headers=headers
    )


def opened(client: TestClient, order: str = "1") -> dict[str, str]:
    resp = lookup(client, order, "0000")
    assert resp.status_code == 200, resp.text
    return {"X-Return-Pass": resp.json()["pass"]}


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("order", ["1", "shop:1"])
def test_the_order_number_and_the_phones_last_digits_open_the_order_and_nothing_private(
    client: TestClient, order: str
) -> None:
    resp = lookup(client, order, "0000")

    body = resp.json()
    assert resp.status_code == 200
    assert [(ln["sku"], ln["returnable"], ln["days_without_reason"]) for ln in body["lines"]] == [
        ("SNK-0001", 1, 7),
        ("TEA-0001", 3, 7),
    ]
    assert (body["order_id"], body["days_since_shipped"], body["returns"]) == ("shop:1", 1, [])
    assert "Li Lei" not in resp.text and "Century" not in resp.text


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize(("order", "phone"), [("1", "1111"), ("2", "0000"), ("1", "000")])
def test_a_wrong_order_or_phone_is_told_nothing_about_the_order(
    client: TestClient, order: str, phone: str
) -> None:
    resp = lookup(client, order, phone, **{"Accept-Language": "zh-CN"})

    assert resp.status_code in (404, 400)
    assert "Li Lei" not in resp.text and "TEA-0001" not in resp.text
    if resp.status_code == 404:
        assert resp.json()["code"] == "self_service_no_match"
        assert "装箱单" in resp.json()["detail"]


@pytest.mark.usefixtures("shipped")
def test_guessing_is_slowed_down_after_five_misses_even_for_the_right_phone(
    client: TestClient,
) -> None:
    misses = [lookup(client, "1", f"{n:04d}").status_code for n in range(1, 6)]

    refused = lookup(client, "1", "0000")

    assert misses == [404] * 5
    assert (refused.status_code, refused.json()["code"]) == (429, "too_many_attempts")
    assert int(refused.headers["retry-after"]) >= 1


@pytest.mark.usefixtures("shipped")
def test_the_pass_asks_for_a_return_which_reaches_the_edge_as_from_self_service(
    client: TestClient, central: Central, edge: EdgeSide
) -> None:
    headers = opened(client)

    resp = client.post(
        "/api/v1/self-service/returns",
        json={"lines": [{"sku": "TEA-0001", "qty": 2}], "reason": "no_reason"},
        headers=headers,
    )

    assert resp.status_code == 201, resp.text
    assert central.returns.detail(resp.json()["rma"])["source"] == "self_service"
    kinds = [c["type"] for c in edge.changes(limit=500)["changes"]]
    assert kinds[-1] == "return_authorised"
    again = client.get("/api/v1/self-service/order", headers=headers).json()
    assert [ln["returnable"] for ln in again["lines"]] == [1, 1]


@pytest.mark.usefixtures("shipped")
def test_a_forged_or_missing_pass_opens_nothing(client: TestClient, central: Central) -> None:
    good = opened(client)["X-Return-Pass"]
    before = snapshot(central)

    forged = client.post(
        "/api/v1/self-service/returns",
        json={"lines": [{"sku": "TEA-0001", "qty": 1}], "reason": "other"},
        headers={"X-Return-Pass": good[:-2] + ("00" if good[-2:] != "00" else "11")},
    )
    missing = client.get("/api/v1/self-service/order")

    assert (forged.status_code, forged.json()["code"]) == (401, "not_authenticated")
    assert (missing.status_code, missing.json()["code"]) == (401, "not_authenticated")
    assert snapshot(central) == before


@pytest.mark.usefixtures("shipped")
def test_photos_are_kept_within_type_size_and_count_and_the_label_is_the_customers_own(
    client: TestClient, central: Central
) -> None:
    headers = opened(client)
    rma = client.post(
        "/api/v1/self-service/returns",
        json={"lines": [{"sku": "TEA-0001", "qty": 1}], "reason": "damaged"},
        headers=headers,
    ).json()["rma"]
    url = f"/api/v1/self-service/returns/{rma}/photos"

    kept = [
        client.post(url, content=body, headers=headers | {"Content-Type": kind}).status_code
        for kind, body in (("image/png", PNG), ("image/jpeg", JPEG), ("image/png", PNG))
    ]
    fourth = client.post(url, content=PNG, headers=headers | {"Content-Type": "image/png"})
    gif = client.post(url, content=b"GIF89a", headers=headers | {"Content-Type": "image/gif"})
    big = client.post(
        url,
        content=JPEG + b"\0" * (2 * 1024 * 1024),
        headers=headers | {"Content-Type": "image/jpeg"},
    )
    label = client.get(f"/api/v1/self-service/returns/{rma}/label.pdf", headers=headers)
    other = client.get("/api/v1/self-service/returns/RMA-404/label.pdf", headers=headers)

    assert kept == [201, 201, 201]
    assert [(r.status_code, r.json()["code"]) for r in (fourth, gif, big)] == [
        (422, "photo_refused")
    ] * 3
    assert len(central.returns.detail(rma)["photos"]) == 3
    assert (label.status_code, label.content[:5]) == (200, b"%PDF-")
    assert other.status_code == 404
