"""The writer in its own process (`[store] writer = "process"`): the HTTP process's event loop
and the writer's Python stop sharing one GIL, so a scan's HTTP work and its transaction use
both cores.

A command that names a module-level function (`run_call(fn, *args)`: the scan) is pickled to a
child process that runs the same `Writer` (group commit, a SAVEPOINT per command, one
synchronous=FULL commit per batch) and sends each answer back only after the commit. Every
other command (a closure, which cannot cross a process) runs in a thread writer here, as
before; the two writers take SQLite's write lock in turn (`BEGIN IMMEDIATE`), and each reads
its memo afresh after the other has committed (`Writer._forget_if_written_elsewhere`).

Nothing unacknowledged is promised: if the child dies (kill -9), the commands it had are
answered with an error (their scans are retried by their scan_id: a committed one replays its
stored answer) and a new child is started; if this process dies, the child finishes the batch
it holds, sees its socket close and exits.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import itertools
import logging
import pickle
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, InvalidStateError
from pathlib import Path
from typing import Any, TypeVar

from edge.store.writer import PROBE_S, Tx, Writer

log = logging.getLogger("edge.store.writer")
T = TypeVar("T")
_LEN = struct.Struct("<I")
_STATS = -1  # the frame after a batch's answers: the child writer's counters
_KEEP = -2  # a frame giving the child a value to keep: later commands name it by its number
KEPT_MOST = 16  # values kept at once: beyond, the table starts afresh (a config reload's worth)
# Types whose values a command names instead of carrying (`keep_in_writer`): the floor's
# settings, the same frozen object with every scan (~10 µs to pickle and as much to unpickle).
_KEPT_TYPES: set[type] = set()
RESTART_S = 0.25  # a child that died is started again after this long (not in a tight loop)
# Imported by the child as it starts, while the server is still starting: the module of the
# command it runs most (the scan), which would otherwise be imported by its first scan (~0.7 s).
WARM = ("edge.service.scans",)


def turns_file(db: Path) -> Path:
    """The lock file both writers of `db` take turns on (see `Writer`'s `turns`)."""
    return db.with_name(db.name + "-writer.lock")


def keep_in_writer(cls: type[T]) -> type[T]:
    """Class decorator: a value of `cls` in a command's arguments is sent to the writer process
    once and kept there; the commands after it name it. For frozen values that many commands
    share (by identity: a changed one is a new object, sent anew)."""
    _KEPT_TYPES.add(cls)
    return cls


class Kept:
    """A command's argument that the writer process holds already (sent before as `_KEEP`)."""

    __slots__ = ("key",)

    def __init__(self, key: int) -> None:
        self.key = key

    def __reduce__(self) -> tuple[type[Kept], tuple[int]]:
        return (Kept, (self.key,))


def _frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=5)
    return _LEN.pack(len(data)) + data


class Frames:
    """The frames (length-prefixed pickles) arriving on a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = bytearray()
        self._at = 0
        self.closed = False

    def take(self, most: int) -> list[bytes]:
        """Up to `most` complete frames already received (their pickled bytes)."""
        found: list[bytes] = []
        buf, at = self._buf, self._at
        while len(found) < most and len(buf) - at >= 4:
            (size,) = _LEN.unpack_from(buf, at)
            if len(buf) - at - 4 < size:
                break
            found.append(bytes(buf[at + 4 : at + 4 + size]))
            at += 4 + size
        if at > 1 << 20 or at == len(buf):
            del buf[:at]
            at = 0
        self._at = at
        return found

    def receive(self, *, wait: bool) -> None:
        """Read what has arrived (with `wait`, block until something does); `closed` once the
        other side has closed."""
        try:
            chunk = self.sock.recv(1 << 18, 0 if wait else socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        if chunk:
            self._buf += chunk
        else:
            self.closed = True

    def __iter__(self) -> Iterator[bytes]:
        """Every frame until the other side closes (blocking)."""
        while True:
            yield from self.take(1 << 30)
            if self.closed:
                return
            self.receive(wait=True)


def _answer(data: bytes) -> tuple[int, bool, Any]:
    """A child's frame: the command's number, whether it succeeded, its value or exception
    (pickled apart, so an answer that cannot be unpickled here fails its own command only)."""
    n, ok, value = pickle.loads(data)
    try:
        return n, ok, pickle.loads(value)
    except Exception as err:  # noqa: BLE001 - handed to the caller
        return n, False, RuntimeError(f"the writer process's answer cannot be read: {err!r}")


def _answered(n: int, ok: bool, value: Any) -> bytes:
    return _frame((n, ok, pickle.dumps(value, protocol=5)))


class WriterGone(RuntimeError):
    """The writer process ended before it answered: the command may or may not have
    committed (a scan retried with its scan_id finds out)."""


class ProcessWriter:
    """`Writer`'s interface, with the named commands run by a writer process."""

    def __init__(
        self,
        path: Path | str,
        *,
        max_batch: int = 256,
        busy_timeout_ms: int = 5000,
        probe: Callable[[Tx], Any] | None = None,
        probe_s: float = PROBE_S,
    ) -> None:
        self._path, self._max_batch, self._busy = Path(path), max_batch, busy_timeout_ms
        self._probe_s = probe_s
        # the child probes a full disk too, with the same function, found by its name
        self._probe = f"{probe.__module__}:{probe.__qualname__}" if probe else ""
        self.local = Writer(
            path,
            max_batch=max_batch,
            busy_timeout_ms=busy_timeout_ms,
            probe=probe,
            probe_s=probe_s,
            turns=turns_file(self._path),
        )
        self._ids = itertools.count()
        self._kept: dict[int, tuple[Any, Kept]] = {}  # id(value) -> (value, its name there)
        self._waiting: dict[int, Future[Any]] = {}
        self._send_lock = threading.Lock()
        self._closing = False
        self._child_stats: tuple[int, int, list[int], str | None] = (0, 0, [], None)
        self._spent: tuple[int, int, list[int]] = (0, 0, [])  # counters of children that ended
        self._start()

    # -- the child process -----------------------------------------------------------------

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        cmd = [
            sys.executable,
            "-m",
            "edge.store.writer_process",
            str(self._path),
            str(theirs.fileno()),
            str(self._max_batch),
            str(self._busy),
            str(self._probe_s),
            self._probe,
        ]
        self._proc = subprocess.Popen(cmd, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        self._kept = {}  # a new child keeps nothing yet
        self._sock = ours
        self._reader = threading.Thread(
            target=self._read, args=(ours, self._proc), name="edge-writer-answers", daemon=True
        )
        self._reader.start()

    def _read(self, sock: socket.socket, proc: subprocess.Popen[bytes]) -> None:
        try:
            for data in Frames(sock):
                n, ok, value = _answer(data)
                if n == _STATS:
                    self._child_stats = value
                    continue
                fut = self._waiting.pop(n, None)
                if fut is None:
                    continue
                try:
                    if ok:
                        fut.set_result(value)
                    else:
                        fut.set_exception(value)
                except InvalidStateError:  # its caller gave up (cancelled): nobody to tell
                    pass
        except OSError:
            pass
        proc.wait()
        self._ended(sock, proc)

    def _ended(self, sock: socket.socket, proc: subprocess.Popen[bytes]) -> None:
        """The child is gone: what it had is answered with WriterGone, and a new one starts."""
        with self._send_lock:
            lost, self._waiting = self._waiting, {}
            commits, commands, sizes, _ = self._child_stats
            spent = self._spent
            self._spent = (spent[0] + commits, spent[1] + commands, _add(spent[2], sizes))
            self._child_stats = (0, 0, [], None)
            sock.close()
            if self._closing:
                return
            log.error(
                "the writer process ended (exit %s); %d commands unanswered, starting another",
                proc.returncode,
                len(lost),
            )
        for fut in lost.values():
            try:
                fut.set_exception(WriterGone(f"the writer process ended ({proc.returncode})"))
            except InvalidStateError:
                pass
        time.sleep(RESTART_S)
        with self._send_lock:
            if not self._closing:
                self._start()

    # -- Writer's interface ----------------------------------------------------------------

    def submit(self, fn: Callable[[Tx], T]) -> Future[T]:
        return self.local.submit(fn)

    def call(self, fn: Callable[[Tx], T]) -> T:
        return self.local.call(fn)

    async def run(self, fn: Callable[[Tx], T]) -> T:
        return await self.local.run(fn)

    def submit_call(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """`fn(tx, *args)` in the writer process (`fn` a module-level function, the arguments
        picklable); resolves after its commit."""
        fut: Future[T] = Future()
        fut.set_running_or_notify_cancel()
        n = next(self._ids)
        with self._send_lock:
            # the command pickled apart, so the child can answer one it cannot unpickle; what
            # cannot be pickled raises here, to the caller
            keep, args = self._naming_kept(args)
            frame = keep + _frame((n, pickle.dumps((fn, args), protocol=5)))
            self._waiting[n] = fut
            try:
                self._sock.sendall(frame)
            except OSError as exc:  # the child is gone: the reader answers what it had
                self._waiting.pop(n, None)
                fut.set_exception(WriterGone(f"the writer process is not running: {exc}"))
        return fut

    async def run_call(self, fn: Callable[..., T], *args: Any) -> T:
        import asyncio  # not in the child, which has no event loop (see Writer.run_call)

        return await asyncio.wrap_future(self.submit_call(fn, *args))

    def _naming_kept(self, args: tuple[Any, ...]) -> tuple[bytes, tuple[Any, ...]]:
        """`args` with each value of a kept type named (`Kept`), and the `_KEEP` frames of
        those the child does not hold yet (sent before the command; under the send lock)."""
        if not any(type(a) in _KEPT_TYPES for a in args):
            return b"", args
        frames, named = [], []
        for a in args:
            if type(a) not in _KEPT_TYPES:
                named.append(a)
                continue
            held = self._kept.get(id(a))
            if held is None or held[0] is not a:
                if len(self._kept) >= KEPT_MOST:
                    self._kept = {}
                held = (a, Kept(next(self._ids)))
                frames.append(_frame((_KEEP, pickle.dumps((held[1].key, a), protocol=5))))
                self._kept[id(a)] = held
            named.append(held[1])
        return b"".join(frames), tuple(named)

    @property
    def commits(self) -> int:
        return self.local.commits + self._spent[0] + self._child_stats[0]

    @property
    def commands(self) -> int:
        return self.local.commands + self._spent[1] + self._child_stats[1]

    @property
    def batch_sizes(self) -> list[int]:
        return _add(_add(self.local.batch_sizes, self._spent[2]), self._child_stats[2])

    @property
    def pending(self) -> int:
        return self.local.pending + len(self._waiting)

    @property
    def alive(self) -> bool:
        return self.local.alive and self._proc.poll() is None

    @property
    def storage_full_since(self) -> str | None:
        return self.local.storage_full_since or self._child_stats[3]

    def close(self) -> None:
        with self._send_lock:
            self._closing = True
            try:
                self._sock.shutdown(socket.SHUT_WR)  # the child finishes what it has, then exits
            except OSError:
                pass
        self._proc.wait()
        self._reader.join()
        self.local.close()


def _add(a: list[int], b: list[int]) -> list[int]:
    if not b:
        return list(a)
    if not a:
        return list(b)
    return [x + y for x, y in zip(a, b, strict=True)]


class _Served(Writer):
    """The child's writer, on this process's one thread: what has arrived on the socket is a
    batch (up to max_batch; the socket's buffer is the queue), committed as the thread writer
    commits its queue; the batch's answers then go back in one write."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: dict[int, Any] = {}  # the values the server sent once (`_KEEP`), by number

    def serve(self, sock: socket.socket) -> None:
        frames = Frames(sock)
        while True:
            batch = frames.take(self._max_batch)
            if not batch:
                if frames.closed:
                    return
                sock.settimeout(self._probe_s if self._probing else None)
                try:
                    frames.receive(wait=True)
                except TimeoutError:
                    probe: Future[Any] = Future()
                    probe.set_running_or_notify_cancel()
                    self._commit([(self._probe, probe)])  # type: ignore[list-item]
                    self._send(sock, [])  # the server learns whether space is back
                    continue
                sock.settimeout(None)
                frames.receive(wait=False)  # all that came meanwhile: the batch
                continue
            self._run_batch(sock, batch)

    def _run_batch(self, sock: socket.socket, batch: list[bytes]) -> None:
        jobs, numbers, out = [], [], []
        for data in batch:
            n, command = pickle.loads(data)
            try:
                if n == _KEEP:
                    self._keep(command)
                    continue
                fn, args = pickle.loads(command)
                if any(type(a) is Kept for a in args):
                    args = tuple(self.kept[a.key] if type(a) is Kept else a for a in args)
            except Exception as err:  # noqa: BLE001 - e.g. a function this process cannot import
                out.append(_answered(n, False, RuntimeError(f"not a command: {err!r}")))
                continue
            fut: Future[Any] = Future()
            fut.set_running_or_notify_cancel()
            jobs.append((_command(fn, args), fut))
            numbers.append(n)
        if jobs:
            self._commit(jobs)
        for n, (_, fut) in zip(numbers, jobs, strict=True):
            exc = fut.exception()
            try:
                out.append(_answered(n, exc is None, fut.result() if exc is None else exc))
            except Exception as err:  # noqa: BLE001 - an answer that cannot be pickled
                out.append(_answered(n, False, RuntimeError(f"unsendable answer: {err!r}")))
        self._send(sock, out)

    def _keep(self, data: bytes) -> None:
        """A `_KEEP` frame: the value later commands name by its number. The server names only
        the last KEPT_MOST it sent, so older ones may go."""
        key, value = pickle.loads(data)
        self.kept[key] = value
        while len(self.kept) > 2 * KEPT_MOST:
            del self.kept[next(iter(self.kept))]

    def _send(self, sock: socket.socket, out: list[bytes]) -> None:
        """`out` and then the writer's counters, in one write."""
        stats = (self.commits, self.commands, list(self.batch_sizes), self.storage_full_since)
        out.append(_answered(_STATS, True, stats))
        try:
            sock.sendall(b"".join(out))
        except OSError:  # the HTTP process is gone: nobody to answer
            pass


def _command(fn: Callable[..., Any], args: tuple[Any, ...]) -> Callable[[Tx], Any]:
    return lambda tx: fn(tx, *args)


def _named(name: str) -> Any:
    module, _, qualname = name.partition(":")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _give_back_freed_memory() -> None:
    """Return to the system what the start-up imports freed (biip decompresses and parses its
    GS1 tables: ~7 MB of the child's RSS stays mapped otherwise); glibc only, a no-op elsewhere."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def serve(
    path: str, fd: int, max_batch: int, busy_timeout_ms: int, probe_s: float, probe: str
) -> None:
    """The child: read commands until the socket closes, commit them in batches, answer.
    `probe` ("module:function", or empty) is the write tried now and then while the disk is
    full."""
    for name in WARM:
        importlib.import_module(name)
    _give_back_freed_memory()

    sock = socket.socket(fileno=fd)
    writer = _Served(
        path,
        max_batch=max_batch,
        busy_timeout_ms=busy_timeout_ms,
        probe=_named(probe) if probe else None,
        probe_s=probe_s,
        thread=False,
        turns=turns_file(Path(path)),
    )
    try:
        writer.serve(sock)
    finally:
        writer.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    a = sys.argv[1:]
    # run as the module the server pickles its names from (`Kept`), not as __main__'s copy
    child = importlib.import_module("edge.store.writer_process")
    child.serve(a[0], int(a[1]), int(a[2]), int(a[3]), float(a[4]), a[5])
