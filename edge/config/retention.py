"""[retention]: how long events central acknowledged stay in the outbox, and how the background
pruning goes (docs/operations.md, "Retention")."""

from __future__ import annotations

from pydantic import BaseModel

from edge.config.keys import _SECTION, _key


class RetentionSettings(BaseModel):
    """[retention]: pruning the outbox of acknowledged events, in small batches."""

    model_config = _SECTION

    outbox_days: int = _key(
        30,
        "Days an event stays in the outbox after central acknowledged it; then it is pruned"
        " (0 keeps every event). Events central has not acknowledged are never pruned.",
        ge=0,
        le=3650,
    )
    prune_every_s: int = _key(600, "Seconds between the background prune passes.", ge=10, le=86400)
    prune_batch: int = _key(
        500,
        "Most events one prune transaction deletes: the writer is held for one batch at a time.",
        ge=10,
        le=10000,
    )
