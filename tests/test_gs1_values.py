"""GS1 weights, measures, amounts and dates read as values with their units (issue 15 item 16).

Element strings from the GS1 General Specifications §3.6 (AI 310n–369n: n is the number of
decimals; 392n: amount payable; 393n: amount payable with an ISO 4217 numeric currency); biip's
AI table names each measure's unit in its data title.
"""

from __future__ import annotations

import json

import pytest
from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS
from click.testing import CliRunner

from edge.cli.scan import scan
from edge.domain.gs1_value import is_measure
from edge.domain.scan import parse_scan
from tests.support import EAN13, GTIN, Floor

GS = "\x1d"


def test_scan_parse_reads_3103_001250_as_1_250_kg() -> None:
    result = CliRunner().invoke(scan, ["parse", f"]C101{GTIN}3103001250"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["values"] == {
        "3103": {"title": "NET WEIGHT (kg)", "value": "1.250", "unit": "kg", "text": "1.250 kg"}
    }


@pytest.mark.parametrize(
    ("element", "value", "unit"),
    [
        ("3103001250", "1.250", "kg"),
        ("3100000007", "7", "kg"),
        ("3202012345", "123.45", "lb"),
        ("3115123456", "1.23456", "m"),
        ("3142000150", "1.50", "m²"),
        ("3151000750", "75.0", "l"),
        ("3302001234", "12.34", "kg"),
        ("3373000123", "0.123", "kg/m²"),
        ("3560000012", "12", "troy oz"),
        ("3612000125", "1.25", "gal."),
        ("3693000001", "0.001", "yd³"),
    ],
)
def test_a_measure_reads_as_a_decimal_with_its_unit(element: str, value: str, unit: str) -> None:
    reading = parse_scan(f"]C101{GTIN}{element}")

    got = reading.values[element[:4]]

    assert (got["value"], got["unit"], got["text"]) == (value, unit, f"{value} {unit}")


def test_every_ai_from_310n_to_369n_has_a_value_and_a_unit() -> None:
    measures = sorted(ai for ai in _GS1_APPLICATION_IDENTIFIERS if is_measure(ai))

    units = {ai: parse_scan(f"]C101{GTIN}{ai}001234").values[ai]["unit"] for ai in measures}

    assert len(measures) == 53 * 6  # 310–316, 320–337, 340–357, 360–369; n = 0…5
    assert [ai for ai, unit in units.items() if not unit] == []


def test_392n_is_an_amount_and_393n_an_amount_with_its_currency() -> None:
    reading = parse_scan(f"]C101{GTIN}39221999{GS}39329781560999{GS}39311561234")

    assert {ai: reading.values[ai] for ai in ("3922", "3932", "3931")} == {
        "3922": {"title": "PRICE", "amount": "19.99"},
        "3932": {"title": "PRICE", "amount": "15609.99", "currency": "EUR", "text": "15609.99 EUR"},
        "3931": {"title": "PRICE", "amount": "123.4", "currency": "CNY", "text": "123.4 CNY"},
    }


def test_dates_read_as_dates_and_date_times_as_date_times() -> None:
    reading = parse_scan(f"]C101{GTIN}11250100172705007003250101123010L1")

    assert {ai: reading.values[ai] for ai in ("11", "17", "7003")} == {
        "11": {"title": "PROD DATE", "date": "2025-01-31"},
        "17": {"title": "USE BY or EXPIRY", "date": "2027-05-31"},
        "7003": {"title": "EXPIRY TIME", "datetime": "2025-01-01T12:30:00"},
    }
    assert "10" not in reading.values


def test_the_apis_scan_answer_carries_the_parsed_scan_with_its_values(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    floor.start(sup, "move")

    resp = floor.scan(sup, f"]C101{GTIN}3103001250")
    plain = floor.scan(sup, EAN13)

    parsed = resp.json()["parsed"]
    assert (parsed["gtin"], parsed["values"]["3103"]["text"]) == (GTIN, "1.250 kg")
    assert "values" not in plain.json()["parsed"]
