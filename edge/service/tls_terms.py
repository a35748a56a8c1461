"""What `warehouse-edge tls` promises before it does any cryptography: the longest life of a
server certificate and the error its commands report. Apart from `local_ca` so that the CLI,
which every `warehouse-edge` command (`serve` too) loads, does not load `cryptography` (8 MB of
the server's memory) for its options."""

from __future__ import annotations

# Apple platforms refuse TLS server certificates valid for more than 825 days, whoever issued
# them ("Requirements for trusted certificates in iOS 13 and macOS 10.15", support.apple.com/HT210176).
MAX_SERVER_DAYS = 825


class TlsError(Exception):
    """A TLS directory or name the command cannot work with, told in one line a person can act on."""
