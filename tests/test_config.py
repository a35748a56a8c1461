"""Settings: defaults, the TOML file, environment variables, overrides, and every refusal."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import get_args

import pytest
import serial

from edge.config import (
    STANDARD_BAUDS,
    ConfigError,
    PackageSettings,
    PrinterSettings,
    ScaleSettings,
    ScannerSettings,
    Settings,
    StationSettings,
    WebhookSettings,
    describe_keys,
    load_settings,
    parse_env_value,
)
from edge.devices.framing import TERMINATORS
from edge.devices.keymap import LAYOUTS
from edge.devices.scanner import KINDS, ScannerConfig
from tests.servers import venv_script

EXAMPLE = Path(__file__).resolve().parents[1] / "edge.example.toml"
RETURNS_KEY = "stock.available_includes_returns_in_transit"
RETURNS_VAR = "WAREHOUSE_EDGE_STOCK_AVAILABLE_INCLUDES_RETURNS_IN_TRANSIT"


def _value(settings: Settings, key: str) -> object:
    section, name = key.split(".")
    return getattr(getattr(settings, section), name)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "edge.toml"
    path.write_text(text.replace("{dir}", str(tmp_path)), encoding="utf-8")
    return path


def test_no_file_and_no_environment_give_the_defaults():
    settings = load_settings(env={"PATH": "/usr/bin", "HOME": "/root"})

    assert settings == Settings()
    assert (settings.server.port, settings.edge.language, settings.logging.level) == (
        8080,
        "en",
        "INFO",
    )


def test_values_in_the_file_replace_the_defaults(tmp_path):
    path = _write(
        tmp_path,
        '[edge]\nid = "sh-01"\ntimezone = "Asia/Shanghai"\nlanguage = "zh"\n'
        "[server]\nport = 9000\n[stock]\navailable_includes_returns_in_transit = false\n"
        '[central]\nurl = "https://central.example.com"\ntoken = "t0k3n"\nsync_interval_s = 0.5\n'
        '[logging]\nlevel = "debug"\njson = true\n',
    )

    settings = load_settings(path, env={})

    assert settings.edge.model_dump() == {
        "id": "sh-01",
        "name": "Warehouse edge",
        "timezone": "Asia/Shanghai",
        "data_dir": Path("data"),
        "language": "zh",
    }
    assert settings.server.port == 9000
    assert settings.stock.available_includes_returns_in_transit is False
    assert (settings.central.url, settings.central.sync_interval_s) == (
        "https://central.example.com",
        0.5,
    )
    assert settings.logging.model_dump() == {"level": "DEBUG", "json": True}
    assert str(settings.edge.zone) == "Asia/Shanghai"


def test_an_environment_variable_wins_over_the_file(tmp_path):
    path = _write(tmp_path, "[server]\nport = 9000\nhost = '0.0.0.0'\n")

    settings = load_settings(path, env={"WAREHOUSE_EDGE_SERVER_PORT": "9100"})

    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 9100)


def test_overrides_win_over_the_environment_and_none_means_not_given(tmp_path):
    env = {"WAREHOUSE_EDGE_SERVER_PORT": "9100", "WAREHOUSE_EDGE_EDGE_DATA_DIR": "/srv/edge"}

    settings = load_settings(
        env=env, overrides={"server.port": 0, "edge.data_dir": None, "store.path": tmp_path}
    )

    assert settings.server.port == 0
    assert settings.edge.data_dir == Path("/srv/edge")
    assert settings.db_path == tmp_path


def test_warehouse_edge_config_names_the_file_when_no_path_is_given(tmp_path):
    path = _write(tmp_path, "[edge]\nname = 'Dock 3'\n")

    settings = load_settings(env={"WAREHOUSE_EDGE_CONFIG": str(path)})

    assert settings.edge.name == "Dock 3"


@pytest.mark.parametrize(
    ("var", "text", "key", "value"),
    [
        ("WAREHOUSE_EDGE_LOGGING_JSON", "true", "logging.json", True),
        ("WAREHOUSE_EDGE_LOGGING_JSON", "YES", "logging.json", True),
        ("WAREHOUSE_EDGE_LOGGING_JSON", "1", "logging.json", True),
        (RETURNS_VAR, "false", RETURNS_KEY, False),
        (RETURNS_VAR, "no", RETURNS_KEY, False),
        (RETURNS_VAR, " 0 ", RETURNS_KEY, False),
        ("WAREHOUSE_EDGE_SERVER_PORT", "0", "server.port", 0),
        ("WAREHOUSE_EDGE_AUTH_PIN_HASH_COST", "16", "auth.pin_hash_cost", 16),
        ("WAREHOUSE_EDGE_CENTRAL_SYNC_INTERVAL_S", "0.25", "central.sync_interval_s", 0.25),
        ("WAREHOUSE_EDGE_EDGE_DATA_DIR", "/var/lib/edge", "edge.data_dir", Path("/var/lib/edge")),
        ("WAREHOUSE_EDGE_CENTRAL_URL", "", "central.url", None),
        ("WAREHOUSE_EDGE_SCANS_PREFIX", "]C1", "scans.prefix", "]C1"),
        ("WAREHOUSE_EDGE_LOGGING_LEVEL", "warning", "logging.level", "WARNING"),
    ],
)
def test_environment_text_is_converted_to_the_type_of_the_key(var, text, key, value):
    env = {var: text}

    settings = load_settings(env=env)

    assert _value(settings, key) == value


@pytest.mark.parametrize(
    ("text", "annotation", "value"),
    [
        ("a, b,,c ", list[str], ["a", "b", "c"]),
        ("", list[str], []),
        ("", list[str] | None, None),
        ("yes", bool | None, True),
        ("8080", int, "8080"),
    ],
)
def test_environment_lists_are_comma_separated_and_the_rest_is_left_to_the_model(
    text, annotation, value
):
    result = parse_env_value(text, annotation)

    assert result == value


def test_the_database_lives_in_the_data_directory_unless_a_path_is_given(tmp_path):
    default = load_settings(env={"WAREHOUSE_EDGE_EDGE_DATA_DIR": str(tmp_path)})
    explicit = load_settings(env={"WAREHOUSE_EDGE_STORE_PATH": "/srv/edge.db"})

    assert default.db_path == tmp_path / "edge.db"
    assert default.backup_path == tmp_path / "backups"
    assert explicit.db_path == Path("/srv/edge.db")


def test_tls_is_on_when_both_files_exist(tmp_path):
    (tmp_path / "cert.pem").write_text("cert")
    (tmp_path / "key.pem").write_text("key")
    path = _write(tmp_path, '[server]\ntls_cert = "{dir}/cert.pem"\ntls_key = "{dir}/key.pem"\n')

    settings = load_settings(path, env={})

    assert (settings.server.tls_cert, settings.server.tls_key) == (
        tmp_path / "cert.pem",
        tmp_path / "key.pem",
    )


# (file text or None, env, overrides, the exact message; {file} and {dir} are filled in)
REFUSALS = [
    pytest.param(
        '[server]\nport = "abc"\n',
        {},
        None,
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got 'abc' (from {file})",
        id="port not a number in the file",
    ),
    pytest.param(
        None,
        {"WAREHOUSE_EDGE_SERVER_PORT": "abc"},
        None,
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got 'abc' (from environment)",
        id="port not a number in the environment",
    ),
    pytest.param(
        "[server]\nport = 65536\n",
        {},
        None,
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got 65536 (from {file})",
        id="port too high",
    ),
    pytest.param(
        "[server]\nport = true\n",
        {},
        None,
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got true (from {file})",
        id="port a boolean",
    ),
    pytest.param(
        None,
        {},
        {"server.port": -1},
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got -1 (from override)",
        id="port negative in an override",
    ),
    pytest.param(
        '[edge]\ntimezone = "Mars/Olympus"\n',
        {},
        None,
        "config key edge.timezone (env WAREHOUSE_EDGE_EDGE_TIMEZONE): "
        "expected an IANA time zone such as Asia/Shanghai, got 'Mars/Olympus' (from {file})",
        id="unknown time zone",
    ),
    pytest.param(
        '[stock]\nchannel_min_shelf_life_days = "jd:30"\n',
        {},
        None,
        "config key stock.channel_min_shelf_life_days (env WAREHOUSE_EDGE_STOCK_CHANNEL_MIN_SHELF_LIFE_DAYS): "
        "expected channel=days pairs separated by commas such as jd=30, tmall=60, or empty, "
        "got 'jd:30' (from {file})",
        id="channel shelf life not channel=days",
    ),
    pytest.param(
        '[edge]\nlanguage = "fr"\n',
        {},
        None,
        "config key edge.language (env WAREHOUSE_EDGE_EDGE_LANGUAGE): "
        "expected one of: en, zh, got 'fr' (from {file})",
        id="unsupported language",
    ),
    pytest.param(
        None,
        {"WAREHOUSE_EDGE_EDGE_ID": "Edge_1"},
        None,
        "config key edge.id (env WAREHOUSE_EDGE_EDGE_ID): expected 1 to 40 lower-case letters, "
        "digits or hyphens, not starting with a hyphen, got 'Edge_1' (from environment)",
        id="bad edge id",
    ),
    pytest.param(
        None,
        {"WAREHOUSE_EDGE_LOGGING_JSON": "maybe"},
        None,
        "config key logging.json (env WAREHOUSE_EDGE_LOGGING_JSON): "
        "expected true or false, got 'maybe' (from environment)",
        id="bool not true or false",
    ),
    pytest.param(
        '[logging]\nlevel = "verbose"\n',
        {},
        None,
        "config key logging.level (env WAREHOUSE_EDGE_LOGGING_LEVEL): "
        "expected one of: DEBUG, INFO, WARNING, ERROR, got 'verbose' (from {file})",
        id="unknown log level",
    ),
    pytest.param(
        '[packing]\ntyped_weight = "sometimes"\n',
        {},
        None,
        "config key packing.typed_weight (env WAREHOUSE_EDGE_PACKING_TYPED_WEIGHT): "
        "expected one of: allow, supervisor, never, got 'sometimes' (from {file})",
        id="typed weight rule unknown",
    ),
    pytest.param(
        '[packing]\nhandheld_printer = "zebra-9"\n',
        {},
        None,
        "config key packing.handheld_printer (env WAREHOUSE_EDGE_PACKING_HANDHELD_PRINTER): "
        "expected one of the printers (none configured), got 'zebra-9' (from {file})",
        id="handheld printer unknown",
    ),
    pytest.param(
        '[central]\nurl = "ftp://central"\n',
        {},
        None,
        "config key central.url (env WAREHOUSE_EDGE_CENTRAL_URL): expected an http:// or "
        "https:// URL such as https://central.example.com, or empty, got 'ftp://central' "
        "(from {file})",
        id="central url not http",
    ),
    pytest.param(
        '[returns]\nself_service_url = "central.example.com/returns"\n',
        {},
        None,
        "config key returns.self_service_url (env WAREHOUSE_EDGE_RETURNS_SELF_SERVICE_URL):"
        " expected an http:// or https:// URL such as https://central.example.com, or empty,"
        " got 'central.example.com/returns' (from {file})",
        id="self-service returns url not http",
    ),
    pytest.param(
        "[central]\nsync_interval_s = 0\n",
        {},
        None,
        "config key central.sync_interval_s (env WAREHOUSE_EDGE_CENTRAL_SYNC_INTERVAL_S): "
        "expected a number greater than 0, got 0 (from {file})",
        id="sync interval zero",
    ),
    pytest.param(
        "[retention]\noutbox_days = 4000\n",
        {},
        None,
        "config key retention.outbox_days (env WAREHOUSE_EDGE_RETENTION_OUTBOX_DAYS): "
        "expected an integer from 0 to 3650, got 4000 (from {file})",
        id="outbox retention too long",
    ),
    pytest.param(
        "",
        {"WAREHOUSE_EDGE_RETENTION_PRUNE_BATCH": "5"},
        None,
        "config key retention.prune_batch (env WAREHOUSE_EDGE_RETENTION_PRUNE_BATCH): "
        "expected an integer from 10 to 10000, got '5' (from environment)",
        id="prune batch too small",
    ),
    pytest.param(
        "[auth]\npin_hash_cost = 9\n",
        {},
        None,
        "config key auth.pin_hash_cost (env WAREHOUSE_EDGE_AUTH_PIN_HASH_COST): "
        "expected an integer from 10 to 20, got 9 (from {file})",
        id="pin hash cost too low",
    ),
    pytest.param(
        "[server]\nprot = 8080\n",
        {},
        None,
        "config key server.prot (env WAREHOUSE_EDGE_SERVER_PROT): expected one of the [server] "
        "keys (host, port, tls_cert, tls_key, public_url, max_body_bytes, request_timeout_s), got an unknown key (from {file})",
        id="unknown key in the file",
    ),
    pytest.param(
        "[sever]\nport = 8080\n",
        {},
        None,
        "config key sever (env WAREHOUSE_EDGE_SEVER): expected one of the sections (edge, "
        "server, store, stock, picking, auth, scans, central, packing, printing, carrier, returns, logging, kpi, report, notify, board, waves, retention), got an unknown section "
        "(from {file})",
        id="unknown section in the file",
    ),
    pytest.param(
        "port = 8080\n",
        {},
        None,
        "config key port (env WAREHOUSE_EDGE_PORT): expected one of the sections (edge, "
        "server, store, stock, picking, auth, scans, central, packing, printing, carrier, returns, logging, kpi, report, notify, board, waves, retention), got a key outside any section "
        "(from {file})",
        id="key outside any section",
    ),
    pytest.param(
        None,
        {"WAREHOUSE_EDGE_SERVER_PROT": "8080"},
        None,
        "config key server.prot (env WAREHOUSE_EDGE_SERVER_PROT): expected one of the [server] "
        "keys (host, port, tls_cert, tls_key, public_url, max_body_bytes, request_timeout_s), got an unknown key (from environment)",
        id="unknown key in the environment",
    ),
    pytest.param(
        None,
        {"WAREHOUSE_EDGE_SEVER_PORT": "8080"},
        None,
        "config key sever_port (env WAREHOUSE_EDGE_SEVER_PORT): expected one of the sections "
        "(edge, server, store, stock, picking, auth, scans, central, packing, printing, carrier, returns, logging, kpi, report, notify, board, waves, retention), got an unknown section "
        "(from environment)",
        id="unknown section in the environment",
    ),
    pytest.param(
        None,
        {},
        {"server.prot": 1},
        "config key server.prot (env WAREHOUSE_EDGE_SERVER_PROT): expected one of the [server] "
        "keys (host, port, tls_cert, tls_key, public_url, max_body_bytes, request_timeout_s), got an unknown key (from override)",
        id="unknown key in an override",
    ),
    pytest.param(
        '[server]\ntls_cert = "{dir}/cert.pem"\n',
        {},
        None,
        "config key server.tls_key (env WAREHOUSE_EDGE_SERVER_TLS_KEY): "
        "expected the private key file for server.tls_cert, got nothing",
        id="tls_cert without tls_key",
    ),
    pytest.param(
        '[server]\ntls_key = "{dir}/key.pem"\n',
        {},
        None,
        "config key server.tls_key (env WAREHOUSE_EDGE_SERVER_TLS_KEY): expected nothing "
        "unless server.tls_cert is set too, got '{dir}/key.pem' (from {file})",
        id="tls_key without tls_cert",
    ),
    pytest.param(
        '[server]\ntls_cert = "{dir}/missing.pem"\ntls_key = "{dir}/key.pem"\n',
        {},
        None,
        "config key server.tls_cert (env WAREHOUSE_EDGE_SERVER_TLS_CERT): "
        "expected an existing file, got '{dir}/missing.pem' (from {file})",
        id="tls_cert file missing",
    ),
    pytest.param(
        "[edge]\nid = 7\n",
        {},
        None,
        "config key edge.id (env WAREHOUSE_EDGE_EDGE_ID): expected 1 to 40 lower-case letters, "
        "digits or hyphens, not starting with a hyphen, got 7 (from {file})",
        id="edge id not a string",
    ),
]


@pytest.mark.parametrize(("toml", "env", "overrides", "message"), REFUSALS)
def test_a_wrong_setting_is_refused_in_one_line_naming_the_key(
    tmp_path, toml, env, overrides, message
):
    (tmp_path / "cert.pem").write_text("cert")
    (tmp_path / "key.pem").write_text("key")
    path = None if toml is None else _write(tmp_path, toml)

    with pytest.raises(ConfigError) as refused:
        load_settings(path, env=env, overrides=overrides)

    expected = message.replace("{file}", str(path)).replace("{dir}", str(tmp_path))
    assert str(refused.value) == expected


def test_a_refusal_carries_the_key_its_variable_what_was_expected_and_what_came(tmp_path):
    path = _write(tmp_path, '[server]\nport = "abc"\n')

    with pytest.raises(ConfigError) as refused:
        load_settings(path, env={})

    error = refused.value
    assert (error.key, error.env_var, error.expected, error.got, error.source) == (
        "server.port",
        "WAREHOUSE_EDGE_SERVER_PORT",
        "an integer from 0 to 65535",
        "'abc'",
        str(path),
    )


def test_a_missing_file_given_explicitly_is_refused_naming_the_path(tmp_path):
    path = tmp_path / "nowhere.toml"

    with pytest.raises(ConfigError) as refused:
        load_settings(path, env={})

    assert str(refused.value) == (
        f"config file {path}: expected a readable TOML file, got no such file or directory"
    )
    assert (refused.value.key, refused.value.source) == (None, str(path))


# The text after "at ...:" is tomllib's own and may change between Python versions.
@pytest.mark.parametrize(
    ("text", "line", "where"),
    [
        ("[edge]\nname = 'x'\n[server\nport = 1\n", 3, "column 8"),
        ("[edge]\nid = \n", 2, "column 6"),
        ("[server]\nport = 1\n[server]\nhost = 'x'\n", 3, "column 8"),
        ("[edge]\nname = 'x\n", 2, "the end of the file"),
    ],
)
def test_a_toml_syntax_error_names_the_file_and_the_line(tmp_path, text, line, where):
    path = _write(tmp_path, text)

    with pytest.raises(ConfigError) as refused:
        load_settings(path, env={})

    head = f"config file {path}, line {line}: expected valid TOML, got a syntax error at {where}: "
    assert str(refused.value).startswith(head)
    assert "\n" not in str(refused.value)
    assert (refused.value.key, refused.value.line) == (None, line)


def test_the_example_file_holds_exactly_the_defaults():
    settings = load_settings(EXAMPLE, env={})

    assert settings == load_settings(env={})


def test_every_key_is_in_the_example_file_with_its_default_under_a_comment():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    section, found = "", {}
    for before, line in zip(["", *lines], lines, strict=False):
        if line.startswith("["):
            section = line.strip("[]")
        elif line and not line.startswith("#"):
            name, _, default = line.partition(" = ")
            found[f"{section}.{name}"] = (default, before.startswith("# "))

    described = {
        key: (default, True) for key, _var, default, _text in describe_keys() if "." in key
    }

    assert found == described


def test_describe_keys_lists_each_key_with_its_variable_default_and_description():
    keys = describe_keys()

    table = {key: (var, default) for key, var, default, _text in keys}
    assert len(keys) == len(table) == 136
    assert table["server.port"] == ("WAREHOUSE_EDGE_SERVER_PORT", "8080")
    assert table["stations"] == ("WAREHOUSE_EDGE_STATIONS", "[]")
    assert table["scanners"] == ("WAREHOUSE_EDGE_SCANNERS", "[]")
    assert table["printers"] == ("WAREHOUSE_EDGE_PRINTERS", "[]")
    assert table["edge.data_dir"] == ("WAREHOUSE_EDGE_EDGE_DATA_DIR", '"./data"')
    assert table["server.tls_cert"] == ("WAREHOUSE_EDGE_SERVER_TLS_CERT", '""')
    assert table["logging.json"] == ("WAREHOUSE_EDGE_LOGGING_JSON", "false")
    assert all(text for *_, text in keys)


# Stations and scanners: lists of tables, each given whole by the file, the environment or overrides.

STATIONS = (
    '[[stations]]\nname = "BENCH-1"\ntype = "pack_bench"\nlocation = "BENCH-1"\n'
    '[[stations]]\nname = "RETURNS-1"\ntype = "returns_desk"\n'
)
SERIAL = (
    '[[scanners]]\nname = "bench1"\nkind = "serial"\nstation = "BENCH-1"\npath = "/dev/ttyACM0"\n'
)
SCANNERS_VAR = "WAREHOUSE_EDGE_SCANNERS"
DEVICES_TOML = (
    STATIONS
    + """
[[scanners]]
name = "bench1-scanner"
kind = "serial"
station = "BENCH-1"
path = "/dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900_17123B4F1A-if00"
baud = 115200
parity = "e"
bytesize = 7
stopbits = 1.5
terminator = "crlf"
prefix = "]"
suffix = "#"
max_length = 512

[[scanners]]
name = "returns-hid"
kind = "hid"
station = "RETURNS-1"
path = "/dev/input/by-id/usb-Datalogic_Scanner-event-kbd"
layout = "de"

[[scanners]]
name = "dock-tcp"
kind = "tcp-client"
station = "BENCH-1"
host = "10.0.8.21"
port = 51236

[[scanners]]
name = "returns_listen"
kind = "tcp-listen"
station = "RETURNS-1"
host = "0.0.0.0"
port = 9004
terminator = "etx"
"""
)


def _scanner(**keys: object) -> ScannerSettings:
    return ScannerSettings(**{"name": "s1", "kind": "serial", "station": "BENCH-1", **keys})


def _commented_devices() -> str:
    """The example file's commented-out [[stations]] and [[scanners]] blocks, uncommented."""
    text = EXAMPLE.read_text(encoding="utf-8")
    blocks = text[text.index("# [[stations]]") :]
    return "\n".join(line.removeprefix("# ") for line in blocks.splitlines())


def test_no_stations_and_no_scanners_are_configured_by_default():
    settings = load_settings(env={})

    assert (settings.stations, settings.scanners) == ((), ())


def test_stations_and_a_scanner_of_every_kind_load_from_the_file(tmp_path):
    path = _write(tmp_path, DEVICES_TOML)

    settings = load_settings(path, env={})

    assert settings.stations == (
        StationSettings(name="BENCH-1", type="pack_bench", location="BENCH-1"),
        StationSettings(name="RETURNS-1", type="returns_desk", location=""),
    )
    assert settings.scanners == (
        ScannerSettings(
            name="bench1-scanner",
            kind="serial",
            station="BENCH-1",
            path="/dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900_17123B4F1A-if00",
            baud=115200,
            parity="E",
            bytesize=7,
            stopbits=1.5,
            terminator="crlf",
            prefix="]",
            suffix="#",
            max_length=512,
        ),
        _scanner(
            name="returns-hid",
            kind="hid",
            station="RETURNS-1",
            path="/dev/input/by-id/usb-Datalogic_Scanner-event-kbd",
            layout="de",
        ),
        _scanner(name="dock-tcp", kind="tcp-client", host="10.0.8.21", port=51236),
        _scanner(
            name="returns_listen",
            kind="tcp-listen",
            station="RETURNS-1",
            host="0.0.0.0",
            port=9004,
            terminator="etx",
        ),
    )


def test_the_example_files_commented_station_and_scanner_load_once_uncommented(tmp_path):
    path = _write(tmp_path, _commented_devices())

    settings = load_settings(path, env={})

    assert settings.stations == (
        StationSettings(name="BENCH-1", type="pack_bench", location="BENCH-1"),
    )
    assert settings.scanners == (
        ScannerSettings(
            name="bench1-scanner",
            kind="serial",
            station="BENCH-1",
            path="/dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900_17123B4F1A-if00",
        ),
    )


def test_the_example_files_commented_blocks_show_every_station_and_scanner_key():
    lines = _commented_devices().splitlines()
    found: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("[["):
            found[line.strip("[]")] = []
        elif line:
            found[list(found)[-1]].append(line.partition(" = ")[0])

    assert found == {
        "stations": list(StationSettings.model_fields),
        "scanners": list(ScannerSettings.model_fields),
        "printers": list(PrinterSettings.model_fields),
        "scales": list(ScaleSettings.model_fields),
        "packages": list(PackageSettings.model_fields),
        "webhooks": list(WebhookSettings.model_fields),
    }


def test_the_environment_replaces_a_whole_list_with_json(tmp_path):
    path = _write(tmp_path, STATIONS + SERIAL)
    env = {
        "WAREHOUSE_EDGE_STATIONS": '[{"name": "DOCK-1", "type": "dock"}]',
        SCANNERS_VAR: '[{"name": "dock", "kind": "tcp-listen", "station": "DOCK-1",'
        ' "host": "127.0.0.1", "port": 9004, "stopbits": 2}]',
    }

    settings = load_settings(path, env=env)

    assert settings.stations == (StationSettings(name="DOCK-1", type="dock"),)
    assert settings.scanners == (
        _scanner(
            name="dock",
            kind="tcp-listen",
            station="DOCK-1",
            host="127.0.0.1",
            port=9004,
            stopbits=2,
        ),
    )


@pytest.mark.parametrize("text", ["", "  ", "[]"])
def test_an_empty_list_in_the_environment_removes_the_files_scanners(tmp_path, text):
    path = _write(tmp_path, STATIONS + SERIAL)

    settings = load_settings(path, env={SCANNERS_VAR: text})

    assert (len(settings.stations), settings.scanners) == (2, ())


def test_an_override_gives_a_whole_list_as_dicts_or_models():
    station = StationSettings(name="DEMO-BENCH", type="pack_bench")
    scanner = {"name": "demo", "kind": "serial", "station": "DEMO-BENCH", "path": "/dev/pts/7"}

    settings = load_settings(env={}, overrides={"stations": [station], "scanners": [scanner]})

    assert settings.stations == (station,)
    assert settings.scanners == (_scanner(name="demo", station="DEMO-BENCH", path="/dev/pts/7"),)


def test_the_choices_are_those_the_adapters_accept():
    fields = ScannerSettings.model_fields

    assert get_args(fields["kind"].annotation) == KINDS
    assert set(get_args(fields["terminator"].annotation)) == set(TERMINATORS)
    assert set(get_args(fields["layout"].annotation)) == set(LAYOUTS)
    assert get_args(fields["parity"].annotation) == serial.Serial.PARITIES
    assert set(STANDARD_BAUDS) <= set(serial.Serial.BAUDRATES)


@pytest.mark.parametrize(
    ("keys", "config"),
    [
        (
            {
                "kind": "serial",
                "path": "/dev/ttyACM0",
                "baud": 19200,
                "parity": "O",
                "bytesize": 7,
                "stopbits": 2,
                "terminator": "crlf",
                "prefix": "]",
                "suffix": "#",
                "max_length": 64,
            },
            ScannerConfig(
                "s1",
                kind="serial",
                path="/dev/ttyACM0",
                baud=19200,
                parity="O",
                bytesize=7,
                stopbits=2,
                terminator="crlf",
                prefix="]",
                suffix="#",
                max_length=64,
                station="BENCH-1",
            ),
        ),
        (
            {"kind": "hid", "path": "/dev/input/event5", "layout": "de", "terminator": "tab"},
            ScannerConfig(
                "s1",
                kind="hid",
                path="/dev/input/event5",
                layout="de",
                terminator="tab",
                station="BENCH-1",
            ),
        ),
        (
            {"kind": "tcp-client", "host": "scanner-7.lan", "port": 51236},
            ScannerConfig(
                "s1",
                kind="tcp-client",
                host="scanner-7.lan",
                port=51236,
                terminator="cr",
                station="BENCH-1",
            ),
        ),
        (
            {"kind": "tcp-listen", "host": "0.0.0.0", "port": 9004, "terminator": "etx"},
            ScannerConfig(
                "s1",
                kind="tcp-listen",
                host="0.0.0.0",
                port=9004,
                terminator="etx",
                station="BENCH-1",
            ),
        ),
    ],
    ids=["serial", "hid", "tcp-client", "tcp-listen"],
)
def test_adapter_config_gives_the_adapter_every_setting(keys, config):
    scanner = _scanner(**keys)

    result = scanner.adapter_config()

    assert result == config
    assert result.framer().terminator == TERMINATORS[scanner.terminator]


# (file text, env, the exact message; {file} is filled in). A text starting with [[scanners]]
# comes after STATIONS.
LIST_REFUSALS = [
    pytest.param(
        '[[stations]]\nname = "bench-1"\ntype = "pack_bench"\n',
        {},
        "config key stations[0].name (env WAREHOUSE_EDGE_STATIONS): expected 1 to 32 upper-case "
        "letters, digits, hyphens or underscores, starting with a letter or digit, "
        "got 'bench-1' (from {file})",
        id="station name in lower case",
    ),
    pytest.param(
        '[[stations]]\nname = "BENCH-1"\ntype = "bench"\n',
        {},
        "config key stations[0].type (env WAREHOUSE_EDGE_STATIONS): expected one of: "
        "pack_bench, returns_desk, dock, pick_station, got 'bench' (from {file})",
        id="unknown station type",
    ),
    pytest.param(
        '[[stations]]\ntype = "dock"\n',
        {},
        "config key stations[0].name (env WAREHOUSE_EDGE_STATIONS): expected 1 to 32 upper-case "
        "letters, digits, hyphens or underscores, starting with a letter or digit, "
        "got nothing (from {file})",
        id="station without a name",
    ),
    pytest.param(
        '[[stations]]\nname = "BENCH-1"\ntype = "dock"\nzone = "A"\n',
        {},
        "config key stations[0].zone (env WAREHOUSE_EDGE_STATIONS): expected one of the "
        "[[stations]] keys (name, type, location), got an unknown key (from {file})",
        id="unknown key in a station",
    ),
    pytest.param(
        STATIONS + '[[stations]]\nname = "BENCH-1"\ntype = "dock"\n',
        {},
        "config key stations[2].name (env WAREHOUSE_EDGE_STATIONS): "
        "expected a name not used by stations[0], got 'BENCH-1' (from {file})",
        id="two stations of one name",
    ),
    pytest.param(
        '[[stations]]\nname = "BENCH-1"\ntype = "dock"\nlocation = 7\n',
        {},
        "config key stations[0].location (env WAREHOUSE_EDGE_STATIONS): "
        "expected a quoted string, got 7 (from {file})",
        id="station location not a string",
    ),
    pytest.param(
        SERIAL + 'serial_port = "/dev/ttyS0"\n',
        {},
        "config key scanners[0].serial_port (env WAREHOUSE_EDGE_SCANNERS): expected one of the "
        "[[scanners]] keys (name, kind, station, path, host, port, baud, parity, bytesize, "
        "stopbits, terminator, prefix, suffix, max_length, layout), got an unknown key "
        "(from {file})",
        id="unknown key in a scanner",
    ),
    pytest.param(
        '[[scanners]]\nname = "Bench 1"\nkind = "serial"\n',
        {},
        "config key scanners[0].name (env WAREHOUSE_EDGE_SCANNERS): expected 1 to 40 lower-case "
        "letters, digits, hyphens or underscores, starting with a letter or digit, "
        "got 'Bench 1' (from {file})",
        id="scanner name with a space",
    ),
    pytest.param(
        '[[scanners]]\nname = "bench1"\nstation = "BENCH-1"\npath = "/dev/ttyACM0"\n',
        {},
        "config key scanners[0].kind (env WAREHOUSE_EDGE_SCANNERS): expected one of: "
        "serial, tcp-client, tcp-listen, hid, got nothing (from {file})",
        id="scanner without a kind",
    ),
    pytest.param(
        '[[scanners]]\nname = "bench1"\nkind = "usb"\nstation = "BENCH-1"\n',
        {},
        "config key scanners[0].kind (env WAREHOUSE_EDGE_SCANNERS): expected one of: "
        "serial, tcp-client, tcp-listen, hid, got 'usb' (from {file})",
        id="unknown kind",
    ),
    pytest.param(
        '[[scanners]]\nname = "bench1"\nkind = "serial"\npath = "/dev/ttyACM0"\n',
        {},
        "config key scanners[0].station (env WAREHOUSE_EDGE_SCANNERS): "
        "expected the name of a station, got nothing (from {file})",
        id="scanner without a station",
    ),
    pytest.param(
        '[[scanners]]\nname = "bench1"\nkind = "serial"\nstation = "BENCH-1"\n',
        {},
        "config key scanners[0].path (env WAREHOUSE_EDGE_SCANNERS): expected the serial port "
        "of a serial scanner, best a /dev/serial/by-id/... path, got nothing (from {file})",
        id="serial scanner without a path",
    ),
    pytest.param(
        '[[scanners]]\nname = "bench1"\nkind = "hid"\nstation = "BENCH-1"\npath = ""\n',
        {},
        "config key scanners[0].path (env WAREHOUSE_EDGE_SCANNERS): expected the input device "
        "of a hid scanner, best a /dev/input/by-id/... path, got '' (from {file})",
        id="hid scanner with an empty path",
    ),
    pytest.param(
        '[[scanners]]\nname = "dock"\nkind = "tcp-client"\nstation = "BENCH-1"\nport = 51236\n',
        {},
        "config key scanners[0].host (env WAREHOUSE_EDGE_SCANNERS): expected the host name or "
        "IP address of a tcp-client scanner, got nothing (from {file})",
        id="tcp-client scanner without a host",
    ),
    pytest.param(
        '[[scanners]]\nname = "dock"\nkind = "tcp-client"\nstation = "BENCH-1"\n'
        'host = "10.0.8.21"\n',
        {},
        "config key scanners[0].port (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a TCP port from 1 to 65535, got nothing (from {file})",
        id="tcp-client scanner without a port",
    ),
    pytest.param(
        '[[scanners]]\nname = "dock"\nkind = "tcp-listen"\nstation = "BENCH-1"\n'
        'host = "0.0.0.0"\nport = 65536\n',
        {},
        "config key scanners[0].port (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a TCP port from 1 to 65535, got 65536 (from {file})",
        id="tcp port too high",
    ),
    pytest.param(
        '[[scanners]]\nname = "dock"\nkind = "tcp-listen"\nstation = "BENCH-1"\n'
        'host = "edge.local"\nport = 9004\n',
        {},
        "config key scanners[0].host (env WAREHOUSE_EDGE_SCANNERS): expected an IP address of "
        "this machine to listen on, 0.0.0.0 (all) or 127.0.0.1, got 'edge.local' (from {file})",
        id="tcp-listen on a host name",
    ),
    pytest.param(
        SERIAL + 'host = "10.0.8.21"\n',
        {},
        "config key scanners[0].host (env WAREHOUSE_EDGE_SCANNERS): expected nothing for a "
        "serial scanner (host is for tcp-client and tcp-listen), got '10.0.8.21' (from {file})",
        id="serial scanner with a host",
    ),
    pytest.param(
        '[[scanners]]\nname = "dock"\nkind = "tcp-client"\nstation = "BENCH-1"\n'
        'path = "/dev/ttyACM0"\nhost = "10.0.8.21"\nport = 51236\n',
        {},
        "config key scanners[0].path (env WAREHOUSE_EDGE_SCANNERS): expected nothing for a "
        "tcp-client scanner (path is for serial and hid), got '/dev/ttyACM0' (from {file})",
        id="tcp scanner with a path",
    ),
    pytest.param(
        SERIAL + "baud = 9601\n",
        {},
        "config key scanners[0].baud (env WAREHOUSE_EDGE_SCANNERS): expected one of the "
        "standard rates 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, "
        "921600, got 9601 (from {file})",
        id="baud not a standard rate",
    ),
    pytest.param(
        SERIAL + 'parity = "X"\n',
        {},
        "config key scanners[0].parity (env WAREHOUSE_EDGE_SCANNERS): "
        "expected one of: N, E, O, M, S, got 'X' (from {file})",
        id="unknown parity",
    ),
    pytest.param(
        SERIAL + "bytesize = 9\n",
        {},
        "config key scanners[0].bytesize (env WAREHOUSE_EDGE_SCANNERS): "
        "expected an integer from 5 to 8, got 9 (from {file})",
        id="bytesize too big",
    ),
    pytest.param(
        SERIAL + "stopbits = 3\n",
        {},
        "config key scanners[0].stopbits (env WAREHOUSE_EDGE_SCANNERS): "
        "expected 1, 1.5 or 2, got 3 (from {file})",
        id="three stop bits",
    ),
    pytest.param(
        SERIAL + 'terminator = "\\r"\n',
        {},
        "config key scanners[0].terminator (env WAREHOUSE_EDGE_SCANNERS): "
        "expected one of: cr, lf, crlf, tab, etx, got '\\r' (from {file})",
        id="terminator as the character, not its name",
    ),
    pytest.param(
        SERIAL + "max_length = 8\n",
        {},
        "config key scanners[0].max_length (env WAREHOUSE_EDGE_SCANNERS): "
        "expected an integer from 16 to 4096, got 8 (from {file})",
        id="max_length too short",
    ),
    pytest.param(
        SERIAL + 'layout = "fr"\n',
        {},
        "config key scanners[0].layout (env WAREHOUSE_EDGE_SCANNERS): "
        "expected one of: us, de, got 'fr' (from {file})",
        id="unknown layout",
    ),
    pytest.param(
        SERIAL + "prefix = true\n",
        {},
        "config key scanners[0].prefix (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a quoted string, got true (from {file})",
        id="prefix a boolean",
    ),
    pytest.param(
        SERIAL + SERIAL.replace("bench1", "bench2").replace("BENCH-1", "BENCH-9"),
        {},
        "config key scanners[1].station (env WAREHOUSE_EDGE_SCANNERS): expected one of the "
        "stations (BENCH-1, RETURNS-1), got 'BENCH-9' (from {file})",
        id="scanner at an unknown station",
    ),
    pytest.param(
        SERIAL,
        {"WAREHOUSE_EDGE_STATIONS": ""},
        "config key scanners[0].station (env WAREHOUSE_EDGE_SCANNERS): expected one of the "
        "stations (none configured), got 'BENCH-1' (from {file})",
        id="scanner with no stations configured",
    ),
    pytest.param(
        SERIAL + SERIAL.replace("ttyACM0", "ttyACM1"),
        {},
        "config key scanners[1].name (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a name not used by scanners[0], got 'bench1' (from {file})",
        id="two scanners of one name",
    ),
    pytest.param(
        SERIAL + SERIAL.replace("bench1", "bench2"),
        {},
        "config key scanners[1].path (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a path not used by scanners[0], got '/dev/ttyACM0' (from {file})",
        id="two scanners on one port",
    ),
    pytest.param(
        '[[scanners]]\nname = "a"\nkind = "tcp-listen"\nstation = "BENCH-1"\nhost = "0.0.0.0"\n'
        'port = 9004\n[[scanners]]\nname = "b"\nkind = "tcp-listen"\nstation = "RETURNS-1"\n'
        'host = "127.0.0.1"\nport = 9004\n',
        {},
        "config key scanners[1].port (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a port not used by scanners[0], got 9004 (from {file})",
        id="two listeners on one port",
    ),
    pytest.param(
        'scanners = "x"\n',
        {},
        "config key scanners (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a list of [[scanners]] tables, got 'x' (from {file})",
        id="scanners a string",
    ),
    pytest.param(
        '[scanners]\nname = "bench1"\n',
        {},
        "config key scanners (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a list of [[scanners]] tables, got a single [scanners] table (from {file})",
        id="one bracket instead of two",
    ),
    pytest.param(
        "stations = [1]\n",
        {},
        "config key stations[0] (env WAREHOUSE_EDGE_STATIONS): "
        "expected a [[stations]] table, got 1 (from {file})",
        id="a list item not a table",
    ),
    pytest.param(
        '[[scaners]]\nname = "bench1"\n',
        {},
        "config key scaners (env WAREHOUSE_EDGE_SCANERS): expected one of the lists "
        "([[stations]], [[scanners]], [[printers]], [[scales]], [[packages]], [[webhooks]]), got an unknown list of tables (from {file})",
        id="unknown list of tables",
    ),
    pytest.param(
        "",
        {SCANNERS_VAR: '[{"name": "bench1",}]'},
        "config key scanners (env WAREHOUSE_EDGE_SCANNERS): expected a JSON array of "
        "[[scanners]] tables, got invalid JSON: Expecting property name enclosed in double "
        "quotes: line 1 column 20 (char 19) (from environment)",
        id="json not valid",
    ),
    pytest.param(
        "",
        {SCANNERS_VAR: '{"name": "bench1"}'},
        "config key scanners (env WAREHOUSE_EDGE_SCANNERS): expected a list of [[scanners]] "
        "tables, got a single [scanners] table (from environment)",
        id="json object instead of an array",
    ),
    pytest.param(
        "",
        {
            SCANNERS_VAR: '[{"name": "bench1", "kind": "serial", "station": "BENCH-1", '
            '"path": "/dev/ttyACM0", "baud": "fast"}]'
        },
        "config key scanners[0].baud (env WAREHOUSE_EDGE_SCANNERS): expected one of the "
        "standard rates 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, "
        "921600, got 'fast' (from environment)",
        id="json item with a wrong value",
    ),
    pytest.param(
        "",
        {
            SCANNERS_VAR: '[{"name": "bench1", "kind": "serial", "station": "BENCH-1", '
            '"path": null}]'
        },
        "config key scanners[0].path (env WAREHOUSE_EDGE_SCANNERS): "
        "expected a quoted string, got null (from environment)",
        id="json null for a key",
    ),
    pytest.param(
        "",
        {"WAREHOUSE_EDGE_SCANNERS_0_PATH": "/dev/ttyACM1"},
        "config key scanners_0_path (env WAREHOUSE_EDGE_SCANNERS_0_PATH): expected the whole "
        "list as JSON in WAREHOUSE_EDGE_SCANNERS (keys of list items are not set one by one), "
        "got a key of a list item (from environment)",
        id="one key of a list item in the environment",
    ),
]


@pytest.mark.parametrize(("toml", "env", "message"), LIST_REFUSALS)
def test_a_wrong_station_or_scanner_is_refused_naming_its_index_and_key(
    tmp_path, toml, env, message
):
    text = STATIONS + toml if toml.startswith("[[scanners]]") else toml
    path = _write(tmp_path, text)

    with pytest.raises(ConfigError) as refused:
        load_settings(path, env=env)

    assert str(refused.value) == message.replace("{file}", str(path))


def test_a_wrong_list_in_an_override_is_refused_naming_the_override():
    scanner = {"name": "demo", "kind": "serial", "station": "DEMO", "path": "/dev/pts/7"}

    with pytest.raises(ConfigError) as refused:
        load_settings(env={}, overrides={"scanners": [scanner]})

    assert str(refused.value) == (
        "config key scanners[0].station (env WAREHOUSE_EDGE_SCANNERS): expected one of the "
        "stations (none configured), got 'DEMO' (from override)"
    )


def test_a_central_url_without_a_token_is_refused_naming_the_token_keys():
    with pytest.raises(ConfigError) as refused:
        load_settings(env={"WAREHOUSE_EDGE_CENTRAL_URL": "https://central.example.com"})

    assert str(refused.value) == (
        "config key central.edge_token_file (env WAREHOUSE_EDGE_CENTRAL_EDGE_TOKEN_FILE): expected"
        " the file holding this edge's token (or central.token) when central.url is set, got nothing"
    )


def test_the_edge_refuses_a_bad_key_at_start_up_in_english_and_chinese(tmp_path: Path) -> None:
    """Like the catalogue's refusals: the key, its variable and what it expects, in both."""
    config = tmp_path / "edge.toml"
    config.write_text('[server]\nport = "high"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAREHOUSE_EDGE_")}
    cmd = [str(venv_script("warehouse-edge")), "serve", "--config", str(config)]

    bad_key = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    config.write_text("[server\n", encoding="utf-8")
    bad_file = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)

    assert (bad_key.returncode, bad_key.stderr.splitlines()) == (
        2,
        [
            "error: config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): expected an integer"
            f" from 0 to 65535, got 'high' (from {config})",
            "  配置项 server.port（环境变量 WAREHOUSE_EDGE_SERVER_PORT）的值不可用：应为 an integer"
            f" from 0 to 65535，实为 'high'（来自 {config}）。请改正后重新启动。",
        ],
    )
    assert bad_file.returncode == 2
    assert bad_file.stderr.splitlines()[1].startswith(f"  配置文件 {config}，第 1 行 不可用：应为 ")


def test_a_key_set_in_the_environment_says_so_in_chinese_too() -> None:
    refused = ConfigError("server.port", expected="an integer", got="'x'", source="environment")

    assert refused.message("zh").endswith("实为 'x'（来自 环境变量）。请改正后重新启动。")
    assert str(refused) == refused.message("en")
