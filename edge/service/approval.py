"""A supervisor's approval on the spot: badge + PIN typed on the packer's device, checked like a
login (a wrong PIN counts towards the badge's lockout) but opening no session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS, Role
from edge.service.auth import AuthSettings, count_pin, dummy_hash, pin_matches
from edge.service.throttle import SourceThrottle
from edge.store import operators as ops
from edge.store.database import Store


@dataclass(frozen=True)
class Approval:
    """Who approved (operator id, "name (badge)") and why."""

    operator_id: int
    who: str
    reason: str


async def approve(
    store: Store,
    settings: AuthSettings,
    *,
    badge: str,
    pin: str,
    reason: str,
    action: str,
    throttle: SourceThrottle | None = None,
    sources: tuple[str, ...] = (),
) -> Approval:
    """The supervisor or admin whose badge and PIN these are, or a refusal (bad_credentials the
    same for an unknown badge and a wrong PIN, operator_locked, or not_authorized naming `action`
    when the badge is not a manager's). With a `throttle`, failures slow their `sources` down."""
    now = datetime.now(UTC)
    if throttle is not None:
        throttle.check(sources, now)
    badge = badge.strip()
    operator = ops.operator_by_badge(store.read(), badge)
    stored = operator["pin_hash"] if operator else dummy_hash(settings.pin_hash_cost)
    good = await pin_matches(pin, stored)
    refused = (
        EdgeError("bad_credentials")
        if operator is None
        else await store.writer.run(lambda tx: count_pin(tx, settings, operator["id"], badge, good))
    )
    if refused is not None:
        if throttle is not None and not good:
            throttle.failed(sources, now)
        raise refused
    assert operator is not None
    if Role(operator["role"]) not in MANAGERS:
        allowed = [r.value for r in Role if r in MANAGERS]
        raise EdgeError("not_authorized", role=operator["role"], action=action, allowed=allowed)
    return Approval(operator["id"], f"{operator['name']} ({badge})", reason.strip())
