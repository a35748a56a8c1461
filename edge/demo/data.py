"""Demo data: a small Chinese e-commerce warehouse, generated from a fixed seed and seeded
through the same importer and stock commands that real data goes through.

`generate()` is pure (a seed and a date in, rows and commands out); `seed()` writes it. Later
demo parts (orders to pick, a barcode sheet) add a generator here and a step in `seed()`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from edge.demo.floor import seed_orders, seed_picked
from edge.domain.gtin import check_digit
from edge.domain.stock import AdjustStock, FreezeStock, MoveStock, ReceiveStock
from edge.service import scripted
from edge.service.imports import import_table
from edge.store.catalog import has_products
from edge.store.database import Store, meta_value, row_counts
from edge.store.importer import table_from_rows

log = logging.getLogger("edge.demo")

SEED = 20240607
SEEDED_KEY = "demo_seeded_at"  # in edge_meta: a data dir is seeded once, then reused
HISTORY_COMMANDS = 1000
COMMANDS_PER_WRITE = 250

# (badge, name, role, pin, language): printed at start so that anyone can log in.
OPERATORS = (
    ("P001", "Li Na", "picker", "1111", ""),
    ("P002", "王芳", "picker", "1111", "zh"),
    ("K001", "Zhang Wei", "packer", "2222", ""),
    ("R001", "Chen Jing", "returns", "3333", ""),
    ("S001", "Liu Yang", "supervisor", "4444", ""),
    ("A001", "Admin", "admin", "5555", ""),
)

# Variants multiply each item: (English, Chinese, weight factor).
VARIANTS = {
    "sizes": (
        ("50 g", "50克", 0.5),
        ("100 g", "100克", 1.0),
        ("250 g", "250克", 2.5),
        ("500 g", "500克", 5.0),
        ("gift box", "礼盒装", 4.0),
    ),
    "colours": (
        ("black", "黑色", 1.0),
        ("white", "白色", 1.0),
        ("blue", "蓝色", 1.0),
        ("pink", "粉色", 1.0),
        ("green", "绿色", 1.0),
    ),
    "packs": (
        ("single", "单支", 1.0),
        ("pack of 3", "3支装", 3.0),
        ("pack of 10", "10支装", 10.0),
        ("travel size", "旅行装", 0.4),
        ("family size", "家庭装", 2.5),
    ),
}
# SKU prefix -> (GS1 company number, variants, food?, "English/Chinese/grams; ...").
CATEGORIES = {
    "TEA": (
        "1201",
        "sizes",
        True,
        "Longjing green tea/龙井绿茶/110; Jasmine tea/茉莉花茶/100;"
        " Tieguanyin oolong/铁观音/110; Pu'er tea cake/普洱茶饼/120;"
        " Keemun black tea/祁门红茶/100; White peony tea/白牡丹/90;"
        " Chrysanthemum tea/菊花茶/60; Da Hong Pao/大红袍/110; Biluochun/碧螺春/100;"
        " Buckwheat tea/苦荞茶/120; Rose bud tea/玫瑰花茶/60; Goji berries/枸杞/100",
    ),
    "SNK": (
        "3305",
        "sizes",
        True,
        "Spicy peanuts/麻辣花生/110; Dried mango/芒果干/100; Seaweed crisps/海苔脆片/40;"
        " Sunflower seeds/香瓜子/110; Rice crackers/米饼/90; Beef jerky/牛肉干/100;"
        " Milk candy/奶糖/110; Haw flakes/山楂片/90; Shrimp chips/虾片/70;"
        " Spicy gluten strips/辣条/80; Walnut cookies/桃酥/120; Mooncakes/月饼/140",
    ),
    "PHN": (
        "5520",
        "colours",
        False,
        "USB-C cable 1 m/USB-C数据线1米/45; 20 W fast charger/20W快充充电器/60;"
        " Power bank 10000 mAh/充电宝10000毫安/230; Silicone phone case/硅胶手机壳/35;"
        " Screen protector/钢化膜/20; Wireless earbuds/无线耳机/55; Car mount/车载支架/110;"
        " Selfie stick/自拍杆/160; Wireless charger/无线充电器/90; Phone stand/手机支架/120;"
        " Lightning cable 2 m/苹果数据线2米/55; Bluetooth speaker/蓝牙音箱/300",
    ),
    "STA": (
        "7408",
        "packs",
        False,
        "Gel pen 0.5 mm/中性笔0.5毫米/12; A5 notebook/A5笔记本/180; Sticky notes/便利贴/60;"
        " Highlighter/荧光笔/15; Pencil case/笔袋/70; Mini stapler/迷你订书机/90;"
        " Packing tape/封箱胶带/150; Eraser/橡皮擦/20; Calligraphy brush/毛笔/30;"
        " Red envelopes/红包/40; Correction tape/修正带/25; Mechanical pencil/自动铅笔/15",
    ),
    "CAR": (
        "8816",
        "packs",
        False,
        "Herbal toothpaste/草本牙膏/150; Ginger shampoo/生姜洗发水/420; Hand cream/护手霜/60;"
        " Sheet face mask/面膜/30; Sunscreen SPF50/防晒霜SPF50/70; Body wash/沐浴露/450;"
        " Lip balm/润唇膏/10; Wet wipes/湿巾/180; Cotton pads/化妆棉/60;"
        " Bamboo toothbrush/竹牙刷/20; Hair ties/发圈/15; Foot soak herbs/泡脚药包/200",
    ),
}
PRODUCT_COUNT = 300
LOT_TRACKED = 12  # food SKUs that carry lots with expiries
AISLES, BAYS, LEVELS = "ABCDEF", 10, 5


@dataclass(frozen=True)
class DemoData:
    """Everything the demo seeds: import rows per kind, then the history of commands."""

    products: list[dict[str, Any]]
    barcodes: list[dict[str, Any]]
    locations: list[dict[str, Any]]
    containers: list[dict[str, Any]]
    operators: list[dict[str, Any]]
    stock: list[dict[str, Any]]
    history: list[Any]


# --- catalogue ------------------------------------------------------------------------------


def products(rng: random.Random) -> list[dict[str, Any]]:
    """About 300 SKUs across tea, snacks, phone accessories, stationery and personal care."""
    rows = []
    for prefix, (_, variants, food, items) in CATEGORIES.items():
        pairs = (
            (item.strip().split("/"), v) for item in items.split(";") for v in VARIANTS[variants]
        )
        for n, ((en, zh, grams), (v_en, v_zh, factor)) in enumerate(pairs, start=1):
            rows.append(
                {
                    "sku": f"{prefix}-{n:04d}",
                    "name": f"{en} {v_en}",
                    "name_zh": f"{zh} {v_zh}",
                    "weight_g": round(int(grams) * factor),
                    "lot_tracked": False,
                    "expiry_tracked": False,
                    "food": food,
                }
            )
    rows = sorted(rng.sample(rows, PRODUCT_COUNT), key=lambda r: str(r["sku"]))
    for row in rng.sample([r for r in rows if r["food"]], LOT_TRACKED):
        row["lot_tracked"] = row["expiry_tracked"] = True
    return [{k: v for k, v in r.items() if k != "food"} for r in rows]


def ean13(country: int, company: str, item: int) -> str:
    """An EAN-13 under a GS1 China prefix (690-699) with its mod-10 check digit."""
    payload = f"{country}{company}{item:05d}"
    return payload + check_digit(payload)


def barcodes(rng: random.Random, skus: Sequence[str]) -> list[dict[str, Any]]:
    """An EAN-13 per SKU; a third of them also a case GTIN-14 (indicator 1) of 12 or 24."""
    rows = []
    for sku in skus:
        prefix, number = sku.split("-")
        company = CATEGORIES[prefix][0]
        code = ean13(690 + int(company) % 10, company, int(number))
        rows.append({"code": code, "sku": sku, "pack_qty": 1})
        if rng.random() < 1 / 3:
            case = "1" + code[:-1]
            rows.append(
                {"code": case + check_digit(case), "sku": sku, "pack_qty": rng.choice((12, 24))}
            )
    return rows


def locations() -> list[dict[str, Any]]:
    """Bins A-01-01 ... F-10-05 in walking order (aisles up and down), then the other places."""
    rows, seq = [], 0
    for a, aisle in enumerate(AISLES):
        bays = range(1, BAYS + 1) if a % 2 == 0 else range(BAYS, 0, -1)
        for bay in bays:
            for level in range(1, LEVELS + 1):
                seq += 10
                rows.append(
                    {
                        "code": f"{aisle}-{bay:02d}-{level:02d}",
                        "type": "bin",
                        "zone": aisle,
                        "pick_seq": seq,
                    }
                )
    rows += [
        {"code": f"BENCH-{n}", "type": "bench", "zone": "PACK", "pick_seq": 0} for n in (1, 2, 3)
    ]
    rows += [
        {"code": "RETURNS-1", "type": "returns", "zone": "RETURNS", "pick_seq": 0},
        {"code": "Q-01", "type": "quarantine", "zone": "QA", "pick_seq": 0},
        {"code": "DOCK-1", "type": "dock", "zone": "DOCK", "pick_seq": 0},
    ]
    return rows


def containers(count: int = 40) -> list[dict[str, Any]]:
    return [{"code": f"T-{n:04d}", "type": "tote", "sscc": ""} for n in range(1, count + 1)]


def operators() -> list[dict[str, Any]]:
    keys = ("badge", "name", "role", "pin", "language")
    return [dict(zip(keys, op, strict=True)) for op in OPERATORS]


# --- stock ----------------------------------------------------------------------------------


def opening_stock(
    rng: random.Random, products_: Sequence[dict[str, Any]], bins: Sequence[str], *, today: date
) -> list[dict[str, Any]]:
    """Every SKU in its own home bin; lot-tracked ones in two lots with different expiries."""
    rows = []
    for product, bin_ in zip(products_, rng.sample(list(bins), len(products_)), strict=False):
        lots = [""]
        if product["lot_tracked"]:
            lots = [f"L{rng.randint(2400, 2512)}{letter}" for letter in "AB"]
        for lot in lots:
            expiry = (today + timedelta(days=rng.randint(30, 540))).isoformat() if lot else ""
            rows.append(
                {
                    "sku": product["sku"],
                    "location": bin_,
                    "qty": rng.randint(20, 200),
                    "lot": lot,
                    "expiry": expiry,
                }
            )
    return rows


class _Floor:
    """The generator's own count of free on_hand, so that every command it makes is valid."""

    def __init__(self, stock: Sequence[dict[str, Any]]) -> None:
        self.free: dict[tuple[str, str, str], int] = {}
        for row in stock:
            self.add(row["sku"], row["location"], row["lot"], row["qty"])

    def add(self, sku: str, location: str, lot: str, qty: int) -> None:
        key = (sku, location, lot)
        self.free[key] = self.free.get(key, 0) + qty
        if self.free[key] == 0:
            del self.free[key]

    def pick(self, rng: random.Random, *, at_least: int = 1) -> tuple[str, str, str, int]:
        key = rng.choice([k for k, q in self.free.items() if q >= at_least])
        return (*key, self.free[key])


def history(
    rng: random.Random, stock: Sequence[dict[str, Any]], bins: Sequence[str], *, count: int
) -> list[Any]:
    """`count` stock commands a week on the floor might hold: receipts, moves, adjustments and
    holds into quarantine, each valid against the stock before it. (Returns are announced by
    central's RMAs, through the feed: edge/demo/returns.py.)"""
    floor, commands = _Floor(stock), []
    makers = (_receipt, _move, _adjustment, _freeze)
    for n in range(count):
        maker = rng.choices(makers, weights=(25, 40, 20, 15))[0]
        commands.append(maker(rng, floor, bins, n))
    return commands


def _receipt(rng: random.Random, floor: _Floor, _bins: Sequence[str], _n: int) -> ReceiveStock:
    sku, location, lot, _ = floor.pick(rng)
    qty = rng.choice((12, 24, 36, 48, 60))
    floor.add(sku, location, lot, qty)
    return ReceiveStock(sku, location, qty, lot=lot, reason="purchase_order")


def _move(rng: random.Random, floor: _Floor, bins: Sequence[str], _n: int) -> MoveStock:
    sku, source, lot, free = floor.pick(rng, at_least=2)
    target = rng.choice([b for b in bins if b != source])
    qty = rng.randint(1, min(free - 1, 12))
    floor.add(sku, source, lot, -qty)
    floor.add(sku, target, lot, qty)
    return MoveStock(sku, source, target, qty, lot=lot)


def _adjustment(rng: random.Random, floor: _Floor, _bins: Sequence[str], _n: int) -> AdjustStock:
    sku, location, lot, free = floor.pick(rng, at_least=4)
    reason = rng.choice(("cycle_count", "damaged", "found", "expired", "count_correction"))
    delta = rng.randint(1, 3) * (1 if reason in ("found", "cycle_count") else -1)
    floor.add(sku, location, lot, delta)
    return AdjustStock(sku, location, delta, reason, lot=lot)


def _freeze(rng: random.Random, floor: _Floor, _bins: Sequence[str], _n: int) -> FreezeStock:
    sku, location, lot, _ = floor.pick(rng, at_least=3)
    qty = rng.randint(1, 2)
    floor.add(sku, location, lot, -qty)
    reason = rng.choice(("damaged", "quality_hold", "customer_complaint"))
    return FreezeStock(sku, location, qty, reason, target="Q-01", lot=lot)


def generate(*, seed: int = SEED, today: date) -> DemoData:
    """The whole demo data set; the same seed gives the same data (expiries follow `today`)."""
    rng = random.Random(seed)
    products_ = products(rng)
    locations_ = locations()
    bins = [r["code"] for r in locations_ if r["type"] == "bin"]
    stock = opening_stock(rng, products_, bins, today=today)
    return DemoData(
        products=products_,
        barcodes=barcodes(rng, [p["sku"] for p in products_]),
        locations=locations_,
        containers=containers(),
        operators=operators(),
        stock=stock,
        history=history(rng, stock, bins, count=HISTORY_COMMANDS),
    )


# --- seeding --------------------------------------------------------------------------------


def is_seeded(store: Store) -> bool:
    return meta_value(store.read(), SEEDED_KEY) is not None


def has_data(store: Store) -> bool:
    return has_products(store.read())


def seed(
    store: Store, *, pin_cost: int, today: date | None = None, orders: bool = True
) -> dict[str, int]:
    """Write the demo data set into an empty store; returns the counts it logs. `orders=False`
    leaves the orders to central (the demo's usual way); with True the edge releases its own."""
    started = time.monotonic()
    data = generate(today=today or datetime.now(UTC).date())
    for kind in ("products", "barcodes", "locations", "containers", "operators", "stock"):
        import_table(store, kind, table_from_rows(getattr(data, kind)), pin_cost=pin_cost)
    skipped = run_history(store, data.history)
    if orders:
        released = seed_orders(store, seed=SEED)
        picked = seed_picked(store, released)
        log.info(
            "released %d demo orders; %d of them picked into totes, ready to pack",
            len(released),
            len(picked),
        )
    scripted.remember_once(store, SEEDED_KEY)
    counts = seeded_counts(store)
    log.info(
        "seeded %s products, %s locations, %s movements in %.1f s",
        f"{counts['products']:,}",
        f"{counts['locations']:,}",
        f"{counts['movements']:,}",
        time.monotonic() - started,
    )
    if skipped:
        log.warning("%d demo history commands were refused and skipped", skipped)
    return counts


def run_history(store: Store, commands: Sequence[Any]) -> int:
    """Apply the history many commands per writer call; returns how many were refused."""
    return scripted.run_stock_commands(
        store, commands, mover="P001", supervisor="S001", per_write=COMMANDS_PER_WRITE, tag="demo"
    )


def seeded_counts(store: Store) -> dict[str, int]:
    return row_counts(store.read())


# --- running --------------------------------------------------------------------------------
