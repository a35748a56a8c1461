"""A supervisor's approval on the spot: badge + PIN typed on the packer's device, checked like a
login (a wrong PIN counts towards the badge's lockout) but opening no session."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS, Role, verify_pin
from edge.service.auth import _DUMMY_HASH, AuthSettings, count_pin
from edge.store import operators as ops
from edge.store.store import Store


@dataclass(frozen=True)
class Approval:
    """Who approved (operator id, "name (badge)") and why."""

    operator_id: int
    who: str
    reason: str


async def approve(
    store: Store, settings: AuthSettings, *, badge: str, pin: str, reason: str, action: str
) -> Approval:
    """The supervisor or admin whose badge and PIN these are, or a refusal (bad_credentials,
    operator_locked, or not_authorized naming `action` when the badge is not a manager's)."""
    badge = badge.strip()
    operator = ops.operator_by_badge(store.read(), badge)
    stored = operator["pin_hash"] if operator else _DUMMY_HASH
    good = await run_in_threadpool(verify_pin, pin, stored)
    if operator is None:
        raise EdgeError("bad_credentials", attempts_left=settings.max_pin_attempts)
    refused = await store.writer.run(
        lambda tx: count_pin(tx, settings, operator["id"], badge, good)
    )
    if refused is not None:
        raise refused
    if Role(operator["role"]) not in MANAGERS:
        allowed = [r.value for r in Role if r in MANAGERS]
        raise EdgeError("not_authorized", role=operator["role"], action=action, allowed=allowed)
    return Approval(operator["id"], f"{operator['name']} ({badge})", reason.strip())
