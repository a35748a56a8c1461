"""Every `warehouse-edge` command and group explains itself, and README.md names the commands."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from tests.docs_reference import walk

README = Path(__file__).resolve().parents[1] / "README.md"


COMMANDS = list(walk(cli))
IDS = [" ".join(("warehouse-edge", *path)) for path, _ in COMMANDS]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_has_a_help_text(path: tuple[str, ...], command: click.Command) -> None:
    text = (command.help or command.short_help or "").strip()

    assert text, f"warehouse-edge {' '.join(path)} has no help text"


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=IDS)
def test_help_of_every_command_exits_0(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="warehouse-edge")

    assert result.exit_code == 0, result.output
    assert result.output.startswith(" ".join(("Usage: warehouse-edge", *path)))


def test_the_tree_holds_the_commands_the_architecture_names() -> None:
    top = {path[0] for path, _ in COMMANDS if len(path) == 1}

    assert {"init", "serve", "import", "verify", "demo", "scan"} <= top


@pytest.mark.skipif(not README.exists(), reason="README.md not written yet")
@pytest.mark.parametrize("name", sorted(cli.commands))
def test_readme_mentions_every_top_level_command(name: str) -> None:
    text = README.read_text(encoding="utf-8")

    mentioned = re.search(rf"(warehouse-edge\s+|`){re.escape(name)}\b", text)

    assert mentioned, f"README.md does not mention `warehouse-edge {name}`"
