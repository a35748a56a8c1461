"""Running the demo: seed an empty data dir once (or reuse it), start the demo's central beside
it and sync with it, pick two orders for the pack bench, then serve until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
from collections.abc import Callable

from edge.api.serving import run_server
from edge.config import Settings
from edge.demo.central import (
    DEMO_ASN,
    KIT_ORDER,
    MERGED_ORDERS,
    held_banner,
    kit_banner,
    merged_banner,
    shop_banner,
    start_central,
    sync_now,
    synced_settings,
)
from edge.demo.counts import seed_counts
from edge.demo.data import OPERATORS, has_data, is_seeded, seed
from edge.demo.floor import (
    DEMO_DESK,
    DEMO_DOCK,
    DEMO_STATION,
    PICKED_ORDERS,
    dock_banner,
    seed_picked,
    with_dock,
    with_returns_desk,
    with_virtual_scanner,
    write_sheet,
)
from edge.demo.handover import handover_banner, seed_handover
from edge.demo.history import seed_history
from edge.demo.returns import (
    authorise_returns,
    returns_banner,
    returns_sections,
    seeded_returns,
    ship,
    ship_orders,
)
from edge.store.database import Store
from edge.store.orders import released_orders
from edge.store.packing import totes_to_pack

log = logging.getLogger("edge.demo")


def banner(url: str, *, data_dir: str, temporary: bool, sheet: str = "") -> list[str]:
    """What the demo prints once it is listening: where to go and how to log in."""
    kept = " (temporary: removed on exit; give --data-dir to keep it)" if temporary else ""
    lines = [
        f"Edge running at {url}",
        f"Handheld terminal at {url}/ui/",
        f"API docs at {url}/docs",
        f"Data dir: {data_dir}{kept}",
    ]
    if sheet:
        lines.append(f"Barcode sheet (print it, or scan from the screen): {sheet}")
    lines.append("Demo logins (badge / PIN):")
    lines += [f"  {role:<11} {badge} / {pin}   {name}" for badge, name, role, pin, _ in OPERATORS]
    badge, _, _, pin, _ = next(op for op in OPERATORS if op[2] == "supervisor")
    lines.append(
        f"Enrol each new device on its first screen: supervisor {badge} / {pin} vouches for it"
        " (or a one-time code: warehouse-edge devices enrol-code)."
    )
    return [*lines, "Press Ctrl-C to stop."]


def waves_banner(settings: Settings) -> list[str]:
    """How to try waves by carrier cut-off on this demo: off by default, turned on by two
    environment variables; on, a supervisor releases each wave on the Board."""
    carrier = settings.carrier.name
    if not settings.waves.enabled:
        return [
            "Waves by carrier cut-off: off (start the demo with WAREHOUSE_EDGE_WAVES_ENABLED=true"
            f' WAREHOUSE_EDGE_WAVES_CUTOFFS="{carrier}=17:00" to release waves on the Board)'
        ]
    badge = next(op[0] for op in OPERATORS if op[2] == "supervisor")
    return [
        f"Waves by carrier cut-off: on ({settings.waves.cutoffs or 'no cut-offs'}): supervisor"
        f" {badge}, task Board, taps Release on a wave; pickers get no pick list until then"
    ]


def run(settings: Settings, *, echo: Callable[[str], None], temporary: bool = False) -> None:
    """Open (and seed, once) the demo store and its central, sync them, then serve the edge
    until SIGINT/SIGTERM."""
    store = Store(
        settings.db_path,
        edge_id=settings.edge.id,
        busy_timeout_ms=settings.store.busy_timeout_ms,
        max_batch=settings.store.group_commit_max,
    )
    central = None
    try:
        first = _open_demo(store, settings)
        central = start_central(settings.edge.data_dir, store)
        settings = synced_settings(settings, central)
        done = sync_now(store, settings)
        # Central assigns the orders the edge's stock now covers in the background: wait for it,
        # then take them down, or the demo would find none released (a race seen under load).
        central.central.settle()
        more = sync_now(store, settings)
        done = {k: done[k] + more.get(k, 0) for k in done}
        log.info(
            "synced with the demo's central: %d events up, %d changes down",
            done["sent"],
            done["changes"],
        )
        if first:
            seed_picked(store, _released(store))
            shipped = ship_orders(store, settings)
            authorise_returns(central.central, store, shipped, lambda: sync_now(store, settings))
            ship(store, settings, _for_the_shop(store))  # its tracking number goes to the shop
            seed_handover(
                store, settings, skip=(*MERGED_ORDERS, KIT_ORDER)
            )  # packed, for the courier's bag
            seed_history(store, settings)  # weeks of it, for the board, KPIs and the report
            counted = seed_counts(store, settings)
            log.info("counted %d demo bins (one waits for approval)", len(counted))
        returns = seeded_returns(store)
        sheet = write_sheet(
            store,
            settings.edge.data_dir / "demo-barcodes.pdf",
            command_prefix=settings.scans.command_prefix,
            extra=returns_sections(store, returns),
        )
        settings, scanner = with_virtual_scanner(settings)
        settings, desk_scanner = with_returns_desk(settings)
        settings, dock_scanner = with_dock(settings)

        def ready(url: str) -> None:
            lines = banner(
                url, data_dir=str(settings.edge.data_dir), temporary=temporary, sheet=str(sheet)
            )
            lines[-1:-1] = [
                f"Virtual scanner (station {DEMO_STATION}): printf 'CODE\\r' > {scanner.user_path}",
                f"Station screen: {url}/ui/?station={DEMO_STATION}",
                f"Printer (station {DEMO_STATION}): PDF files in {settings.edge.data_dir / 'printed'}",
                *waves_banner(settings),
                *ready_to_pack(store),
                *handover_banner(store, settings),
                f"Virtual scanner (station {DEMO_DESK}): printf 'CODE\\r' > {desk_scanner.user_path}",
                f"Returns desk screen: {url}/ui/?station={DEMO_DESK}",
                *returns_banner(returns),
                f"Virtual scanner (station {DEMO_DOCK}): printf 'CODE\\r' > {dock_scanner.user_path}",
                f"Dock screen (receiving, putaway): {url}/ui/?station={DEMO_DOCK}",
                *dock_banner(store, DEMO_ASN),
                f"Central order store at {central.url} (board: {central.url}/board,"
                f" admin token {central.admin_token})",
                *held_banner(central),
                *merged_banner(central),
                *kit_banner(central, store),
                *shop_banner(central),
            ]
            for line in lines:
                echo(line)

        try:
            run_server(settings, on_ready=ready, store=store)
        finally:
            scanner.close()
            desk_scanner.close()
            dock_scanner.close()
    finally:
        if central is not None:
            central.stop()
        store.close()


def _open_demo(store: Store, settings: Settings) -> bool:
    """Seed an empty store (True), reuse a seeded one (False); never touch other data."""
    if is_seeded(store):
        log.info("reusing the demo data in %s", settings.db_path)
        return False
    if has_data(store):
        raise DemoDirInUse(settings.db_path)
    seed(store, pin_cost=settings.auth.pin_hash_cost, orders=False)
    return True


def _released(store: Store) -> list[str]:
    return released_orders(store.read(), PICKED_ORDERS)


def _for_the_shop(store: Store) -> list[str]:
    """One released Shopify order (not one of the two central merges) for the demo to ship: its
    fulfillment goes to the stand-in shop (edge/demo/shop.py) once the edge syncs."""
    waiting = released_orders(store.read(), 40)
    return [o for o in waiting if o.startswith("shopify:") and o not in MERGED_ORDERS][:1]


def ready_to_pack(store: Store) -> list[str]:
    """A banner line naming the totes of picked orders waiting at the pack bench."""
    totes = totes_to_pack(store.read())
    if not totes:
        return []
    return [f"Ready to pack (log in as a packer, task Pack, scan a tote): {', '.join(totes)}"]


class DemoDirInUse(Exception):
    """The data dir holds a database that the demo did not seed: never mix demo data into it."""

    def __init__(self, path: object) -> None:
        super().__init__(
            f"{path} holds data the demo did not seed; give an empty or a demo --data-dir"
        )
