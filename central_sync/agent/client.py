"""Central's sync API as the agent uses it (docs/sync.md): events up, the change feed down.

Every answer is sorted into three outcomes: a body to use; `Unreachable` (timeout, connection
refused or cut, 5xx, 408, 429, an answer that is not the JSON promised), which is retried with
back-off; `Refused` (any other 4xx: 401, 403, 409 `sequence_gap` / `event_mismatch`, 422), which
no retry will cure and a person must look at.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from central_sync.agent.outcomes import Refused as Refused
from central_sync.agent.outcomes import Unreachable as Unreachable

RETRYABLE_STATUS = frozenset({408, 425, 429})


class CentralClient:
    """An httpx client for one edge's paths at central, with its bearer token."""

    def __init__(
        self,
        url: str,
        token: str,
        edge_id: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.edge_id = edge_id
        self._timeout_s = timeout_s
        self._http = httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            transport=transport,
        )

    async def send_events(self, events: list[dict[str, Any]]) -> list[dict[str, int]]:
        """POST a batch; central's high water per epoch."""
        body = await self._call(
            "POST", f"/api/v1/edges/{self.edge_id}/events", json={"events": events}
        )
        return _high_water(body)

    async def high_water(self) -> list[dict[str, int]]:
        body = await self._call("GET", f"/api/v1/edges/{self.edge_id}/events/high-water")
        return _high_water(body)

    async def own_events(self, epoch: int, *, after: int) -> list[dict[str, Any]]:
        """This edge's events of `epoch` after seq `after` as central holds them (a page)."""
        path = f"/api/v1/edges/{self.edge_id}/events"
        body = await self._call("GET", path, params={"epoch": epoch, "after": after})
        events = body.get("events")
        if not isinstance(events, list):
            raise Unreachable(f"events answer without an events list: {_short(body)}")
        return events

    async def report_restore(self, report: dict[str, Any]) -> None:
        await self._call("POST", f"/api/v1/edges/{self.edge_id}/restores", json=report)

    async def changes(self, after: int, *, wait: int, limit: int) -> dict[str, Any]:
        """One page of the change feed after `after`; central may hold it up to `wait` s."""
        params = {"after": after, "wait": wait, "limit": limit}
        path = f"/api/v1/edges/{self.edge_id}/changes"
        # The read timeout must outlast the long poll, or every quiet poll would look like a fault.
        body = await self._call("GET", path, params=params, read_timeout=self._timeout_s + wait)
        changes, following = body.get("changes"), body.get("next")
        if not isinstance(changes, list) or not isinstance(following, int):
            raise Unreachable(f"change feed answer without changes/next: {_short(body)}")
        return body

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(
        self, method: str, path: str, *, read_timeout: float | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        timeout = self._http.timeout
        if read_timeout is not None:
            timeout = httpx.Timeout(read_timeout, connect=timeout.connect)
        try:
            resp = await self._http.request(method, path, timeout=timeout, **kwargs)
        except httpx.TimeoutException as exc:
            raise Unreachable(f"{method} {path}: timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise Unreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        return _answer(method, path, resp)


def _answer(method: str, path: str, resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if resp.status_code >= 500 or resp.status_code in RETRYABLE_STATUS:
        raise Unreachable(f"{method} {path}: HTTP {resp.status_code} {_short(body or resp.text)}")
    if resp.status_code >= 400:
        problem = body if isinstance(body, dict) else {}
        code = str(problem.get("code") or f"http_{resp.status_code}")
        detail = str(problem.get("detail") or problem.get("title") or resp.text[:500])
        raise Refused(resp.status_code, code, detail)
    if not isinstance(body, dict):
        raise Unreachable(f"{method} {path}: HTTP {resp.status_code} but not a JSON object")
    return body


def _high_water(body: dict[str, Any]) -> list[dict[str, int]]:
    marks = body.get("high_water")
    if not isinstance(marks, list) or not all(
        isinstance(m, dict) and isinstance(m.get("epoch"), int) and isinstance(m.get("seq"), int)
        for m in marks
    ):
        raise Unreachable(f"answer without a high_water list: {_short(body)}")
    return [{"epoch": m["epoch"], "seq": m["seq"]} for m in marks]


def _short(value: object, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"
