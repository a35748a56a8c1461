"""Files that hold data or secrets are owner-only whatever the umask: created 0600 in
directories created 0700 (the edge database and its WAL/SHM, backups, TLS keys, central's
database and token files, printed labels with addresses). Edge and central both use this."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path | str) -> Path:
    """Create `path` and its missing parents owner-only. A directory that already exists is
    left as the installer made it (docs/security.md)."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    for made in missing:
        os.chmod(made, PRIVATE_DIR)  # mkdir's mode passes through the umask; parents get none
    return path


def private_file(path: Path | str) -> Path:
    """Make sure `path` exists owner-only: created 0600 (empty), or tightened to 0600 when it
    was looser (a file made by an older version). A file of another owner is left alone.

    An existing file is changed by its path, never opened: it may be an SQLite database this
    process has open, and closing any descriptor of it drops every POSIX lock the process holds
    on it (sqlite.org/howtocorrupt.html, 2.2) — another process would then take itself for the
    last connection, checkpoint and delete the WAL under ours."""
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) != PRIVATE_FILE:
            with contextlib.suppress(PermissionError):
                os.chmod(path, PRIVATE_FILE)
        return path
    try:
        os.fchmod(fd, PRIVATE_FILE)  # the umask may have taken bits away
    finally:
        os.close(fd)
    return path


def private_database(path: Path | str) -> Path:
    """An SQLite file and its existing -wal/-shm owner-only before it is opened (SQLite gives
    the -wal and -shm files it creates the database file's own mode)."""
    path = private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        sibling = Path(f"{path}{suffix}")
        if sibling.exists():
            private_file(sibling)
    return path


def write_atomic(path: Path, data: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Write beside `path`, then rename over it: a reader sees the old file or the new, whole.
    The file is created with `mode`, so a secret is never readable by others, not even briefly."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.fchmod(fd, mode)  # the umask may have taken bits away
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)
