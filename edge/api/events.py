"""In-process publish/subscribe for Server-Sent Events to the operators' terminals."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any


class Broker:
    """Each subscriber is an operator's open event stream; a full queue drops the oldest news."""

    def __init__(self, *, queue_size: int = 100) -> None:
        self._subscribers: dict[int, set[asyncio.Queue[str]]] = defaultdict(set)
        self._size = queue_size

    def subscribe(self, operator_id: int) -> asyncio.Queue[str]:
        q: asyncio.Queue[str] = asyncio.Queue(self._size)
        self._subscribers[operator_id].add(q)
        return q

    def unsubscribe(self, operator_id: int, q: asyncio.Queue[str]) -> None:
        self._subscribers[operator_id].discard(q)

    def publish(self, operator_id: int, event: str, data: dict[str, Any]) -> int:
        """Send to every stream of the operator; returns how many got it."""
        message = f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
        queues = list(self._subscribers.get(operator_id, ()))
        for q in queues:
            if q.full():
                q.get_nowait()
            q.put_nowait(message)
        return len(queues)
