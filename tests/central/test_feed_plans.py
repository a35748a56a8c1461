"""The watch's read of the orders released and not taken (store/feed.py `releases_not_taken`)
finds the changes past each edge's cursor first and looks their orders up by key, on PostgreSQL
with no statistics yet (a young schema): planned the other way, it scanned the feed once per
released order (1.9 s with 3,000 of them, every 10 s of a flash sale)."""

from __future__ import annotations

from central_sync.server.central import Central
from central_sync.store import feed
from tests.central.databases import pg_schema


def test_the_orders_not_taken_are_looked_up_by_key_on_a_young_postgresql_schema() -> None:
    with pg_schema() as url:
        central = Central(url)
        central.open()
        try:
            central.add_edge("edge-1")
            with central.db.transaction(write=False) as tx:
                rows = tx.all("EXPLAIN " + feed.RELEASES_NOT_TAKEN, ("9999",))
                plan = "\n".join(str(next(iter(r.values()))) for r in rows)
        finally:
            central.close()

    assert "orders_pkey" in plan, plan
    assert "orders_status" not in plan, plan
