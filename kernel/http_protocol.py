"""A request that uvicorn's HTTP parser refuses before any app sees it (a raw control byte or
invalid UTF-8 in the path, a request line or header block too long, a Content-Length that is not
a number) is answered as problem+json, as every other refusal is, instead of uvicorn's plain
text "Invalid HTTP request received.".

Each side builds the document once in its own catalogue (`invalid_request`) and gives it to
`problem_protocol`; the serve commands pass the class as uvicorn's `http`.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kernel.messages import Message

UNPARSEABLE = Message(
    "the request is not valid HTTP (a control byte or invalid UTF-8 in the path, a URL or"
    " headers too long, a bad Content-Length); send it as a well-formed HTTP/1.1 request with"
    " the path percent-encoded",
    "请求不是有效的 HTTP（路径中含控制字节或无效 UTF-8、URL 或请求头过长、Content-Length 无效）；"
    "请发送格式正确的 HTTP/1.1 请求，路径需进行百分号编码",
)


def problem_protocol(body: bytes) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol, answering what its parser refuses with `body` (400)."""

    class ProblemProtocol(HttpToolsProtocol):
        def send_400_response(self, _msg: str) -> None:  # uvicorn's text is replaced
            head = [b"HTTP/1.1 400 Bad Request\r\n"]
            for name, value in self.server_state.default_headers:
                head += [name, b": ", value, b"\r\n"]
            head += [
                b"content-type: application/problem+json\r\n",
                b"content-length: %d\r\n" % len(body),
                b"connection: close\r\n\r\n",
                body,
            ]
            self.transport.write(b"".join(head))
            self.transport.close()

    return ProblemProtocol
