"""Text from users made safe to show: control and bidi characters become visible escapes.

This module sits at the bottom of the package and imports nothing else from it,
so the reports, the terminal output and CSV writers can all use it.
"""

from __future__ import annotations

import re

# Bidi formatting characters (category Cf) that reorder how text around them is displayed:
# ALM, LRM, RLM, the embeddings and overrides LRE..RLO (with PDF), the isolates LRI..PDI.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# Category Cc is exactly U+0000-U+001F and U+007F-U+009F (C0, DEL and the C1 controls).
# Lone surrogates stand for bytes of a file name that are not UTF-8 (Python's surrogateescape): they
# cannot be printed at all, so they are shown as escapes too.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control and bidi character replaced by a visible escape.

    Replaced are all characters of Unicode category Cc (the C0 controls
    U+0000-U+001F including tab and newline, DEL and the C1 controls
    U+0080-U+009F) and the bidi formatting characters U+061C, U+200E, U+200F,
    U+202A-U+202E and U+2066-U+2069, and lone surrogates (the undecodable
    bytes of a file name). A code point below U+0100 is written
    ``\\x1b``, any other ``\\u202e`` (lower-case hex), so the result shows the
    reader exactly what was there and can neither drive a terminal (ANSI
    escapes, carriage returns) nor reorder the text around it (a right-to-left
    override hiding a file's real name). Everything else, including existing
    backslashes, is left as it is: the result is for reading, not for decoding.

    >>> visible("ok\\x1b[31mred\\u202eevil")
    'ok\\\\x1b[31mred\\\\u202eevil'
    """
    return _HIDDEN.sub(_escape, text)
