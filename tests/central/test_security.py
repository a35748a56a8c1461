"""Who may call what: an edge only its own paths, admin endpoints only with the admin token;
tokens stored as SHA-256 hashes; refusals as problem+json in English or Chinese."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.app import create_app
from central_sync.server.board_text import TEXT
from central_sync.server.central import Central
from central_sync.server.routes.board import LOGIN_PAGE
from tests.central.support import EdgeSide, channel_order

EDGE_PATHS = [
    ("POST", "/api/v1/edges/{edge}/events", {"events": []}),
    ("GET", "/api/v1/edges/{edge}/events/high-water", None),
    ("GET", "/api/v1/edges/{edge}/changes?wait=0", None),
]
ADMIN_PATHS = [
    ("POST", "/api/v1/orders", channel_order("1", ("TEA-0001", 1))),
    ("POST", "/api/v1/orders/assign", None),
    ("GET", "/api/v1/orders", None),
    ("GET", "/api/v1/orders/shop:1", None),
    ("POST", "/api/v1/orders/shop:1/cancel", {"reason": "x"}),
    ("POST", "/api/v1/orders/shop:1/address", {"ship_to": {}}),
    ("POST", "/api/v1/orders/shop:1/returns", {"lines": [{"sku": "A", "qty": 1}]}),
    ("PUT", "/api/v1/products/TEA-0001", {"name": "Tea"}),
    ("POST", "/api/v1/products", {"products": [{"sku": "A", "name": "A"}]}),
    ("GET", "/api/v1/products", None),
    ("PUT", "/api/v1/kits/KIT-1", {"name": "Kit", "components": [{"sku": "A", "qty": 1}]}),
    ("POST", "/api/v1/kits", {"kits": []}),
    ("GET", "/api/v1/kits", None),
    ("POST", "/api/v1/gift-rules", {"channel": "shop"}),
    ("GET", "/api/v1/gift-rules", None),
    ("DELETE", "/api/v1/gift-rules/1", None),
    ("GET", "/api/v1/stock", None),
    ("GET", "/api/v1/edges", None),
    ("POST", "/api/v1/edges", {"edge_id": "edge-x"}),
    ("GET", "/api/v1/board", None),
]


def call(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.request(method, path, json=body, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path", "body"), EDGE_PATHS, ids=[p[1] for p in EDGE_PATHS])
def test_another_edges_token_is_refused_wrong_edge(
    make_edge: Any, method: str, path: str, body: Any
) -> None:
    make_edge("edge-1")
    other = make_edge("edge-2")

    resp = call(other.client, method, path.format(edge="edge-1"), body, other.headers)

    assert resp.status_code == 403
    assert (resp.json()["code"], resp.json()["params"]) == (
        "wrong_edge",
        {"token_edge": "edge-2", "edge_id": "edge-1"},
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("not-a-token"),
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "unknown", "basic", "empty"],
)
def test_a_missing_or_unknown_token_is_not_authenticated(
    edge: EdgeSide, headers: dict[str, str]
) -> None:
    resp = call(edge.client, "POST", "/api/v1/edges/edge-1/events", {"events": []}, headers)

    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")
    assert resp.headers["www-authenticate"] == "Bearer"


def test_the_admin_token_does_not_open_an_edges_paths(
    edge: EdgeSide, admin: dict[str, str]
) -> None:
    resp = call(edge.client, "GET", "/api/v1/edges/edge-1/events/high-water", None, admin)

    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize(
    ("method", "path", "body"), ADMIN_PATHS, ids=[f"{p[0]} {p[1]}" for p in ADMIN_PATHS]
)
def test_admin_paths_refuse_an_edge_token_and_a_wrong_token(
    edge: EdgeSide, method: str, path: str, body: Any
) -> None:
    as_edge = call(edge.client, method, path, body, edge.headers)
    wrong = call(edge.client, method, path, body, bearer("wrong-admin-token"))
    nobody = call(edge.client, method, path, body, {})

    assert (as_edge.status_code, as_edge.json()["code"]) == (403, "admin_only")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "not_authenticated")
    assert (nobody.status_code, nobody.json()["code"]) == (401, "not_authenticated")


def test_tokens_are_stored_only_as_sha256_hashes(central: Central, edge: EdgeSide) -> None:
    admin_token = central.create_admin_token()

    with central.read() as tx:
        edge_hash = tx.value("SELECT token_hash FROM edges WHERE edge_id = 'edge-1'")
        admin_hashes = [r["token_hash"] for r in tx.all("SELECT token_hash FROM admin_tokens")]

    assert edge_hash == hashlib.sha256(edge.token.encode()).hexdigest()
    assert admin_hashes == [hashlib.sha256(admin_token.encode()).hexdigest()]


def test_the_admin_token_from_the_environment_is_accepted(db_url: str) -> None:
    central = Central(db_url, admin_token="from-the-environment")
    central.open()

    with TestClient(create_app(central)) as client:
        resp = client.get("/api/v1/edges", headers=bearer("from-the-environment"))

    central.close()
    assert (resp.status_code, resp.json()) == (200, {"edges": []})


def test_a_refusal_speaks_chinese_when_asked(edge: EdgeSide) -> None:
    resp = edge.client.get(
        "/api/v1/edges/edge-2/changes", headers=edge.headers | {"Accept-Language": "zh-CN,zh;q=0.9"}
    )

    body = resp.json()
    assert body["detail"] == "此令牌属于边缘节点 edge-1，不能访问边缘节点 edge-2 的路径。"
    assert (
        body["messages"]["en"]
        == "This token belongs to edge edge-1; it cannot use the paths of edge edge-2."
    )


def test_the_board_asks_for_the_admin_token_and_keeps_it_in_a_cookie(
    client: TestClient, central: Central
) -> None:
    token = central.create_admin_token()
    before = client.get("/board")

    wrong = client.post("/board/login", data={"token": "nope"}, follow_redirects=False)
    right = client.post("/board/login", data={"token": token}, follow_redirects=False)
    page = client.get("/board")
    data = client.get("/api/v1/board")

    assert "Paste the admin token" in before.text
    assert wrong.status_code == 401
    assert right.status_code == 303
    assert "httponly" in right.headers["set-cookie"].lower()
    assert "samesite=strict" in right.headers["set-cookie"].lower()
    assert "Central order board" in page.text and "/api/v1/board" in page.text
    assert (data.status_code, sorted(data.json())) == (
        200,
        [
            "channels",
            "consignments",
            "counts",
            "edges",
            "exceptions",
            "failed_pushes",
            "held",
            "orders",
            "refunds_due",
        ],
    )


def test_central_root_opens_the_board(client: TestClient) -> None:
    resp = client.get("/", follow_redirects=False)

    assert (resp.status_code, resp.headers["location"]) == (307, "/board")


@pytest.mark.parametrize(
    ("accept", "lang", "words"),
    [
        ("en-US,en;q=0.9", "en", ["Admin token", "Log in", "中文"]),
        ("zh-CN,zh;q=0.9", "zh", ["管理员令牌", "登录", "English"]),
    ],
)
def test_the_board_login_speaks_the_browser_language_and_refuses_in_it(
    client: TestClient, accept: str, lang: str, words: list[str]
) -> None:
    page = client.get("/board", headers={"accept-language": accept})
    wrong = client.post("/board/login", data={"token": "nope"}, headers={"accept-language": accept})

    assert f'<html lang="{lang}">' in page.text
    assert [w in page.text for w in words] == [True] * len(words)
    assert wrong.status_code == 401
    assert TEXT[lang]["not_admin"] in wrong.text


def test_both_languages_of_the_board_have_every_word_its_pages_use() -> None:
    page = resources.files("central_sync.server").joinpath("board.html").read_text("utf-8")
    named = set(re.findall(r"\{\{(\w+)\}\}", page + LOGIN_PAGE)) - {"lang", "other", "strings"}
    said = re.findall(r"""\bT\.(\w+)|say\("(\w+)"|word\("(\w+)", (\w+)""", page)
    statuses = re.search(r"const STATUSES = \[(.*?)\];", page, re.S)
    used = (
        {key for groups in said for key in groups[:2] if key}
        | {f"st_{s}" for s in re.findall(r'"(\w+)"', statuses.group(1))}
        | {f"state_{s}" for s in ("in_step", "catching_up", "quiet")}
    )

    assert set(TEXT["en"]) == set(TEXT["zh"])
    assert (named - {"error"}) | used <= set(TEXT["en"])


def test_the_board_cookie_does_not_open_writing_endpoints(
    client: TestClient, central: Central
) -> None:
    client.cookies.set("central_admin", central.create_admin_token())

    resp = client.post("/api/v1/orders/assign")

    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")


# Every route of central and who may call it; the code's dependencies must say the same. A new
# route without its line here fails the first test below.
ACCESS: dict[str, str] = {
    "POST /api/v1/edges/{edge_id}/events": "edge",
    "GET /api/v1/edges/{edge_id}/events/high-water": "edge",
    "GET /api/v1/edges/{edge_id}/events": "edge",
    "POST /api/v1/edges/{edge_id}/restores": "edge",
    "GET /api/v1/edges/{edge_id}/changes": "edge",
    "POST /api/v1/orders": "admin",
    "POST /api/v1/orders/assign": "admin",
    "POST /api/v1/orders/{order_id}/cancel": "admin",
    "POST /api/v1/orders/{order_id}/reassign": "admin",
    "POST /api/v1/orders/{order_id}/address": "admin",
    "PUT /api/v1/products/{sku}": "admin",
    "POST /api/v1/products": "admin",
    "PUT /api/v1/kits/{sku}": "admin",
    "POST /api/v1/kits": "admin",
    "POST /api/v1/gift-rules": "admin",
    "DELETE /api/v1/gift-rules/{rule_id}": "admin",
    "POST /api/v1/edges": "admin",
    "POST /api/v1/exceptions/{exception_id}/resolve": "admin",
    "PUT /api/v1/returns/policy": "admin",
    "PUT /api/v1/channels/{channel}/stock-rules": "admin",
    "PUT /api/v1/review-rules": "admin",
    "POST /api/v1/orders/{order_id}/review/release": "board",
    "POST /api/v1/orders/{order_id}/review/cancel": "board",
    "POST /api/v1/channel-pushes/{push_id}/retry": "board",
    "POST /api/v1/orders/{order_id}/returns": "board",
    "POST /api/v1/returns/{rma}/cancel": "board",
    "POST /api/v1/refunds-due/{refund_id}/settle": "board",
    "POST /api/v1/asns": "board",
    "POST /api/v1/asns/csv": "board",
    "POST /api/v1/asns/{asn_id}/cancel": "board",
    "GET /api/v1/asns": "reader",
    "GET /api/v1/asns/{asn_id}": "reader",
    "GET /api/v1/orders": "reader",
    "GET /api/v1/orders/{order_id}": "reader",
    "GET /api/v1/products": "reader",
    "GET /api/v1/kits": "reader",
    "GET /api/v1/gift-rules": "reader",
    "GET /api/v1/stock": "reader",
    "GET /api/v1/channels": "reader",
    "GET /api/v1/channels/{channel}/stock-rules": "reader",
    "GET /api/v1/channels/{channel}/available": "reader",
    "GET /api/v1/channel-pushes": "reader",
    "GET /api/v1/edges": "reader",
    "GET /api/v1/exceptions": "reader",
    "GET /api/v1/board": "reader",
    "GET /api/v1/review-rules": "reader",
    "GET /api/v1/reviews": "reader",
    "GET /api/v1/returns": "reader",
    "GET /api/v1/returns/policy": "reader",
    "GET /api/v1/returns/rates": "reader",
    "GET /api/v1/refunds-due": "reader",
    "GET /api/v1/returns/{rma}": "reader",
    "GET /api/v1/returns/{rma}/label.pdf": "reader",
    "GET /api/v1/returns/{rma}/label.zpl": "reader",
    "GET /board": "public: the login form until the admin cookie is set",
    "GET /board/returns": "public: the login form until the admin cookie is set",
    "GET /board/asns": "public: the login form until the admin cookie is set",
    "POST /board/login": "public: checks the admin token it is given",
    "POST /board/logout": "public: forgets the cookie",
    "POST /api/v1/channels/{channel}/webhook": "public: the channel's HMAC signature is checked",
    "GET /returns/self": "public: the customer's page, no data in it",
    "GET /returns/self/sw.js": "public: the page's offline worker",
    "POST /api/v1/self-service/lookup": "public: order and phone must match; guessing slowed",
    "GET /api/v1/self-service/order": "public: the signed pass (X-Return-Pass) is checked",
    "POST /api/v1/self-service/returns": "public: the signed pass is checked",
    "POST /api/v1/self-service/returns/{rma}/photos": "public: the signed pass is checked",
    "GET /api/v1/self-service/returns/{rma}/label.pdf": "public: the signed pass is checked",
    "GET /": "public: redirects to the board",
    "GET /healthz": "public: alive",
    "GET /readyz": "public: ready",
    "GET /metrics": "public: Prometheus's scrape, like the edge's; edges and channels, no orders or people",
    "GET /docs": "public: the API's documentation",
    "GET /docs/oauth2-redirect": "public: the API's documentation",
}
FILLED = {k: re.sub(r"\{[^}]+\}", "X-1", k.split(" ", 1)[1]) for k in ACCESS}


def _rule_in_code(route: Any) -> str:
    from central_sync.server import deps
    from kernel.openapi import calls

    found = set(calls(route.dependant))
    for call, rule in (
        (deps.edge_caller, "edge"),
        (deps.admin, "admin"),
        (deps.admin_or_board, "board"),
        (deps.admin_or_cookie, "reader"),
    ):
        if call in found:
            return rule
    return "public"


def test_every_route_of_central_is_in_the_access_table_with_the_rule_its_code_has(
    client: TestClient,
) -> None:
    from tests.test_route_rules import all_routes

    routes = [r for r in all_routes(client.app) if hasattr(r, "dependant")]
    in_code = {f"{sorted(r.methods)[0]} {r.path}": _rule_in_code(r) for r in routes}

    assert {k: v.split(":")[0] for k, v in ACCESS.items()} == in_code


GUARDED = sorted(k for k, v in ACCESS.items() if v in ("admin", "board", "reader"))


@pytest.mark.parametrize("route", GUARDED)
def test_every_admin_route_refuses_no_token_and_an_edge_token(edge: EdgeSide, route: str) -> None:
    method = route.split(" ")[0]

    nobody = edge.client.request(method, FILLED[route])
    as_edge = edge.client.request(method, FILLED[route], headers=edge.headers)

    assert (nobody.status_code, nobody.json()["code"]) == (401, "not_authenticated")
    assert (as_edge.status_code, as_edge.json()["code"]) == (403, "admin_only")


@pytest.mark.parametrize("route", sorted(k for k, v in ACCESS.items() if v == "board"))
def test_the_board_cookie_opens_a_returns_button_only_with_the_boards_header(
    client: TestClient, central: Central, route: str
) -> None:
    client.cookies.set("central_admin", central.create_admin_token())
    method = route.split(" ")[0]

    bare = client.request(method, FILLED[route], json={})
    with_header = client.request(method, FILLED[route], json={}, headers={"X-Central-Board": "1"})

    assert (bare.status_code, bare.json()["code"]) == (401, "not_authenticated")
    assert with_header.status_code not in (401, 403)


def test_both_languages_have_every_word_the_returns_screen_uses() -> None:
    page = resources.files("central_sync.server").joinpath("returns_board.html").read_text("utf-8")
    named = set(re.findall(r"\{\{(\w+)\}\}", page)) - {"lang", "other", "strings"}
    said = re.findall(r"""\bT\.(\w+)|say\("(\w+)\"""", page)
    used = {key for groups in said for key in groups if key}
    used |= {f"rs_{s}" for s in ("authorised", "received", "closed", "cancelled", "expired")}
    used |= {f"grade_{g}" for g in ("resellable", "damaged", "destroy")}

    assert named | used <= set(TEXT["en"]) == set(TEXT["zh"])
