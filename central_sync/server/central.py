"""`Central`: the service the routers and the CLI call. Each method is one transaction (or a
few, in order); after a commit that wrote the change feed, the long-polls are woken."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from central_sync.channels.mapping import channels
from central_sync.channels.pii import Decrypter, NoDecrypter
from central_sync.server import (
    access,
    aftersales,
    amend,
    attention,
    catalogue,
    channel_stock,
    consign,
    exception_push,
    gifts,
    kits,
    merge,
    orders,
    outbound,
    readdress,
    refunds,
    review,
    review_desk,
    views,
    webhooks,
)
from central_sync.server.apply import apply_batch, high_water
from central_sync.server.asns import AsnDesk
from central_sync.server.assign import QUIET_AFTER_S, edge_pool, figures
from central_sync.server.attention import UNACKED_AFTER_S
from central_sync.server.batch import EdgeEvent
from central_sync.server.environment import ADMIN_ENV
from central_sync.server.errors import CentralError
from central_sync.server.feed import changes_after
from central_sync.server.intake import Intake
from central_sync.server.metrics import CentralMetrics
from central_sync.server.outbound import Outbound
from central_sync.server.restore import RestoreReport, restore_reported, stored_events
from central_sync.server.retry import Retrier
from central_sync.server.return_desk import ReturnDesk
from central_sync.store import demand, edges
from central_sync.store.db import Database, StorageFull, Tx, utc_now
from central_sync.store.dialect import DatabaseUrl
from central_sync.store.schema import DatabaseTooNew, migrate

log = logging.getLogger("central")
# Seconds between writes of an edge's last_seen_at (a poll every second need not write each time).
HEARD_WRITE_S = 5.0
ADMIN_MEMO_S = 30.0
# The channels' figures are recomputed at most this often (seconds; central.md "How figures
# are published").
PUBLISH_EVERY_S = 0.25
# How often serve looks at the edges' states and the orders they have not taken.
WATCH_S = 10.0
# Refusals that mean the edge's stream and central's have parted (a file copied back, say).
OUT_OF_STEP = ("event_mismatch", "event_id_reused", "sequence_gap")


class Central:
    """The central order store over one database (SQLite file or PostgreSQL)."""

    def __init__(
        self,
        url: str | DatabaseUrl,
        *,
        admin_token: str | None = None,
        pool_size: int = 8,
        quiet_after_s: float = QUIET_AFTER_S,
        unacked_after_s: float = UNACKED_AFTER_S,
        decrypter: Decrypter | None = None,
        busy_timeout_s: float = 30.0,
    ) -> None:
        self.db = Database(url, size=pool_size, busy_timeout_s=busy_timeout_s)
        self.quiet_after_s = quiet_after_s
        self.unacked_after_s = unacked_after_s
        self._heard: dict[str, tuple[float, int]] = {}  # edge: (monotonic time written, cursor)
        self._states: dict[str, str] = {}
        self._admins: dict[str, float] = {}  # admin token hash: remembered until (monotonic)
        self.admin_env_token = admin_token or os.environ.get(ADMIN_ENV) or None
        self.on_feed: Callable[[], None] | None = None
        self.metrics = CentralMetrics()  # this process's counters (GET /metrics)
        self.last_seen: dict[str, str] = {}
        self.retrier = Retrier(self._retry_skus)
        # The channels' available-to-sell, recomputed for the SKUs touched ("" = every SKU).
        self.channels = tuple(channels())
        # A pass at most every PUBLISH_EVERY_S: under a flash sale's stream of batches, each
        # pass (which reads the units of every waiting order) serves many changes.
        self.publisher = Retrier(self._publish, min_interval_s=PUBLISH_EVERY_S)
        self.stock_pushes = channel_stock.stock_push_channels(os.environ, self.channels)
        self._heard_edges: tuple[str, ...] | None = None
        self.intake = Intake(self.ingest)
        # docs/central.md, "Protected ship-to"
        self.decrypter: Decrypter = decrypter or NoDecrypter()
        self.webhook_secrets = webhooks.secrets_from()  # docs/central.md, "Channel webhooks"
        self.returns = ReturnDesk(write=self.write, read=self.read)  # RMAs, refunds due
        self.asns = AsnDesk(write=self.write, read=self.read)  # advance shipping notices
        # docs/central.md, "Status back to the channels"
        self.outbound = Outbound(self.write, self.read, outbound.settings_from())
        # docs/central.md, "Order review": the board exceptions' webhook
        self.exception_pusher = exception_push.ExceptionPusher(
            self.write, self.read, exception_push.target_from()
        )
        # docs/central.md, "Merged and split orders"
        self.merging = merge.settings_from()

    @property
    def backend(self) -> str:
        return self.db.backend

    def open(self, *, recompute: bool = True) -> int:
        """Run the migrations; returns the schema version. The channels' figures are then
        recomputed in full in the background (a change a crash kept from being published is),
        unless `recompute` is False: a check that must leave the database as it found it."""
        try:
            version = migrate(self.db)
        except DatabaseTooNew as exc:
            raise CentralError("database_too_new", found=exc.found, known=exc.known) from exc
        if recompute:
            self.publisher.add({""})
        return version

    def close(self) -> None:
        self.intake.stop()
        self.retrier.stop()
        self.publisher.stop()
        self.db.close()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        with self.db.transaction(write=True) as tx:
            yield tx
        if tx.feed_written and self.on_feed is not None:
            self.on_feed()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.db.transaction(write=False) as tx:
            yield tx

    # --- edges, tokens

    def add_edge(self, edge_id: str, name: str = "") -> str:
        with self.write() as tx:
            token = access.add_edge(tx, edge_id, name)
        log.info("edge %s added", edge_id)
        return token

    def edges(self) -> list[dict[str, Any]]:
        """Every edge with its high water, state (in_step, catching_up, quiet) and lag."""
        with self.read() as tx:
            return views.edges_overview(tx, self.last_seen, utc_now(), self.quiet_after_s)

    def check_edges(self) -> list[dict[str, Any]]:
        """Log each edge's change of state, and open an exception for each order released to
        an edge that has not taken it within `unacked_after_s`. Run every WATCH_S by serve."""
        edges = self.edges()
        for e in edges:
            before = self._states.get(e["edge_id"])  # None: first look since start
            if before != e["state"] and (before is not None or e["state"] == "quiet"):
                log_state = log.warning if e["state"] == "quiet" else log.info
                log_state(
                    "edge %s: %s -> %s (last heard %s, %s s behind)",
                    e["edge_id"],
                    before or "unknown",
                    e["state"],
                    e["last_heard_at"] or "never",
                    e["behind_s"],
                )
            self._states[e["edge_id"]] = e["state"]
        with self.write() as tx:
            attention.unacknowledged(tx, self.unacked_after_s)
        with self.read() as tx:  # the warehouses whose stock the channels are offered
            heard = edge_pool(tx, self.quiet_after_s).heard
        if heard != self._heard_edges:
            self._heard_edges = heard
            self.publisher.add({""})
        return edges

    def create_admin_token(self) -> str:
        with self.write() as tx:
            return access.add_admin_token(tx)

    def has_admin_token(self) -> bool:
        with self.read() as tx:
            return access.has_admin_token(tx)

    def edge_of_token(self, token: str) -> str | None:
        with self.read() as tx:
            edge_id = access.edge_of_token(tx, token)
        if edge_id is not None:
            self.last_seen[edge_id] = utc_now()
        return edge_id

    def _hear(self, edge_id: str, cursor: int = 0) -> None:
        """Keep when the edge last asked for its feed and the cursor it asked from (written at
        most every HEARD_WRITE_S per edge, and whenever the cursor moves on). A refused request
        writes nothing; an applied batch says the edge was heard by its last_event_at."""
        written, known = self._heard.get(edge_id, (-HEARD_WRITE_S, 0))
        now = time.monotonic()
        if now - written < HEARD_WRITE_S and cursor <= known:
            return
        self._heard[edge_id] = (now, max(cursor, known))
        with self.write() as tx:
            edges.mark_heard(tx, edge_id, cursor, utc_now())

    def admin_remembered(self, token: str) -> bool:
        """Whether `token` was found to be an admin token within ADMIN_MEMO_S (no I/O)."""
        return self._admins.get(access.token_hash(token), 0.0) > time.monotonic()

    def is_admin(self, token: str) -> bool:
        """Whether `token` is an admin token; a yes is remembered ADMIN_MEMO_S (tokens are never
        taken back), so a flash sale's requests do not each read the database to be let in."""
        if self.admin_remembered(token):
            return True
        key = access.token_hash(token)
        with self.read() as tx:
            found = access.is_admin(tx, token, self.admin_env_token)
        if found:
            self._admins[key] = time.monotonic() + ADMIN_MEMO_S
        return found

    # --- up: events

    def receive_events(self, edge_id: str, events: Sequence[EdgeEvent]) -> dict[str, Any]:
        """Apply a checked batch in one transaction. Unassigned orders wanting a SKU whose stock
        moved are retried afterwards in the background (`Retrier`), never in this request."""
        try:
            with self.write() as tx:
                result = apply_batch(tx, edge_id, events)
        except CentralError as exc:
            self.metrics.event_batches.labels(edge_id, "refused").inc()
            if exc.code in OUT_OF_STEP:
                exc.extra["high_water"] = self.high_water(edge_id)
                self._out_of_step(edge_id, exc)
            log.warning("edge %s: batch refused: %s", edge_id, exc)
            raise
        self.metrics.applied(edge_id, result.applied, result.duplicates)
        if result.applied:
            log.info(
                "edge %s: %d applied, %d duplicates, high water %s",
                edge_id,
                result.applied,
                result.duplicates,
                result.high_water,
            )
        if result.changed_skus:
            self.retrier.add(result.changed_skus)
        self.publisher.add(result.order_skus)  # an order's status moved: its demand may have
        self.publisher.add(result.changed_skus)
        if self._heard_edges is not None and edge_id not in self._heard_edges:
            self._heard_edges = None  # a quiet warehouse is heard again: its stock is offered
            self.publisher.add({""})
        return result.answer()

    def _retry_skus(self, skus: set[str]) -> None:
        with self.write() as tx:
            done = orders.assign_pending(tx, skus, quiet_after_s=self.quiet_after_s)
            if self.merging.split:
                pool = edge_pool(tx, self.quiet_after_s)
                done += consign.split_waiting(tx, None, pool, skus=skus - {""})
        if done:
            self.metrics.assignments.labels("retry", "released").inc(len(done))
            log.info("%d waiting orders assigned after stock moved", len(done))
            self.publisher.add(skus)

    def _publish(self, skus: set[str]) -> None:
        """Publish the channels' figures of `skus` ("" among them: of every SKU); on a failure
        (the database down a moment) they are tried again a second later."""
        try:
            with self.write() as tx:
                counted = edge_pool(tx, self.quiet_after_s).heard
                every = "" in skus
                counts = channel_stock.publish(
                    tx,
                    None if every else skus,
                    counted,
                    self.channels,
                    push=self._stock_pushes(),
                )
        except StorageFull:  # the store has said so in the log once
            time.sleep(1.0)
            self.publisher.add(skus)
            return
        except Exception:
            log.exception("publishing the channels' figures of %d SKUs failed", len(skus))
            time.sleep(1.0)
            self.publisher.add(skus)
            return
        if counts:
            log.debug("channels' figures published: %s", counts)

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until the background retry has seen every stock change so far and the channels'
        figures are published (tests, CLI)."""
        return self.retrier.settle(timeout) and self.publisher.settle(timeout)

    def _out_of_step(self, edge_id: str, exc: CentralError) -> None:
        """The edge's stream and central's disagree: a person must look (once while open)."""
        detail = (
            f"edge {edge_id}'s events do not follow what central holds ({exc.code}: {exc}); "
            f"central holds {exc.extra['high_water']}. If the edge's database was put back by "
            "copying a file, stop it and put the backup back with `warehouse-edge restore` "
            "(which takes back what central holds past it); otherwise compare the edge's outbox "
            "with central's events before changing either."
        )
        with self.write() as tx:
            attention.raise_exception(tx, "out_of_step", edge_id, detail)

    def high_water(self, edge_id: str) -> list[dict[str, int]]:
        with self.read() as tx:
            return high_water(tx, edge_id)

    def events_of(self, edge_id: str, *, epoch: int, after: int, limit: int) -> dict[str, Any]:
        """The edge's own events central holds in `epoch` after seq `after` (for a restored edge
        to take back what its backup lacks)."""
        with self.read() as tx:
            return {"events": stored_events(tx, edge_id, epoch=epoch, after=after, limit=limit)}

    def record_restore(self, edge_id: str, report: RestoreReport) -> dict[str, Any]:
        """A restored edge says what its backup lacked and what it did: an exception for a
        person when central held events past the backup."""
        with self.write() as tx:
            return restore_reported(tx, edge_id, report)

    # --- down: the change feed

    def changes(self, edge_id: str, after: int, limit: int) -> dict[str, Any]:
        """The feed page after `after`; asking from `after` acknowledges every change up to it
        (the agent applies a page before it asks for the next)."""
        self._hear(edge_id, after)
        with self.read() as tx:
            return changes_after(tx, edge_id, after, limit)

    # --- orders

    def ingest(self, raws: Sequence[Any], *, first_index: int = 0) -> list[orders.Outcome]:
        started = time.perf_counter()
        with self.write() as tx:
            outcomes = orders.ingest(
                tx,
                raws,
                first_index=first_index,
                quiet_after_s=self.quiet_after_s,
                decrypter=self.decrypter,
                window=merge.Window(tx, self.merging, datetime.now(UTC)),
            )
            outcomes = [self._updates(tx, raws[o.index - first_index], o) for o in outcomes]
            outcomes = self._split(tx, outcomes)
            touched = channel_stock.skus_of_orders(tx, {o.id for o in outcomes if o.id})
        self.metrics.took_in(raws, outcomes, time.perf_counter() - started, first_index)
        self.publisher.add(touched)
        for o in outcomes:
            if o.status == "rejected":
                log.info(
                    "order %d (%s) rejected: %s: %s", o.index, o.channel_order_id, o.field, o.reason
                )
        return outcomes

    def _split(self, tx: Tx, outcomes: list[orders.Outcome]) -> list[orders.Outcome]:
        """With splitting allowed, the new orders no single warehouse can fill go in parts."""
        waiting = [o.id for o in outcomes if o.order_status == "unassigned" and o.id]
        if not self.merging.split or not waiting:
            return outcomes
        pool = edge_pool(tx, self.quiet_after_s)
        split = {d["id"]: d["warehouses"] for d in consign.split_waiting(tx, waiting, pool)}
        return [
            replace(
                o,
                order_status="released",
                reason=f"split across {', '.join(split[o.id])}",
            )
            if o.id in split and o.status == "imported"
            else o
            for o in outcomes
        ]

    def release_merges(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Release the orders whose merge window has ended (merged where one warehouse covers
        them all); serve does this every second."""
        with self.write() as tx:
            pool = edge_pool(tx, self.quiet_after_s)
            done = consign.release_due(tx, now or datetime.now(UTC), pool)
            left = [d["orders"][0] for d in done if d["warehouse"] is None]
            if self.merging.split and left:
                split = {s["id"]: s["warehouses"] for s in consign.split_waiting(tx, left, pool)}
                for d in done:
                    if d["warehouse"] is None and d["orders"][0] in split:
                        d["warehouses"] = split[d["orders"][0]]
            touched = channel_stock.skus_of_orders(tx, {o for d in done for o in d["orders"]})
        if done:
            log.info("merge windows closed: %s", done)
            self.publisher.add(touched)
        return done

    def _updates(self, tx: Tx, raw: Any, outcome: orders.Outcome) -> orders.Outcome:
        """A duplicate may carry refunds made since (refunds.py) and a new ship-to
        (readdress.py: then it is `updated`); anything else passes."""
        if outcome.status != "duplicate" or outcome.id is None:
            return outcome
        order = orders.parse_order(raw, outcome.index)
        if not isinstance(order, orders.OrderIn):
            return outcome
        done = refunds.apply_channel_refunds(tx, outcome.id, order.channel, order.lines)
        readdressed, moved = readdress.apply_channel_address(
            tx, outcome.id, order.channel, order.ship_to, self.decrypter
        )
        reason = "; ".join(r for r in (done, moved) if r)
        status = "updated" if readdressed else outcome.status
        return replace(outcome, status=status, reason=reason) if reason else outcome

    def assign_pending(self) -> list[dict[str, Any]]:
        with self.write() as tx:
            return orders.assign_pending(tx, quiet_after_s=self.quiet_after_s)

    # --- order review (待审核)

    def review_rules(self) -> dict[str, Any]:
        with self.read() as tx:
            return review.rules(tx).as_json()

    def set_review_rules(self, raw: Any) -> dict[str, Any]:
        with self.write() as tx:
            return review.set_rules(tx, raw).as_json()

    def reviews(self, lang: str = "en") -> list[dict[str, Any]]:
        """The orders waiting for review, the longest waiting first."""
        with self.read() as tx:
            return review.waiting(tx, lang)

    def release_review(self, order_id: str, by: str, note: str) -> dict[str, Any]:
        with self.write() as tx:
            done = review_desk.release(
                tx,
                order_id,
                by,
                note,
                quiet_after_s=self.quiet_after_s,
                window=merge.Window(tx, self.merging, datetime.now(UTC)),
            )
            touched = channel_stock.skus_of_orders(tx, {order_id})
        self.publisher.add(touched)
        return done

    def cancel_review(self, order_id: str, by: str, reason: str) -> dict[str, Any]:
        with self.write() as tx:
            done = review_desk.cancel(tx, order_id, by, reason)
            touched = channel_stock.skus_of_orders(tx, {order_id})
        self.publisher.add(touched)
        return done

    def check_reviews(self, now: datetime | None = None) -> int:
        """Open an exception (pushed to the exception webhook) for each order waiting for review
        past the rules' threshold. Run every WATCH_S by serve."""
        pushing = self.exception_pusher.target.enabled
        with self.write() as tx:
            return review.sweep(tx, now or datetime.now(UTC), pushing=pushing)

    # --- write-backs to the channels

    def channel_pushes(
        self, *, state: str | None = None, channel: str | None = None
    ) -> list[dict[str, Any]]:
        with self.read() as tx:
            return outbound.pushes(tx, state=state, channel=channel)

    def retry_push(self, push_id: int) -> dict[str, Any]:
        with self.write() as tx:
            return outbound.retry_now(tx, push_id, utc_now())

    def cancel(self, order_id: str, reason: str, *, tell_channel: bool = True) -> dict[str, Any]:
        with self.write() as tx:
            done = amend.cancel_order(tx, order_id, reason, tell_channel=tell_channel)
            touched = channel_stock.skus_of_orders(tx, {order_id})
        self.publisher.add(touched)
        return done

    def reassign(self, order_id: str, reason: str) -> dict[str, Any]:
        with self.write() as tx:
            done = amend.reassign_order(tx, order_id, reason, quiet_after_s=self.quiet_after_s)
            touched = channel_stock.skus_of_orders(tx, {order_id})
        self.publisher.add(touched)
        return done

    def change_address(self, order_id: str, ship_to: orders.ShipTo) -> dict[str, Any]:
        with self.write() as tx:
            return amend.change_address(tx, order_id, ship_to)

    def orders(self, **filters: Any) -> list[dict[str, Any]]:
        with self.read() as tx:
            return views.list_orders(tx, **filters)

    def known_order(self, channel: str, channel_order_id: str) -> str | None:
        """Central's id of a channel order it has, else None."""
        with self.read() as tx:
            return orders.find_order(tx, channel, channel_order_id)

    def order(self, order_id: str) -> dict[str, Any]:
        with self.read() as tx:
            found = views.order_detail(tx, order_id)
        if found is None:
            raise CentralError("not_found", what="order", key=order_id)
        return found

    def stock(
        self, *, sku: str | None = None, warehouse: str | None = None
    ) -> list[dict[str, Any]]:
        with self.read() as tx:
            rows = figures(tx, skus=[sku] if sku else None, warehouse=warehouse or None)
        return [f.as_dict() for f in rows]

    def demand_differences(self, *, repair: bool = False) -> list[dict[str, Any]]:
        """Each (warehouse, SKU) whose running open demand is not the demand recounted from the
        orders (none when all is well); with `repair`, the running totals are recounted too."""
        with self.write() as tx:
            wrong = demand.differences(tx)
            if wrong and repair:
                demand.rebuild(tx)
        if wrong:
            log.warning("running open demand differed from the orders at %d places", len(wrong))
        return wrong

    # --- available to sell for the channels (channel_stock.py)

    def stock_rules(self, channel: str) -> dict[str, Any]:
        channel_stock.check_channel(channel, self.channels)
        with self.read() as tx:
            return channel_stock.rules_of(tx, channel)

    def set_stock_rules(
        self,
        channel: str,
        rule: channel_stock.StockRule,
        skus: dict[str, channel_stock.StockRule],
        listings: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Replace the channel's reservation rules and publish the figures they change, in one
        transaction."""
        channel_stock.check_channel(channel, self.channels)
        with self.write() as tx:
            channel_stock.set_rules(tx, channel, rule, skus, listings)
            counted = edge_pool(tx, self.quiet_after_s).heard
            push = self._stock_pushes()
            counts = channel_stock.publish(tx, None, counted, [channel], push=push)
            rules = channel_stock.rules_of(tx, channel)
        log.info("channel %s: stock rules set, %d figures published", channel, sum(counts.values()))
        return rules | {"published": counts.get(channel, 0)}

    def _stock_pushes(self) -> set[str]:
        """The channels whose figures are queued for their sender (stock on, sender running)."""
        return set(self.stock_pushes) & set(self.outbound.channels())

    def available(self, channel: str, since: int, limit: int) -> dict[str, Any]:
        channel_stock.check_channel(channel, self.channels)
        with self.read() as tx:
            return channel_stock.changes_since(tx, channel, since, limit)

    def channel_overview(self) -> list[dict[str, Any]]:
        with self.read() as tx:
            return channel_stock.overview(tx, self.channels)

    # --- catalogue

    def upsert_products(self, products: Sequence[tuple[str, Any]]) -> dict[str, int]:
        with self.write() as tx:
            counts = catalogue.upsert_products(tx, products)
        log.info("catalogue: %s", counts)
        return counts

    def products(self) -> list[dict[str, Any]]:
        with self.read() as tx:
            return catalogue.list_products(tx)

    def upsert_kits(self, defined: Sequence[tuple[str, Any]]) -> dict[str, int]:
        with self.write() as tx:
            counts = kits.upsert_kits(tx, defined)
        log.info("kits: %s", counts)
        return counts

    def list_kits(self) -> list[dict[str, Any]]:
        with self.read() as tx:
            return kits.list_kits(tx)

    def add_gift_rule(self, rule: Any) -> dict[str, Any]:
        with self.write() as tx:
            return gifts.add_rule(tx, rule)

    def gift_rules(self) -> list[dict[str, Any]]:
        with self.read() as tx:
            return gifts.list_rules(tx)

    def end_gift_rule(self, rule_id: int) -> None:
        with self.write() as tx:
            gifts.end_rule(tx, rule_id)

    # --- exceptions for a person

    def exceptions(self, *, edge_id: str | None = None) -> list[dict[str, Any]]:
        with self.read() as tx:
            return attention.open_exceptions(tx, edge_id=edge_id)

    def resolve_exception(self, exception_id: int) -> dict[str, Any]:
        with self.write() as tx:
            return attention.resolve(tx, exception_id)

    # --- the board

    def board(self, *, status: str | None = None, warehouse: str | None = None) -> dict[str, Any]:
        with self.read() as tx:
            return {
                "orders": views.list_orders(tx, status=status, warehouse=warehouse, limit=200),
                "counts": views.status_counts(tx),
                "edges": views.edges_overview(tx, self.last_seen, utc_now(), self.quiet_after_s),
                "exceptions": attention.open_exceptions(tx, edge_id=warehouse),
                "refunds_due": aftersales.refunds_due(tx, limit=100),
                "failed_pushes": outbound.pushes(tx, state="failed", limit=100),
                "channels": channel_stock.overview(tx, self.channels),
                "held": review.waiting(tx, limit=100),
                "consignments": consign.recent_consignments(tx, limit=100),
            }
