"""Character folding for Persian words, with a map from every folded character back to the original text.

Folding works on one word at a time so that offsets stay exact: each output character remembers the span
of the original characters it came from, and dropped characters (diacritics, tatweel, bidi marks) are
absorbed into the span of their neighbour so a highlight still wraps the whole original word.
"""

from __future__ import annotations

import re
import unicodedata

ZWNJ = "\u200c"
# Characters that split a word into parts the way ZWNJ does (zero-width space, BOM used as ZWNBSP).
PART_BREAKS = frozenset("\u200c\u200b\ufeff")
# Characters removed inside a word: diacritics, superscript alef, Quranic marks, tatweel, ZWJ, LRM/RLM,
# bidi embeddings and isolates, soft hyphen.
_DROPPED = (
    set(map(chr, range(0x064B, 0x0660)))
    | set(map(chr, range(0x0610, 0x061B)))
    | set(map(chr, range(0x06D6, 0x06EE)))
    | set(map(chr, range(0x0300, 0x0370)))
    | set("\u0670\u0674\u0640\u200d\u200e\u200f\u00ad\u061c")
    | set(map(chr, range(0x202A, 0x202F)))
    | set(map(chr, range(0x2066, 0x206A)))
)
_DIRECT = {
    "ي": "ی",
    "ى": "ی",
    "ې": "ی",
    "ۍ": "ی",
    "ێ": "ی",
    "ك": "ک",
    "ڪ": "ک",
    "ة": "ه",
    "ۀ": "ه",
    "ە": "ه",
    "ھ": "ه",
    "ۂ": "ه",
    "ؤ": "و",
    # Persian typed on Urdu, Pashto, Sindhi or Kurdish layouts, or converted from old code pages: each letter
    # becomes the Persian letter it stands for (ہمارے = همارے → همار‌ی, ګل = گل).
    "ہ": "ه",  # heh goal
    "ۃ": "ه",  # teh marbuta goal
    "ۿ": "ه",
    "ے": "ی",  # yeh barree
    "ۓ": "ی",
    "ؽ": "ی",
    "ؾ": "ی",
    "ؿ": "ی",
    "ۑ": "ی",
    "ګ": "گ",  # Pashto gaf (kaf with ring)
    "ڳ": "گ",  # Sindhi gueh
    "ں": "ن",  # noon ghunna (Urdu)
    "ٶ": "و",
    "ٷ": "و",
    **dict.fromkeys("ۄۅۆۇۈۉۊۋۏ", "و"),
    "ٵ": "ا",
    "آ": "ا",
    "إ": "ا",
    "أ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ء": "",
    "\u0654": "",
    "\u0655": "",
    "\ufdfd": "بسم الله الرحمن الرحیم",  # a ligature Unicode gives no decomposition
}
_DIGITS = {chr(0x06F0 + i): str(i) for i in range(10)} | {chr(0x0660 + i): str(i) for i in range(10)}


def _fold_char(ch: str) -> str:
    """Fold one character that is not hamza-on-ya (handled with its context)."""
    if ch in _DROPPED:
        return ""
    out = _DIRECT.get(ch)
    if out is not None:
        return out
    out = _DIGITS.get(ch)
    if out is not None:
        return out
    if ch.isascii():
        return ch.lower()
    code = ord(ch)
    if unicodedata.category(ch) == "No" and float(unicodedata.numeric(ch, 0.5)).is_integer():
        return str(int(unicodedata.numeric(ch)))  # ⑤ ⒕ ⑴ ❺: the number, without its circle, dot or brackets
    if 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFC or 0xFF00 <= code <= 0xFFEF or ch.isdigit():
        out = unicodedata.normalize("NFKC", ch)
    else:
        out = ch.lower()
    if out == ch:
        return ch
    return "".join(_fold_char(c) if c != "ئ" else "ی" for c in out)


# The one fold table (one character to its folded text, or dropped): the analyzer's fast path, and the
# snippets' pre-filter (search_ui.results.snippets), so a letter added here is folded alike everywhere.
FOLD_TABLE = str.maketrans(
    {
        **dict.fromkeys(_DROPPED, None),
        **_DIRECT,
        **_DIGITS,
        **{c: c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    }
)
_SLOW = re.compile("[^\u0621-\u06ffa-z0-9]")  # after the table: anything that may need the careful path


def quick_fold(raw: str) -> str | None:
    """Fast path: the folded key when a translation table suffices and no character was dropped."""
    out = raw.translate(FOLD_TABLE)
    if len(out) != len(raw) or _SLOW.search(out) or "ئ" in out:
        return None
    return out


def fold(raw: str) -> tuple[str, list[int], list[int]]:
    """Fold a word (no separators inside) to its key; return key and per-key-char [start, end) into raw.

    Hamza on ya (ئ) folds by context so the usual spellings meet: before و it is و (مسئول = مسوول),
    after ی it is ا (هیئت = هیأت = هیات), elsewhere ی (پائیز = پاییز, رئیس = رییس).
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(raw):
        if ch == "ئ":
            nxt = _next_kept(raw, i + 1)
            prev = chars[-1] if chars else ""
            out = "و" if nxt in ("و", "ؤ") else ("ا" if prev == "ی" else "ی")
        else:
            out = _fold_char(ch)
        if not out:  # dropped: absorbed by the previous kept character (or the first one, see starts)
            if ends:
                ends[-1] = i + 1
            continue
        for c in out:
            chars.append(c)
            starts.append(i if starts else 0)
            ends.append(i + 1)
    return "".join(chars), starts, ends


def _next_kept(raw: str, j: int) -> str:
    while j < len(raw):
        out = _fold_char(raw[j]) if raw[j] != "ئ" else "ی"
        if out:
            return out[0] if raw[j] not in ("ؤ",) else "و"
        j += 1
    return ""


def fold_key(raw: str) -> str:
    """The folded key of a word (separators such as ZWNJ are removed, i.e. parts joined)."""
    quick = quick_fold(_BREAK_RE.sub("", raw))
    if quick is not None:
        return quick
    out = []
    for part in split_parts(raw):
        quick = quick_fold(part)
        out.append(quick if quick is not None else fold(part)[0])
    return "".join(out)


_BREAK_RE = re.compile("[\u200c\u200b\ufeff]")


def split_parts(raw: str) -> list[str]:
    """Split a word at ZWNJ-like characters."""
    return [p for p in _BREAK_RE.split(raw) if p]


_RUN = re.compile(r"([\u0621-\u06ff])\1\1+")  # a letter written three or more times in a row


def has_run(key: str) -> bool:
    """Whether a folded key repeats a Persian letter three or more times (خیلیییی، سلاااام: emphasis)."""
    return _RUN.search(key) is not None


def collapse_runs(
    key: str, starts: list[int], ends: list[int], keep: int
) -> tuple[str, list[int], list[int]]:
    """Collapse every run of 3+ equal Persian letters to `keep` letters; the kept letters' spans cover the run
    so offsets still wrap the whole original word."""
    out, new_starts, new_ends = [], [], []
    i = 0
    for match in _RUN.finditer(key):
        a, b = match.span()
        out.append(key[i:a])
        new_starts.extend(starts[i:a])
        new_ends.extend(ends[i:a])
        out.append(key[a] * keep)
        new_starts.extend([starts[a]] * keep)
        new_ends.extend([ends[b - 1]] * keep)
        i = b
    out.append(key[i:])
    new_starts.extend(starts[i:])
    new_ends.extend(ends[i:])
    return "".join(out), new_starts, new_ends


def normalize_text(text: str) -> str:
    """Fold a whole text (letters, digits, marks), keeping separators; used to show what the analyzer sees."""
    return fold(text)[0]
