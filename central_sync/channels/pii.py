"""Ship-to data a platform protects: spotting ciphertext and masks, and the decryption boundary.

JD and Taobao send the buyer's name, address and phone encrypted (or masked, `138****5678`) unless
the shop decrypts them through the platform's own API with its token. Central never ships such an
order: `protected_fields` names what is still protected, and the order is held with that reason.

`Decrypter` is the boundary to the platform's decryption service (docs/central.md, "Protected
ship-to"): central calls `decrypt(channel, field, value)` for each protected field and uses the
plain text it gets back; `None` means "cannot decrypt" and the order is held. Shipped are
`NoDecrypter` (the default: decrypts nothing, so protected orders are held) and `TableDecrypter`
(a fixed table, for tests and demos). A real adapter calls the platform (JD:
`jingdong.jos.order.oaid.decrypt`, Taobao: `taobao.top.oaid.decrypt`) and lives outside this
repository, like a carrier adapter (docs/carriers.md); `load_decrypter("module:callable")` finds
it for `warehouse-central serve --decrypter` and `import-orders --decrypter`. Apart from that
import, pure: no I/O here."""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Protocol

# Taobao/Tmall and Youzan wrap ciphertext in delimiters: "~base64~tag~1~", "$138$base64$1$".
DELIMITED = re.compile(r"^[~$][A-Za-z0-9+/=$~_-]{8,}[~$]$")
# A bare base64 blob (JD's encrypted fullname/fullAddress): 24+ characters without a space,
# mixing digits with upper and lower case.
BLOB = re.compile(r"^[A-Za-z0-9+/]{24,}={0,2}$")
MASK = re.compile(r"\*{2,}|＊{2,}")  # 138****5678, 王**, "*** ***"
CHECKED = ("name", "phone", "address")


def protection(value: str) -> str | None:
    """ "ciphertext", "masked" or None (plain text, as far as can be told)."""
    text = value.strip()
    if DELIMITED.match(text) or (BLOB.match(text) and _mixed(text)):
        return "ciphertext"
    if MASK.search(text):
        return "masked"
    return None


def _mixed(text: str) -> bool:
    """Digits, upper and lower case letters all in it: random bytes, not a word ("MFNIntegration…")."""
    return any(c.isdigit() for c in text) and not text.isupper() and not text.islower()


def protected_fields(ship_to: Mapping[str, str]) -> list[str]:
    """The ship-to fields still protected, as "address (ciphertext)", in CHECKED order."""
    found = [(k, protection(ship_to.get(k) or "")) for k in CHECKED]
    return [f"{k} ({kind})" for k, kind in found if kind]


class Decrypter(Protocol):
    """Turns one protected ship-to value into plain text, or None when it cannot."""

    def decrypt(self, channel: str, field: str, value: str) -> str | None: ...


class NoDecrypter:
    """Decrypts nothing: every order with a protected ship-to is held."""

    def decrypt(self, channel: str, field: str, value: str) -> str | None:  # noqa: ARG002
        return None


class TableDecrypter:
    """A fixed table of ciphertext -> plain text (tests and demos only: not a real decryption)."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = dict(table)

    def decrypt(self, channel: str, field: str, value: str) -> str | None:  # noqa: ARG002
        return self.table.get(value)


def decrypt_ship_to(
    channel: str, ship_to: Mapping[str, str], decrypter: Decrypter
) -> dict[str, str]:
    """The ship-to with every protected field the decrypter could open replaced by plain text."""
    out = dict(ship_to)
    for key, value in ship_to.items():
        if value and protection(value):
            plain = decrypter.decrypt(channel, key, value)
            if plain is not None:
                out[key] = plain
    return out


class DecrypterError(ValueError):
    """A `module:callable` that does not name a decrypter; the message says what is wrong."""


def load_decrypter(spec: str) -> Decrypter:
    """The decrypter `module:callable` names: the callable is imported and called with no
    arguments, and what it returns must have `decrypt(channel, field, value)`."""
    module_name, colon, attr = spec.strip().partition(":")
    if not colon or not module_name or not attr:
        raise DecrypterError(f"{spec!r} is not module:callable (e.g. my_shop.pii:jd_decrypter)")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DecrypterError(f"cannot import {module_name!r}: {exc}") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise DecrypterError(f"{module_name} has no callable {attr!r}")
    try:
        made = factory()
    except Exception as exc:  # the adapter's own start-up (a token file, a URL) failed
        raise DecrypterError(f"{spec} failed when called: {type(exc).__name__}: {exc}") from None
    if not callable(getattr(made, "decrypt", None)):
        raise DecrypterError(
            f"{spec} returned {type(made).__name__}, which has no decrypt(channel, field, value)"
        )
    decrypter: Decrypter = made
    return decrypter
