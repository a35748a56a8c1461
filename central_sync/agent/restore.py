"""After a restore from a backup, before the edge serves: ask central what it holds of this
edge past the backup, take those events back and re-apply them (edge/service/restore.py), start
an epoch above every epoch either side knows, and tell central about the gap."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.config import Settings
from edge.service.restore import take_back
from edge.store import restored
from edge.store.database import Store
from edge.store.writer import Tx

if TYPE_CHECKING:
    from central_sync.agent.client import CentralClient

log = logging.getLogger("central_sync.agent")


async def reconcile(store: Store, client: CentralClient) -> dict[str, Any] | None:
    """Close the gap a restore left; None when no restore is pending. Raises `Unreachable` or
    `Refused` (nothing changed) when central cannot be asked."""
    pending = await asyncio.to_thread(lambda: restored.restore_pending(store.read()))
    if pending is None:
        return None
    ours = await asyncio.to_thread(lambda: restored.outbox_high_water(store.read()))
    theirs = {m["epoch"]: m["seq"] for m in await client.high_water()}
    gap = [
        {"epoch": e, "from_seq": ours.get(e, 0) + 1, "to_seq": s}
        for e, s in sorted(theirs.items())
        if s > ours.get(e, 0)
    ]
    events: list[dict[str, Any]] = []
    for span in gap:
        after = span["from_seq"] - 1
        while after < span["to_seq"]:
            page = await client.own_events(span["epoch"], after=after)
            if not page:
                break
            events += page
            after = int(page[-1]["seq"])
    local_epoch = await asyncio.to_thread(lambda: restored.edge_epoch(store.read()))
    epoch = max([local_epoch - 1, *ours, *theirs]) + 1
    backup = str(pending.get("backup", "?"))

    def close(tx: Tx) -> dict[str, Any]:
        return take_back(tx, events, epoch=epoch, backup=backup)

    done = await store.writer.run(close)
    store.epoch = epoch
    report = done | {"gap": gap, "epoch": epoch, "backup": backup}
    if gap:
        log.warning(
            "restored from %s: central held %d events past it (%s); re-applied them; "
            "orders held for a supervisor: %s; new epoch %d",
            backup,
            len(events),
            ", ".join(f"epoch {g['epoch']} seq {g['from_seq']}-{g['to_seq']}" for g in gap),
            ", ".join(done["orders_held"]) or "none",
            epoch,
        )
        await client.report_restore(report)
    else:
        log.info("restored from %s: central holds nothing past it; new epoch %d", backup, epoch)
    return report


def reconcile_before_serving(settings: Settings, db_path: Path) -> list[str]:
    """For the CLI (restore, serve, sync reconcile): close a pending restore, asking central when
    one is configured; lines that say what was done (none when nothing was pending). Raises
    `Unreachable` / `Refused` when central must be asked and cannot be."""
    store = Store(db_path, edge_id=settings.edge.id)
    try:
        pending = restored.restore_pending(store.read())
        if pending is None:
            return []
        if not settings.central.url:  # standalone: nobody holds anything past the backup
            epoch = restored.edge_epoch(store.read())
            store.writer.call(lambda tx: take_back(tx, [], epoch=epoch, backup=pending["backup"]))
            return [f"standalone edge: new sync epoch {epoch}"]
        # the agent and httpx: loaded when central must be asked, not by every `serve`
        from central_sync.agent.agent import load_token
        from central_sync.agent.client import CentralClient  # with httpx, as above

        client = CentralClient(settings.central.url, load_token(settings.central), store.edge_id)

        async def run() -> dict[str, Any] | None:
            try:
                return await reconcile(store, client)
            finally:
                await client.close()

        report = asyncio.run(run()) or {}
    finally:
        store.close()
    return report_lines(report)


def report_lines(report: dict[str, Any]) -> list[str]:
    gap = report.get("gap") or []
    if not gap:
        return [f"central holds nothing past the backup; new sync epoch {report.get('epoch')}"]
    spans = ", ".join(f"epoch {g['epoch']} seq {g['from_seq']}-{g['to_seq']}" for g in gap)
    lines = [
        f"central held {report['reapplied']} events of this edge past the backup ({spans}):"
        " re-applied here (stock, orders)",
        f"new sync epoch {report['epoch']}",
    ]
    if report.get("orders_settled"):
        lines.append(f"orders ended as central holds them: {', '.join(report['orders_settled'])}")
    if report.get("products_added"):
        lines.append(
            "needs a person: products the backup did not know, added by their SKU alone (import"
            f" their names and barcodes, or central's catalogue sends them): {', '.join(report['products_added'])}"
        )
    if report.get("orders_held"):
        lines.append(
            f"needs a person: orders on hold, check their totes then release or cancel them:"
            f" {', '.join(report['orders_held'])}"
        )
    return lines
