"""Central waits for PostgreSQL a fixed few times per intake batch (store/db.py `read_ahead`,
`pipelined_to_commit`): the feed lock and every read the intake makes before it decides go in
one round trip with the BEGIN, the batch's rows, the running totals and the COMMIT in one more.
Under a flash sale each wait is also a wait for the GIL (central's one core of Python), so a batch
that waited once per statement (about twenty) held the feed lock that much longer. And a
statement read ahead is never answered stale: a statement that was not read ahead drops the rest."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from psycopg import pq

from central_sync.server.batch import parse_batch
from central_sync.server.central import Central
from central_sync.store.db import Tx
from tests.central.support import EdgeSide, channel_order, move

pytestmark = pytest.mark.usefixtures("catalogue")


@contextmanager
def waits_for_postgresql(central: Central) -> Iterator[list[int]]:
    """Counts the times this thread waits for PostgreSQL's answers on central's connections
    (made anew for the count): psycopg runs every exchange as a generator through `wait`; those
    that wait for answers are a statement outside pipeline mode, and in it a fetch or the sync
    at the pipeline's end (sending a statement in pipeline mode, or entering it, waits for
    nothing)."""
    count, caller, connect = [0], threading.get_ident(), central.db.dialect.connect

    def counted_connect() -> Any:
        conn = connect()
        wait = conn.wait

        def counted(gen: Any, *args: Any, **kw: Any) -> Any:
            name = getattr(gen, "__qualname__", "")
            piped = conn.pgconn.pipeline_status != pq.PipelineStatus.OFF
            sent_only = piped and not name.endswith(("_fetch_gen", "_exit_gen", "_sync_gen"))
            if threading.get_ident() == caller and not sent_only and "_enter_gen" not in name:
                count[0] += 1
            return wait(gen, *args, **kw)

        conn.wait = counted
        return conn

    assert central.settle()  # the background passes are done with their connections
    central.db.close()  # the pooled connections are made again, counted
    central.db.dialect.connect = counted_connect  # type: ignore[method-assign]
    try:
        yield count
    finally:
        central.db.dialect.connect = connect  # type: ignore[method-assign]


@pytest.fixture
def on_postgresql(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite is a file in this process: there is no round trip to count")


@pytest.mark.usefixtures("on_postgresql")
def test_an_intake_batch_waits_for_postgresql_a_fixed_few_times_whatever_its_size(
    central: Central, edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 100)
    central.ingest([channel_order("warm", ("TEA-0001", 1))])  # the statements prepared once
    waits = []
    for size, first in ((1, 0), (40, 1)):
        with waits_for_postgresql(central) as count:
            taken = central.ingest(
                [channel_order(f"o{first}-{n}", ("TEA-0001", 1)) for n in range(size)]
            )
        assert {o.order_status for o in taken} == {"released"}
        waits.append(count[0])
    # one wait for the BEGIN, the feed lock and the reads, one for the rows, the running totals
    # and the COMMIT; before, each of ~20 statements waited on its own
    assert waits[0] == waits[1], waits
    assert waits[1] <= 2, waits
    (figure,) = central.stock(sku="TEA-0001")
    assert (figure["demand"], figure["available"]) == (42, 58)


def test_a_statement_read_ahead_answers_as_the_read_would_and_never_after_a_write(
    central: Central, edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 5)
    read = "SELECT qty FROM stock WHERE sku = ? AND bucket = 'on_hand'"

    def qty(tx: Tx) -> Any:
        return tx.value(read, ("TEA-0001",))

    with central.db.transaction(write=True) as tx:
        tx.read_ahead(qty)
        assert qty(tx) == 5  # answered from the read sent ahead (PostgreSQL) or read now
        tx.read_ahead(qty)
        tx.execute("UPDATE stock SET qty = 7 WHERE sku = ? AND bucket = 'on_hand'", ("TEA-0001",))
        assert qty(tx) == 7  # the write went between: the read is made again
        tx.read_ahead(qty)
        tx.many("UPDATE stock SET qty = ? WHERE sku = ? AND bucket = 'on_hand'", [(9, "TEA-0001")])
        assert qty(tx) == 9


@pytest.mark.usefixtures("on_postgresql")
def test_an_edges_pick_batch_answers_its_orders_skus_without_a_second_transaction(
    central: Central, edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)
    (order,) = central.ingest([channel_order("1", ("TEA-0001", 2))])
    pick = move("TEA-0001", 2, "A-01-01/on_hand", "BENCH-1/T-1/picked", kind="pick")
    batch = parse_batch({"events": [edge.event("pick", pick, order_id=order.id)]}, edge.edge_id)
    with waits_for_postgresql(central) as count:
        result = central.receive_events(edge.edge_id, batch)
    assert result["applied"] == 1
    # the lock, the high water, the event ids and the orders' SKUs with the BEGIN; then the
    # batch's own statements; the SKUs for the channels' figures are no transaction of their
    # own, and its writes ride with its next read (19 before: each statement waited alone, and
    # a read transaction after the batch read those SKUs)
    assert count[0] <= 6, count
    (figure,) = central.stock(sku="TEA-0001")
    assert (figure["on_hand"], figure["picked"], figure["demand"]) == (8, 2, 0)


def test_a_statement_sent_in_a_pipeline_says_how_many_rows_it_changed(
    central: Central, edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 5)
    insert = (
        "INSERT INTO stock (warehouse, sku, bucket, qty) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (warehouse, sku, bucket) DO NOTHING"
    )
    with central.db.transaction(write=True) as tx, tx.pipelined():
        added = tx.execute(insert, ("edge-1", "TEA-0002", "on_hand", 3)).rowcount
        again = tx.execute(insert, ("edge-1", "TEA-0002", "on_hand", 4)).rowcount
        moved = tx.execute("UPDATE stock SET qty = qty + 1 WHERE warehouse = ?", ("edge-1",))
        assert (added, again, moved.rowcount) == (1, 0, 2)
    (figure,) = central.stock(sku="TEA-0002")
    assert figure["on_hand"] == 4


COUNTED = ("orders", "order_lines", "order_history", "changes")


@pytest.mark.usefixtures("on_postgresql")
def test_an_intake_batch_inserts_each_tables_rows_with_one_statement_whatever_its_size(
    central: Central, edge: EdgeSide
) -> None:
    """psycopg adapted each field of each row of an `executemany` in Python: two fifths of its
    share of an intake batch's CPU (bench/README.md, "Session 30"). The rows go as one JSON
    value now (`Tx.insert`); PostgreSQL's statement-level triggers count the statements."""
    edge.receive("TEA-0001", 100)
    with central.db.transaction(write=True) as tx:
        tx.execute("CREATE TABLE statements_seen (tbl TEXT NOT NULL)")
        tx.execute(
            "CREATE FUNCTION statement_seen() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN INSERT INTO statements_seen VALUES (TG_TABLE_NAME); RETURN NULL; END $$"
        )
        for table in COUNTED:
            tx.execute(
                f"CREATE TRIGGER {table}_seen AFTER INSERT ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION statement_seen()"
            )
    seen, ids = [], []
    for size, first in ((1, 0), (40, 1)):
        taken = central.ingest(
            [channel_order(f"o{first}-{n}", ("TEA-0001", 1)) for n in range(size)]
        )
        assert {o.order_status for o in taken} == {"released"}
        ids += [o.id for o in taken]
        with central.db.transaction(write=True) as tx:
            rows = tx.all("SELECT tbl, COUNT(*) AS n FROM statements_seen GROUP BY tbl")
            tx.execute("DELETE FROM statements_seen")
        seen.append({r["tbl"]: r["n"] for r in rows})
    assert seen[1] == seen[0] == dict.fromkeys(COUNTED, 1), seen
    (figure,) = central.stock(sku="TEA-0001")
    assert (figure["demand"], figure["available"]) == (41, 59)
    feed = central.changes(edge.edge_id, 0, 100)["changes"]
    assert [c["order_id"] for c in feed if c["type"] == "order_released"] == ids  # in order
