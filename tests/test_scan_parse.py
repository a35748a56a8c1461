# Fixtures follow the GS1 General Specifications (GenSpecs) examples: GTIN 09506000134352 (GS1
# Global Office example prefix 950, also the GS1 Digital Link standard's example), SSCC
# 106141412345678908 (AI (00), GenSpecs §3.3.1), AI formats from GenSpecs §3.2 Figure 3.2-1 and
# the GS1 AI table, dates with day "00" meaning the month's last day (AI (17), GenSpecs §3.4.5:
# "130200" is 2013-02-28), FNC1 transmitted as GS (§7.8.5), symbology identifiers from GenSpecs
# Figure 5.1.2-2, and Digital Link URIs from GS1 Digital Link Standard: URI Syntax §4.
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from edge.domain.errors import EdgeError
from edge.domain.scan import Scan, parse_scan

GS = "\x1d"
GTIN = "09506000134352"
SSCC = "106141412345678908"
EXPIRY_VALUE = {"title": "USE BY or EXPIRY", "date": "2027-05-31"}


def test_a_gs1_128_scan_reads_gtin_expiry_with_day_00_and_batch() -> None:
    raw = "]C1" + "01" + GTIN + "17" + "270500" + "10" + "ABC123"

    scan = parse_scan(raw)

    assert scan == Scan(
        raw=raw,
        code=raw.removeprefix("]C1"),
        kind="gs1",
        symbology="]C1",
        ai={"01": GTIN, "17": "270500", "10": "ABC123"},
        gtin=GTIN,
        expiry=date(2027, 5, 31),
        batch="ABC123",
        values={"17": EXPIRY_VALUE},
    )


def test_a_gs1_datamatrix_scan_reads_variable_fields_ended_by_gs() -> None:
    raw = f"]d2010950600013435210LOT7{GS}21SN-0042{GS}3712{GS}15280200"

    scan = parse_scan(raw)

    assert scan == Scan(
        raw=raw,
        code=raw[3:],
        kind="gs1",
        symbology="]d2",
        ai={"01": GTIN, "10": "LOT7", "21": "SN-0042", "37": "12", "15": "280200"},
        gtin=GTIN,
        batch="LOT7",
        serial="SN-0042",
        count=12,
        best_before=date(2028, 2, 29),
        values={"15": {"title": "BEST BEFORE or BEST BY", "date": "2028-02-29"}},
    )


def test_an_sscc_label_reads_the_sscc() -> None:
    raw = "]C100106141412345678908"

    scan = parse_scan(raw)

    assert scan == Scan(
        raw=raw, code=f"00{SSCC}", kind="gs1", symbology="]C1", ai={"00": SSCC}, sscc=SSCC
    )


@pytest.mark.parametrize(
    "raw", ["(01)09506000134352(10)ABC(17)270500", "(01) 09506000134352 (10) ABC (17) 270500"]
)
def test_bracketed_hri_reads_like_the_element_string(raw: str) -> None:
    scan = parse_scan(raw)

    assert scan == Scan(
        raw=raw,
        code=raw,
        kind="gs1",
        ai={"01": GTIN, "10": "ABC", "17": "270500"},
        gtin=GTIN,
        batch="ABC",
        expiry=date(2027, 5, 31),
        values={"17": EXPIRY_VALUE},
    )


@pytest.mark.parametrize(
    "raw",
    [
        "https://id.gs1.org/01/09506000134352/10/ABC1?17=270531",
        "https://example.com/products/01/9506000134352/10/ABC1?17=270531&utm=x",
        "]Q3https://id.gs1.org/01/09506000134352/10/ABC1?17=270531",
    ],
)
def test_a_digital_link_on_any_host_reads_as_gs1(raw: str) -> None:
    scan = parse_scan(raw)

    assert (scan.kind, scan.format, scan.ai, scan.gtin, scan.batch, scan.expiry) == (
        "gs1",
        "digital_link",
        {"01": GTIN, "10": "ABC1", "17": "270531"},
        GTIN,
        "ABC1",
        date(2027, 5, 31),
    )


@pytest.mark.parametrize(
    ("element_string", "ai", "field", "value"),
    [
        (f"00{SSCC}", {"00": SSCC}, "sscc", SSCC),
        (f"01{GTIN}", {"01": GTIN}, "gtin", GTIN),
        (f"02{GTIN}3724", {"02": GTIN, "37": "24"}, "content_gtin", GTIN),
        ("10ABC-1/2", {"10": "ABC-1/2"}, "batch", "ABC-1/2"),
        ("11270115", {"11": "270115"}, "ai", {"11": "270115"}),
        ("15270500", {"15": "270500"}, "best_before", date(2027, 5, 31)),
        ("17270531", {"17": "270531"}, "expiry", date(2027, 5, 31)),
        ("21SN12345", {"21": "SN12345"}, "serial", "SN12345"),
        ("3012", {"30": "12"}, "ai", {"30": "12"}),
        ("3724", {"37": "24"}, "count", 24),
        ("3102001250", {"3102": "001250"}, "net_weight_kg", Decimal("12.50")),
        ("3100000007", {"3100": "000007"}, "net_weight_kg", Decimal("7")),
        ("400PO-4711", {"400": "PO-4711"}, "order_number", "PO-4711"),
        ("42010115", {"420": "10115"}, "ship_to_postal", "10115"),
    ],
)
def test_each_supported_ai_is_read_into_ai_and_its_field(
    element_string: str, ai: dict[str, str], field: str, value: object
) -> None:
    scan = parse_scan(f"]C1{element_string}")

    assert (scan.kind, scan.ai, getattr(scan, field)) == ("gs1", ai, value)


@pytest.mark.parametrize(
    ("raw", "options", "code", "symbology"),
    [
        (f"\x02]C1{'01' + GTIN}{GS}10ABC\x03", {}, f"01{GTIN}{GS}10ABC", "]C1"),
        ("  9506000134352\r\n", {}, "9506000134352", None),
        ("PRE9506000134352SUF\r\n", {"prefix": "PRE", "suffix": "SUF"}, "9506000134352", None),
        ("\x02PRE]E09506000134352\r", {"prefix": "PRE"}, "9506000134352", "]E0"),
        (f"01{GTIN}<GS>10ABC", {}, f"01{GTIN}{GS}10ABC", None),
        (f"01{GTIN}~10ABC", {"gs_substitutes": ("~",)}, f"01{GTIN}{GS}10ABC", None),
        (
            f"01{GTIN}{{FNC1}}10A<GS>21B",
            {"gs_substitutes": ("{FNC1}", "<GS>")},
            f"01{GTIN}{GS}10A{GS}21B",
            None,
        ),
        ("A-01-02 \n", {}, "A-01-02", None),
    ],
)
def test_device_framing_and_control_characters_are_stripped(
    raw: str, options: dict[str, Any], code: str, symbology: str | None
) -> None:
    scan = parse_scan(raw, **options)

    assert (scan.raw, scan.code, scan.symbology) == (raw, code, symbology)


@pytest.mark.parametrize(
    ("raw", "gtin"),
    [
        ("9506000134352", GTIN),
        ("09506000134352", GTIN),
        ("]E09506000134352", GTIN),
        ("]E4" + "95012346", "00000095012346"),
        ("]E004252614", "00042100005264"),  # UPC-E, expanded to its UPC-A
        ("]E3950600013435212", GTIN),  # EAN-13 with a 2-digit add-on
        ("]I119506000134359", "19506000134359"),  # ITF-14
    ],
)
def test_a_gtin_symbol_or_plain_gtin_reads_as_its_gtin_14(raw: str, gtin: str) -> None:
    scan = parse_scan(raw)

    assert (scan.kind, scan.gtin) == ("gtin", gtin)


@pytest.mark.parametrize(
    ("raw", "kind", "check_digit_error"),
    [
        ("9506000134353", "raw", "2"),
        ("15210527", "raw", "4"),  # a GTIN-8 shape with a wrong digit is not read as AI (15)
        ("0109506000134353", "raw", None),  # looks like AI (01) but its check digit fails
        ("106141412345678908", "raw", None),  # a bare SSCC is not batch (10) 6141412345678908
        ("0109506000134352", "gs1", None),  # parses completely with a valid check digit
        (f"1727053101{GTIN}", "gs1", None),
        ("https://example.com/help", "raw", None),
        ("A-01-02", "raw", None),
        ("]abc", "raw", None),
    ],
)
def test_a_plain_code_is_gs1_only_when_a_check_digit_vouches_for_it(
    raw: str, kind: str, check_digit_error: str | None
) -> None:
    scan = parse_scan(raw)

    assert (scan.kind, scan.check_digit_error) == (kind, check_digit_error)


@pytest.mark.parametrize("aim", ["]C1", "]e0", "]d2", "]Q3"])
def test_every_gs1_symbology_identifier_promises_gs1_data(aim: str) -> None:
    scan = parse_scan(f"{aim}01{GTIN}10ABC")

    assert (scan.kind, scan.symbology, scan.ai) == ("gs1", aim, {"01": GTIN, "10": "ABC"})


@pytest.mark.parametrize("aim", ["]C1", "]e0", "]d2", "]Q3"])
def test_a_gs1_symbology_with_data_that_is_not_gs1_is_refused(aim: str) -> None:
    with pytest.raises(EdgeError) as refused:
        parse_scan(f"{aim}A-01-02")

    assert refused.value.params == {
        "code": "A-01-02",
        "reason": "expected a GS1 Application Identifier at 'A-01-02'",
    }


def test_a_non_gs1_symbology_keeps_its_identifier_and_the_code_without_it() -> None:
    scan = parse_scan("]C0A-01-02")

    assert scan == Scan(raw="]C0A-01-02", code="A-01-02", kind="raw", symbology="]C0")


WRONG_DIGIT = "Barcode {} has a wrong check digit (expected {}). Scan it again or type it."
UNREADABLE = "Barcode {} could not be read: {}. Scan it again; if it repeats, report the label."


@pytest.mark.parametrize(
    ("raw", "code", "params", "message"),
    [
        (
            "]C10109506000134353",
            "bad_check_digit",
            {"code": "09506000134353", "expected": "2"},
            WRONG_DIGIT.format("09506000134353", "2"),
        ),
        (
            f"0109506000134353{GS}10ABC",
            "bad_check_digit",
            {"code": "09506000134353", "expected": "2"},
            WRONG_DIGIT.format("09506000134353", "2"),
        ),
        (
            "]C100106141412345678909",
            "bad_check_digit",
            {"code": "106141412345678909", "expected": "8"},
            WRONG_DIGIT.format("106141412345678909", "8"),
        ),
        (
            "]E09506000134353",
            "bad_check_digit",
            {"code": "9506000134353", "expected": "2"},
            WRONG_DIGIT.format("9506000134353", "2"),
        ),
        (
            "]E004252615",
            "bad_check_digit",
            {"code": "04252615", "expected": "4"},
            WRONG_DIGIT.format("04252615", "4"),
        ),
        (
            "https://id.gs1.org/01/09506000134353",
            "bad_check_digit",
            {"code": "09506000134353", "expected": "2"},
            WRONG_DIGIT.format("09506000134353", "2"),
        ),
        (
            "]C101095060001343",
            "malformed_barcode",
            {"code": "01095060001343", "reason": "AI (01) expects 14 digits, got '095060001343'"},
            UNREADABLE.format("01095060001343", "AI (01) expects 14 digits, got '095060001343'"),
        ),
        (
            "]C1XY12",
            "malformed_barcode",
            {"code": "XY12", "reason": "expected a GS1 Application Identifier at 'XY12'"},
            UNREADABLE.format("XY12", "expected a GS1 Application Identifier at 'XY12'"),
        ),
        (
            "]C117271301",
            "malformed_barcode",
            {"code": "17271301", "reason": "AI (17) expects a date YYMMDD, got '271301'"},
            UNREADABLE.format("17271301", "AI (17) expects a date YYMMDD, got '271301'"),
        ),
        (
            f"]C101{GTIN}{GS}10",
            "malformed_barcode",
            {
                "code": f"01{GTIN}<GS>10",
                "reason": "AI (10) expects up to 20 characters, got nothing",
            },
            UNREADABLE.format(
                f"01{GTIN}<GS>10", "AI (10) expects up to 20 characters, got nothing"
            ),
        ),
        (
            "]E0950600013435X",
            "malformed_barcode",
            {
                "code": "950600013435X",
                "reason": "EAN/UPC expects 8, 12, 13 or 14 digits, got '950600013435X'",
            },
            UNREADABLE.format(
                "950600013435X", "EAN/UPC expects 8, 12, 13 or 14 digits, got '950600013435X'"
            ),
        ),
        ("", "empty_scan", {}, "The scan was empty. Scan the barcode again."),
        ("\x02\r\n", "empty_scan", {}, "The scan was empty. Scan the barcode again."),
        ("]C1\r\n", "empty_scan", {}, "The scan was empty. Scan the barcode again."),
    ],
)
def test_a_scan_that_breaks_its_promise_is_refused_with_code_and_message(
    raw: str, code: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(EdgeError) as refused:
        parse_scan(raw)

    assert (refused.value.code, refused.value.params, refused.value.message("en")) == (
        code,
        params,
        message,
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("(01)0950600013435", "AI (01) expects 14 digits, got '0950600013435'"),
        ("(01)09506000134352(10)", "AI (10) expects up to 20 characters, got nothing"),
        ("(9999)123", "(9999) is not a GS1 Application Identifier"),
        (
            "(01)09506000134352)(10)ABC",
            "expected (AI)value pairs, got '(01)09506000134352)(10)ABC'",
        ),
        ("(01)0950600013435X", "AI (01) expects 14 digits, got '0950600013435X'"),
        ("(01)09506000134352(10)A(10)B", "AI (10) appears twice with different values"),
        (f"]C101{GTIN}10{'X' * 21}", f"AI (10) expects up to 20 characters, got '{'X' * 21}'"),
        (
            f"]C101{GTIN}10{'X' * 21}{GS}21A",
            f"AI (10) expects up to 20 characters, got '{'X' * 21}'",
        ),
        (f"]C101{GTIN}0ABC", "expected a GS1 Application Identifier at '0ABC'"),
        (
            "]C1421276ABCDEFGHIJK",
            "AI (421) expects 3 digits then up to 9 characters, got '276ABCDEFGHIJK'",
        ),
        ("https://id.gs1.org/01/0950600013435X", "AI (01) expects 14 digits, got '0950600013435X'"),
        (
            "https://id.gs1.org/01/09506000134352/10",
            "not a GS1 Digital Link: expected even number of path segments, "
            "got '/01/09506000134352/10'",
        ),
    ],
)
def test_malformed_gs1_data_is_refused_naming_the_ai_and_what_it_expects(
    raw: str, reason: str
) -> None:
    with pytest.raises(EdgeError) as refused:
        parse_scan(raw)

    assert (refused.value.code, refused.value.params["reason"]) == ("malformed_barcode", reason)


def test_a_refusal_reads_in_simplified_chinese_too() -> None:
    with pytest.raises(EdgeError) as refused:
        parse_scan("]C10109506000134353")

    assert (
        refused.value.message("zh")
        == "条码 09506000134353 校验位错误（应为 2）。请重新扫描或手工输入。"
    )


def test_to_json_gives_fixed_keys_every_ai_top_level_and_present_fields_only() -> None:
    raw = f"]C101{GTIN}17270500" + f"10ABC{GS}21S1{GS}3712"

    document = parse_scan(raw).to_json()

    assert document == {
        "kind": "gs1",
        "raw": raw,
        "code": raw[3:],
        "symbology": "]C1",
        "ai": {"01": GTIN, "17": "270500", "10": "ABC", "21": "S1", "37": "12"},
        "01": GTIN,
        "17": "270500",
        "10": "ABC",
        "21": "S1",
        "37": "12",
        "gtin": GTIN,
        "batch": "ABC",
        "expiry": "2027-05-31",
        "serial": "S1",
        "count": 12,
        "values": {"17": EXPIRY_VALUE},
    }


def test_to_json_of_a_digital_link_names_its_format() -> None:
    raw = "https://id.gs1.org/00/106141412345678908"

    document = parse_scan(raw).to_json()

    assert document == {
        "kind": "gs1",
        "raw": raw,
        "code": raw,
        "symbology": None,
        "ai": {"00": SSCC},
        "00": SSCC,
        "sscc": SSCC,
        "format": "digital_link",
    }


def test_to_json_of_a_raw_code_with_a_wrong_check_digit_carries_the_expected_digit() -> None:
    document = parse_scan("9506000134353\r\n").to_json()

    assert document == {
        "kind": "raw",
        "raw": "9506000134353\r\n",
        "code": "9506000134353",
        "symbology": None,
        "ai": {},
        "check_digit_error": "2",
    }


@pytest.mark.parametrize(
    ("scan", "shown"),
    [
        (parse_scan(f"]C101{GTIN}{GS}10ABC"), f"(01){GTIN}(10)ABC"),
        (
            parse_scan("https://id.gs1.org/01/09506000134352"),
            "https://id.gs1.org/01/09506000134352",
        ),
        (parse_scan("A-01-02"), "A-01-02"),
        (Scan(raw=f"1234{GS}5", code=f"1234{GS}5", kind="raw"), "1234<GS>5"),
    ],
)
def test_display_is_the_text_printed_under_the_barcode(scan: Scan, shown: str) -> None:
    text = scan.display

    assert text == shown
