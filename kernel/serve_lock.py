"""One process at a time on a SQLite database: `serve` holds `DB.serve.lock` while it serves,
and what must not run beside it (a second serve, the edge's restore) is refused at once,
naming the holder's pid. The lock is the kernel's (flock): a process killed lets go of it.
Needs the standard library only."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Held(Exception):
    """Another process holds the lock of `database`; `pid` as it wrote it ("?" if unreadable)."""

    def __init__(self, database: Path, pid: str) -> None:
        super().__init__(f"{database} is held by pid {pid}")
        self.database = database
        self.pid = pid


def lock_path(database: Path) -> Path:
    return Path(f"{database}.serve.lock")


@contextmanager
def holding(database: Path) -> Iterator[None]:
    """Hold `database`'s serve lock for the block, or raise Held at once."""
    path = lock_path(database)
    try:
        fd, writable = os.open(path, os.O_RDWR | os.O_CREAT, 0o644), True
    except PermissionError:  # made by another user (root's restore): a lock all the same
        fd, writable = os.open(path, os.O_RDONLY), False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise Held(database, holder) from None
        if writable:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock
