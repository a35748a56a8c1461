"""GTIN and SSCC keys: the GS1 mod-10 check digit and the one GTIN-14 key the edge stores.

UPC-A (12 digits), EAN-13 and GTIN-14 with indicator 0 are the same number padded with zeros
(GS1 General Specifications §3.3.2), so every product barcode that is a GTIN is keyed as GTIN-14.
"""

from __future__ import annotations

from biip.checksums import gs1_standard_check_digit

GTIN_LENGTHS = (8, 12, 13, 14)
SSCC_LENGTH = 18


def check_digit(payload: str) -> str:
    """The mod-10 check digit for `payload` (GS1 General Specifications §7.9.1)."""
    return str(gs1_standard_check_digit(payload))


def has_gtin_shape(code: str) -> bool:
    """True if `code` is 8, 12, 13 or 14 ASCII digits, whatever its check digit."""
    return len(code) in GTIN_LENGTHS and code.isascii() and code.isdigit()


def is_valid_gtin(code: str) -> bool:
    """True if `code` is a GTIN-8/12/13/14 with a correct check digit."""
    return normalise_gtin(code) is not None


def normalise_gtin(code: str) -> str | None:
    """The GTIN-14 key for a valid GTIN-8/12/13/14; None if `code` is not one.

    A GTIN-shaped code with a wrong check digit is not a GTIN either: the store keeps such
    codes as they are, and a scan of them is read the same way, so both sides agree.
    """
    if not has_gtin_shape(code) or check_digit(code[:-1]) != code[-1]:
        return None
    return code.zfill(14)


def is_valid_sscc(code: str) -> bool:
    """True if `code` is an 18-digit SSCC with a correct check digit (§3.3.1, §7.9.1)."""
    if len(code) != SSCC_LENGTH or not (code.isascii() and code.isdigit()):
        return False
    return check_digit(code[:-1]) == code[-1]


def wrong_check_digit(code: str) -> str | None:
    """The expected digit if `code` is GTIN- or SSCC-shaped but its check digit is wrong."""
    shaped = has_gtin_shape(code) or (len(code) == SSCC_LENGTH and code.isascii())
    if not (shaped and code.isdigit()):
        return None
    expected = check_digit(code[:-1])
    return None if expected == code[-1] else expected
