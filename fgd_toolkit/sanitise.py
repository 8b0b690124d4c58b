"""User text made safe for where it goes: XML 1.0, a terminal, an identifier.

Transcripts, codebooks and file names come from other people and may hold control
characters (``\\x01``, a vertical tab from Word, an ANSI escape ``\\x1b[31m``) or, in a file
name, bytes that are not UTF-8 (Python keeps them as lone surrogates, ``\\udcff``).
"""
from __future__ import annotations

import re

#: Characters XML 1.0 does not allow (https://www.w3.org/TR/xml/#charsets), lone surrogates
#: included.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: What a terminal would act on instead of showing: C0/C1 controls, DEL, lone surrogates and
#: the bidirectional overrides that reorder what is shown ("Trojan Source").
_NOT_PRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u202a-\u202e"
                            "\u2066-\u2069]")


def for_xml(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced: vertical tab and form feed
    (Word's soft breaks) by a space, the others by U+FFFD."""
    if not _NOT_XML.search(text):
        return text
    return _NOT_XML.sub(lambda m: " " if m.group() in "\x0b\x0c" else "\ufffd", text)


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:               # an undecodable byte of a file name
        return f"\\x{code - 0xDC00:02x}"
    return repr(match.group())[1:-1] if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: object) -> str:
    """``text`` with controls shown as escapes (``\\x1b``, ``\\n``), so printing it cannot
    move the cursor, change colours or split a one-line message."""
    text = str(text)
    return _NOT_PRINTABLE.sub(_escaped, text) if _NOT_PRINTABLE.search(text) else text


def readable_name(name: str) -> str:
    """A file name as valid Unicode: bytes that are not UTF-8 are written ``\\xff``."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        raw = name.encode("utf-8", "surrogateescape")     # as os.fsencode gives the bytes
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "backslashreplace")
