"""The order board page. It authenticates with the admin token held in an HttpOnly, SameSite=
Strict cookie, set by a small login form; the cookie opens only read-only endpoints."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from central_sync.server.board_text import (
    TEXT,
    board_html,
    board_in,
    board_language,
    fill,
)
from central_sync.server.central import Central
from central_sync.server.deps import ADMIN_COOKIE, AdminOrCookie, CentralDep
from kernel.fields import Code, Word
from kernel.messages import normalise_language

router = APIRouter(tags=["board"])

LOGIN_PAGE = """<!doctype html>
<html lang="{{lang}}"><head><meta charset="utf-8"><title>{{login_title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { font: 16px system-ui, sans-serif; margin: 1rem; } label { display: block; }
input { box-sizing: border-box; width: 100%; max-width: 24rem; min-height: 44px; font: inherit; }
button, a { min-height: 44px; font: inherit; margin-top: .5rem; } .error { color: #b00020; }</style>
</head><body><main><h1>{{title}}</h1>
<p>{{login_hint}}</p>
<p class="error" role="alert">{{error}}</p>
<form method="post" action="/board/login"><input type="hidden" name="lang" value="{{lang}}">
<label>{{token}}<br><input type="password" name="token" autocomplete="current-password" autofocus>
</label><button>{{log_in}}</button></form>
<p><a href="/board?lang={{other}}" lang="{{other}}">{{other_language}}</a></p></main></body></html>"""


def _login(lang: str, *, refused: bool = False) -> HTMLResponse:
    error = TEXT[lang]["not_admin"] if refused else ""
    page = fill(LOGIN_PAGE, lang, error=error)
    return HTMLResponse(page, status_code=401 if refused else 200)


@router.get("/board", response_class=HTMLResponse)
def board_page(request: Request, central: CentralDep) -> HTMLResponse:
    """The board (a login form until the admin cookie is set)."""
    token = request.cookies.get(ADMIN_COOKIE)
    if not token or not central.is_admin(token):
        return _login(board_language(request))
    return HTMLResponse(board_html(board_language(request)))


@router.get("/board/returns", response_class=HTMLResponse)
def returns_page(request: Request, central: CentralDep) -> HTMLResponse:
    """The returns screen: RMAs (authorise, cancel, label) and refunds due (settle); the login
    form until the admin cookie is set."""
    return screen_page(request, central, "returns_board.html")


def screen_page(request: Request, central: Central, page: str) -> HTMLResponse:
    """One of the board's screens, or the login form until the admin cookie is set."""
    token = request.cookies.get(ADMIN_COOKIE)
    if not token or not central.is_admin(token):
        return _login(board_language(request))
    return HTMLResponse(board_html(board_language(request), page))


# The board's form posts answer HTML: the board after a redirect, or the form again.
FORM_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "The board, or the login form", "content": {"text/html": {}}},
    303: {"description": "Redirect to the board"},
    401: {"description": "Not the admin token: the form again", "content": {"text/html": {}}},
}


@router.post("/board/login", response_class=HTMLResponse, responses=FORM_ANSWERS)
async def board_login(request: Request, central: CentralDep) -> Response:
    """Check the admin token from the form and keep it in the board's cookie."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    lang = normalise_language((form.get("lang") or [""])[0] or board_language(request))
    if not token or not await run_in_threadpool(central.is_admin, token):
        return _login(lang, refused=True)
    resp = RedirectResponse(f"/board?lang={lang}", status_code=303)
    resp.set_cookie(
        ADMIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )
    return resp


@router.post("/board/logout", response_class=HTMLResponse, responses=FORM_ANSWERS)
def board_logout() -> Response:
    """Forget the board's cookie."""
    resp = RedirectResponse("/board", status_code=303)
    resp.delete_cookie(ADMIN_COOKIE, path="/")
    return resp


@router.get("/api/v1/board", dependencies=[AdminOrCookie])
def board_data(
    request: Request, central: CentralDep, status: Word | None = None, warehouse: Code | None = None
) -> dict[str, Any]:
    """What the board shows: orders, counts by status, edges with their sync state, open
    exceptions; central's own sentences in them in `lang` (else Accept-Language)."""
    board = central.board(status=status or None, warehouse=warehouse or None)
    return board_in(board, board_language(request))
