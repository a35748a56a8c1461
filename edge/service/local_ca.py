"""A local certificate authority, so handhelds can reach the edge over HTTPS on the warehouse LAN.

Browsers give secure-context-only features (service workers, the clipboard, crypto.randomUUID)
only to https:// pages and localhost; a handheld opening http://edge.local:8080 gets none of them.
No public CA will certify a LAN name, so the edge makes its own: a CA whose certificate is
installed once on each handheld, and a server certificate it signs for the names and addresses
the handhelds use. See docs/https.md.

Files in the TLS directory: ca.crt, ca.key (0600), server.crt (the server certificate followed
by ca.crt) and server.key (0600), all PEM. Keys are EC P-256 without a passphrase, so the
service starts unattended; file permissions protect them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from edge.files import private_dir, write_atomic
from edge.service.tls_terms import MAX_SERVER_DAYS as MAX_SERVER_DAYS
from edge.service.tls_terms import TlsError as TlsError

CA_DAYS = 3650
# Handheld clocks drift; a certificate dated from "now" would be refused by one running behind.
# The server certificate's whole span (from the back-dated start) stays within MAX_SERVER_DAYS.
BACKDATE = timedelta(days=1)
CA_PREFIX = "Warehouse edge local CA"
_DNS_NAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA and the server certificate live."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.directory / "server.key"


@dataclass(frozen=True)
class Summary:
    """What a supervisor checks: who the server certificate is for, until when, and which CA."""

    subject: str
    names: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    ca_subject: str
    ca_fingerprint: str
    issued_by_ca: bool


def parse_name(text: str) -> x509.GeneralName:
    """An IP address as an IPAddress entry, anything else as a DNS name (lower-cased, checked)."""
    try:
        return x509.IPAddress(ipaddress.ip_address(text.strip()))
    except ValueError:
        pass
    name = text.strip().lower().rstrip(".")
    if not _DNS_NAME.match(name):
        raise TlsError(
            f"name {text!r}: expected a DNS name such as edge.local or an IP address "
            "such as 192.168.1.20"
        )
    return x509.DNSName(name)


def san_names(cert: x509.Certificate) -> tuple[str, ...]:
    """The certificate's subject alternative names as text, in order."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(str(entry.value) for entry in san)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as colon-separated upper-case hex, as Android shows it."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def init(
    directory: Path,
    names: Sequence[str],
    *,
    label: str,
    now: datetime,
    days: int = MAX_SERVER_DAYS,
    force: bool = False,
) -> TlsFiles:
    """Create the CA ("Warehouse edge local CA <label>") and a server certificate for `names`.

    Refuses when a CA is already there, unless `force`: every handheld trusts that CA."""
    files = TlsFiles(directory)
    general = _checked_names(names, days)
    existing = [path for path in (files.ca_cert, files.ca_key) if path.exists()]
    if existing and not force:
        raise TlsError(
            f"{existing[0]} already exists: `tls renew` issues a new server certificate from "
            "this CA; `tls init --force` replaces the CA, and every handheld must then "
            "install the new ca.crt"
        )
    ca_key, ca_cert = _new_ca(f"{CA_PREFIX} {label}", now=now)
    private_dir(directory)
    write_atomic(files.ca_key, _key_pem(ca_key), mode=0o600)
    write_atomic(files.ca_cert, _cert_pem(ca_cert), mode=0o644)
    _issue_into(files, ca_key, ca_cert, general, now=now, days=days)
    return files


def renew(
    directory: Path, names: Sequence[str] = (), *, now: datetime, days: int = MAX_SERVER_DAYS
) -> TlsFiles:
    """A new server key and certificate from the existing CA, for `names` (default: the names
    of the current server certificate). The CA, and so the handhelds, are unchanged."""
    files = TlsFiles(directory)
    ca_key, ca_cert = _load_ca(files)
    if not names:
        if not files.server_cert.exists():
            raise TlsError(f"{files.server_cert} does not exist: name the server with --name")
        names = san_names(_load_cert(files.server_cert))
    _issue_into(files, ca_key, ca_cert, _checked_names(names, days), now=now, days=days)
    return files


def summary(directory: Path) -> Summary:
    """The server certificate and the CA of `directory`, read back from the files."""
    files = TlsFiles(directory)
    cert = _load_cert(files.server_cert)
    ca_cert = _load_cert(files.ca_cert)
    return Summary(
        subject=cert.subject.rfc4514_string(),
        names=san_names(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        ca_subject=ca_cert.subject.rfc4514_string(),
        ca_fingerprint=fingerprint(ca_cert),
        issued_by_ca=_issued_by(cert, ca_cert),
    )


def _checked_names(names: Iterable[str], days: int) -> list[x509.GeneralName]:
    if not 1 <= days <= MAX_SERVER_DAYS:
        raise TlsError(f"--days {days}: expected 1 to {MAX_SERVER_DAYS} (Android and iOS limit)")
    general = list(dict.fromkeys(parse_name(name) for name in names))
    if not general:
        raise TlsError("no names: give each name handhelds use with --name (DNS name or IP)")
    return general


def _new_ca(
    common_name: str, *, now: datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "warehouse-edge"),
        ]
    )
    usage = _key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True)
    cert = (
        _builder(name, name, key.public_key(), now=now, days=CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _issue_into(
    files: TlsFiles,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    names: list[x509.GeneralName],
    *,
    now: datetime,
    days: int,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(names[0].value))])
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        _builder(subject, ca_cert.subject, key.public_key(), now=now, days=days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    write_atomic(files.server_key, _key_pem(key), mode=0o600)
    write_atomic(files.server_cert, _cert_pem(cert) + _cert_pem(ca_cert), mode=0o644)


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    *,
    now: datetime,
    days: int,
) -> x509.CertificateBuilder:
    start = now - BACKDATE
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(**allowed: bool) -> x509.KeyUsage:
    """KeyUsage with the named flags on and all the others (x509.KeyUsage wants each) off."""
    flags = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{flag: allowed.get(flag, False) for flag in flags})


def _load_ca(files: TlsFiles) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    for path in (files.ca_cert, files.ca_key):
        if not path.exists():
            raise TlsError(f"{path} does not exist: create the CA first with `tls init`")
    key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TlsError(f"{files.ca_key}: expected an EC private key made by `tls init`")
    return key, _load_cert(files.ca_cert)


def _load_cert(path: Path) -> x509.Certificate:
    """The first certificate of a PEM file."""
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except FileNotFoundError:
        raise TlsError(f"{path} does not exist: create it with `tls init`") from None
    except ValueError:
        raise TlsError(f"{path}: expected a PEM certificate") from None


def _issued_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
