"""The Persian tokenizer: finds words in the ORIGINAL text, folds each one, joins detached affixes and maps
every resulting term back to exact original offsets.

Persian words are split at ZWNJ into parts; prefixes (می، نمی) and suffixes (ها، تر، ی، ...) re-attach to
their host, whether written with ZWNJ, joined or with a space, and compound parts that are words become
separate tokens, so every spelling of a word gives the same terms at the same positions.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter2 import stem as porter_stem

from . import native
from .lexicon import PREFIXES, SUFFIXES, lexicon
from .morphology import PREVERBS, analyze_key, spaced_compounds, spaced_preverb_verb, word_term
from .normalize import _BREAK_RE, collapse_runs, fold, fold_key, has_run, quick_fold
from .normalize import FOLD_TABLE as _FOLD_TABLE
from .stopwords import ENGLISH_STOPWORDS, STOP_KEYS

_FA_LETTERS = "\u0621-\u063f\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06e5\u06e6\u06ee\u06ef\u06fa-\u06ff"
_FA_MARKS = "\u0640\u064b-\u065f\u0670\u0610-\u061a\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
_FA_FORMS = "\ufb50-\ufdff\ufe70-\ufefc"
_FA = f"[{_FA_LETTERS}{_FA_MARKS}{_FA_FORMS}]"
_JOINERS = "[\u200b-\u200f\u00ad\u202a-\u202e\u2066-\u2069\ufeff\u061c]"
# Suffixes that may stand detached after a space (روزنامه ها، بزرگ تر), as a regex over raw spellings.
_DETACHED = SUFFIXES - {"یی", "ایم", "اید", "اند", "گان", "یان"}


def _spelled(letter: str) -> str:
    return "[یيى]" if letter == "ی" else re.escape(letter)


def _alternation(words: frozenset[str] | set[str]) -> str:
    """A regex matching any of `words` (ی in any of its spellings), written as a tree of shared beginnings
    (ها(?:ی(?:ش|...)?)?...) so that the engine drops a word after comparing a letter or two, not once per
    suffix: the lookahead after every Persian word is the pattern's costliest part."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}

    def branch(node: dict[str, dict]) -> str:
        alts = [_spelled(letter) + branch(child) for letter, child in sorted(node.items()) if letter]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else f"(?:{'|'.join(alts)})"
        return f"(?:{body})?" if "" in node else body

    return branch(tree)


# What follows a Persian word when a detached suffix does: separators (taken whole, as a suffix starts with
# none), a first letter one starts with (one character class fails most words at once), then the suffix.
_AFFIX_NEXT = (
    rf"[ \t\u00a0]{{1,3}}+(?=[{''.join(sorted({_spelled(w[0]).strip('[]') for w in _DETACHED}))}])"
    + _alternation(_DETACHED)
)
_TLDS = "com|org|net|ir|io|edu|gov|info|dev|app|me|co|uk|de|fr|ru|ai|tv"
_PATTERN = re.compile(
    r"\s*(?:"  # skipping spaces inside the match is a third faster than failing every alternative on them
    # First: most of the text, and never the start of the others. "affix" marks a Persian word followed by
    # a space and a detachable suffix (روزنامه ها): only then is joining tried.
    rf"(?P<fa>{_FA}+(?:{_JOINERS}+{_FA}+)*)(?P<affix>(?={_AFFIX_NEXT}(?!{_FA})))?"
    rf"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    rf"|(?P<url>(?:https?://|www\.)[^\s<>\"'«»()\[\]{{}}]+)"
    rf"|(?P<host>(?<![\w.@-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?![\w-]))"
    rf"|(?P<num>\d+(?:[.٫,٬]\d+)+)"
    r"|(?P<other>(?:[^\W\d_\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]|[\u0300-\u036f])+)"
    r"|(?P<digits>\d+))"
)
_WORD = rf"{_FA}+(?:{_JOINERS}+{_FA}+)*"
_SPACES = frozenset(" \t\u00a0_")  # what may stand between the words of a spaced compound
_NEXT_WORD = re.compile(rf"[ \t\u00a0_]{{1,3}}({_WORD})")  # `_` joins the words of a hashtag
_URL_TRAIL = ".,;:!?؟،؛"
_AFTER_HA = frozenset(("یی", "یم", "یت", "یش", "یمان", "یتان", "یشان"))  # the ی of های written apart
_EZAFE = ("ی", "ای")  # detached after a host: the host's own inflection, dropped

# A token: (term, start, end) with offsets relative to the word's start.
Seg = tuple[str, int, int]
# A term found in the text: (term, start, end, whether it is a function word) with offsets into the text.
Found = tuple[str, int, int, bool]
# A cached word, what the lean path reads first (in the tuple's first cache line): its term when it is one
# plain token spanning it all, else None; None when it never joins the next word, else the windows of text
# after it seen so far, each with whether it stands alone there (see _stands_alone); whether that plain
# term is a function word. Then: its segments; its folded key; their stop marks; the first two letters of
# what may follow it in a spaced compound it begins (empty when it begins none); for a compound's first
# part, the next words (with the separator before them) it was seen to stand alone before, else None.
Entry = tuple[
    str | None,
    dict[str, bool] | None,
    bool,
    tuple[Seg, ...],
    str,
    tuple[bool, ...],
    frozenset[str],
    set[str] | None,
]
_WORD_CACHE: dict[str, Entry] = {}
_OTHER_CACHE: dict[str, str] = {}  # the term of a Latin word or a run of digits, by its raw text
_FOLDED: dict[str, str] = {}  # fold_key of a word after a joined one, by its raw text
_CACHE_LIMIT = 100_000  # about 600 bytes a word with the morphology cache: bounded under 150 MB RSS
_WINDOW = 3  # the characters after a word that decide whether it may join the next (see _stands_alone)
_PLAIN_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"  # letters the fold leaves as they are
_JOINERS_AFTER: dict[str, frozenset[str]] = {}  # filled on first use: see _joiners_after
_WINDOWS_LIMIT = 200_000  # windows remembered in all entries together (about 150 bytes each)
_windows = 0


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
        pos = start_pos
        marks = marks_function_words(removestops, mode)
        for terms, starts, ends, stops, _lead in _scan(value, spans=True):
            for term, start, end, stopped in zip(terms, starts, ends, stops, strict=True):
                t.text = term
                if marks:  # else every token is left unmarked, as set above
                    t.stopped = stopped
                if keeporiginal:
                    t.original = value[start:end]
                if positions:
                    t.pos = pos
                    pos += 1
                if chars:
                    t.startchar = start_char + start
                    t.endchar = start_char + end
                yield t

    def terms(self, value: str) -> list[str]:
        """Every term of a text in order, function words included: the tokens indexing keeps (Whoosh's
        mode "index"), each at the position of its place in the list. Indexing needs nothing more, and
        without a Token per word (its attributes set, a generator resumed, read back by the format) a
        text is analyzed about a fifth faster (bench/index_speed.py)."""
        return self.terms_and_lead(value if isinstance(value, str) else str(value), _NO_LEAD)[0]

    def terms_and_lead(self, value: str, lead_end: int) -> tuple[list[str], int | None]:
        """`terms(value)`, and how many of them come from `value[:lead_end]` when that beginning is analyzed
        alone: the terms that start before `lead_end`, None when one of them ends after it (a word joined
        to what follows, or a word cut there), where the beginning must be analyzed on its own."""
        if _NATIVE is not None:
            return _NATIVE.terms_and_lead(value, lead_end)
        for terms, _starts, _ends, _stops, lead in _scan(value, spans=False, lead_end=lead_end):
            return terms, lead
        return [], 0


# Tokens handed on at a time with their offsets (bounded lists, however long the text).
_CHUNK = 1024
_NO_LEAD = sys.maxsize  # no offset ends a lead: see _scan
Chunk = tuple[list[str], list[int], list[int], list[bool], int | None]


def _scan(value: str, spans: bool, lead_end: int = _NO_LEAD) -> Iterator[Chunk]:
    """The one loop that finds the terms of a text: lists of terms and, with `spans`, their start and end
    offsets and function-word marks, in chunks of about _CHUNK tokens; without `spans`, the terms of the
    whole text in one list (the other lists left empty) and, given `lead_end`, the count of terms of its
    beginning (see PersianTokenizer.terms_and_lead), else None.

    Terms before `lead_end` are what analyzing `value[:lead_end]` alone gives when none of them ends after
    it: a word's terms depend on the text after it only through a join (an affix, a compound, a preverb),
    and a joined term spans the words it joined."""
    lead: int | None = None
    terms: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    stops: list[bool] = []
    add = terms.append
    cache = _WORD_CACHE
    at = 0  # where the next token may start (a joined affix or compound moves it past the next words)
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
            # The common case, a plain word that joins no neighbour, is taken right here (measured: sending
            # it through the loop below as a tuple costs ~10% of warm words/s, while that loop for the rarer
            # words costs nothing measurable against copies). A compound's first part or a preverb is one
            # when the few characters after it say so: a space and two letters that no compound of it goes
            # on with (one table for all words, see _joiners_after), else what was found before after the
            # same characters or the same next word (_stands_alone).
            if (
                term is not None
                and kind == "fa"
                and (
                    (ahead := hit[1]) is None
                    or (
                        (maybe := _JOINERS_AFTER.get(window := value[end : end + _WINDOW])) is not None
                        and (
                            hit[4] not in maybe
                            or (
                                (before := hit[7]) is not None
                                and value[end : value.find(" ", end + 1) + 1] in before
                            )
                        )
                    )
                    or (alone := ahead.get(window))
                    or _stands_alone(value, end, hit, alone)
                )
            ):
                add(term)
                if spans:
                    starts.append(start)
                    ends.append(end)
                    stops.append(hit[2])
                    if len(terms) >= _CHUNK:
                        yield terms, starts, ends, stops, None
                        terms, starts, ends, stops = [], [], [], []
                        add = terms.append
                elif end > lead_end:
                    lead, lead_end = _lead_count(len(terms), start, lead_end), _NO_LEAD
                continue
            found, at = _persian_terms(value, start, at, kind, hit)
        elif match.start(kind) >= at:
            found = _non_persian(match)
        else:
            continue
        for term, s, e, stopped in found:
            add(term)
            if spans:
                starts.append(s)
                ends.append(e)
                stops.append(stopped)
            elif e > lead_end:
                lead, lead_end = _lead_count(len(terms), s, lead_end), _NO_LEAD
    if lead_end != _NO_LEAD:  # no term ended after it
        lead = len(terms)
    if terms or lead is not None:
        yield terms, starts, ends, stops, lead


def _lead_count(count: int, start: int, lead_end: int) -> int | None:
    """The terms of a lead, told by the first term (the `count`th) that ends after it: the terms before
    that one when it starts after the lead, else None (it is cut or joined by the lead's end). Terms that
    end where the lead ends are all of it (a word split in two gives both the word's span)."""
    return count - 1 if start >= lead_end else None


def marks_function_words(removestops: bool, mode: str) -> bool:
    """Whether tokens of function words are marked `stopped`: everywhere (queries, snippets, a caller passing
    removestops=False) except Whoosh's indexing (mode "index" with removestops left True), which drops every
    marked token, while the index must keep function words for exact phrases."""
    return not (removestops and mode == "index")


def indexed_terms(analyzer: object, value: str, mode: str = "", removestops: bool = True) -> list[str] | None:
    """The terms Whoosh keeps when it indexes `value` with `analyzer` (a term per position, in order), read
    without tokens when the analyzer is Kavosh's and keeps every token on that path (see
    marks_function_words); None otherwise: the caller then reads the analyzer's tokens."""
    if type(analyzer) is not PersianTokenizer or marks_function_words(removestops, mode):
        return None
    return analyzer.terms(value)


def indexed_terms_and_lead(
    analyzer: object, value: str, lead_end: int
) -> tuple[list[str], int | None] | None:
    """`indexed_terms(analyzer, value, "index")` and how many of those terms `value[:lead_end]` gives by
    itself (None when it must be analyzed on its own: see PersianTokenizer.terms_and_lead); None for an
    analyzer other than Kavosh's."""
    if type(analyzer) is not PersianTokenizer:
        return None
    return analyzer.terms_and_lead(value, lead_end)


def segments(text: str) -> list[Seg]:
    """(term, start, end) for every token of a text, offsets into the text."""
    return [(t.text, t.startchar, t.endchar) for t in PersianTokenizer()(text, chars=True, mode="index")]


def _persian_terms(
    text: str, start: int, end: int, kind: str | None, entry: Entry
) -> tuple[list[Found], int]:
    """The terms of a Persian word that is not one plain term by itself, or may join its neighbours: a
    spaced compound (دانش آموز), a detached affix (می نویسم، روزنامه ها), a spaced preverb (در می‌آید).
    Returns them with offsets into the text, and where scanning resumes."""
    _term, _ahead, _stopped, segs, key, stops, openings, before = entry
    joined = _join_compound(text, start, end, key, openings) if openings else None
    if joined is None and (kind == "affix" or key in PREFIXES):
        joined = _join_next(text, start, end, segs, stops, key)
    elif joined is None and key in PREVERBS:
        joined = _join_preverb(text, start, end, key)
    if joined is not None:
        segs, stops, end = joined
    elif before is not None and kind == "fa":
        _remember_next_word(text, end, entry)  # a first part the next word did not join: alone before it
    found = [(term, start + s, start + e, stopped) for (term, s, e), stopped in zip(segs, stops, strict=True)]
    return found, end


def _non_persian(match: re.Match[str]) -> list[Found]:
    """The terms of a match that is no Persian word: a URL, an e-mail, a host, a number, a Latin word."""
    return [(term, s, e, term in ENGLISH_STOPWORDS) for term, s, e in _non_persian_segments(match)]


def _non_persian_segments(match: re.Match[str]) -> list[Seg]:
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
        return [(_digits(raw), start, end)]
    word = _latin(raw)
    return [(word, start, end)] if word else []  # a lone combining mark (U+0300) is no word


def _join_next(
    text: str, start: int, end: int, segs: tuple[Seg, ...], stops: tuple[bool, ...], key: str
) -> tuple[tuple[Seg, ...], tuple[bool, ...], int] | None:
    """Join a space-detached prefix or suffix (می نویسم، روزنامه ها، خانه ی) to its neighbour, if it fits.

    Returns the joined segments (offsets relative to start), their stop marks and where scanning resumes.
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
                return ((found[0][0], 0, new_end - start),), (joined in STOP_KEYS,), new_end
        return None
    if next_key not in _DETACHED or not segs:
        return None
    last = segs[-1]
    if next_key in _EZAFE and key.endswith(("ه", "ا", "و")):
        found, how = analyze_key(joined)
        if how == "word":  # حرفه ای is the adjective حرفه‌ای, not حرفه with an ezafe
            return ((found[0][0], 0, new_end - start),), (False,), new_end
        return (*segs[:-1], (last[0], last[1], new_end - start)), stops, new_end
    if len(segs) != 1 or (term := _suffixed_term(key, segs[0][0], next_key)) is None:
        return None
    last_key = next_key
    while (nxt := _NEXT_WORD.match(text, new_end)) is not None:
        piece = _folded(nxt.group(1))  # a chain of them: بزرگ ترین ها, and ها split before its ی (ها یشان)
        if piece not in _DETACHED and not (last_key.endswith("ها") and piece in _AFTER_HA):
            break
        new_end, last_key = nxt.end(), piece
    return ((term, 0, new_end - start),), (False,), new_end


_SUFFIXED: dict[tuple[str, str, str], str | None] = {}


def _suffixed_term(key: str, term: str, suffix: str) -> str | None:
    """The term of a word (its key and own term) followed by a detached suffix, None when they do not
    join; cached, a word meets the same suffixes again and again."""
    memo = (key, term, suffix)
    if memo in _SUFFIXED:
        return _SUFFIXED[memo]
    if len(_SUFFIXED) >= _CACHE_LIMIT:
        _SUFFIXED.clear()
    joined: str | None = term  # the suffix inflects the word before it ...
    if suffix.startswith("ها") and lexicon().is_word(key):
        joined = word_term(key)  # ... as a noun (نوشته ها are writings) ...
    elif lexicon().is_word(key + suffix):  # ... unless together they are a word of their own
        found, _how = analyze_key(key + suffix)
        joined = found[0][0] if len(found) == 1 else None
    _SUFFIXED[memo] = joined
    return joined


_MI_NEXT = re.compile("[ \t\u00a0]{1,3}ن?م[یيى]")


def _join_preverb(
    text: str, start: int, end: int, key: str
) -> tuple[tuple[Seg, ...], tuple[bool, ...], int] | None:
    """Join a preverb written apart from its verb (در می‌آید، باز میگردند، در می آید) into the one verb."""
    if _MI_NEXT.match(text, end) is None:  # (known already on the lean path; not for a compound head: باز)
        return None
    nxt = _NEXT_WORD.match(text, end)
    if nxt is None:
        return None
    next_segs, next_key = analyze_word(nxt.group(1))
    if next_key in PREFIXES and (after := _NEXT_WORD.match(text, nxt.end())) is not None:
        verb_segs, verb_key = analyze_word(after.group(1))  # می written apart as well: در می آید
        if len(verb_segs) == 1 and spaced_preverb_verb(key, next_key + verb_key) is not None:
            next_segs, next_key, nxt = verb_segs, next_key + verb_key, after
    lemma = spaced_preverb_verb(key, next_key) if len(next_segs) == 1 else None
    if lemma is None:
        return None
    return ((lemma, 0, nxt.end() - start),), (False,), nxt.end()


def _may_continue(text: str, end: int, openings: frozenset[str]) -> bool:
    """Whether the word after a compound's first part may go on with it: its first two letters are looked
    up before anything is analyzed, since most words after a first part (کتاب، سال، دانش) start no compound.
    `openings` holds those two letters of every compound the part begins, and "و" when one is X و Y."""
    i = end
    while i < len(text) and i - end < 3 and text[i] in _SPACES:
        i += 1
    two = text[i : i + 2]
    if i == end or not two:
        return False
    if two[0] == "و" and (len(two) == 1 or two[1] in _SPACES):
        return "و" in openings  # the word و: گفت و گو
    peek = two.translate(_FOLD_TABLE)
    return len(peek) != 2 or peek in openings  # a dropped mark: let the full analysis decide


def _join_compound(
    text: str, start: int, end: int, key: str, openings: frozenset[str]
) -> tuple[tuple[Seg, ...], tuple[bool, ...], int] | None:
    """Join a compound written with spaces (دانش آموز، گفت و گو، کتاب خانه ها) into the one word it is.

    Two words (or X و Y) join when together they spell a listed compound, or an inflection of one, that cuts
    where the first word ends; a detached suffix after them joins too.
    """
    nxt = _NEXT_WORD.match(text, end)
    if nxt is None:
        return None
    next_segs, rest = analyze_word(nxt.group(1))
    if rest == "و":  # X و Y: گفت و گو
        nxt = _NEXT_WORD.match(text, nxt.end())
        if nxt is None:
            return None
        next_segs, last = analyze_word(nxt.group(1))
        rest += last
    if rest[:2] not in openings or len(next_segs) != 1:
        return None  # no compound of this first part goes on so: the common case, decided at once
    term = _compound_term(key, rest)
    if term is None:
        return None
    new_end = nxt.end()
    nxt = _NEXT_WORD.match(text, new_end)
    if nxt is not None and (suffix := _folded(nxt.group(1))) in _DETACHED:
        found, _how = analyze_key(key + rest + suffix)
        if len(found) == 1:
            term, new_end = found[0][0], nxt.end()
    return ((term, 0, new_end - start),), (False,), new_end


_COMPOUND_TERMS: dict[tuple[str, str], str | None] = {}


def _compound_term(key: str, rest: str) -> str | None:
    """The term of the compound `key` + `rest` written with a space between them, or None when together
    they are no compound cut there; cached, since a first part meets the same next words again and again."""
    pair = (key, rest)
    if pair in _COMPOUND_TERMS:
        return _COMPOUND_TERMS[pair]
    if len(_COMPOUND_TERMS) >= _CACHE_LIMIT:
        _COMPOUND_TERMS.clear()
    term = None
    if _spells_compound(key, rest, spaced_compounds()[1]):
        found, _how = analyze_key(key + rest)
        if len(found) == 1:
            term = found[0][0]
    _COMPOUND_TERMS[pair] = term
    return term


# Inflections a spaced compound's last word may carry (دانش آموزان، کتاب خانه ها), with what they restore.
_INFLECTIONS = (("هایی", ""), ("های", ""), ("ها", ""), ("گان", "ه"), ("ان", ""), ("ات", "ه"), ("ات", ""))
_INFLECTIONS += (("یی", ""), ("ای", ""), ("ی", ""))
_NOT_A_WORD = ("unknown", "form", "split")  # analyze_key's verdicts for a string that is no word by itself


def _spells_compound(key: str, last: str, table: dict[str, int]) -> bool:
    """Whether `key` + `last` spell a listed compound cut after `key`, or an inflection of one whose
    suffix the last word itself would give up (علی خانه‌ای is not علی‌خان + های)."""
    if table.get(key + last) == len(key):
        return True
    found, how = analyze_key(last)
    for suffix, restore in _INFLECTIONS:
        if last.endswith(suffix) and len(last) > len(suffix):
            part = last[: -len(suffix)] + restore
            if table.get(key + part) == len(key) and (how in _NOT_A_WORD or found[0][0] == part):
                return True
    return False


def analyze_word(raw: str) -> tuple[tuple[Seg, ...], str]:
    """Segments (offsets relative to the word) and the folded joined key of one Persian word, cached."""
    hit = _WORD_CACHE.get(raw)
    if hit is None:
        hit = _remember(raw)
    return hit[3], hit[4]


def _remember(raw: str) -> Entry:
    """Analyze a word and cache it (see Entry)."""
    if len(_WORD_CACHE) >= _CACHE_LIMIT:
        _forget()
    if not _JOINERS_AFTER:
        _JOINERS_AFTER.update(_joiners_after())
    segs, key, stops = _analyze_word(raw)
    plain = len(segs) == 1 and segs[0][1] == 0 and segs[0][2] == len(raw) and key not in PREFIXES
    openings = spaced_compounds()[0].get(key, frozenset()) if len(segs) == 1 else frozenset()
    ahead: dict[str, bool] | None = {} if plain and (openings or key in PREVERBS) else None
    before: set[str] | None = set() if plain and openings and key not in PREVERBS else None
    term, stopped = (segs[0][0], stops[0]) if plain else (None, False)
    hit = _WORD_CACHE[raw] = (term, ahead, stopped, segs, key, stops, openings, before)
    return hit


def _joiners_after() -> dict[str, frozenset[str]]:
    """For every window of a space and two plain letters (" کت"), the keys of the words that may join the
    next word after it: the compounds' first parts with a compound going on with those two letters, and the
    preverbs where a می/نمی verb may follow. Every other word stands alone before it. The same verdicts as
    _stands_alone's, whose _may_continue reads those two letters as they are.

    One table for all words, and small (only the space, by far the commonest separator; a tab, a no-break
    space or `_` take the slower path): measured, a table per word or one for every separator costs up to
    a third more of the processor's first-level cache misses, and the analyzer 5-10% of its speed."""
    by_opening: dict[str, set[str]] = {}
    for head, openings in spaced_compounds()[0].items():
        for two in openings:
            by_opening.setdefault(two, set()).add(head)
    table: dict[str, frozenset[str]] = {}
    for a in _PLAIN_LETTERS:
        for b in _PLAIN_LETTERS:
            heads = frozenset(by_opening.get(a + b, ()))
            verbs = heads | frozenset(PREVERBS) if a + b in ("می", "نم") else heads  # نم: نمی or not, unseen
            table[" " + a + b] = verbs
    return table


def _forget() -> None:
    """Empty the word cache, and with it every window remembered in its entries (a bounded memory)."""
    global _windows
    _WORD_CACHE.clear()
    _windows = 0


def _stands_alone(text: str, end: int, entry: Entry, alone: bool | None) -> bool:
    """Whether a plain word that may begin a spaced compound, or is a preverb, stands alone where it ends
    (at `end`): no compound of it goes on with the next word, and no می/نمی verb follows a preverb.

    Decided first by the next few characters (a punctuation mark; a space and two letters no compound of
    the word goes on with), remembered per word with their verdict; where they leave a compound possible,
    by the next word itself once a join with it has failed (پس از، به عنوان). So a word seen before costs
    one or two look-ups. `alone` is the verdict remembered for the window, None when there is none yet."""
    global _windows
    if alone is None:
        key, openings = entry[4], entry[6]
        alone = not (openings and _may_continue(text, end, openings)) and (
            key not in PREVERBS or _MI_NEXT.match(text, end) is None
        )
        window, ahead = text[end : end + _WINDOW], entry[1]
        if ahead is not None and _window_decides(window):
            if _windows >= _WINDOWS_LIMIT:
                _forget()
            ahead[window] = alone
            _windows += 1
    if alone or entry[7] is None:
        return alone
    return text[end : text.find(" ", end + 1) + 1] in entry[7]  # see _remember_next_word


def _remember_next_word(text: str, end: int, entry: Entry) -> None:
    """Remember that a compound's first part (entry) stands alone before the next word (no compound of them
    joined), by the text from its end up to and with the next space (text[end : text.find(" ", end + 1) +
    1]), when that holds all that decided it: the separator and the whole next word, which is not و (X و Y
    looks one word further). Without a space after the next word nothing is remembered, so the look-up of
    an empty slice at the end of a text finds nothing."""
    global _windows
    nxt = _NEXT_WORD.match(text, end)
    space = text.find(" ", end + 1)
    before = entry[7]
    if (
        space == -1
        or nxt is None
        or nxt.end() > space
        or analyze_word(nxt.group(1))[1] == "و"
        or before is None
    ):
        return
    if _windows >= _WINDOWS_LIMIT:
        _forget()
    before.add(text[end : space + 1])
    _windows += 1


def _window_decides(window: str) -> bool:
    """Whether the characters after a word decide _stands_alone by themselves: the text ends within them, or
    they start with no space, or a space and then no space and not the نم of a نمی verb (which needs one
    more character)."""
    return (
        len(window) < _WINDOW
        or window[0] not in _SPACES
        or (window[1] not in _SPACES and window[1:3] != "نم")
    )


def _analyze_word(raw: str) -> tuple[tuple[Seg, ...], str, tuple[bool, ...]]:
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
            if has_run(key):
                key, ss, es = _collapse(key, list(ss), list(es))
            if key:
                keys.append(key)
                starts.extend(ss)
                ends.extend(es)
                bounds.append(bounds[-1] + len(key))
        pos += len(piece) + 1
    joined = "".join(keys)
    if not joined:
        return (), "", ()
    if " " in joined:  # a ligature of several words (ﷺ، ﷽): each word its own term
        return _ligature_words(joined, starts, ends)
    formal = lexicon().informal.get(joined)
    if formal is not None and " " in formal:  # a colloquial contraction: اونم = آن هم، بازم = باز هم
        return _ligature_words(formal, [starts[0]] * len(formal), [ends[-1]] * len(formal))
    # A ZWNJ-detached ezafe or indefinite ی/ای belongs to the host before it (خانه‌ی، خانه‌ای).
    tail_end = len(joined)
    while len(keys) > 1 and keys[-1] in _EZAFE and not lexicon().is_word(joined):
        keys.pop()
        bounds.pop()
    host_len = bounds[-1]

    def span(a: int, b: int) -> tuple[int, int]:
        return starts[a], ends[(tail_end if b >= host_len else b) - 1]

    host = joined[:host_len]
    found = _before_suffixes(keys) if keys[-1] in SUFFIXES and len(keys) > 1 else None
    if found is None:
        found, how = analyze_key(host)
        if len(keys) > 1 and how in ("unknown", "split"):
            found = _by_parts(keys)
    # Stopped by what was typed: the word itself is a function word, whatever its stem (امکانات is not
    # امکان's stopword). A word split into words (بوجود = به + وجود) marks each part that is one.
    if len(found) == 1:  # a colloquial spelling of a function word is one too (اونا = آن‌ها، دیگه = دیگر)
        stops: tuple[bool, ...] = (joined in STOP_KEYS or lexicon().informal.get(joined) in STOP_KEYS,)
    else:
        stops = tuple(term in STOP_KEYS or host[a:b] in STOP_KEYS for term, a, b in found)
    return tuple((term, *span(a, b)) for term, a, b in found), joined, stops


def _collapse(key: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """A letter repeated for emphasis (خیلیییی، سلاااام) is written once, or twice where that spells a word
    (ممممنون → ممنون، مددد → مدد); a word the lexicon spells with the run keeps it (هههه, which هه‌هه joins
    to: its spellings must meet)."""
    if lexicon().is_word(key):
        return key, starts, ends
    twice = collapse_runs(key, starts, ends, 2)
    if lexicon().is_word(twice[0]):
        return twice
    return collapse_runs(key, starts, ends, 1)


def _ligature_words(
    joined: str, starts: list[int], ends: list[int]
) -> tuple[tuple[Seg, ...], str, tuple[bool, ...]]:
    """The words a ligature stands for (ﷺ = صلی الله علیه وسلم), analyzed as if typed out; every term's
    offsets wrap the ligature it came from."""
    toks = PersianTokenizer()(joined, chars=True, removestops=False, mode="query")
    found = [(t.text, t.startchar, t.endchar, t.stopped) for t in toks]
    segs = tuple((term, starts[a], ends[b - 1]) for term, a, b, _ in found)
    return segs, joined.replace(" ", ""), tuple(stopped for *_, stopped in found)


def _before_suffixes(keys: list[str]) -> tuple[tuple[str, int, int], ...] | None:
    """A ZWNJ is a boundary: in دندان‌های، خانه‌ام، بچه‌اش the stem is what stands before the suffixes,
    never a longer or shorter word a free reading of the letters would prefer (دندانه، خان). None when
    the whole is a word of its own or the stem is not one word."""
    whole = "".join(keys)
    if keys[0] in PREFIXES or lexicon().is_word(whole) or analyze_key(whole)[1] == "verb":
        return None  # می‌آید، درمی‌آید are verbs, not می + اید
    n = len(keys)
    while n > 1 and keys[n - 1] in SUFFIXES:
        n -= 1
    stem_key = "".join(keys[:n])
    if keys[n].startswith("ها") and lexicon().is_word(stem_key):  # نوشته‌ها are writings, not a verb
        return ((word_term(stem_key), 0, len(whole)),)
    stem, how = analyze_key(stem_key)
    if len(stem) != 1 or how == "split":
        return None
    return ((stem[0][0], 0, len(whole)),)


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
    hit = _OTHER_CACHE.get(raw)
    if hit is None:
        signs = "".join(map(_number_sign, raw))
        word = fold("".join(c for c in unicodedata.normalize("NFKD", signs) if not unicodedata.combining(c)))[
            0
        ]
        if word.isascii() and word.isalpha() and len(word) > 3 and word not in ENGLISH_STOPWORDS:
            word = porter_stem(word)
        hit = _remember_other(raw, word)
    return hit


def _folded(raw: str) -> str:
    """fold_key of a word looked at after a joined one (is it a detached suffix?), cached."""
    hit = _FOLDED.get(raw)
    if hit is None:
        if len(_FOLDED) >= _CACHE_LIMIT:
            _FOLDED.clear()
        hit = _FOLDED[raw] = fold_key(raw)
    return hit


def _digits(raw: str) -> str:
    """A run of digits of any script as ASCII digits (۱۴۰۲ → 1402)."""
    hit = _OTHER_CACHE.get(raw)
    return hit if hit is not None else _remember_other(raw, fold_key(raw))


def _remember_other(raw: str, term: str) -> str:
    if len(_OTHER_CACHE) >= _CACHE_LIMIT:
        _OTHER_CACHE.clear()
    _OTHER_CACHE[raw] = term
    return term


def _number_sign(ch: str) -> str:
    """An enclosed or dotted number sign (⑤ ⒕ ⑴ ❺) as the plain number; any other character as it is."""
    if unicodedata.category(ch) == "No" and float(unicodedata.numeric(ch, 0.5)).is_integer():
        return str(int(unicodedata.numeric(ch)))
    return ch


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
    """'next' for a detached prefix (می، نمی) or a word that may begin a spaced compound (دانش in دانش آموز),
    'previous' for a detached suffix (ها، ترین، ی), else None.

    Query code that analyzes words one at a time should analyze such a word together with that neighbour
    ("می خوانند", "روزنامه ها" as one string): the analyzer then joins them when they form one word.
    """
    key = fold_key(word)
    if key in PREFIXES or key in PREVERBS or key in spaced_compounds()[0]:
        return "next"
    if key in _DETACHED:
        return "previous"
    return None


# The compiled twin of _scan's term-only path (analyzers/_scan.c), None where it is not built or pure Python
# is asked for (analyzers.native). It reads the same caches and calls the same helpers as the loop above.
def _native_arguments() -> tuple:
    """What the compiled scan is configured with: the pattern, the caches, the helpers (see _scan.c)."""
    return (
        _PATTERN.finditer,
        _WORD_CACHE,
        _JOINERS_AFTER,
        _WINDOW,
        dict(_PATTERN.groupindex),
        _remember,
        _persian_terms,
        _non_persian,
        _stands_alone,
    )


_NATIVE = native.load("analyzers._scan")
if _NATIVE is not None:
    _NATIVE.configure(*_native_arguments())
