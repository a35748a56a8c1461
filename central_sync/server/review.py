"""Order review (待审核) at central: new orders the rules (review_rules.py) find something in are
held `on_hold` for a person; a supervisor (the admin token) releases them — they then go through
assignment as any new order — or cancels them, the cancel written back to the channel. An order
waiting longer than `alert_after_minutes` becomes a board exception and is pushed to the
exception webhook (exception_push.py). docs/central.md, "Order review"."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from central_sync.server.attention import raise_exception
from central_sync.server.errors import CentralError
from central_sync.server.exception_push import queue_exception
from central_sync.server.review_rules import (
    BlockList,
    Candidate,
    Rules,
    RulesRefused,
    check,
    fingerprint,
    hold_text,
    parse_rules,
    sentence,
)
from central_sync.store import review as review_store
from central_sync.store.db import Tx, stamp, utc_now

__all__ = ["Batch", "Candidate", "batch", "hold_text", "pending_hold", "rules", "set_rules"]

log = logging.getLogger("central.review")

OVERDUE = "review_overdue"
FINGERPRINTS_KEPT_S = 7 * 24 * 3600.0  # the longest duplicate window


def rules(tx: Tx) -> Rules:
    """The rules in force: the stored document, else the defaults (review off)."""
    stored = review_store.rules_json(tx)
    parsed = parse_rules(stored or {})
    return parsed if isinstance(parsed, Rules) else Rules()


def set_rules(tx: Tx, raw: Any) -> Rules:
    """Replace the rules; a document that does not check is refused and changes nothing."""
    parsed = parse_rules(raw)
    if isinstance(parsed, RulesRefused):
        raise CentralError("review_rules_invalid", field=parsed.field, reason=parsed.reason)
    review_store.save_rules(tx, parsed.as_json(), utc_now())
    log.info(
        "review rules set: %s", "on" if parsed.enabled else "off (every order goes straight on)"
    )
    return parsed


@dataclass
class Batch:
    """One intake batch's review: the rules read once, the fingerprints of the window, and the
    rows the batch adds (written by `write` with the batch's orders)."""

    rules: Rules
    since: str
    blocks: BlockList = field(default_factory=lambda: BlockList({}, {}, ()))
    seen: dict[str, str] = field(default_factory=dict)  # fingerprint → first order with it
    held: list[tuple[str, list[dict[str, Any]], str]] = field(default_factory=list)
    prints: list[tuple[str, str, str]] = field(default_factory=list)

    def hold(
        self,
        order_id: str,
        order: Candidate,
        lines: list[tuple[str, int]],
        now: str,
    ) -> list[dict[str, Any]]:
        """The reasons to hold this new order for review ([]: none); recorded for `write`."""
        if not self.rules.enabled:
            return []
        duplicate_of = None
        if self.rules.duplicate_window_minutes:
            mark = fingerprint(order.ship_to, lines)
            duplicate_of = self.seen.get(mark)
            self.seen.setdefault(mark, order_id)
            self.prints.append((mark, order_id, now))
        found = check(order, self.rules, duplicate_of, self.blocks)
        if found:
            self.held.append((order_id, found, now))
            log.info("order %s held for review: %s", order_id, hold_text(found, order_id))
        return found

    def write(self, tx: Tx) -> None:
        review_store.add_fingerprints(tx, self.prints)
        review_store.add_reviews(tx, self.held)


def batch(tx: Tx, candidates: list[tuple[dict[str, str], list[tuple[str, int]]]]) -> Batch:
    """The review of an intake batch: the rules and the fingerprints of these orders (ship-to,
    (sku, qty) lines) taken within the duplicate window: two small reads."""
    found = rules(tx)
    window = timedelta(minutes=found.duplicate_window_minutes)
    since = stamp(datetime.now(UTC) - window)
    out = Batch(found, since, BlockList.of(found.blocked))
    if found.enabled and found.duplicate_window_minutes and candidates:
        prints = {fingerprint(ship_to, lines) for ship_to, lines in candidates}
        out.seen = review_store.recent_fingerprints(tx, prints, since)
    return out


def pending_hold(tx: Tx, order_id: str) -> str:
    """The order's hold reason while it waits for review ("" when it does not)."""
    found = review_store.pending_reasons(tx, order_id)
    return hold_text(found, order_id) if found else ""


def shown(item: dict[str, Any], lang: str) -> dict[str, Any]:
    """A waiting order as the board shows it: its reasons in `lang` and in both languages."""
    reasons = [
        {"code": r["code"], "en": sentence(r, "en"), "zh": sentence(r, "zh")}
        for r in item["reasons"]
    ]
    said = [r["zh" if lang == "zh" else "en"] for r in reasons]
    return {
        "order_id": item["order_id"],
        "channel": item["channel"],
        "channel_order_id": item["channel_order_id"],
        "customer_ref": item["customer_ref"],
        "total": item["total"],
        "currency": item["currency"],
        "ship_to": item["ship_to"],
        "held_at": item["held_at"],
        "alerted": item["alerted_at"] is not None,
        "reasons": reasons,
        "reason": ("；" if lang == "zh" else "; ").join(said),
    }


def waiting(tx: Tx, lang: str = "en", *, limit: int = 200) -> list[dict[str, Any]]:
    return [shown(r, lang) for r in review_store.waiting(tx, limit=limit)]


def sweep(tx: Tx, now: datetime, *, pushing: bool) -> int:
    """Open a board exception for each order waiting past the rules' `alert_after_minutes`
    (once), queued for the exception webhook when one is set; the number of new ones."""
    found = rules(tx)
    review_store.forget_fingerprints(tx, stamp(now - timedelta(seconds=FINGERPRINTS_KEPT_S)))
    cutoff = stamp(now - timedelta(minutes=found.alert_after_minutes))
    new = 0
    for r in review_store.overdue(tx, cutoff):
        waited = int(
            (now - datetime.fromisoformat(r["held_at"].replace("Z", "+00:00"))).total_seconds()
            // 60
        )
        reasons = "; ".join(sentence(x, "en") for x in r["reasons"])
        detail = (
            f"order {r['order_id']} ({r['channel']} {r['channel_order_id']}) has waited"
            f" {waited} minutes for review, past {found.alert_after_minutes}: {reasons}."
            f" Release or cancel it on the board (POST /api/v1/orders/{r['order_id']}/review/"
            "release or /cancel)."
        )
        raise_exception(tx, OVERDUE, r["channel"], detail, order_id=r["order_id"])
        review_store.mark_alerted(tx, r["order_id"], stamp(now))
        if pushing:
            queue_exception(
                tx,
                key=f"{OVERDUE}:{r['order_id']}",
                kind=OVERDUE,
                where=r["channel"],
                order_id=r["order_id"],
                detail=detail,
                detail_zh=(
                    f"订单 {r['order_id']}（{r['channel']} {r['channel_order_id']}）已待审核"
                    f" {waited} 分钟，超过 {found.alert_after_minutes} 分钟："
                    + "；".join(sentence(x, "zh") for x in r["reasons"])
                    + "。请在看板上放行或取消。"
                ),
                now=stamp(now),
            )
        new += 1
    if new:
        log.warning("%d orders waiting for review past %d minutes", new, found.alert_after_minutes)
    return new
