"""The Persian tokenizer: finds words in the ORIGINAL text, folds each one, joins detached affixes and maps
every resulting term back to exact original offsets.

Persian words are split at ZWNJ into parts; prefixes (می، نمی) and suffixes (ها، تر، ی، ...) re-attach to
their host, whether written with ZWNJ, joined or with a space, and compound parts that are words become
separate tokens, so every spelling of a word gives the same terms at the same positions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter2 import stem as porter_stem

from .lexicon import PREFIXES, SUFFIXES
from .morphology import analyze_key
from .normalize import _BREAK_RE, fold, fold_key, quick_fold
from .stopwords import ENGLISH_STOPWORDS

_FA_LETTERS = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06e5\u06e6\u06ee\u06ef\u06fa-\u06ff"
_FA_MARKS = "\u0640\u064b-\u065f\u0670\u0610-\u061a\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
_FA_FORMS = "\ufb50-\ufdff\ufe70-\ufefc"
_FA = f"[{_FA_LETTERS}{_FA_MARKS}{_FA_FORMS}]"
_JOINERS = "[\u200b-\u200f\u00ad\u202a-\u202e\u2066-\u2069\ufeff\u061c]"
_TLDS = "com|org|net|ir|io|edu|gov|info|dev|app|me|co|uk|de|fr|ru|ai|tv"
_PATTERN = re.compile(
    rf"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    rf"|(?P<url>(?:https?://|www\.)[^\s<>\"'«»()\[\]{{}}]+)"
    rf"|(?P<host>(?<![\w.@-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?![\w-]))"
    rf"|(?P<num>\d+(?:[.٫,٬]\d+)+)"
    rf"|(?P<fa>{_FA}+(?:{_JOINERS}+{_FA}+)*)"
    r"|(?P<other>(?:[^\W\d_\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]|[\u0300-\u036f])+)"
    r"|(?P<digits>\d+)"
)
_URL_TRAIL = ".,;:!?؟،؛"
_EZAFE = ("ی", "ای")  # detached after a host: the host's own inflection, dropped
# Suffixes that may stand detached after a space (روزنامه ها، بزرگ تر).
_DETACHED = SUFFIXES - {"یی", "ایم", "اید", "اند", "گان", "یان"}

# A token: (term, start, end) with offsets relative to the word's start.
Seg = tuple[str, int, int]
_WORD_CACHE: dict[str, tuple[tuple[Seg, ...], str]] = {}
_LATIN_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 300_000


class PersianTokenizer(Tokenizer):
    """Tokens with analyzed Persian terms, positions and offsets into the original text."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        if not isinstance(value, str):
            value = str(value)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = fold_key(value)
            t.boost, t.stopped = 1.0, False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        for term, start, end in segments(value):
            t.text = term
            t.boost, t.stopped = 1.0, False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


def segments(text: str) -> Iterator[Seg]:
    """(term, start, end) for every token of a text, offsets into the text."""
    pending: tuple[tuple[Seg, ...], str, int, int] | None = None  # a Persian word that may take an affix
    for match in _PATTERN.finditer(text):
        kind = match.lastgroup
        start, end = match.span()
        if kind == "fa":
            segs, key = analyze_word(match.group())
            if pending is not None:
                joined = _join_detached(pending, segs, key, text, start, end)
                if joined is not None:
                    pending = joined
                    continue
                yield from _shift(pending)
            pending = (segs, key, start, end)
            continue
        if pending is not None:
            yield from _shift(pending)
            pending = None
        if kind == "url":
            yield from _url(match.group(), start)
        elif kind == "email":
            yield match.group().lower(), start, end
        elif kind == "host":
            yield _host(match.group()), start, end
        elif kind == "num":
            yield _number(match.group()), start, end
        elif kind == "digits":
            yield fold_key(match.group()), start, end
        else:
            yield _latin(match.group()), start, end
    if pending is not None:
        yield from _shift(pending)


def _shift(pending: tuple[tuple[Seg, ...], str, int, int]) -> Iterator[Seg]:
    segs, _key, start, _end = pending
    for term, s, e in segs:
        yield term, start + s, start + e


def _join_detached(
    pending: tuple[tuple[Seg, ...], str, int, int],
    segs: tuple[Seg, ...],
    key: str,
    text: str,
    start: int,
    end: int,
) -> tuple[tuple[Seg, ...], str, int, int] | None:
    """Join a space-detached prefix or suffix (می نویسم، روزنامه ها، خانه ی) to its neighbour, if it fits."""
    prev_segs, prev_key, prev_start, _prev_end = pending
    gap = text[_prev_end:start]
    if not gap.isspace() or len(gap) > 3:
        return None
    joined = prev_key + key
    if prev_key in PREFIXES and len(prev_segs) == 1 and len(segs) == 1:
        found, how = analyze_key(joined)
        if how == "verb":
            return ((found[0][0], 0, end - prev_start),), joined, prev_start, end
        return None
    if key in _DETACHED and len(segs) == 1 and prev_key not in PREFIXES:
        last = prev_segs[-1]
        if key in _EZAFE and prev_key.endswith(("ه", "ا", "و")):
            return (*prev_segs[:-1], (last[0], last[1], end - prev_start)), joined, prev_start, end
        if len(prev_segs) == 1:
            found, how = analyze_key(joined)
            if how == "strip" and len(found) == 1:
                return ((found[0][0], 0, end - prev_start),), joined, prev_start, end
    return None


def analyze_word(raw: str) -> tuple[tuple[Seg, ...], str]:
    """Segments (offsets relative to the word) and the folded joined key of one Persian word, cached."""
    hit = _WORD_CACHE.get(raw)
    if hit is None:
        if len(_WORD_CACHE) >= _CACHE_LIMIT:
            _WORD_CACHE.clear()
        hit = _WORD_CACHE[raw] = _analyze_word(raw)
    return hit


def _analyze_word(raw: str) -> tuple[tuple[Seg, ...], str]:
    keys: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    bounds: list[int] = [0]  # key index where each part starts
    pos = 0
    for piece in [*_BREAK_RE.split(raw), ""]:
        if piece:
            quick = quick_fold(piece)
            if quick is not None:
                key, ss, es = quick, range(pos, pos + len(piece)), range(pos + 1, pos + len(piece) + 1)
            else:
                key, s0, e0 = fold(piece)
                ss, es = [pos + x for x in s0], [pos + x for x in e0]
            if key:
                keys.append(key)
                starts.extend(ss)
                ends.extend(es)
                bounds.append(bounds[-1] + len(key))
        pos += len(piece) + 1
    joined = "".join(keys)
    if not joined:
        return (), ""
    # A ZWNJ-detached ezafe or indefinite ی/ای belongs to the host before it (خانه‌ی، خانه‌ای).
    tail_end = len(joined)
    while len(keys) > 1 and keys[-1] in _EZAFE:
        keys.pop()
        bounds.pop()
    host_len = bounds[-1]

    def span(a: int, b: int) -> tuple[int, int]:
        return starts[a], ends[(tail_end if b >= host_len else b) - 1]

    host = joined[:host_len]
    found, how = analyze_key(host)
    if len(keys) > 1 and how in ("unknown", "split"):
        found = _by_parts(keys)
    return tuple((term, *span(a, b)) for term, a, b in found), joined


def _by_parts(keys: list[str]) -> tuple[tuple[str, int, int], ...]:
    """Analyze the ZWNJ parts of a word the lexicon does not know, affixes re-attached to their host."""
    groups: list[list[str]] = []
    attach_next = False
    for key in keys:
        if groups and (attach_next or key in SUFFIXES):
            groups[-1].append(key)
        else:
            groups.append([key])
        attach_next = key in PREFIXES
    out = []
    offset = 0
    for group in groups:
        key = "".join(group)
        for term, a, b in analyze_key(key)[0]:
            out.append((term, offset + a, offset + b))
        offset += len(key)
    return tuple(out)


def _latin(raw: str) -> str:
    hit = _LATIN_CACHE.get(raw)
    if hit is None:
        if len(_LATIN_CACHE) >= _CACHE_LIMIT:
            _LATIN_CACHE.clear()
        word = fold("".join(c for c in unicodedata.normalize("NFKD", raw) if not unicodedata.combining(c)))[0]
        if word.isascii() and word.isalpha() and len(word) > 3 and word not in ENGLISH_STOPWORDS:
            word = porter_stem(word)
        hit = _LATIN_CACHE[raw] = word
    return hit


def _host(raw: str) -> str:
    host = raw.lower()
    return host[4:] if host.startswith("www.") else host


def _number(raw: str) -> str:
    num = fold_key(raw).replace("٫", ".").replace("٬", ",")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", num):
        num = num.replace(",", "")
    return num


def _url(raw: str, start: int) -> Iterator[Seg]:
    """A URL gives its host as one term, then the words of its path."""
    url = raw.rstrip(_URL_TRAIL)
    rest_at = url.find("//") + 2 if "//" in url else 0
    host_end = len(url)
    for sep in "/?#":
        cut = url.find(sep, rest_at)
        if cut != -1:
            host_end = min(host_end, cut)
    if host_end > rest_at:
        yield _host(url[rest_at:host_end]), start + rest_at, start + host_end
    for term, s, e in segments(url[host_end:]):
        yield term, start + host_end + s, start + host_end + e
