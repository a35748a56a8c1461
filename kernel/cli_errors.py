"""Both command lines' usage errors in English and Chinese.

click words a bad option (missing, unknown, a bad choice, `--port abc`, a file that does not
exist) in English only. `BilingualGroup`, the top group of `warehouse-edge` and
`warehouse-central`, catches every `click.UsageError` raised under it (the group's own options,
any subcommand's, a command's own `UsageError`) and adds a Chinese line naming the same thing to
fix; the exit status stays click's 2. Needs only click.
"""

from __future__ import annotations

import re
from typing import Any

import click

# click's English phrases (click/types.py, exceptions.py, parser.py, core.py), a regex each,
# with the Chinese that says the same; the groups fill the `{}` in order.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), zh)
    for pattern, zh in (
        (r"(.+) is not a valid integer(?: range)?\.", "{} 不是整数"),
        (r"(.+) is not a valid float(?: range)?\.", "{} 不是数字"),
        (r"(.+) is not a valid boolean\.", "{} 不是布尔值（true/false）"),
        (r"(.+) is not a valid UUID\.", "{} 不是有效的 UUID"),
        (r"(.+) is not in the range (.+)\.", "{} 不在范围 {} 内"),
        (r"(.+) is not a number of seconds from (\S+) to (\S+)\.", "{} 不是 {} 到 {} 之间的秒数"),
        (r"(.+) is not one of (.+)\.", "{} 不是可选值之一：{}"),
        (r"(.+) is not ('[^']*')\.", "{} 不是可选值 {}"),
        (r"(?:File|Directory|Path) (.+) does not exist\.", "{} 不存在"),
        (r"(?:File|Directory|Path) (.+) is a directory\.", "{} 是文件夹，这里需要文件"),
        (r"(?:File|Directory|Path) (.+) is a file\.", "{} 是文件，这里需要文件夹"),
        (r"(?:File|Directory|Path) (.+) is not (readable|writable|executable)\.", "{} 不可{}"),
        (
            r"(.+) cannot be read by user (\S+) .*",
            "用户 {1} 无法读取 {0}（文件或其上级文件夹权限不足）：请把它复制到该用户可读的位置，例如 /tmp",
        ),
        (r"Could not open file (.+?): (.+)", "无法打开文件 {}：{}"),
        (r"Got unexpected extra arguments? \((.+)\)", "多余的参数（{}）：请删除它们"),
        (r"No such command (.+?)\.", "没有子命令 {}"),
        (r"Missing command\.", "缺少子命令"),
        (r"Option (.+?) requires an argument\.", "选项 {} 需要一个值"),
        (r"Option (.+?) requires (\d+) arguments\.", "选项 {} 需要 {} 个值"),
        (r"Option (.+?) does not take a value\.", "选项 {} 不接受值"),
        (r"Argument (.+?) takes (\d+) values\.", "参数 {} 需要 {} 个值"),
        (r"Missing argument (.+?)(?: \(.*\))?\.", "缺少参数 {}"),
    )
)
_TRUE = {"readable": "读", "writable": "写", "executable": "执行"}


def _reason(en: str) -> str:
    """click's English reason in Chinese; one naming the options it mentions when unknown."""
    for pattern, zh in _REASONS:
        found = pattern.fullmatch(en.strip())
        if found:
            groups = [_TRUE.get(g, g) for g in found.groups()]
            return zh.format(*groups)
    named = sorted(set(re.findall(r"--[A-Za-z0-9][\w-]*", en)))
    about = f"（涉及 {'、'.join(named)}）" if named else ""
    return f"用法有误{about}，原因见上面的英文说明"


def _hint(error: click.BadParameter) -> str:
    """The option or argument as click names it ('--port', 'FILE')."""
    if error.param_hint is not None:
        return str(error.param_hint)
    if error.param is not None and error.ctx is not None:
        return error.param.get_error_hint(error.ctx)
    return ""


def chinese(error: click.UsageError, ctx: click.Context | None = None) -> str:
    """The Chinese line for `error`: what is wrong and what to run for help (`ctx`, the group
    it was caught in, names the command when click's parser left the error without one)."""
    where = error.ctx or ctx
    command = where.command_path if where else "命令"
    if isinstance(error, click.NoSuchOption):
        maybe = f"（是否要用 {'、'.join(error.possibilities)}？）" if error.possibilities else ""
        what = f"没有选项 {error.option_name}{maybe}"
    elif isinstance(error, click.MissingParameter):
        kind = "参数" if isinstance(error.param, click.Argument) else "选项"
        what = f"缺少{kind} {_hint(error)}".rstrip()
    elif isinstance(error, click.BadParameter):
        what = f"{_hint(error) or '参数'} 的值无效：{_reason(error.message)}"
    else:
        what = _reason(error.message)
    return f"{what}。请改正后再试；运行 `{command} --help` 查看用法。"


class BilingualUsageError(click.UsageError):
    """`error` as click shows it, with the Chinese line below the English one."""

    def __init__(self, error: click.UsageError, ctx: click.Context | None) -> None:
        super().__init__(error.format_message(), error.ctx)
        self.zh = chinese(error, ctx)

    def format_message(self) -> str:
        return f"{self.message}\n错误：{self.zh}"


# click's "no arguments: here is the help" is a UsageError that prints the help, not a fault.
_HELP = getattr(click.exceptions, "NoArgsIsHelpError", BilingualUsageError)


def _bilingual(error: click.UsageError, ctx: click.Context | None) -> click.UsageError:
    if isinstance(error, BilingualUsageError | _HELP):
        return error
    return BilingualUsageError(error, ctx)


class BilingualGroup(click.Group):
    """A click group whose usage errors, and those of every command under it, say in English
    and Chinese what to fix."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise _bilingual(error, parent) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _bilingual(error, ctx) from None
