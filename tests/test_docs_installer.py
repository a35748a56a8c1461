"""The installer's guide (docs/installer.md) names every command of `warehouse-edge` and
`warehouse-central` with each option `--help` shows, and every config key; and it names no
command, option or key that does not exist, in its tables or in its prose and examples. No
other page (README, docs/, a folder's README) shows a command line naming one either."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from edge.config import LISTS, SECTIONS
from edge.config.reference import key_docs
from tests.docs_reference import (
    BLOCKS,
    GUIDE,
    PROGRAMS,
    REFRESH,
    commands,
    generated,
    options,
    render,
)

ROOT = GUIDE.parents[1]
README = ROOT / "README.md"
# Every page a user reads: the README, docs/ (the role pages too) and each folder's README.
DOCS = [README, *sorted((ROOT / "docs").rglob("*.md")), *sorted(ROOT.glob("*/README.md"))]
COMMANDS = {name: (command, ctx) for name, command, ctx in commands()}
KEYS = {k.key for k in key_docs()}
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
SPAN = re.compile(r"`([^`]+)`")
WORD = re.compile(r"^[a-z][a-z0-9-]*$")


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def section(text: str, name: str) -> str:
    """The guide's section on command `name`: from its heading to the next heading."""
    found = re.search(rf"^### `{re.escape(name)}`\n(.*?)(?=^#|\Z)", text, re.M | re.S)
    assert found, f"docs/installer.md has no section ### `{name}`"
    return found.group(1)


def invocations(text: str) -> list[list[str]]:
    """Every command line the text shows (in code blocks and code spans), from the program's
    name on: a line counts when only `sudo` or VAR=value come before the program (a path to it
    included), so `journalctl -u warehouse-edge` is not one."""
    lines = [line for block in FENCE.findall(text) for line in block.splitlines()]
    lines += SPAN.findall(FENCE.sub("", text))
    found = []
    for line in lines:
        words = line.split(" #")[0].split()
        for i, word in enumerate(words):
            if word.rsplit("/", 1)[-1] in PROGRAMS:
                if all(w == "sudo" or "=" in w for w in words[:i]):
                    found.append([word.rsplit("/", 1)[-1], *words[i + 1 :]])
                break
    return found


def unknown_in(line: list[str]) -> list[str]:
    """What in one command line names no command or option: `warehouse-edge devices listn`,
    `warehouse-edge backup --keeep 3`."""
    program, *words = line
    command: click.Command = PROGRAMS[program]
    path = [program]
    while words and isinstance(command, click.Group) and words[0] in command.commands:
        command = command.commands[words[0]]
        path.append(words.pop(0))
    name = " ".join(path)
    if isinstance(command, click.Group) and words and WORD.match(words[0]):
        return [f"{name} {words[0]}"]
    known = set(options(*COMMANDS[name]))
    wanted = {w.split("=")[0] for w in words if re.match(r"^--?[a-z]", w)}
    return [f"{name} {o}" for o in sorted(wanted - known)]


def keys_named(text: str) -> set[str]:
    """The config keys the text names in code spans: `server.port`, `[store] backup_dir` is not
    one of these, `scanners[].baud` is."""
    spans = SPAN.findall(FENCE.sub("", text))
    lists = "|".join(LISTS)
    dotted = rf"^(?:{'|'.join(SECTIONS)})\.[a-z_]+$|^(?:{lists})\[\]\.[a-z_]+$"
    return {s for s in spans if re.match(dotted, s)}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_its_section_in_the_guide_with_every_option(name: str) -> None:
    command, ctx = COMMANDS[name]
    text = section(guide(), name)

    rows = re.findall(r"^\| `([^`]+)` \|", text, re.M)  # `-h, --help`, `--db URL`
    listed = {word.rstrip(",") for row in rows for word in row.split()}
    missing = [o for o in options(command, ctx) if o not in listed]

    assert missing == [], f"{name}: options missing from docs/installer.md (run {REFRESH})"


def test_the_guide_has_a_section_only_for_commands_that_exist() -> None:
    headings = re.findall(r"^### `([^`]+)`$", guide(), re.M)

    assert [h for h in headings if h not in COMMANDS] == []
    assert len(headings) == len(set(headings)) == len(COMMANDS)


def test_every_command_line_the_guide_shows_names_real_commands_and_options() -> None:
    shown = invocations(guide())

    assert [u for line in shown for u in unknown_in(line)] == []
    assert len(shown) > 20  # the check reads the examples at all


def test_every_config_key_is_in_the_guide_and_the_guide_names_no_other() -> None:
    text = guide()
    table = set(re.findall(r"^\| `([^`]+)` \| `WAREHOUSE_EDGE_", text, re.M))

    assert sorted(KEYS - table) == []
    assert sorted(table - KEYS) == []
    assert sorted(keys_named(text) - KEYS) == []


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_line_any_page_shows_names_real_commands_and_options(page: Path) -> None:
    shown = invocations(page.read_text(encoding="utf-8"))

    assert [u for line in shown for u in unknown_in(line)] == []


@pytest.mark.parametrize("block", BLOCKS)
def test_the_generated_tables_say_what_the_code_says_now(block: str) -> None:
    assert generated(guide(), block) == render(block), f"run {REFRESH}"


def test_the_check_finds_a_command_an_option_and_a_key_that_do_not_exist() -> None:
    text = (
        "```sh\nsudo /opt/x/bin/warehouse-edge devices listn /dev/ttyACM0\n```\n"
        "Then `warehouse-edge backup --keep 3 --keeep 3` and `warehouse-central edges add`;"
        " set `server.prot` and `scanners[].baud`, `journalctl -u warehouse-edge -f`.\n"
    )

    unknown = [u for line in invocations(text) for u in unknown_in(line)]

    assert unknown == ["warehouse-edge devices listn", "warehouse-edge backup --keeep"]
    assert keys_named(text) - KEYS == {"server.prot"}


def test_the_readme_links_the_guide() -> None:
    assert "(docs/installer.md)" in README.read_text(encoding="utf-8")


def test_the_generated_blocks_are_found_where_the_paths_check_skips_them() -> None:
    from tests.test_docs_paths import GENERATED

    skipped = GENERATED.sub("", guide())

    assert Path(GUIDE).exists() and "WAREHOUSE_EDGE_SERVER_PORT" not in skipped
