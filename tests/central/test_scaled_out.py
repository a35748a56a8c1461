"""Several central processes on one PostgreSQL: a change committed by one wakes the long-polls
held by another (LISTEN/NOTIFY), and work two of them do at once is done once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from central_sync.server import exception_push
from central_sync.server.attention import raise_exception
from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from central_sync.store import exceptions
from central_sync.store.db import utc_now
from central_sync.store.dialect import parse_db_url
from central_sync.store.listen import FeedListener
from edge.config import load_settings
from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog, sync_state
from edge.store.database import Store
from edge.store.ledger import Actor
from tests.central.databases import pg_schema
from tests.central.servers import CentralServer, add_edge, run_central, start_central
from tests.central.support import EdgeSide, channel_order, product
from tests.servers import stopping
from tests.sync.central import assert_in_step
from tests.sync.faultproxy import FaultProxy
from tests.sync.running import AgentThread, adjustments, delivered, eventually, seed_floor
from tests.test_exception_push import Listener
from tests.test_monitoring import scrape


@pytest.fixture
def pg_url() -> Iterator[str]:
    with pg_schema() as url:
        yield url


@pytest.fixture
def pair(pg_url: str) -> Iterator[tuple[Central, Central]]:
    """Two centrals on one database, each with its own connections: two processes' view."""
    a, b = Central(pg_url), Central(pg_url)
    a.open()
    yield a, b
    a.close()
    b.close()


def test_a_change_committed_by_one_central_wakes_the_listener_of_another_within_a_second(
    pair: tuple[Central, Central],
) -> None:
    a, b = pair
    a.add_edge("edge-1")
    woken = threading.Event()
    listener = FeedListener(b.db.url, woken.set).start()
    try:
        assert listener.listening.wait(10), "LISTEN did not hold"
        woken.clear()
        a.create_admin_token()  # writes no change: wakes nobody
        assert not woken.wait(0.3)

        started = time.monotonic()
        a.upsert_products([("TEA-0001", ProductIn(name="Green tea"))])

        assert woken.wait(1.0), "the other central was not woken within a second"
        assert time.monotonic() - started < 1.0
        assert listener.heard >= 1
    finally:
        listener.stop()


def test_a_listener_on_another_schema_is_not_woken(pair: tuple[Central, Central]) -> None:
    a, _ = pair
    a.add_edge("edge-1")
    with pg_schema() as elsewhere:
        woken = threading.Event()
        listener = FeedListener(parse_db_url(elsewhere), woken.set).start()
        try:
            assert listener.listening.wait(10)
            woken.clear()
            a.upsert_products([("TEA-0001", ProductIn(name="Green tea"))])
            assert not woken.wait(0.5)
        finally:
            listener.stop()


def test_two_centrals_raising_the_same_exception_at_once_open_it_once(
    pair: tuple[Central, Central], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Central B raises the exception right after A looked for an open one and found none; B
    waits for A's commit and then finds A's (the feed lock), instead of opening a second."""
    a, b = pair
    original = exceptions.open_exception_id
    caller = threading.get_ident()
    fired, done = threading.Event(), threading.Event()

    def b_raises() -> None:
        try:
            with b.write() as tx:
                raise_exception(tx, "out_of_step", "edge-1", "seen by B")
        finally:
            done.set()

    def spy(tx: Any, *args: Any) -> int | None:
        found = original(tx, *args)
        if threading.get_ident() == caller and not fired.is_set():
            fired.set()
            threading.Thread(target=b_raises, daemon=True).start()
            done.wait(1.5)  # B commits here unless it waits for A
        return found

    monkeypatch.setattr(exceptions, "open_exception_id", spy)
    with a.write() as tx:
        raise_exception(tx, "out_of_step", "edge-1", "seen by A")
    assert done.wait(30)

    opened = a.exceptions()
    assert [(e["kind"], e["detail"]) for e in opened] == [("out_of_step", "seen by B")]


def test_two_centrals_sending_the_exception_webhooks_pushes_send_each_once(
    pair: tuple[Central, Central],
) -> None:
    """Both processes' senders pass over one queue of 40 at once (a slow receiver keeps each
    pass going while the other looks): each push reaches the webhook once (the lease)."""
    a, b = pair
    with a.write() as tx:
        for n in range(40):
            exception_push.queue_exception(
                tx,
                key=f"k{n}",
                kind="review_overdue",
                where="shop",
                order_id=None,
                detail="d",
                detail_zh="d",
                now=utc_now(),
            )
    listener = Listener()
    listener.delay_s = 0.01
    listener.start()
    try:
        target = exception_push.Target(listener.url())
        senders = [exception_push.ExceptionPusher(c.write, c.read, target) for c in (a, b)]

        def drain(sender: exception_push.ExceptionPusher) -> int:
            tried = 0
            while (n := sender.send_due(limit=5)) or tried < 20:
                tried += n or 1
            return tried

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(drain, senders))
    finally:
        listener.stop()

    keys = sorted(r["body"]["key"] for r in listener.received)  # the json kind: the payload
    assert keys == sorted(f"k{n}" for n in range(40))


# --- two `warehouse-central serve` processes on one PostgreSQL --------------------------------


@pytest.fixture(scope="module")
def shared_url() -> Iterator[str]:
    """One database for the module's two processes (its tests use edges of their own)."""
    with pg_schema() as url:
        yield url


@pytest.fixture(scope="module")
def two_centrals(
    tmp_path_factory: pytest.TempPathFactory, shared_url: str
) -> Iterator[tuple[CentralServer, CentralServer]]:
    data_dir = tmp_path_factory.mktemp("centrals")
    a = start_central(shared_url, data_dir, log_name="a.log")
    with stopping(a):
        b = start_central(shared_url, data_dir, admin_token=a.admin_token, log_name="b.log")
        with stopping(b):
            yield a, b


def _admin(server: CentralServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=60)


def _products(server: CentralServer, *skus: str) -> None:
    with _admin(server) as http:
        body = {"products": [product(s) for s in skus]}
        assert http.post("/api/v1/products", json=body).status_code == 200


def _held(server: CentralServer) -> float:
    return scrape(server.url).value("central_feed_long_polls_waiting")


@pytest.mark.slow
def test_a_long_poll_held_by_one_process_is_woken_by_an_order_the_other_took_within_a_second(
    two_centrals: tuple[CentralServer, CentralServer], shared_url: str
) -> None:
    a, b = two_centrals
    token = add_edge(shared_url, "edge-lp")
    _products(a, "TEA-0001")
    with (
        httpx.Client(base_url=a.url, timeout=60) as on_a,
        httpx.Client(base_url=b.url, timeout=60) as on_b,
    ):
        EdgeSide(on_a, "edge-lp", token).receive("TEA-0001", 10)  # type: ignore[arg-type]
        edge = EdgeSide(on_b, "edge-lp", token)  # type: ignore[arg-type]
        cursor = edge.changes(0, limit=500)["next"]
        for n in range(3):
            got: dict[str, Any] = {}

            def poll(after: int = cursor, got: dict[str, Any] = got) -> None:
                got.update(edge.changes(after, wait=20))
                got["at"] = time.monotonic()

            thread = threading.Thread(target=poll, daemon=True)
            thread.start()
            deadline = time.monotonic() + 10
            while _held(b) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _held(b) == 1, "B holds no long-poll"
            assert scrape(b.url).value("central_feed_listening") == 1

            with _admin(a) as http:
                order = channel_order(f"lp-{n}", ("TEA-0001", 1))
                assert http.post("/api/v1/orders", json=order).json()["warehouse"] == "edge-lp"
                taken = time.monotonic()  # A has committed it (B may have answered already)
            thread.join(30)

            assert got["at"] - taken < 1.0, f"woken {got['at'] - taken:.2f} s after the order"
            assert [(c["type"], c["order_id"]) for c in got["changes"]] == [
                ("order_released", f"shop:lp-{n}")
            ]
            cursor = got["next"]


OURS = "warehouse IN ('edge-1', 'edge-2')"  # the flood's edges (the module shares a database)


class PgCentral:
    """What central holds, read from PostgreSQL (tests/sync/central.py's reads, for
    assert_in_step)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return [tuple(r) for r in conn.execute(sql.replace("?", "%s"), params)]

    def events(self, edge_id: str) -> list[tuple[int, int, str]]:
        return self.query(  # type: ignore[return-value]
            "SELECT epoch, seq, event_id FROM events WHERE edge_id = ? ORDER BY epoch, seq",
            (edge_id,),
        )

    def stock(self, edge_id: str) -> dict[tuple[str, str], int]:
        rows = self.query("SELECT sku, bucket, qty FROM stock WHERE warehouse = ?", (edge_id,))
        return {(sku, bucket): qty for sku, bucket, qty in rows if qty}


@contextmanager
def _edge(
    data_dir: Path,
    edge_id: str,
    url: str,
    token: str,
    *,
    seed: Callable[[Any], None] = seed_floor,
) -> Iterator[Store]:
    """A real edge store (`seed`: TEA-1 × 20, TEA-2 × 5) with its sync agent talking to `url`."""
    overrides = {
        "edge.data_dir": data_dir,
        "edge.id": edge_id,
        "central.url": url,
        "central.token": token,
        "central.long_poll_s": 2,
        "central.sync_interval_s": 0.5,
        "central.batch_size": 7,
    }
    settings = load_settings(env={}, overrides=overrides)
    store = Store(settings.db_path, edge_id=edge_id)
    store.writer.call(seed)
    agent = AgentThread(store, settings, refused_retry_s=0.5, backoff_cap_s=2.0).start()
    try:
        yield store
    finally:
        agent.stop()
        store.close()


def _edge_orders(store: Store) -> dict[str, str]:
    return {r[0]: r[1] for r in store.read().execute("SELECT id, status FROM orders")}


@pytest.mark.slow
def test_an_order_flood_over_two_processes_with_an_edge_on_each_keeps_every_promise(
    two_centrals: tuple[CentralServer, CentralServer], shared_url: str, tmp_path: Path
) -> None:
    """Two edges' agents, one on each process; 120 one-unit orders for two SKUs (50 units in
    stock) sent by 8 clients, each order to the process whose turn it is, while both edges
    adjust stock (their events up) and some released orders are cancelled on the other process:
    every event applied once, every order released to one edge and held by it alone, nothing
    oversold, each edge's feed taken whole and in order, verify-demand clean."""
    a, b = two_centrals
    servers = (a, b)
    _products(a, "TEA-1", "TEA-2")
    tokens = {e: add_edge(shared_url, e) for e in ("edge-1", "edge-2")}
    with ExitStack() as stack:
        stores = {
            e: stack.enter_context(_edge(tmp_path / e, e, server.url, tokens[e]))
            for e, server in zip(tokens, servers, strict=True)
        }
        eventually(  # both edges' opening stock is at central before the sale starts
            lambda: all(PgCentral(shared_url).stock(e) for e in stores), what="opening stock"
        )

        def client(k: int) -> list[dict[str, Any]]:
            answers = []
            for i in range(15):
                n = k * 15 + i
                sku = "TEA-2" if n % 6 == 0 else "TEA-1"
                with _admin(servers[n % 2]) as http:
                    resp = http.post("/api/v1/orders", json=channel_order(f"{n}", (sku, 1)))
                assert resp.status_code == 201, resp.text
                answers.append(resp.json())
            return answers

        with ThreadPoolExecutor(10) as pool:
            # counts at the shelf, -1 +1 +1 to a commit: the edge's stock never sinks under
            # what central released against it once a commit's events are in
            moves = [pool.submit(adjustments, s, 30, per_commit=3) for s in stores.values()]
            answers = [o for f in [pool.submit(client, k) for k in range(8)] for o in f.result()]
            for f in moves:
                f.result()

        released = [o for o in answers if o["order_status"] == "released"]
        assert len(answers) == 120 and len(released) >= 5
        cancelled = [o["id"] for o in released[:5]]
        for n, order_id in enumerate(cancelled):
            with _admin(servers[n % 2]) as http:
                body = {"reason": "buyer changed their mind"}
                assert http.post(f"/api/v1/orders/{order_id}/cancel", json=body).status_code == 200

        held = PgCentral(shared_url)

        def settled() -> bool:
            # the orders first, the outbox after: applying a release or a cancellation writes
            # the edge's events, which must be delivered too before the two sides are compared
            rows = held.query(f"SELECT id, warehouse, status FROM orders WHERE {OURS}")
            taken = {e: _edge_orders(s) for e, s in stores.items()}
            return all(
                order_id in taken[w] and (status != "cancelled" or taken[w][order_id] == status)
                for order_id, w, status in rows
            ) and all(delivered(s) for s in stores.values())

        eventually(settled, timeout=90, what="both edges in step with central")

        for e, store in stores.items():
            assert_in_step(held, store, e)  # type: ignore[arg-type]
            feed = held.query("SELECT id FROM changes WHERE edge_id = ? ORDER BY id", (e,))
            eventually(
                lambda store=store, feed=feed: sync_state.feed_cursor(store.read()) == feed[-1][0],
                what=f"{e} took its whole feed",
            )
        mine = {e: set(_edge_orders(s)) for e, s in stores.items()}
        assert mine["edge-1"].isdisjoint(mine["edge-2"])
        placed = held.query(f"SELECT id, warehouse FROM orders WHERE {OURS}")
        assert {o for o, _ in placed} == mine["edge-1"] | mine["edge-2"]
        assert all(order_id in mine[w] for order_id, w in placed)
        for order_id in cancelled:
            (w,) = [w for o, w in placed if o == order_id]
            assert _edge_orders(stores[w])[order_id] == "cancelled"
        with _admin(b) as http:
            figures = http.get("/api/v1/stock").json()["stock"]
        assert figures and all(f["available"] >= 0 for f in figures), figures  # 0 oversold
    done = run_central("verify-demand", "--db", shared_url)
    assert done.returncode == 0, done.stdout + done.stderr


def _seed_rr(tx: Any) -> None:
    """The round-robin edge's own SKU (no other edge of the module holds it), 30 units."""
    catalog.upsert_product(tx, sku="RR-1", name="Round robin tea", weight_g=100)
    catalog.upsert_location(tx, code="A-01", type="bin", pick_seq=1)
    receive(tx, ReceiveStock("RR-1", "A-01", 30), Actor())


@pytest.mark.slow
def test_an_edges_agent_behind_a_round_robin_over_two_processes_with_faults_stays_in_step(
    two_centrals: tuple[CentralServer, CentralServer], shared_url: str, tmp_path: Path
) -> None:
    """One edge's sync agent behind a round-robin proxy over A and B (each request to the next
    process), with a duplicated request and a cut answer now and then: every event once, every
    order released to it taken and the cancelled one cancelled, its feed whole and in order."""
    a, b = two_centrals
    _products(a, "RR-1")
    token = add_edge(shared_url, "edge-rr")
    ports = [int(s.url.rsplit(":", 1)[1]) for s in (a, b)]
    proxy = FaultProxy(ports[0], also_ports=(ports[1],)).start()
    proxy.chaos({"duplicate": 0.1, "cut": 0.1})
    held = PgCentral(shared_url)
    try:
        with _edge(tmp_path / "rr", "edge-rr", proxy.url, token, seed=_seed_rr) as store:
            with ThreadPoolExecutor(2) as pool:
                moved = pool.submit(adjustments, store, 24, per_commit=3, sku="RR-1")
                for n in range(12):
                    with _admin((a, b)[n % 2]) as http:
                        order = channel_order(f"rr-{n}", ("RR-1", 1))
                        assert http.post("/api/v1/orders", json=order).status_code == 201
                moved.result()
            with _admin(b) as http:
                body = {"reason": "buyer changed their mind"}
                assert http.post("/api/v1/orders/shop:rr-0/cancel", json=body).status_code == 200
            rows = "SELECT id, status FROM orders WHERE warehouse = 'edge-rr'"

            def in_step() -> bool:
                taken = _edge_orders(store)
                placed = held.query(rows)
                return (
                    delivered(store)
                    and len(placed) == 12
                    and all(
                        o in taken and (st != "cancelled" or taken[o] == "cancelled")
                        for o, st in placed
                    )
                )

            eventually(in_step, timeout=90, what="the round-robin edge in step")
            proxy.calm()
            assert_in_step(held, store, "edge-rr")  # type: ignore[arg-type]
            feed = held.query("SELECT id FROM changes WHERE edge_id = 'edge-rr' ORDER BY id")
            eventually(lambda: sync_state.feed_cursor(store.read()) == feed[-1][0], what="feed")
            assert _edge_orders(store)["shop:rr-0"] == "cancelled"
    finally:
        proxy.stop()
    assert min(proxy.served[p] for p in ports) >= 5, proxy.served  # both processes served it
    assert proxy.seen["duplicate"] + proxy.seen["cut"] >= 1, proxy.seen
