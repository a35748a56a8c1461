"""Installed from the wheel, not the checkout: `pip wheel` builds it, a fresh venv outside the
checkout installs it, and the edge and central started from that venv serve the handheld
terminal and the order board to a real browser. Nothing is found through the source tree.

The fresh venv installs only the wheel; its dependencies come from the test venv's
site-packages, put on its path by a .pth line (so no download, and only a few seconds)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ANSWER_TIMEOUT_MS, HANDHELD, Handheld
from tests.servers import HOST, LoggedProcess, free_port, spawn, started, write_config

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ZXING_WASM = "vendor/zxing-wasm-3.1.6/reader/zxing_reader.wasm"  # the camera's decoder (camera.js)
# What a wheel is built from: the working tree, less what is not part of the project.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "artifacts",
    "tests",
    "bench",
)


@dataclass(frozen=True)
class Installed:
    """A venv, outside the checkout, holding the project only as installed from its wheel."""

    venv: Path
    wheel: Path

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name

    def env(self) -> dict[str, str]:
        drop = ("WAREHOUSE_", "PYTHONPATH", "VIRTUAL_ENV")
        return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@dataclass
class Served(LoggedProcess):
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path


def build_wheel(out: Path) -> Path:
    """`pip wheel --no-deps --no-build-isolation` of a copy of the tree (builds leave build/)."""
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = out.glob("warehouse_edge-*.whl")
    return wheel


def install_wheel(wheel: Path, venv: Path) -> None:
    """A venv without pip; this pip installs the wheel into it; the test venv's site-packages
    follow its own on sys.path (a path in a .pth: that directory's own .pth files, the editable
    install's finder among them, are not run)."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    deps = sysconfig.get_path("purelib")
    Path(site, "zz-test-venv-dependencies.pth").write_text(deps + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    out = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(out)
    venv = tmp_path_factory.mktemp("installed") / "venv"
    install_wheel(wheel, venv)
    return Installed(venv, wheel)


def serve(installed: Installed, args: list[str], *, home: Path, port: int) -> Served:
    """A console script of the installed venv, run from `home` (not the checkout), until ready."""
    log_path = home / f"{args[0]}.log"
    cmd = [installed.bin(args[0]), *args[1:]]
    process = spawn(cmd, log_path, cwd=home, env=installed.env())
    return started(Served(f"http://{HOST}:{port}", process, log_path), timeout=60)


def answer_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.fixture
def handheld(browser: Any) -> Iterator[Handheld]:
    context = browser.new_context(**HANDHELD)
    yield Handheld(context.new_page())
    context.close()


def test_the_wheel_carries_the_terminal_and_the_venv_imports_nothing_from_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    where = subprocess.run(
        [
            str(installed.bin("python")),
            "-c",
            "import edge, central_sync, web_terminal; from importlib import resources;"
            "print(edge.__file__); print(central_sync.__file__);"
            "print(resources.files('web_terminal').joinpath('index.html'))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=installed.env(),
        timeout=60,
    )

    assert where.returncode == 0, where.stderr
    paths = [Path(line) for line in where.stdout.split()]
    assert [p.is_relative_to(installed.venv) for p in paths] == [True, True, True], paths
    assert paths[2].is_file()


@pytest.mark.parametrize("package", ["web_terminal", "central_sync/server"])
def test_the_wheel_carries_every_file_of_the_pages_it_serves(
    installed: Installed, package: str
) -> None:
    """Every file the package's pages may serve, in subfolders too (package-data globs name
    only the top folder: a screen's file added in a subfolder would be missing, a 404)."""
    source = ROOT / package
    shipped = {
        p.relative_to(source).as_posix()
        for p in source.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }

    with zipfile.ZipFile(installed.wheel) as wheel:
        carried = {n.removeprefix(f"{package}/") for n in wheel.namelist()}

    assert shipped - carried == set()


def test_the_edge_installed_from_the_wheel_opens_the_terminal_at_its_root(
    installed: Installed, handheld: Handheld, tmp_path: Path
) -> None:
    port = free_port()
    config = write_config(tmp_path)
    edge = serve(
        installed,
        ["warehouse-edge", "serve", "--config", str(config), "--port", str(port)],
        home=tmp_path,
        port=port,
    )
    try:
        # A fresh edge has no supervisor yet: the installer makes a one-time enrolment code.
        code = subprocess.run(
            [
                str(installed.bin("warehouse-edge")),
                "devices",
                "enrol-code",
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
            timeout=120,
        ).stdout.strip()
        handheld.page.goto(f"{edge.url}/")
        handheld.enrol("HH-WHEEL", code=code)
        landed = handheld.page.url
        sign_in = handheld.by("screen").get_attribute("data-screen")
        web = sorted(
            p.relative_to(ROOT / "web_terminal").as_posix()
            for p in (ROOT / "web_terminal").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc")
        )
        served = {name: answer_status(f"{edge.url}/ui/{name}") for name in web}
        # The camera's decoder comes from the edge, with the type a browser compiles wasm from.
        with urllib.request.urlopen(f"{edge.url}/ui/{ZXING_WASM}", timeout=30) as resp:
            wasm_type = resp.headers["content-type"]
    finally:
        status = edge.stop()

    assert landed == f"{edge.url}/ui/"
    assert sign_in == "login"
    assert {name: status for name, status in served.items() if status != 200} == {}
    assert ZXING_WASM in served and wasm_type == "application/wasm"
    assert status == 0, edge.log()


def test_central_installed_from_the_wheel_opens_its_board_at_its_root(
    installed: Installed, browser: Any, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'central.db'}"
    init = subprocess.run(
        [str(installed.bin("warehouse-central")), "init", "--db", db],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=installed.env(),
        timeout=60,
    )
    assert init.returncode == 0, init.stderr
    token = init.stdout.strip().split()[-1]
    port = free_port()
    central = serve(
        installed,
        ["warehouse-central", "serve", "--db", db, "--port", str(port), "--log-level", "warning"],
        home=tmp_path,
        port=port,
    )
    page = browser.new_page()
    try:
        page.goto(f"{central.url}/")
        page.get_by_label("Admin token").fill(token)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_selector("#status:has-text('updated')", timeout=ANSWER_TIMEOUT_MS)
        shown = (page.url.split("?")[0], page.locator("h1").inner_text())
    finally:
        page.close()
        status = central.stop()

    assert shown == (f"{central.url}/board", "Central order board")
    assert status == 0, central.log()


def test_install_systemd_from_the_wheel_places_units_that_run_its_own_scripts(
    installed: Installed, tmp_path: Path
) -> None:
    """The systemd files and the example config come from the installed package: the edge's
    and central's `install-systemd` run from a folder with no checkout."""
    root = tmp_path / "root"
    done = {
        name: subprocess.run(
            [str(installed.bin(name)), "install-systemd", "--root", str(root)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=installed.env(),
            timeout=60,
        )
        for name in ("warehouse-edge", "warehouse-central")
    }

    assert {name: (d.returncode, d.stderr) for name, d in done.items()} == {
        "warehouse-edge": (0, ""),
        "warehouse-central": (0, ""),
    }
    for name in ("warehouse-edge", "warehouse-central"):
        unit = (root / "etc/systemd/system" / f"{name}.service").read_text()
        assert f"ExecStart={installed.bin(name)} serve" in unit
    edge_toml = (root / "etc/warehouse-edge/edge.toml").read_text()
    assert edge_toml.startswith("# warehouse-edge configuration: every key with its default.")
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    packaged = {
        p.relative_to(ROOT).as_posix()
        for d in ("edge/systemd", "central_sync/systemd")
        for p in (ROOT / d).iterdir()
    }
    assert packaged - names == set()


def test_the_wheel_carries_the_example_csvs_and_the_installed_edge_prints_them(
    installed: Installed, tmp_path: Path
) -> None:
    """No checkout on the box: the example files of every import come from the package."""
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    examples = {p.relative_to(ROOT).as_posix() for p in (ROOT / "edge/examples").glob("*.csv")}
    assert len(examples) == 7
    assert examples - names == set()

    printed = subprocess.run(
        [str(installed.bin("warehouse-edge")), "import", "products", "--example"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=installed.env(),
        timeout=60,
    )

    assert (printed.returncode, printed.stderr) == (0, "")
    assert printed.stdout == (ROOT / "edge/examples/products.csv").read_text("utf-8")
