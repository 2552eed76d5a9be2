"""Persian morphology on folded keys: compounds, verb lemmas, light inflection stripping, decompounding.

Every rule is checked against hazm's lexicon: an affix is stripped only when what remains is a word and the
surface form is not itself a word, so ماهی, جوان, بیمار and ایران stay whole. Results are cached per key.
"""

from __future__ import annotations

import re

from .lexicon import ADV, AJ, PL, SUFFIXES, Lexicon, N, lexicon
from .stopwords import STOP_KEYS

# A segment is (term, start, end) with start/end indexing the folded key.
Segment = tuple[str, int, int]
Result = tuple[tuple[Segment, ...], str]

_PAST_ENDINGS = ("", "م", "ی", "یم", "ید", "ند")
_PRESENT_ENDINGS = ("م", "ی", "د", "یم", "ید", "ند")
_PERFECT_ENDINGS = ("", "ام", "ای", "است", "ایم", "اید", "اند")
# Present stems used without a prefix in everyday Persian (داری، خواهم، باشد، شود، کند، تواند).
_BARE_PRESENT = frozenset(("دار", "خواه", "باش", "شو", "کن", "توان"))
# Present stems often written bare in formal prose (دهد، گیرد، گردد، هستند), with third-person or plural
# endings only, so nouns such as رسم (رس + م) or دهم (ده + م) are never read as verbs.
_BARE_PRESENT_FORMAL = frozenset(
    ("ده", "گیر", "گرد", "گوی", "گو", "یاب", "رس", "ساز", "نما", "هست", "بین", "اور")
)
_FORMAL_ENDINGS = ("د", "ند", "ید", "یم")


def _by_last_letter(
    endings: tuple[str, ...], before: str = ""
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """`endings` grouped by the letter `before + ending` ends in, each group in the given order (the first
    that fits wins), and the group for any other last letter (the empty ending, which fits every word):
    a verb's body is tried against the few endings its last letter allows, not all of them (every new
    word's analysis tries several prefixes, each against every ending)."""
    anywhere = tuple(e for e in endings if not before + e)
    letters = {(before + e)[-1] for e in endings if before + e}
    groups = {ch: tuple(e for e in endings if not before + e or (before + e)[-1] == ch) for ch in letters}
    return groups, anywhere


_PRESENT_AT, _PRESENT_ELSE = _by_last_letter(_PRESENT_ENDINGS)
_PAST_AT, _PAST_ELSE = _by_last_letter(_PAST_ENDINGS)
_PERFECT_AT, _PERFECT_ELSE = _by_last_letter(_PERFECT_ENDINGS, "ه")  # written after the participle's ه
_MIN_STEM = 2
_NEGATIONS = ("ن", "نمی")
# Every conjugated form ends in one of these (stems in ت/د, person endings, participle ه, infinitive ن).
_VERB_FINALS = frozenset("تدمینه")
_FAR_MORE = 20  # frequency ratio that lets a shorter base win over a longer one

_CACHE: dict[str, Result] = {}
_CACHE_LIMIT = 100_000


def analyze_key(key: str) -> Result:
    """Segments and how they were found ('word', 'verb', 'strip', 'compound', 'form', 'split', 'unknown')."""
    hit = _CACHE.get(key)
    if hit is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        hit = _CACHE[key] = _analyze(lexicon(), key)
    return hit


def _analyze(lex: Lexicon, key: str) -> Result:
    if not _is_persian(key):
        return ((key, 0, len(key)),), "unknown"
    found = _resolve(lex, key, strong_verbs=True)
    if found is not None:
        return found
    split = _decompound(lex, key)
    if split is not None:
        return split, "split"
    return ((key, 0, len(key)),), "unknown"


def _resolve(lex: Lexicon, key: str, strong_verbs: bool) -> Result | None:
    """Everything except decompounding; None when the lexicon knows nothing about the key."""
    if key in lex.compounds and not lex.whole(key):
        return _compound(lex, key, 0, len(key)), "compound"
    formal = lex.informal.get(key)
    if formal is not None and " " not in formal:  # خونه → خانه، اومده → امده (several words: the tokenizer)
        found = _resolve(lex, formal, strong_verbs=True)
        term = found[0][0][0] if found is not None and len(found[0]) == 1 else formal
        return ((term, 0, len(key)),), "word"
    if strong_verbs:
        lemma = _verb(lex, key, strong=True)
        if lemma is not None:
            return ((lemma, 0, len(key)),), "verb"
    if lex.is_word(key):
        return ((_word_term(lex, key), 0, len(key)),), "word"
    lemma = _verb(lex, key, strong=False) or _preverb_verb(lex, key) or _colloquial_verb(lex, key)
    if lemma is not None:
        return ((lemma, 0, len(key)),), "verb"
    stripped = _strip(lex, key, depth=2)
    if stripped is not None:
        return stripped, "strip"
    copula = _copula(lex, key)
    if copula is not None:
        return copula, "strip"
    if key in lex.forms:
        return ((key, 0, len(key)),), "form"
    return None


def word_term(key: str) -> str:
    """The term of a word of the lexicon read as that word (not as a verb form): its singular if a plural."""
    return _word_term(lexicon(), key)


def _preverb_verb(lex: Lexicon, key: str) -> str | None:
    """A preverb joined to a marked verb form is one verb: برمی‌گردد → برگشت، درمی‌آید → درامد، برنگشته →
    برنگشت (never a junk term such as برمی)."""
    for preverb in _PREVERBS:
        if key.startswith(preverb) and len(key) - len(preverb) > _MIN_STEM:
            lemma = _verb(lex, key[len(preverb) :], strong=True)
            if lemma is not None:
                return preverb + lemma
            lemma = _verb(lex, key[len(preverb) :], strong=False)  # برخاستند، برداشتیم: a listed verb's past
            if lemma is not None and preverb + lemma + "ن" in lex.flags:
                return preverb + lemma
    return None


def spaced_preverb_verb(preverb: str, verb_key: str) -> str | None:
    """The lemma of a preverb written apart from a می/نمی verb form (در می‌آید، باز میگردند → درامد،
    بازگشت, as when joined), only when that compound verb is listed (its past stem, or its infinitive a
    tagged word), so a noun before a verb stays apart (در می‌زند: knocks on the door)."""
    if preverb not in _PREVERBS or not verb_key.startswith(("می", "نمی")):
        return None
    lex = lexicon()
    lemma = _verb(lex, verb_key, strong=True)
    if lemma is None:
        return None
    bare = lemma[1:] if verb_key.startswith("نمی") else lemma
    if preverb + bare in lex.past or preverb + bare + "ن" in lex.flags:
        return preverb + lemma
    return None


def _word_term(lex: Lexicon, key: str) -> str:
    """A tagged word is its own term, except a listed plural (حیوانات) which meets its singular, and a
    compound with و written whole (گفت‌وگو) which meets its spelling without و (گفتگو) when that is a word."""
    parts = lex.compounds.get(key)
    if parts is not None and len(parts) == 2 and parts[1][:1] == "و" and len(parts[1]) > 2:
        short = parts[0] + parts[1][1:]
        if short in lex.flags:
            return short
    if key.endswith("گان") and len(key) > 5 and key[-4] != "و":
        base = key[:-3] + "ه"  # پرندگان، نمایندگان: a regular plural listed as a word (not گروگان)
        if lex.flags.get(base, 0) & (N | AJ):
            return base
    if lex.flags[key] & PL:
        # ات after a lost ه first: آیات is the plural of آیه (not of ای), جملات of جمله.
        for suffix, restore in (("ها", ""), ("ات", "ه"), ("ات", ""), ("ان", ""), ("یان", ""), ("گان", "ه")):
            base = key[: -len(suffix)] + restore if key.endswith(suffix) else ""
            if len(base) >= _MIN_STEM and lex.flags.get(base, 0) & (N | AJ) and not lex.flags[base] & PL:
                return base
    return key


def _compound(lex: Lexicon, key: str, start: int, end: int) -> tuple[Segment, ...]:
    """Split a lexicon compound (محیط‌زیست) into its parts, each analyzed on its own."""
    segs: list[Segment] = []
    pos = start
    parts = lex.compounds[key]
    for i, part in enumerate(parts):
        stop = pos + len(part)
        inner = _resolve(lex, part, strong_verbs=True) if part not in lex.compounds else None
        term = inner[0][0][0] if inner is not None and len(inner[0]) == 1 else part
        segs.append((term, pos, end if i == len(parts) - 1 else stop))
        pos = stop
    return tuple(segs)


def _verb(lex: Lexicon, key: str, strong: bool) -> str | None:
    """The verb lemma (its past stem, with ن when negated) of a conjugated form, or None.

    Strong forms carry an unmistakable verb marker (می/نمی، ب، ن، participle ه، infinitive ن) and win over
    the lexicon; weak forms (past stem + person ending, bare present) apply only to words not in it.
    """
    if strong and key[:1] == "ن" and key[1:] in lex.present and len(key) > _MIN_STEM and key_free(lex, key):
        return (
            "ن" + lex.present[key[1:]]
        )  # a negative imperative (نرو، نخور), unless a word (نرم، نیاز، نترس)
    if key[-1:] not in _VERB_FINALS:
        return None
    plain = _verb_body(lex, key, "", strong=False) if strong else None
    for prefix in ("نمی", "می", "ن", "ب", ""):
        if not key.startswith(prefix) or (plain is not None and prefix in ("ن", "ب")):
            continue
        rests = [key[len(prefix) :]]
        if prefix in ("ن", "ب") and rests[0].startswith("یا"):
            rests.append("ا" + rests[0][2:])  # نیامد، بیاورید: the ی before a stem in آ (folded to ا)
        for rest in rests:
            lemma = _verb_body(lex, rest, prefix, strong)
            if lemma is not None:
                # A negated verb says the opposite: ندارد, نمی‌رود meet نداشت, نرفت, never دارد, رفت.
                return "ن" + lemma if prefix in _NEGATIONS else lemma
    return None


def _verb_body(lex: Lexicon, rest: str, prefix: str, strong: bool) -> str | None:
    if len(rest) < _MIN_STEM:
        return None
    last = rest[-1]
    if prefix in ("می", "نمی"):
        if strong:
            for ending in _PRESENT_AT.get(last, _PRESENT_ELSE):
                if rest.endswith(ending) and rest[: -len(ending)] in lex.present:
                    return lex.present[rest[: -len(ending)]]
            for ending in _PAST_AT.get(last, _PAST_ELSE):
                stem = rest[: len(rest) - len(ending)]
                if rest.endswith(ending) and stem in lex.past:
                    return stem
            for ending in _PERFECT_AT.get(
                last, _PERFECT_ELSE
            ):  # the past progressive of a participle: می‌رفته، می‌نوشته‌اند
                stem = rest[: len(rest) - len(ending) - 1]
                if rest.endswith("ه" + ending) and stem in lex.past and len(stem) >= _MIN_STEM:
                    return stem
        return None
    # Participles (رفته، نرفته‌اند) and infinitives (رفتن) are strong with or without ن.
    if prefix in ("", "ن"):
        for ending in _PERFECT_AT.get(last, _PERFECT_ELSE):
            if rest.endswith("ه" + ending):
                stem = rest[: len(rest) - len(ending) - 1]
                if stem in lex.past and len(stem) >= _MIN_STEM:
                    return stem if strong else None
        if rest.endswith("ن") and rest[:-1] in lex.past and len(rest) > _MIN_STEM:
            return rest[:-1] if strong else None
    if prefix == "ب":
        for ending in _PRESENT_AT.get(last, _PRESENT_ELSE):
            if rest.endswith(ending) and rest[: -len(ending)] in lex.present:
                # Subjunctive بروم، بیاورید; not a word that merely starts with ب (باید، برخی).
                if strong and key_free(lex, "ب" + rest) and "ب" + rest not in lex.forms:
                    return lex.present[rest[: -len(ending)]]
                return None
        if rest in lex.present and not strong and key_free(lex, "ب" + rest):
            return lex.present[rest]  # imperative (برو), only when not a listed word (ببر)
        return None
    if prefix == "ن":
        for ending in _PAST_AT.get(last, _PAST_ELSE):
            stem = rest[: len(rest) - len(ending)]
            if rest.endswith(ending) and stem in lex.past and (ending or not strong):
                if ending and strong:
                    return stem
                if not ending and key_free(lex, "ن" + rest):
                    return stem
        for ending in _PRESENT_AT.get(last, _PRESENT_ELSE):
            stem = rest[: -len(ending)]
            if rest.endswith(ending) and stem in lex.present and strong and key_free(lex, "ن" + rest):
                return lex.present[stem]  # نمی‌برد-like negatives, unless a word (نبرد، battle)
        return None
    if strong:
        return None
    for ending in _PAST_AT.get(last, _PAST_ELSE):
        stem = rest[: len(rest) - len(ending)]
        if rest.endswith(ending) and stem in lex.past:
            return stem
    for ending in _PRESENT_AT.get(last, _PRESENT_ELSE):
        stem = rest[: -len(ending)]
        if rest.endswith(ending) and stem in lex.present:
            if stem in _BARE_PRESENT or (stem in _BARE_PRESENT_FORMAL and ending in _FORMAL_ENDINGS):
                return lex.present[stem]
    return None


# Person endings of spoken Persian: ه for د (میره، میشه), ن for ند (میگن), ین for ید (میرین); the written ones
# too, after an informal stem (میدونم، میخواد).
_SPOKEN_ENDINGS = ("ه", "ن", "ین")
_ANY_ENDINGS = ("م", "ی", "د", "یم", "ید", "ند", *_SPOKEN_ENDINGS)


def _colloquial_verb(lex: Lexicon, key: str) -> str | None:
    """The lemma of a present form as written in chat and comments (میخوام → خواست، نمیدونم → ندانست,
    میکنن → کرد، داره → داشت), for a key that is no word: an informal stem (hazm's iverbs.dat) with any
    person ending, or a formal stem with a spoken one, after می/نمی/ب/ن (bare only for داشتن، بودن …)."""
    for prefix in ("نمی", "می", "ب", "ن", ""):
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix) :]
        if prefix in ("ب", "ن") and len(rest) >= _MIN_STEM and rest in lex.informal_present:
            lemma = lex.informal_present[rest]  # the imperative: بذار، نذار، بخون، بمون
            return "ن" + lemma if prefix == "ن" else lemma
        for ending in _ANY_ENDINGS:
            if not rest.endswith(ending) or len(rest) <= len(ending):
                continue
            stem = rest[: -len(ending)]
            lemma = lex.informal_present.get(stem)
            if lemma is None and ending in _SPOKEN_ENDINGS:
                lemma = lex.present.get(stem)
            if lemma is None:
                continue
            if not prefix and stem not in _BARE_PRESENT and stem != "هست":
                continue  # bare only where written Persian has it too: داره، باشه، هستن (خوبه is no verb)
            if prefix in ("ب", "ن") and len(stem) < _MIN_STEM and key in lex.forms:
                continue  # a listed short word (بدم، بره) is not read as a verb
            return "ن" + lemma if prefix in _NEGATIONS else lemma
        if prefix in ("می", "نمی") and rest.endswith(("ن", "ین")):  # the spoken past plural: میگفتن
            stem = rest[: -1 if rest.endswith("ن") and not rest.endswith("ین") else -2]
            if stem in lex.past:
                return "ن" + stem if prefix == "نمی" else stem
    return None


def key_free(lex: Lexicon, key: str) -> bool:
    """True when the key is no word of the lexicon (so reading it as a verb form cannot hide a word)."""
    return not lex.is_word(key)


# (suffix, text restored to the base, class). Longest first within the loop below.
_SUFFIXES: tuple[tuple[str, str, str], ...] = tuple(
    sorted(
        [(s, "", "ha") for s in "ها های هایی هایم هایت هایش هایمان هایتان هایشان هام هات هاش".split()]
        + [("ان", "", "an"), ("ات", "", "an"), ("ات", "ه", "an"), ("یان", "", "yan"), ("گان", "ه", "an")]
        + [("تر", "", "cmp"), ("ترین", "", "cmp"), ("تری", "", "cmp"), ("ترها", "", "cmp")]
        + [(s, "", "poss1") for s in ("م", "ت", "ش")]
        + [(s, "", "poss") for s in ("مان", "تان", "شان", "یم", "یت", "یش")]
        + [(s, "", "possh") for s in ("ام", "ات", "اش")]
        + [("ی", "", "y"), ("ی", "", "vy1"), ("ای", "", "hy"), ("یی", "", "vy")],
        key=lambda item: -len(item[0]),
    )
)


def _strip(lex: Lexicon, key: str, depth: int) -> tuple[Segment, ...] | None:
    """Strip inflection where the lexicon says the base is a word and the surface is not."""
    if lex.is_word(key) and not lex.flags[key] & PL:
        return None
    candidates = []
    for suffix, restore, kind in _SUFFIXES:
        if not key.endswith(suffix) or len(key) - len(suffix) < _MIN_STEM:
            continue
        base = key[: -len(suffix)] + restore
        if _suffix_allowed(lex, key, base, kind, depth):
            candidates.append((base, kind))
    # The longest base wins (خانه‌ام is خانه + ام, not خان + هام) unless a shorter one is far more frequent
    # (سال‌های is سال + های, not ساله + ای).
    candidates.sort(key=lambda item: len(item[0]), reverse=True)
    best: tuple[int, tuple[Segment, ...]] | None = None
    for base, kind in candidates:
        found = _base(lex, base, len(key), listed_ok=kind == "ha")
        if found is None:
            continue
        freq = lex.freq.get(base, 0)
        if best is None or freq >= _FAR_MORE * max(best[0], 1):
            best = (freq, found)
    if best is not None:
        return best[1]
    if depth > 1:
        for base, _kind in candidates:
            deeper = _strip(lex, base, depth - 1)
            if deeper is not None and deeper[-1][2] == len(base):
                return (*deeper[:-1], (deeper[-1][0], deeper[-1][1], len(key)))
    return None


def _copula(lex: Lexicon, key: str) -> tuple[Segment, ...] | None:
    """A word with the copula written onto it, which the lexicon does not list as a word: spoken ه after a
    consonant (خوبه، صافه، گرونه: "is good, smooth, dear"), and ست after a vowel (آمریکاست، معناست). The
    copula is a function word, so only the word it follows is kept; so is a spoken possessive (بدنشون)."""
    if key.endswith(("مون", "تون", "شون")) and len(key) > 4:  # spoken possessives: تایرشون، کتابامون
        base = key[:-3]
        if base.endswith("ا") and base not in lex.flags and lex.flags.get(base[:-1], 0) & N:
            base = base[:-1] + "ها"  # the spoken plural ا (کتابامون، رفیقامون)
    elif key.endswith("ه") and len(key) > 3 and not key.endswith(("هه", "اه", "وه", "یه")):
        base = key[:-1]
    elif key.endswith("ست") and len(key) > 4 and key[-3] in "او":
        base = key[:-2]
    else:
        return None
    found = _resolve(lex, base, strong_verbs=False)
    if found is None or len(found[0]) != 1:
        return None
    inflected = found[1] == "strip" and base.endswith(("تر", "ها"))  # بزرگتره، داروهاست
    if inflected or lex.flags.get(base, 0) & (N | AJ | ADV) or base in lex.informal:
        return ((found[0][0][0], 0, len(key)),)
    return None


_PLURAL_ENDINGS = ("ها", "ان", "ات", "گان")


def _suffix_allowed(lex: Lexicon, key: str, base: str, kind: str, depth: int = 1) -> bool:
    flags = lex.flags.get(base, 0)
    if depth > 1 and kind not in ("ha", "an", "yan", "cmp") and base.endswith(_PLURAL_ENDINGS):
        flags |= N  # دوستانمان: the plural base is checked when it is stripped in turn
    if kind == "ha":
        return True
    if kind in ("an", "yan"):
        if kind == "yan" and not base.endswith(("ا", "و")):
            return False
        return bool(flags & (N | AJ)) or base in lex.compounds
    if kind == "cmp":
        return bool(flags & (AJ | ADV))
    if kind == "poss1":
        return key not in lex.forms and bool(flags & (N | AJ))
    if kind == "poss":
        return bool(flags & (N | AJ)) and (not kind.startswith("ی") or base.endswith(("ا", "و")))
    if kind == "possh":
        return base.endswith(("ه", "ی")) and bool(flags & (N | AJ))
    if kind == "y":
        return key not in lex.forms and not base.endswith(("ا", "و"))
    if kind == "hy":
        return base.endswith("ه")
    if kind == "vy":
        return base.endswith(("ا", "و"))
    if kind == "vy1":  # ezafe after a vowel: دریای، دانشجوی، معنای
        return base.endswith(("ا", "و")) and bool(flags & (N | AJ))
    return False


def _base(lex: Lexicon, base: str, end: int, listed_ok: bool = False) -> tuple[Segment, ...] | None:
    """The base after stripping, spanning to the end of the surface form (listed_ok: any listed form)."""
    if base in lex.compounds and not lex.whole(base):
        return _compound(lex, base, 0, end)
    if lex.is_word(base):
        return ((_word_term(lex, base), 0, end),)
    if listed_ok and base in lex.forms:
        return ((base, 0, end),)
    return None


# Preverbs written joined to a verb (برشمرد، درگذشت، بازگشت): the verb stays one word.
PREVERBS = ("باز", "فرو", "فرا", "بر", "در", "ور", "وا")
_PREVERBS = PREVERBS
_JOINED_PREPOSITIONS = ("در", "از")
_MIN_PART = 3  # a shorter part is too often a piece of another word (بو|جود، ال|ملل)


def _decompound(lex: Lexicon, key: str) -> tuple[Segment, ...] | None:
    """Split an unknown joined string into the words it is made of, or None to keep it whole.

    Only where the reading is safe: two attested words of three letters or more (محیطزیست-like), a joined
    به (بوجود = به وجود), a joined که (حالیکه = حالی که). A preverb before a verb form (برشمرد) is a verb,
    never split; nor is a string whose parts are too short to be sure of.
    """
    if len(key) < 4:
        return None
    for preverb in _PREVERBS:
        if key.startswith(preverb) and _verb(lex, key[len(preverb) :], strong=True) is not None:
            return None
        if key.startswith(preverb) and _verb(lex, key[len(preverb) :], strong=False) is not None:
            return None
    if key.startswith("ب") and lex.freq.get(key[1:], 0) and len(key) > _MIN_PART:
        tail = _resolve(lex, key[1:], strong_verbs=False)
        if tail is not None and len(tail[0]) == 1 and tail[1] == "word":
            return (("به", 0, 1), (tail[0][0][0], 1, len(key)))
    for head in _JOINED_PREPOSITIONS:  # a preposition typed without its space: درطول، ازبین
        tail = key[len(head) :]
        if key.startswith(head) and len(tail) >= _MIN_PART and lex.freq.get(tail, 0):
            found = _resolve(lex, tail, strong_verbs=False)
            if found is not None and len(found[0]) == 1 and found[1] == "word":
                return ((head, 0, len(head)), (found[0][0][0], len(head), len(key)))
    if key.endswith("که") and len(key) - 2 >= _MIN_PART:
        head = _resolve(lex, key[:-2], strong_verbs=True)
        if head is not None and len(head[0]) == 1:
            return ((head[0][0][0], 0, len(key) - 2), ("که", len(key) - 2, len(key)))
    best: tuple[int, tuple[Segment, ...]] | None = None
    for cut in range(_MIN_PART, len(key) - _MIN_PART + 1):
        head, tail = key[:cut], key[cut:]
        if tail in SUFFIXES or not (lex.is_word(head) and lex.is_word(tail)):
            continue
        score = min(lex.freq.get(head, 0), lex.freq.get(tail, 0))
        if score == 0:  # both parts must be attested words, not just listed ones
            continue
        if best is None or score > best[0]:
            segs = ((_word_term(lex, head), 0, cut), (_word_term(lex, tail), cut, len(key)))
            best = (score, segs)
    return best[1] if best is not None else None


_PERSIAN_KEY = re.compile("[\u0621-\u06ff]+")


def _is_persian(key: str) -> bool:
    return _PERSIAN_KEY.fullmatch(key) is not None


_SPACED: tuple[dict[str, frozenset[str]], dict[str, int]] | None = None


def spaced_compounds() -> tuple[dict[str, frozenset[str]], dict[str, int]]:
    """Compounds whose spaced spelling is joined into the one word (دانش آموز، گفت و گو، کتاب خانه).

    Returns the first parts that may start one, each with the first two letters of what may follow it
    (so the tokenizer rejects most words after a first part at the cost of one set look-up), and, per
    compound key, the length of its first part (the spaced spelling must cut there). Left out: a function
    word beside a word that also stands alone (هم زمان، به روز، انجام شده read as "also time", "to the
    day", a passive as often as the one word); kept: one beside a piece that is no word by itself (بین
    المللی).
    """
    global _SPACED
    if _SPACED is None:
        lex = lexicon()
        table = {}
        for key, parts in lex.compounds.items():
            if not lex.whole(key) or min(len(parts[0]), len(parts[-1])) < 2:
                continue
            if not _reads_as_two_words(lex, key, parts):
                table[key] = len(parts[0])
        openings: dict[str, set[str]] = {}
        for key, cut in table.items():
            rest = key[cut:]
            openings.setdefault(key[:cut], set()).update((rest[:2], "و") if rest[:1] == "و" else (rest[:2],))
        _SPACED = {head: frozenset(following) for head, following in openings.items()}, table
    return _SPACED


def _reads_as_two_words(lex: Lexicon, key: str, parts: tuple[str, ...]) -> bool:
    """A compound of a function word and a word that also stands alone: spaced, it reads as two words."""
    return (parts[0] in STOP_KEYS and lex.is_word(key[len(parts[0]) :])) or (
        parts[-1] in STOP_KEYS and lex.is_word(key[: -len(parts[-1])])
    )


_TWO_READINGS: dict[str, tuple[str, str]] | None = None


def two_reading_compounds() -> dict[str, tuple[str, str]]:
    """Compounds of two parts left out of `spaced_compounds` because spaced they read as two words just as
    well (`_reads_as_two_words`: هم‌زمان، ذره‌بین، به‌روز): compound key -> its two parts. The index keeps
    what was typed (one term joined, two words spaced); the query side searches both spellings, so that
    همزمان and «هم زمان» meet while زمان alone never finds همزمان."""
    global _TWO_READINGS
    if _TWO_READINGS is None:
        lex = lexicon()
        _TWO_READINGS = {
            key: (parts[0], parts[1])
            for key, parts in lex.compounds.items()
            if len(parts) == 2
            and lex.whole(key)
            and min(len(parts[0]), len(parts[1])) >= 2
            and _reads_as_two_words(lex, key, parts)
        }
    return _TWO_READINGS
