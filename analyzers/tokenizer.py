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
from .stopwords import ENGLISH_STOPWORDS, stop_terms

_FA_LETTERS = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06e5\u06e6\u06ee\u06ef\u06fa-\u06ff"
_FA_MARKS = "\u0640\u064b-\u065f\u0670\u0610-\u061a\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
_FA_FORMS = "\ufb50-\ufdff\ufe70-\ufefc"
_FA = f"[{_FA_LETTERS}{_FA_MARKS}{_FA_FORMS}]"
_JOINERS = "[\u200b-\u200f\u00ad\u202a-\u202e\u2066-\u2069\ufeff\u061c]"
# Suffixes that may stand detached after a space (روزنامه ها، بزرگ تر), as a regex over raw spellings.
_DETACHED = SUFFIXES - {"یی", "ایم", "اید", "اند", "گان", "یان"}
_AFFIX_ALT = "|".join(sorted((a.replace("ی", "[یيى]") for a in _DETACHED), key=len, reverse=True))
_TLDS = "com|org|net|ir|io|edu|gov|info|dev|app|me|co|uk|de|fr|ru|ai|tv"
_PATTERN = re.compile(
    r"\s*(?:"  # skipping spaces inside the match is a third faster than failing every alternative on them
    # First: most of the text, and never the start of the others. "affix" marks a Persian word followed by
    # a space and a detachable suffix (روزنامه ها): only then is joining tried.
    rf"(?P<fa>{_FA}+(?:{_JOINERS}+{_FA}+)*)(?P<affix>(?=[ \t\u00a0]{{1,3}}(?:{_AFFIX_ALT})(?!{_FA})))?"
    rf"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    rf"|(?P<url>(?:https?://|www\.)[^\s<>\"'«»()\[\]{{}}]+)"
    rf"|(?P<host>(?<![\w.@-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?![\w-]))"
    rf"|(?P<num>\d+(?:[.٫,٬]\d+)+)"
    r"|(?P<other>(?:[^\W\d_\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]|[\u0300-\u036f])+)"
    r"|(?P<digits>\d+))"
)
_WORD = rf"{_FA}+(?:{_JOINERS}+{_FA}+)*"
_NEXT_WORD = re.compile(rf"[ \t\u00a0]{{1,3}}({_WORD})")
_URL_TRAIL = ".,;:!?؟،؛"
_EZAFE = ("ی", "ای")  # detached after a host: the host's own inflection, dropped

# A token: (term, start, end) with offsets relative to the word's start.
Seg = tuple[str, int, int]
_NO_STOPS: frozenset[str] = frozenset()
_WORD_CACHE: dict[str, tuple[str | None, tuple[Seg, ...], str]] = {}
_LATIN_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 100_000  # about 600 bytes a word with the morphology cache: bounded under 150 MB RSS


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
        t.boost, t.stopped = 1.0, False
        if not tokenize:
            t.original = t.text = fold_key(value)
            t.pos, t.startchar, t.endchar = start_pos, start_char, start_char + len(value)
            yield t
            return
        # The hot loop is written out inline: one generator layer per token keeps it as fast as Whoosh's own.
        pos = start_pos
        cache = _WORD_CACHE
        # Whoosh's indexing (mode="index", removestops left True) discards stopped tokens: there no mark is
        # set, so the index keeps stopwords for exact phrases. Everywhere else stopwords are marked.
        stops = _NO_STOPS if (removestops and mode == "index") else stop_terms()
        at = 0  # where the next token may start (a joined affix moves it past the next word)
        for match in _PATTERN.finditer(value):
            kind = match.lastgroup
            if kind == "fa" or kind == "affix":
                start, end = match.span(1)
                if start < at:
                    continue
                at = end
                raw = value[start:end]
                hit = cache.get(raw) or _remember(raw)
                term = hit[0]
                if term is not None and kind == "fa":  # the common case, kept lean
                    t.text = term
                    t.stopped = term in stops
                    if keeporiginal:
                        t.original = raw
                    if positions:
                        t.pos = pos
                        pos += 1
                    if chars:
                        t.startchar = start_char + start
                        t.endchar = start_char + end
                    yield t
                    continue
                segs = hit[1]
                if kind == "affix" or hit[2] in PREFIXES:
                    joined = _join_next(value, start, at, segs, hit[2])
                    if joined is not None:
                        segs, at = joined
                for term, s, e in segs:
                    t.text = term
                    t.stopped = term in stops
                    if keeporiginal:
                        t.original = value[start + s : start + e]
                    if positions:
                        t.pos = pos
                        pos += 1
                    if chars:
                        t.startchar, t.endchar = start_char + start + s, start_char + start + e
                    yield t
            elif match.start(kind) >= at:
                for term, s, e in _non_persian(match):
                    t.text = term
                    t.stopped = term in stops
                    if keeporiginal:
                        t.original = value[s:e]
                    if positions:
                        t.pos = pos
                        pos += 1
                    if chars:
                        t.startchar, t.endchar = start_char + s, start_char + e
                    yield t


def segments(text: str) -> list[Seg]:
    """(term, start, end) for every token of a text, offsets into the text."""
    return [(t.text, t.startchar, t.endchar) for t in PersianTokenizer()(text, chars=True, mode="index")]


def _non_persian(match: re.Match[str]) -> list[Seg]:
    kind = match.lastgroup
    raw = match.group(kind)
    start, end = match.span(kind)
    if kind == "url":
        return list(_url(raw, start))
    if kind == "email":
        return [(raw.lower(), start, end)]
    if kind == "host":
        return [(_host(raw), start, end)]
    if kind == "num":
        return [(_number(raw), start, end)]
    if kind == "digits":
        return [(fold_key(raw), start, end)]
    return [(_latin(raw), start, end)]


def _join_next(
    text: str, start: int, end: int, segs: tuple[Seg, ...], key: str
) -> tuple[tuple[Seg, ...], int] | None:
    """Join a space-detached prefix or suffix (می نویسم، روزنامه ها، خانه ی) to its neighbour, if it fits.

    Returns the joined segments (offsets relative to start) and where scanning resumes.
    """
    nxt = _NEXT_WORD.match(text, end)
    if nxt is None:
        return None
    next_segs, next_key = analyze_word(nxt.group(1))
    new_end = nxt.end()
    if len(next_segs) != 1:
        return None
    joined = key + next_key
    if key in PREFIXES:
        if len(segs) == 1:
            found, how = analyze_key(joined)
            if how == "verb":
                return ((found[0][0], 0, new_end - start),), new_end
        return None
    if next_key not in _DETACHED or not segs:
        return None
    last = segs[-1]
    if next_key in _EZAFE and key.endswith(("ه", "ا", "و")):
        return (*segs[:-1], (last[0], last[1], new_end - start)), new_end
    if len(segs) == 1:
        found, how = analyze_key(joined)
        if how == "strip" and len(found) == 1:
            return ((found[0][0], 0, new_end - start),), new_end
    return None


def analyze_word(raw: str) -> tuple[tuple[Seg, ...], str]:
    """Segments (offsets relative to the word) and the folded joined key of one Persian word, cached."""
    hit = _WORD_CACHE.get(raw)
    if hit is None:
        hit = _remember(raw)
    return hit[1], hit[2]


def _remember(raw: str) -> tuple[str | None, tuple[Seg, ...], str]:
    """Cache entry: (the term when the word is one plain token spanning it all, else None; segments; key)."""
    if len(_WORD_CACHE) >= _CACHE_LIMIT:
        _WORD_CACHE.clear()
    segs, key = _analyze_word(raw)
    plain = len(segs) == 1 and segs[0][1] == 0 and segs[0][2] == len(raw) and key not in PREFIXES
    hit = _WORD_CACHE[raw] = (segs[0][0] if plain else None, segs, key)
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


def joins_neighbour(word: str) -> str | None:
    """'next' for a detached prefix (می، نمی), 'previous' for a detached suffix (ها، ترین، ی), else None.

    Query code that analyzes words one at a time should analyze such a word together with that neighbour
    ("می خوانند", "روزنامه ها" as one string): the analyzer then joins them when they form one word.
    """
    key = fold_key(word)
    if key in PREFIXES:
        return "next"
    if key in _DETACHED:
        return "previous"
    return None
