"""The edge store's schema as numbered migrations (sqlite-utils `Migrations`).

Migrations run at start-up, each in its own transaction. A database that has a migration this
code does not know was written by a newer version and is refused rather than guessed at.

Conventions: quantities are integers in base units; times are UTC ISO-8601 strings ending in
'Z'; '' (not NULL) stands for "no container" / "no lot" so that the ledger grain can be a key.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from edge.domain.errors import EdgeError

MIGRATIONS = Migrations("warehouse-edge")

BUCKETS = "('on_hand','picked','frozen','returns_in_transit')"
ACCOUNTS = "('received','shipped','adjusted','customer')"


# The first schema, in readable steps run as ONE script (one executescript, as it always ran). A
# step may name a table of a later one: SQLite checks a foreign key when a row is written, not
# when a table is made. tests/test_schema_steps.py holds the result to the schema it always made.

# The catalogue: products, their barcodes, locations, lots and serials (and the edge's own
# key-value facts).
_CATALOGUE = """
        CREATE TABLE edge_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE products (
            sku TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            name_zh TEXT NOT NULL DEFAULT '',
            uom TEXT NOT NULL DEFAULT 'EA',
            weight_g INTEGER NOT NULL DEFAULT 0 CHECK (weight_g >= 0),
            lot_tracked INTEGER NOT NULL DEFAULT 0,
            expiry_tracked INTEGER NOT NULL DEFAULT 0,
            serial_tracked INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        -- A product has any number of barcodes. `code` is the lookup key: GTIN-14 for every
        -- GTIN shape (so UPC-A, EAN-13 and GTIN-14 with indicator 0 are one key), else the raw code.
        CREATE TABLE barcodes (
            code TEXT PRIMARY KEY,
            sku TEXT NOT NULL REFERENCES products(sku),
            pack_qty INTEGER NOT NULL DEFAULT 1 CHECK (pack_qty > 0),
            printed TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX barcodes_sku ON barcodes(sku);

        CREATE TABLE locations (
            code TEXT PRIMARY KEY,
            type TEXT NOT NULL CHECK (type IN ('bin','bench','returns','quarantine','dock','staging')),
            zone TEXT NOT NULL DEFAULT '',
            pick_seq INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX locations_pick_seq ON locations(pick_seq);

        CREATE TABLE lots (
            sku TEXT NOT NULL REFERENCES products(sku),
            lot TEXT NOT NULL,
            expiry TEXT,
            PRIMARY KEY (sku, lot)
        );
        CREATE TABLE serials (
            sku TEXT NOT NULL REFERENCES products(sku),
            serial TEXT NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (sku, serial)
        );
"""

# Totes, parcels, pallets and carts, and the bindings that tie one to an order.
_CONTAINERS = """
        -- Totes are reused: a binding ties a container to one order for a while.
        CREATE TABLE containers (
            code TEXT PRIMARY KEY,
            type TEXT NOT NULL CHECK (type IN ('tote','parcel','pallet','cart')),
            sscc TEXT UNIQUE,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE container_bindings (
            id INTEGER PRIMARY KEY,
            container TEXT NOT NULL REFERENCES containers(code),
            order_id TEXT NOT NULL REFERENCES orders(id),
            slot TEXT NOT NULL DEFAULT '',
            opened_at TEXT NOT NULL,
            opened_by INTEGER REFERENCES operators(id),
            closed_at TEXT
        );
        CREATE UNIQUE INDEX container_bindings_open
            ON container_bindings(container, slot) WHERE closed_at IS NULL;
        CREATE INDEX container_bindings_order ON container_bindings(order_id);
"""

# Operators, enrolled devices, their login sessions and the one open workflow session each.
_PEOPLE = """
        CREATE TABLE operators (
            id INTEGER PRIMARY KEY,
            badge TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('picker','packer','returns','supervisor','admin')),
            pin_hash TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,
            failed_pins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        );
        CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('handheld','scanner','printer','scale','desktop')),
            station TEXT NOT NULL DEFAULT '',
            enrolled_at TEXT NOT NULL,
            last_seen_at TEXT,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE login_sessions (
            token_hash TEXT PRIMARY KEY,
            operator_id INTEGER NOT NULL REFERENCES operators(id),
            device_id TEXT NOT NULL REFERENCES devices(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ended_at TEXT
        );
        -- One open workflow session (pick, pack, returns, move, count...) per login session.
        CREATE TABLE work_sessions (
            id INTEGER PRIMARY KEY,
            login_token_hash TEXT NOT NULL REFERENCES login_sessions(token_hash),
            workflow TEXT NOT NULL,
            state TEXT NOT NULL,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            ended_at TEXT
        );
        CREATE UNIQUE INDEX work_sessions_open
            ON work_sessions(login_token_hash) WHERE ended_at IS NULL;
"""

# Orders, their lines and every status change.
_ORDERS = """
        CREATE TABLE orders (
            id TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            channel_order_id TEXT NOT NULL,
            status TEXT NOT NULL,
            hold_reason TEXT NOT NULL DEFAULT '',
            priority INTEGER NOT NULL DEFAULT 0,
            ship_by TEXT,
            customer_ref TEXT NOT NULL DEFAULT '',
            ship_to TEXT NOT NULL DEFAULT '{}',
            carrier TEXT NOT NULL DEFAULT '',
            service TEXT NOT NULL DEFAULT '',
            reprint_needed INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (channel, channel_order_id)
        );
        CREATE INDEX orders_status ON orders(status);
        CREATE INDEX orders_channel_order_id ON orders(channel_order_id);
        CREATE TABLE order_lines (
            id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES orders(id),
            line_no INTEGER NOT NULL,
            sku TEXT NOT NULL REFERENCES products(sku),
            lot TEXT NOT NULL DEFAULT '',
            qty_ordered INTEGER NOT NULL CHECK (qty_ordered > 0),
            qty_allocated INTEGER NOT NULL DEFAULT 0 CHECK (qty_allocated >= 0),
            qty_picked INTEGER NOT NULL DEFAULT 0 CHECK (qty_picked >= 0),
            qty_packed INTEGER NOT NULL DEFAULT 0 CHECK (qty_packed >= 0),
            qty_shipped INTEGER NOT NULL DEFAULT 0 CHECK (qty_shipped >= 0),
            qty_cancelled INTEGER NOT NULL DEFAULT 0 CHECK (qty_cancelled >= 0),
            qty_returned INTEGER NOT NULL DEFAULT 0 CHECK (qty_returned >= 0),
            UNIQUE (order_id, line_no)
        );
        CREATE TABLE order_status_history (
            id INTEGER PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES orders(id),
            from_status TEXT,
            to_status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            operator_id INTEGER REFERENCES operators(id),
            device_id TEXT,
            scan_id TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX order_status_history_order ON order_status_history(order_id);
"""

# Shipments and their parcels, with what each parcel holds.
_SHIPMENTS = """
        CREATE TABLE shipments (
            id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES orders(id),
            carrier TEXT NOT NULL,
            service TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            shipped_at TEXT
        );
        CREATE TABLE parcels (
            id TEXT PRIMARY KEY,
            shipment_id TEXT NOT NULL REFERENCES shipments(id),
            piece_no INTEGER NOT NULL,
            container TEXT REFERENCES containers(code),
            tracking_no TEXT UNIQUE,
            package_type TEXT NOT NULL DEFAULT '',
            weight_g INTEGER,
            status TEXT NOT NULL,
            label_printed_at TEXT,
            UNIQUE (shipment_id, piece_no)
        );
        CREATE TABLE parcel_contents (
            parcel_id TEXT NOT NULL REFERENCES parcels(id),
            order_line_id TEXT NOT NULL REFERENCES order_lines(id),
            sku TEXT NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            serial TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            PRIMARY KEY (parcel_id, order_line_id, lot, serial)
        );
"""

# The stock ledger: balances, reservations and the append-only, hash-chained movements.
_LEDGER = f"""
        -- The stock ledger. Balances at the grain (sku, location, container, lot, bucket);
        -- each unit in the building is in exactly one bucket.
        CREATE TABLE balances (
            sku TEXT NOT NULL REFERENCES products(sku),
            location TEXT NOT NULL,
            container TEXT NOT NULL DEFAULT '',
            lot TEXT NOT NULL DEFAULT '',
            bucket TEXT NOT NULL CHECK (bucket IN {BUCKETS}),
            qty INTEGER NOT NULL CHECK (qty >= 0),
            PRIMARY KEY (sku, location, container, lot, bucket)
        ) WITHOUT ROWID;
        CREATE INDEX balances_location ON balances(location, container);
        -- Reservations of on_hand units for order lines, at the same grain (never above on_hand).
        CREATE TABLE allocations (
            order_line_id TEXT NOT NULL REFERENCES order_lines(id),
            sku TEXT NOT NULL,
            location TEXT NOT NULL,
            container TEXT NOT NULL DEFAULT '',
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty >= 0),
            PRIMARY KEY (order_line_id, sku, location, container, lot)
        ) WITHOUT ROWID;
        CREATE INDEX allocations_grain ON allocations(sku, location, container, lot);
        -- Append-only. A side is either a place (location, container, bucket) or an external
        -- account (bucket in {ACCOUNTS}, location ''). `hash` chains every row to the one before
        -- so that `verify` finds an altered or deleted row.
        CREATE TABLE movements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            type TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            sku TEXT NOT NULL REFERENCES products(sku),
            lot TEXT NOT NULL DEFAULT '',
            serial TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            from_location TEXT NOT NULL,
            from_container TEXT NOT NULL DEFAULT '',
            from_bucket TEXT NOT NULL CHECK (from_bucket IN {BUCKETS[:-1]},{ACCOUNTS[1:]}),
            to_location TEXT NOT NULL,
            to_container TEXT NOT NULL DEFAULT '',
            to_bucket TEXT NOT NULL CHECK (to_bucket IN {BUCKETS[:-1]},{ACCOUNTS[1:]}),
            operator_id INTEGER,
            device_id TEXT,
            scan_id TEXT,
            order_id TEXT,
            order_line_id TEXT,
            event_epoch INTEGER NOT NULL,
            event_seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX movements_sku ON movements(sku);
        CREATE INDEX movements_event ON movements(event_epoch, event_seq);
        CREATE TRIGGER movements_no_update BEFORE UPDATE ON movements
            BEGIN SELECT RAISE(ABORT, 'movements are append-only'); END;
        CREATE TRIGGER movements_no_delete BEFORE DELETE ON movements
            BEGIN SELECT RAISE(ABORT, 'movements are append-only'); END;
"""

# The outbox of events for central, and the answers kept for idempotent commands.
_OUTBOX_AND_ANSWERS = """
        -- The outbox: every fact central must know, written in the same transaction as its
        -- effect. seq is contiguous from 1 within an epoch; a restore starts a new epoch.
        CREATE TABLE outbox (
            epoch INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            event_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            occurred_at TEXT NOT NULL,
            scan_id TEXT,
            order_id TEXT,
            order_line_id TEXT,
            sku TEXT,
            payload TEXT NOT NULL,
            delivered_at TEXT,
            PRIMARY KEY (epoch, seq)
        );
        CREATE INDEX outbox_undelivered ON outbox(epoch, seq) WHERE delivered_at IS NULL;

        -- Every answer given to a scan or another idempotent command, refusals included.
        CREATE TABLE answers (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            body TEXT NOT NULL,
            code TEXT NOT NULL DEFAULT '',
            operator_id INTEGER,
            device_id TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX answers_at ON answers(at);
"""

# Count tasks and exceptions raised on the floor.
_TASKS = """
        CREATE TABLE count_tasks (
            id INTEGER PRIMARY KEY,
            location TEXT NOT NULL REFERENCES locations(code),
            sku TEXT,
            reason TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            created_at TEXT NOT NULL,
            closed_at TEXT
        );
        CREATE TABLE exceptions (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            order_id TEXT,
            location TEXT,
            sku TEXT,
            status TEXT NOT NULL DEFAULT 'open',
            raised_by INTEGER,
            created_at TEXT NOT NULL,
            resolved_at TEXT
        );
"""

_INITIAL = (
    _CATALOGUE,
    _CONTAINERS,
    _PEOPLE,
    _ORDERS,
    _SHIPMENTS,
    _LEDGER,
    _OUTBOX_AND_ANSWERS,
    _TASKS,
)


@MIGRATIONS(name="0001_initial")
def m0001_initial(db: Database) -> None:
    db.executescript("".join(_INITIAL))


@MIGRATIONS(name="0002_picking")
def m0002_picking(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE pick_lists (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('open','done','cancelled')),
            assignee INTEGER REFERENCES operators(id),
            created_by INTEGER REFERENCES operators(id),
            created_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX pick_lists_assignee ON pick_lists(assignee, status);
        CREATE TABLE pick_list_orders (
            list_id TEXT NOT NULL REFERENCES pick_lists(id),
            order_id TEXT NOT NULL REFERENCES orders(id),
            slot INTEGER NOT NULL,
            PRIMARY KEY (list_id, order_id),
            UNIQUE (list_id, slot)
        );
        CREATE INDEX pick_list_orders_order ON pick_list_orders(order_id);
        -- One task per reservation: pick `qty` of a line's SKU (and lot) from one bin.
        CREATE TABLE pick_tasks (
            id INTEGER PRIMARY KEY,
            list_id TEXT NOT NULL REFERENCES pick_lists(id),
            order_id TEXT NOT NULL REFERENCES orders(id),
            order_line_id TEXT NOT NULL REFERENCES order_lines(id),
            sku TEXT NOT NULL,
            location TEXT NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            picked INTEGER NOT NULL DEFAULT 0 CHECK (picked >= 0 AND picked <= qty),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','short','held')),
            seq INTEGER NOT NULL
        );
        CREATE INDEX pick_tasks_list ON pick_tasks(list_id, seq);
        -- Units picked for an order that was then cancelled: back from the tote to a bin.
        CREATE TABLE putback_tasks (
            id INTEGER PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES orders(id),
            container TEXT NOT NULL,
            sku TEXT NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
            created_at TEXT NOT NULL,
            done_at TEXT,
            location TEXT
        );
        """
    )


@MIGRATIONS(name="0003_pick_queue_index")
def m0003_pick_queue_index(db: Database) -> None:
    # The next pick list takes the most urgent released orders: walk them in that order and stop.
    db.execute(
        "CREATE INDEX orders_pick_queue ON orders(priority DESC, ship_by IS NULL, ship_by, created_at, id)"
        " WHERE status = 'released'"
    )


@MIGRATIONS(name="0004_print_jobs")
def m0004_print_jobs(db: Database) -> None:
    # A print is a job: queued in the transaction that needs it (e.g. with `packed`), sent by the
    # spooler after the commit. next_attempt_at is set while the job waits for an attempt (queued,
    # or failed and to be retried) and NULL otherwise (sent, done, failed for good).
    db.executescript(
        """
        CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY,
            printer TEXT NOT NULL,
            station TEXT NOT NULL,
            kind TEXT NOT NULL,
            format TEXT NOT NULL CHECK (format IN ('pdf','zpl')),
            document TEXT NOT NULL,
            order_id TEXT REFERENCES orders(id),
            parcel_id TEXT REFERENCES parcels(id),
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued','sent','done','failed')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_error TEXT NOT NULL DEFAULT '',
            reprint_of INTEGER REFERENCES print_jobs(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            next_attempt_at TEXT
        );
        CREATE INDEX print_jobs_due ON print_jobs(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
        CREATE INDEX print_jobs_printer ON print_jobs(printer, id);
        CREATE INDEX print_jobs_station ON print_jobs(station, id);
        CREATE INDEX print_jobs_order ON print_jobs(order_id) WHERE order_id IS NOT NULL;
        """
    )


@MIGRATIONS(name="0005_packing")
def m0005_packing(db: Database) -> None:
    # Tracking numbers are obtained before the pack commit, once per (order, parcel number): a
    # retried close finds its number here instead of asking the carrier again. The offline
    # carrier's next serial lives beside them. A parcel is also a container (its id), so picked
    # units move from the tote into it and `balances` always says where each unit is.
    db.executescript(
        """
        CREATE TABLE tracking_numbers (
            order_id TEXT NOT NULL REFERENCES orders(id),
            parcel_no INTEGER NOT NULL CHECK (parcel_no > 0),
            carrier TEXT NOT NULL,
            tracking_no TEXT NOT NULL UNIQUE,
            issued_at TEXT NOT NULL,
            PRIMARY KEY (order_id, parcel_no)
        );
        CREATE TABLE carrier_serials (
            carrier TEXT PRIMARY KEY,
            next_serial INTEGER NOT NULL
        );
        ALTER TABLE parcels ADD COLUMN pieces INTEGER;
        ALTER TABLE parcels ADD COLUMN closed_at TEXT;
        ALTER TABLE parcels ADD COLUMN closed_by INTEGER REFERENCES operators(id);
        ALTER TABLE parcels ADD COLUMN dispatched_at TEXT;
        ALTER TABLE parcels ADD COLUMN reprint_reason TEXT;
        CREATE INDEX parcels_shipment ON parcels(shipment_id);
        CREATE INDEX shipments_order ON shipments(order_id);
        """
    )


@MIGRATIONS(name="0006_sync")
def m0006_sync(db: Database) -> None:
    # One row: the change feed's cursor (stored with each page applied) and what the sync agent
    # last knew of central, so `warehouse-edge sync status` can read it while the server runs.
    # Return authorisations arrive from central's feed and wait here for the returns desk.
    db.executescript(
        """
        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            feed_cursor INTEGER NOT NULL DEFAULT 0,
            last_contact_at TEXT,
            offline_since TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            last_error_at TEXT,
            attention TEXT NOT NULL DEFAULT '',
            alerted_at TEXT
        );
        INSERT INTO sync_state (id) VALUES (1);
        CREATE TABLE return_authorisations (
            rma TEXT PRIMARY KEY,
            order_id TEXT,
            lines TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','received','closed')),
            feed_cursor INTEGER NOT NULL,
            received_at TEXT NOT NULL
        );
        CREATE INDEX return_authorisations_order ON return_authorisations(order_id);
        """
    )


@MIGRATIONS(name="0008_count_holds")
def m0008_count_holds(db: Database) -> None:
    # A count task knows the units it froze (`held`, per lot) so that recording the count
    # ("found N") releases exactly those; NULL for tasks opened before this, which froze the bin's
    # whole free stock of the SKU: theirs is the SKU's frozen balance in that bin.
    db.executescript(
        """
        ALTER TABLE count_tasks ADD COLUMN lot TEXT NOT NULL DEFAULT '';
        ALTER TABLE count_tasks ADD COLUMN held INTEGER CHECK (held >= 0);
        ALTER TABLE count_tasks ADD COLUMN found INTEGER CHECK (found >= 0);
        ALTER TABLE count_tasks ADD COLUMN closed_by INTEGER REFERENCES operators(id);
        CREATE INDEX count_tasks_open ON count_tasks(location, sku, lot) WHERE status = 'open';
        """
    )


@MIGRATIONS(name="0009_print_job_attention")
def m0009_print_job_attention(db: Database) -> None:
    # A job whose retry budget is spent is never dropped: it needs attention (shown, counted) and
    # waits for its printer to report ready, then prints. Cleared when it prints or is replaced.
    db.execute(
        "ALTER TABLE print_jobs ADD COLUMN needs_attention INTEGER NOT NULL DEFAULT 0"
        " CHECK (needs_attention IN (0, 1))"
    )


@MIGRATIONS(name="0010_print_jobs_open_index")
def m0010_print_jobs_open_index(db: Database) -> None:
    # The spooler asks every few seconds which printers have jobs waiting, /metrics how many: over
    # the jobs not done (a handful), not the year of printed ones (bench/print_queue_bench.py).
    db.execute("CREATE INDEX print_jobs_open ON print_jobs(printer) WHERE status <> 'done'")


@MIGRATIONS(name="0011_shelf_life")
def m0011_shelf_life(db: Database) -> None:
    # A product's minimum remaining shelf life: a lot with fewer days left (on the warehouse's
    # date) is not allocated; 0 still never allocates an expired lot. Expiry lookups by date.
    db.executescript(
        """
        ALTER TABLE products ADD COLUMN min_shelf_life_days INTEGER NOT NULL DEFAULT 0
            CHECK (min_shelf_life_days >= 0);
        CREATE INDEX lots_expiry ON lots(expiry) WHERE expiry IS NOT NULL;
        """
    )


@MIGRATIONS(name="0012_access")
def m0012_access(db: Database) -> None:
    # last_seen_at: the idle timeout (written at most once a minute per session, not per request).
    # secret_hash: a device's own credential (a station's is required to log in as it).
    # enrolment_codes: one-time codes from the CLI that let one device enrol.
    db.executescript(
        """
        ALTER TABLE login_sessions ADD COLUMN last_seen_at TEXT;
        CREATE INDEX login_sessions_operator ON login_sessions(operator_id) WHERE ended_at IS NULL;
        ALTER TABLE devices ADD COLUMN secret_hash TEXT;
        CREATE TABLE enrolment_codes (
            code_hash TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            device_id TEXT
        );
        """
    )


@MIGRATIONS(name="0013_order_notes")
def m0013_order_notes(db: Database) -> None:
    # The buyer's and the seller's notes from the sales channel, shown at the pack bench.
    db.executescript(
        """
        ALTER TABLE orders ADD COLUMN buyer_note TEXT NOT NULL DEFAULT '';
        ALTER TABLE orders ADD COLUMN seller_note TEXT NOT NULL DEFAULT '';
        """
    )


@MIGRATIONS(name="0014_returns_desk")
def m0014_returns_desk(db: Database) -> None:
    # The returns desk: an RMA may be cancelled (or expire) and carries what central says of it;
    # parcels opened at the desk, the items graded from them and the photos taken of them.
    db.executescript(
        """
        CREATE TABLE return_authorisations_new (
            rma TEXT PRIMARY KEY,
            order_id TEXT,
            lines TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open','received','closed','cancelled')),
            feed_cursor INTEGER NOT NULL,
            received_at TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            return_tracking TEXT,
            expires_at TEXT,
            channel TEXT NOT NULL DEFAULT '',
            location TEXT NOT NULL DEFAULT 'RETURNS',
            cancelled_at TEXT,
            cancel_reason TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO return_authorisations_new (rma, order_id, lines, status, feed_cursor,
            received_at) SELECT rma, order_id, lines, status, feed_cursor, received_at
            FROM return_authorisations;
        DROP TABLE return_authorisations;
        ALTER TABLE return_authorisations_new RENAME TO return_authorisations;
        CREATE INDEX return_authorisations_order ON return_authorisations(order_id);
        CREATE INDEX return_authorisations_tracking ON return_authorisations(return_tracking);
        CREATE TABLE return_parcels (
            id TEXT PRIMARY KEY,
            rma TEXT,
            order_id TEXT,
            scanned TEXT NOT NULL,
            matched_by TEXT NOT NULL,
            unexpected INTEGER NOT NULL DEFAULT 0,
            location TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
            missing TEXT NOT NULL DEFAULT '[]',
            operator_id INTEGER,
            device_id TEXT,
            opened_at TEXT NOT NULL,
            closed_at TEXT
        );
        CREATE INDEX return_parcels_order ON return_parcels(order_id);
        CREATE INDEX return_parcels_rma ON return_parcels(rma);
        CREATE TABLE return_items (
            id INTEGER PRIMARY KEY,
            parcel_id TEXT NOT NULL REFERENCES return_parcels(id),
            rma TEXT,
            order_id TEXT,
            sku TEXT NOT NULL,
            qty INTEGER NOT NULL CHECK (qty > 0),
            grade TEXT NOT NULL CHECK (grade IN ('resellable','damaged','destroy')),
            lot TEXT NOT NULL DEFAULT '',
            serial TEXT NOT NULL DEFAULT '',
            wrong_item INTEGER NOT NULL DEFAULT 0,
            not_shipped_lot INTEGER NOT NULL DEFAULT 0,
            announced INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL DEFAULT '',
            location TEXT NOT NULL,
            bucket TEXT NOT NULL DEFAULT '',
            operator_id INTEGER,
            scan_id TEXT,
            graded_at TEXT NOT NULL
        );
        CREATE INDEX return_items_parcel ON return_items(parcel_id);
        CREATE INDEX return_items_order ON return_items(order_id, sku);
        CREATE INDEX return_items_rma ON return_items(rma, sku);
        CREATE TABLE return_photos (
            id INTEGER PRIMARY KEY,
            parcel_id TEXT NOT NULL REFERENCES return_parcels(id),
            item_id INTEGER REFERENCES return_items(id),
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            data BLOB NOT NULL,
            operator_id INTEGER,
            taken_at TEXT NOT NULL
        );
        CREATE INDEX return_photos_parcel ON return_photos(parcel_id);
        """
    )


@MIGRATIONS(name="0015_exceptions_owned")
def m0015_exceptions_owned(db: Database) -> None:
    # An exception has a state (open → acked → resolved), an assignee and the reason it was
    # resolved; `cause` is the key of one a sweep opened (an order stuck in a state, a print job,
    # a parcel) so that a cause opens one exception, never two. Every change is a row of
    # exception_events (the audit trail), which is also the queue of webhook pushes: one per
    # exception and change, `pushed` names the targets that took it. The trigger writes the
    # `opened` row in the same transaction as any insert (short picks, sync, restore, sweep).
    db.executescript(
        """
        ALTER TABLE exceptions ADD COLUMN cause TEXT;
        ALTER TABLE exceptions ADD COLUMN assigned_to INTEGER REFERENCES operators(id);
        ALTER TABLE exceptions ADD COLUMN acked_at TEXT;
        ALTER TABLE exceptions ADD COLUMN acked_by INTEGER REFERENCES operators(id);
        ALTER TABLE exceptions ADD COLUMN resolved_by INTEGER REFERENCES operators(id);
        ALTER TABLE exceptions ADD COLUMN resolve_reason TEXT NOT NULL DEFAULT '';
        CREATE UNIQUE INDEX exceptions_cause ON exceptions(cause) WHERE cause IS NOT NULL;
        CREATE INDEX exceptions_status ON exceptions(status, kind);
        CREATE TABLE exception_events (
            id INTEGER PRIMARY KEY,
            exception_id INTEGER NOT NULL REFERENCES exceptions(id),
            action TEXT NOT NULL CHECK (action IN ('opened','acked','assigned','resolved')),
            state TEXT NOT NULL,
            operator_id INTEGER,
            note TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            pushed TEXT NOT NULL DEFAULT '[]',
            push_attempts INTEGER NOT NULL DEFAULT 0,
            push_next_at TEXT,
            push_error TEXT NOT NULL DEFAULT '',
            push_done_at TEXT
        );
        CREATE INDEX exception_events_exception ON exception_events(exception_id);
        CREATE INDEX exception_events_unpushed ON exception_events(id) WHERE push_done_at IS NULL;
        INSERT INTO exception_events (exception_id, action, state, operator_id, at, push_done_at)
            SELECT id, 'opened', status, raised_by, created_at, created_at FROM exceptions;
        CREATE TRIGGER exceptions_opened AFTER INSERT ON exceptions BEGIN
            INSERT INTO exception_events (exception_id, action, state, operator_id, at)
            VALUES (NEW.id, 'opened', NEW.status, NEW.raised_by, NEW.created_at);
        END;
        """
    )


@MIGRATIONS(name="0016_receiving")
def m0016_receiving(db: Database) -> None:
    # Advance shipping notices (issue 21): what a supplier says is coming, by line and, where it
    # sends them, by SSCC-labelled pallet or carton (`contents` is JSON [{sku, qty, lot, expiry}]).
    # Central sends them through the feed (or `asns import` on a standalone edge); the dock
    # receives against them. `received` counts the units taken in against a line.
    db.executescript(
        """
        CREATE TABLE asns (
            asn_id TEXT PRIMARY KEY,
            supplier TEXT NOT NULL,
            expected_date TEXT,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open','receiving','closed','cancelled')),
            source TEXT NOT NULL CHECK (source IN ('central','import')),
            created_at TEXT NOT NULL,
            closed_at TEXT
        );
        CREATE INDEX asns_status ON asns(status);
        CREATE TABLE asn_lines (
            asn_id TEXT NOT NULL REFERENCES asns(asn_id),
            line_no INTEGER NOT NULL,
            sku TEXT NOT NULL,
            qty INTEGER NOT NULL CHECK (qty >= 0),
            lot TEXT,
            expiry TEXT,
            received INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
            PRIMARY KEY (asn_id, line_no)
        );
        CREATE TABLE asn_containers (
            sscc TEXT PRIMARY KEY,
            asn_id TEXT NOT NULL REFERENCES asns(asn_id),
            kind TEXT NOT NULL CHECK (kind IN ('pallet','carton')),
            contents TEXT NOT NULL,
            received_at TEXT
        );
        CREATE INDEX asn_containers_asn ON asn_containers(asn_id);
        """
    )


@MIGRATIONS(name="0017_board_moves")
def m0017_board_moves(db: Database) -> None:
    # The task board's audit trail: each reassignment or reprioritisation a supervisor made,
    # what it was before and after, who and when (one row per command, in its transaction).
    db.executescript(
        """
        CREATE TABLE board_moves (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('assign','priority')),
            before TEXT,
            after TEXT,
            operator_id INTEGER REFERENCES operators(id),
            device_id TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX board_moves_card ON board_moves(card);
        """
    )


@MIGRATIONS(name="0018_dock")
def m0018_dock(db: Database) -> None:
    # The dock's own records (issue 21). Per ASN line, what was accepted, quarantined and
    # rejected (received = accepted + quarantined); every discrepancy and the choice made; a
    # putaway task per received container and SKU (dock → bin; created_at is the first receipt
    # into it, so done_at - created_at is its dock-to-stock time); and a SKU's pick face with the
    # units it holds, where the site has set one.
    db.executescript(
        """
        ALTER TABLE asn_lines ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE asn_lines ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE asn_lines ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE receipt_discrepancies (
            id INTEGER PRIMARY KEY,
            asn_id TEXT NOT NULL REFERENCES asns(asn_id),
            line_no INTEGER NOT NULL DEFAULT 0,
            kind TEXT NOT NULL CHECK (kind IN ('over','short','unexpected','wrong_lot','expired',
                'short_shelf_life','damaged')),
            sku TEXT NOT NULL,
            lot TEXT,
            qty INTEGER NOT NULL CHECK (qty >= 0),
            decision TEXT NOT NULL CHECK (decision IN ('accept','reject','quarantine')),
            operator_id INTEGER,
            at TEXT NOT NULL
        );
        CREATE INDEX receipt_discrepancies_asn ON receipt_discrepancies(asn_id);
        CREATE TABLE putaway_tasks (
            id INTEGER PRIMARY KEY,
            asn_id TEXT,
            container TEXT NOT NULL,
            sku TEXT NOT NULL,
            from_location TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
            suggested TEXT,
            location TEXT,
            qty INTEGER NOT NULL DEFAULT 0,
            operator_id INTEGER,
            created_at TEXT NOT NULL,
            done_at TEXT
        );
        CREATE UNIQUE INDEX putaway_tasks_open ON putaway_tasks(container, sku)
            WHERE status = 'open';
        CREATE INDEX putaway_tasks_done ON putaway_tasks(done_at) WHERE done_at IS NOT NULL;
        CREATE TABLE pick_faces (
            sku TEXT NOT NULL REFERENCES products(sku),
            location TEXT NOT NULL REFERENCES locations(code),
            capacity INTEGER NOT NULL CHECK (capacity > 0),
            PRIMARY KEY (sku, location)
        );
        """
    )


@MIGRATIONS(name="0019_cycle_counts")
def m0019_cycle_counts(db: Database) -> None:
    # A count task of any source (short_pick, variance, schedule, manual: `reason`) is counted
    # blind: its lines (SKU, lot, expected, counted) are kept once submitted; a count whose
    # variance is over the threshold waits in status 'review' for a second person's approval
    # (count_approvals, one row per request: pending → approved or rejected, audited). A product's
    # unit_value (in the smallest currency unit) prices a variance; 0 = unknown.
    db.executescript(
        """
        ALTER TABLE count_tasks ADD COLUMN expected INTEGER CHECK (expected >= 0);
        ALTER TABLE count_tasks ADD COLUMN counted INTEGER CHECK (counted >= 0);
        ALTER TABLE count_tasks ADD COLUMN counted_by INTEGER REFERENCES operators(id);
        ALTER TABLE count_tasks ADD COLUMN counted_at TEXT;
        ALTER TABLE count_tasks ADD COLUMN opened_by INTEGER REFERENCES operators(id);
        ALTER TABLE products ADD COLUMN unit_value INTEGER NOT NULL DEFAULT 0
            CHECK (unit_value >= 0);
        CREATE INDEX count_tasks_status ON count_tasks(status, id);
        CREATE TABLE count_lines (
            task_id INTEGER NOT NULL REFERENCES count_tasks(id),
            sku TEXT NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            expected INTEGER NOT NULL CHECK (expected >= 0),
            counted INTEGER NOT NULL CHECK (counted >= 0),
            held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
            PRIMARY KEY (task_id, sku, lot)
        );
        CREATE TABLE count_approvals (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES count_tasks(id),
            units INTEGER NOT NULL,
            value INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending','approved','rejected')),
            requested_by INTEGER REFERENCES operators(id),
            requested_at TEXT NOT NULL,
            decided_by INTEGER REFERENCES operators(id),
            decided_at TEXT,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE UNIQUE INDEX count_approvals_pending ON count_approvals(task_id)
            WHERE status = 'pending';
        """
    )


@MIGRATIONS(name="0020_replenishment")
def m0020_replenishment(db: Database) -> None:
    # A pick face (pick_faces) whose free units fell to the site's minimum is refilled from one
    # reserve bin: one open task per face, done by scan (reserve → face through the move path).
    db.executescript(
        """
        CREATE TABLE replenish_tasks (
            id INTEGER PRIMARY KEY,
            sku TEXT NOT NULL REFERENCES products(sku),
            location TEXT NOT NULL REFERENCES locations(code),
            source TEXT NOT NULL REFERENCES locations(code),
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
            moved INTEGER,
            created_at TEXT NOT NULL,
            done_at TEXT,
            done_by INTEGER REFERENCES operators(id)
        );
        CREATE UNIQUE INDEX replenish_tasks_open ON replenish_tasks(sku, location)
            WHERE status = 'open';
        """
    )


@MIGRATIONS(name="0021_orders_by_status_and_change")
def m0021_orders_by_status_and_change(db: Database) -> None:
    # The task board reads the shipped and after-sales orders of the last hours or days: by
    # status and last change, never the whole history.
    db.executescript("CREATE INDEX orders_status_updated ON orders(status, updated_at);")


@MIGRATIONS(name="0022_waves")
def m0022_waves(db: Database) -> None:
    # Waves released to picking (by a supervisor or the schedule): one row per wave, which is
    # also the audit of its release. A wave's orders follow from its key (carrier, cut-off,
    # channel, priority: edge/domain/wave.py), so they are not kept here.
    db.executescript(
        """
        CREATE TABLE waves (
            id TEXT PRIMARY KEY,
            carrier TEXT NOT NULL,
            cutoff TEXT,
            channel TEXT NOT NULL DEFAULT '',
            priority INTEGER,
            orders_at_release INTEGER NOT NULL,
            how TEXT NOT NULL CHECK (how IN ('supervisor','schedule')),
            released_by INTEGER REFERENCES operators(id),
            device_id TEXT,
            released_at TEXT NOT NULL
        );
        """
    )


@MIGRATIONS(name="0023_cart_lists")
def m0023_cart_lists(db: Database) -> None:
    # A cart list picks a wave's single-item orders as a batch into one cart (or bin), each
    # order in its own slot of it (container_bindings.slot); other lists take a tote per order.
    db.execute(
        "ALTER TABLE pick_lists ADD COLUMN kind TEXT NOT NULL DEFAULT 'totes'"
        " CHECK (kind IN ('totes','cart'))"
    )


@MIGRATIONS(name="0024_handovers")
def m0024_handovers(db: Database) -> None:
    # Carrier handovers (交接单): a bag, cage or truck of one carrier and the parcels scanned
    # into it. A parcel is in at most one handover (its id is the key of handover_parcels).
    db.executescript(
        """
        CREATE TABLE handovers (
            id TEXT PRIMARY KEY,
            carrier TEXT NOT NULL,
            container TEXT NOT NULL CHECK (container IN ('bag','cage','truck')),
            label TEXT NOT NULL DEFAULT '',
            station TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
            opened_at TEXT NOT NULL,
            opened_by INTEGER REFERENCES operators(id),
            closed_at TEXT,
            closed_by INTEGER REFERENCES operators(id),
            print_job INTEGER
        );
        CREATE TABLE handover_parcels (
            parcel_id TEXT PRIMARY KEY REFERENCES parcels(id),
            handover_id TEXT NOT NULL REFERENCES handovers(id),
            seq INTEGER NOT NULL,
            scanned_at TEXT NOT NULL,
            scanned_by INTEGER REFERENCES operators(id),
            UNIQUE (handover_id, seq)
        );
        CREATE INDEX parcels_closed_waiting ON parcels (dispatched_at, closed_at);
        """
    )


@MIGRATIONS(name="0025_zone_lists")
def m0025_zone_lists(db: Database) -> None:
    # With picking.zones, an order with units in several zones is on a list per zone, each with
    # a tote of its own: a list knows its zone (NULL for a list of whole orders, '' for the
    # locations in no zone) and a tote binding the list it was bound on (NULL outside a list).
    db.execute("ALTER TABLE pick_lists ADD COLUMN zone TEXT")
    db.execute("ALTER TABLE container_bindings ADD COLUMN list_id TEXT")


@MIGRATIONS(name="0026_kits")
def m0026_kits(db: Database) -> None:
    # Kits (组合装) from central's catalogue, and order lines that are a kit's components: a kit
    # line is stored as one line per component (allocated, picked and verified as such), each
    # naming the kit, its line as the channel sent it, the kits ordered and the units per kit.
    # A gift line (赠品) added by one of central's gift rules is flagged.
    db.executescript(
        """
        CREATE TABLE kits (
            sku TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            name_zh TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE TABLE kit_components (
            kit_sku TEXT NOT NULL REFERENCES kits(sku),
            sku TEXT NOT NULL REFERENCES products(sku),
            qty INTEGER NOT NULL CHECK (qty > 0),
            PRIMARY KEY (kit_sku, sku)
        );
        ALTER TABLE order_lines ADD COLUMN kit_sku TEXT NOT NULL DEFAULT '';
        ALTER TABLE order_lines ADD COLUMN kit_line_no INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE order_lines ADD COLUMN kit_qty INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE order_lines ADD COLUMN per_kit INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE order_lines ADD COLUMN kit_parts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE order_lines ADD COLUMN gift INTEGER NOT NULL DEFAULT 0;
        """
    )


@MIGRATIONS(name="0027_retention")
def m0027_retention(db: Database) -> None:
    # Retention (docs/operations.md): outbox events central acknowledged are pruned past an age;
    # `outbox_pruned` is each epoch's low-water mark (every seq up to it was delivered and is
    # gone), so verify does not read the pruned seqs as gaps. Old movements are archived to a
    # file; `ledger_archives` keeps where the hash chain continues and `ledger_carried` the sum
    # the archived movements left at each grain, so balances still equal the ledger's sums.
    db.executescript(
        f"""
        CREATE TABLE outbox_pruned (
            epoch INTEGER PRIMARY KEY,
            through_seq INTEGER NOT NULL CHECK (through_seq > 0),
            pruned_at TEXT NOT NULL
        );
        CREATE TABLE ledger_archives (
            id INTEGER PRIMARY KEY,
            first_id INTEGER NOT NULL,
            through_id INTEGER NOT NULL,
            last_hash TEXT NOT NULL,
            before TEXT NOT NULL,
            rows INTEGER NOT NULL,
            file TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            made_at TEXT NOT NULL
        );
        CREATE TABLE ledger_carried (
            sku TEXT NOT NULL,
            location TEXT NOT NULL,
            container TEXT NOT NULL,
            lot TEXT NOT NULL,
            bucket TEXT NOT NULL CHECK (bucket IN {BUCKETS}),
            qty INTEGER NOT NULL,
            PRIMARY KEY (sku, location, container, lot, bucket)
        );
        """
    )


@MIGRATIONS(name="0028_order_wave_keys")
def m0028_order_wave_keys(db: Database) -> None:
    # Each released order keeps the id of its wave (edge/domain/wave.py, under the rules in
    # wave_rules), set the first time the next pick list looks at it, so the next list reads one
    # wave's orders by index instead of regrouping every open order. A change of what its wave
    # follows from forgets it; a change of the rules forgets them all (edge/store/waves.py).
    db.executescript(
        """
        ALTER TABLE orders ADD COLUMN wave_key TEXT;
        CREATE INDEX orders_by_wave ON orders(wave_key, created_at, id) WHERE status = 'released';
        CREATE INDEX orders_wave_priority ON orders(wave_key, priority DESC)
            WHERE status = 'released';
        CREATE INDEX orders_without_wave ON orders(id)
            WHERE wave_key IS NULL AND status = 'released';
        CREATE TRIGGER orders_wave_moved AFTER UPDATE OF carrier, channel, priority, created_at
            ON orders WHEN NEW.wave_key IS NOT NULL
        BEGIN
            UPDATE orders SET wave_key = NULL WHERE id = NEW.id;
        END;
        CREATE TABLE wave_rules (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            fingerprint TEXT NOT NULL
        );
        """
    )


@MIGRATIONS(name="0029_order_hold_code")
def m0029_order_hold_code(db: Database) -> None:
    # Why an order is on hold as a code of the message catalogue's HOLDS and its params, so the
    # board says it in the reader's language; hold_reason keeps the free text (the note).
    db.executescript(
        """
        ALTER TABLE orders ADD COLUMN hold_code TEXT NOT NULL DEFAULT '';
        ALTER TABLE orders ADD COLUMN hold_params TEXT NOT NULL DEFAULT '{}';
        """
    )


# `CHECK (col IN ('a','b',...))`, written as `CHECK (col = 'a' OR col = 'b' OR ...)`.
_IN_LIST_CHECK = re.compile(r"CHECK \((\w+) IN \(([^()]*)\)\)")


def _checked_in_place(sql: str) -> str:
    def spelled(m: re.Match[str]) -> str:
        return f"CHECK ({' OR '.join(f'{m[1]} = {v.strip()}' for v in m[2].split(','))})"

    return _IN_LIST_CHECK.sub(spelled, sql)


@MIGRATIONS(name="0030_bucket_checks_in_place")
def m0030_bucket_checks_in_place(db: Database) -> None:
    # For CHECK (bucket IN (...)) SQLite fills a temporary table with the list on every row it
    # writes: two of them on every movement (its INSERT 9.5 -> 4.4 us as `=` ... OR), one on a
    # new balance row. The same rule spelled as ORs is checked in place. Only the constraint's
    # text changes and every row already meets it, so the tables are not rebuilt: SQLite's own
    # way for such a change (https://www.sqlite.org/lang_altertable.html#otheralter, "Making
    # Other Kinds Of Table Schema Changes"): the text edited with writable_schema, the schema
    # version raised so every connection reads it again.
    conn = db.conn
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        for name in ("movements", "balances"):
            (sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).fetchone()
            conn.execute(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                (_checked_in_place(sql), name),
            )
        conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def migrate(db: Database) -> list[str]:
    """Apply pending migrations; refuse a database written by a newer version. Returns names run."""
    names = [m.name for m in MIGRATIONS._migrations]
    applied = [m.name for m in MIGRATIONS.applied(db)]
    unknown = [name for name in applied if name not in names]
    if unknown:
        raise EdgeError(
            "database_too_new",
            migration=unknown[-1],
            known=names[-1],
            version=release(),
            path=db_path(db),
        )
    pending = [m.name for m in MIGRATIONS.pending(db)]
    MIGRATIONS.apply(db)
    return pending


def release() -> str:
    """This installation's version of warehouse-edge ("unknown" when run from a bare tree)."""
    try:
        return version("warehouse-edge")
    except PackageNotFoundError:
        return "unknown"


def schema_version(db: Database) -> str:
    applied = MIGRATIONS.applied(db)
    return applied[-1].name if applied else ""


def db_path(db: Database) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row else ""
