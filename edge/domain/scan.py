"""One scan read as data: the device's framing stripped, the AIM identifier and the GS1 data read.

Pure: `edge/devices` turns bytes into text, `edge.domain.classify` looks the result up. GS1 element
strings are parsed by biip; this module decides which reading applies and how a refusal reads.
"""

from __future__ import annotations

import re
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from biip import ParseConfig, ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.symbology import GS1Symbology, SymbologyIdentifier
from biip.upc import Upc
from moneyed import CurrencyDoesNotExist

from edge.domain.errors import EdgeError
from edge.domain.gs1_value import element_value
from edge.domain.gtin import check_digit, has_gtin_shape, normalise_gtin, wrong_check_digit

GS = "\x1d"  # FNC1 as transmitted by the scanner (GS1 General Specifications §7.8.5)
ScanKind = Literal["gs1", "gtin", "raw"]

_FRAMING = re.compile(r"^[\s\x00-\x1f\x7f]+|[\s\x00-\x1f\x7f]+$")
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_HRI_START = re.compile(r"^\(\d{2,4}\)")
_HRI_PAIR = re.compile(r"\((\d{2,4})\)([^()]*)")
_FORMAT_PART = re.compile(r"(\[\+)?([NXYZ])(\.\.)?(\d+)")
# biip reads an amount's ISO 4217 code (AIs 391n, 393n, 8111…) through py-moneyed, which raises its own
# error for a code it does not know ("000"): that is a bad value like any ParseError.
_BAD_VALUE = (ParseError, CurrencyDoesNotExist)
_CONFIG = ParseConfig()
_DATE_AIS = ("11", "12", "13", "15", "16", "17")
# Keys that may start a Digital Link path (GS1 Digital Link Standard: URI Syntax, §4 table).
_LINK_KEYS = frozenset("00 01 253 255 401 402 414 417 8003 8004 8006 8010 8013 8017 8018".split())
_GS1_SYMBOLOGIES = GS1Symbology.with_gs1_messages()
_GTIN_SYMBOLOGIES = GS1Symbology.with_gtin()
# A plain string is read as GS1 only if one of these check-digit keys vouches for it.
_CHECKED_AIS = ("00", "01", "02")


_Reading = tuple[list[GS1ElementString], str | None]  # element strings and their spelling


class _Unreadable(Exception):
    """A reason why GS1 data promised by the scan could not be read; becomes malformed_barcode."""


@dataclass(frozen=True)
class Scan:
    """A scan read but not yet looked up: the code, its symbology and its GS1 values."""

    raw: str
    code: str
    kind: ScanKind
    _: KW_ONLY
    symbology: str | None = None
    ai: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    gtin: str | None = None
    content_gtin: str | None = None
    sscc: str | None = None
    batch: str | None = None
    expiry: date | None = None
    best_before: date | None = None
    serial: str | None = None
    count: int | None = None
    net_weight_kg: Decimal | None = None
    ship_to_postal: str | None = None
    order_number: str | None = None
    check_digit_error: str | None = None
    # What the values mean (AI → measure with unit, amount with currency, date); see gs1_value.
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The code as printed under the barcode: GS1 data as (AI)value, otherwise the code."""
        if self.kind == "gs1" and self.format is None:
            return "".join(f"({ai}){value}" for ai, value in self.ai.items())
        return _shown(self.code)

    def to_json(self) -> dict[str, Any]:
        """The contract form: fixed keys, every AI value also top level, absent values left out."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "raw": self.raw,
            "code": self.code,
            "symbology": self.symbology,
            "ai": dict(self.ai),
        }
        out.update(self.ai)
        optional = {
            "gtin": self.gtin,
            "sscc": self.sscc,
            "batch": self.batch,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "serial": self.serial,
            "count": self.count,
            "format": self.format,
            "check_digit_error": self.check_digit_error,
            "values": dict(self.values) or None,
        }
        out.update({key: value for key, value in optional.items() if value is not None})
        return out


def parse_scan(
    raw: str,
    *,
    prefix: str = "",
    suffix: str = "",
    gs_substitutes: tuple[str, ...] = ("<GS>",),
) -> Scan:
    """Read one scan as received from a device; raise EdgeError if it promises data it lacks."""
    code = _unframe(raw, prefix=prefix, suffix=suffix, gs_substitutes=gs_substitutes)
    symbology, body = _split_aim(code)
    if not body:
        raise EdgeError("empty_scan")
    base = Scan(raw=raw, code=body, kind="raw", symbology=symbology.value if symbology else None)
    promised = symbology.gs1_symbology if symbology else None
    try:
        if promised in _GS1_SYMBOLOGIES:
            return _gs1_scan(base, _read_gs1(body))
        if promised in _GTIN_SYMBOLOGIES:
            return _gtin_scan(base, promised)
        return _plain_scan(base)
    except _Unreadable as exc:
        raise EdgeError("malformed_barcode", code=_shown(body), reason=str(exc)) from None


def _unframe(raw: str, *, prefix: str, suffix: str, gs_substitutes: tuple[str, ...]) -> str:
    code = _strip(raw)
    if prefix:
        code = _strip(code.removeprefix(prefix))
    if suffix:
        code = _strip(code.removesuffix(suffix))
    for substitute in gs_substitutes:
        if substitute:
            code = code.replace(substitute, GS)
    return _strip(code)


def _strip(text: str) -> str:
    return _FRAMING.sub("", text)


def _shown(text: str) -> str:
    return text.replace(GS, "<GS>")


def _split_aim(code: str) -> tuple[SymbologyIdentifier | None, str]:
    """The AIM symbology identifier (ISO/IEC 15424) if the code starts with one, and the rest."""
    if not _AIM.match(code):
        return None, code
    try:
        symbology = SymbologyIdentifier.extract(code)
    except (ParseError, ValueError, IndexError):
        return None, code  # a ']' that starts an ordinary code
    return symbology, _strip(code[len(symbology) :])


def _plain_scan(base: Scan) -> Scan:
    """No AIM promise: GS1 only where the data says so, a GTIN if its digit checks, else raw."""
    body = base.code
    if _is_url(body):
        return _gs1_scan(base, _read_gs1(body)) if _is_digital_link(body) else base
    if GS in body or _HRI_START.match(body):
        return _gs1_scan(base, _read_gs1(body))
    gtin = normalise_gtin(body)
    if gtin is not None:
        # replace(base, kind="gtin", gtin=gtin), built directly (~6 µs → ~2, on every item scan):
        # parse_scan's base sets nothing more than these
        return Scan(base.raw, base.code, "gtin", symbology=base.symbology, gtin=gtin)
    reading = _vouched_gs1(base)
    if reading is not None:
        return reading
    expected = wrong_check_digit(body) if has_gtin_shape(body) else None
    return replace(base, check_digit_error=expected)


def _vouched_gs1(base: Scan) -> Scan | None:
    """Digits that read completely as GS1 with a GTIN or SSCC whose check digit holds."""
    if not base.code[:2].isdigit():
        return None
    try:
        reading = _gs1_scan(base, (_element_string(base.code), None))
    except (_Unreadable, EdgeError):
        return None
    return reading if any(key in reading.ai for key in _CHECKED_AIS) else None


def _gtin_scan(base: Scan, symbology: GS1Symbology | None) -> Scan:
    """An EAN/UPC or ITF-14 symbol: the content must be a GTIN with a correct check digit."""
    body = base.code
    if symbology is GS1Symbology.EAN_13_WITH_ADD_ON and len(body) in (15, 18):
        body = body[:13]  # the 2- or 5-digit add-on is not part of the GTIN
    if symbology is GS1Symbology.EAN_13 and len(body) == 8:
        body = _expand_upc_e(body)
    if not has_gtin_shape(body):
        raise _Unreadable(f"EAN/UPC expects 8, 12, 13 or 14 digits, got '{_shown(body)}'")
    expected = wrong_check_digit(body)
    if expected is not None:
        raise EdgeError("bad_check_digit", code=body, expected=expected)
    return replace(base, kind="gtin", gtin=normalise_gtin(body))


def _expand_upc_e(code: str) -> str:
    """UPC-E comes under ]E0 as 8 digits; its GTIN is the UPC-A it stands for."""
    try:
        return Upc.parse(code).as_upc_a()
    except ParseError:
        pass
    try:
        expected = Upc.parse(code[:7]).as_upc_a()[-1]
    except ParseError:
        raise _Unreadable(f"UPC-E expects 8 digits starting 0 or 1, got '{code}'") from None
    raise EdgeError("bad_check_digit", code=code, expected=expected)


def _read_gs1(body: str) -> _Reading:
    """The element strings of GS1 data in any of its spellings, and the name of the spelling."""
    if _is_url(body):
        return _digital_link(body), "digital_link"
    if _HRI_START.match(body):
        return _bracketed(body), None
    return _element_string(body), None


def _gs1_scan(base: Scan, reading: _Reading) -> Scan:
    elements, fmt = reading
    ai: dict[str, str] = {}
    for element in elements:
        _check_digits(element)
        if ai.setdefault(element.ai.ai, element.value) != element.value:
            raise _Unreadable(f"AI ({element.ai.ai}) appears twice with different values")
    dates = {element.ai.ai: element.date for element in elements}
    weights = [element.decimal for element in elements if element.ai.ai.startswith("310")]
    return replace(
        base,
        kind="gs1",
        ai=ai,
        format=fmt,
        gtin=ai.get("01"),
        content_gtin=ai.get("02"),
        sscc=ai.get("00"),
        batch=ai.get("10"),
        expiry=dates.get("17"),
        best_before=dates.get("15"),
        serial=ai.get("21"),
        count=int(ai["37"]) if "37" in ai else None,
        net_weight_kg=weights[0] if weights else None,
        ship_to_postal=ai.get("420"),
        order_number=ai.get("400"),
        values={e.ai.ai: v for e in elements if (v := element_value(e)) is not None},
    )


def _check_digits(element: GS1ElementString) -> None:
    """biip records a wrong GTIN/SSCC/GLN check digit on the element instead of raising."""
    if element.gtin_error or element.sscc_error or element.gln_error:
        expected = check_digit(element.value[:-1])
        raise EdgeError("bad_check_digit", code=element.value, expected=expected)


def _element_string(body: str) -> list[GS1ElementString]:
    """AI and value after AI; a variable-length value ends at GS or at the end (§7.8.6)."""
    elements: list[GS1ElementString] = []
    rest = body
    unended: GS1ElementString | None = None  # a variable-length value not yet ended by GS
    while rest:
        ai = _ai_at(rest, unended)
        try:
            element = GS1ElementString.extract(rest, config=_CONFIG)
        except _BAD_VALUE:
            value = rest[len(ai.ai) :].split(GS, 1)[0]
            width = _fixed_width(ai)
            raise _field_error(ai, value[:width] if width else value) from None
        elements.append(element)
        after = rest[len(element) :]
        rest = after.lstrip(GS)
        unended = element if element.ai.separator_required and rest == after else None
    return elements


def _bracketed(body: str) -> list[GS1ElementString]:
    """Human readable interpretation: '(01)09506000134352(10)ABC' (§4.15); spaces are layout."""
    hri = "".join(body.split())
    pairs: list[tuple[str, str]] = _HRI_PAIR.findall(hri)
    if "".join(f"({ai}){value}" for ai, value in pairs) != hri:
        raise _Unreadable(f"expected (AI)value pairs, got '{_shown(body)}'")
    return [_element(ai, value) for ai, value in pairs]


def _digital_link(body: str) -> list[GS1ElementString]:
    """A GS1 Digital Link URI on any host; biip reads it, the diagnosis names the bad part."""
    try:
        return list(GS1DigitalLinkURI.parse(body, config=_CONFIG).element_strings)
    except _BAD_VALUE as exc:
        for ai, value in _link_pairs(body):
            _element(ai, value)
        reason = str(exc).rstrip(".")
        raise _Unreadable(f"not a GS1 Digital Link: {reason[:1].lower()}{reason[1:]}") from None


def _link_pairs(body: str) -> list[tuple[str, str]]:
    parts = urlsplit(body)
    segments = [unquote(segment) for segment in parts.path.split("/")]
    start = next((i for i, s in enumerate(segments) if s in _LINK_KEYS), len(segments))
    pairs = list(zip(segments[start::2], segments[start + 1 :: 2], strict=False))
    pairs += [(key, value) for key, value in parse_qsl(parts.query) if _is_ai(key)]
    # The URI syntax lets a GTIN-8/12/13 stand for the GTIN-14 it pads to.
    return [(ai, value.zfill(14) if ai == "01" else value) for ai, value in pairs]


def _is_url(body: str) -> bool:
    return body.lower().startswith(("http://", "https://"))


def _is_digital_link(body: str) -> bool:
    segments = urlsplit(body).path.split("/")
    return any(segment in _LINK_KEYS for segment in segments[:-1])


def _is_ai(code: str) -> bool:
    try:
        return code.isdigit() and GS1ApplicationIdentifier.extract(code).ai == code
    except ParseError:
        return False


def _element(ai_code: str, value: str) -> GS1ElementString:
    """Exactly one element string from an AI and its value."""
    if not _is_ai(ai_code):
        raise _Unreadable(f"({ai_code}) is not a GS1 Application Identifier")
    try:
        return GS1ElementString.parse(ai_code + value, config=_CONFIG)
    except _BAD_VALUE:
        raise _field_error(GS1ApplicationIdentifier.extract(ai_code), value) from None


def _ai_at(rest: str, unended: GS1ElementString | None) -> GS1ApplicationIdentifier:
    try:
        return GS1ApplicationIdentifier.extract(rest)
    except ParseError:
        if unended is not None:  # the value before ran past its maximum length
            raise _field_error(unended.ai, unended.value + rest.split(GS, 1)[0]) from None
        raise _Unreadable(f"expected a GS1 Application Identifier at '{_shown(rest)}'") from None


def _field_error(ai: GS1ApplicationIdentifier, value: str) -> _Unreadable:
    got = f"'{_shown(value)}'" if value else "nothing"
    return _Unreadable(f"AI ({ai.ai}) expects {_expected(ai)}, got {got}")


def _expected(ai: GS1ApplicationIdentifier) -> str:
    """The data format of an AI in words, from biip's format such as 'N2+X..20'."""
    if ai.ai in _DATE_AIS:
        return "a date YYMMDD"
    words = []
    for optional, kind, variable, length in _FORMAT_PART.findall(ai.format)[1:]:
        unit = "digits" if kind == "N" else "characters"
        words.append(f"{'up to ' if variable else ''}{length} {unit}{optional and ' (optional)'}")
    return " then ".join(words)


def _fixed_width(ai: GS1ApplicationIdentifier) -> int | None:
    parts = _FORMAT_PART.findall(ai.format)[1:]
    if any(optional or variable for optional, _, variable, _ in parts):
        return None
    return sum(int(length) for *_, length in parts)
