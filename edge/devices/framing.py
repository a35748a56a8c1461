"""Cut a scanner's byte stream into lines: pure and incremental, one framer per connection.

Bytes are decoded as latin-1, so every byte, GS (FNC1) included, survives as one character.
A line that is too long, garbled or cut off is handed back with its reason, never merged
into the next one. What a line means is not decided here (see edge.domain.scan).
"""

from __future__ import annotations

from dataclasses import dataclass

GS = "\x1d"
STX = "\x02"
ETX = "\x03"
TERMINATORS = {"cr": "\r", "lf": "\n", "crlf": "\r\n", "tab": "\t", "etx": ETX}
# Control characters that belong inside a barcode's data: GS separates GS1 fields; RS and EOT
# frame ISO/IEC 15434 messages ("[)>" RS "06" GS ... RS EOT); TAB is a common field separator.
DATA_CONTROLS = frozenset("\x1d\x1e\x04\t")
_NAMES = {
    "\x00": "NUL",
    "\x02": "STX",
    "\x03": "ETX",
    "\x04": "EOT",
    "\t": "TAB",
    "\n": "LF",
    "\r": "CR",
    "\x1b": "ESC",
    "\x1d": "GS",
    "\x1e": "RS",
}


@dataclass(frozen=True)
class FramedLine:
    """One line cut from the stream: `ok`, or refused with a reason (text kept for the log)."""

    text: str
    ok: bool = True
    reason: str = ""


def terminator_from(name: str) -> str:
    """'cr', 'lf', 'crlf', 'tab', 'etx' by name; any other non-empty text is used as it is."""
    if not name:
        raise ValueError("the terminator must not be empty")
    return TERMINATORS.get(name.lower(), name)


def is_printable(char: str) -> bool:
    """Printable ASCII or latin-1, or a control character that barcode data may carry."""
    code = ord(char)
    return 0x20 <= code < 0x7F or 0xA0 <= code <= 0xFF or char in DATA_CONTROLS


def visible(text: str) -> str:
    """Control and non-latin-1 characters spelled out: GS as <GS>, CR as <CR>, others <xNN>."""
    out = []
    for char in text:
        if char in _NAMES:
            out.append(f"<{_NAMES[char]}>")
        elif 0x20 <= ord(char) < 0x7F or 0xA0 <= ord(char) <= 0xFF:
            out.append(char)
        else:
            out.append(f"<x{ord(char):02x}>")
    return "".join(out)


class Framer:
    """Feed it bytes as they arrive; it returns the lines that completed, good and refused."""

    def __init__(
        self,
        terminator: str = "\r",
        *,
        prefix: str = "",
        suffix: str = "",
        max_length: int = 256,
        max_garbled_share: float = 0.0,
    ) -> None:
        if not terminator:
            raise ValueError("the terminator must not be empty")
        if max_length < 1:
            raise ValueError("max_length must be at least 1")
        self.terminator = terminator
        self.prefix = prefix
        self.suffix = suffix
        self.max_length = max_length
        self.max_garbled_share = max_garbled_share
        self._partial = ""
        self._skipping = False  # inside an over-long line: drop until the next terminator

    @property
    def partial(self) -> str:
        """Text received since the last terminator (empty when between lines)."""
        return self._partial

    def feed(self, data: bytes) -> list[FramedLine]:
        """Take the next bytes; return every line they complete (or refuse), in order."""
        lines: list[FramedLine] = []
        pieces = (self._partial + data.decode("latin-1")).split(self.terminator)
        self._partial = ""
        for piece in pieces[:-1]:
            lines.extend(self._complete(piece))
        lines.extend(self._hold(pieces[-1]))
        return lines

    def reset(self, reason: str) -> FramedLine | None:
        """Drop the partial line (the device went away mid-line); return it refused, if any."""
        partial, skipping = self._partial, self._skipping
        self._partial, self._skipping = "", False
        if not partial or skipping:
            return None
        return FramedLine(partial, ok=False, reason=reason)

    def _complete(self, piece: str) -> list[FramedLine]:
        if self._skipping:  # the rest of an over-long line, already reported
            self._skipping = False
            return []
        line = self._line(piece)
        return [line] if line is not None else []

    def _hold(self, rest: str) -> list[FramedLine]:
        """Keep an unfinished line; refuse it as soon as it is over-long."""
        if self._skipping:
            self._partial = self._terminator_tail(rest)
            return []
        if len(rest) <= self.max_length + self._framing_slack:
            self._partial = rest
            return []
        self._skipping = True
        self._partial = self._terminator_tail(rest)
        return [FramedLine(rest[: self.max_length], ok=False, reason="over_long")]

    @property
    def _framing_slack(self) -> int:
        # prefix, suffix, STX/ETX and a stray CR or LF may come on top of max_length
        return len(self.prefix) + len(self.suffix) + 2

    def _terminator_tail(self, rest: str) -> str:
        """The end of dropped text that may be the start of a multi-character terminator."""
        keep = len(self.terminator) - 1
        return rest[-keep:] if keep else ""

    def _line(self, piece: str) -> FramedLine | None:
        text = _unwrap(piece)
        text = text.removeprefix(self.prefix) if self.prefix else text
        text = text.removesuffix(self.suffix) if self.suffix else text
        if not text:
            return None  # a blank between lines (such as the LF of a CRLF) is not a scan
        if len(text) > self.max_length:
            return FramedLine(text[: self.max_length], ok=False, reason="over_long")
        bad = sum(not is_printable(char) for char in text)
        if bad and bad / len(text) > self.max_garbled_share:
            return FramedLine(text, ok=False, reason="garbled")
        return FramedLine(text)


def _unwrap(piece: str) -> str:
    """Line-end leftovers (CR/LF of another convention) and STX/ETX framing are not data."""
    text = piece.strip("\r\n")
    text = text.removeprefix(STX).removesuffix(ETX)
    return text.strip("\r\n")
