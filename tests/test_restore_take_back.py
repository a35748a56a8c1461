"""Taking back, after a restore, this edge's events that central holds past the backup, on real
SQLite files: the events are the live database's own outbox rows as the agent sends them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from central_sync.agent.restore import report_lines
from edge.domain.stock import ReceiveStock
from edge.service.restore import take_back
from edge.service.stock import receive
from edge.store import catalog
from edge.store.backup import backup, restore
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.sync_state import envelope
from edge.store.verify import verify
from tests.support import migrated_copy


def received(store: Store, sku: str, qty: int) -> None:
    def write(tx: Any) -> None:
        catalog.upsert_product(tx, sku=sku, name=f"Item {sku}")
        catalog.upsert_location(tx, code="A-01-01", type="bin")
        receive(tx, ReceiveStock(sku, "A-01-01", qty), Actor())

    store.writer.call(write)


def events_after(store: Store, seq: int) -> list[dict[str, Any]]:
    rows = store.read().execute("SELECT * FROM outbox WHERE seq > ? ORDER BY seq", (seq,))
    return [envelope(row, store.edge_id) for row in rows]


def test_stock_of_a_product_added_after_the_backup_is_taken_back_with_the_product(
    tmp_path: Path,
) -> None:
    # products imported after last night's backup, received, synced; then the disk died
    live = Store(migrated_copy(tmp_path / "live.db"))
    received(live, "OLD-1", 5)
    backup(live.path, tmp_path / "backup.db")
    received(live, "NEW-1", 3)
    past_backup = events_after(live, 1)
    live.close()
    restore(tmp_path / "backup.db", tmp_path / "restored.db", edge_id="edge-1")
    edge = Store(tmp_path / "restored.db")

    done = edge.writer.call(lambda tx: take_back(tx, past_backup, epoch=2, backup="backup.db"))

    assert done["products_added"] == ["NEW-1"]
    conn = edge.read()
    named = conn.execute("SELECT sku, name FROM products WHERE sku = 'NEW-1'")
    assert [tuple(r) for r in named] == [("NEW-1", "NEW-1")]
    on_hand = "SELECT qty FROM balances WHERE sku = 'NEW-1' AND location = 'A-01-01'"
    assert [tuple(r) for r in conn.execute(on_hand)] == [(3,)]
    edge.close()
    check = sqlite3.connect(tmp_path / "restored.db")
    assert verify(check) == []
    check.close()


def test_the_restore_says_which_products_it_added_for_a_person_to_name() -> None:
    report = {
        "gap": [{"epoch": 1, "from_seq": 2, "to_seq": 2}],
        "reapplied": 1,
        "epoch": 2,
        "products_added": ["NEW-1", "NEW-2"],
    }

    assert report_lines(report)[2] == (
        "needs a person: products the backup did not know, added by their SKU alone (import their"
        " names and barcodes, or central's catalogue sends them): NEW-1, NEW-2"
    )
