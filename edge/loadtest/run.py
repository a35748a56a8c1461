"""A load test of a running edge: seed its rehearsal floor, log the handhelds in, let them work
for the duration (and the buyers flood central, when one is given), show progress every second,
then read back what the edge and central hold: oversells, the outbox drained, memory."""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge.config import Settings
from edge.domain.operator import Role
from edge.loadtest import buyers, probe
from edge.loadtest.floor import Shared, sign_in, work
from edge.loadtest.tally import Tally
from edge.loadtest.terminals import Floor, Parcel
from edge.service.rehearsal import Plan, Rehearsal, catalogue, hot_sku, seed
from edge.store.database import Store

MIX = {Role.PICKER: 0.6, Role.PACKER: 0.25, Role.RETURNS: 0.15}  # share of the terminals
ORDERS_PER_PICKER_S = 0.5  # seeded pick orders per picker and second: more than one picks
RETURNS_PER_CLERK = 40  # shipped orders waiting at the returns desk per clerk
PROGRESS_S = 1.0


@dataclass(frozen=True)
class Options:
    edge: str
    terminals: int = 50
    duration: float = 60.0
    think: float = 0.5
    drain_timeout: float = 120.0
    central: str | None = None
    central_token: str = ""
    buyers: int = 10_000
    hot_skus: int = 3
    hot_stock: int = 100
    run: str = field(default_factory=lambda: secrets.token_hex(2))  # names this run's codes


def split(terminals: int, *, packing: bool = True) -> dict[Role, int]:
    """Terminals per role: the MIX shares, at least one each, the rest picking (no packers
    without `packing`)."""
    counts = {role: max(1, int(terminals * MIX[role])) for role in (Role.PACKER, Role.RETURNS)}
    counts[Role.PACKER] *= packing
    return {Role.PICKER: terminals - sum(counts.values())} | counts


def pack_benches(settings: Settings) -> list[str]:
    """The pack benches with a printer of their own: where a packer closes a parcel."""
    printed = {p.station for p in settings.printers}
    return [s.name for s in settings.stations if s.type == "pack_bench" and s.name in printed]


def plan_for(opts: Options, settings: Settings) -> Plan:
    counts = split(opts.terminals, packing=bool(pack_benches(settings)))
    orders = int(counts[Role.PICKER] * (opts.duration + 10) * ORDERS_PER_PICKER_S) + 10
    flood = opts.central is not None
    return Plan(
        run=opts.run,
        terminals=counts,
        orders=orders,
        returns=counts[Role.RETURNS] * RETURNS_PER_CLERK,
        hot_skus=opts.hot_skus if flood else 0,
        hot_stock=opts.hot_stock if flood else 0,
    )


def prepare(store: Store, settings: Settings, opts: Options) -> Rehearsal:
    """The rehearsal floor seeded in the edge's database (the edge may be serving)."""
    return seed(store, settings, plan_for(opts, settings))


def hot_skus(opts: Options) -> list[str]:
    return [hot_sku(opts.run, n) for n in range(opts.hot_skus)] if opts.central else []


def shared_for(rehearsal: Rehearsal, settings: Settings) -> Shared:
    box = settings.pack_packages[0]
    parcels = [Parcel(order, units) for order, units in rehearsal.returns.items()]
    floor = Floor(rehearsal.barcodes, tote_prefix=rehearsal.tote_prefix)
    shared = Shared(floor, package=box.code, weight_g=box.tare_g, benches=pack_benches(settings))
    shared.parcels.extend(parcels)
    return shared


def say_on_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Flood:
    """The buyers' side: central's URL and admin token, this edge's id there, the run's name,
    and what central had to sell of each hot SKU when the buyers came."""

    url: str
    token: str
    warehouse: str
    run: str
    hot: list[str]
    at_start: dict[str, int]


async def central_ready(opts: Options) -> None:
    """Central knows the floor's products and this run's hot SKUs, with their barcodes."""
    assert opts.central is not None
    await buyers.add_products(opts.central, opts.central_token, catalogue(opts.run, opts.hot_skus))


async def load(
    opts: Options,
    rehearsal: Rehearsal,
    shared: Shared,
    *,
    flood: Flood | None = None,
    say: Callable[[str], None] = say_on_stderr,
) -> dict[str, Any]:
    """Sign in, work for `opts.duration` (or until cancelled: Ctrl-C) while the buyers (with
    `flood`) order, then the summary."""
    tally, stop = Tally(), asyncio.Event()
    say(f"signing in {len(rehearsal.handhelds)} handhelds on {opts.edge} …")
    terminals = await sign_in(opts.edge, rehearsal, shared)
    headers = terminals[0].screen.headers
    say(
        f"running for {opts.duration:g} s" + (f", {opts.buyers} buyers at central" if flood else "")
    )
    tally.started = time.perf_counter()
    tasks = [
        asyncio.create_task(work(opts.edge, t, shared, tally, stop, opts.think)) for t in terminals
    ]
    buying = None
    if flood:
        buying = asyncio.create_task(
            buyers.flood(
                flood.url,
                flood.token,
                run=flood.run,
                hot=flood.hot,
                buyers=opts.buyers,
                tally=tally,
            )
        )
    interrupted = False
    try:
        last = (0.0, 0)
        deadline = tally.started + opts.duration
        while (left := deadline - time.perf_counter()) > 0 or (buying and not buying.done()):
            await asyncio.sleep(min(PROGRESS_S, left) if left > 0 else PROGRESS_S)
            line, last = tally.progress(last)
            say(line)
            if left <= PROGRESS_S:
                stop.set()  # the floor's time is up; the buyers may still be ordering
                tally.stop_floor()
    except asyncio.CancelledError:
        interrupted = True
    finally:
        stop.set()
        tally.stop_floor()
        ran = tally.elapsed()  # the floor's time (the buyers may have gone on)
        if buying:
            buying.cancel()
        await asyncio.gather(*tasks, *([buying] if buying else []), return_exceptions=True)
    report: dict[str, Any] = {
        "edge": opts.edge,
        "terminals": {str(r): n for r, n in Counter(h.role for h in rehearsal.handhelds).items()},
        "pack_benches": shared.benches,
        "duration_s": round(ran, 1),
        "interrupted": interrupted,
    } | tally.figures()
    say("reading back the edge: stock, outbox …")
    report["outbox"] = await probe.drain(opts.edge, headers, opts.drain_timeout)
    skus = list(rehearsal.barcodes)
    report["edge_oversold"] = await probe.edge_oversold(opts.edge, headers, skus)
    report["edge_memory"] = probe.memory(opts.edge)
    report["oversells"] = report["edge_oversold"]["units"]
    if flood:
        released = sum(tally.orders_released.values())
        report["orders"] = {
            "buyers": opts.buyers,
            "answered": tally.orders_sent,
            "taken": tally.orders_taken,
            "released": released,
            "flood_s": round(tally.flood_s, 1),
            "orders_per_s": round(tally.orders_sent / tally.flood_s, 1) if tally.flood_s else None,
            "released_by_sku": dict(sorted(tally.orders_released.items())),
            "stock_at_start": flood.at_start,
            "errors_by_code": dict(sorted(tally.buyer_errors.items())),
        }
        report["central_oversold"] = await buyers.central_oversold(
            flood.url, flood.token, flood.hot, flood.at_start, tally.orders_released
        )
        report["oversells"] += report["central_oversold"]["units"]
        report["orders"]["reached_edge"] = await probe.orders_at_edge(
            opts.edge, headers, tally.released_ids, opts.drain_timeout
        )
    report["failed_because"] = failures(report)
    report["ok"] = not report["failed_because"]
    return report


def failures(report: dict[str, Any]) -> list[str]:
    """Why the run fails, in words (none: it passed)."""
    found = []
    if report["oversells"]:
        found.append(f"{report['oversells']} units oversold")
    if report["errors"]:
        found.append(f"{report['errors']} requests failed")
    if report["outbox"]["drained"] is False:
        found.append(f"the outbox did not drain ({report['outbox']['left']} events left)")
    reached = report.get("orders", {}).get("reached_edge")
    if reached and reached["at_edge"] < reached["released"]:
        missing = reached["released"] - reached["at_edge"]
        found.append(f"{missing} released orders never reached the edge")
    if report["interrupted"]:
        found.append("interrupted")
    return found


async def rehearse(opts: Options, settings: Settings, rehearsal: Rehearsal) -> dict[str, Any]:
    """The load test once the floor is seeded: with a central, first the seed's hot stock seen
    there (the receipt went up through the outbox), then the floor and the buyers together."""
    flood = None
    if opts.central:
        hot = hot_skus(opts)
        want = dict.fromkeys(hot, opts.hot_stock)
        say_on_stderr(f"waiting for central to see the hot stock {want} …")
        at_start = await buyers.wait_for_stock(
            opts.central, opts.central_token, settings.edge.id, want, opts.drain_timeout
        )
        flood = Flood(opts.central, opts.central_token, settings.edge.id, opts.run, hot, at_start)
    return await load(opts, rehearsal, shared_for(rehearsal, settings), flood=flood)
