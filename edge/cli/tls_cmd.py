"""`warehouse-edge tls`: a local CA and the server certificate it signs, for HTTPS on the LAN."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edge.cli.common import F, config_option, reporting, settings_from
from edge.config import Settings
from edge.service.tls_terms import MAX_SERVER_DAYS, TlsError

if TYPE_CHECKING:
    from edge.service import local_ca

dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of ca.crt, ca.key, server.crt, server.key (default: <edge.data_dir>/tls).",
)
days_option = click.option(
    "--days",
    type=click.IntRange(1, MAX_SERVER_DAYS),
    default=MAX_SERVER_DAYS,
    show_default=True,
    help="Days the server certificate is valid (Android and iOS accept at most 825).",
)


def names_option(*, required: bool) -> Callable[[F], F]:
    return click.option(
        "--name",
        "names",
        multiple=True,
        required=required,
        help="A DNS name or IP address handhelds open the edge by; repeat for each one.",
    )


# A TlsError says what is wrong in its one line.
reports_tls_errors = reporting(TlsError, str)


@click.group()
def tls() -> None:
    """HTTPS for handhelds: a local CA and the server certificate it signs (docs/https.md)."""


@tls.command("init")
@config_option
@dir_option
@names_option(required=True)
@days_option
@click.option("--force", is_flag=True, help="Replace an existing CA (handhelds must reinstall).")
@reports_tls_errors
def tls_init(
    config_path: Path | None,
    directory: Path | None,
    names: tuple[str, ...],
    days: int,
    force: bool,
) -> None:
    """Create the local CA and a server certificate for the given names."""
    from edge.service import local_ca  # cryptography: loaded when a tls command runs

    settings = settings_from(config_path)
    target = _directory(settings, directory)
    label = settings.edge.id if "id" in settings.edge.model_fields_set else socket.gethostname()

    files = local_ca.init(target, names, label=label, now=datetime.now(UTC), days=days, force=force)

    _echo_issued(files)
    click.echo("\nAdd to the [server] section of the edge's config file, then restart the edge:")
    click.echo(f'  tls_cert = "{files.server_cert}"')
    click.echo(f'  tls_key = "{files.server_key}"')
    click.echo(f"\nInstall {files.ca_cert} (never ca.key) once on each handheld:")
    click.echo(
        "  Android: Settings > Security > Encryption & credentials > Install a certificate"
        " > CA certificate"
    )
    click.echo(
        "  iOS: open ca.crt in Safari, install the profile in Settings > General >"
        " VPN & Device Management, then turn it on in General > About > Certificate Trust Settings"
    )
    first = local_ca.summary(target).names[0]
    click.echo("Compare the SHA-256 fingerprint the handheld shows with the one above, then open")
    click.echo(f"  https://{_host(first)}:{settings.server.port}/")


@tls.command("renew")
@config_option
@dir_option
@names_option(required=False)
@days_option
@reports_tls_errors
def tls_renew(
    config_path: Path | None, directory: Path | None, names: tuple[str, ...], days: int
) -> None:
    """Issue a new server certificate from the existing CA (same names unless --name is given)."""
    from edge.service import local_ca  # cryptography: loaded when a tls command runs

    settings = settings_from(config_path)

    files = local_ca.renew(_directory(settings, directory), names, now=datetime.now(UTC), days=days)

    _echo_issued(files)
    click.echo("Restart the edge to serve it; handhelds keep the CA they have.")


@tls.command("show")
@config_option
@dir_option
@reports_tls_errors
def tls_show(config_path: Path | None, directory: Path | None) -> None:
    """Print the server certificate's names and expiry and the CA's SHA-256 fingerprint."""
    from edge.service import local_ca  # cryptography: loaded when a tls command runs

    settings = settings_from(config_path)
    files = local_ca.TlsFiles(_directory(settings, directory))

    info = local_ca.summary(files.directory)

    days_left = (info.not_after - datetime.now(UTC)).days
    click.echo(f"server certificate  {files.server_cert}")
    click.echo(f"  subject           {info.subject}")
    click.echo(f"  names             {', '.join(info.names)}")
    click.echo(f"  valid             {info.not_before:%Y-%m-%d} to {info.not_after:%Y-%m-%d}")
    expired = " (EXPIRED: run tls renew)" if days_left < 0 else ""
    click.echo(f"  days left         {days_left}{expired}")
    click.echo(f"  issued by the CA  {'yes' if info.issued_by_ca else 'NO: run tls renew'}")
    click.echo(f"CA certificate      {files.ca_cert}")
    click.echo(f"  subject           {info.ca_subject}")
    click.echo(f"  SHA-256           {info.ca_fingerprint}")


def _directory(settings: Settings, directory: Path | None) -> Path:
    return (directory or settings.edge.data_dir / "tls").absolute()


def _echo_issued(files: local_ca.TlsFiles) -> None:
    from edge.service import local_ca  # cryptography: loaded by a tls command, not by `serve`

    info = local_ca.summary(files.directory)
    click.echo(f"CA certificate      {files.ca_cert}")
    click.echo(f"  SHA-256           {info.ca_fingerprint}")
    click.echo(f"server certificate  {files.server_cert} (key {files.server_key})")
    click.echo(f"  names             {', '.join(info.names)}")
    click.echo(f"  valid until       {info.not_after:%Y-%m-%d}")


def _host(name: str) -> str:
    return f"[{name}]" if ":" in name else name
