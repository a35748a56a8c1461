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
from dataclasses import dataclass
from typing import Any

from edge.config import Settings
from edge.domain.operator import Role
from edge.loadtest import probe
from edge.loadtest.floor import Shared, sign_in, work
from edge.loadtest.tally import Tally
from edge.loadtest.terminals import Floor, Parcel
from edge.service.rehearsal import Plan, Rehearsal, seed
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
        run=secrets.token_hex(2),
        terminals=counts,
        orders=orders,
        returns=counts[Role.RETURNS] * RETURNS_PER_CLERK,
        hot_skus=opts.hot_skus if flood else 0,
        hot_stock=opts.hot_stock if flood else 0,
    )


def prepare(store: Store, settings: Settings, opts: Options) -> Rehearsal:
    """The rehearsal floor seeded in the edge's database (the edge may be serving)."""
    return seed(store, settings, plan_for(opts, settings))


def shared_for(rehearsal: Rehearsal, settings: Settings) -> Shared:
    box = settings.pack_packages[0]
    parcels = [Parcel(order, units) for order, units in rehearsal.returns.items()]
    floor = Floor(rehearsal.barcodes, tote_prefix=rehearsal.tote_prefix)
    shared = Shared(floor, package=box.code, weight_g=box.tare_g, benches=pack_benches(settings))
    shared.parcels.extend(parcels)
    return shared


async def load(
    opts: Options,
    rehearsal: Rehearsal,
    shared: Shared,
    *,
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> dict[str, Any]:
    """Sign in, work for `opts.duration` (or until cancelled: Ctrl-C), then the summary."""
    tally, stop = Tally(), asyncio.Event()
    say(f"signing in {len(rehearsal.handhelds)} handhelds on {opts.edge} …")
    terminals = await sign_in(opts.edge, rehearsal, shared)
    headers = terminals[0].screen.headers
    say(f"running for {opts.duration:g} s")
    tally.started = time.perf_counter()
    tasks = [
        asyncio.create_task(work(opts.edge, t, shared, tally, stop, opts.think)) for t in terminals
    ]
    interrupted = False
    try:
        last = (0.0, 0)
        deadline = tally.started + opts.duration
        while (left := deadline - time.perf_counter()) > 0:
            await asyncio.sleep(min(PROGRESS_S, left))
            line, last = tally.progress(last)
            say(line)
    except asyncio.CancelledError:
        interrupted = True
    finally:
        stop.set()
        ran = tally.elapsed()
        await asyncio.gather(*tasks, return_exceptions=True)
    report: dict[str, Any] = {
        "edge": opts.edge,
        "terminals": {str(r): n for r, n in Counter(h.role for h in rehearsal.handhelds).items()},
        "pack_benches": shared.benches,
        "duration_s": round(ran, 1),
        "interrupted": interrupted,
    } | tally.figures()
    say("reading back the edge: stock, outbox …")
    skus = list(rehearsal.barcodes)
    report["edge_oversold"] = await probe.edge_oversold(opts.edge, headers, skus)
    report["outbox"] = await probe.drain(opts.edge, headers, opts.drain_timeout)
    report["edge_memory"] = probe.memory(opts.edge)
    report["oversells"] = report["edge_oversold"]["units"]
    report["ok"] = report["oversells"] == 0 and report["errors"] == 0 and not interrupted
    return report
