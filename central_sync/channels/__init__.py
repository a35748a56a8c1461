"""Channel order ingest: each sales channel's export mapped to one internal order model by a
declarative mapping file (mappings/<channel>.toml); a new channel is a new file, not new code.
README.md says how to write one; mapping.py's header lists the transforms."""

from __future__ import annotations

from pathlib import Path

from central_sync.channels.mapping import (
    Mapping,
    channels,
    load_mapping,
    map_document,
    merge_companions,
)
from central_sync.channels.model import ChannelLine, ChannelOrder, MappingError, Rejected

SAMPLES = Path(__file__).parent / "samples"

__all__ = [
    "ChannelLine",
    "ChannelOrder",
    "Mapping",
    "MappingError",
    "Rejected",
    "channels",
    "load_mapping",
    "map_document",
    "merge_companions",
    "sample_path",
]


def sample_path(name: str) -> Path:
    """The shipped sample export of a channel, samples/<name>.json."""
    path = SAMPLES / f"{name}.json"
    if name not in channels() or not path.is_file():
        raise MappingError(
            f"no sample export for channel {name!r} (shipped: {', '.join(channels())})"
        )
    return path
