"""What uvicorn's HTTP layer does before any app sees a request, as both servers want it.

A request that uvicorn's HTTP parser refuses (a raw control byte or invalid UTF-8 in the path, a
request line or header block too long, a Content-Length that is not a number) is answered as
problem+json, as every other refusal is, instead of uvicorn's plain text "Invalid HTTP request
received.".

A client that is too slow is cut off: uvicorn arms no timer while a request's headers or body
arrive (its keep-alive timeout runs only between requests), so a connection that sends half a
header block, or a Content-Length and then nothing (or a byte a second), held its socket and
its request task forever. Each of the two phases, the headers from the first byte of a request
(the connection's opening for the first) and the body after them, has `timeout_s`; past it
the server logs one line, answers 408 problem+json (`request_timeout`, in the language of the
request's Accept-Language) where no answer has started, and closes the connection. An idle
connection that never began a request is closed without a word (browsers open spare ones).

Each side builds the documents once in its own catalogue and gives them to `problem_protocol`;
the serve commands pass the class as uvicorn's `http`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kernel.messages import Message, normalise_language

UNPARSEABLE = Message(
    "the request is not valid HTTP (a control byte or invalid UTF-8 in the path, a URL or"
    " headers too long, a bad Content-Length); send it as a well-formed HTTP/1.1 request with"
    " the path percent-encoded",
    "请求不是有效的 HTTP（路径中含控制字节或无效 UTF-8、URL 或请求头过长、Content-Length 无效）；"
    "请发送格式正确的 HTTP/1.1 请求，路径需进行百分号编码",
)
# Set in a request's scope when its body was cut off: the app's read then ends with a
# disconnect, which the guard does not log a second time.
TIMED_OUT = "warehouse.timed_out"


def _answer(status: bytes, body: bytes, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    head = [b"HTTP/1.1 " + status + b"\r\n"]
    for name, value in default_headers:
        head += [name, b": ", value, b"\r\n"]
    head += [
        b"content-type: application/problem+json\r\n",
        b"content-length: %d\r\n" % len(body),
        b"connection: close\r\n\r\n",
        body,
    ]
    return b"".join(head)


def problem_protocol(
    body: bytes,
    *,
    timeout_s: float = 30.0,
    timed_out: Mapping[str, bytes] | None = None,
    setting: str = "",
    log: logging.Logger | None = None,
) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol, answering what its parser refuses with `body` (400) and a
    request whose headers or body take longer than `timeout_s` with `timed_out[lang]` (408).
    `setting` names the key that sets `timeout_s` in the log line."""
    logger = log or logging.getLogger("serving")
    answers = dict(timed_out or {})

    class ProblemProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None
        _phase = "headers"
        _begun = False

        def send_400_response(self, _msg: str) -> None:  # uvicorn's text is replaced
            self.transport.write(
                _answer(b"400 Bad Request", body, self.server_state.default_headers)
            )
            self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm("headers")

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._begun = True
            if self._deadline is None:  # a later request on a kept-alive connection
                self._arm("headers")

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            self._arm("body")

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._disarm()
            self._begun = False

        def _arm(self, phase: str) -> None:
            self._disarm()
            self._phase = phase
            self._deadline = self.loop.call_later(timeout_s, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            if not self._begun:  # an idle connection: nothing to answer, nothing to say
                self.transport.close()
                return
            cycle = self.cycle if self._phase == "body" else None
            client = self.client[0] if self.client else "?"
            if cycle is None:
                what = "its request's headers"
            else:
                cycle.scope[TIMED_OUT] = True  # type: ignore[literal-required]
                what = f"the body of {cycle.scope['method']} {cycle.scope['path']}"
            also = f" ({setting})" if setting else ""
            answer = (cycle is None or not cycle.response_started) and bool(answers)
            logger.warning(
                "client %s did not send %s within %g s%s; %s",
                client,
                what,
                timeout_s,
                also,
                "answered 408 and closed" if answer else "closed",
            )
            if answer:
                lang = normalise_language(
                    next(
                        (v.decode("latin-1") for k, v in self.headers if k == b"accept-language"),
                        "",
                    )
                )
                self.transport.write(
                    _answer(
                        b"408 Request Timeout",
                        answers.get(lang, answers.get("en", b"")),
                        self.server_state.default_headers,
                    )
                )
            self.transport.close()

    return ProblemProtocol
