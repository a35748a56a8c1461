"""Room on the disk holding a database: what edge and central ask before they call a full disk
freed again (a small write may still fit in the WAL's old space while a real one would not)."""

from __future__ import annotations

import shutil
from pathlib import Path

# Less than this free and a database is not ready to take writes, whatever a small write says.
MIN_FREE_BYTES = 1 << 20


def has_room(database: Path | str, *, need: int = MIN_FREE_BYTES) -> bool:
    """At least `need` bytes free on the filesystem holding the file `database`."""
    return shutil.disk_usage(Path(database).parent).free >= need
