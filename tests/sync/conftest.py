"""The sync tests' real central (a module may define its own `central` instead)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.central import Central, running_central


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    with running_central(tmp_path / "central") as c:
        yield c
