"""`warehouse-edge install-systemd` and `warehouse-central install-systemd` into a temporary root:
the files land where systemd looks for them, a site's config is never replaced, the units pass
`systemd-analyze verify` and the udev rules parse. (From the wheel: tests/test_install.py.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from central_sync.cli import cli as central_cli
from edge.cli.main import cli as edge_cli
from edge.config import load_settings
from kernel.install import scripts_dir

EDGE_FILES = {
    "etc/systemd/system/warehouse-edge.service",
    "etc/systemd/system/warehouse-edge-backup.service",
    "etc/systemd/system/warehouse-edge-backup.timer",
    "usr/lib/sysusers.d/warehouse-edge.conf",
    "usr/lib/tmpfiles.d/warehouse-edge.conf",
    "etc/udev/rules.d/90-warehouse-edge.rules",
    "etc/warehouse-edge/edge.toml",
}
CENTRAL_FILES = {
    "etc/systemd/system/warehouse-central.service",
    "usr/lib/sysusers.d/warehouse-central.conf",
    "usr/lib/tmpfiles.d/warehouse-central.conf",
    "etc/warehouse-central/central.env",
}
UNITS = ("warehouse-edge.service", "warehouse-central.service")
# The backup timer and the oneshot service it starts are verified too.
VERIFIED = (*UNITS, "warehouse-edge-backup.service", "warehouse-edge-backup.timer")


def install(cli: click.Group, root: Path, *more: str) -> str:
    result = CliRunner().invoke(cli, ["install-systemd", "--root", str(root), *more])
    assert result.exit_code == 0, result.output
    return result.output


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both servers installed into one root, as on a box running the edge and central."""
    root = tmp_path_factory.mktemp("root")
    install(edge_cli, root)
    install(central_cli, root)
    return root


def test_the_edge_and_central_place_their_files_where_systemd_looks(root: Path) -> None:
    assert files_under(root) == EDGE_FILES | CENTRAL_FILES


def test_the_units_run_the_console_scripts_of_this_installation(root: Path) -> None:
    units = {u: (root / "etc/systemd/system" / u).read_text() for u in UNITS}

    starts = {u: re.findall(r"^ExecStart=(\S+)", text, re.M) for u, text in units.items()}

    assert starts == {
        "warehouse-edge.service": [f"{scripts_dir()}/warehouse-edge"],
        "warehouse-central.service": [f"{scripts_dir()}/warehouse-central"],
    }
    assert [u for u, text in units.items() if "@BINDIR@" in text] == []
    said = {u: text.splitlines()[1] for u, text in units.items()}  # the header says which
    assert [u for u, line in said.items() if "replaced by" in line] == []
    assert [u for u, line in said.items() if f"console scripts in {scripts_dir()}" in line] == list(
        UNITS
    )


def test_the_backup_timer_runs_a_backup_that_keeps_the_newest_daily(root: Path) -> None:
    service = (root / "etc/systemd/system/warehouse-edge-backup.service").read_text()
    timer = (root / "etc/systemd/system/warehouse-edge-backup.timer").read_text()

    assert f"ExecStart={scripts_dir()}/warehouse-edge backup --keep 14" in service.splitlines()
    assert "Environment=WAREHOUSE_EDGE_CONFIG=/etc/warehouse-edge/edge.toml" in service
    assert {"OnCalendar=*-*-* 02:30:00", "Persistent=true", "WantedBy=timers.target"} <= set(
        timer.splitlines()
    )


def test_the_default_configs_keep_data_in_var_lib_and_central_s_secrets_are_root_s(
    root: Path,
) -> None:
    edge = (root / "etc/warehouse-edge/edge.toml").read_text()
    env = root / "etc/warehouse-central/central.env"

    assert 'data_dir = "/var/lib/warehouse-edge"' in edge.splitlines()
    assert "WAREHOUSE_CENTRAL_DB=sqlite:////var/lib/warehouse-central/central.db" in (
        env.read_text().splitlines()
    )
    assert env.stat().st_mode & 0o777 == 0o600


def test_the_installed_edge_serves_the_handhelds_on_the_network(root: Path) -> None:
    # README's install, followed as written, must give an edge a handheld on the LAN can reach
    settings = load_settings(root / "etc/warehouse-edge/edge.toml", env={})

    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 8080)
    assert settings.db_path == Path("/var/lib/warehouse-edge/edge.db")


def test_the_edge_says_what_it_placed_and_the_commands_to_run_next(tmp_path: Path) -> None:
    out = install(edge_cli, tmp_path)

    assert out.splitlines()[-7:] == [
        f"next, as root on the system booted from {tmp_path}:",
        "  systemd-sysusers && systemd-tmpfiles --create",
        "  udevadm control --reload && udevadm trigger",
        "  systemctl daemon-reload",
        "  systemctl enable --now warehouse-edge warehouse-edge-backup.timer",
        f"to enable them in {tmp_path} now, without booting it:",
        f"  systemctl --root {tmp_path} enable warehouse-edge warehouse-edge-backup.timer",
    ]
    assert f"installed {tmp_path}/etc/warehouse-edge/edge.toml" in out.splitlines()


def test_installed_on_this_system_the_next_commands_are_for_this_system() -> None:
    # a dry run at the default root writes nothing and says what a live install would print
    result = CliRunner().invoke(edge_cli, ["install-systemd", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-5:] == [
        "next, as root:",
        "  systemd-sysusers && systemd-tmpfiles --create",
        "  udevadm control --reload && udevadm trigger",
        "  systemctl daemon-reload",
        "  systemctl enable --now warehouse-edge warehouse-edge-backup.timer",
    ]


def test_an_upgrade_replaces_the_unit_but_never_the_site_s_config(tmp_path: Path) -> None:
    install(edge_cli, tmp_path)
    config = tmp_path / "etc/warehouse-edge/edge.toml"
    config.write_text('[edge]\nid = "edge-sh-1"\n')
    unit = tmp_path / "etc/systemd/system/warehouse-edge.service"
    unit.write_text("[Unit]\n")

    out = install(edge_cli, tmp_path).splitlines()

    assert config.read_text() == '[edge]\nid = "edge-sh-1"\n'
    assert f"kept      {config} (already there; not replaced)" in out
    assert f"replaced  {unit}" in out
    assert f"unchanged {tmp_path}/usr/lib/sysusers.d/warehouse-edge.conf" in out


def test_a_dry_run_writes_nothing_and_names_every_file(tmp_path: Path) -> None:
    out = install(central_cli, tmp_path, "--dry-run")

    assert list(tmp_path.iterdir()) == []
    named = {line.split()[-1] for line in out.splitlines() if line.startswith("would be ")}
    assert named == {str(tmp_path / f) for f in CENTRAL_FILES}


def test_a_place_it_cannot_write_is_one_line_naming_it_and_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "etc").write_text("a file where a folder belongs")

    result = CliRunner().invoke(edge_cli, ["install-systemd", "--root", str(tmp_path)])

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot write {tmp_path}/etc")
    assert "run as root (sudo), or give --root DIR" in result.output
    assert (tmp_path / "etc").read_text() == "a file where a folder belongs"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
@pytest.mark.parametrize("unit", VERIFIED)
def test_systemd_analyze_verifies_the_installed_unit(root: Path, unit: str) -> None:
    # --root is not used: verify reads the file given and looks up the commands it runs, which
    # are this installation's console scripts.
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(root / "etc/systemd/system" / unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (done.returncode, done.stderr) == (0, "")


# --- the udev rules -----------------------------------------------------------------------

MATCH_KEYS = (
    r"ACTION|KERNEL|SUBSYSTEM|DRIVER|KERNELS|SUBSYSTEMS|DRIVERS|ATTR\{\w+\}|ATTRS\{\w+\}|ENV\{\w+\}"
)
ASSIGN_KEYS = r"GROUP|OWNER|MODE|SYMLINK|TAG|ENV\{\w+\}|RUN|NAME"
PAIR = re.compile(
    rf'^(?:(?P<match>{MATCH_KEYS})(?P<mop>==|!=)|(?P<assign>{ASSIGN_KEYS})(?P<aop>=|\+=|-=|:=))"(?P<value>[^"]*)"$'
)
RULES = Path(__file__).resolve().parents[1] / "edge" / "systemd" / "90-warehouse-edge.rules"
SYSUSERS = RULES.with_name("warehouse-edge.sysusers")


def parse_rule(line: str) -> list[tuple[str, str, str]]:
    """(key, operator, value) of each comma-separated pair, or AssertionError naming the pair."""
    pairs = []
    for part in re.split(r",\s*", line.strip()):
        m = PAIR.match(part)
        assert m, f"not a valid udev key, operator and quoted value: {part!r} in {line!r}"
        pairs.append((m["match"] or m["assign"], m["mop"] or m["aop"], m["value"]))
    return pairs


def rules() -> list[str]:
    lines = RULES.read_text().splitlines()
    return [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.mark.parametrize(
    "bad", ['SUBSYSTEM="tty"', 'GROUP=="dialout"', "MODE=0660", 'KERNL=="lp*"']
)
def test_the_rule_parser_refuses_a_wrong_operator_key_or_unquoted_value(bad: str) -> None:
    with pytest.raises(AssertionError, match="not a valid udev key"):
        parse_rule(f'SUBSYSTEM=="tty", {bad}')


def test_every_udev_rule_matches_something_and_gives_a_group_the_service_user_is_in() -> None:
    member_of = set(re.findall(r"^m warehouse-edge (\w+)$", SYSUSERS.read_text(), re.M))

    parsed = [parse_rule(line) for line in rules()]

    assert len(parsed) >= 5
    for pairs in parsed:
        ops = {op for _, op, _ in pairs}
        assert "==" in ops and ops & {"=", "+="}, pairs
        values = {key: value for key, _, value in pairs}
        assert values["GROUP"] in member_of, pairs
        assert re.fullmatch(r"0[0-7]{3}", values["MODE"]), pairs
        assert re.fullmatch(r"[0-9a-f]{4}", values["ATTRS{idVendor}"]), pairs


def test_udevadm_verify_passes_on_the_rules_where_udevadm_has_it() -> None:
    if shutil.which("udevadm") is None:
        pytest.skip("udevadm absent")
    if subprocess.run(["udevadm", "verify", "--help"], capture_output=True).returncode != 0:
        pytest.skip("this udevadm has no verify (systemd < 254)")

    done = subprocess.run(["udevadm", "verify", str(RULES)], capture_output=True, text=True)

    assert done.returncode == 0, done.stdout + done.stderr
