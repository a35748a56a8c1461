"""The two ways a call to central fails (central_sync/agent/client.py sorts every answer), apart
from the client so that what only catches them (`warehouse-edge serve`'s restore check) does
not load httpx: an edge with no central configured never does."""

from __future__ import annotations


class Unreachable(Exception):
    """Central could not be reached or did not answer usefully; try again later."""


class Refused(Exception):
    """Central answered and refused: `status`, its problem `code` and `detail`."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        self.status, self.code, self.detail = status, code, detail
        super().__init__(f"HTTP {status} {code}: {detail}")
