"""The site's return policy: how many days after shipping a return needs no reason, until when
one is taken with a reason, per channel and product category; when an RMA lapses, when its
missing parcel needs a person, and whether a destroyed unit is refunded. Kept in `central_meta`
as one JSON document (`GET`/`PUT /api/v1/returns/policy`); docs/central.md, "Returns and refunds".

The decision is pure: `window(policy, channel, category)` and `check_lines(...)` read no clock
(the caller passes the days since shipping)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from central_sync.server.errors import CentralError
from central_sync.store.db import Tx
from central_sync.store.meta import meta_value, set_meta_value
from kernel.fields import ONE_LINE, PRINTABLE

POLICY_KEY = "return_policy"
# A reason that asks for nothing: the customer's right to return within the no-reason window.
NO_REASON = "no_reason"
REASONS = (NO_REASON, "damaged", "defective", "wrong_item", "not_as_described", "other")


class ReturnTo(BaseModel):
    """Where a return label sends the parcel (a warehouse's returns desk)."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, ONE_LINE] = Field(default="Returns desk", min_length=1, max_length=200)
    line1: Annotated[str, ONE_LINE] = Field(default="", max_length=200)
    line2: Annotated[str, ONE_LINE] = Field(default="", max_length=200)
    city: Annotated[str, ONE_LINE] = Field(default="", max_length=100)
    region: Annotated[str, ONE_LINE] = Field(default="", max_length=100)
    postal_code: Annotated[str, PRINTABLE] = Field(default="", max_length=32)
    country: Annotated[str, ONE_LINE] = Field(default="", max_length=64)
    phone: Annotated[str, PRINTABLE] = Field(default="", max_length=64)


class Rule(BaseModel):
    """The windows for one channel and/or category ("*" for any); the most specific rule wins."""

    model_config = ConfigDict(extra="forbid")
    channel: Annotated[str, PRINTABLE] = Field(default="*", min_length=1, max_length=32)
    category: Annotated[str, PRINTABLE] = Field(default="*", min_length=1, max_length=64)
    days_without_reason: int = Field(ge=0, le=3650)
    days_with_reason: int = Field(ge=0, le=3650)

    @model_validator(mode="after")
    def _ordered(self) -> Rule:
        if self.days_with_reason < self.days_without_reason:
            raise ValueError("days_with_reason must be at least days_without_reason")
        return self


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days_without_reason: int = Field(default=7, ge=0, le=3650)  # 七天无理由退货
    days_with_reason: int = Field(default=30, ge=0, le=3650)
    # Central has no delivery scan: the window opens this many days after shipping.
    transit_days: int = Field(default=0, ge=0, le=60)
    expire_after_days: int = Field(default=30, ge=1, le=365)
    arrive_within_days: int = Field(default=14, ge=1, le=365)
    destroy_refunds: bool = True
    carrier: Annotated[str, PRINTABLE] = Field(default="RETURN", min_length=1, max_length=32)
    return_to: dict[str, ReturnTo] = Field(default_factory=dict, max_length=200)
    rules: list[Rule] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> Policy:
        if self.days_with_reason < self.days_without_reason:
            raise ValueError("days_with_reason must be at least days_without_reason")
        return self


@dataclass(frozen=True)
class Window:
    days_without_reason: int
    days_with_reason: int
    rule: str  # which rule gave it, for the refusal's text


def window(policy: Policy, channel: str, category: str) -> Window:
    """The windows for a line of `category` sold on `channel`: the most specific rule (channel
    and category, then category, then channel), else the policy's own."""
    best: tuple[int, Rule] | None = None
    for rule in policy.rules:
        if rule.channel not in ("*", channel) or rule.category not in ("*", category):
            continue
        rank = (rule.category != "*") * 2 + (rule.channel != "*")
        if best is None or rank > best[0]:
            best = (rank, rule)
    if best is None:
        return Window(policy.days_without_reason, policy.days_with_reason, "default")
    rule = best[1]
    return Window(
        rule.days_without_reason, rule.days_with_reason, f"{rule.channel}/{rule.category}"
    )


@dataclass(frozen=True)
class Line:
    sku: str
    category: str
    reason: str  # the line's reason, else the request's, else ""


def check_lines(
    policy: Policy, *, order_id: str, channel: str, days: int, lines: Sequence[Line]
) -> None:
    """Refuse a line past its window (`return_window_closed`), or past its no-reason window
    without a reason (`return_reason_required`). `days`: whole days since shipping."""
    counted = max(days - policy.transit_days, 0)
    for n, line in enumerate(lines):
        w = window(policy, channel, line.category)
        params = {
            "order_id": order_id,
            "days": counted,
            "sku": line.sku,
            "line": n,
            "category": line.category or "-",
            "channel": channel,
        }
        if counted > w.days_with_reason:
            raise CentralError("return_window_closed", limit=w.days_with_reason, **params)
        if counted > w.days_without_reason and line.reason in ("", NO_REASON):
            raise CentralError("return_reason_required", limit=w.days_without_reason, **params)


def load_policy(tx: Tx) -> Policy:
    raw = meta_value(tx, POLICY_KEY)
    return Policy() if raw is None else Policy.model_validate(json.loads(raw))


def save_policy(tx: Tx, policy: Policy) -> dict[str, Any]:
    set_meta_value(tx, POLICY_KEY, policy.model_dump_json())
    return policy.model_dump()
