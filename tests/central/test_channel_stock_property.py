"""The channels' published figures never promise more than exists (channel_stock.py), whatever
the interleaving of channel orders and stock events, on both stores.

What is asserted, after every step once its changes are published (`settle`):
1. every unit any channel sold exists: the open orders' units never exceed the stock on hand
   (each sale was within the selling channel's figure at that moment);
2. each channel's figure is exactly min(⌊cap × free / 100⌋, free − safety), at least 0, where free
   is the stock on hand less every open order's units, counted here from the steps alone — so it
   never exceeds free − safety nor the channel's share;
3. where the caps sum to at most 100 %, the figures published at one moment sum to at most free,
   and a "burst" (every channel selling its whole figure in one batch, between two publications)
   still takes no unit that does not exist. With caps above 100 % in sum a burst could: that is
   the rule's stated limit (docs/central.md), so bursts are drawn only under caps that allow them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_sync.server.central import Central
from central_sync.server.channel_stock import StockRule, channel_available
from tests.central.support import EdgeSide, channel_order, move, product

CHANNELS = ("amazon", "jd", "shopify", "taobao")
NUMBERS = itertools.count(1)  # every example sells a SKU of its own, so examples do not meet

rule_st = st.builds(
    StockRule, cap_pct=st.sampled_from([0, 30, 50, 80, 100]), safety_stock=st.integers(0, 3)
)
step_st = st.one_of(
    st.tuples(st.just("receive"), st.integers(1, 12)),
    st.tuples(st.just("freeze"), st.integers(1, 4)),
    st.tuples(st.just("sell"), st.sampled_from(CHANNELS), st.integers(1, 100)),
    st.tuples(st.just("burst"), st.integers(1, 100)),
    st.tuples(st.just("ship"), st.integers(0, 5)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
)


@dataclass
class World:
    central: Central
    client: TestClient
    admin: dict[str, str]
    edge: EdgeSide
    sku: str
    rules: dict[str, StockRule]
    on_hand: int = 0
    open: dict[str, int] = field(default_factory=dict)  # order id: units

    @property
    def free(self) -> int:
        return self.on_hand - sum(self.open.values())

    def figures(self) -> dict[str, int]:
        assert self.central.settle(10)
        out = {}
        for channel in CHANNELS:
            resp = self.client.get(
                f"/api/v1/channels/{channel}/available", params={"since": 0}, headers=self.admin
            )
            found = [f for f in resp.json()["figures"] if f["sku"] == self.sku]
            out[channel] = found[0]["available"] if found else 0
        return out

    def orders(self, sales: list[tuple[str, int]]) -> None:
        raws, ids = [], []
        for channel, qty in sales:
            coid = f"P{next(NUMBERS)}"
            raws.append(channel_order(coid, (self.sku, qty), channel=channel))
            ids.append((f"{channel}:{coid}", qty))
        resp = self.client.post("/api/v1/orders", json={"orders": raws}, headers=self.admin)
        assert resp.status_code == 200, resp.text
        self.open.update(ids)

    def step(self, step: tuple[Any, ...]) -> None:
        kind = step[0]
        if kind == "receive":
            self.edge.receive(self.sku, step[1])
            self.on_hand += step[1]
        elif kind == "freeze" and (qty := min(step[1], self.free)) > 0:
            self.edge.send("freeze", move(self.sku, qty, "A-01-01/on_hand", "Q-01/frozen"))
            self.on_hand -= qty
        elif kind == "sell":
            figure = self.figures()[step[1]]
            if (qty := -(-figure * step[2] // 100)) > 0:
                self.orders([(step[1], qty)])
        elif kind == "burst":
            figures = self.figures()
            self.orders([(c, f) for c, f in figures.items() if f > 0])
        elif kind in ("ship", "cancel") and self.open:
            order_id = sorted(self.open)[step[1] % len(self.open)]
            qty = self.open.pop(order_id)
            if kind == "cancel":
                resp = self.client.post(
                    f"/api/v1/orders/{order_id}/cancel", json={"reason": "x"}, headers=self.admin
                )
                assert resp.status_code == 200, resp.text
                return
            picked = f"BENCH-1/{order_id.replace(':', '-')}/picked"
            self.edge.send(
                "pick", move(self.sku, qty, "A-01-01/on_hand", picked), order_id=order_id
            )
            self.edge.send(
                "order_shipped", move(self.sku, qty, picked, "shipped"), order_id=order_id
            )
            self.on_hand -= qty

    def check(self) -> None:
        figures = self.figures()
        assert self.free >= 0, "a channel sold a unit that does not exist"
        assert figures == {c: channel_available(self.free, self.rules[c]) for c in CHANNELS}
        if sum(self.rules[c].cap_pct for c in CHANNELS) <= 100:
            assert sum(figures.values()) <= self.free


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rules=st.fixed_dictionaries(dict.fromkeys(CHANNELS, rule_st)),
    per_sku=st.booleans(),
    steps=st.lists(step_st, min_size=1, max_size=10),
)
def test_the_channels_figures_never_promise_more_than_exists_whatever_the_interleaving(
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    edge: EdgeSide,
    rules: dict[str, StockRule],
    per_sku: bool,
    steps: list[tuple[Any, ...]],
) -> None:
    sku = f"PROP-{next(NUMBERS)}"
    client.post("/api/v1/products", json={"products": [product(sku)]}, headers=admin)
    for channel, rule in rules.items():  # the channel's own rule, or one for this SKU alone
        body = {"skus": [{"sku": sku} | rule.as_dict()]} if per_sku else rule.as_dict()
        resp = client.put(f"/api/v1/channels/{channel}/stock-rules", json=body, headers=admin)
        assert resp.status_code == 200, resp.text
    bursts = sum(r.cap_pct for r in rules.values()) <= 100
    world = World(central, client, admin, edge, sku, rules)

    for step in steps:
        if step[0] == "burst" and not bursts:
            continue
        world.step(step)
        world.check()
