"""A wrong option on either command line says what to fix in English and in Chinese, and exits 2
(kernel/cli_errors.py): click's own words for a missing option, a bad choice, `--port abc`, an
unknown option or a file that does not exist, on every command of both programs."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from tests.docs_reference import PROGRAMS, walk

COMMANDS = [(program, path) for program, root in PROGRAMS.items() for path, _ in walk(root)]
IDS = [" ".join((program, *path)) for program, path in COMMANDS]
CJK = re.compile(r"[\u4e00-\u9fff]")


def run(program: str, args: list[str]) -> click.testing.Result:
    return CliRunner().invoke(PROGRAMS[program], args, prog_name=program)


@pytest.mark.parametrize(("program", "path"), COMMANDS, ids=IDS)
def test_an_unknown_option_on_every_command_is_refused_in_both_languages(
    program: str, path: tuple[str, ...]
) -> None:
    result = run(program, [*path, "--no-such-option"])

    assert result.exit_code == 2, result.output
    assert "Error: No such option '--no-such-option'" in result.stderr
    command = " ".join((program, *path))
    assert f"错误：没有选项 --no-such-option。请改正后再试；运行 `{command} --help` 查看用法。" in (
        result.stderr
    )


CASES = [
    (
        "warehouse-edge",
        ["serve", "--port", "abc"],
        "Invalid value for '--port': 'abc' is not a valid integer.",
        "'--port' 的值无效：'abc' 不是整数",
    ),
    (
        "warehouse-central",
        ["serve", "--port", "abc"],
        "Invalid value for '--port': 'abc' is not a valid integer range.",
        "'--port' 的值无效：'abc' 不是整数",
    ),
    (
        "warehouse-central",
        ["serve", "--port", "70000"],
        "70000 is not in the range 0<=x<=65535.",
        "'--port' 的值无效：70000 不在范围 0<=x<=65535 内",
    ),
    (
        "warehouse-edge",
        ["loadtest", "--edge", "http://127.0.0.1:1", "--format", "xml"],
        "'xml' is not one of 'text', 'json'.",
        "'--format' 的值无效：'xml' 不是可选值之一：'text', 'json'",
    ),
    (
        "warehouse-edge",
        ["loadtest"],
        "Missing option '--edge'.",
        "缺少选项 '--edge'",
    ),
    (
        "warehouse-central",
        ["edges", "add"],
        "Missing argument 'EDGE_ID'.",
        "缺少参数 'EDGE_ID'",
    ),
    (
        "warehouse-central",
        ["import-orders", "/no/such/orders.json"],
        "File '/no/such/orders.json' does not exist.",
        "'FILE' 的值无效：'/no/such/orders.json' 不存在",
    ),
    (
        "warehouse-central",
        ["serve", "--quiet-after", "nan"],
        "'nan' is not a number of seconds from 5 to 86400.",
        "'--quiet-after' 的值无效：'nan' 不是 5 到 86400 之间的秒数",
    ),
    (
        "warehouse-central",
        ["serve", "--db"],
        "Option '--db' requires an argument.",
        "选项 '--db' 需要一个值",
    ),
    ("warehouse-edge", ["shipit"], "No such command 'shipit'.", "没有子命令 'shipit'"),
    (
        "warehouse-edge",
        ["init", "extra"],
        "Got unexpected extra argument (extra)",
        "多余的参数（extra）：请删除它们",
    ),
]


@pytest.mark.parametrize(("program", "args", "english", "chinese"), CASES)
def test_a_bad_option_names_what_to_fix_in_english_and_chinese(
    program: str, args: list[str], english: str, chinese: str
) -> None:
    result = run(program, args)

    assert result.exit_code == 2, result.output
    assert english in result.stderr
    assert f"错误：{chinese}。请改正后再试" in result.stderr


def test_a_commands_own_usage_error_gets_a_chinese_line_naming_its_options() -> None:
    result = run(
        "warehouse-edge", ["loadtest", "--edge", "http://127.0.0.1:1", "--central", "http://x"]
    )

    assert result.exit_code == 2, result.output
    assert "--central-token" in result.stderr
    chinese = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert len(chinese) == 1 and "--central-token" in chinese[0], result.stderr
    assert CJK.search(chinese[0])


def test_a_group_without_its_subcommand_still_prints_its_help_without_an_error_line() -> None:
    result = run("warehouse-edge", ["labels"])

    assert result.exit_code == 2
    assert "Commands:" in result.output
    assert "错误" not in result.output
