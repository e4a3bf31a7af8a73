"""Text from the model made safe to print: no terminal control sequences.

A task title or an error quoting a reply could hold ``ESC ] 52`` (write the clipboard), ``ESC [
2J`` (clear the screen), a carriage return that hides what came before, or an OSC 8 link. Every
line the CLI prints from data goes through :func:`terminal_text`, on a terminal or not (the text
may end up in one later: ``cat log``).
"""

from __future__ import annotations

import re

#: ESC sequences: CSI (``ESC [`` parameters, intermediates, final byte), OSC/DCS/SOS/PM/APC
#: strings (up to BEL or ``ESC \\``, or the end of the text), and two-byte escapes. Each part is
#: a run of one character class followed by a different one, so matching is linear.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
)
#: C0 controls but tab and newline, DEL, and the C1 controls (8-bit CSI, OSC...).
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)], None)


def terminal_text(text: str) -> str:
    """``text`` without ESC sequences and control characters (newline and tab are kept)."""
    if text.isprintable():
        return text
    return _ESCAPES.sub("", text).translate(_CONTROLS)
