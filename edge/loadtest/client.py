"""An HTTP/1.1 keep-alive client on asyncio streams: a load generator that costs little CPU, so
that what a run measures is the server's limit, not the client's (one httpx client saturates a
core near 600 requests/s). The benches in bench/ and `warehouse-edge loadtest` share it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

ANSWER_TIMEOUT_S = 30.0


class RawConnection:
    """One keep-alive connection to `url` (http://host:port), opened at the first request."""

    def __init__(self, url: str) -> None:
        self._host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
        self._port = int(port or 80)
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: Any = None, headers: Any = None) -> int:
        return (await self.exchange(method, path, body, headers))[0]

    async def exchange(
        self, method: str, path: str, body: Any = None, headers: Any = None
    ) -> tuple[int, bytes]:
        """The answer's status and body. A kept-alive connection the server closed while it was
        idle (uvicorn closes one after 5 s) fails before any byte of an answer: like a browser,
        the request is sent once more on a new connection (the server never read it)."""
        reused = self._streams is not None
        try:
            return await self._exchange(method, path, body, headers)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            self._streams = None
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            return await self._exchange(method, path, body, headers)

    async def _exchange(
        self, method: str, path: str, body: Any = None, headers: Any = None
    ) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        data = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}", f"Content-Length: {len(data)}"]
        lines += ["Content-Type: application/json"] if body is not None else []
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ANSWER_TIMEOUT_S)
        status_line, *fields = head.decode("latin-1").split("\r\n")
        lengths = [int(f.split(":")[1]) for f in fields if f.lower().startswith("content-length:")]
        if not lengths:
            raise ValueError(f"answer without Content-Length: {status_line}")
        content = await reader.readexactly(lengths[0])
        return int(status_line.split()[1]), content

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None
