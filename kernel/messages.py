"""The message catalogue mechanism: a phrase in English and Simplified Chinese, the reader's
language, and filling a phrase's `str.format` fields from an error's params.

Each side keeps its own catalogue entries (`edge.domain.messages`, `central_sync.server.messages`);
this is the one way they are rendered. A missing param renders as `?` rather than failing the
request; a param that is itself a `Message` renders in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Message:
    """A phrase in both languages, used as a catalogue entry or as a param inside one."""

    en: str
    zh: str

    def __str__(self) -> str:
        return self.en


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def normalise_language(lang: str | None) -> str:
    """Map an operator setting or an Accept-Language value to 'en' or 'zh'."""
    if not lang:
        return "en"
    for part in lang.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


def pick(message: Message, lang: str) -> str:
    """The phrase in `lang` (any spelling `normalise_language` reads)."""
    return message.zh if normalise_language(lang) == "zh" else message.en


def fill(message: Message, lang: str, params: Mapping[str, Any]) -> str:
    """`message` in `lang` with its fields filled from `params` (a missing one as `?`)."""
    values = _Lenient(params)
    for key, value in values.items():
        if isinstance(value, Message):
            values[key] = pick(value, lang)
    # str.format_map fills the same fields as string.Formatter (a missing key through
    # `__missing__`) in C, several times faster: every scan's answer fills two phrases.
    return pick(message, lang).format_map(values)
