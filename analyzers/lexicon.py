"""hazm's word and verb lists, read straight from the installed package's data folder (hazm is not imported:
importing it loads numpy, gensim and scikit-learn). Loaded lazily, once per process, keyed by folded form.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path

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

    def is_word(self, key: str) -> bool:
        """A word with a part of speech in hazm's lexicon (not just a listed inflected form)."""
        return key in self.flags


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
                _LEXICON = _load(data_dir())
    return _LEXICON


def _load(folder: Path) -> Lexicon:
    lex = Lexicon()
    with open(folder / "words.dat", encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            word = cols[0].strip()
            if not word:
                continue
            key = fold_key(word)
            lex.forms.add(key)
            tags = cols[2] if len(cols) > 2 else "0"
            if tags != "0":
                bits = 0
                for tag in tags.split(","):
                    bits |= _TAG_BITS.get(tag, OTHER)
                lex.flags[key] = lex.flags.get(key, 0) | bits
                count = int(cols[1]) if len(cols) > 1 and cols[1].isdigit() else 0
                lex.freq[key] = max(lex.freq.get(key, 0), count)
            if ZWNJ in word:
                parts = tuple(filter(None, (fold_key(p) for p in split_parts(word))))
                if len(parts) > 1 and sum(map(len, parts)) == len(key) and not _has_affix(parts):
                    lex.compounds.setdefault(key, parts)
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
    return lex


def _has_affix(parts: tuple[str, ...]) -> bool:
    return any(p in PREFIXES or p in SUFFIXES for p in parts)


def _likelier(lex: Lexicon, past: str, other: str) -> bool:
    mine, theirs = lex.freq.get(past + "ن", 0), lex.freq.get(other + "ن", 0)
    return mine > theirs or (mine == theirs and 0 < len(past) < len(other))
