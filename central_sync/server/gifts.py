"""Gift rules (赠品): an order that matches a rule at intake gets a gift line, flagged `gift` with
price 0, while stock lasts (docs/central.md, "Gift rules").

A rule matches an order of its channel placed in its window [starts_at, ends_at) (the order's
`ordered_at`, else the time it came in) that has the trigger SKU, when one is named, and at least
`min_qty` units (of the trigger SKU when named, else of the order) and at least `min_total` as
the order's total, when set. The gift is added only where the warehouse the order goes to has it
to spare; an order is never held for its gift. The gift line names its rule (`gift_rule`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, Field

from central_sync.server.catalogue import SKU_PATTERN
from central_sync.server.errors import CentralError
from central_sync.store import catalogue as products
from central_sync.store import gifts as stored
from central_sync.store import kits as kit_store
from central_sync.store.db import Tx, utc_now
from kernel.fields import ZonedTime


class GiftRuleIn(BaseModel):
    channel: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    trigger_sku: str = Field(default="", max_length=64)
    min_total: str = Field(default="", max_length=32, pattern=r"^(\d{1,12}(\.\d{1,4})?)?$")
    min_qty: int = Field(default=0, ge=0, le=100_000)
    starts_at: ZonedTime
    ends_at: ZonedTime
    gift_sku: str = Field(pattern=SKU_PATTERN)
    gift_qty: int = Field(default=1, ge=1, le=100)


@dataclass(frozen=True)
class Rule:
    id: int
    channel: str
    trigger_sku: str
    min_total: str
    min_qty: int
    starts_at: str
    ends_at: str
    gift_sku: str
    gift_qty: int


@dataclass(frozen=True)
class Gift:
    rule_id: int
    sku: str
    qty: int


def add_rule(tx: Tx, rule: GiftRuleIn) -> dict[str, Any]:
    """Store a new rule; refused (`gift_rule_invalid`) when its gift is not a product, its
    trigger is unknown or its window ends before it starts."""
    reason = None
    if rule.ends_at <= rule.starts_at:
        reason = f"the window ends ({rule.ends_at}) before it starts ({rule.starts_at})"
    elif not products.known_skus(tx, [rule.gift_sku]):
        reason = f"gift {rule.gift_sku} is not a product in central's catalogue"
    elif rule.trigger_sku and not (
        products.known_skus(tx, [rule.trigger_sku]) or kit_store.kit_skus(tx, [rule.trigger_sku])
    ):
        reason = f"trigger {rule.trigger_sku} is not in central's catalogue"
    if reason:
        raise CentralError("gift_rule_invalid", reason=reason)
    rule_id = stored.add_rule(tx, rule.model_dump(warnings=False), utc_now())
    return {"id": rule_id} | rule.model_dump(warnings=False) | {"active": True}


def list_rules(tx: Tx) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.items() if k != "created_at"} | {"active": bool(r["active"])}
        for r in stored.rules(tx, active_only=False)
    ]


def end_rule(tx: Tx, rule_id: int) -> None:
    if not stored.end_rule(tx, rule_id):
        raise CentralError("not_found", what="gift rule", key=str(rule_id))


def active_rules(tx: Tx) -> list[Rule]:
    return [
        Rule(**{k: r[k] for k in Rule.__dataclass_fields__})
        for r in stored.rules(tx, active_only=True)
    ]


def _amount(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def gifts_for(
    rules: Iterable[Rule],
    *,
    channel: str,
    lines: Sequence[tuple[str, int]],
    total: str | None,
    at: str,
) -> list[Gift]:
    """The gifts the rules give an order of `channel` with (sku, qty) `lines` (pure)."""
    out = []
    for r in rules:
        if r.channel != channel or not r.starts_at <= at < r.ends_at:
            continue
        counted = [q for s, q in lines if not r.trigger_sku or s == r.trigger_sku]
        if r.trigger_sku and not counted:
            continue
        if sum(counted) < r.min_qty:
            continue
        least, paid = _amount(r.min_total), _amount(total)
        if least is not None and (paid is None or paid < least):
            continue
        out.append(Gift(r.id, r.gift_sku, r.gift_qty))
    return out


def with_gifts(need: Mapping[str, int], gifts: Iterable[Gift]) -> dict[str, int]:
    """The order's units and its gifts' (pure)."""
    out = dict(need)
    for g in gifts:
        out[g.sku] = out.get(g.sku, 0) + g.qty
    return out
