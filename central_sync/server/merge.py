"""The merge window and the split setting (issue 19 item 4; docs/central.md, "Merged and split
orders"): which new orders wait for others of the same customer and address, and until when.

A new order that could go to a warehouse now waits instead for its channel's window
(`WAREHOUSE_CENTRAL_MERGE_WINDOW_S`, or `WAREHOUSE_CENTRAL_<CH>_MERGE_WINDOW_S` for one channel;
0 = off, the default). Orders of the same key (customer, recipient, normalised address, carrier
and service) arriving before the first one's window ends join it; when it ends the group is
released as one consignment (central_sync/server/consign.py)."""

from __future__ import annotations

import hashlib
import math
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from central_sync.store import merge as store
from central_sync.store.db import Tx, stamp

MERGE_ENV = "WAREHOUSE_CENTRAL_MERGE_WINDOW_S"
SPLIT_ENV = "WAREHOUSE_CENTRAL_SPLIT_ORDERS"
CHANNEL_MERGE_ENV = re.compile(r"WAREHOUSE_CENTRAL_([A-Z0-9_]+)_MERGE_WINDOW_S")
MAX_WINDOW_S = 86_400.0
KEY_FIELDS = ("name", "phone", "country", "province", "city", "district", "address", "postcode")
YES, NO = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
WAITING = "merge window: waits until "


@dataclass(frozen=True)
class MergeSettings:
    """The merge window in seconds (global, and per channel where set) and whether an order no
    single warehouse can fill may be split across warehouses."""

    window_s: float = 0.0
    channel_window_s: Mapping[str, float] = field(default_factory=dict)
    split: bool = False

    def window(self, channel: str) -> float:
        return self.channel_window_s.get(channel.lower(), self.window_s)

    @property
    def merging(self) -> bool:
        return self.window_s > 0 or any(v > 0 for v in self.channel_window_s.values())


def settings_from(environ: Mapping[str, str] = os.environ) -> MergeSettings:
    """The settings from the environment; a bad value is a ValueError naming its variable."""

    def seconds(key: str) -> float:
        raw = environ[key].strip()
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not 0 <= value <= MAX_WINDOW_S:
            raise ValueError(
                f"{key} must be seconds from 0 (off) to {MAX_WINDOW_S:.0f}, not {raw!r}"
            )
        return value

    window = seconds(MERGE_ENV) if environ.get(MERGE_ENV, "").strip() else 0.0
    per_channel = {
        m.group(1).lower(): seconds(key)
        for key in sorted(environ)
        if (m := CHANNEL_MERGE_ENV.fullmatch(key)) and environ[key].strip()
    }
    split = environ.get(SPLIT_ENV, "").strip().lower()
    if split not in YES + NO:
        raise ValueError(f"{SPLIT_ENV} must be 1 (split) or 0 (off, the default), not {split!r}")
    return MergeSettings(window, per_channel, split in YES)


def _norm(text: str) -> str:
    """Case, width and punctuation folded away: "1 Century Ave." == "1 century ave"."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def merge_key(customer_ref: str, ship_to: Mapping[str, str], carrier: str, service: str) -> str:
    """Orders with the same key may ship in one parcel: same customer, recipient and address
    (normalised), carrier and service."""
    parts = [customer_ref, *(str(ship_to.get(k) or "") for k in KEY_FIELDS), carrier, service]
    text = "\x1f".join(_norm(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Window:
    """The merge windows as an ingest sees them: each new order joins its key's open window or
    opens one (None: its channel does not merge)."""

    def __init__(self, tx: Tx, settings: MergeSettings, now: datetime) -> None:
        self.settings, self.now = settings, now
        self.open = store.open_windows(tx, stamp(now)) if settings.merging else {}

    def join(
        self,
        channel: str,
        customer_ref: str,
        ship_to: Mapping[str, str],
        carrier: str,
        service: str,
    ) -> tuple[str, str] | None:
        seconds = self.settings.window(channel)
        if seconds <= 0:
            return None
        key = merge_key(customer_ref, ship_to, carrier, service)
        until = self.open.setdefault(key, stamp(self.now + timedelta(seconds=seconds)))
        return key, until


def waiting_reason(until: str) -> str:
    return f"{WAITING}{until} for more orders of this customer and address to ship with"
