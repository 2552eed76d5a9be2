"""Table-driven tests of the Persian analysis chain: spellings that must meet, look-alikes that must not,
exact original offsets, stopword marks, mixed scripts, and the Whoosh contract (pickling, modes, phrases).
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Or, Phrase, Term

from analyzers import ANALYZER_VERSION, PersianAnalyzer

ZWNJ = "\u200c"
ANALYZER = PersianAnalyzer()
QA_IR = Path(__file__).resolve().parents[2] / "shared" / "data" / "qa-ir"


def terms(text: str) -> list[str]:
    """Every term of a text in order, stopwords included (what a phrase query sees)."""
    return [t.text for t in ANALYZER(text, mode="query", removestops=False)]


def tokens(text: str) -> list[tuple[str, int, int, int, bool]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar, t.stopped)
        for t in ANALYZER(text, positions=True, chars=True, removestops=False)
    ]


# Spellings that must give the same terms (checked in both directions, so each row is two cases).
MEET = [
    # ZWNJ, joined and spaced spellings of prefixes, suffixes and compounds
    ("می‌نویسم", "مینویسم"),
    ("می‌نویسم", "می نویسم"),
    ("مینویسم", "می نویسم"),
    ("روزنامه‌ها", "روزنامهها"),
    ("روزنامه‌ها", "روزنامه ها"),
    ("روزنامه", "روزنامه‌ها"),
    ("نمی‌دانند", "نمیدانند"),
    ("نمی‌دانند", "نمی دانند"),
    ("نمی‌دانند", "ندانستم"),  # negated forms meet each other, never the affirmative
    ("محیط‌زیست", "محیطزیست"),
    ("محیط‌زیست", "محیط زیست"),
    ("دانش‌پژوهان", "دانشپژوهان"),
    ("بین‌المللی", "بینالمللی"),
    ("بین‌المللی", "بین المللی"),
    ("بین‌الملل", "بینالملل"),
    ("گفت‌وگو", "گفتوگو"),
    ("آن‌ها", "آنها"),
    ("این‌ها", "اینها"),
    ("می‌شود", "میشود"),
    ("می‌شود", "می شود"),
    ("می‌توانند", "میتوانند"),
    ("نمی‌توان", "نمیتوان"),
    ("سخت‌افزار", "سختافزار"),
    ("نرم‌افزارها", "نرمافزار"),
    ("بی‌شک", "بیشک"),
    ("هم‌اکنون", "هماکنون"),
    ("کتابخانه‌ها", "کتابخانه"),
    ("دانشگاه‌ها", "دانشگاه"),
    ("دانشگاه‌های", "دانشگاه"),
    ("همه‌ی", "همه"),
    ("همه ی", "همه"),
    ("خانه‌ای", "خانه"),
    ("خانه ای", "خانه"),
    ("بزرگ تر", "بزرگتر"),
    # Arabic letters, presentation forms, hamza spellings, diacritics, tatweel, bidi marks
    ("هیئت", "هیأت"),
    ("هیئت", "هیات"),
    ("هیأت", "هیات"),
    ("مسئول", "مسوول"),
    ("مسئولیت", "مسوولیت"),
    ("رئیس", "رییس"),
    ("پائیز", "پاییز"),
    ("مؤسسه", "موسسه"),
    ("إسلام", "اسلام"),
    ("أمیر", "امیر"),
    ("ٱلله", "الله"),
    ("كتاب", "کتاب"),
    ("يك", "یک"),
    ("علي", "علی"),
    ("مدرسة", "مدرسه"),
    ("خانۀ", "خانه"),
    ("خانۀ", "خانه‌ی"),
    ("ﮐﺘﺎﺏ", "کتاب"),
    ("ﻻله", "لاله"),
    ("کِتاب", "کتاب"),
    ("مُهَندِس", "مهندس"),
    ("کتـــاب", "کتاب"),
    ("\u200fکتاب", "کتاب"),
    ("کتاب\u00a0ها", "کتاب‌ها"),
    ("محیط\u200bزیست", "محیط‌زیست"),
    ("روزنامه هاي", "روزنامه‌های"),
    ("مي‌نويسم", "می‌نویسم"),
    ("کتا\u200eب", "کتاب"),
    ("آب", "اب"),
    ("آینده", "اینده"),
    # digits
    ("۱۴۰۲", "1402"),
    ("١٤٠٢", "1402"),
    ("１４０２", "1402"),
    ("۱۲٫۵", "12.5"),
    ("۱٬۰۰۰", "1000"),
    ("1,000", "1000"),
    # inflection: plurals, comparatives, clitics, indefinite
    ("درختان", "درخت"),
    ("کتاب‌ها", "کتاب"),
    ("کتابها", "کتاب"),
    ("دانشجویان", "دانشجو"),
    ("حیوانات", "حیوان"),
    ("پرندگان", "پرنده"),
    ("مردان", "مرد"),
    ("کتاب‌هایشان", "کتاب"),
    ("کتابهایی", "کتاب"),
    ("بزرگ‌ترین", "بزرگ"),
    ("بزرگترین", "بزرگ"),
    ("بزرگ‌تر", "بزرگ"),
    ("کتابم", "کتاب"),
    ("خانه‌ام", "خانه"),
    ("کارشان", "کار"),
    ("درختانش", "درخت"),
    ("شهرها", "شهر"),
    ("ماه‌ها", "ماه"),
    ("ماهها", "ماه"),
    ("ماهی‌ها", "ماهی"),
    ("جوان‌ها", "جوان"),
    ("جوانان", "جوان"),
    ("ایرانی‌ها", "ایرانی"),
    ("کشورها", "کشور"),
    # verbs: every tense of one verb gives one term (its negation another, shared by every negated tense)
    ("دانستم", "می‌دانند"),
    ("ندانستم", "نمی‌دانند"),
    ("رفتم", "می‌روم"),
    ("نرفتم", "نرفته"),
    ("رفتیم", "رفتن"),
    ("می‌رفتند", "رفت"),
    ("نمی‌روند", "نرفتم"),
    ("گفتند", "می‌گوید"),
    ("می‌گویم", "گفتن"),
    ("نوشتم", "بنویسید"),
    ("خواندم", "می‌خوانیم"),
    ("نیامد", "نمی‌آید"),
    ("می‌آیند", "آمدند"),
    ("آوردند", "بیاورید"),
    ("شده", "شود"),
    ("کرده‌اند", "کردند"),
    ("رفته‌ایم", "رفتیم"),
    ("خواهم رفت", "خواهیم رفت"),
    ("دیدم", "می‌بینند"),
    ("گرفتم", "می‌گیرد"),
    ("باشد", "بود"),
    ("می‌کند", "کردم"),
    ("دهد", "دادند"),
    ("هستند", "هست"),
    ("سال‌های", "سالهای"),
    ("سالهای", "سال"),
    ("شهرهای", "شهر"),
    ("دریای", "دریا"),
    ("معنای", "معنا"),
    # Latin, URLs, e-mail, hashtags
    ("Search", "search"),
    ("Engines", "engine"),
    ("running", "run"),
    ("CAFÉ", "cafe"),
    ("ＡＢＣ", "abc"),
    ("https://www.Example.com/page", "example.com page"),
    ("www.example.com", "Example.com"),
    ("ali@Example.com", "ALI@example.com"),
    ("#محیط_زیست", "محیط زیست"),
    ("#ایران", "ایران"),
]

# Look-alikes that must not share a term (the over-stemming of hazm's Stemmer and Lucene's filter).
APART = [
    ("رفت", "نرفت"),  # a negated verb says the opposite
    ("دارد", "ندارد"),
    ("می‌روم", "نمی‌روم"),
    ("جو", "جوان"),
    ("ماه", "ماهی"),
    ("مار", "بیمار"),
    ("مون", "میمون"),
    ("ایران", "ایراد"),
    ("شیر", "شیراز"),
    ("ایران", "ایر"),
    ("علی", "عل"),
    ("دختر", "دخ"),
    ("بهترین", "به"),
    ("حیوانات", "حیو"),
    ("کتاب", "کتابت"),
    ("آرام", "آرامش"),
    ("مرد", "مردم"),
    ("باران", "بار"),
    ("پایان", "پا"),
    ("تنها", "تن"),
    ("ببر", "برد"),
    ("نبرد", "برد"),
    ("کارم", "کاشت"),
    ("ماهیان", "ماه"),
    ("سفر", "سفره"),
    ("کشتی", "کشت"),
    ("دانش", "دانشجو"),
    ("گروگان", "گروه"),
    ("نوشتم", "وشت"),
    ("باید", "آمد"),
    ("برخی", "رخ"),
    ("رسم", "رسید"),
    ("دهم", "داد"),
    ("بینی", "دید"),
    ("خانه‌ای", "خان"),
]


@pytest.mark.parametrize(("a", "b"), MEET + [(b, a) for a, b in MEET])
def test_spellings_meet(a: str, b: str) -> None:
    got = terms(a)
    assert got, f"{a!r} gave no terms"
    assert got == terms(b), f"{a!r} -> {got} but {b!r} -> {terms(b)}"


@pytest.mark.parametrize(("a", "b"), APART)
def test_look_alikes_stay_apart(a: str, b: str) -> None:
    assert not set(terms(a)) & set(terms(b)), f"{a!r} -> {terms(a)} meets {b!r} -> {terms(b)}"


@pytest.mark.parametrize("text", [a for a, _ in MEET] + [b for _, b in MEET] + [a for a, _ in APART])
def test_offsets_slice_the_original_word(text: str) -> None:
    toks = tokens(text)
    assert toks
    for term, _pos, start, end, _stopped in toks:
        piece = text[start:end]
        assert 0 <= start < end <= len(text), term
        assert piece == piece.strip() and piece[0] not in "#@" and piece[-1] not in "_.,", (term, piece)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("کِتابـــ‌هایشان را خواندم", [("کتاب", "کِتابـــ‌هایشان"), ("را", "را"), ("خواند", "خواندم")]),
        ("محیط‌زیست", [("محیطزیست", "محیط‌زیست")]),
        ("محیط زیست", [("محیطزیست", "محیط زیست")]),
        ("بوجود", [("به", "ب"), ("وجود", "وجود")]),
        ("روزنامه ها", [("روزنامه", "روزنامه ها")]),
        ("می نویسم", [("نوشت", "می نویسم")]),
        ("خانۀ ما", [("خانه", "خانۀ"), ("ما", "ما")]),
        ("خانه‌ی مُهَندِس", [("خانه", "خانه‌ی"), ("مهندس", "مُهَندِس")]),
        ("\u200fهیئت\u200f", [("هیات", "هیئت")]),
        ("ﮐﺘﺎﺏ", [("کتاب", "ﮐﺘﺎﺏ")]),
        ("«سلام»، دنیا!", [("سلام", "سلام"), ("دنیا", "دنیا")]),
        ("قیمت ۱۲٫۵ دلار", [("قیمت", "قیمت"), ("12.5", "۱۲٫۵"), ("دلار", "دلار")]),
    ],
)
def test_exact_offsets(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(t, text[s:e]) for t, _p, s, e, _st in tokens(text)] == expected


def test_positions_count_each_word_once_whatever_the_spelling() -> None:
    for text in ("محیط‌زیست سالم", "محیطزیست سالم", "محیط زیست سالم"):
        assert [(t, p) for t, p, *_ in tokens(text)] == [("محیطزیست", 0), ("سالم", 1)], text
    for text in ("گفت‌وگو کردند", "گفتوگو کردند", "گفت و گو کردند", "گفتگو کردند"):
        assert [(t, p) for t, p, *_ in tokens(text)] == [("گفتگو", 0), ("کرد", 1)], text
    for text in ("روزنامه‌ها را", "روزنامهها را", "روزنامه ها را"):
        assert [(t, p) for t, p, *_ in tokens(text)] == [("روزنامه", 0), ("را", 1)], text


@pytest.mark.parametrize(
    ("text", "stopped"),
    [
        ("سفر به ماه", [False, True, False]),
        ("کتاب‌های این دانشگاه", [False, True, False]),
        ("او می‌شود و آنها", [True, True, True, True]),
        ("the search engine", [True, False, False]),
    ],
)
def test_stopwords_are_marked_not_dropped(text: str, stopped: list[bool]) -> None:
    assert [t[4] for t in tokens(text)] == stopped


def test_a_query_of_only_stopwords_still_has_terms() -> None:
    toks = tokens("از این به آن")
    assert [t[0] for t in toks] == ["از", "این", "به", "آن".replace("آ", "ا")]
    assert all(t[4] for t in toks)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Visit https://www.Example.com/docs/Search-Page?q=1.",
            ["visit", "example.com", "doc", "search", "page", "q", "1"],
        ),
        ("ایمیل: Reza.Karimi@Mail.IR لطفا", ["ایمیل", "reza.karimi@mail.ir", "لطفا"]),
        ("#محیط_زیست و #Python3", ["محیطزیست", "و", "python", "3"]),
        ("سال ۱۴۰۲ و ٢٠٢٣ و 2024", ["سال", "1402", "و", "2023", "و", "2024"]),
        ("نسخه‌ی 2.7.5 از Whoosh", ["نسخه", "2.7.5", "از", "whoosh"]),
        ("قیمت ۱٬۲۵۰٬۰۰۰ ریال", ["قیمت", "1250000", "ریال"]),
        ("سایت kavosh.ir را ببینید", ["سایت", "kavosh.ir", "را", "دید"]),
    ],
)
def test_mixed_latin_digits_urls_emails_hashtags(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_whoosh_contract_pickle_modes_and_offsets() -> None:
    analyzer = pickle.loads(pickle.dumps(PersianAnalyzer()))
    assert analyzer == PersianAnalyzer()
    text = "دانشجویان می‌نویسند"
    for mode in ("index", "query", ""):
        toks = analyzer(text, positions=True, chars=True, mode=mode, removestops=False, boost=2.0)
        assert [t.text for t in toks] == ["دانشجو", "نوشت"]  # Whoosh reuses one Token: read it as it comes
    shifted = [
        (t.pos, t.startchar) for t in analyzer(text, positions=True, chars=True, start_pos=5, start_char=100)
    ]
    assert shifted == [(5, 100), (6, 110)]
    assert [t.text for t in analyzer("كتاب‌ها", tokenize=False)] == ["کتابها"]
    assert isinstance(ANALYZER_VERSION, str) and ANALYZER_VERSION


def test_hazm_is_not_imported() -> None:
    code = (
        "import sys; from analyzers import PersianAnalyzer;"
        "list(PersianAnalyzer()('کتاب‌ها را می‌خوانم'));"
        "print('hazm' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# An original passage typed carefully (ZWNJ, «» quotes); its web copy loses every ZWNJ, has Arabic letters.
PASSAGE = (
    "پژوهشگران دانشگاه‌های کشور می‌گویند «آلودگی هوا» در شهرهای بزرگ بیشتر می‌شود. آن‌ها در گفت‌وگو با "
    "خبرنگاران گفتند که سازمان‌های بین‌المللی باید به محیط‌زیست توجه کنند و نمی‌توانند از این مسئله بگذرند. "
    "به گفته‌ی یکی از دانش‌پژوهان، درختان کهن‌سال و رودخانه‌ها نخستین قربانیان این بحران هستند."
)
WEB_COPY = PASSAGE.replace(ZWNJ, "").replace("ی", "ي").replace("ک", "ك")
QUERIES = [
    "دانشگاه‌های کشور",
    "آلودگی هوا",
    "شهرهای بزرگ",
    "می‌شود",
    "آن‌ها",
    "گفت‌وگو با خبرنگاران",
    "سازمان‌های بین‌المللی",
    "محیط‌زیست",
    "نمی‌توانند",
    "دانش‌پژوهان",
    "درختان کهن‌سال",
    "رودخانه‌ها",
    "نخستین قربانیان",
]


@pytest.fixture(scope="module")
def searcher():
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=PersianAnalyzer(), phrase=True))
    ix = RamStorage().create_index(schema)
    with ix.writer() as w:
        w.add_document(id="careful", body=PASSAGE)
        w.add_document(id="web", body=WEB_COPY)
        w.add_document(id="moon", body="گزارشی درباره‌ی سفر به ماه و ستارگان")
        w.add_document(id="other", body="سفر از ماه به زمین")
        for i, (a, _b) in enumerate(MEET[:33]):
            w.add_document(id=f"meet{i}", body=f"آغاز {a} پایان")
    with ix.searcher() as s:
        yield s


def _found(searcher, query: str, phrase: bool) -> set[str]:
    toks = terms(query)
    if phrase:
        q = Phrase("body", toks) if len(toks) > 1 else Term("body", toks[0])
    else:
        keep = [t.text for t in ANALYZER(query, mode="query", removestops=False) if not t.stopped] or toks
        q = Or([Term("body", t) for t in keep])
    return {hit["id"] for hit in searcher.search(q, limit=None)}


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("phrase", [False, True])
def test_web_copy_and_careful_text_find_each_other(searcher, query: str, phrase: bool) -> None:
    web_query = query.replace(ZWNJ, "")
    for q in (query, web_query, web_query.replace("ی", "ي")):
        assert {"careful", "web"} <= _found(searcher, q, phrase), q


@pytest.mark.parametrize(("a", "b"), MEET[:33] + [(b, a) for a, b in MEET[:33]])
def test_spellings_meet_as_phrases_in_an_index(searcher, a: str, b: str) -> None:
    hits = _found(searcher, f"آغاز {b} پایان", phrase=True)
    assert any(h.startswith("meet") for h in hits), (a, b)


def test_stopwords_stay_in_the_index_so_phrases_are_exact(searcher) -> None:
    assert _found(searcher, "سفر به ماه", phrase=True) == {"moon"}
    assert _found(searcher, "سفر از ماه", phrase=True) == {"other"}
    assert _found(searcher, "به", phrase=True) >= {"moon", "other"}


@pytest.mark.skipif(not (QA_IR / "docs.jsonl").exists(), reason="../shared/data/qa-ir is not present")
def test_real_passages_give_valid_offsets() -> None:
    with open(QA_IR / "docs.jsonl", encoding="utf-8") as fh:
        docs = [json.loads(line) for _, line in zip(range(150), fh, strict=False)]
    for doc in docs:
        text = doc["text"]
        last = -1
        for term, pos, start, end, _stopped in tokens(text):
            assert 0 <= start < end <= len(text) and pos > last and term
            assert text[start:end] == text[start:end].strip()
            last = pos


def test_forked_multiprocess_writer_and_reopened_index(tmp_path: Path) -> None:
    """Whoosh pickles the analyzer into the schema and forks writer processes: both must keep working."""
    from whoosh import index

    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=PersianAnalyzer(), phrase=True))
    ix = index.create_in(str(tmp_path), schema)
    writer = ix.writer(procs=2, multisegment=True)
    for i in range(20):
        writer.add_document(id=str(i), body=f"سند {i}: روزنامه‌ها درباره‌ی محیطزیست می نویسند")
    writer.commit()
    with index.open_dir(str(tmp_path)).searcher() as s:
        hits = s.search(Phrase("body", terms("روزنامه ها درباره محیط‌زیست می‌نویسند")), limit=None)
        assert len(hits) == 20


@pytest.mark.parametrize(
    ("word", "side"),
    [
        ("می", "next"),
        ("نمی", "next"),
        ("ها", "previous"),
        ("هاي", "previous"),
        ("ترین", "previous"),
        ("ی", "previous"),
        ("کتاب", "next"),  # کتاب خانه is the one word کتابخانه
        ("دانش", "next"),
        ("میز", None),
        ("", None),
    ],
)
def test_joins_neighbour_tells_query_code_which_words_to_analyze_together(
    word: str, side: str | None
) -> None:
    from analyzers import joins_neighbour

    assert joins_neighbour(word) == side
