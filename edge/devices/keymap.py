"""Keyboard-wedge scanners: Linux key events back into the characters the scanner typed.

Pure (no evdev needed): fed (code, value) pairs as evdev reports them. Key codes are those of
the Linux kernel, include/uapi/linux/input-event-codes.h (KEY_A = 30, KEY_ENTER = 28, ...);
the German layout follows xkeyboard-config symbols/de, variant "nodeadkeys".

GS (FNC1, ASCII 29) reaches a keyboard wedge in one of two ways, both understood here:
Ctrl+] (the key right of P on a US keyboard, whatever the layout prints on it), or Alt held
while typing 0 2 9 on the numeric keypad.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EV_KEY = 1
KEY_ENTER, KEY_KPENTER, KEY_TAB, KEY_CAPSLOCK = 28, 96, 15, 58
SHIFTS = frozenset({42, 54})  # KEY_LEFTSHIFT, KEY_RIGHTSHIFT
CTRLS = frozenset({29, 97})  # KEY_LEFTCTRL, KEY_RIGHTCTRL
KEY_LEFTALT, KEY_RIGHTALT = 56, 100
IGNORED = frozenset({69, 70, 125, 126})  # NUMLOCK, SCROLLLOCK, LEFTMETA, RIGHTMETA
KEYPAD_DIGITS = {
    82: "0",
    79: "1",
    80: "2",
    81: "3",
    75: "4",
    76: "5",
    77: "6",
    71: "7",
    72: "8",
    73: "9",
}
KEYPAD = {**KEYPAD_DIGITS, 55: "*", 74: "-", 78: "+", 83: ".", 98: "/"}
UNMAPPED = "\x00"  # a key the layout has no character for: the line then reads as garbled


def _row(first_code: int, plain: str, shifted: str) -> dict[int, tuple[str, str]]:
    return {first_code + i: pair for i, pair in enumerate(zip(plain, shifted, strict=True))}


@dataclass(frozen=True)
class Layout:
    """Characters per key code: plain and with Shift, and AltGr's third level if any."""

    name: str
    keys: dict[int, tuple[str, str]]
    altgr: dict[int, str] = field(default_factory=dict)


US = Layout(
    "us",
    {
        **_row(2, "1234567890-=", "!@#$%^&*()_+"),
        **_row(16, "qwertyuiop[]", "QWERTYUIOP{}"),
        **_row(30, "asdfghjkl;'`", 'ASDFGHJKL:"~'),
        **_row(43, "\\zxcvbnm,./", "|ZXCVBNM<>?"),
        57: (" ", " "),
        86: ("\\", "|"),  # KEY_102ND, the extra key of ISO keyboards
    },
)

DE = Layout(
    "de",
    {
        **_row(2, "1234567890ß´", '!"§$%&/()=?`'),
        **_row(16, "qwertzuiopü+", "QWERTZUIOPÜ*"),
        **_row(30, "asdfghjklöä^", "ASDFGHJKLÖÄ°"),
        **_row(43, "#yxcvbnm,.-", "'YXCVBNM;:_"),
        57: (" ", " "),
        86: ("<", ">"),
        83: (",", ","),  # the keypad's decimal key types a comma
    },
    # AltGr (KEY_RIGHTALT): Q @, 2 ², 3 ³, 7 {, 8 [, 9 ], 0 }, ß \, + ~, < |, M µ (€ is not latin-1)
    altgr={
        16: "@",
        3: "²",
        4: "³",
        8: "{",
        9: "[",
        10: "]",
        11: "}",
        12: "\\",
        27: "~",
        86: "|",
        50: "µ",
    },
)

LAYOUTS = {layout.name: layout for layout in (US, DE)}
# Ctrl + a non-letter key gives a control character by the key's US character (ASCII 0x1b-0x1f).
_CTRL_BY_US_KEY = {"[": "\x1b", "\\": "\x1c", "]": "\x1d", "6": "\x1e", "-": "\x1f"}


def layout_named(name: str) -> Layout:
    """The layout by name; ValueError lists the known ones."""
    try:
        return LAYOUTS[name.lower()]
    except KeyError:
        raise ValueError(
            f"keyboard layout must be one of {', '.join(LAYOUTS)}, not {name!r}"
        ) from None


class KeyDecoder:
    """Turns one keyboard's key events into text; keeps modifier, Caps Lock and Alt-code state."""

    def __init__(self, layout: str | Layout = "us") -> None:
        self.layout = layout if isinstance(layout, Layout) else layout_named(layout)
        self._shift: set[int] = set()
        self._ctrl: set[int] = set()
        self._alt = False
        self._altgr = False
        self._caps = False
        self._alt_digits = ""

    def feed_event(self, event_type: int, code: int, value: int) -> str:
        """An input event of any type; only EV_KEY events type anything."""
        return self.feed(code, value) if event_type == EV_KEY else ""

    def feed(self, code: int, value: int) -> str:
        """A key event (value 1 press, 0 release, 2 autorepeat); the text it types, maybe ''."""
        if value == 2 or code in IGNORED:
            return ""  # a scanner never holds a key; repeats would double characters
        if self._is_modifier(code):
            return self._modifier(code, pressed=value == 1)
        if value != 1:
            return ""
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps
            return ""
        return self._press(code)

    def _is_modifier(self, code: int) -> bool:
        return code in SHIFTS or code in CTRLS or code in (KEY_LEFTALT, KEY_RIGHTALT)

    def _modifier(self, code: int, *, pressed: bool) -> str:
        held = {**dict.fromkeys(SHIFTS, self._shift), **dict.fromkeys(CTRLS, self._ctrl)}
        if code in held:
            (held[code].add if pressed else held[code].discard)(code)
            return ""
        if code == KEY_RIGHTALT and self.layout.altgr:
            self._altgr = pressed
            return ""
        self._alt = pressed
        return "" if pressed else self._alt_code()

    def _alt_code(self) -> str:
        """Alt released after keypad digits: the character with that decimal code (Windows)."""
        digits, self._alt_digits = self._alt_digits, ""
        number = int(digits) % 256 if digits else 0
        return chr(number) if number else ""

    def _press(self, code: int) -> str:
        if self._alt:
            if code not in KEYPAD_DIGITS:
                return UNMAPPED  # Alt + another key is a shortcut, not text a scan could hold
            self._alt_digits += KEYPAD_DIGITS[code]
            return ""
        if code in (KEY_ENTER, KEY_KPENTER):
            return "\r"
        if code == KEY_TAB:
            return "\t"
        if self._ctrl:
            return self._control(code)
        if self._altgr:
            return self.layout.altgr.get(code, UNMAPPED)
        return self._character(code)

    def _character(self, code: int) -> str:
        pair = self.layout.keys.get(code)
        if pair is None:
            return KEYPAD.get(code, UNMAPPED)
        plain, shifted = pair
        upper = bool(self._shift) != (self._caps and plain.isalpha())
        return shifted if upper else plain

    def _control(self, code: int) -> str:
        plain = self.layout.keys.get(code, ("", ""))[0]
        if plain.isascii() and plain.isalpha():
            return chr(ord(plain.upper()) - 0x40)  # Ctrl+A = 0x01 ... Ctrl+Z = 0x1a
        us_plain = US.keys.get(code, ("", ""))[0]
        return _CTRL_BY_US_KEY.get(us_plain, UNMAPPED)
