"""hazm's word and verb lists, read straight from the installed package's data folder (hazm is not imported:
importing it loads numpy, gensim and scikit-learn). Loaded lazily, once per process, keyed by folded form.

Folding 190,000 words takes about a second, paid by every `kavosh search` process and every server start;
the folded lexicon is therefore cached on disk (~/.cache/kavosh) and read back in about a tenth of that. The
cache's name is a fingerprint of everything the folding depends on (this module's and the normalizer's source,
the data files, the Python and Unicode versions), so a stale cache is never read; a cache that cannot be read
or written is simply not used.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
import threading
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path

from . import normalize
from .normalize import ZWNJ, fold_key, split_parts

# Part-of-speech flags kept from words.dat (the other tags do not change how a word is analyzed).
N, AJ, ADV, PL, OTHER = 1, 2, 4, 8, 16
_TAG_BITS = {"N": N, "AJ": AJ, "ADV": ADV, "PL": PL}

# Affixes that never count as a compound part (they are re-attached to their host instead).
PREFIXES = ("نمی", "می")
SUFFIXES = frozenset(
    "ها های هایی هایم هایت هایش هایمان هایتان هایشان هام هات هاش تر ترین تری ترها ای ام ات اش مان تان شان "
    "ی یی ایم اید اند گان یان".split()
)


@dataclass
class Lexicon:
    """Folded hazm data: tagged words (flags, frequency), every listed form, compounds, verb stems."""

    flags: dict[str, int] = field(default_factory=dict)
    freq: dict[str, int] = field(default_factory=dict)
    forms: set[str] = field(default_factory=set)
    compounds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    past: dict[str, str] = field(default_factory=dict)  # past stem -> lemma (itself)
    present: dict[str, str] = field(default_factory=dict)  # present stem -> lemma (a past stem)
    stopwords: list[str] = field(default_factory=list)
    # folded form -> its most frequent written form, where that differs (ایین -> آیین, کتابها -> کتاب‌ها)
    written: dict[str, str] = field(default_factory=dict)
    # Written colloquial Persian (hazm's iwords.dat, iverbs.dat): informal word -> its formal words (folded,
    # space-separated: خونه -> خانه, اونم -> ان هم), informal present stem -> verb lemma (دون -> دانست).
    informal: dict[str, str] = field(default_factory=dict)
    informal_present: dict[str, str] = field(default_factory=dict)

    def is_word(self, key: str) -> bool:
        """A word with a part of speech in hazm's lexicon (not just a listed inflected form)."""
        return key in self.flags

    def whole(self, key: str) -> bool:
        """A listed compound that is one word, one term (کتاب‌خانه، یک‌شنبه، هم‌زمان، انجام‌شده): a tagged
        word. A compound hazm lists without a part of speech is analyzed by its parts."""
        return key in self.compounds and key in self.flags


_LOCK = threading.Lock()
_LEXICON: Lexicon | None = None


def data_dir() -> Path:
    """hazm's data folder, found without executing the hazm package."""
    spec = importlib.util.find_spec("hazm")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("hazm is not installed: pip install 'hazm>=0.10' (its word lists are needed)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def lexicon() -> Lexicon:
    """The process-wide lexicon, loaded on first use (thread-safe; inherited by forked workers)."""
    global _LEXICON
    if _LEXICON is None:
        with _LOCK:
            if _LEXICON is None:
                _LEXICON = load_cached(data_dir())
    return _LEXICON


_DATA_FILES = ("words.dat", "verbs.dat", "stopwords.dat")
_INFORMAL_FILES = ("iwords.dat", "iverbs.dat")  # optional: colloquial forms are simply not read without them
CACHE_FORMAT = b"kavosh-lexicon-3"


def cache_dir() -> Path:
    """Where the folded lexicon is cached: $KAVOSH_CACHE_DIR, else $XDG_CACHE_HOME/kavosh, else
    ~/.cache/kavosh."""
    explicit = os.environ.get("KAVOSH_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kavosh"


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256(CACHE_FORMAT)
    for module in (__file__, normalize.__file__, Path(__file__).with_name("stopwords.py")):
        digest.update(Path(module).read_bytes())
    digest.update(f"{sys.version_info[:2]} {marshal.version} {unicodedata.unidata_version}".encode())
    for name in _DATA_FILES + _INFORMAL_FILES:
        if name in _INFORMAL_FILES and not (folder / name).exists():
            continue
        stat = (folder / name).stat()
        digest.update(f"{name} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def load_cached(folder: Path) -> Lexicon:
    """The folded lexicon of `folder`, from the disk cache when a current one is there (else folded and
    cached for the next process)."""
    try:
        path = cache_dir() / f"lexicon-{_fingerprint(folder)}.marshal"
    except OSError:
        return _load(folder)
    try:
        return _from_bytes(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        pass  # absent, unreadable or damaged: fold again and rewrite
    lex = _load(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(_to_bytes(lex))
        os.replace(partial, path)  # readers see the old file or the whole new one
    except OSError:
        pass  # a read-only home: run without a cache
    return lex


def _to_bytes(lex: Lexicon) -> bytes:
    data = {f.name: getattr(lex, f.name) for f in fields(lex)}
    data["forms"] = "\n".join(sorted(lex.forms))  # a set of 180,000 strings loads 2x faster split from one
    return marshal.dumps((CACHE_FORMAT, data))


def _from_bytes(blob: bytes) -> Lexicon:
    tag, data = marshal.loads(blob)
    if tag != CACHE_FORMAT or set(data) != {f.name for f in fields(Lexicon)}:
        raise ValueError("not a lexicon cache of this format")
    data["forms"] = set(data["forms"].split("\n")) if data["forms"] else set()
    return Lexicon(**data)


def _load(folder: Path) -> Lexicon:
    lex = Lexicon()
    best: dict[str, tuple[int, str]] = {}
    with open(folder / "words.dat", encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            word = cols[0].strip()
            if not word:
                continue
            key = fold_key(word)
            lex.forms.add(key)
            count = int(cols[1]) if len(cols) > 1 and cols[1].isdigit() else 0
            if key not in best or count > best[key][0]:
                best[key] = (count, word)
            tags = cols[2] if len(cols) > 2 else "0"
            if tags != "0":
                bits = 0
                for tag in tags.split(","):
                    bits |= _TAG_BITS.get(tag, OTHER)
                lex.flags[key] = lex.flags.get(key, 0) | bits
                lex.freq[key] = max(lex.freq.get(key, 0), count)
            if ZWNJ in word:
                parts = tuple(filter(None, (fold_key(p) for p in split_parts(word))))
                if len(parts) > 1 and sum(map(len, parts)) == len(key) and not _has_affix(parts):
                    lex.compounds.setdefault(key, parts)
    lex.written = {key: word for key, (_, word) in best.items() if word != key}
    with open(folder / "verbs.dat", encoding="utf-8") as fh:
        for line in fh:
            past, _, present = line.strip().partition("#")
            past, present = fold_key(past), fold_key(present)
            if past:
                lex.past[past] = past
            if present and (present not in lex.present or _likelier(lex, past, lex.present[present])):
                # A present stem shared by two verbs (کن: کرد، کند) goes to the one whose infinitive is more
                # frequent, then to the shorter stem (باش: بود, not باشید). هست has no past stem: itself.
                lex.present[present] = past or present
    with open(folder / "stopwords.dat", encoding="utf-8") as fh:
        lex.stopwords = [w.strip() for w in fh if w.strip() and "_" not in w]
    _load_informal(lex, folder)
    return lex


def _load_informal(lex: Lexicon, folder: Path) -> None:
    """Colloquial words and present stems, kept only where the mapping is unambiguous: an informal word that
    is itself a formal word (خان، نون، زبون), a function word (تو، رو، چی), a bare suffix (مون) or listed
    with two meanings (صب: صبح or صبر) is left alone."""
    from .stopwords import STOP_KEYS  # stopwords imports nothing of the lexicon: no cycle

    if (folder / "iwords.dat").exists():
        targets: dict[str, set[str]] = {}
        with open(folder / "iwords.dat", encoding="utf-8") as fh:
            for line in fh:
                informal, _, formal = line.strip().partition(" ")
                key = fold_key(informal)
                words = " ".join(filter(None, (fold_key(w) for w in formal.split())))
                if key and words and key != words:
                    targets.setdefault(key, set()).add(words)
        for key, words in targets.items():
            if len(words) > 1 or key in lex.flags or key in STOP_KEYS or key in SUFFIXES:
                continue
            formal = next(iter(words))
            if formal not in SUFFIXES:
                lex.informal[key] = formal
    if (folder / "iverbs.dat").exists():
        with open(folder / "iverbs.dat", encoding="utf-8") as fh:
            for line in fh:
                cols = line.split()
                if len(cols) >= 2 and "#" in cols[0]:
                    past, _, present = (fold_key(w) for w in cols[0].partition("#"))
                    stem = fold_key(cols[1])
                    if past and stem:  # the lemma the formal present stem gets (ذار → گذار's, as گذارد)
                        lex.informal_present.setdefault(stem, lex.present.get(present, past))


def _has_affix(parts: tuple[str, ...]) -> bool:
    return any(p in PREFIXES or p in SUFFIXES for p in parts)


def _likelier(lex: Lexicon, past: str, other: str) -> bool:
    mine, theirs = lex.freq.get(past + "ن", 0), lex.freq.get(other + "ن", 0)
    return mine > theirs or (mine == theirs and 0 < len(past) < len(other))
