"""Placing a server's systemd files from the installed package: `warehouse-edge install-systemd`
and `warehouse-central install-systemd` share this (no git checkout on the box).

A file is read from the package's data (importlib.resources), `@BINDIR@` replaced by the folder
of the installed console scripts, and written under `root` (a staging folder, or / itself). A
file marked `keep` (a config) is written only where none exists: an upgrade never overwrites
what the site changed. Needs the standard library and click.
"""

from __future__ import annotations

import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import click

BINDIR = "@BINDIR@"


@dataclass(frozen=True)
class Placement:
    """One packaged file (`source`, in `package`) and where it goes (`target`, absolute)."""

    package: str
    source: str
    target: str
    mode: int = 0o644
    keep: bool = False  # the site's own file (a config): never replaced once there
    edits: tuple[tuple[str, str], ...] = ()  # (text, replacement) made on the way


def scripts_dir() -> Path:
    """The folder holding this installation's console scripts (the venv's bin/)."""
    return Path(sysconfig.get_path("scripts"))


def render(placement: Placement, *, bindir: Path) -> str:
    text = resources.files(placement.package).joinpath(placement.source).read_text("utf-8")
    for old, new in placement.edits:
        text = text.replace(old, new)
    return text.replace(BINDIR, str(bindir))


def place(
    placements: Sequence[Placement], *, root: Path, bindir: Path, dry_run: bool = False
) -> list[str]:
    """Write every file under `root`; returns one line per file saying what was (or would be) done."""
    done = []
    for p in placements:
        target = root / p.target.lstrip("/")
        text = render(p, bindir=bindir)
        if p.keep and target.exists():
            done.append(f"kept      {target} (already there; not replaced)")
            continue
        if target.exists() and target.read_text("utf-8") == text:
            done.append(f"unchanged {target}")
            continue
        verb = "replaced " if target.exists() else "installed"
        if not dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.new")
            partial.write_text(text, encoding="utf-8")
            partial.chmod(p.mode)
            partial.replace(target)  # a crash leaves the old file or the new one, never half
        done.append(f"{verb} {target}")
    return done


def install_command(
    *,
    unit: str,
    placements: Sequence[Placement],
    after: Sequence[str] = (),
    also: Sequence[str] = (),
) -> click.Command:
    """`install-systemd` for a server whose unit is `unit`: places `placements`, prints each
    file and the commands that come next (`after` first: sysusers, tmpfiles, udev), enabling
    `unit` and the units in `also` (a backup timer)."""

    @click.command("install-systemd")
    @click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("/"),
        show_default=True,
        help="Install under DIR as if it were / (a package build or an image; a test).",
    )
    @click.option(
        "--bin-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder of the console scripts the unit runs (default: this installation's).",
    )
    @click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
    def command(root: Path, bin_dir: Path | None, dry_run: bool) -> None:
        bindir = (bin_dir or scripts_dir()).absolute()
        try:
            lines = place(placements, root=root, bindir=bindir, dry_run=dry_run)
        except OSError as exc:
            raise click.ClickException(
                f"cannot write {exc.filename}: {exc.strerror}; run as root (sudo), or give "
                "--root DIR (a folder to install under)"
            ) from None
        for line in lines:
            click.echo(("would be " if dry_run else "") + line)
        enable = " ".join((unit, *also))
        live = root.absolute() == Path("/")
        # under another root (an image, a package build) the commands are for the system that
        # will boot from it: this one's systemd knows nothing of the files just placed
        click.echo("next, as root:" if live else f"next, as root on the system booted from {root}:")
        for step in (*after, "systemctl daemon-reload", f"systemctl enable --now {enable}"):
            click.echo(f"  {step}")
        if not live:
            click.echo(f"to enable them in {root} now, without booting it:")
            click.echo(f"  systemctl --root {root} enable {enable}")

    command.help = (
        f"Place {unit}'s systemd unit and its sysusers, tmpfiles (and udev) files from the "
        "installed package, and a default config if none exists; print the commands to run next."
    )
    return command
