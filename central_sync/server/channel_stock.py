"""Available to sell for the channels (docs/central.md, "Available to sell for the channels").

Free stock of a SKU: the sum over the warehouses heard from within the quiet time of each one's
available-to-sell (assign.py: on_hand + returns_in_transit − open demand; frozen units are their
own bucket, never in on_hand, so they are not counted), a warehouse below zero counting 0, less
the units of the orders no warehouse holds yet (unassigned, or held before assignment); never
below 0. A quiet warehouse's stock is not offered: its figures may be stale and it gets orders
only when no other can.

A kit's free stock is what its components allow: min over its components of floor(free / qty
per kit); a component's free stock is already less what open kit orders demand of it (their
lines count as components). The channel's rule then applies to the kit's own figure.

A channel's figure (its reservation rules, the article's 最大预占比例 and safety stock):
    available = max(0, min(floor(free × cap_pct / 100), free − safety_stock))
with the channel's rule, or the SKU's own rule for that channel where one is set.

Every order, from any channel, takes its units off free stock in the transaction that takes it
in, so whatever the caps a channel selling within the figure it was last given never takes a unit
that does not exist. What the caps add: when they sum to at most 100 % over the channels, the
figures published at one moment add up to at most the free stock, so even channels selling all at
once between two publications cannot promise more than exists.

Publishing: a background pass (one thread per process, `Retrier`) recomputes the figures of only
the SKUs that an edge's batch, an order or a decision touched, in one snapshot, and writes those
that changed with the channel's next seq. The seq is the channel's cursor for the pull API and the
outbound push: it only grows, and because a publishing transaction first locks the channel's
cursor row, seqs are handed out in commit order (a reader never skips one that commits later).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from central_sync.server.assign import figures
from central_sync.server.errors import CentralError
from central_sync.server.kits import kit_available
from central_sync.server.outbound import enqueue, push_setting
from central_sync.store import channel_pushes, orders
from central_sync.store import channel_stock as stored
from central_sync.store import kits as kit_store
from central_sync.store.db import Tx, utc_now

MAX_RULES = 10_000
MAX_LISTED = 5_000  # SKUs a pass names in its statements; more, and it reads them all
ON = ("1", "true", "yes", "on")


def stock_push_channels(environ: Mapping[str, str], channels: Sequence[str]) -> tuple[str, ...]:
    """The channels whose figures are pushed: WAREHOUSE_CENTRAL_<CH>_PUSH_STOCK=1 (with the
    channel's push URL set, outbound.py); off by default, as the SKUs' listing ids come first."""
    return tuple(c for c in channels if environ.get(push_setting(c, "stock"), "").lower() in ON)


@dataclass(frozen=True)
class StockRule:
    """The share of the free stock a channel may sell (percent) and the units held back."""

    cap_pct: int = 100
    safety_stock: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"cap_pct": self.cap_pct, "safety_stock": self.safety_stock}


def channel_available(free: int, rule: StockRule) -> int:
    """What a channel may sell of `free` units under `rule` (pure)."""
    if free <= 0:
        return 0
    return max(0, min(free * rule.cap_pct // 100, free - rule.safety_stock))


def free_stock(rows: Iterable[Any], counted: Collection[str]) -> dict[str, int]:
    """Free stock per SKU from assign.figures(..., waiting=True): the counted warehouses' ATS
    (each at least 0) less the units of orders no warehouse holds (warehouse ''), at least 0."""
    free: dict[str, int] = defaultdict(int)
    for f in rows:
        if f.warehouse == "":
            free[f.sku] -= f.demand
        elif f.warehouse in counted:
            free[f.sku] += max(0, f.available)
    return {sku: max(0, n) for sku, n in free.items()}


# --- the rules


def check_channel(channel: str, known: Sequence[str]) -> None:
    if channel not in known:
        raise CentralError("unknown_channel", channel=channel, known=", ".join(known))


def rules_of(tx: Tx, channel: str) -> dict[str, Any]:
    """The channel's rule and its SKUs' own rules."""
    rows = stored.rules_of(tx, channel)
    own = next((r for r in rows if r["sku"] == ""), None)
    rule = StockRule(int(own["cap_pct"]), int(own["safety_stock"])) if own else StockRule()
    return {
        "channel": channel,
        **rule.as_dict(),
        "updated_at": own["updated_at"] if own else None,
        "skus": [
            {
                "sku": r["sku"],
                "cap_pct": int(r["cap_pct"]),
                "safety_stock": int(r["safety_stock"]),
                "listing": r["listing"],
            }
            for r in rows
            if r["sku"] != ""
        ],
    }


def set_rules(
    tx: Tx,
    channel: str,
    rule: StockRule,
    skus: Mapping[str, StockRule],
    listings: Mapping[str, str] | None = None,
) -> None:
    """Replace the channel's rules whole (the caller publishes the figures they change);
    `listings`: the channel's own id of a SKU, named by the pushes."""
    now, listed = utc_now(), listings or {}
    stored.replace_rules(
        tx,
        channel,
        [("", rule.cap_pct, rule.safety_stock, "", now)]
        + [(s, r.cap_pct, r.safety_stock, listed.get(s, ""), now) for s, r in sorted(skus.items())],
    )


def _rules(
    tx: Tx, channels: Sequence[str]
) -> tuple[dict[tuple[str, str], StockRule], dict[tuple[str, str], str]]:
    """The channels' rules by (channel, sku), and the listings set."""
    rows = stored.rules_of_channels(tx, channels)
    rules = {
        (r["channel"], r["sku"]): StockRule(int(r["cap_pct"]), int(r["safety_stock"])) for r in rows
    }
    return rules, {(r["channel"], r["sku"]): r["listing"] for r in rows if r["listing"]}


def _push(tx: Tx, channel: str, sku: str, listing: str, figure: int, seq: int, now: str) -> None:
    """Queue the figure for the channel's sender (outbound.py), in the publishing transaction;
    a figure of the SKU still waiting there is superseded (skipped): only the latest is sent, so
    an older figure can never land after a newer one."""
    prefix = f"{channel}|stock|{sku}|"
    channel_pushes.supersede_stock(tx, channel, prefix, f"superseded by seq {seq}", now)
    payload = {"status": "stock", "sku": sku, "listing": listing, "available": figure, "seq": seq}
    enqueue(tx, channel, "stock", f"{prefix}{seq}", payload, now=now)


# --- publishing


def skus_of_orders(tx: Tx, order_ids: Collection[str]) -> set[str]:
    return orders.skus_of_orders(tx, sorted(order_ids))


def publish(
    tx: Tx,
    skus: Iterable[str] | None,
    counted: Collection[str],
    channels: Sequence[str],
    *,
    push: Collection[str] = (),
) -> dict[str, int]:
    """Recompute the channels' figures of `skus` (None: every SKU central knows) and publish
    those that changed, queueing each for the channels in `push` (their senders run); returns
    how many per channel."""
    chans = sorted(channels)
    if not chans:
        return {}
    # Lock the cursors first, then read the stock: what this pass reads is at least as new as
    # any earlier seq's.
    stored.lock_cursors(tx, chans)
    listed = set(skus) if skus is not None and len(set(skus)) <= MAX_LISTED else None
    if listed is not None:  # a kit moves with its components, and is read through them
        listed |= kit_store.kits_containing(tx, listed)
    kits = kit_store.components_of(tx, listed)
    wanted = sorted(listed if listed is not None else stored.every_sku(tx) | set(kits))
    if not wanted:
        return {}
    parts = {p for ps in kits.values() for p, _ in ps}
    # Past MAX_LISTED SKUs every SKU is read: no statement names more than the databases allow.
    read = (listed | parts) if listed is not None else None
    free = free_stock(figures(tx, skus=read, waiting=True), counted)
    free |= {kit: kit_available(free, ps) for kit, ps in kits.items()}
    rules, listings = _rules(tx, chans)
    known = stored.published(tx, chans, wanted if listed is not None else None)
    cursors = stored.cursors(tx, chans)
    now, rows, counts = utc_now(), [], {}
    for channel in chans:
        seq = cursors[channel]
        for sku in wanted:
            rule = rules.get((channel, sku)) or rules.get((channel, "")) or StockRule()
            left = free.get(sku, 0)
            figure = channel_available(left, rule)
            if known.get((channel, sku)) == figure:
                continue
            seq += 1
            rows.append((channel, sku, figure, left, seq, now))
            if channel in push:
                _push(tx, channel, sku, listings.get((channel, sku), ""), figure, seq, now)
        if seq != cursors[channel]:
            counts[channel] = seq - cursors[channel]
            cursors[channel] = seq
    stored.publish_figures(tx, rows, [(cursors[c], c) for c in counts])
    return counts


def changes_since(tx: Tx, channel: str, since: int, limit: int) -> dict[str, Any]:
    """The channel's figures published after seq `since`, oldest first: each SKU once, at its
    latest figure. `cursor` is what to ask from next; `more` says another page is waiting."""
    latest = stored.cursor(tx, channel)
    if since > latest:
        raise CentralError("cursor_ahead", channel=channel, since=since, latest=latest)
    rows = stored.figures_after(tx, channel, since, limit + 1)
    page = rows[:limit]
    figures_out = [
        {
            "sku": r["sku"],
            "available": int(r["available"]),
            "free": int(r["free"]),
            "seq": int(r["seq"]),
            "published_at": r["published_at"],
        }
        for r in page
    ]
    cursor = figures_out[-1]["seq"] if figures_out else since
    return {
        "channel": channel,
        "cursor": cursor,
        "latest": latest,
        "more": len(rows) > limit,
        "figures": figures_out,
    }


def overview(tx: Tx, channels: Sequence[str]) -> list[dict[str, Any]]:
    """Per channel: its rule, how many SKUs it may sell, the units offered and its cursor."""
    out = []
    for channel in channels:
        row = stored.totals(tx, channel)
        cursor = stored.cursor(tx, channel)
        rules = rules_of(tx, channel)
        out.append(
            {
                "channel": channel,
                "cap_pct": rules["cap_pct"],
                "safety_stock": rules["safety_stock"],
                "sku_rules": len(rules["skus"]),
                "skus_selling": int((row or {}).get("selling") or 0),
                "units_offered": int((row or {}).get("units") or 0),
                "cursor": int(cursor or 0),
                "published_at": (row or {}).get("published_at"),
            }
        )
    return out
