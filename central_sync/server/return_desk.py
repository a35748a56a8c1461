"""`ReturnDesk`: central's returns and refunds as the routers and the sweep call them, one
transaction per method (`Central.returns`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from central_sync.server import aftersales, return_label, return_rates, returns
from central_sync.server.db import Tx
from central_sync.server.return_policy import Policy, load_policy, save_policy

Opener = Callable[[], AbstractContextManager[Tx]]


def utc_clock() -> datetime:
    return datetime.now(UTC)


class ReturnDesk:
    def __init__(self, *, write: Opener, read: Opener) -> None:
        self._write = write
        self._read = read
        self.clock: Callable[[], datetime] = utc_clock  # tests move it

    # --- RMAs

    def authorise(
        self, order_id: str, body: returns.ReturnIn, *, source: str = "admin"
    ) -> dict[str, Any]:
        with self._write() as tx:
            return returns.authorise_return(tx, order_id, body, now=self.clock(), source=source)

    def cancel(self, rma: str, reason: str) -> dict[str, Any]:
        with self._write() as tx:
            return returns.cancel_return(tx, rma, reason)

    def sweep(self) -> dict[str, list[str]]:
        """Expire lapsed RMAs and escalate missing parcels (serve runs it every WATCH_S)."""
        with self._write() as tx:
            return returns.sweep(tx, now=self.clock())

    def rmas(self, **filters: Any) -> list[dict[str, Any]]:
        with self._read() as tx:
            return returns.list_returns(tx, **filters)

    def detail(self, rma: str) -> dict[str, Any]:
        with self._read() as tx:
            return returns.return_detail(tx, rma)

    def label(self, rma: str, kind: str) -> bytes:
        """The RMA's return label: "pdf" or "zpl"."""
        with self._read() as tx:
            if kind == "pdf":
                return return_label.label_pdf(tx, rma)
            return return_label.label_zpl(tx, rma).encode()

    # --- refunds due, rates

    def refunds_due(self, **filters: Any) -> list[dict[str, Any]]:
        with self._read() as tx:
            return aftersales.refunds_due(tx, **filters)

    def settle_refund(self, refund_id: int) -> dict[str, Any]:
        with self._write() as tx:
            return aftersales.settle_refund(tx, refund_id)

    def rates(self, days: int) -> dict[str, Any]:
        with self._read() as tx:
            return return_rates.return_rates(tx, days=days, now=self.clock())

    # --- the policy

    def policy(self) -> dict[str, Any]:
        with self._read() as tx:
            return load_policy(tx).model_dump()

    def set_policy(self, policy: Policy) -> dict[str, Any]:
        with self._write() as tx:
            return save_policy(tx, policy)
