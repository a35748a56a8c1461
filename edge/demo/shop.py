"""The demo's stand-in for Shopify's Admin API: the demo has no shop, so central's Shopify
write-backs (a shipped order's fulfillment with its tracking number, the SKUs' stock figures) go
to this small listener on 127.0.0.1, through central's normal push settings
(WAREHOUSE_CENTRAL_SHOPIFY_PUSH_*, docs/central.md). It takes every call (201) and keeps what it
received, in memory, newest last: `GET /received` lists it as JSON."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from central_sync.server.outbound import push_setting

SHOP_TOKEN = "demo-shop-token"  # what central sends as X-Shopify-Access-Token
SHOP_LOCATION = "70000000001"  # the shop's location the stock figures are set at
LISTING_BASE = 40_000_000_000  # the demo SKUs' inventory item ids: this + their place in the list


@dataclass
class DemoShop:
    """The running stand-in: its URL and what it received."""

    server: ThreadingHTTPServer
    thread: threading.Thread
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def push_settings(self) -> dict[str, str]:
        """Central's Shopify push settings (environment variables) pointing at the stand-in,
        stock figures on."""
        values = {"url": self.url, "token": SHOP_TOKEN, "location_id": SHOP_LOCATION, "stock": "1"}
        return {push_setting("shopify", k): v for k, v in values.items()}

    def keep(self, method: str, path: str, key: str, body: bytes) -> None:
        try:
            payload: Any = json.loads(body or b"null")
        except ValueError:
            payload = body.decode(errors="replace")
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.lock:
            entry = {"at": at, "method": method, "path": path, "idempotency_key": key}
            self.received.append(entry | {"body": payload})

    def listing(self) -> bytes:
        with self.lock:
            return json.dumps({"received": self.received}, ensure_ascii=False).encode()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start_shop() -> DemoShop:
    """Listen on a free port of 127.0.0.1 in a daemon thread."""
    shop: DemoShop

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            shop.keep("POST", self.path, self.headers.get("Idempotency-Key", ""), body)
            self.answer(201, b"{}")

        def do_GET(self) -> None:  # noqa: N802
            if self.path.split("?")[0] == "/received":
                self.answer(200, shop.listing())
            else:
                self.answer(404, b'{"errors": "Not Found"}')

        def answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ARG002
            return  # quiet: central logs each push

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="demo-shop")
    shop = DemoShop(server, thread)
    thread.start()
    return shop


def listings(skus: list[str]) -> dict[str, str]:
    """Each SKU's inventory item id in the stand-in shop (Shopify's numeric ids)."""
    return {sku: str(LISTING_BASE + n) for n, sku in enumerate(sorted(skus), start=1)}
