import json

import click
from click.testing import CliRunner

from edge.cli.scan import scan

GTIN = "09506000134352"  # GS1 example GTIN (GS1 Digital Link standard)


def test_parse_prints_the_reading_of_a_gs1_scan_as_json() -> None:
    runner = CliRunner()

    result = runner.invoke(scan, ["parse", f"]C101{GTIN}17270500<GS>10ABC"])

    assert (result.exit_code, json.loads(result.stdout)) == (
        0,
        {
            "kind": "gs1",
            "raw": f"]C101{GTIN}17270500<GS>10ABC",
            "code": f"01{GTIN}17270500\x1d10ABC",
            "symbology": "]C1",
            "ai": {"01": GTIN, "17": "270500", "10": "ABC"},
            "01": GTIN,
            "17": "270500",
            "10": "ABC",
            "gtin": GTIN,
            "batch": "ABC",
            "expiry": "2027-05-31",
            "values": {"17": {"title": "USE BY or EXPIRY", "date": "2027-05-31"}},
        },
    )


def test_parse_reads_raw_bytes_from_stdin_keeping_gs_and_cr() -> None:
    runner = CliRunner()
    raw = b"\x02]d201" + GTIN.encode() + b"10L1\x1d21S1\r\n"

    result = runner.invoke(scan, ["parse", "-"], input=raw)

    assert (result.exit_code, json.loads(result.stdout)["ai"]) == (
        0,
        {"01": GTIN, "10": "L1", "21": "S1"},
    )


def test_parse_reads_stdin_as_latin_1_so_no_byte_is_lost() -> None:
    runner = CliRunner()

    result = runner.invoke(scan, ["parse"], input=b"\xc9TAG\xe8RE-3\r\n")

    assert (result.exit_code, json.loads(result.stdout)["code"]) == (0, "\u00c9TAG\u00e8RE-3")


def test_parse_without_raw_reads_stdin_and_applies_prefix_suffix_and_substitutes() -> None:
    runner = CliRunner()
    options = ["--prefix", "P:", "--suffix", ";", "--gs-substitute", "~", "--gs-substitute", "|"]

    result = runner.invoke(scan, ["parse", *options], input=f"P:01{GTIN}10A~21B|3712;\n")

    assert (result.exit_code, json.loads(result.stdout)["ai"]) == (
        0,
        {"01": GTIN, "10": "A", "21": "B", "37": "12"},
    )


def test_parse_exits_0_for_a_raw_code() -> None:
    runner = CliRunner()

    result = runner.invoke(scan, ["parse", "A-01-02"])

    assert (result.exit_code, json.loads(result.stdout)["kind"]) == (0, "raw")


def test_parse_exits_2_with_the_message_in_both_languages_for_a_bad_check_digit() -> None:
    runner = CliRunner()

    result = runner.invoke(scan, ["parse", "]E09506000134353"])

    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "error: bad_check_digit: Barcode 9506000134353 has a wrong check digit (expected 2). "
        "Scan it again or type it.\n"
        "  条码 9506000134353 校验位错误（应为 2）。请重新扫描或手工输入。\n",
    )


def test_every_scan_command_has_help_text() -> None:
    commands: list[click.Command] = [scan, *scan.commands.values()]

    missing = [command.name for command in commands if not command.help]

    assert missing == []
