"""The floor a load test works on (`warehouse-edge loadtest`), seeded beside whatever the edge
holds: its own products, bins, totes, operators, handhelds and orders, every code starting LT-,
so nothing of the site's is scanned, moved or picked by them (on a rehearsal edge, see the
command's help). Each function owns its transactions, as the demo's seeding does."""

from __future__ import annotations

import random
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from edge.config import Settings
from edge.domain.gtin import check_digit
from edge.domain.operator import Role, hash_pin
from edge.domain.shelf_life import ShelfRules
from edge.domain.stock import ReceiveStock
from edge.service import scripted
from edge.service.orders import receive_order
from edge.service.stock import receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.operators import add_operator, enrol_device
from edge.store.orders import NewLine, NewOrder
from edge.store.writer import Tx

CHANNEL = "loadtest"
BINS = 40  # LT-A-01 … LT-D-10, one SKU each
SPARE_UNITS = 20  # per bin over what the run's orders take
DEVICES = uuid.UUID("6f1d3c52-8a2b-4d7e-9a51-0c3b2f4e1a77")  # namespace of the handhelds' ids
ROLE_BADGES = {Role.PICKER: "LT-PICK", Role.PACKER: "LT-PACK", Role.RETURNS: "LT-RET"}
# who picks and packs the orders to return before the run: operators of their own, no handheld,
# so an edge with no pack bench (no packer terminals) still has parcels for its returns clerks
SHIPPERS = {Role.PICKER: "LT-SHIP-PICK", Role.PACKER: "LT-SHIP-PACK"}


@dataclass(frozen=True)
class Plan:
    """What to seed: terminals per role, pick orders, shipped orders to return, hot SKUs."""

    run: str  # a few characters naming this run in its totes and orders
    terminals: dict[Role, int]
    orders: int
    returns: int
    hot_skus: int = 0
    hot_stock: int = 0
    seed: int = 5


@dataclass(frozen=True)
class Handheld:
    badge: str
    role: Role
    device_id: str
    device_secret: str


@dataclass
class Rehearsal:
    """What was seeded: each SKU's barcode, the totes' prefix, the handhelds with their badges,
    the shipped orders to return (order → unit barcodes), the hot SKUs, the operators' PIN."""

    pin: str
    barcodes: dict[str, str]
    tote_prefix: str
    handhelds: list[Handheld]
    returns: dict[str, list[str]] = field(default_factory=dict)
    hot: list[str] = field(default_factory=list)


def hot_sku(run: str, n: int) -> str:
    """A hot SKU of this run: new each run, so no buyer of an earlier run waits for its stock."""
    return f"LT-HOT-{run}-{n + 1}"


def seed(store: Store, settings: Settings, plan: Plan) -> Rehearsal:
    """Seed the plan (one transaction), then pick, pack and dispatch the orders to return (one
    transaction each, as the demo ships its own)."""
    pin = f"{secrets.randbelow(10**6):06d}"
    pin_hash = hash_pin(pin, salt=secrets.token_bytes(16), cost=settings.auth.pin_hash_cost)
    rehearsal = store.writer.call(lambda tx: _seed(tx, plan, pin, pin_hash))
    if rehearsal.returns:
        _ship(store, settings, rehearsal, plan)
    return rehearsal


def catalogue(run: str, hot_skus: int) -> list[dict[str, Any]]:
    """The floor's products as central's catalogue takes them (sku, name, barcodes): central
    sends them down to its edges, so it must know the barcodes the edge scans."""
    found = [(sku, f"Load test item {n:03d}", code) for n, (sku, code, _) in enumerate(_products())]
    found += [
        (hot_sku(run, n), f"Load test hot item {n + 1}", _hot_barcode(run, n))
        for n in range(hot_skus)
    ]
    return [{"sku": s, "name": name, "barcodes": [{"code": c}]} for s, name, c in found]


def _hot_barcode(run: str, n: int) -> str:
    """An EAN-13 under 9508 (the floor's are under 9506): the run's number, the SKU's."""
    payload = f"9508{int(run, 16):05d}{n:03d}"
    return payload + check_digit(payload)


def _products() -> list[tuple[str, str, str]]:
    """(sku, barcode, bin) of the floor: EAN-13s under the GS1 example prefix 950600."""
    found = []
    for n in range(BINS):
        payload = f"95060079{n:04d}"
        found.append((f"LT-SKU-{n:03d}", payload + check_digit(payload), _bin(n)))
    return found


def _bin(n: int) -> str:
    return f"LT-{'ABCD'[n // 10]}-{n % 10 + 1:02d}"


def _orders(plan: Plan, skus: list[str], count: int, first: int) -> list[NewOrder]:
    rng = random.Random(plan.seed + first)
    made = []
    for n in range(first, first + count):
        lines = tuple(NewLine(s, rng.randint(1, 2)) for s in rng.sample(skus, rng.randint(1, 3)))
        number = f"LT-{plan.run}-{n:06d}"
        made.append(NewOrder(CHANNEL, number, lines, id=number))
    return made


def _seed(tx: Tx, plan: Plan, pin: str, pin_hash: str) -> Rehearsal:
    products = _products()
    skus = [sku for sku, _, _ in products]
    picks = _orders(plan, skus, plan.orders, 0)
    returned = _orders(plan, skus, plan.returns, plan.orders)
    need = Counter(dict.fromkeys(skus, SPARE_UNITS))
    for order in picks + returned:
        need.update({line.sku: line.qty for line in order.lines})
    for n, (sku, barcode, code) in enumerate(products):
        catalog.upsert_product(tx, sku=sku, name=f"Load test item {n:03d}")
        catalog.add_barcode(tx, code=barcode, sku=sku)
        catalog.upsert_location(tx, code=code, type="bin", pick_seq=9_000_000 + n)
        receive(tx, ReceiveStock(sku, code, need[sku]), Actor())
    barcodes = {sku: barcode for sku, barcode, _ in products}
    hot = [hot_sku(plan.run, n) for n in range(plan.hot_skus)]
    for n, sku in enumerate(hot):
        barcodes[sku] = _hot_barcode(plan.run, n)
        catalog.upsert_product(tx, sku=sku, name=f"Load test hot item {n + 1}")
        catalog.add_barcode(tx, code=barcodes[sku], sku=sku)
        catalog.upsert_location(tx, code=sku, type="bin", pick_seq=8_999_000 + n)
        if plan.hot_stock:
            receive(tx, ReceiveStock(sku, sku, plan.hot_stock), Actor())
    prefix = f"LT-{plan.run}-T"
    totes = plan.orders + plan.returns + 24 * sum(plan.terminals.values()) + 100
    for n in range(1, totes + 1):
        catalog.upsert_container(tx, code=f"{prefix}{n:04d}", type="tote")
    handhelds = _handhelds(tx, plan, pin_hash)
    for role, badge in SHIPPERS.items():
        add_operator(tx, badge=badge, name=f"Load test {badge}", role=role, pin_hash=pin_hash)
    for order in picks + returned:
        receive_order(tx, order, Actor(), shelf=ShelfRules())
    rehearsal = Rehearsal(pin, barcodes, prefix, handhelds, hot=hot)
    rehearsal.returns = {
        o.id: [barcodes[ln.sku] for ln in o.lines for _ in range(ln.qty)] for o in returned
    }
    return rehearsal


def _handhelds(tx: Tx, plan: Plan, pin_hash: str) -> list[Handheld]:
    """An operator and a handheld of its own per terminal (re-enrolled with a new secret)."""
    made = []
    for role, count in plan.terminals.items():
        for i in range(count):
            badge = f"{ROLE_BADGES[role]}-{i + 1:03d}"
            add_operator(tx, badge=badge, name=f"Load test {badge}", role=role, pin_hash=pin_hash)
            device_id = str(uuid.uuid5(DEVICES, badge))
            secret = secrets.token_urlsafe(24)
            enrol_device(tx, name=badge, kind="handheld", secret=secret, device_id=device_id)
            made.append(Handheld(badge, role, device_id, secret))
    return made


def _ship(store: Store, settings: Settings, rehearsal: Rehearsal, plan: Plan) -> None:
    """The orders to return leave, picked and packed by the shippers."""
    scripted.ship_orders(
        store,
        settings,
        list(rehearsal.returns),
        picker=SHIPPERS[Role.PICKER],
        packer=SHIPPERS[Role.PACKER],
        tag=f"lt-{plan.run}",
    )
