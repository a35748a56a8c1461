"""RFC 9457 problem details: the one shape in which the edge and central refuse a request.

`problem_document` builds the body from a code, its params and the side's catalogue; the HTTP
side (response, handlers) is `kernel.http`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from kernel.messages import Message

PROBLEM = "application/problem+json"

Render = Callable[[str, str, Mapping[str, Any]], str]


class UnknownCode(KeyError, ValueError):
    """A refusal was raised with a code its side's catalogue does not hold (a programming error)."""


class Refusal(Exception):
    """A refusal with a stable `code` from a side's message catalogue and the params that fill
    its message; `extra` members go into the problem document as they are. Each side subclasses
    it once, naming its `catalogue` and its `render`."""

    catalogue: ClassVar[Mapping[str, Message]]

    @staticmethod
    def render(code: str, lang: str, params: Mapping[str, Any]) -> str:
        """The side's text for `code` in `lang`; each side sets it to its catalogue's `render`."""
        raise NotImplementedError

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in self.catalogue:
            raise UnknownCode(f"error code {code!r} is not in the message catalogue")
        self.code = code
        self.params = params
        self.extra: dict[str, Any] = {}
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        """The text in `lang` ('en' or 'zh'), values filled in."""
        return type(self).render(self.code, lang, self.params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.params!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as it stands (code, params, extra and a subclass's own members), not by
        calling `__init__` with its message: the edge's writer process sends refusals back."""
        return (_restored, (type(self), self.args, self.__dict__))


def _restored(cls: type[Refusal], args: tuple[Any, ...], state: dict[str, Any]) -> Refusal:
    err = Exception.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


def plain(value: Any) -> Any:
    """A JSON-safe param: numbers, booleans and lists stay as they are, a phrase in English, the
    rest as text."""
    if isinstance(value, Message):
        return value.en
    if isinstance(value, int | float | bool | None):
        return value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def title_of(code: str) -> str:
    """The problem's short title: its code in words ("not_found" → "Not found")."""
    return code.replace("_", " ").capitalize()


def problem_document(
    urn: str,
    code: str,
    status: int,
    params: Mapping[str, Any],
    lang: str,
    render: Render,
    **extra: Any,
) -> dict[str, Any]:
    """The problem+json document for `code`: `type` under `urn`, the detail in `lang` and both
    languages in `messages`, the params as plain JSON; `extra` members are added as they are."""
    return {
        "type": f"{urn}:{code}",
        "title": title_of(code),
        "status": status,
        "code": code,
        "detail": render(code, lang, params),
        "messages": {"en": render(code, "en", params), "zh": render(code, "zh", params)},
        "params": {k: plain(v) for k, v in params.items()},
    } | extra


def problem_headers(status: int, params: Mapping[str, Any]) -> dict[str, str]:
    """The headers a refusal carries: a Bearer challenge on 401, Retry-After when it says when."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if "retry_after_s" in params:
        headers["Retry-After"] = str(params["retry_after_s"])
    return headers
