"""The floor settings that a workflow's decisions depend on, read from [scanner] and [workflow].

They stand apart from the workflows so that the registry (`edge.service.workflows`) and the
workflows it lists (picking, packing) all take them from below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.domain.shelf_life import ShelfRules
from edge.domain.wave import WaveRules
from edge.store.writer_process import keep_in_writer


@keep_in_writer  # sent to the writer process once, not with every scan
@dataclass(frozen=True)
class FloorSettings:
    """The settings a workflow's decisions depend on."""

    prefix: str = ""
    suffix: str = ""
    gs_substitutes: tuple[str, ...] = ("<GS>",)
    command_prefix: str = "CMD:"
    batch_size: int = 3
    allow_unscanned_completion: bool = False
    quantity_prompt: bool = False
    shelf: ShelfRules = field(
        default_factory=ShelfRules
    )  # the warehouse's date, shelf-life minimums
    returns_location: str = "RETURNS"  # [returns] location
    waves: WaveRules | None = None  # [waves] when enabled: pick lists come from released waves
    zones: bool = False  # [picking] zones: a pick list per zone of an order
