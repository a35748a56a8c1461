"""The demo's central order store: a real `central_sync.server` on SQLite in the demo's data dir,
served on a free port in a thread of the demo's process, with this edge registered, the edge's
catalogue loaded and the four sample channel exports ingested. The edge then syncs with it like
any edge: its outbox goes up, the orders central assigns to it come down its change feed."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

from central_sync.agent.agent import SyncAgent
from central_sync.channels import Rejected, channels, load_mapping, map_document, sample_path
from central_sync.server.app import create_app
from central_sync.server.catalogue import Barcode, ProductIn
from central_sync.server.central import Central
from central_sync.server.channel_stock import StockRule, stock_push_channels
from central_sync.server.kits import Component, KitIn
from central_sync.server.merge import MergeSettings
from central_sync.server.outbound import settings_from
from edge.config import Settings
from edge.demo.shop import DemoShop, listings, start_shop
from edge.files import private_dir, write_atomic
from edge.store.catalog import all_barcodes, all_products, product_row
from edge.store.database import Store
from edge.store.orders import order_row
from kernel.asn import AsnIn
from kernel.serving import bind

log = logging.getLogger("edge.demo")


@dataclass
class DemoCentral:
    """A running central: its URL, the edge's token file, the admin token (for the board)."""

    url: str
    token_file: Path
    admin_token: str
    server: uvicorn.Server
    thread: threading.Thread
    central: Any
    shop: DemoShop

    def stop(self) -> None:
        # The shop first: write-backs still being sent then fail at once (kept for the next
        # start) instead of holding central's shut-down while hundreds of figures go out.
        self.shop.stop()
        self.server.should_exit = True
        self.thread.join(timeout=20)
        if self.thread.is_alive():
            log.warning("the demo's central did not stop within 20 s; its database closes with us")
            return
        self.central.close()


def start_central(data_dir: Path, store: Store) -> DemoCentral:
    """Open (and set up, the first time) the demo's central and serve it on 127.0.0.1."""
    home = data_dir / "central"
    private_dir(home)
    central = Central(f"sqlite:///{home / 'central.db'}")
    shop = start_shop()
    push_to(central, shop)
    central.open()
    admin_file, token_file = home / "admin.token", home / "edge.token"
    if not admin_file.exists():
        write_atomic(admin_file, f"{central.create_admin_token()}\n".encode())
    if not token_file.exists():
        write_atomic(token_file, f"{central.add_edge(store.edge_id, 'Demo warehouse')}\n".encode())
        load_catalogue(central, store)
        list_in_shop(central)
        load_channel_orders(central)
        load_demo_asn(central, store, datetime.now(UTC).date())
        hold_for_review(central)
        merge_two_orders(central)
        kit_order(central)
    central.merging = merging_on(central.merging)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    # As `warehouse-central serve`: a request still open at the stop (a board page, a long poll)
    # gets 5 s, so it cannot hold the demo's stop to the thread's 20 s wait.
    config = uvicorn.Config(
        create_app(central), log_level="warning", lifespan="on", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="demo-central"
    )
    thread.start()
    admin = admin_file.read_text(encoding="utf-8").strip()
    url = f"http://127.0.0.1:{port}"
    return DemoCentral(url, token_file, admin, server, thread, central, shop)


def push_to(central: Any, shop: DemoShop) -> None:
    """Central's Shopify write-backs and stock figures go to the demo's stand-in shop, read
    from central's own push settings (the environment's, with Shopify's pointing there)."""
    environ = {**os.environ, **shop.push_settings()}
    central.outbound.settings = settings_from(environ)
    central.stock_pushes = stock_push_channels(environ, central.channels)


def list_in_shop(central: Any) -> None:
    """Every SKU gets its inventory item id in the stand-in shop (Shopify's stock rule's
    `listing`): its figure is pushed there. No cap, no safety stock."""
    skus = [p["sku"] for p in central.products()]
    central.set_stock_rules(
        "shopify", StockRule(), dict.fromkeys(skus, StockRule()), listings(skus)
    )


def load_catalogue(central: Any, store: Store) -> None:
    """Central is the master of the catalogue: it gets the demo edge's products and barcodes."""
    conn = store.read()
    codes = [
        {"code": r["printed"] or r["code"], "sku": r["sku"], "pack_qty": r["pack_qty"]}
        for r in all_barcodes(conn)
    ]
    central.upsert_products(products_in(all_products(conn), codes))


DEMO_ASN = "ASN-DEMO-1"
DEMO_PALLET = "069533050000000012"  # GS1 company prefix 6953305, serial 000000001, check 2


def demo_asn(edge_id: str, skus: list[str], today: date) -> AsnIn:
    """The demo's delivery, on four lot- and expiry-tracked products, so the dock has something
    to show (docs/receiving.md, "In the demo"): line 1 arrives on an SSCC pallet and with more
    than announced (over), line 2 with less (short), line 3's cartons carry another lot than
    announced (wrong lot) and line 4's expiry is already past (expired)."""
    year = (today + timedelta(days=365)).isoformat()
    a, b, c, d = skus
    lines = [
        {"sku": a, "qty": 12, "lot": "DEMO-A1", "expiry": year},
        {"sku": b, "qty": 24, "lot": "DEMO-B1", "expiry": year},
        {"sku": c, "qty": 6, "lot": "DEMO-C1", "expiry": year},
        {"sku": d, "qty": 6, "lot": "DEMO-D1", "expiry": (today - timedelta(days=5)).isoformat()},
    ]
    pallet = {"sscc": DEMO_PALLET, "kind": "pallet", "contents": [lines[0]]}
    return AsnIn.model_validate(
        {
            "asn_id": DEMO_ASN,
            "warehouse": edge_id,
            "supplier": "Demo Supplier Co. 示范供应商",
            "expected_date": today.isoformat(),
            "lines": lines,
            "containers": [pallet],
        }
    )


def load_demo_asn(central: Any, store: Store, today: date) -> None:
    """One ASN for the demo warehouse from central, on its first four lot- and expiry-tracked
    products; it comes down the change feed with the orders."""
    conn = store.read()
    rows = (product_row(conn, p["sku"]) for p in sorted(all_products(conn), key=lambda p: p["sku"]))
    tracked = [r["sku"] for r in rows if r["lot_tracked"] and r["expiry_tracked"]][:4]
    if len(tracked) < 4:
        log.warning("central: no demo ASN: fewer than 4 lot- and expiry-tracked products")
        return
    central.asns.create(demo_asn(store.edge_id, tracked, today))
    log.info("central: ASN %s announced to %s", DEMO_ASN, store.edge_id)


def products_in(products: list[dict[str, Any]], barcodes: list[dict[str, Any]]) -> list[Any]:
    """(sku, ProductIn) pairs for central from the edge's product and barcode rows."""
    codes: dict[str, list[Barcode]] = {}
    for b in sorted(barcodes, key=lambda b: (b["sku"], b["code"])):
        codes.setdefault(b["sku"], []).append(Barcode(code=b["code"], pack_qty=b["pack_qty"]))
    return [
        (
            p["sku"],
            ProductIn(
                name=p["name"],
                name_zh=p["name_zh"],
                weight_g=p["weight_g"],
                barcodes=codes.get(p["sku"], []),
            ),
        )
        for p in sorted(products, key=lambda p: p["sku"])
    ]


def load_channel_orders(central: Any) -> dict[str, int]:
    """Ingest every shipped sample export (Taobao, JD, Shopify, Amazon shapes) as a shop would
    send them; the bad orders each sample carries are rejected and logged, the rest go in."""
    counts: dict[str, int] = {}
    for channel in channels():
        document = json.loads(sample_path(channel).read_text(encoding="utf-8"))
        mapped = list(map_document(document, load_mapping(channel)))
        kept = [m.to_json() for m in mapped if not isinstance(m, Rejected)]
        outcomes = central.ingest(kept)
        counts[channel] = sum(1 for o in outcomes if o.status == "imported")
        log.info(
            "central: %s sample: %d orders in, %d refused by the mapping",
            channel,
            counts[channel],
            len(mapped) - len(kept),
        )
    return counts


# The demo's order review (docs/central.md, "Order review"): the default address checks, and an
# order over 2,000 CNY waits for a supervisor.
REVIEW_RULES = {
    "enabled": True,
    "high_value": [{"channel": "*", "currency": "CNY", "over": "2000"}],
}


def hold_for_review(central: Any) -> list[str]:
    """Turn order review on (after the samples are in) and take one order it holds, a buyer's
    8,888 CNY order: the board's "Held for review" shows it until a supervisor releases it."""
    central.set_review_rules(REVIEW_RULES)
    sku = central.products()[0]["sku"]
    order = {
        "channel": "taobao",
        "channel_order_id": "DEMO-REVIEW-1",
        "lines": [{"sku": sku, "qty": 1}],
        "ship_to": {
            "name": "王芳",
            "phone": "13912345678",
            "country": "CN",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "address": "文三路 90 号 1 幢 201 室",
            "postcode": "310012",
        },
        "currency": "CNY",
        "total": "8888.00",
    }
    held = [o.id for o in central.ingest([order]) if o.order_status == "on_hold" and o.id]
    log.info("central: %d order held for review", len(held))
    return held


# The demo's merge window (docs/central.md, "Merged and split orders"): a buyer's two orders
# taken within it ship as one parcel. Short, so the demo shows it within seconds of starting.
MERGE_WINDOW_S = 5.0
MERGED_ORDERS = ("shopify:DEMO-MERGE-1", "shopify:DEMO-MERGE-2")


def merging_on(settings: MergeSettings) -> MergeSettings:
    """The site's merge settings with Shopify's window on (unless a window is set for it or for
    every channel): the other channels' orders, the one held for review among them, go at once."""
    if settings.window("shopify") > 0:
        return settings
    return replace(
        settings, channel_window_s={**settings.channel_window_s, "shopify": MERGE_WINDOW_S}
    )


def merge_two_orders(central: Any) -> list[str]:
    """Take two orders of one buyer within the merge window: when it ends (and the edge's stock
    is at central) they go to the edge as one order, one pick, one parcel, one waybill; each
    order's tracking number is written back to Shopify on its own."""
    central.merging = merging_on(central.merging)
    skus = [p["sku"] for p in central.products()[:2]]
    ship_to = {
        "name": "陈静",
        "phone": "13600001111",
        "country": "CN",
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "address": "漕溪北路 18 号 6 楼",
        "postcode": "200030",
    }
    taken = []
    for n, sku in enumerate(skus, start=1):
        order = {
            "channel": "shopify",
            "channel_order_id": f"DEMO-MERGE-{n}",
            "lines": [{"sku": sku, "qty": 1}],
            "customer_ref": "demo-buyer-chen",
            "ship_to": ship_to,
            "currency": "CNY",
            "total": "58.00",
        }
        taken += [o.id for o in central.ingest([order]) if o.id]
    log.info("central: orders %s wait %.0f s to be merged", taken, MERGE_WINDOW_S)
    return taken


# The demo's kit (组合装): a gift box of the catalogue's first two products, and one order for it.
KIT_SKU = "DEMO-KIT-GIFTBOX"
KIT_ORDER = "taobao:DEMO-KIT-1"


def kit_order(central: Any) -> str | None:
    """Define the demo's kit (2 × the first product + 1 × the second) and take one order for it:
    the edge gets it as component lines to pick and pack; it ships as one kit line."""
    skus = [p["sku"] for p in central.products()[:2]]
    parts = [(skus[0], 2), (skus[1], 1)]
    kit = KitIn(
        name="Gift box",
        name_zh="礼盒组合装",
        components=[Component(sku=s, qty=q) for s, q in parts],
    )
    central.upsert_kits([(KIT_SKU, kit)])
    order = {
        "channel": "taobao",
        "channel_order_id": KIT_ORDER.split(":", 1)[1],
        "lines": [{"sku": KIT_SKU, "qty": 1}],
        "ship_to": {
            "name": "李娜",
            "phone": "13700002222",
            "country": "CN",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "address": "科技园南路 8 号",
            "postcode": "518057",
        },
        "currency": "CNY",
        "total": "168.00",
    }
    taken = [o.id for o in central.ingest([order]) if o.id]
    log.info("central: kit %s defined, order %s taken", KIT_SKU, taken)
    return taken[0] if taken else None


def kit_banner(central: DemoCentral, store: Store) -> list[str]:
    """The demo's line for the kit order: which it is, what it holds, where it stands."""
    kits = {k["sku"]: k for k in central.central.list_kits()}
    kit = kits.get(KIT_SKU)
    row = order_row(store.read(), KIT_ORDER)
    if kit is None or row is None:
        return []
    parts = " + ".join(f"{c['qty']} × {c['sku']}" for c in kit["components"])
    return [
        f"Kit order (组合装) {KIT_ORDER} ({row['status']}): 1 × {KIT_SKU} = {parts}; pick it"
        " (task Pick) and pack it by scanning each component; it ships as one kit line"
    ]


def merged_banner(central: DemoCentral) -> list[str]:
    """The demo's line for the buyer's two orders central merges into one parcel."""
    return [
        f"Merged at central: {' and '.join(MERGED_ORDERS)} (one buyer) ship as one parcel"
        f" once the {central.central.merging.window('shopify'):.0f} s merge window ends"
        " (board: Merged and split)"
    ]


def held_banner(central: DemoCentral) -> list[str]:
    """The demo's lines for the orders waiting for review at central."""
    return [
        f"Held for review at central (release or cancel it on the board): {h['order_id']}:"
        f" {h['reason']}"
        for h in central.central.reviews()
    ]


def shop_banner(central: DemoCentral) -> list[str]:
    """The demo's lines for the stand-in shop: where Shopify's published figures and what the
    shop received are seen."""
    auth = f"-H 'Authorization: Bearer {central.admin_token}'"
    return [
        f"Stand-in for Shopify's Admin API (the demo has no shop) at {central.shop.url}:"
        " central writes Shopify's stock figures and shipped orders' tracking numbers back to it",
        f"  Shopify's published stock figures: curl {auth}"
        f" '{central.url}/api/v1/channels/shopify/available?since=0' (each SKU's latest;"
        " it drops within seconds when a unit leaves the edge's stock)",
        f"  What the shop received: {central.shop.url}/received (central's queue:"
        f" {central.url}/api/v1/channel-pushes?channel=shopify; the board lists refused ones)",
    ]


def synced_settings(settings: Settings, central: DemoCentral) -> Settings:
    """The edge's settings pointing at the demo's central, packing slips on with the QR code
    of its self-service returns page."""
    section = settings.central.model_copy(
        update={"url": central.url, "edge_token_file": central.token_file, "token": None}
    )
    packing = settings.packing.model_copy(update={"print_packing_slip": True})
    returns = settings.returns.model_copy(update={"self_service_url": central.url})
    return settings.model_copy(update={"central": section, "packing": packing, "returns": returns})


def sync_now(store: Store, settings: Settings) -> dict[str, int]:
    """One full exchange before the edge serves: events up, then central's orders down."""

    async def once() -> dict[str, int]:
        agent = SyncAgent(store, settings)
        try:
            return await agent.sync_once()
        finally:
            await agent.client.close()

    return asyncio.run(once())
