"""The stations' fixed scanners at run time: one adapter task per configured scanner; each scan
is routed into its station's session in the writer, and the answer is pushed to the station's
screen over Server-Sent Events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from edge.api.errors import problem_body, rendered_answer
from edge.api.events import Broker, station_channel
from edge.config import Settings
from edge.devices.adapters import adapter_for
from edge.devices.framing import FramedLine
from edge.devices.scanner import DeviceState, ScanEvent, ScannerAdapter
from edge.domain.messages import normalise_language
from edge.service.floor import FloorSettings
from edge.service.stations import enrol, station_scan, station_session
from edge.store.database import Store

log = logging.getLogger("edge.stations")


class StationHub:
    """Starts the scanners, keeps their states, routes their scans."""

    def __init__(
        self, store: Store, broker: Broker, settings: Settings, floor: FloorSettings
    ) -> None:
        self._store = store
        self._broker = broker
        self._settings = settings
        # The adapter already stripped the device's own prefix/suffix.
        self._floor = replace(floor, prefix="", suffix="")
        self._station_of = {s.name: s.station for s in settings.scanners}
        self._adapters: list[ScannerAdapter] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.states: dict[str, tuple[str, str]] = {
            s.name: ("connecting", "") for s in settings.scanners
        }
        self.rejected: dict[str, int] = {s.name: 0 for s in settings.scanners}

    async def start(self) -> None:
        stations = [(s.name, s.type) for s in self._settings.stations]
        await enrol(self._store, stations)
        for scanner in self._settings.scanners:
            adapter = adapter_for(scanner.adapter_config())
            self._adapters.append(adapter)
            run = adapter.run(self._on_scan, self._on_state, on_reject=self._on_reject)
            self._tasks.append(asyncio.create_task(run, name=f"scanner {scanner.name}"))
        if self._tasks:
            log.info("started %d scanner(s) for %d station(s)", len(self._tasks), len(stations))

    async def stop(self) -> None:
        for adapter in self._adapters:
            adapter.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=5)

    async def _on_scan(self, event: ScanEvent) -> None:
        station = self._station_of[event.device]
        session = station_session(self._store.read(), station, datetime.now(UTC))
        idle = timedelta(minutes=self._settings.auth.idle_minutes)
        routed = await station_scan(
            self._store,
            session,
            scan_id=event.scan_id,
            raw=event.raw,
            settings=self._floor,
            idle=idle,
        )
        if routed.answer is None and session is not None:
            session = None  # it had been idle too long: expired, not used
        lang = normalise_language(
            session.language if session and session.language else self._settings.edge.language
        )
        if routed.answer is not None:
            body = rendered_answer(routed.answer.body, lang)
        elif routed.badge is not None:
            body = {"ok": True, "login_badge": routed.badge}
        else:
            assert routed.refusal is not None
            body = problem_body(routed.refusal.code, routed.refusal.params, lang, ok=False)
        body |= {"scan_id": event.scan_id, "device": event.device, "raw": event.raw}
        self._broker.publish(station_channel(station), "scan", body)

    def _on_state(self, name: str, state: DeviceState, reason: str) -> None:
        self.states[name] = (state.value, reason)
        log.info("scanner %s: %s %s", name, state.value, reason)
        station = self._station_of[name]
        self._broker.publish(
            station_channel(station),
            "device",
            {"device": name, "state": state.value, "reason": reason},
        )

    def _on_reject(self, name: str, line: FramedLine) -> None:
        self.rejected[name] += 1
        station = self._station_of[name]
        self._broker.publish(
            station_channel(station), "rejected", {"device": name, "reason": line.reason}
        )
