"""The order board page. It authenticates with the admin token held in an HttpOnly, SameSite=
Strict cookie, set by a small login form; the cookie opens only read-only endpoints."""

from __future__ import annotations

import html
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from central_sync.server.deps import ADMIN_COOKIE, AdminOrCookie, CentralDep

router = APIRouter(tags=["board"])

LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Central order board: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ font: 15px system-ui, sans-serif; margin: 2rem; }} input {{ width: 24rem; }}
.error {{ color: #b00020; }}</style></head>
<body><h1>Central order board</h1>
<p>Paste the admin token (printed by <code>warehouse-central init</code>).</p>
<p class="error">{error}</p>
<form method="post" action="/board/login">
<input type="password" name="token" autocomplete="current-password" autofocus>
<button>Log in</button></form></body></html>"""


def _page() -> str:
    return resources.files("central_sync.server").joinpath("board.html").read_text("utf-8")


def _login(error: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(LOGIN_PAGE.format(error=html.escape(error)), status_code=status)


@router.get("/board", response_class=HTMLResponse)
def board_page(request: Request, central: CentralDep) -> HTMLResponse:
    """The board (a login form until the admin cookie is set)."""
    token = request.cookies.get(ADMIN_COOKIE)
    if not token or not central.is_admin(token):
        return _login()
    return HTMLResponse(_page())


@router.post("/board/login")
async def board_login(request: Request, central: CentralDep) -> Response:
    """Check the admin token from the form and keep it in the board's cookie."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    if not token or not await run_in_threadpool(central.is_admin, token):
        return _login("That is not the admin token.", status=401)
    resp = RedirectResponse("/board", status_code=303)
    resp.set_cookie(
        ADMIN_COOKIE, token, httponly=True, samesite="strict", path="/",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return resp


@router.post("/board/logout")
def board_logout() -> Response:
    """Forget the board's cookie."""
    resp = RedirectResponse("/board", status_code=303)
    resp.delete_cookie(ADMIN_COOKIE, path="/")
    return resp


@router.get("/api/v1/board", dependencies=[AdminOrCookie])
def board_data(
    central: CentralDep, status: str | None = None, warehouse: str | None = None
) -> dict[str, Any]:
    """What the board shows: orders, counts by status, edges with their sync state."""
    return central.board(status=status or None, warehouse=warehouse or None)
