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
from central_sync.server.kits import send_kits
from central_sync.store import edges
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
    if edges.edge_exists(tx, edge_id):
        raise CentralError("edge_exists", edge_id=edge_id)
    token = new_token()
    edges.insert_edge(tx, edge_id, name, token_hash(token), utc_now())
    send_catalogue(tx, edge_id)
    send_kits(tx, edge_id)
    return token


def edge_of_token(tx: Tx, token: str) -> str | None:
    return edges.edge_of_token_hash(tx, token_hash(token))


def add_admin_token(tx: Tx) -> str:
    token = new_token()
    edges.insert_admin_token(tx, token_hash(token), utc_now())
    return token


def has_admin_token(tx: Tx) -> bool:
    return edges.admin_token_count(tx) > 0


def is_admin(tx: Tx, token: str, env_token: str | None) -> bool:
    if env_token and hmac.compare_digest(token_hash(token), token_hash(env_token)):
        return True
    return edges.admin_token_exists(tx, token_hash(token))


def list_edges(tx: Tx) -> list[dict[str, Any]]:
    """Every edge with its high water and when its last event arrived (never its token)."""
    rows = edges.list_edges(tx)
    return [dict(r) | {"high_water": high_water(tx, r["edge_id"])} for r in rows]
