"""The generated parts of the installer's guide (docs/installer.md): every config key, and every
command of `warehouse-edge` and `warehouse-central` with its options, as `--help` gives them.

    .venv/bin/python -m tests.docs_reference    # rewrite them after a key or an option changed

tests/test_docs_installer.py fails while the guide and the code disagree."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click

from central_sync.cli import cli as central_cli
from edge.cli.main import cli as edge_cli
from edge.config.reference import key_docs

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "installer.md"
PROGRAMS: dict[str, click.Group] = {"warehouse-edge": edge_cli, "warehouse-central": central_cli}
REFRESH = "python -m tests.docs_reference"
BLOCKS = ("config keys", "commands")


def walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under `command` (itself included) with the words that reach it."""
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from walk(command.commands[name], (*path, name))


def commands() -> Iterator[tuple[str, click.Command, click.Context]]:
    """(`program sub …`, command, its context) for every command of both programs; the context
    is made as a run makes it (the root's settings, such as `-h`, hold in every subcommand)."""
    for program, root in PROGRAMS.items():
        for path, command in walk(root):
            ctx = click.Context(root, info_name=program, **root.context_settings)
            group: click.Command = root
            for word in path:
                assert isinstance(group, click.Group)
                group = group.commands[word]
                ctx = click.Context(group, info_name=word, parent=ctx)
            yield " ".join((program, *path)), command, ctx


def _options(command: click.Command, ctx: click.Context) -> list[click.Option]:
    return [p for p in command.get_params(ctx) if isinstance(p, click.Option) and not p.hidden]


def options(command: click.Command, ctx: click.Context) -> list[str]:
    """Every option string `--help` shows for `command` (`--db`, `-v`, `--verbose` …), its own
    `-h, --help` included."""
    return [o for p in _options(command, ctx) for o in (*p.opts, *p.secondary_opts)]


def _cell(text: str) -> str:
    """`text` on one line for a Markdown table: `|` escaped, and `<` outside code spans too
    (`<UTC time>` would be taken for an HTML tag)."""
    spans = re.split(r"(`[^`]*`)", re.sub(r"\s+", " ", text).strip())
    out = (s if s.startswith("`") else s.replace("<", "&lt;") for s in spans)
    return "".join(out).replace("|", "\\|")


def config_block() -> str:
    rows = [
        "| key | environment variable | default | expected | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for k in key_docs():
        default = k.default.replace("\r", "\\r")
        cells = (f"`{k.key}`", f"`{k.env}`", f"`{default}`", k.expected, k.description)
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def _help(command: click.Command) -> str:
    """The help text's paragraphs as --help prints them: a paragraph click keeps as written
    (after a `\\b` line) as a text block, the others as one line each."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", command.help or "") if p.strip()]
    kept = [p.startswith("\b\n") for p in paragraphs]
    return "\n\n".join(
        f"```text\n{textwrap.dedent(p[2:])}\n```" if keep else _cell(p)
        for p, keep in zip(paragraphs, kept, strict=True)
    )


def _option_row(option: click.Option, ctx: click.Context) -> str:
    """The option's line of --help as a table row, with the environment variable that sets it
    where --help does not name it."""
    opt, text = option.get_help_record(ctx) or ("", "")
    env = option.envvar if isinstance(option.envvar, str) else None
    if env and env not in text:
        text += f" (env {env})"
    return f"| {_cell('`' + opt + '`')} | {_cell(text)} |"


def commands_block() -> str:
    parts = []
    for name, command, ctx in commands():
        usage = " ".join(command.collect_usage_pieces(ctx))
        parts += [f"### `{name}`", "", f"`{name} {usage}`".replace(" ]", "]"), "", _help(command)]
        rows = [_option_row(p, ctx) for p in _options(command, ctx)]
        if rows:
            parts += ["", "| option | what it does |", "| --- | --- |", *rows]
        parts.append("")
    return "\n".join(parts).rstrip()


def _markers(block: str) -> tuple[str, str]:
    return (
        f"<!-- generated: {block} ({REFRESH}); do not edit by hand -->",
        f"<!-- end of generated: {block} -->",
    )


def generated(text: str, block: str) -> str:
    """The block of the guide's `text` between its markers."""
    begin, end = _markers(block)
    found = re.search(re.escape(begin) + r"\n(.*?)\n" + re.escape(end), text, re.S)
    assert found, f"docs/installer.md has no generated {block} block"
    return found.group(1)


def render(block: str) -> str:
    return config_block() if block == "config keys" else commands_block()


def refresh(path: Path = GUIDE) -> None:
    """Rewrite each generated block of the guide from the code."""
    text = path.read_text(encoding="utf-8")
    for block in BLOCKS:
        begin, end = _markers(block)
        start, stop = text.index(begin), text.index(end) + len(end)
        text = f"{text[:start]}{begin}\n{render(block)}\n{end}{text[stop:]}"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    refresh()
