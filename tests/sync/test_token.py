"""The edge's token for central: from the config, or from a file; a missing one names the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from central_sync.agent.agent import load_token
from edge.config import ConfigError, load_settings


def central(tmp_path: Path, **keys: object) -> object:
    overrides = {"edge.data_dir": tmp_path, "central.url": "http://127.0.0.1:9"}
    return load_settings(
        env={}, overrides=overrides | {f"central.{k}": v for k, v in keys.items()}
    ).central


def test_the_token_in_the_config_is_used_as_given(tmp_path: Path) -> None:
    assert load_token(central(tmp_path, token="abc")) == "abc"


def test_the_token_file_is_read_without_its_line_end(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("s3cret\n", encoding="utf-8")

    assert load_token(central(tmp_path, edge_token_file=tmp_path / "token")) == "s3cret"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        # refused as the settings load, before any agent starts
        (
            None,
            "config key central.edge_token_file (env WAREHOUSE_EDGE_CENTRAL_EDGE_TOKEN_FILE): "
            "expected the file holding this edge's token (or central.token) when central.url "
            "is set, got nothing",
        ),
        (
            "",
            "config key central.edge_token_file (env WAREHOUSE_EDGE_CENTRAL_EDGE_TOKEN_FILE): "
            "expected a file holding the token, got {path} (empty)",
        ),
        (
            "missing",
            "config key central.edge_token_file (env WAREHOUSE_EDGE_CENTRAL_EDGE_TOKEN_FILE): "
            "expected a readable file holding the token, got {path} (No such file or directory)",
        ),
    ],
    ids=["neither", "empty file", "missing file"],
)
def test_no_usable_token_is_refused_naming_the_key(
    tmp_path: Path, make: str | None, message: str
) -> None:
    path = tmp_path / "token"
    if make == "":
        path.write_text("\n", encoding="utf-8")
    keys = {} if make is None else {"edge_token_file": path}

    with pytest.raises(ConfigError) as refused:
        load_token(central(tmp_path, **keys))

    assert str(refused.value) == message.format(path=path)
