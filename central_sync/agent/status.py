"""The sync status as people see it: the API, `warehouse-edge sync status`, the terminal header
and the metrics all read it from the store, so it is the same while the server runs or not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from edge.config.sections import CentralSettings
from edge.store import restored, sync_state
from edge.store.sync_state import Conn


def parse_utc(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def sync_status(
    conn: Conn, central: CentralSettings, zone: ZoneInfo, now: datetime | None = None
) -> dict[str, Any]:
    """Central's URL (None standalone), reachability, the queue, the feed cursor, the alert;
    times shown in the warehouse's `zone` as well."""
    now = now or datetime.now(UTC)
    link = sync_state.load_link(conn)
    queue = sync_state.queue(conn)
    offline = parse_utc(link.offline_since)
    oldest = parse_utc(queue["oldest"])
    offline_s = max(0.0, (now - offline).total_seconds()) if offline else 0.0
    alert_after = central.offline_alert_s
    url = central.url
    return {
        "central_url": url,
        "mode": "synced" if url else "standalone",
        "online": _online(url, link),
        "offline_since": link.offline_since,
        "offline_since_local": _local(offline, zone),
        "offline_seconds": round(offline_s, 3),
        "last_contact_at": link.last_contact_at,
        "queued": queue["queued"],
        "oldest_queued_at": queue["oldest"],
        "oldest_queued_local": _local(oldest, zone),
        "oldest_queued_age_s": round(max(0.0, (now - oldest).total_seconds()), 3) if oldest else 0,
        "feed_cursor": sync_state.feed_cursor(conn),
        "last_error": link.last_error,
        "last_error_at": link.last_error_at,
        "attention": link.attention or _restore_attention(conn),
        "sync_exceptions": sync_state.open_sync_exceptions(conn),
        "alert": bool(url and offline and offline_s >= alert_after),
        "alert_after_s": alert_after,
    }


def _restore_attention(conn: Conn) -> str:
    """A restore that central was not yet asked about, or orders it left on hold."""
    if restored.restore_pending(conn) is not None:
        return (
            "restored from a backup and central not yet asked what it holds past it; the "
            "edge will not serve until `warehouse-edge sync reconcile` did"
        )
    held = restored.open_restore_exceptions(conn)
    if held:
        return (
            f"{held} orders on hold after a restore from a backup: check their totes, then "
            "release or cancel them (GET /api/v1/exceptions)"
        )
    return ""


def _online(url: str | None, link: sync_state.Link) -> bool | None:
    """None before the first contact (or standalone): neither reached nor known to be down."""
    if not url or (link.last_contact_at is None and link.offline_since is None):
        return None
    return link.offline_since is None


def _local(ts: datetime | None, zone: ZoneInfo) -> str | None:
    return ts.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") if ts else None


def age_text(seconds: float) -> str:
    """3 s, 4 min, 2 h 5 min, 3 d 4 h: the size a person needs, not the precision."""
    s = int(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def status_lines(status: dict[str, Any]) -> list[str]:
    """The status for a terminal window, one fact a line."""
    if status["mode"] == "standalone":
        head = "central: none configured (standalone)"
    elif status["online"] is None:
        head = f"central: {status['central_url']}, not reached yet"
    elif status["online"]:
        head = f"central: {status['central_url']}, online"
    else:
        head = f"central: {status['central_url']}, offline since {status['offline_since_local']}"
        head += f" ({age_text(status['offline_seconds'])})"
    lines = [head, f"queued: {status['queued']} events"]
    if status["queued"]:
        age = age_text(status["oldest_queued_age_s"])
        lines.append(f"oldest queued: {status['oldest_queued_local']} ({age} ago)")
    lines.append(f"feed cursor: {status['feed_cursor']}")
    if status["last_error"]:
        lines.append(f"last error: {status['last_error']} (at {status['last_error_at']})")
    if status["attention"]:
        lines.append(f"needs a person: {status['attention']}")
    if status["sync_exceptions"]:
        lines.append(f"changes not applied: {status['sync_exceptions']} open sync exceptions")
    if status["alert"]:
        lines.append(f"ALERT: central unreachable for more than {status['alert_after_s']} s")
    return lines
