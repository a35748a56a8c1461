"""Settings: defaults, the TOML file, environment variables, overrides, and every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import (
    ConfigError,
    Settings,
    describe_keys,
    load_settings,
    parse_env_value,
)

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
        '[central]\nurl = "https://central.example.com"\nsync_interval_s = 0.5\n'
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
        '[server]\nport = "abc"\n', {}, None,
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got 'abc' (from {file})",
        id="port not a number in the file",
    ),
    pytest.param(
        None, {"WAREHOUSE_EDGE_SERVER_PORT": "abc"}, None,
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got 'abc' (from environment)",
        id="port not a number in the environment",
    ),
    pytest.param(
        "[server]\nport = 65536\n", {}, None,
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got 65536 (from {file})",
        id="port too high",
    ),
    pytest.param(
        "[server]\nport = true\n", {}, None,
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got true (from {file})",
        id="port a boolean",
    ),
    pytest.param(
        None, {}, {"server.port": -1},
        "config key server.port (env WAREHOUSE_EDGE_SERVER_PORT): "
        "expected an integer from 0 to 65535, got -1 (from override)",
        id="port negative in an override",
    ),
    pytest.param(
        '[edge]\ntimezone = "Mars/Olympus"\n', {}, None,
        "config key edge.timezone (env WAREHOUSE_EDGE_EDGE_TIMEZONE): "
        "expected an IANA time zone such as Asia/Shanghai, got 'Mars/Olympus' (from {file})",
        id="unknown time zone",
    ),
    pytest.param(
        '[edge]\nlanguage = "fr"\n', {}, None,
        "config key edge.language (env WAREHOUSE_EDGE_EDGE_LANGUAGE): "
        "expected one of: en, zh, got 'fr' (from {file})",
        id="unsupported language",
    ),
    pytest.param(
        None, {"WAREHOUSE_EDGE_EDGE_ID": "Edge_1"}, None,
        "config key edge.id (env WAREHOUSE_EDGE_EDGE_ID): expected 1 to 40 lower-case letters, "
        "digits or hyphens, not starting with a hyphen, got 'Edge_1' (from environment)",
        id="bad edge id",
    ),
    pytest.param(
        None, {"WAREHOUSE_EDGE_LOGGING_JSON": "maybe"}, None,
        "config key logging.json (env WAREHOUSE_EDGE_LOGGING_JSON): "
        "expected true or false, got 'maybe' (from environment)",
        id="bool not true or false",
    ),
    pytest.param(
        '[logging]\nlevel = "verbose"\n', {}, None,
        "config key logging.level (env WAREHOUSE_EDGE_LOGGING_LEVEL): "
        "expected one of: DEBUG, INFO, WARNING, ERROR, got 'verbose' (from {file})",
        id="unknown log level",
    ),
    pytest.param(
        '[central]\nurl = "ftp://central"\n', {}, None,
        "config key central.url (env WAREHOUSE_EDGE_CENTRAL_URL): expected an http:// or "
        "https:// URL such as https://central.example.com, or empty, got 'ftp://central' "
        "(from {file})",
        id="central url not http",
    ),
    pytest.param(
        "[central]\nsync_interval_s = 0\n", {}, None,
        "config key central.sync_interval_s (env WAREHOUSE_EDGE_CENTRAL_SYNC_INTERVAL_S): "
        "expected a number greater than 0, got 0 (from {file})",
        id="sync interval zero",
    ),
    pytest.param(
        "[auth]\npin_hash_cost = 9\n", {}, None,
        "config key auth.pin_hash_cost (env WAREHOUSE_EDGE_AUTH_PIN_HASH_COST): "
        "expected an integer from 10 to 20, got 9 (from {file})",
        id="pin hash cost too low",
    ),
    pytest.param(
        "[server]\nprot = 8080\n", {}, None,
        "config key server.prot (env WAREHOUSE_EDGE_SERVER_PROT): expected one of the [server] "
        "keys (host, port, tls_cert, tls_key, public_url), got an unknown key (from {file})",
        id="unknown key in the file",
    ),
    pytest.param(
        "[sever]\nport = 8080\n", {}, None,
        "config key sever (env WAREHOUSE_EDGE_SEVER): expected one of the sections (edge, "
        "server, store, stock, picking, auth, scans, central, logging), got an unknown section "
        "(from {file})",
        id="unknown section in the file",
    ),
    pytest.param(
        "port = 8080\n", {}, None,
        "config key port (env WAREHOUSE_EDGE_PORT): expected one of the sections (edge, "
        "server, store, stock, picking, auth, scans, central, logging), got a key outside any section "
        "(from {file})",
        id="key outside any section",
    ),
    pytest.param(
        None, {"WAREHOUSE_EDGE_SERVER_PROT": "8080"}, None,
        "config key server.prot (env WAREHOUSE_EDGE_SERVER_PROT): expected one of the [server] "
        "keys (host, port, tls_cert, tls_key, public_url), got an unknown key (from environment)",
        id="unknown key in the environment",
    ),
    pytest.param(
        None, {"WAREHOUSE_EDGE_SEVER_PORT": "8080"}, None,
        "config key sever_port (env WAREHOUSE_EDGE_SEVER_PORT): expected one of the sections "
        "(edge, server, store, stock, picking, auth, scans, central, logging), got an unknown section "
        "(from environment)",
        id="unknown section in the environment",
    ),
    pytest.param(
        None, {}, {"server.prot": 1},
        "config key server.prot (env WAREHOUSE_EDGE_SERVER_PROT): expected one of the [server] "
        "keys (host, port, tls_cert, tls_key, public_url), got an unknown key (from override)",
        id="unknown key in an override",
    ),
    pytest.param(
        '[server]\ntls_cert = "{dir}/cert.pem"\n', {}, None,
        "config key server.tls_key (env WAREHOUSE_EDGE_SERVER_TLS_KEY): "
        "expected the private key file for server.tls_cert, got nothing",
        id="tls_cert without tls_key",
    ),
    pytest.param(
        '[server]\ntls_key = "{dir}/key.pem"\n', {}, None,
        "config key server.tls_key (env WAREHOUSE_EDGE_SERVER_TLS_KEY): expected nothing "
        "unless server.tls_cert is set too, got '{dir}/key.pem' (from {file})",
        id="tls_key without tls_cert",
    ),
    pytest.param(
        '[server]\ntls_cert = "{dir}/missing.pem"\ntls_key = "{dir}/key.pem"\n', {}, None,
        "config key server.tls_cert (env WAREHOUSE_EDGE_SERVER_TLS_CERT): "
        "expected an existing file, got '{dir}/missing.pem' (from {file})",
        id="tls_cert file missing",
    ),
    pytest.param(
        '[edge]\nid = 7\n', {}, None,
        "config key edge.id (env WAREHOUSE_EDGE_EDGE_ID): expected 1 to 40 lower-case letters, "
        "digits or hyphens, not starting with a hyphen, got 7 (from {file})",
        id="edge id not a string",
    ),
]  # fmt: skip


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

    described = {key: (default, True) for key, _var, default, _text in describe_keys()}

    assert found == described


def test_describe_keys_lists_each_key_with_its_variable_default_and_description():
    keys = describe_keys()

    table = {key: (var, default) for key, var, default, _text in keys}
    assert len(keys) == len(table) == 35
    assert table["server.port"] == ("WAREHOUSE_EDGE_SERVER_PORT", "8080")
    assert table["edge.data_dir"] == ("WAREHOUSE_EDGE_EDGE_DATA_DIR", '"./data"')
    assert table["server.tls_cert"] == ("WAREHOUSE_EDGE_SERVER_TLS_CERT", '""')
    assert table["logging.json"] == ("WAREHOUSE_EDGE_LOGGING_JSON", "false")
    assert all(text for *_, text in keys)
