"""A client too slow with its headers or its body is cut off after the server's request timeout
(server.request_timeout_s on the edge, --request-timeout on central: kernel/http_protocol.py)
with 408 problem+json and one log line, while the server serves everyone else; on a real
`serve` of each, through real sockets, with the timeout set to half a second."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.central.servers import start_central
from tests.servers import running_server, stopping

TIMEOUT_S = 0.5
WAIT_S = 8.0  # far past the timeout: only a server that never cuts the client runs into it


@contextmanager
def served(side: str, tmp_path: Path) -> Iterator[tuple[str, int, object]]:
    if side == "edge":
        config = {"server": {"request_timeout_s": TIMEOUT_S}}
        with running_server(tmp_path, config=config) as server:
            host, port = server.url.removeprefix("http://").split(":")
            yield host, int(port), server
    else:
        db = f"sqlite:///{tmp_path / 'central.db'}"
        args = ("--request-timeout", str(TIMEOUT_S))
        with stopping(start_central(db, tmp_path, args=args)) as server:
            host, port = server.url.removeprefix("http://").split(":")
            yield host, int(port), server


def answer_of(sock: socket.socket) -> bytes:
    """All the server writes until it closes the connection (or WAIT_S passes)."""
    sock.settimeout(WAIT_S)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except TimeoutError:
        pytest.fail(f"the server still holds the connection after {WAIT_S} s: {answer!r}")
    return answer


def problem(answer: bytes) -> tuple[int, str, dict[str, object]]:
    top, _, body = answer.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers["content-type"], json.loads(body)


@pytest.mark.parametrize("side", ["edge", "central"])
def test_a_client_slow_with_its_headers_or_body_gets_408_and_the_rest_are_served(
    tmp_path: Path, side: str
) -> None:
    path = "/api/v1/stock/adjustments" if side == "edge" else "/api/v1/asns"
    text_path = "/api/v1/scans" if side == "edge" else "/api/v1/asns/csv"  # read by the route
    with served(side, tmp_path) as (host, port, server):
        token = getattr(server, "admin_token", "")
        silent_body = socket.create_connection((host, port))
        silent_body.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nAccept-Language: zh-CN\r\n"
            "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
            '{"request_id": '.encode()
        )
        slow_headers = socket.create_connection((host, port))
        slow_headers.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        idle = socket.create_connection((host, port))
        dripping = socket.create_connection((host, port))
        dripping.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n".encode()
        )
        text = socket.create_connection((host, port))  # a body the route reads, not the guard
        text.sendall(
            f"POST {text_path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: text/csv\r\nContent-Length: 5000\r\n\r\nasn_id,".encode()
        )
        meanwhile = [httpx.get(f"http://{host}:{port}/healthz").status_code for _ in range(20)]
        drip_answer = b""
        for _ in range(int(WAIT_S / 0.1)):  # a byte every 0.1 s, until the server cuts it
            try:
                dripping.sendall(b" ")
            except OSError:
                break
            time.sleep(0.1)
        dripping.settimeout(1.0)
        drip_answer = answer_of(dripping)
        answers = [answer_of(s) for s in (silent_body, slow_headers, idle, text)]
        after = httpx.get(f"http://{host}:{port}/healthz").status_code
        for sock in (silent_body, slow_headers, idle, dripping, text):
            sock.close()
        status = server.stop()  # type: ignore[attr-defined]
        log = server.log()  # type: ignore[attr-defined]

    assert meanwhile == [200] * 20 and after == 200 and status == 0
    status_zh, kind, body = problem(answers[0])
    assert (status_zh, kind, body["code"]) == (408, "application/problem+json", "request_timeout")
    assert (
        body["detail"]
        == f"请求未能在 {TIMEOUT_S:g} 秒内完整送达（请求头或请求内容来得太慢）；请检查网络后重新发送。"
    )
    for answer in (answers[1], drip_answer, answers[3]):
        status_en, _, body = problem(answer)
        assert (status_en, body["code"]) == (408, "request_timeout")
        assert body["detail"].startswith(f"The request did not arrive whole within {TIMEOUT_S:g} s")
    assert answers[2] == b""  # an idle connection is closed without an answer
    cut = [line for line in log.splitlines() if "answered 408 and closed" in line]
    assert len(cut) == 4, log
    assert sum(f"the body of POST {path} within" in line for line in cut) == 2, log
    assert sum(f"the body of POST {text_path}" in line for line in cut) == 1, log
    assert "Traceback" not in log and "hung up" not in log, log
