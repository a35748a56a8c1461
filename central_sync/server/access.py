"""Who may call central: each edge by its own bearer token, people by the admin token. Central
keeps only SHA-256 hashes; a token is printed once, when it is made."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from central_sync.server.apply import high_water
from central_sync.server.catalogue import send_catalogue
from central_sync.server.errors import CentralError
from central_sync.store.db import Tx, utc_now

EDGE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_edge(tx: Tx, edge_id: str, name: str = "") -> str:
    """Register an edge; returns its token (not stored) and queues the catalogue for it."""
    if not EDGE_ID.match(edge_id):
        reason = f"edge id {edge_id!r} must be 1-64 letters, digits, '.', '_' or '-'"
        raise CentralError("invalid_request", reason=reason)
    if tx.one("SELECT edge_id FROM edges WHERE edge_id = ?", (edge_id,)) is not None:
        raise CentralError("edge_exists", edge_id=edge_id)
    token = new_token()
    tx.execute(
        "INSERT INTO edges (edge_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
        (edge_id, name, token_hash(token), utc_now()),
    )
    send_catalogue(tx, edge_id)
    return token


def edge_of_token(tx: Tx, token: str) -> str | None:
    row = tx.one("SELECT edge_id FROM edges WHERE token_hash = ?", (token_hash(token),))
    return None if row is None else str(row["edge_id"])


def add_admin_token(tx: Tx) -> str:
    token = new_token()
    tx.execute(
        "INSERT INTO admin_tokens (token_hash, created_at) VALUES (?, ?)",
        (token_hash(token), utc_now()),
    )
    return token


def has_admin_token(tx: Tx) -> bool:
    return int(tx.value("SELECT COUNT(*) FROM admin_tokens")) > 0


def is_admin(tx: Tx, token: str, env_token: str | None) -> bool:
    if env_token and hmac.compare_digest(token_hash(token), token_hash(env_token)):
        return True
    row = tx.one("SELECT token_hash FROM admin_tokens WHERE token_hash = ?", (token_hash(token),))
    return row is not None


def list_edges(tx: Tx) -> list[dict[str, Any]]:
    """Every edge with its high water and when its last event arrived (never its token)."""
    rows = tx.all(
        "SELECT edge_id, name, created_at, last_event_at, last_occurred_at FROM edges"
        " ORDER BY edge_id"
    )
    return [dict(r) | {"high_water": high_water(tx, r["edge_id"])} for r in rows]
