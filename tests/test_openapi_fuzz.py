"""Schemathesis against the edge's and central's own OpenAPI documents, over real HTTP to a real
uvicorn: every operation, a few generated requests each, sent as each role and without a token.
No answer is a 5xx, every status is one the document declares, every error is problem+json.

A bounded run (a handful of examples per operation) so that it stays a test, not a campaign.
The two event streams (Server-Sent Events, open until the client leaves) are left out, and
logout is sent without a token only (it would end the sessions every other case uses).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from central_sync.server.app import create_app as create_central
from central_sync.server.central import Central
from central_sync.server.messages import CATALOGUE as CENTRAL_CATALOGUE
from central_sync.server.webhooks import shopify_hmac
from edge.api.app import create_app
from edge.config import load_settings
from edge.domain.messages import CATALOGUE as EDGE_CATALOGUE
from edge.store.database import Store
from edge.store.verify import verify
from kernel.problems import PROBLEM
from tests.live import serving
from tests.openapi_walk import Sent, answers, unbounded
from tests.support import log_in_on, new_device, seed_floor

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
STREAMS = r"/events/stream$|/stations/\{name\}/events$"
RUN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def check_problem(case: Any, response: Any) -> None:
    # The board's login form answers a wrong token with the form again (HTML, for a browser).
    if response.status_code >= 400 and not case.path.startswith("/board/"):
        kind = response.headers.get("content-type")
        kind = kind[0] if isinstance(kind, list) else kind
        assert kind == "application/problem+json", response.text
        assert response.json()["code"], response.text


def send_as_each(case: Any, base: str, roles: dict[str, dict[str, str]]) -> None:
    for headers in roles.values():
        response = case.call(base_url=base, headers=headers, timeout=10)
        case.validate_response(response, checks=CHECKS)
        check_problem(case, response)


@pytest.fixture(scope="module")
def edge_live(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Store, dict[str, dict[str, str]]]]:
    data = tmp_path_factory.mktemp("edge")
    config = load_settings(env={}, overrides={"edge.data_dir": data, "auth.pin_hash_cost": 10})
    store = Store(config.db_path, edge_id=config.edge.id)
    store.writer.call(seed_floor)
    with serving(create_app(config, store=store)) as (host, port):
        base = f"http://{host}:{port}"
        # Sessions made before the fuzzing: its failed logins slow this client address down.
        with httpx.Client(base_url=base) as client:
            device = new_device(client, "fuzz")
            roles = {b: log_in_on(client, device, b) for b in ("B-PICK", "B-PACK", "B-SUP")}
        yield base, store, {"anonymous": {}} | roles
    store.close()


# The documents as the apps build them (no server needed); the requests go to a running one.
EDGE_DOC = create_app(load_settings(env={})).openapi()
edge_api = schemathesis.openapi.from_dict(EDGE_DOC).exclude(path_regex=STREAMS)


@pytest.mark.slow
@edge_api.parametrize()
@RUN
def test_the_edge_answers_every_generated_request_without_a_5xx(
    case: Any, edge_live: tuple[str, Store, dict[str, dict[str, str]]]
) -> None:
    roles = edge_live[2]
    if case.path == "/api/v1/auth/logout":  # it would end the sessions the other cases use
        roles = {"anonymous": {}}
    send_as_each(case, edge_live[0], roles)


def walk_problems(sent: Iterator[Sent], catalogue: Collection[str]) -> tuple[int, list[str]]:
    """How many requests the walk sent, and what in their answers is wrong: a 5xx, a refusal
    that is not problem+json with a catalogue code, an answer later than a person waits."""
    wrong = []
    count = 0
    for answer in sent:
        count += 1
        refused = 400 <= answer.status < 500 and not answer.what.split()[1].startswith("/board")
        if answer.status >= 500 or answer.seconds > 5:
            wrong.append(f"{answer.what}: {answer.status} in {answer.seconds:.1f} s {answer.body}")
        elif refused and (answer.content_type != PROBLEM or answer.code not in catalogue):
            wrong.append(f"{answer.what}: {answer.status} {answer.content_type} {answer.body}")
    return count, wrong


def test_every_parameter_and_body_field_of_the_edge_takes_hostile_values_without_a_5xx(
    edge_live: tuple[str, Store, dict[str, dict[str, str]]],
) -> None:
    base, _, roles = edge_live
    concrete = {"badge": "B-PICK", "sku": "SKU-1", "code": "A-01-01", "name": "BENCH-1"}

    with httpx.Client(base_url=base, timeout=30) as client:
        sent = answers(
            client,
            EDGE_DOC,
            headers_for=lambda _path: roles["B-SUP"],
            path_values=concrete,
            skip=lambda path: re.search(STREAMS + "|/auth/logout$", path) is not None,
        )
        count, wrong = walk_problems(sent, EDGE_CATALOGUE)

    assert wrong == []
    assert count > 1000


def test_after_the_fuzzing_every_role_was_still_logged_in_and_the_ledger_verifies(
    edge_live: tuple[str, Store, dict[str, dict[str, str]]],
) -> None:
    base, store, roles = edge_live

    me = [httpx.get(f"{base}/api/v1/auth/me", headers=h).status_code for h in roles.values()]

    assert me == [401, 200, 200, 200]
    assert verify(store.read()) == []


WEBHOOK_SECRET = b"shpss_fuzz"


@pytest.fixture(scope="module")
def central_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    db = tmp_path_factory.mktemp("central") / "central.db"
    central = Central(f"sqlite:///{db}")
    central.open()
    central.webhook_secrets = {"shopify": WEBHOOK_SECRET}
    roles = {
        "anonymous": {},
        "admin": {"Authorization": f"Bearer {central.create_admin_token()}"},
        "edge": {"Authorization": f"Bearer {central.add_edge('edge-1', 'Edge one')}"},
    }
    with serving(create_central(central)) as (host, port):
        yield f"http://{host}:{port}", roles
    central.close()


CENTRAL_DOC = create_central(Central("sqlite:///unused.db")).openapi()
central_api = schemathesis.openapi.from_dict(CENTRAL_DOC)


@pytest.mark.slow
@central_api.parametrize()
@RUN
def test_central_answers_every_generated_request_without_a_5xx(
    case: Any, central_live: tuple[str, dict[str, Any]]
) -> None:
    send_as_each(case, *central_live)


@pytest.mark.parametrize("doc", [EDGE_DOC, CENTRAL_DOC], ids=["edge", "central"])
def test_every_operation_declares_its_problem_answers_with_the_problem_schema(
    doc: dict[str, Any],
) -> None:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    operations = [op for path in doc["paths"].values() for op in path.values()]

    undeclared = [
        op["operationId"] for op in operations if op["responses"]["500"]["content"] != problem
    ]
    guarded = [op["responses"] for op in operations if "403" in op["responses"]]

    assert undeclared == [] and len(operations) > 20
    assert guarded and all(r["401"]["content"] == r["403"]["content"] == problem for r in guarded)
    assert "HTTPValidationError" not in str(doc)


def test_every_parameter_and_body_field_of_central_takes_hostile_values_without_a_5xx(
    central_live: tuple[str, dict[str, Any]],
) -> None:
    base, roles = central_live
    concrete = {"edge_id": "edge-1", "channel": "shopify", "sku": "TEA-0001"}

    def sign(path: str, body: bytes) -> dict[str, str]:  # so the body, not the signature, is tried
        webhook = path.endswith("/webhook")
        return {"X-Shopify-Hmac-Sha256": shopify_hmac(WEBHOOK_SECRET, body)} if webhook else {}

    with httpx.Client(base_url=base, timeout=30) as client:
        sent = answers(
            client,
            CENTRAL_DOC,
            headers_for=lambda path: roles["edge" if "{edge_id}" in path else "admin"],
            path_values=concrete,
            skip=lambda path: path == "/board/logout",
            sign=sign,
        )
        count, wrong = walk_problems(sent, CENTRAL_CATALOGUE)

    assert wrong == []
    assert count > 1000
    assert httpx.get(f"{base}/api/v1/edges", headers=roles["admin"]).status_code == 200


@pytest.mark.parametrize("doc", [EDGE_DOC, CENTRAL_DOC], ids=["edge", "central"])
def test_every_text_has_a_length_every_number_a_range_and_every_list_a_size(
    doc: dict[str, Any],
) -> None:
    assert unbounded(doc) == []
