"""In-process publish/subscribe for Server-Sent Events to the operators' terminals."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse


def operator_channel(operator_id: int) -> str:
    return f"operator:{operator_id}"


def station_channel(station: str) -> str:
    return f"station:{station}"


# News every logged-in terminal may need: an order packed on one device makes another device's
# pack screen of the same order stale.
FLOOR_CHANNEL = "floor"
MANAGERS_CHANNEL = "managers"  # supervisors and admins: a new exception


def tell_pickers(broker: Broker, notices: list[tuple[int, dict[str, Any]]]) -> None:
    """`putback_needed` to each picker whose list held an order just cancelled: which units in
    which tote go back to which bin (edge.service.orders.putback_notices)."""
    for picker, data in notices:
        broker.publish(operator_channel(picker), "putback_needed", data)


class Broker:
    """Each subscriber is an open event stream on a channel (an operator's, a station's); a full
    queue drops the oldest news."""

    def __init__(self, *, queue_size: int = 100) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)
        self._size = queue_size

    def subscribe(self, channel: str) -> asyncio.Queue[str]:
        q: asyncio.Queue[str] = asyncio.Queue(self._size)
        self._subscribers[channel].add(q)
        return q

    def add(self, channel: str, q: asyncio.Queue[str]) -> None:
        """Deliver `channel` too into a queue subscribed to another channel."""
        self._subscribers[channel].add(q)

    def unsubscribe(self, channel: str, q: asyncio.Queue[str]) -> None:
        self._subscribers[channel].discard(q)

    def publish(self, channel: str, event: str, data: dict[str, Any]) -> int:
        """Send to every stream on the channel; returns how many got it."""
        message = f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
        queues = list(self._subscribers.get(channel, ()))
        for q in queues:
            if q.full():
                q.get_nowait()
            q.put_nowait(message)
        return len(queues)


async def sse(
    queue: asyncio.Queue[str], is_disconnected: Callable[[], Awaitable[bool]], *, ping_s: float = 15
) -> AsyncIterator[str]:
    """The lines of an event stream: a hello, then each message, a ping when nothing happens."""
    yield "event: hello\ndata: {}\n\n"
    while not await is_disconnected():
        try:
            yield await asyncio.wait_for(queue.get(), timeout=ping_s)
        except TimeoutError:
            yield "event: ping\ndata: {}\n\n"


def stream(request: Request, channel: str, *more: str) -> StreamingResponse:
    """A Server-Sent Events response for `channel` (and `more` channels, on the same stream),
    unsubscribed when the client goes away."""
    broker: Broker = request.app.state.broker
    queue = broker.subscribe(channel)
    for other in more:
        broker.add(other, queue)

    async def events() -> AsyncIterator[str]:
        try:
            async for line in sse(queue, request.is_disconnected):
                yield line
        finally:
            for name in (channel, *more):
                broker.unsubscribe(name, queue)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
