"""A real HTTP listener on 127.0.0.1 that plays a sales platform taking write-backs: up, down
(nothing listens), slow (answers after the caller gave up), refusing (4xx with a body), failing
(5xx for the next N calls, then OK). It applies a call once per `Idempotency-Key` (as a platform
or its gateway that honours the key does) and records every call it saw."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


@dataclass
class Platform:
    """`mode`: "up", "slow", "refuse"; `fail_next` 5xx answers come first."""

    mode: str = "up"
    fail_next: int = 0
    slow_s: float = 2.0
    refusal: str = '{"errors": {"base": ["fulfillment order is closed"]}}'
    ok_body: str = "{}"
    script: list[int] = field(default_factory=list)  # the next answers' statuses, in order
    seen: list[Seen] = field(default_factory=list)
    applied: dict[str, Seen] = field(default_factory=dict)  # by Idempotency-Key
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Platform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                self.handle_call("POST")

            def do_PATCH(self) -> None:  # noqa: N802 (Amazon's listings API patches)
                self.handle_call("PATCH")

            def handle_call(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = platform.answer(
                    Seen(method, self.path, dict(self.headers.items()), body)
                )
                data = answer.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the caller gave up (slow mode)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, seen: Seen) -> tuple[int, str]:
        with self._lock:
            self.seen.append(seen)
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, '{"errors": "service unavailable"}'
            if self.script and self.script[0] != 201:
                return self.script.pop(0), '{"errors": "scripted"}'
            if self.script:
                self.script.pop(0)
            mode = self.mode
            if mode == "refuse":
                return 422, self.refusal
            key = seen.headers.get("Idempotency-Key", "")
            self.applied.setdefault(key, seen)
        if mode == "slow":
            time.sleep(self.slow_s)  # applied, but answered after the caller's timeout
        return 201, self.ok_body


def free_port() -> int:
    """A port nothing listens on (the platform "down")."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
