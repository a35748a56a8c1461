"""A fault-injecting HTTP proxy on 127.0.0.1 between the edge's sync agent and central.

It reads each HTTP/1.1 request whole, then, by the first matching rule (or at random with a
seeded generator), passes it on or breaks it:

- `drop`: the connection is closed before anything reaches central;
- `delay`: the request waits `delay_s` before it is passed on;
- `duplicate`: passed on and answered, then sent to central once more later (a stale copy);
- `cut`: passed on, central answers (and has committed), the edge gets a connection cut instead;
- `refuse`: while `down` is set, every connection is closed at once (central unreachable).

With `also_ports` it is also a round-robin balancer over several centrals on one database.

Each request goes to central on a fresh connection; the answer is read whole (Content-Length or
chunked) before it is sent back, so "cut" really comes after central's commit.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

FAULTS = ("pass", "drop", "delay", "duplicate", "cut")


@dataclass
class Rule:
    fault: str
    times: int
    path: str = ""
    method: str = ""


@dataclass
class Request:
    method: str
    path: str
    raw: bytes


@dataclass
class FaultProxy:
    """Start with `start()`, aim with `rule()` or `chaos()`; `seen` counts what was done."""

    upstream_port: int
    # More centrals on the same database: each request goes to the next of all of them in turn
    # (a round-robin load balancer); `served` counts the requests each port answered.
    also_ports: tuple[int, ...] = ()
    served: Counter[int] = field(default_factory=Counter)
    host: str = "127.0.0.1"
    delay_s: float = 1.0
    duplicate_after_s: float = 0.3
    port: int = 0
    down: bool = False
    in_flight: int = 0  # POSTs (and their late copies) not yet answered by central
    seen: Counter[str] = field(default_factory=Counter)
    late_answers: list[bytes] = field(default_factory=list)  # central's answers to late copies
    _rules: list[Rule] = field(default_factory=list)
    _chaos: dict[str, float] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=lambda: random.Random(8))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- control (from the test's thread) ---------------------------------------------------

    def start(self) -> FaultProxy:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def rule(self, fault: str, *, times: int = 1, path: str = "", method: str = "") -> None:
        """The next `times` requests whose path contains `path` (and of `method`) get `fault`."""
        assert fault in FAULTS
        with self._lock:
            self._rules.append(Rule(fault, times, path, method))

    def chaos(self, odds: dict[str, float], *, seed: int = 8) -> None:
        """Every request not caught by a rule gets a fault with these odds ({"drop": 0.2})."""
        with self._lock:
            self._chaos, self._rng = dict(odds), random.Random(seed)

    def calm(self) -> None:
        """No more faults: rules and chaos cleared, central reachable."""
        with self._lock:
            self._rules.clear()
            self._chaos = {}
            self.down = False

    # --- the proxy (its own thread and event loop) ------------------------------------------

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve(ready))

    async def _serve(self, ready: threading.Event) -> None:
        self._stopped = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        server = await asyncio.start_server(self._client, self.host, self.port)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stopped.wait()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _choose(self, req: Request) -> str:
        with self._lock:
            for rule in self._rules:
                if rule.times > 0 and rule.path in req.path and req.method.startswith(rule.method):
                    rule.times -= 1
                    return rule.fault
            roll, edge = self._rng.random(), 0.0
            for fault, odds in self._chaos.items():
                edge += odds
                if roll < edge:
                    return fault
        return "pass"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while not self.down:
                req = await _read_request(reader)
                if req is None:
                    break
                if not await self._handle(req, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    async def _handle(self, req: Request, writer: asyncio.StreamWriter) -> bool:
        """Do the chosen fault; False when the edge's connection must be closed."""
        fault = "refuse" if self.down else self._choose(req)
        self.seen[fault] += 1
        if fault in ("drop", "refuse"):
            return False
        counted = req.method != "GET"
        self.in_flight += counted
        try:
            if fault == "delay":
                await asyncio.sleep(self.delay_s)
            answer = await self._forward(req.raw)
        finally:
            self.in_flight -= counted
        if fault == "duplicate":
            self.in_flight += counted
            asyncio.get_running_loop().call_later(
                self.duplicate_after_s, lambda: asyncio.ensure_future(self._late(req, counted))
            )
        if answer is None or fault == "cut":
            return False
        writer.write(answer)
        await writer.drain()
        return True

    async def _late(self, req: Request, counted: bool) -> None:
        try:
            self.late_answers.append(await self._forward(req.raw) or b"")
        finally:
            self.in_flight -= counted

    async def _forward(self, raw: bytes) -> bytes | None:
        """Send one request to central on its own connection; its whole answer, or None."""
        ports = (self.upstream_port, *self.also_ports)
        with self._lock:
            port = ports[sum(self.served.values()) % len(ports)]
            self.served[port] += 1
        try:
            reader, writer = await asyncio.open_connection(self.host, port)
        except OSError:
            return None
        try:
            writer.write(raw)
            await writer.drain()
            return await _read_response(reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            return None
        finally:
            writer.close()


async def _read_head(reader: asyncio.StreamReader) -> tuple[bytes, dict[str, str]] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return head, headers


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    got = await _read_head(reader)
    if got is None:
        return None
    head, headers = got
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    method, path, _ = head.split(b" ", 2)
    return Request(method.decode(), path.decode(), head + body)


async def _read_response(reader: asyncio.StreamReader) -> bytes | None:
    got = await _read_head(reader)
    if got is None:
        return None
    head, headers = got
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            chunk = await reader.readexactly(int(size_line.split(b";")[0], 16) + 2)
            body += size_line + chunk
            if size_line.strip() == b"0":
                return head + body
    return head + await reader.readexactly(int(headers.get("content-length", "0")))
