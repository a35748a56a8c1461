"""The routers' dependencies: the service, and who is calling (an edge on its own path, or admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from central_sync.server.central import Central
from central_sync.server.errors import CentralError
from central_sync.server.messages import PHRASES
from kernel.fields import Code

ADMIN_COOKIE = "central_admin"


# The dependencies every admin request passes are `async` and answer from memory when they can:
# a plain `def` dependency is run on the thread pool, and under a flash sale those hand-offs
# were a sixth of the event loop's time (bench/flash_sale_bench.py, py-spy).
async def get_central(request: Request) -> Central:
    return request.app.state.central  # type: ignore[no-any-return]


CentralDep = Annotated[Central, Depends(get_central)]


def bearer(request: Request) -> str:
    """The bearer token of the request, or 401 not_authenticated."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CentralError("not_authenticated", reason=PHRASES["no_token"])
    return token.strip()


def edge_caller(edge_id: Code, request: Request, central: CentralDep) -> str:
    """The calling edge, which must be the edge of the path."""
    token_edge = central.edge_of_token(bearer(request))
    if token_edge is None:
        raise CentralError("not_authenticated", reason=PHRASES["unknown_token"])
    if token_edge != edge_id:
        raise CentralError("wrong_edge", token_edge=token_edge, edge_id=edge_id)
    return token_edge


def check_admin(central: Central, token: str) -> None:
    if central.is_admin(token):
        return
    if central.edge_of_token(token) is not None:
        raise CentralError("admin_only")
    raise CentralError("not_authenticated", reason=PHRASES["unknown_token"])


async def _admit(central: Central, token: str) -> None:
    if not central.admin_remembered(token):  # else a database read, off the event loop
        await run_in_threadpool(check_admin, central, token)


async def admin(request: Request, central: CentralDep) -> None:
    """The admin token as a bearer token."""
    await _admit(central, bearer(request))


async def admin_or_cookie(request: Request, central: CentralDep) -> None:
    """The admin token as a bearer token or the board's cookie (read-only endpoints only)."""
    cookie = request.cookies.get(ADMIN_COOKIE)
    if cookie and "authorization" not in request.headers:
        await _admit(central, cookie)
    else:
        await _admit(central, bearer(request))


BOARD_HEADER = "X-Central-Board"


def admin_or_board(request: Request, central: CentralDep) -> None:
    """The admin token as a bearer token, or the board's cookie with the board's own header
    (the returns screen's buttons). A page of another site cannot send that header without
    central's CORS consent (never given), and the cookie is SameSite=Strict: no forged post."""
    cookie = request.cookies.get(ADMIN_COOKIE)
    if cookie and "authorization" not in request.headers and request.headers.get(BOARD_HEADER):
        check_admin(central, cookie)
    else:
        check_admin(central, bearer(request))


EdgeCaller = Annotated[str, Depends(edge_caller)]
Admin = Depends(admin)
AdminOrCookie = Depends(admin_or_cookie)
AdminOrBoard = Depends(admin_or_board)
