"""edge/domain is a pure core: the standard library's pure modules, itself and biip; no clock."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[1] / "edge" / "domain"
MODULES = sorted(DOMAIN.rglob("*.py"))
KERNEL_PURE_FILES = [
    DOMAIN.parents[1] / "kernel" / n for n in ("messages.py", "problems.py", "robots.py")
]

# Standard-library modules that do I/O, read the clock, spawn work or draw randomness.
IMPURE = {
    "sqlite3",
    "os",
    "time",
    "socket",
    "subprocess",
    "threading",
    "asyncio",
    "random",
    "uuid",
    "io",
    "pathlib",
    "shutil",
    "tempfile",
    "glob",
    "signal",
    "select",
    "selectors",
    "ssl",
    "multiprocessing",
    "concurrent",
    "http",
    "urllib.request",
    "logging",
    "sys",
    "secrets",
    "sched",
    "mmap",
    "ctypes",
    "fcntl",
    "pty",
    "termios",
    "dbm",
    "shelve",
    "webbrowser",
    "smtplib",
    "ftplib",
    "imaplib",
    "poplib",
    "socketserver",
    "xmlrpc",
    "zoneinfo",
    "platform",
    "getpass",
}
THIRD_PARTY_ALLOWED = {"biip", "moneyed"}  # moneyed: biip[money]'s currencies, pure
# The kernel's modules that need only the standard library's pure modules (see kernel/).
PURE_KERNEL = {"kernel.messages", "kernel.problems", "kernel.robots"}
CLOCK_CALLS = ("datetime.now", "datetime.utcnow", "datetime.today", "date.today", "time.time")


def imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted module) for every import; relative imports stay inside edge.domain."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def is_allowed(module: str) -> bool:
    top = module.split(".")[0]
    if module == "edge.domain" or module.startswith("edge.domain."):
        return True
    if top in THIRD_PARTY_ALLOWED or module in PURE_KERNEL or module == "__future__":
        return True
    impure = any(module == bad or module.startswith(f"{bad}.") for bad in IMPURE)
    return top in sys.stdlib_module_names and not impure


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def clock_reads(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if any(name == call or name.endswith(f".{call}") for call in CLOCK_CALLS):
                yield node.lineno, name


def violations(source: str) -> list[str]:
    tree = ast.parse(source)
    bad_imports = [f"line {n}: imports {m}" for n, m in imported(tree) if not is_allowed(m)]
    return bad_imports + [f"line {n}: calls {name}()" for n, name in clock_reads(tree)]


@pytest.mark.parametrize(
    "path", MODULES + KERNEL_PURE_FILES, ids=lambda p: p.relative_to(DOMAIN.parents[1]).as_posix()
)
def test_a_domain_module_imports_only_pure_modules_and_reads_no_clock(path: Path) -> None:
    found = violations(path.read_text(encoding="utf-8"))

    assert found == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import sqlite3", ["line 1: imports sqlite3"]),
        ("import sqlite_utils", ["line 1: imports sqlite_utils"]),
        ("from os import path", ["line 1: imports os"]),
        ("import os.path", ["line 1: imports os.path"]),
        ("from time import monotonic", ["line 1: imports time"]),
        ("import httpx, fastapi", ["line 1: imports httpx", "line 1: imports fastapi"]),
        ("import serial", ["line 1: imports serial"]),
        ("from threading import Lock", ["line 1: imports threading"]),
        ("import asyncio", ["line 1: imports asyncio"]),
        ("from random import choice", ["line 1: imports random"]),
        ("import uuid", ["line 1: imports uuid"]),
        ("import subprocess", ["line 1: imports subprocess"]),
        ("import socket", ["line 1: imports socket"]),
        ("from urllib.request import urlopen", ["line 1: imports urllib.request"]),
        ("from edge.store import store", ["line 1: imports edge.store"]),
        ("from kernel.http import install", ["line 1: imports kernel.http"]),
        ("datetime.now(UTC)", ["line 1: calls datetime.now()"]),
        ("datetime.datetime.utcnow()", ["line 1: calls datetime.datetime.utcnow()"]),
        ("datetime.today()", ["line 1: calls datetime.today()"]),
        ("date.today()", ["line 1: calls date.today()"]),
        ("time.time()", ["line 1: calls time.time()"]),
    ],
)
def test_the_checker_catches_impure_code(source: str, expected: list[str]) -> None:
    assert violations(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "from datetime import date, datetime, timedelta",
        "from urllib.parse import urlsplit",
        "import hashlib, hmac, base64, string, re",
        "from biip.gtin import Gtin",
        "from edge.domain.errors import EdgeError",
        "from kernel.messages import Message",
        "from . import ledger",
        "now.date()",
    ],
)
def test_the_checker_lets_pure_code_through(source: str) -> None:
    assert violations(source) == []


def test_the_walk_reads_every_domain_module() -> None:
    names = {p.name for p in MODULES}

    assert {"errors.py", "messages.py", "ledger.py", "scan.py", "operator.py"} <= names
