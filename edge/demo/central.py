"""The demo's central order store: a real `central_sync.server` on SQLite in the demo's data dir,
served on a free port in a thread of the demo's process, with this edge registered, the edge's
catalogue loaded and the four sample channel exports ingested. The edge then syncs with it like
any edge: its outbox goes up, the orders central assigns to it come down its change feed."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from central_sync.agent import SyncAgent
from central_sync.channels import Rejected, channels, load_mapping, map_document, sample_path
from central_sync.server.app import create_app
from central_sync.server.catalogue import Barcode, ProductIn
from central_sync.server.central import Central
from edge.config import Settings
from edge.files import private_dir, write_atomic
from edge.store.catalog import all_barcodes, all_products
from edge.store.database import Store
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

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.central.close()


def start_central(data_dir: Path, store: Store) -> DemoCentral:
    """Open (and set up, the first time) the demo's central and serve it on 127.0.0.1."""
    home = data_dir / "central"
    private_dir(home)
    central = Central(f"sqlite:///{home / 'central.db'}")
    central.open()
    admin_file, token_file = home / "admin.token", home / "edge.token"
    if not admin_file.exists():
        write_atomic(admin_file, f"{central.create_admin_token()}\n".encode())
    if not token_file.exists():
        write_atomic(token_file, f"{central.add_edge(store.edge_id, 'Demo warehouse')}\n".encode())
        load_catalogue(central, store)
        load_channel_orders(central)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(central), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="demo-central"
    )
    thread.start()
    admin = admin_file.read_text(encoding="utf-8").strip()
    return DemoCentral(f"http://127.0.0.1:{port}", token_file, admin, server, thread, central)


def load_catalogue(central: Any, store: Store) -> None:
    """Central is the master of the catalogue: it gets the demo edge's products and barcodes."""
    conn = store.read()
    codes = [
        {"code": r["printed"] or r["code"], "sku": r["sku"], "pack_qty": r["pack_qty"]}
        for r in all_barcodes(conn)
    ]
    central.upsert_products(products_in(all_products(conn), codes))


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
