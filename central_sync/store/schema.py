"""Central's schema as numbered migrations in portable SQL, run at start; a newer one is refused.

`{identity}` is the dialect's auto-numbered key. Times are ISO 8601 UTC text, JSON is text.
"""

from __future__ import annotations

import logging

from central_sync.store import demand
from central_sync.store.db import Database, Tx

log = logging.getLogger("central.schema")


class DatabaseTooNew(Exception):
    """The database was migrated by a newer version of central (`found` > `known`); nothing was
    changed. Central's server answers it as `database_too_new`."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found} is newer than this version's {known}")
        self.found = found
        self.known = known


MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE edges (
        edge_id TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_event_at TEXT,
        last_occurred_at TEXT
    );
    CREATE TABLE admin_tokens (
        token_hash TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
    );
    -- The high water per (edge, epoch): every seq 1..high_seq is stored in events.
    CREATE TABLE edge_epochs (
        edge_id TEXT NOT NULL REFERENCES edges(edge_id),
        epoch BIGINT NOT NULL,
        high_seq BIGINT NOT NULL,
        PRIMARY KEY (edge_id, epoch)
    );
    -- Every event of every edge, kept whole for audit.
    CREATE TABLE events (
        edge_id TEXT NOT NULL,
        epoch BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        event_id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        order_id TEXT,
        sku TEXT,
        payload TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (edge_id, epoch, seq)
    );
    -- The sum of each edge's balances per (SKU, bucket), from the movements of its events.
    CREATE TABLE stock (
        warehouse TEXT NOT NULL,
        sku TEXT NOT NULL,
        bucket TEXT NOT NULL,
        qty INTEGER NOT NULL,
        PRIMARY KEY (warehouse, sku, bucket)
    );
    CREATE INDEX stock_sku ON stock(sku);
    CREATE TABLE products (
        sku TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_zh TEXT NOT NULL DEFAULT '',
        weight_g INTEGER,
        barcodes TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        channel_order_id TEXT NOT NULL,
        status TEXT NOT NULL,
        warehouse TEXT,
        hold_reason TEXT NOT NULL DEFAULT '',
        ship_to TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        ship_by TEXT,
        carrier TEXT NOT NULL DEFAULT '',
        service TEXT NOT NULL DEFAULT '',
        customer_ref TEXT NOT NULL DEFAULT '',
        currency TEXT NOT NULL DEFAULT '',
        total TEXT,
        ordered_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (channel, channel_order_id)
    );
    CREATE INDEX orders_status ON orders(status, warehouse);
    CREATE INDEX orders_updated ON orders(updated_at);
    CREATE TABLE order_lines (
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_no INTEGER NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        lot TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (order_id, line_no)
    );
    -- Units of each order in the picked bucket so far (picks minus put-backs), from its events.
    CREATE TABLE order_picks (
        order_id TEXT NOT NULL REFERENCES orders(id),
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        PRIMARY KEY (order_id, sku)
    );
    CREATE TABLE order_history (
        id {identity},
        order_id TEXT NOT NULL,
        at TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        source TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX order_history_order ON order_history(order_id, id);
    CREATE TABLE shipments (
        order_id TEXT NOT NULL REFERENCES orders(id),
        parcel_no INTEGER NOT NULL,
        parcels INTEGER NOT NULL,
        tracking_number TEXT NOT NULL,
        carrier TEXT NOT NULL DEFAULT '',
        weight_g INTEGER,
        contents TEXT NOT NULL DEFAULT '[]',
        edge_id TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (order_id, parcel_no)
    );
    CREATE TABLE returns (
        rma TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders(id),
        lines TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX returns_order ON returns(order_id);
    -- The change feed: id is the cursor, increasing in commit order (see Dialect.lock_feed).
    CREATE TABLE changes (
        id {identity},
        edge_id TEXT NOT NULL,
        type TEXT NOT NULL,
        order_id TEXT,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX changes_edge ON changes(edge_id, id)
    """,
    """
    -- What a person at central must look at: an edge's late events, a gap after its restore.
    CREATE TABLE exceptions (
        id {identity},
        kind TEXT NOT NULL,
        edge_id TEXT NOT NULL,
        order_id TEXT,
        detail TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        created_at TEXT NOT NULL,
        resolved_at TEXT
    );
    CREATE INDEX exceptions_open ON exceptions(status, edge_id)
    """,
    """
    -- When central last heard from the edge (any request of its token) and the feed cursor it
    -- last asked from: every change up to it has been applied at the edge (acknowledged).
    ALTER TABLE edges ADD COLUMN last_seen_at TEXT;
    ALTER TABLE edges ADD COLUMN feed_cursor BIGINT NOT NULL DEFAULT 0
    """,
    """
    -- Buyer and seller notes from the channel. Per line, the units refunded or cancelled on the
    -- channel (never allocated: qty is what is still to ship) and the line's status there.
    ALTER TABLE orders ADD COLUMN buyer_note TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN seller_note TEXT NOT NULL DEFAULT '';
    ALTER TABLE order_lines ADD COLUMN refunded INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE order_lines ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
    """,
    """
    -- Returns (docs/central.md, "Returns and refunds"). An RMA's state, why, where it came from,
    -- the return label's tracking number and when it lapses unless its parcel arrives.
    ALTER TABLE returns ADD COLUMN status TEXT NOT NULL DEFAULT 'authorised';
    ALTER TABLE returns ADD COLUMN reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE returns ADD COLUMN channel TEXT NOT NULL DEFAULT '';
    ALTER TABLE returns ADD COLUMN source TEXT NOT NULL DEFAULT 'admin';
    ALTER TABLE returns ADD COLUMN tracking_number TEXT;
    ALTER TABLE returns ADD COLUMN expires_at TEXT;
    ALTER TABLE returns ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE returns ADD COLUMN received_at TEXT;
    ALTER TABLE returns ADD COLUMN updated_at TEXT;
    CREATE UNIQUE INDEX returns_tracking ON returns(tracking_number);
    CREATE INDEX returns_status ON returns(status, expires_at);
    -- The customer's photos of a self-service request, base64 text (portable across backends).
    CREATE TABLE return_photos (
        rma TEXT NOT NULL REFERENCES returns(rma),
        photo_no INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (rma, photo_no)
    );
    -- One refund due per graded parcel (edge event return_graded), made at most once per event.
    CREATE TABLE refunds_due (
        id {identity},
        event_id TEXT NOT NULL UNIQUE,
        edge_id TEXT NOT NULL,
        parcel_id TEXT NOT NULL,
        order_id TEXT NOT NULL,
        rma TEXT,
        channel TEXT NOT NULL DEFAULT '',
        units INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'due',
        created_at TEXT NOT NULL,
        settled_at TEXT
    );
    CREATE INDEX refunds_due_order ON refunds_due(order_id);
    -- Its lines: every graded line, and the units of it that are refunded (0 for a wrong item).
    CREATE TABLE refund_lines (
        refund_id BIGINT NOT NULL REFERENCES refunds_due(id),
        line_no INTEGER NOT NULL,
        order_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        grade TEXT NOT NULL,
        wrong_item INTEGER NOT NULL DEFAULT 0,
        reason TEXT NOT NULL DEFAULT '',
        refund_qty INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (refund_id, line_no)
    );
    CREATE INDEX refund_lines_order ON refund_lines(order_id, sku);
    -- What a product is, for the return policy's per-category windows.
    ALTER TABLE products ADD COLUMN category TEXT NOT NULL DEFAULT ''
    """,
    """
    -- The self-service page finds an order by the channel's order number alone.
    CREATE INDEX orders_channel_order ON orders(channel_order_id)
    """,
    """
    -- The outbound queue to the channels (docs/central.md, "Status back to the channels"): one
    -- row per write-back (dedupe_key), queued in the transaction of the change it reports.
    CREATE TABLE channel_pushes (
        id {identity},
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        dedupe_key TEXT NOT NULL UNIQUE,
        order_id TEXT,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT NOT NULL,
        answer TEXT NOT NULL DEFAULT '',
        answer_status INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX channel_pushes_due ON channel_pushes(channel, state, next_at);
    CREATE INDEX channel_pushes_order ON channel_pushes(order_id)
    """,
    """
    -- Available to sell for the channels (docs/central.md). A channel's reservation rules: the
    -- share of the free stock it may sell and the units held back. Sku '' is the channel's own
    -- rule, a SKU's row overrides it for that SKU.
    CREATE TABLE channel_stock_rules (
        channel TEXT NOT NULL,
        sku TEXT NOT NULL,
        cap_pct INTEGER NOT NULL,
        safety_stock INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (channel, sku)
    );
    -- Each channel's published cursor: the seq of its last published figure. Its row is locked
    -- by a publishing transaction first, so seqs are handed out in commit order.
    CREATE TABLE channel_stock_cursor (
        channel TEXT PRIMARY KEY,
        seq BIGINT NOT NULL
    );
    -- The figure last published per (channel, SKU), and the channel's seq at which it was.
    CREATE TABLE channel_stock (
        channel TEXT NOT NULL,
        sku TEXT NOT NULL,
        available INTEGER NOT NULL,
        free INTEGER NOT NULL,
        seq BIGINT NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (channel, sku)
    );
    CREATE INDEX channel_stock_seq ON channel_stock(channel, seq)
    """,
    """
    -- The channel's own id of a SKU (its listing) that the stock figure pushes name.
    ALTER TABLE channel_stock_rules ADD COLUMN listing TEXT NOT NULL DEFAULT ''
    """,
    """
    -- Advance shipping notices (docs/central.md, "Advance shipping notices"): a supplier's
    -- delivery announced to one warehouse: open, then closed (the edge's asn_closed) or cancelled.
    CREATE TABLE asns (
        asn_id TEXT PRIMARY KEY,
        warehouse TEXT NOT NULL,
        supplier TEXT NOT NULL,
        expected_date TEXT,
        status TEXT NOT NULL DEFAULT 'open',
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT,
        cancel_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX asns_status ON asns(status, warehouse);
    -- Its expected lines, and what the edge's close reported for each.
    CREATE TABLE asn_lines (
        asn_id TEXT NOT NULL REFERENCES asns(asn_id),
        line_no INTEGER NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        lot TEXT,
        expiry TEXT,
        received INTEGER,
        accepted INTEGER,
        quarantined INTEGER,
        rejected INTEGER,
        PRIMARY KEY (asn_id, line_no)
    );
    -- Expected pallets and cartons by SSCC, their contents as JSON [{sku, qty, lot, expiry}].
    CREATE TABLE asn_containers (
        sscc TEXT PRIMARY KEY,
        asn_id TEXT NOT NULL REFERENCES asns(asn_id),
        kind TEXT NOT NULL,
        contents TEXT NOT NULL
    );
    CREATE INDEX asn_containers_asn ON asn_containers(asn_id);
    -- The discrepancies the dock found and decided, as the edge's asn_closed reported them.
    CREATE TABLE asn_discrepancies (
        asn_id TEXT NOT NULL REFERENCES asns(asn_id),
        no INTEGER NOT NULL,
        kind TEXT NOT NULL,
        sku TEXT NOT NULL,
        lot TEXT,
        qty INTEGER NOT NULL,
        decision TEXT NOT NULL,
        operator TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (asn_id, no)
    )
    """,
    """
    -- Order review (待审核): the rules (one JSON document), each held order's review, the
    -- fingerprints a duplicate is found by, and the board exceptions' webhook outbox.
    CREATE TABLE review_rules (
        id INTEGER PRIMARY KEY,
        rules TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE order_reviews (
        order_id TEXT PRIMARY KEY,
        reasons TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        held_at TEXT NOT NULL,
        decided_at TEXT,
        decided_by TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        alerted_at TEXT
    );
    CREATE INDEX order_reviews_state ON order_reviews(state, held_at);
    CREATE TABLE order_fingerprints (
        fingerprint TEXT NOT NULL,
        order_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (fingerprint, order_id)
    );
    CREATE INDEX order_fingerprints_at ON order_fingerprints(created_at);
    CREATE TABLE exception_pushes (
        id {identity},
        dedupe_key TEXT NOT NULL UNIQUE,
        exception_id BIGINT,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT NOT NULL,
        answer TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX exception_pushes_due ON exception_pushes(state, next_at)
    """,
    """
    -- Merged and split orders (docs/central.md, "Merged and split orders"). A consignment is
    -- what central releases to one edge as one order when it is not exactly one channel order:
    -- orders of one customer merged into one parcel, or one part of an order split across
    -- warehouses. Each of its lines names the order line it ships (the edge's line_no is its
    -- place in the consignment).
    CREATE TABLE consignments (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        warehouse TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE consignment_lines (
        consignment_id TEXT NOT NULL REFERENCES consignments(id),
        line_no INTEGER NOT NULL,
        order_id TEXT NOT NULL REFERENCES orders(id),
        order_line_no INTEGER NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        cut INTEGER NOT NULL DEFAULT 0,
        picked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (consignment_id, line_no)
    );
    CREATE INDEX consignment_lines_order ON consignment_lines(order_id);
    -- An order waiting for more orders of its customer and address until merge_until.
    ALTER TABLE orders ADD COLUMN merge_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN merge_until TEXT;
    CREATE INDEX orders_merge ON orders(merge_key, merge_until)
    """,
    """
    -- Carrier handovers (交接单) the edges closed (their handover_closed events): which parcels
    -- each handed to which carrier, when, and by whom (docs/handover.md).
    CREATE TABLE handovers (
        edge_id TEXT NOT NULL,
        handover_id TEXT NOT NULL,
        carrier TEXT NOT NULL,
        container TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        closed_at TEXT NOT NULL,
        closed_by TEXT NOT NULL DEFAULT '',
        parcels INTEGER NOT NULL,
        total_weight_g INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (edge_id, handover_id)
    );
    CREATE TABLE handover_parcels (
        edge_id TEXT NOT NULL,
        tracking_number TEXT NOT NULL,
        handover_id TEXT NOT NULL,
        order_id TEXT NOT NULL,
        weight_g INTEGER NOT NULL,
        PRIMARY KEY (edge_id, tracking_number)
    );
    CREATE INDEX handover_parcels_order ON handover_parcels(order_id)
    """,
    """
    -- Kits and bundles (组合装, docs/central.md "Kits and bundles"): a channel SKU sold as
    -- component SKUs in fixed quantities. A kit's SKU is never a product's, and a component is
    -- always a product (no kit inside a kit, so no cycles).
    CREATE TABLE kits (
        sku TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_zh TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE kit_components (
        kit_sku TEXT NOT NULL REFERENCES kits(sku),
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        PRIMARY KEY (kit_sku, sku)
    );
    CREATE INDEX kit_components_sku ON kit_components(sku);
    -- A kit line's components as the kit was when the order came in (a later change to the kit
    -- does not change an order taken), per kit unit.
    CREATE TABLE order_line_components (
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_no INTEGER NOT NULL,
        sku TEXT NOT NULL,
        per_kit INTEGER NOT NULL,
        PRIMARY KEY (order_id, line_no, sku)
    );
    -- The physical units of each order line, a kit line as its components, any other as itself.
    -- Demand, assignment and the channels' figures count these.
    CREATE VIEW order_units AS
        SELECT l.order_id, l.line_no, COALESCE(c.sku, l.sku) AS sku,
            l.qty * COALESCE(c.per_kit, 1) AS qty, l.lot
        FROM order_lines l LEFT JOIN order_line_components c
            ON c.order_id = l.order_id AND c.line_no = l.line_no
    """,
    """
    -- Gift rules (赠品, docs/central.md "Gift rules"): an order of the channel, in the window,
    -- with the trigger SKU (if named) and at least the minimum total or units (if set), gets
    -- gift_qty of gift_sku as a line of price 0 while stock lasts. The line names its rule.
    CREATE TABLE gift_rules (
        id {identity},
        channel TEXT NOT NULL,
        trigger_sku TEXT NOT NULL DEFAULT '',
        min_total TEXT NOT NULL DEFAULT '',
        min_qty INTEGER NOT NULL DEFAULT 0,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        gift_sku TEXT NOT NULL,
        gift_qty INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    ALTER TABLE order_lines ADD COLUMN gift_rule BIGINT
    """,
    """
    -- The running open demand per (warehouse, SKU) and what each open order or split part adds
    -- to it, kept by every write that changes it (central_sync/store/demand.py), counted here
    -- from the orders already in.
    CREATE TABLE open_demand (
        warehouse TEXT NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        PRIMARY KEY (warehouse, sku)
    );
    CREATE INDEX open_demand_sku ON open_demand(sku);
    CREATE TABLE demand_parts (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        sku TEXT NOT NULL,
        warehouse TEXT NOT NULL,
        qty INTEGER NOT NULL,
        PRIMARY KEY (kind, id, sku)
    );
    """
    + ";\n".join(demand.REBUILD),
    """
    -- A digest of the ship-to the order's channel last sent (central_sync/server/readdress.py):
    -- a channel's update sending another one gives the order that address, '' for an order
    -- taken in before this column (its update is compared with the order's own ship-to).
    ALTER TABLE orders ADD COLUMN channel_ship_to TEXT NOT NULL DEFAULT ''
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def _version(tx: Tx) -> int:
    tx.execute(
        "CREATE TABLE IF NOT EXISTS central_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    )
    value = tx.value("SELECT value FROM central_meta WHERE key = 'schema_version'")
    return int(value) if value is not None else 0


def migrate(db: Database) -> int:
    """Bring the schema up to date, each migration in its own transaction; returns the version."""
    while True:
        with db.transaction(write=True) as tx:
            tx.lock_feed()  # two processes starting at once migrate one after the other
            found = _version(tx)
            if found > SCHEMA_VERSION:
                raise DatabaseTooNew(found, SCHEMA_VERSION)
            if found == SCHEMA_VERSION:
                return found
            for statement in MIGRATIONS[found].split(";"):
                if statement.strip():
                    tx.execute(statement.replace("{identity}", db.dialect.identity))
            tx.execute(
                "INSERT INTO central_meta (key, value) VALUES ('schema_version', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(found + 1),),
            )
            log.info("schema migrated to version %d (%s)", found + 1, db.backend)


def schema_version(db: Database) -> int:
    """The version the database is at (read only; 0 before the first migration)."""
    with db.transaction(write=False) as tx:
        if not tx.value(db.dialect.count_tables, ("central_meta",)):
            return 0
        value = tx.value("SELECT value FROM central_meta WHERE key = 'schema_version'")
    return int(value) if value is not None else 0
