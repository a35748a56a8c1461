"""Online backup and restore of the edge database.

Backup copies the live database with SQLite's backup API (a consistent snapshot while the server
keeps writing) and checks the copy's integrity. Restore puts a copy in place and starts a new
outbox **epoch**, so that sequence numbers the restored edge re-uses are never mistaken by central
for events it already has.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from edge.domain.errors import EdgeError
from edge.files import private_database, private_file
from edge.store.restored import mark_restored, outbox_high_water
from kernel.serve_lock import Held, holding

Progress = Callable[[int, int], None]


def backup(
    source: Path, target: Path, *, progress: Progress | None = None, pages: int = 1024
) -> None:
    """Copy `source` to `target` page by page (other writers keep going); verify the copy."""
    if not source.exists():
        raise EdgeError("not_found", what="database", key=str(source))
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)
    private_file(tmp)  # a backup holds everything the database does: owner-only from the start
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(
            dst,
            pages=pages,
            progress=(lambda _s, rem, tot: progress(tot - rem, tot)) if progress else None,
        )
        _check_integrity(dst, tmp)
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()
    tmp.replace(target)


@contextmanager
def sole_user(database: Path) -> Iterator[None]:
    """Hold `database` for the block: `serve` while it serves, `restore` while it replaces the
    file (a server still writing would lose what it wrote). Either is refused with
    database_in_use, naming the pid, while the other holds it."""
    database.parent.mkdir(parents=True, exist_ok=True)  # a first serve may come before init
    try:
        with holding(database):
            yield
    except Held as held:  # only ever raised on the way in
        raise EdgeError("database_in_use", path=str(database), pid=held.pid) from None


def restore(backup_file: Path, target: Path, *, edge_id: str) -> int:
    """Replace `target` by `backup_file` (a backup of edge `edge_id`), refused while a server
    holds `target`; see `_restore`."""
    with sole_user(target):
        return _restore(backup_file, target, edge_id=edge_id)


def _restore(backup_file: Path, target: Path, *, edge_id: str) -> int:
    """Replace `target` by `backup_file` (a backup of edge `edge_id`); returns a provisional epoch,
    above the backup's and the replaced database's (no clock: central's epochs decide, see
    central_sync/agent/restore.py). The restore stays pending until central was asked what it
    holds past the backup. Stop the server first.
    """
    if not backup_file.exists():
        raise EdgeError("not_found", what="backup", key=str(backup_file))
    check = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _check_integrity(check, backup_file)
        old = _epoch(check)
        owner = _edge_of(check)
        high_water = outbox_high_water(check)
    finally:
        check.close()
    if owner is not None and owner != edge_id:
        raise EdgeError(
            "backup_of_another_edge", backup=str(backup_file), owner=owner, edge=edge_id
        )
    epoch = max(old + 1, _epoch_of_file(target) + 1)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    private_database(target)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("UPDATE edge_meta SET value = ? WHERE key = 'epoch'", (str(epoch),))
        info = {
            "backup": backup_file.name,
            "high_water": high_water,
            "restored_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        mark_restored(dst, info)
        dst.commit()
        dst.execute("PRAGMA journal_mode = WAL")
    finally:
        dst.close()
        src.close()
    return epoch


def _edge_of(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM edge_meta WHERE key = 'edge_id'").fetchone()
    return str(row[0]) if row else None


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise EdgeError("invalid_request", reason=f"{path} failed its integrity check: {result}")


def _epoch(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT value FROM edge_meta WHERE key = 'epoch'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise EdgeError("invalid_request", reason=f"not an edge database: {exc}") from exc
    return int(row[0]) if row else 0


def _epoch_of_file(path: Path) -> int:
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _epoch(conn)
    except EdgeError:
        return 0
    finally:
        conn.close()


BACKUP_NAME = "edge-%Y%m%dT%H%M%SZ.db"  # what `warehouse-edge backup` names a backup


def backups_in(folder: Path) -> list[tuple[datetime, Path]]:
    """The backups `warehouse-edge backup` made in `folder`, newest first, by the time in their
    name (any other file is not a backup of ours and is never touched)."""
    found = []
    for path in folder.glob("edge-*.db"):
        try:
            when = datetime.strptime(path.name, BACKUP_NAME).replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append((when, path))
    return sorted(found, reverse=True)


def drop_old_backups(
    folder: Path, *, now: datetime, keep: int | None = None, keep_days: int | None = None
) -> list[Path]:
    """Delete the backups beyond the `keep` newest and those older than `keep_days` days; the
    newest is always kept. Returns the files deleted, oldest first."""
    dropped = []
    for n, (when, path) in enumerate(backups_in(folder)):
        too_many = keep is not None and n >= keep
        too_old = keep_days is not None and (now - when).total_seconds() > keep_days * 86400
        if n > 0 and (too_many or too_old):
            path.unlink(missing_ok=True)
            dropped.append(path)
    return dropped[::-1]
