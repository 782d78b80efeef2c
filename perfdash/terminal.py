"""Text printed to a terminal or a log line: control characters shown as escapes, never obeyed. Pure."""

from __future__ import annotations

import unicodedata

# Categories a terminal or log reader may act on: C0/C1 controls (ESC, newline, carriage return, bell),
# format characters (bidi overrides that reorder text), and the Unicode line and paragraph separators.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe(text: object, *, limit: int = 2000) -> str:
    """One printable line: every control or format character escaped, and at most `limit` characters."""
    raw = str(text)
    shown = raw[:limit]
    if shown.isascii() and shown.isprintable():
        cleaned = shown
    else:
        cleaned = "".join(_escape(c) if unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in shown)
    if len(raw) > limit:
        cleaned += f"... ({len(raw):,} characters in all)"
    return cleaned
