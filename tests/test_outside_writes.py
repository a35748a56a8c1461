"""The CLI writing to the database while the server runs (`warehouse-edge import stock`, as the
README's install does): the server's next scans see that write and are answered, never a 500."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog
from edge.store.ledger import Actor
from edge.store.writer import Tx
from tests.servers import add_operators, run_cli, running_server, seed, sign_in

pytestmark = pytest.mark.slow

SKU, EAN13 = "TEA-1", "9506000134352"


def seed_floor(tx: Tx) -> None:
    catalog.upsert_product(tx, sku=SKU, name="Green tea 100g")
    catalog.add_barcode(tx, code=EAN13, sku=SKU)
    for code in ("A-01", "B-01", "C-01"):
        catalog.upsert_location(tx, code=code, type="bin")
    add_operators(tx, ["B-1"])
    receive(tx, ReceiveStock(SKU, "A-01", 10), Actor())


def move_one(http: httpx.Client, headers: dict[str, str]) -> list[int]:
    """A-01 → B-01, one unit: the statuses of the three scans."""
    return [
        http.post(
            "/api/v1/scans", json={"scan_id": uuid.uuid4().hex, "raw": raw}, headers=headers
        ).status_code
        for raw in ("A-01", "B-01", EAN13)
    ]


def test_scans_after_a_cli_import_beside_the_running_server_are_answered_and_the_ledger_verifies(
    tmp_path: Path,
) -> None:
    seed(tmp_path / "edge.db", seed_floor)
    stock_csv = tmp_path / "stock.csv"
    stock_csv.write_text("sku,location,qty\nTEA-1,C-01,5\n", encoding="utf-8")

    with running_server(tmp_path) as server, httpx.Client(base_url=server.url) as http:
        headers = sign_in(http, "B-1", device="HH-1")
        before = move_one(http, headers)
        imported = run_cli("import", "stock", str(stock_csv), "--config", str(server.config_path))
        after = [move_one(http, headers) for _ in range(2)]
        balances = http.get("/api/v1/stock", params={"sku": SKU}, headers=headers)
        server.stop()
    verified = run_cli("verify", "--config", str(tmp_path / "edge.toml"))

    assert imported.returncode == 0, imported.stderr
    assert (before, after) == ([200] * 3, [[200] * 3] * 2), server.log()
    assert "Traceback" not in server.log()
    assert verified.returncode == 0, verified.stdout + verified.stderr
    where = {(b["location"], b["bucket"]): b["qty"] for b in balances.json()}
    assert where == {("A-01", "on_hand"): 7, ("B-01", "on_hand"): 3, ("C-01", "on_hand"): 5}
