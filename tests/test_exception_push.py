"""Exceptions pushed to webhooks, against real HTTP listeners on 127.0.0.1: a generic JSON POST, a
DingTalk robot (its signature checked by the listener) and a WeCom robot; delivered once per
change, retried with back-off while a listener is down, slow or restarted, never twice, and
without holding up the writer."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from edge.config import Settings, load_settings
from edge.service.notify import push_due
from edge.store import exceptions as exc_store
from edge.store.database import Store
from tests.servers import free_port
from tests.support import Floor
from tests.test_exceptions_api import short_pick

SECRET = "SEC0123456789abcdef"


class Listener:
    """A webhook receiver on 127.0.0.1 that records each POST; it can be stopped and started
    again on the same port, made slow, or made to fail."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[dict[str, Any]] = []
        self.delay_s = 0.0
        self.status = 200
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> Listener:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(owner.delay_s)
                query = parse_qs(urlsplit(self.path).query)
                owner.received.append({"path": self.path, "query": query, "body": body})
                signed_ok = owner.dingtalk_signature_ok(query) if "sign" in query else None
                answer = {"errcode": 0 if signed_ok in (None, True) else 310000}
                data = json.dumps(answer).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @staticmethod
    def dingtalk_signature_ok(query: dict[str, list[str]]) -> bool:
        """What DingTalk checks: sign = base64(HMAC-SHA256(secret, "timestamp\\nsecret")), and
        the timestamp within an hour of now."""
        timestamp = query["timestamp"][0]
        mac = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256)
        fresh = abs(int(timestamp) - time.time() * 1000) < 3_600_000
        return fresh and query["sign"][0] == base64.b64encode(mac.digest()).decode()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    lis = Listener().start()
    yield lis
    lis.stop()


def with_webhooks(settings: Settings, *hooks: dict[str, Any], **notify: Any) -> Settings:
    overrides = {
        "edge.data_dir": settings.edge.data_dir,
        "report.schedule": "",
        "notify.retry_base_s": 0.2,
        "notify.retry_cap_s": 0.4,
        "notify.timeout_s": 2.0,
    } | {f"notify.{k}": v for k, v in notify.items()}
    env = {"WAREHOUSE_EDGE_WEBHOOKS": json.dumps(list(hooks))}
    return load_settings(env=env, overrides=overrides)


def raise_exception(store: Store, kind: str = "short_pick") -> int:
    """An exception opened the way the floor opens them (an insert; the trigger queues it)."""
    return int(
        store.writer.call(
            lambda tx: (
                tx.execute(
                    "INSERT INTO exceptions (kind, detail, location, sku, created_at)"
                    " VALUES (?, '{\"missing\": 1}', 'A-01-01', 'SKU-1', ?)",
                    (kind, tx.at),
                ).lastrowid
            )
        )
    )


def push(store: Store, settings: Settings) -> int:
    async def once() -> int:
        async with httpx.AsyncClient(timeout=settings.notify.timeout_s, trust_env=False) as c:
            return await push_due(store, settings, c)

    return asyncio.run(once())


def bodies(lis: Listener) -> list[dict[str, Any]]:
    return [r["body"] for r in lis.received]


def test_each_change_reaches_a_json_a_dingtalk_and_a_wecom_target_once_in_its_shape(
    store: Store, settings: Settings, listener: Listener
) -> None:
    rules = with_webhooks(
        settings,
        {"name": "plain", "kind": "json", "url": listener.url("/json")},
        {
            "name": "ding",
            "kind": "dingtalk",
            "url": listener.url("/robot/send?access_token=t"),
            "secret": SECRET,
        },
        {"name": "wecom", "kind": "wecom", "url": listener.url("/cgi-bin/webhook/send?key=k")},
    )
    exception_id = raise_exception(store)

    delivered, again = push(store, rules), push(store, rules)

    assert (delivered, again) == (1, 0)
    by_path = {urlsplit(r["path"]).path: r for r in listener.received}
    assert sorted(by_path) == ["/cgi-bin/webhook/send", "/json", "/robot/send"]
    assert len(listener.received) == 3
    plain = by_path["/json"]["body"]
    assert (plain["type"], plain["exception"]["id"], plain["exception"]["owner"]) == (
        "exception.opened",
        exception_id,
        "supervisor",
    )
    assert plain["key"] == f"edge-1:exception:{exception_id}:{plain['key'].rsplit(':', 1)[1]}"
    ding = by_path["/robot/send"]
    assert Listener.dingtalk_signature_ok(ding["query"])
    assert ding["query"]["access_token"] == ["t"]
    assert ding["body"]["msgtype"] == "markdown"
    assert "short_pick" in ding["body"]["markdown"]["title"]
    assert (
        "A-01-01" in ding["body"]["markdown"]["text"] and "盘点" in ding["body"]["markdown"]["text"]
    )
    wecom = by_path["/cgi-bin/webhook/send"]["body"]
    assert wecom["msgtype"] == "markdown" and "/api/v1/count-tasks" in wecom["markdown"]["content"]
    assert exc_store.pending_pushes(store.read()) == 0


def test_a_wrong_dingtalk_secret_is_refused_by_the_robot_and_retried_not_counted_as_sent(
    store: Store, settings: Settings, listener: Listener
) -> None:
    rules = with_webhooks(
        settings,
        {
            "name": "ding",
            "kind": "dingtalk",
            "url": listener.url("/robot/send"),
            "secret": "SECwrong",
        },
    )
    raise_exception(store)

    assert push(store, rules) == 0

    assert len(listener.received) == 1 and not Listener.dingtalk_signature_ok(
        listener.received[0]["query"]
    )
    (row,) = store.read().execute("SELECT push_error, push_done_at FROM exception_events")
    assert "ding" in row[0] and row[1] is None


def test_a_listener_that_is_down_gets_the_change_once_it_is_up_and_only_once(
    store: Store, settings: Settings
) -> None:
    lis = Listener()  # not started: the port refuses
    # a back-off of 2 s: the second push comes well inside it even on a starved machine
    hook = {"name": "plain", "kind": "json", "url": lis.url()}
    rules = with_webhooks(settings, hook, retry_base_s=2.0, retry_cap_s=2.0)
    raise_exception(store)

    down = push(store, rules)
    too_soon = push(store, rules)  # its back-off has not passed: not tried again
    pending_while_down = exc_store.pending_pushes(store.read())  # edge_exception_pushes_pending
    (attempts, error) = (
        store.read().execute("SELECT push_attempts, push_error FROM exception_events").fetchone()
    )
    lis.start()
    try:
        time.sleep(2.2)  # past the back-off
        up = push(store, rules)
        after = push(store, rules)
    finally:
        lis.stop()

    assert (down, too_soon, up, after) == (0, 0, 1, 0)
    assert pending_while_down == 1 and exc_store.pending_pushes(store.read()) == 0
    assert attempts == 1 and "plain" in error
    assert len(lis.received) == 1


def test_one_target_down_does_not_make_the_other_receive_twice(
    store: Store, settings: Settings, listener: Listener
) -> None:
    other = Listener()  # down
    rules = with_webhooks(
        settings,
        {"name": "up", "kind": "json", "url": listener.url()},
        {"name": "down", "kind": "json", "url": other.url()},
    )
    raise_exception(store)

    push(store, rules)
    other.start()
    try:
        time.sleep(0.5)
        push(store, rules)
        push(store, rules)
    finally:
        other.stop()

    assert (len(listener.received), len(other.received)) == (1, 1)
    assert exc_store.pending_pushes(store.read()) == 0


def test_a_restarted_listener_gets_each_later_change_once(
    store: Store, settings: Settings, listener: Listener
) -> None:
    rules = with_webhooks(settings, {"name": "plain", "kind": "json", "url": listener.url()})
    first = raise_exception(store)
    push(store, rules)
    received_before = list(listener.received)
    listener.stop()
    listener.received.clear()
    second = raise_exception(store)
    listener.start()

    push(store, rules)
    push(store, rules)

    assert [b["body"]["exception"]["id"] for b in received_before] == [first]
    assert [b["exception"]["id"] for b in bodies(listener)] == [second]


def test_a_slow_listener_does_not_hold_up_the_writer(
    store: Store, settings: Settings, listener: Listener
) -> None:
    listener.delay_s = 1.0
    rules = with_webhooks(settings, {"name": "plain", "kind": "json", "url": listener.url()})
    raise_exception(store)

    async def both() -> tuple[int, float]:
        async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
            sending = asyncio.create_task(push_due(store, rules, client))
            await asyncio.sleep(0.2)  # the POST is waiting on the listener now
            started = time.monotonic()
            await store.writer.run(lambda tx: tx.execute("SELECT 1"))
            writer_s = time.monotonic() - started
            return await sending, writer_s

    delivered, writer_s = asyncio.run(both())

    assert delivered == 1 and len(listener.received) == 1
    assert writer_s < 0.5  # the writer answered while the push waited a second for its listener


def test_a_short_pick_on_the_floor_reaches_the_webhook_from_the_running_server(
    settings: Settings, store: Store, listener: Listener
) -> None:
    from edge.api.app import create_app

    rules = with_webhooks(settings, {"name": "plain", "kind": "json", "url": listener.url()})
    with TestClient(create_app(rules, store=store)) as client:
        floor = Floor.build(store, client)
        sup, exc = short_pick(floor)
        client.post(
            f"/api/v1/exceptions/{exc['id']}/resolve", json={"reason": "counted"}, headers=sup
        )
        deadline = time.monotonic() + 10
        while len(listener.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)

    assert [(b["type"], b["exception"]["kind"]) for b in bodies(listener)] == [
        ("exception.opened", "short_pick"),
        ("exception.resolved", "short_pick"),
    ]
    assert bodies(listener)[1]["note"] == "counted"


def test_a_bad_webhook_or_threshold_is_refused_at_start_up_naming_its_key(
    settings: Settings,
) -> None:
    from edge.config import ConfigError

    with pytest.raises(ConfigError) as bad_kind:
        with_webhooks(settings, {"name": "x", "kind": "slack", "url": "https://example.com"})
    with pytest.raises(ConfigError) as bad_url:
        with_webhooks(settings, {"name": "x", "kind": "json", "url": "ftp://example.com"})
    with pytest.raises(ConfigError) as stray_secret:
        with_webhooks(
            settings, {"name": "x", "kind": "wecom", "url": "https://e.com", "secret": "s"}
        )

    with pytest.raises(ConfigError) as bad_threshold:
        with_webhooks(settings, stuck_minutes="picking=0")
    with pytest.raises(ConfigError) as bad_pair:
        with_webhooks(settings, stuck_minutes="picking")

    assert "notify.stuck_minutes" in str(bad_threshold.value)
    assert "state=minutes pairs" in str(bad_pair.value)
    assert "webhooks" in str(bad_kind.value) and "kind" in str(bad_kind.value)
    assert "url" in str(bad_url.value)
    assert "secret" in str(stray_secret.value)


def test_changes_of_one_exception_arrive_in_order_after_an_outage(
    store: Store, settings: Settings
) -> None:
    lis = Listener()  # down when the exception is opened
    hook = {"name": "plain", "kind": "json", "url": lis.url()}
    rules = with_webhooks(settings, hook, retry_base_s=1.0, retry_cap_s=1.0)
    exception_id = raise_exception(store)
    push(store, rules)  # the `opened` push fails and waits out its back-off (1 s)
    lis.start()
    try:
        store.writer.call(
            lambda tx: exc_store.change(tx, exception_id, "resolved", "resolved", None, note="ok")
        )
        resolved_early = push(store, rules)  # `resolved` is due, but waits behind `opened`
        time.sleep(1.2)
        for _ in range(3):
            push(store, rules)
    finally:
        lis.stop()

    assert resolved_early == 0
    assert [b["type"] for b in bodies(lis)] == ["exception.opened", "exception.resolved"]


def test_a_target_that_stays_down_is_logged_once_per_change_and_retried_quietly(
    store: Store, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    rules = with_webhooks(settings, {"name": "plain", "kind": "json", "url": Listener().url()})
    raise_exception(store)

    with caplog.at_level(logging.INFO, logger="edge.notify"):
        for _ in range(3):
            push(store, rules)
            time.sleep(0.5)  # past each back-off (0.2 s, then 0.4 s)

    (attempts,) = store.read().execute("SELECT push_attempts FROM exception_events").fetchone()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert attempts == 3
    assert len(warnings) == 1 and "plain" in warnings[0].getMessage()


def test_a_refusing_target_is_tried_once_a_round_not_once_per_change_waiting(
    store: Store, settings: Settings, listener: Listener
) -> None:
    listener.status = 500
    rules = with_webhooks(settings, {"name": "plain", "kind": "json", "url": listener.url()})
    for _ in range(3):
        raise_exception(store)

    push(store, rules)
    tried_in_one_round = len(listener.received)
    listener.status = 200
    time.sleep(0.5)  # past the first change's back-off
    for _ in range(3):
        push(store, rules)

    assert tried_in_one_round == 1
    assert sorted(b["exception"]["id"] for b in bodies(listener)[1:]) == [1, 2, 3]
    assert exc_store.pending_pushes(store.read()) == 0


def test_the_webhooks_variable_the_supervisor_doc_gives_for_the_demo_loads_a_json_target(
    tmp_path: Path,
) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "supervisor.md").read_text(encoding="utf-8")
    shown = re.search(r"WAREHOUSE_EDGE_WEBHOOKS='([^']+)'", doc)
    assert shown, "docs/supervisor.md shows no WAREHOUSE_EDGE_WEBHOOKS for the demo"
    env = {"WAREHOUSE_EDGE_WEBHOOKS": shown.group(1)}
    settings = load_settings(env=env, overrides={"edge.data_dir": tmp_path})
    assert [(w.name, w.kind, w.url) for w in settings.webhooks] == [
        ("ops", "json", "http://127.0.0.1:9000/hook")
    ]
