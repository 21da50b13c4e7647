"""Decoding raw lines: nothing lost, nothing invisible."""

from __future__ import annotations

from secops.ingest.text import decode_line


def test_plain_line_loses_only_its_terminator() -> None:
    assert decode_line(b"hello world\r\n").text == "hello world"
    assert decode_line("hello\n").tags == ()


def test_invalid_utf8_is_escaped_visibly() -> None:
    decoded = decode_line(b"user \xff\xfe caf\xc3\xa9")
    assert decoded.text == "user \\xff\\xfe café"
    assert decoded.tags == ("invalid_utf8",)


def test_control_characters_are_escaped() -> None:
    decoded = decode_line(b"a\x00b\x1b[31mred\x1b[0m\rforged\nline")
    assert decoded.text == "a\\x00b\\x1b[31mred\\x1b[0m\\x0dforged\\x0aline"
    assert decoded.tags == ("control_chars",)
    assert decode_line("tab\tstays").text == "tab\tstays"


def test_long_line_is_truncated_and_tagged() -> None:
    decoded = decode_line(b"x" * 1_000_000, max_chars=1000)
    assert decoded.text == "x" * 1000
    assert decoded.tags == ("truncated",)
    assert decode_line("é" * 2000, max_chars=1000).tags == ("truncated",)


def test_lone_surrogates_in_str_are_escaped() -> None:
    assert decode_line("a\udcffb\ud800").text == "a\\xffb\\ud800"
