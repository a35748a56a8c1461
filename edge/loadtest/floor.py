"""The simulated handhelds: each logs in on its own device and keeps one connection, follows its
screen (pick, pack or returns) through the public routes the web terminal uses, one request at
a time with `think` seconds between them, until told to stop."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from edge.domain.operator import Role
from edge.loadtest.client import RawConnection
from edge.loadtest.tally import Tally
from edge.loadtest.terminals import (
    Clerk,
    Floor,
    Parcel,
    Picker,
    Request,
    Totes,
    next_pack,
    next_pick,
    next_return,
)
from edge.service.rehearsal import Handheld, Rehearsal

IDLE_S = 0.2  # a terminal with nothing to do looks again after this
FAILURES = (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError)


@dataclass
class Shared:
    """What the terminals hand each other: totes picked for the packers, parcels come back."""

    floor: Floor
    totes: Totes = field(default_factory=Totes)
    parcels: deque[Parcel] = field(default_factory=deque)
    package: str = "S"
    weight_g: int = 0
    benches: list[str] = field(default_factory=list)  # pack benches with a printer


@dataclass
class Terminal:
    role: Role
    screen: Picker
    totes: Totes

    def next(self, shared: Shared) -> Request | None:
        if self.role == Role.PICKER:
            return next_pick(self.screen, shared.floor)
        if self.role == Role.PACKER:
            return next_pack(
                self.screen,
                shared.totes,
                shared.floor.barcodes,
                package=shared.package,
                weight_g=shared.weight_g,
            )
        assert isinstance(self.screen, Clerk)
        return next_return(self.screen, shared.parcels)

    def answered(self, ask: Request, status: int, answer: dict[str, Any], tally: Tally) -> None:
        """Follow the answer: the next screen; totes handed to the packers when a list is done."""
        kind, _, body = ask
        p = self.screen
        before = p.view["step"] if p.view else "done"
        if kind == "pack_close":
            if status == 200:
                p.view = {"step": "order"}
                tally.parcels_packed += 1
            return
        p.view = answer.get("view", p.view)
        if status != 200 or self.role != Role.PICKER:
            if self.role == Role.RETURNS and status == 200 and body.get("raw") == "CMD:DONE":
                tally.returns_closed += 1
            return
        shared_totes = self.totes
        if kind == "tote":
            shared_totes.open.setdefault(p.index, []).append(body["raw"])
        tally.units_picked += kind == "item"
        if before != "done" and p.view and p.view["step"] == "done":
            shared_totes.filled.extend(shared_totes.open.pop(p.index, []))


async def sign_in(url: str, rehearsal: Rehearsal, shared: Shared) -> list[Terminal]:
    """Every handheld logged in (badge + PIN on its own device); packers and clerks with their
    task open, as the screen opens it."""

    async def one(n: int, h: Handheld) -> Terminal:
        conn = RawConnection(url)
        try:
            login = {
                "badge": h.badge,
                "pin": rehearsal.pin,
                "device_id": h.device_id,
                "device_secret": h.device_secret,
            }
            status, content = await conn.exchange("POST", "/api/v1/auth/login", login)
            if status != 200:
                raise RuntimeError(f"login of {h.badge} refused: {status} {content[:300]!r}")
            headers = {"Authorization": f"Bearer {json.loads(content)['token']}"}
            view = None
            if h.role != Role.PICKER:
                workflow = "pack" if h.role == Role.PACKER else "returns"
                body = {"workflow": workflow}
                if h.role == Role.PACKER:
                    body["station"] = shared.benches[n % len(shared.benches)]
                status, content = await conn.exchange(
                    "POST", "/api/v1/work-sessions", body, headers
                )
                if status != 200:
                    raise RuntimeError(f"{workflow} task of {h.badge}: {status} {content[:300]!r}")
                view = json.loads(content).get("view")
        finally:
            await conn.close()
        screen = Clerk(n, headers, view) if h.role == Role.RETURNS else Picker(n, headers, view)
        return Terminal(h.role, screen, shared.totes)

    gate = asyncio.Semaphore(8)  # logins hash PINs: a few at a time

    async def gated(n: int, h: Handheld) -> Terminal:
        async with gate:
            return await one(n, h)

    return list(await asyncio.gather(*(gated(n, h) for n, h in enumerate(rehearsal.handhelds))))


async def work(
    url: str, term: Terminal, shared: Shared, tally: Tally, stop: asyncio.Event, think: float
) -> None:
    """One terminal until `stop`: the next request its screen asks for, its answer followed."""
    conn = RawConnection(url)
    try:
        while not stop.is_set():
            ask = term.next(shared)
            if ask is None:
                await _pause(stop, IDLE_S)
                continue
            kind, path, body = ask
            started = time.perf_counter()
            try:
                status, content = await conn.exchange("POST", path, body, term.screen.headers)
            except FAILURES as exc:
                tally.error("no_answer", f"{kind} {exc!r}")
                await conn.close()
                conn = RawConnection(url)
                await _pause(stop, IDLE_S)
                continue
            tally.answered(kind, time.perf_counter() - started, status, content)
            answer = json.loads(content) if content else {}
            term.answered(ask, status, answer, tally)
            if status >= 400 and answer.get("code") == "no_pick_list":
                await _pause(stop, IDLE_S)
            elif think:
                await _pause(stop, think)
    finally:
        await conn.close()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
