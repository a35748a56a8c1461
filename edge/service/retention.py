"""Retention: pruning acknowledged outbox events in small batches (in the background and by
`warehouse-edge retention prune`), and archiving old movements to a file with a checksum
(`warehouse-edge ledger archive`). docs/operations.md, "Retention"."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from edge.config.retention import RetentionSettings
from edge.files import private_file
from edge.store import ledger_archive
from edge.store.database import Store
from edge.store.ledger import utc
from edge.store.retention import low_water, prune_outbox
from edge.store.writer import Tx

ARCHIVE_FORMAT = 1
log = logging.getLogger("edge.retention")


def prune(store: Store, settings: RetentionSettings) -> int:
    """Prune every acknowledged event past `outbox_days`, one batch per transaction; how many."""
    if settings.outbox_days == 0:
        return 0
    total = 0
    while (done := store.writer.call(_prune_batch(settings))) > 0:
        total += done
    return total


async def prune_in_background(store: Store, settings: RetentionSettings) -> int:
    """The same from the server's event loop: other commits go in between the batches."""
    if settings.outbox_days == 0:
        return 0
    total = 0
    while (done := await store.writer.run(_prune_batch(settings))) > 0:
        total += done
        await asyncio.sleep(0)
    return total


def _prune_batch(settings: RetentionSettings) -> Callable[[Tx], int]:
    older_than = timedelta(days=settings.outbox_days)

    def batch(tx: Tx) -> int:
        return prune_outbox(tx, older_than=older_than, limit=settings.prune_batch)

    return batch


def pruned_through(store: Store) -> dict[int, int]:
    """Each epoch's low-water mark: the events up to it were acknowledged and pruned."""
    return low_water(store.read())


@dataclass(frozen=True)
class Archived:
    """What `archive_ledger` did: movements `first_id`..`through_id` (`rows` of them) are in
    `file`, whose SHA-256 is `sha256` (also in `file`.sha256)."""

    rows: int
    first_id: int = 0
    through_id: int = 0
    file: Path | None = None
    sha256: str = ""


def archive_ledger(store: Store, *, before: datetime, out: Path) -> Archived:
    """Write the movements before `before` whose events central acknowledged to `out` (JSON
    lines: a header, then one movement per line), then take them out of the ledger with their
    sums carried forward, in one transaction. Nothing is taken out before the file is on disk."""
    cutoff = utc(before)
    conn = store.read()
    through = ledger_archive.archivable_through(conn, before=cutoff)
    start_id, previous_hash = ledger_archive.archived_through(conn)
    if through <= start_id:
        return Archived(rows=0)
    digest, rows, first_id = hashlib.sha256(), 0, 0
    private_file(out)
    with out.open("w", encoding="utf-8") as f:

        def line(obj: object) -> None:
            text = json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n"
            digest.update(text.encode())
            f.write(text)

        line(
            {
                "ledger_archive": ARCHIVE_FORMAT,
                "edge_id": store.edge_id,
                "before": cutoff,
                "through_id": through,
                "previous_hash": previous_hash,
            }
        )
        for row in ledger_archive.movements_through(conn, through):
            first_id = first_id or row["id"]
            rows += 1
            line(row)
        f.flush()
        os.fsync(f.fileno())
    sha256 = digest.hexdigest()
    sidecar = private_file(out.with_name(out.name + ".sha256"))
    sidecar.write_text(f"{sha256}  {out.name}\n", encoding="utf-8")
    taken = store.writer.call(
        lambda tx: ledger_archive.archive(
            tx, through_id=through, before=cutoff, file=str(out), sha256=sha256
        )
    )
    if taken != rows:  # another archive ran in between: this file holds rows already taken out
        raise RuntimeError(f"archived {taken} movements but wrote {rows} to {out}")
    return Archived(rows, first_id, through, out, sha256)


async def prune_loop(store: Store, settings: RetentionSettings) -> None:
    """Prune at start and every `prune_every_s`; a pass that fails is logged and tried again."""
    while True:
        try:
            pruned = await prune_in_background(store, settings)
        except Exception:
            log.exception("pruning the outbox failed; trying again in %d s", settings.prune_every_s)
        else:
            if pruned:
                log.info("pruned %d acknowledged outbox events", pruned)
        await asyncio.sleep(settings.prune_every_s)
