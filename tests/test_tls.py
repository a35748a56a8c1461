"""`warehouse-edge tls`: the local CA and server certificate on real files, and a real edge
serving HTTPS with them to a client that trusts only that CA."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import signal
import ssl
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from edge.cli.tls_cmd import tls
from tests.servers import HOST, serve_edge, write_config

FILES = ("ca.crt", "ca.key", "server.crt", "server.key")


def run(*args: str) -> Result:
    return CliRunner().invoke(tls, list(args), prog_name="warehouse-edge tls")


def init(directory: Path, *names: str, extra: tuple[str, ...] = ()) -> Result:
    result = run("init", "--dir", str(directory), *(f"--name={name}" for name in names), *extra)
    assert result.exit_code == 0, result.output
    return result


def certs(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def contents(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILES}


def extension(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType:
    return cert.extensions.get_extension_for_class(kind).value


# --- tls init ---


def test_init_writes_four_files_with_the_keys_readable_by_the_owner_only(tmp_path: Path) -> None:
    directory = tmp_path / "tls"

    init(directory, "edge.test")

    modes = {name: (directory / name).stat().st_mode & 0o777 for name in FILES}
    assert modes == {"ca.crt": 0o644, "ca.key": 0o600, "server.crt": 0o644, "server.key": 0o600}
    assert sorted(path.name for path in directory.iterdir()) == sorted(FILES)


def test_init_certifies_dns_names_as_dns_names_and_addresses_as_ip_entries(tmp_path: Path) -> None:
    init(tmp_path, "Edge.Test", "127.0.0.1", "192.168.1.20", "fd00::20", "edge.test")

    san = extension(certs(tmp_path / "server.crt")[0], x509.SubjectAlternativeName)

    assert list(san) == [
        x509.DNSName("edge.test"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("192.168.1.20")),
        x509.IPAddress(ipaddress.ip_address("fd00::20")),
    ]


def test_the_ca_is_a_ten_year_p256_ca_for_one_level_named_after_the_edge(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"edge": {"id": "dock-7"}})
    run("init", "--config", str(config), "--name", "edge.test")

    ca = certs(tmp_path / "tls" / "ca.crt")[0]

    assert ca.subject.rfc4514_string() == "O=warehouse-edge,CN=Warehouse edge local CA dock-7"
    assert ca.issuer == ca.subject
    assert extension(ca, x509.BasicConstraints) == x509.BasicConstraints(ca=True, path_length=0)
    usage = extension(ca, x509.KeyUsage)
    assert (usage.key_cert_sign, usage.crl_sign, usage.key_encipherment) == (True, True, False)
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    assert ca.public_key().curve.name == "secp256r1"
    assert ca.not_valid_after_utc - ca.not_valid_before_utc == timedelta(days=3650)


def test_the_server_certificate_is_for_server_auth_within_825_days_chained_to_the_ca(
    tmp_path: Path,
) -> None:
    init(tmp_path, "edge.test")

    leaf, chained_ca = certs(tmp_path / "server.crt")

    assert chained_ca == certs(tmp_path / "ca.crt")[0]
    leaf.verify_directly_issued_by(chained_ca)  # raises if not
    assert extension(leaf, x509.BasicConstraints) == x509.BasicConstraints(
        ca=False, path_length=None
    )
    assert list(extension(leaf, x509.ExtendedKeyUsage)) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == timedelta(days=825)
    assert leaf.subject.rfc4514_string() == "CN=edge.test"


def test_init_refuses_to_replace_a_ca_and_changes_nothing(tmp_path: Path) -> None:
    init(tmp_path, "edge.test")
    before = contents(tmp_path)

    result = run("init", "--dir", str(tmp_path), "--name", "other.test")

    assert (result.exit_code, result.output) == (
        1,
        f"error: {tmp_path / 'ca.crt'} already exists: `tls renew` issues a new server "
        "certificate from this CA; `tls init --force` replaces the CA, and every handheld "
        "must then install the new ca.crt\n",
    )
    assert contents(tmp_path) == before


def test_init_with_force_replaces_the_ca(tmp_path: Path) -> None:
    init(tmp_path, "edge.test")
    before = contents(tmp_path)

    init(tmp_path, "edge.test", extra=("--force",))

    after = contents(tmp_path)
    assert {name for name in FILES if after[name] != before[name]} == set(FILES)


BAD_NAME = "expected a DNS name such as edge.local or an IP address such as 192.168.1.20"


@pytest.mark.parametrize(
    ("args", "status", "last_line"),
    [
        (("--name", "edge_test"), 1, f"error: name 'edge_test': {BAD_NAME}"),
        (
            ("--name", "edge.test", "--name", "-edge.test"),
            1,
            f"error: name '-edge.test': {BAD_NAME}",
        ),
        (
            ("--name", "edge.test", "--days", "826"),
            2,
            "Error: Invalid value for '--days': 826 is not in the range 1<=x<=825.",
        ),
        ((), 2, "Error: Missing option '--name'."),
    ],
    ids=["underscore", "leading-hyphen", "too-many-days", "no-name"],
)
def test_init_refuses_bad_names_and_days_and_writes_nothing(
    tmp_path: Path, args: tuple[str, ...], status: int, last_line: str
) -> None:
    directory = tmp_path / "tls"

    result = run("init", "--dir", str(directory), *args)

    assert (result.exit_code, result.output.splitlines()[-1]) == (status, last_line)
    assert not directory.exists()


# --- tls renew, tls show ---


def test_renew_keeps_the_ca_and_issues_a_new_key_for_the_new_names(tmp_path: Path) -> None:
    init(tmp_path, "edge.test", "127.0.0.1")
    before = contents(tmp_path)

    result = run("renew", "--dir", str(tmp_path), "--name", "edge2.test", "--name", "10.0.0.9")

    assert result.exit_code == 0, result.output
    after = contents(tmp_path)
    assert {name for name in FILES if after[name] != before[name]} == {"server.crt", "server.key"}
    leaf, chained_ca = certs(tmp_path / "server.crt")
    leaf.verify_directly_issued_by(certs(tmp_path / "ca.crt")[0])
    assert chained_ca == certs(tmp_path / "ca.crt")[0]
    assert list(extension(leaf, x509.SubjectAlternativeName)) == [
        x509.DNSName("edge2.test"),
        x509.IPAddress(ipaddress.ip_address("10.0.0.9")),
    ]
    assert (tmp_path / "server.key").stat().st_mode & 0o777 == 0o600


def test_renew_without_names_keeps_the_names(tmp_path: Path) -> None:
    init(tmp_path, "edge.test", "127.0.0.1")
    names_before = extension(certs(tmp_path / "server.crt")[0], x509.SubjectAlternativeName)

    result = run("renew", "--dir", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert extension(certs(tmp_path / "server.crt")[0], x509.SubjectAlternativeName) == names_before


def test_renew_without_a_ca_is_refused(tmp_path: Path) -> None:
    result = run("renew", "--dir", str(tmp_path), "--name", "edge.test")

    assert (result.exit_code, result.output) == (
        1,
        f"error: {tmp_path / 'ca.crt'} does not exist: create the CA first with `tls init`\n",
    )


def show_fields(output: str) -> dict[tuple[str, str], str]:
    """`tls show` output as {(section, field): value}; a section is a line that is not indented."""
    fields: dict[tuple[str, str], str] = {}
    section = ""
    for line in output.splitlines():
        key, value = re.split(r" {2,}", line.strip(), maxsplit=1)
        if line.startswith(" "):
            fields[(section, key)] = value
        else:
            section, fields[(key, "file")] = key, value
    return fields


def test_show_prints_the_names_the_expiry_and_the_ca_fingerprint(tmp_path: Path) -> None:
    init(tmp_path, "edge.test", "127.0.0.1")
    leaf = certs(tmp_path / "server.crt")[0]
    # What a handheld shows: SHA-256 over the DER bytes of the CA certificate.
    der = ssl.PEM_cert_to_DER_cert((tmp_path / "ca.crt").read_text())
    fingerprint = ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())
    expiry = f"{leaf.not_valid_before_utc:%Y-%m-%d} to {leaf.not_valid_after_utc:%Y-%m-%d}"

    result = run("show", "--dir", str(tmp_path))

    assert result.exit_code == 0, result.output
    fields = show_fields(result.output)
    del fields[("server certificate", "days left")]  # depends on the clock
    assert fields == {
        ("server certificate", "file"): str(tmp_path / "server.crt"),
        ("server certificate", "subject"): "CN=edge.test",
        ("server certificate", "names"): "edge.test, 127.0.0.1",
        ("server certificate", "valid"): expiry,
        ("server certificate", "issued by the CA"): "yes",
        ("CA certificate", "file"): str(tmp_path / "ca.crt"),
        ("CA certificate", "subject"): certs(tmp_path / "ca.crt")[0].subject.rfc4514_string(),
        ("CA certificate", "SHA-256"): fingerprint,
    }


# --- a real server ---


def get(url: str, *, verify: ssl.SSLContext | bool, name: str | None = None) -> httpx.Response:
    """One GET on a new connection; `name` is the host name sent (SNI, Host) and verified."""
    extra = {"headers": {"Host": name}, "extensions": {"sni_hostname": name}} if name else {}
    with httpx.Client(verify=verify, timeout=5) as client:
        return client.get(url, **extra)


@pytest.fixture
def https_edge(tmp_path: Path) -> Iterator[tuple[str, ssl.SSLContext, subprocess.Popen[bytes]]]:
    init(tmp_path / "tls", "edge.test", HOST)
    config = write_config(
        tmp_path,
        {
            "server": {
                "tls_cert": str(tmp_path / "tls/server.crt"),
                "tls_key": str(tmp_path / "tls/server.key"),
            }
        },
    )
    context = ssl.create_default_context(cafile=str(tmp_path / "tls/ca.crt"))
    server = serve_edge(config, tmp_path / "serve.log", tls=context)
    try:
        yield server.url, context, server.process
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@pytest.mark.slow
def test_the_edge_serves_https_that_only_a_client_trusting_its_ca_accepts(
    https_edge: tuple[str, ssl.SSLContext, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    url, context, process = https_edge

    by_address = get(f"{url}/healthz", verify=context)
    by_name = get(f"{url}/healthz", verify=context, name="edge.test")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        get(f"{url}/healthz", verify=context, name="other.test")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        get(f"{url}/healthz", verify=True)  # the system's CAs only
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=30)

    assert (by_address.status_code, by_name.status_code) == (200, 200)
    assert status == 0
    assert f"listening on {url}" in (tmp_path / "serve.log").read_text()
