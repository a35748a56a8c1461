"""`ReturnDesk`: central's returns and refunds as the routers and the sweep call them, one
transaction per method (`Central.returns`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from central_sync.server import aftersales, return_label, return_rates, returns, self_service
from central_sync.server.errors import CentralError
from central_sync.server.return_policy import Policy, load_policy, save_policy
from central_sync.store.db import Tx

Opener = Callable[[], AbstractContextManager[Tx]]


def utc_clock() -> datetime:
    return datetime.now(UTC)


class ReturnDesk:
    def __init__(self, *, write: Opener, read: Opener) -> None:
        self._write = write
        self._read = read
        self.clock: Callable[[], datetime] = utc_clock  # tests move it
        self.guard = self_service.Guard()
        self._pass_key: bytes | None = None

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

    # --- the customer's self-service (a pass from lookup opens the rest)

    def _key(self) -> bytes:
        """The pass-signing key, read (made the first time) once per process."""
        if self._pass_key is None:
            with self._write() as tx:
                self._pass_key = self_service.pass_key(tx)
        return self._pass_key

    def _order_of(self, token: str) -> str:
        return self_service.read_pass(self._key(), token, now=self.clock())

    def self_lookup(self, body: self_service.LookupIn, client: str) -> dict[str, Any]:
        """Order and phone matched: a pass and the order's returnable lines; else refused, and
        the client and the order number slowed down."""
        now = self.clock()
        sources = [f"client:{client}", f"order:{body.order.strip().upper()}"]
        self.guard.check(sources, now)
        key = self._key()
        with self._read() as tx:
            order_id = self_service.lookup(tx, body)
            if order_id is not None:
                view = self_service.order_view(tx, order_id, now=now)
                return view | {"pass": self_service.make_pass(key, order_id, now=now)}
        self.guard.failed(sources, now)
        raise CentralError("self_service_no_match")

    def self_order(self, token: str) -> dict[str, Any]:
        order_id = self._order_of(token)
        with self._read() as tx:
            return self_service.order_view(tx, order_id, now=self.clock())

    def self_authorise(self, token: str, body: self_service.SelfReturnIn) -> dict[str, Any]:
        asked = returns.ReturnIn(lines=body.lines, reason=body.reason)
        return self.authorise(self._order_of(token), asked, source="self_service")

    def self_photo(self, token: str, rma: str, content_type: str, data: bytes) -> dict[str, Any]:
        order_id = self._order_of(token)
        with self._write() as tx:
            return self_service.add_photo(tx, order_id, rma, content_type, data)

    def self_label(self, token: str, rma: str) -> bytes:
        order_id = self._order_of(token)
        with self._read() as tx:
            if returns.order_of(tx, rma) != order_id:
                raise CentralError("not_found", what="RMA", key=rma)
            return return_label.label_pdf(tx, rma)

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
