"""Bytes to text that is safe to store and show, without losing what the line said.

A log line is attacker-controlled: it may carry invalid UTF-8, NUL, terminal escapes or
embedded newlines meant to forge a second line. Decoding keeps every byte recoverable by
writing what is not printable text as a visible escape (``\\xNN``), and tags the event so
nothing is silently altered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LINE_CHARS = 64 * 1024  # longer lines are cut here and tagged "truncated", never dropped

# C0 controls except TAB, DEL, and C1 controls: ANSI escapes, NUL, CR/LF inside a line.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Text:
    """A decoded line and what decoding had to do to it."""

    text: str
    tags: tuple[str, ...] = ()


def decode_line(raw: str | bytes, max_chars: int = MAX_LINE_CHARS) -> Text:
    """Decode one raw log line to printable text.

    Args:
        raw: the line as read, with or without its line terminator.
        max_chars: the longest text kept; the rest is cut and the cut tagged.

    Returns:
        The text with invalid UTF-8 and control characters escaped as ``\\xNN``, and tags
        among ``invalid_utf8``, ``control_chars`` and ``truncated``.
    """
    return Text(*decode(raw, max_chars))


def decode(raw: str | bytes, max_chars: int = MAX_LINE_CHARS) -> tuple[str, tuple[str, ...]]:
    """:func:`decode_line` as a plain (text, tags) pair, for the per-line hot path."""
    if isinstance(raw, bytes):
        if len(raw) > max_chars * 4 + 2:  # cut before decoding: a huge line costs no more
            raw = raw[: max_chars * 4 + 2]
        text = raw.decode("utf-8", "surrogateescape")
    elif isinstance(raw, bytearray):
        text = bytes(raw[: max_chars * 4 + 2]).decode("utf-8", "surrogateescape")
    else:
        text = raw
    text = text.rstrip("\r\n")
    if len(text) > max_chars:
        text = text[:max_chars]
        if text.isprintable():
            return text, ("truncated",)
        return _escape(text, ["truncated"])
    if text.isprintable():  # no control character, no surrogate: the usual case, one scan
        return text, ()
    return _escape(text, [])


def _escape(text: str, tags: list[str]) -> tuple[str, tuple[str, ...]]:
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(_escape_surrogate, text)
        tags.append("invalid_utf8")
    if _CONTROL.search(text):
        text = _CONTROL.sub(_escape_control, text)
        tags.append("control_chars")
    return text, tuple(tags)


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    # surrogateescape maps an undecodable byte b to U+DC00+b: show the byte itself
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def _escape_control(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"
