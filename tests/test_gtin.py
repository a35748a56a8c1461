# Fixtures: the check digit calculation of GS1 General Specifications §7.9.1 (Figure 7.9.1-2);
# GTIN 09506000134352 from the GS1 Digital Link standard's examples (prefix 950 is GS1 Global
# Office's, kept for examples); SSCC 106141412345678908 from the AI (00) example in GS1 General
# Specifications §3.3.1; the GTIN-8 and GTIN-12 are built on the same example prefixes.
import pytest

from edge.domain.gtin import (
    check_digit,
    has_gtin_shape,
    is_valid_gtin,
    is_valid_sscc,
    normalise_gtin,
    wrong_check_digit,
)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("9501234", "6"),  # GTIN-8
        ("61414100003", "6"),  # GTIN-12 (UPC-A)
        ("950600013435", "2"),  # GTIN-13
        ("0950600013435", "2"),  # GTIN-14, indicator 0: leading zeros change nothing
        ("1950600013435", "9"),  # GTIN-14, indicator 1
        ("10614141234567890", "8"),  # SSCC
    ],
)
def test_check_digit_is_the_gs1_mod_10_digit_of_the_payload(payload: str, expected: str) -> None:
    digit = check_digit(payload)

    assert digit == expected


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("95012346", True),
        ("614141000036", True),
        ("9506000134352", True),
        ("09506000134352", True),
        ("19506000134359", True),
        ("9506000134353", False),
        ("950600013435", False),
        ("95060001343521", False),
        ("950600013435A", False),
        ("", False),
    ],
)
def test_a_gtin_is_valid_only_with_a_gtin_length_and_its_check_digit(
    code: str, valid: bool
) -> None:
    result = is_valid_gtin(code)

    assert result is valid


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("95012346", "00000095012346"),
        ("614141000036", "00614141000036"),
        ("0614141000036", "00614141000036"),
        ("00614141000036", "00614141000036"),
        ("9506000134352", "09506000134352"),
        ("09506000134352", "09506000134352"),
        ("19506000134359", "19506000134359"),
    ],
)
def test_every_form_of_a_gtin_normalises_to_its_gtin_14(code: str, key: str) -> None:
    normalised = normalise_gtin(code)

    assert normalised == key


@pytest.mark.parametrize(
    "code",
    [
        "",
        "A-01-02",
        "123",
        "9506000134353",  # wrong check digit
        "106141412345678908",  # an SSCC, not a GTIN
        " 9506000134352",
        "\u0669" * 13,  # Arabic-Indic digits: isdigit() but not ASCII
    ],
)
def test_codes_that_are_not_gtins_do_not_normalise(code: str) -> None:
    normalised = normalise_gtin(code)

    assert normalised is None


def test_gtin_shape_ignores_the_check_digit_but_not_the_length() -> None:
    shapes = [has_gtin_shape(code) for code in ("9506000134353", "95060001343", "ABCDEFGH")]

    assert shapes == [True, False, False]


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("106141412345678908", True),
        ("106141412345678909", False),
        ("10614141234567890", False),
        ("10614141234567890X", False),
    ],
)
def test_an_sscc_is_18_digits_with_a_correct_check_digit(code: str, valid: bool) -> None:
    result = is_valid_sscc(code)

    assert result is valid


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("9506000134353", "2"),
        ("9506000134352", None),
        ("106141412345678909", "8"),
        ("106141412345678908", None),
        ("12345", None),
        ("A-01-02", None),
    ],
)
def test_wrong_check_digit_names_the_expected_digit_of_gtin_and_sscc_shapes(
    code: str, expected: str | None
) -> None:
    digit = wrong_check_digit(code)

    assert digit == expected
