"""Property tests of the analyzer (issue 6): it never raises, offsets always slice the original text,
normalization is idempotent, and every spelling variant of a document's words gives the same terms.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzers import PersianAnalyzer, indexed_terms, indexed_terms_and_lead
from analyzers.normalize import fold_key, normalize_text

ANALYZER = PersianAnalyzer()
ZWNJ = "\u200c"
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Persian-heavy alphabet: Persian and Arabic letters, diacritics, tatweel, ZWNJ, bidi marks, digits of three
# scripts, presentation forms, Latin, punctuation and spaces of several kinds.
PERSIAN_HEAVY = st.text(
    alphabet=st.sampled_from(
        list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآئؤأإةيكىۀ")
        + list("\u064b\u064e\u064f\u0650\u0651\u0652\u0670\u0640\u200c\u200d\u200e\u200f\u200b\u00a0\ufeff")
        + list("۰۱۲۳۴۵۶۷۸۹٠١٢٣0123456789٫٬.,،؛؟!«»()#@_-/: \n\t")
        + list("ﮐﺘﺎﺏﻻﷲabcXYZé")
    ),
    max_size=80,
)
ANY_TEXT = st.text(max_size=80)


def _check_tokens(text: str) -> None:
    last_pos = -1
    last_start = -1
    for t in ANALYZER(text, positions=True, chars=True, mode="query", removestops=False):
        assert isinstance(t.text, str) and t.text
        assert 0 <= t.startchar < t.endchar <= len(text)
        piece = text[t.startchar : t.endchar]
        assert piece == piece.strip(), (t.text, piece)
        assert t.pos == last_pos + 1
        assert t.startchar >= last_start
        last_pos, last_start = t.pos, t.startchar
        assert isinstance(t.stopped, bool)


@SETTINGS
@given(ANY_TEXT)
def test_never_raises_and_offsets_slice_the_text_on_any_unicode(text: str) -> None:
    _check_tokens(text)


@SETTINGS
@given(PERSIAN_HEAVY)
def test_never_raises_and_offsets_slice_the_text_on_persian_heavy_text(text: str) -> None:
    _check_tokens(text)
    for mode in ("index", "query"):
        for t in ANALYZER(text, mode=mode, tokenize=False):
            assert t.text == fold_key(text)


@SETTINGS
@given(st.one_of(ANY_TEXT, PERSIAN_HEAVY))
def test_normalization_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


# Words with a host and an affix or a second part, each writable with ZWNJ, joined or with a space.
SPLITTABLE = [
    ("روزنامه", "ها"),
    ("کتاب", "های"),
    ("دانشگاه", "ها"),
    ("می", "نویسم"),
    ("نمی", "دانند"),
    ("می", "رود"),
    ("محیط", "زیست"),
    ("بین", "المللی"),
    ("آن", "ها"),
    ("خانه", "ای"),
    ("همه", "ی"),
    ("بزرگ", "تر"),
    ("بزرگ", "ترین"),
]
# Plain words (including look-alikes and words containing letters with Arabic variants).
PLAIN = ["سفر", "به", "ماه", "ماهی", "ایران", "کتاب", "یکی", "کودک", "مسئول", "هیئت", "علی", "درختان", "۱۴۰۲"]
_ARABIC = str.maketrans({"ی": "ي", "ک": "ك", "ه": "ة"})


@st.composite
def document_and_variant(draw: st.DrawFn) -> tuple[str, str]:
    """A document of words in canonical spelling and the same words typed another way."""
    words = draw(
        st.lists(st.one_of(st.sampled_from(SPLITTABLE), st.sampled_from(PLAIN)), min_size=1, max_size=12)
    )
    canonical, variant = [], []
    for word in words:
        if isinstance(word, tuple):
            host, affix = word
            canonical.append(host + ZWNJ + affix)
            # Known limit: ezafe ی joined to a silent ه (همهی) reads like ماهی (ماه + ی), so it stays whole.
            joiners = [ZWNJ, " "] if affix == "ی" and host.endswith("ه") else [ZWNJ, "", " "]
            joiner = draw(st.sampled_from(joiners))
            written = host + joiner + affix
        else:
            canonical.append(word)
            written = word
        if draw(st.booleans()):
            written = written.replace("ی", "ي").replace("ک", "ك")
        if draw(st.booleans()) and len(written) > 1 and written[0] not in "۰۱۲۳۴۵۶۷۸۹":
            written = (
                written[0] + draw(st.sampled_from(["\u064e", "\u0650", "\u0640", "\u200f"])) + written[1:]
            )
        variant.append(written)
    return " ".join(canonical), " ".join(variant)


@SETTINGS
@given(document_and_variant())
def test_any_spelling_variant_gives_the_same_terms(pair: tuple[str, str]) -> None:
    document, query = pair
    doc_terms = [(t.text, t.pos) for t in ANALYZER(document, positions=True, mode="index", removestops=False)]
    query_terms = [(t.text, t.pos) for t in ANALYZER(query, positions=True, mode="query", removestops=False)]
    assert doc_terms == query_terms, (document, query)


def _indexed_by_tokens(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text, mode="index") if not t.stopped]


@SETTINGS
@given(st.one_of(ANY_TEXT, PERSIAN_HEAVY, document_and_variant().map(" ".join)))
def test_indexing_without_tokens_keeps_the_tokens_terms(text: str) -> None:
    """`indexed_terms` (what the index path reads, no Token per word) is exactly what Whoosh keeps of the
    tokens when it indexes: every term, at its position."""
    assert indexed_terms(ANALYZER, text, mode="index") == _indexed_by_tokens(text)


def test_a_long_text_is_analyzed_alike_in_chunks() -> None:
    """Tokens with offsets come from the scanning loop in chunks (tokenizer._CHUNK); a text of many chunks,
    with joins (روزنامه ها، می خوانند، دانش آموز) falling across their edges, gives the terms of the index
    path and offsets that slice it."""
    sentence = "دانش آموزان روزنامه ها را می خوانند و کتاب‌های تازه‌ای به کتاب خانه ی مدرسه می برند. "
    text = sentence * 700  # about 12,000 tokens: a dozen chunks, each ending somewhere else in the sentence
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in ANALYZER(text, positions=True, chars=True)]
    assert [term for term, *_ in tokens] == indexed_terms(ANALYZER, text, mode="index")
    assert [pos for _, pos, _, _ in tokens] == list(range(len(tokens)))
    per_sentence = len(tokens) // 700
    assert per_sentence == 11 and len(tokens) == per_sentence * 700
    first = [(term, s, e) for term, _, s, e in tokens[:per_sentence]]
    for k in range(700):  # every copy of the sentence gives the same terms at the same offsets
        copy = tokens[k * per_sentence : (k + 1) * per_sentence]
        shift = k * len(sentence)
        assert [(term, s - shift, e - shift) for term, _, s, e in copy] == first


@SETTINGS
@given(st.one_of(ANY_TEXT, PERSIAN_HEAVY, document_and_variant().map(" ".join)), st.integers(0, 90))
def test_the_terms_of_a_beginning_are_read_from_the_whole_text(text: str, cut: int) -> None:
    """`indexed_terms_and_lead` gives the whole text's terms and, unless a term there is cut or joined
    across the cut, how many of them are exactly the terms of `text[:cut]` analyzed alone."""
    cut = min(cut, len(text))
    terms, lead = indexed_terms_and_lead(ANALYZER, text, cut)
    assert terms == indexed_terms(ANALYZER, text, mode="index")
    if lead is not None:
        assert terms[:lead] == indexed_terms(ANALYZER, text[:cut], mode="index")


def test_a_beginning_whose_last_word_joins_the_next_is_not_read_from_the_whole() -> None:
    """Cut inside a spaced compound (دانش | آموزان), before a detached suffix (روزنامه | ها) or inside a
    word, the beginning's own terms differ from the whole text's: no count is given. Cut between words that
    do not join, or where a word split in two ends (اینکار = این + کار, one span), it is."""
    for text, cut in (("دانش آموزان آمدند", 4), ("روزنامه ها رسید", 7), ("کتابخانه بزرگ", 4)):
        assert indexed_terms_and_lead(ANALYZER, text, cut)[1] is None, text[:cut]
    text = "کتاب خوب اینکار را کرد"
    for cut in (4, 8, 15):
        terms, lead = indexed_terms_and_lead(ANALYZER, text, cut)
        assert lead is not None and terms[:lead] == indexed_terms(ANALYZER, text[:cut], mode="index")
    assert indexed_terms_and_lead(ANALYZER, text, 15)[0][:4] == ["کتاب", "خوب", "این", "کار"]


def test_indexing_without_tokens_is_only_for_the_index_path() -> None:
    """Where Whoosh would drop marked function words (a query's removestops), or the analyzer is another,
    there is no token-free path: the caller reads tokens."""
    from whoosh.analysis import StandardAnalyzer

    assert indexed_terms(ANALYZER, "کتاب و قلم", mode="query") is None
    assert indexed_terms(ANALYZER, "کتاب و قلم", mode="index", removestops=False) is None
    assert indexed_terms(StandardAnalyzer(), "a book", mode="index") is None
    assert indexed_terms(ANALYZER, "کتاب و قلم", mode="index") == ["کتاب", "و", "قلم"]


def _frequent_lexicon_words() -> list[str]:
    """Tagged single words of hazm's lexicon used at least 1,000 times (with their ZWNJ, if written so)."""
    from analyzers.lexicon import data_dir

    words = []
    with open(data_dir() / "words.dat", encoding="utf-8") as fh:
        for line in fh:
            word, freq, tags = [*line.rstrip("\n").split("\t"), "", "", ""][:3]
            if tags not in ("", "0") and " " not in word and freq.isdigit() and int(freq) >= 1000:
                words.append(word)
    return words


LEXICON_WORDS = _frequent_lexicon_words()


@SETTINGS
@given(st.sampled_from(LEXICON_WORDS))
def test_a_word_of_the_lexicon_is_one_term(word: str) -> None:
    """A word the lexicon knows is never cut into parts, and no word of it vanishes: only a function word
    is marked stopped."""
    from analyzers.stopwords import is_function_word

    toks = list(ANALYZER(word, mode="query", removestops=False))
    assert len(toks) == 1, (word, [t.text for t in toks])
    assert not toks[0].stopped or is_function_word(word), word


@SETTINGS
@given(st.sampled_from([w for w in LEXICON_WORDS if ZWNJ in w]))
def test_a_compound_meets_its_joined_spelling(word: str) -> None:
    joined = [t.text for t in ANALYZER(word.replace(ZWNJ, ""), mode="query", removestops=False)]
    assert [t.text for t in ANALYZER(word, mode="query", removestops=False)] == joined, word


def test_a_lexicon_word_spelled_with_a_run_meets_its_zwnj_spelling() -> None:
    """هه‌هه joins to هههه, which the lexicon lists: emphasis collapsing (ههههه → ه) must not undo it."""
    terms = [[t.text for t in ANALYZER(w, mode="query", removestops=False)] for w in ("هه\u200cهه", "هههه")]
    assert terms[0] == terms[1] == ["هههه"]
