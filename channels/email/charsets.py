"""Turning bytes of unknown or mislabelled encoding into text without ever failing.

Mail in the wild declares charsets that Python does not know (``x-unknown``, ``unicode-1-1-utf-7``, vendor
names), declares the wrong one, or none at all. Text is decoded with the declared charset when it works, then
with well-known supersets, and finally with a lossless single-byte codec so no message is lost for a bad
label.
"""

from __future__ import annotations

import codecs

# Labels seen in real mail, mapped to the codec that actually decodes what those senders produce.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ansi_x3.4-1968": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "windows-874": "cp874",
    "tis-620": "cp874",
}


def codec_for(charset: str | None) -> str | None:
    """The Python codec for a declared charset, or None when the label names nothing usable."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Best-effort text: the declared charset, then UTF-8, then Windows-1252, never an exception."""
    declared = codec_for(charset)
    for codec in (declared, "utf-8"):
        if codec is None:
            continue
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    if declared is not None and declared != "utf-8":
        # A multi-byte label with a few bad bytes is still mostly right; replacing the gaps keeps the rest.
        return data.decode(declared, errors="replace")
    try:
        # Mail labelled UTF-8 (or unlabelled) that is not UTF-8 was almost always written on Windows.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
