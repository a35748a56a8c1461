"""TCP line scanners on 127.0.0.1: the edge as client of a scanner, and as the listener."""

from __future__ import annotations

import asyncio
import socket

from edge.devices.adapters import adapter_for
from edge.devices.framing import FramedLine
from edge.devices.scanner import DeviceState, ScannerConfig
from edge.devices.tcp_scanner import TcpListenScanner
from tests.scanner_harness import Recorder, stopped

GS1 = "]C10109506000134352\x1d10ABC123"


def tcp_config(kind: str, port: int) -> ScannerConfig:
    return ScannerConfig(
        "dock-1", kind=kind, host="127.0.0.1", port=port, backoff_initial=0.05, backoff_max=0.2
    )


class ScannerBox:
    """A serial-to-Ethernet box on 127.0.0.1: hands out each connection the edge makes."""

    def __init__(self) -> None:
        self.connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        self.connections = asyncio.Queue()
        self.server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", port)
        return self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self.connections.put((reader, writer))

    async def next_connection(self) -> asyncio.StreamWriter:
        _, writer = await asyncio.wait_for(self.connections.get(), 15)
        return writer

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def send(writer: asyncio.StreamWriter, *chunks: bytes) -> None:
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()
        await asyncio.sleep(0.02)  # pacing only, so the chunks tend to arrive apart


def test_a_tcp_scanner_client_frames_split_writes_and_reconnects_after_a_drop() -> None:
    after = [f"R{n:02d}" for n in range(10)]

    async def scenario() -> Recorder:
        box, recorder = ScannerBox(), Recorder()
        adapter = adapter_for(tcp_config("tcp-client", await box.start()))
        task = recorder.start(adapter)
        first = await box.next_connection()
        await recorder.until_state(DeviceState.CONNECTED)
        await send(first, b"]C1010950", b"6000134352\x1d10A", b"BC123\r4006381333931\r", b"CUT-LI")
        await recorder.until(lambda: len(recorder.scans) == 2, "two scans")
        first.close()
        second = await box.next_connection()
        await recorder.until_state(DeviceState.CONNECTED, 2)
        await send(second, b"NE\r", "".join(line + "\r" for line in after).encode())
        await recorder.until(lambda: len(recorder.scans) == 13, "all scans")
        await stopped(adapter, task)
        await box.close()
        return recorder

    recorder = asyncio.run(scenario())

    assert recorder.raws == [GS1, "4006381333931", "NE", *after]
    assert recorder.refused == [FramedLine("CUT-LI", ok=False, reason="disconnected")]
    assert recorder.states == [
        DeviceState.CONNECTING,
        DeviceState.CONNECTED,
        DeviceState.DISCONNECTED,
        DeviceState.CONNECTED,
    ]
    assert recorder.reasons[2] == "connection closed by the scanner"


def test_a_tcp_scanner_that_is_not_up_yet_is_retried_until_it_answers() -> None:
    with socket.socket() as probe:  # a port nobody listens on, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> Recorder:
        box, recorder = ScannerBox(), Recorder()
        adapter = adapter_for(tcp_config("tcp-client", port))
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.DISCONNECTED)
        await box.start(port)
        writer = await box.next_connection()
        await send(writer, b"HELLO\r")
        await recorder.until(lambda: recorder.raws == ["HELLO"], "HELLO")
        await stopped(adapter, task)
        await box.close()
        return recorder

    recorder = asyncio.run(scenario())

    assert recorder.states == [
        DeviceState.CONNECTING,
        DeviceState.DISCONNECTED,
        DeviceState.CONNECTED,
    ]
    assert recorder.reasons[1] == "Connection refused"


def test_a_listener_frames_each_connection_apart() -> None:
    async def scenario() -> Recorder:
        recorder = Recorder()
        adapter = TcpListenScanner(tcp_config("tcp-listen", 0))
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.DISCONNECTED)
        assert adapter.address is not None
        _, one = await asyncio.open_connection(*adapter.address)
        _, two = await asyncio.open_connection(*adapter.address)
        await send(one, b"ONE-")
        await send(two, b"TWO-")
        await send(one, b"111\r")
        await send(two, b"222\r")
        await recorder.until(lambda: len(recorder.scans) == 2, "two scans")
        await send(one, b"CUT")
        one.close()
        await recorder.until(lambda: len(recorder.refused) == 1, "the cut line refused")
        await send(two, b"333\r")
        await recorder.until(lambda: len(recorder.scans) == 3, "three scans")
        two.close()
        await recorder.until_state(DeviceState.DISCONNECTED, 2)
        await stopped(adapter, task)
        return recorder

    recorder = asyncio.run(scenario())

    assert sorted(recorder.raws[:2]) == ["ONE-111", "TWO-222"]
    assert recorder.raws[2] == "333"
    assert recorder.refused == [FramedLine("CUT", ok=False, reason="disconnected")]
    assert recorder.states == [
        DeviceState.CONNECTING,
        DeviceState.DISCONNECTED,
        DeviceState.CONNECTED,
        DeviceState.DISCONNECTED,
    ]


def test_a_listener_that_cannot_bind_reports_error_and_keeps_trying() -> None:
    async def scenario() -> Recorder:
        recorder = Recorder()
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            adapter = TcpListenScanner(tcp_config("tcp-listen", taken.getsockname()[1]))
            task = recorder.start(adapter)
            await recorder.until_state(DeviceState.ERROR)
        await recorder.until_state(DeviceState.DISCONNECTED)
        assert adapter.address is not None
        _, writer = await asyncio.open_connection(*adapter.address)
        await send(writer, b"AFTER\r")
        await recorder.until(lambda: recorder.raws == ["AFTER"], "AFTER")
        writer.close()
        await stopped(adapter, task)
        return recorder

    recorder = asyncio.run(scenario())

    assert recorder.states[:3] == [
        DeviceState.CONNECTING,
        DeviceState.ERROR,
        DeviceState.DISCONNECTED,
    ]
    assert recorder.reasons[1].startswith("cannot listen: ")
