"""Per-file text decoding: UTF-8 (with or without BOM), UTF-16 with BOM, and Windows-1256.

Windows-1256 maps every byte to some character, so any byte string "decodes"; we accept it only when the
result looks like Arabic-script text, and call everything else undecodable rather than index garbage.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

BOM_UTF8 = codecs.BOM_UTF8
BOM_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Control characters that never occur in text (tab, newlines, form feed and escape-free text allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Characters a Windows-1256 Persian text is made of, beyond ASCII.
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u200c\u200d\u00ab\u00bb\u00a0\u2026\u2013\u2014\u2018-\u201e]")


class DecodeError(ValueError):
    """A file is not text we can read; the message says why (used as the skip reason's detail)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a file's bytes; return (text, encoding name). Raises DecodeError (binary or undecodable)."""
    if data.startswith(BOM_UTF8):
        try:
            return _strict_utf8(data[len(BOM_UTF8) :]), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise DecodeError(
                "undecodable", f"invalid UTF-8 at byte {exc.start + 3} after a UTF-8 BOM"
            ) from exc
    if data.startswith(BOM_UTF16):
        try:
            text = codecs.getincrementaldecoder("utf-16")().decode(data, final=False)  # forgive a cut tail
        except UnicodeDecodeError as exc:
            raise DecodeError("undecodable", f"invalid UTF-16 after a UTF-16 BOM ({exc.reason})") from exc
        _refuse_controls(text, "UTF-16")
        return text, "utf-16"
    if b"\x00" in data:
        if _looks_like_bomless_utf16(data):
            raise DecodeError(
                "undecodable", "looks like UTF-16 without a byte-order mark; save it with a BOM"
            )
        raise DecodeError("binary", "binary file (contains NUL bytes)")
    try:
        return _strict_utf8(data), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _looks_like_broken_utf8(data):
        raise DecodeError("undecodable", f"invalid UTF-8 at byte {utf8_error.start}")
    text = data.decode("cp1256", errors="replace")
    if _looks_like_cp1256_text(text):
        return text, "cp1256"
    raise DecodeError("undecodable", "not UTF-8, UTF-16 with a BOM or Windows-1256 text")


def _looks_like_bomless_utf16(data: bytes) -> bool:
    """Text in UTF-16 has a NUL in every other byte for ASCII, and a repeating high byte for Persian."""
    head = data[:4096]
    if len(head) < 16:
        return False
    for start in (0, 1):
        half = head[start::2]
        if half.count(0) + half.count(6) >= 0.9 * len(half):  # 0x00 (ASCII) or 0x06 (Arabic block)
            try:
                text = data[: len(data) // 2 * 2].decode("utf-16-le" if start else "utf-16-be")
            except UnicodeDecodeError:
                return False
            return not _CONTROL.search(text) and any(ch.isalpha() for ch in text)
    return False


def _strict_utf8(data: bytes) -> str:
    """Decode UTF-8 strictly, but forgive a last character cut in half (a truncated file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    text = decoder.decode(data, final=False)
    _refuse_controls(text, "UTF-8")
    return text


def _refuse_controls(text: str, encoding: str) -> None:
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) // 1000):
        raise DecodeError("binary", f"binary file ({controls} control characters in {encoding} text)")


def _looks_like_broken_utf8(data: bytes) -> bool:
    """Mostly valid UTF-8 multi-byte sequences with a few bad bytes: a damaged UTF-8 file, not cp1256."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return good >= 4 * bad


def _looks_like_cp1256_text(text: str) -> bool:
    """Windows-1256 decoding of real Persian/Arabic text: no control characters, and its non-ASCII
    characters are overwhelmingly Arabic-script letters and the usual punctuation."""
    if _CONTROL.search(text) or "\ufffd" in text:
        return False
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return False  # pure ASCII would have been valid UTF-8
    arabic = sum(1 for ch in non_ascii if _ARABIC_SCRIPT.match(ch))
    letters = sum(1 for ch in non_ascii if unicodedata.category(ch).startswith("L"))
    return arabic >= 0.9 * len(non_ascii) and letters >= 0.5 * len(non_ascii)
