"""The in-process cache of open sessions: trusted for a few seconds, forgotten at logout."""

from __future__ import annotations

from edge.api.deps import SessionCache
from edge.store.operators import LoginSession
from tests.support import Floor

SESSION = LoginSession(
    "h1", 7, "B-1", "Li Na", "picker", "", "dev-1", "2099-01-01T00:00:00.000000Z"
)


def test_a_cached_session_is_trusted_only_for_its_ttl() -> None:
    cache = SessionCache(ttl_s=5)
    cache.put("h1", SESSION, now=100.0)

    assert cache.get("h1", now=104.9) == SESSION
    assert cache.get("h1", now=105.0) is None


def test_a_forgotten_session_must_be_read_again() -> None:
    cache = SessionCache(ttl_s=5)
    cache.put("h1", SESSION, now=100.0)

    cache.forget("h1")

    assert cache.get("h1", now=100.1) is None


def test_a_logged_out_token_is_refused_at_once_though_it_was_cached(floor: Floor) -> None:
    headers = floor.login()
    assert floor.client.get("/api/v1/auth/me", headers=headers).status_code == 200

    floor.client.post("/api/v1/auth/logout", headers=headers)

    assert (
        floor.client.get("/api/v1/auth/me", headers=headers).json()["code"] == "not_authenticated"
    )
