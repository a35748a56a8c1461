"""[board]: the supervisor's task board — when a card turns amber, how priorities are tagged,
how long a shipped order stays on it and how many cards one answer carries."""

from __future__ import annotations

from pydantic import BaseModel, ValidationInfo, field_validator

from edge.config.keys import _SECTION, _key


class BoardSettings(BaseModel):
    """[board]: the task board's thresholds (GET /api/v1/board, the terminal's Board screen)."""

    model_config = _SECTION

    near_minutes: int = _key(
        120, "A card turns amber this many minutes before its ship-by (red once it passed).", ge=1
    )
    urgent_priority: int = _key(
        2, "An order of this priority or more is tagged urgent.", ge=-1000, le=1000
    )
    high_priority: int = _key(
        1, "An order of this priority or more (below urgent) is tagged high.", ge=-1000, le=1000
    )
    shipped_hours: int = _key(
        24, "Hours a shipped order stays in the Shipped column.", ge=1, le=24 * 31
    )
    after_sales_days: int = _key(
        14, "Days a return stays in the After-sales column after it last moved.", ge=1, le=366
    )
    max_cards: int = _key(500, "Most cards one board answer carries.", ge=10, le=5000)

    @field_validator("high_priority")
    @classmethod
    def _high_below_urgent(cls, value: int, info: ValidationInfo) -> int:
        urgent = info.data.get("urgent_priority")
        if urgent is not None and value > urgent:
            raise ValueError(f"a priority no greater than board.urgent_priority ({urgent})")
        return value
