"""Function words: the words a keyword query may leave out. The tokenizer marks them `stopped`, never drops
them: the index keeps them so phrases stay exact, and keyword queries leave them out.

A word is a function word by what was TYPED, not by the term it analyzes to: امکانات keeps its meaning even
though its stem would be امکان, and آیات is no vocative ای. So the list below is of written forms (folded),
and a token is stopped only when the word it came from is on it. Only closed classes are here:
prepositions, conjunctions, pronouns and determiners, question words, the auxiliaries (بودن، شدن, the
future خواه-, the copula and its clitics) and a few adverbs. Numbers, ordinals, nouns, adjectives and verbs
with a meaning of their own are content and never listed.
"""

from __future__ import annotations

from whoosh.analysis import STOP_WORDS

from .normalize import fold_key

ENGLISH_STOPWORDS = frozenset(STOP_WORDS)

_PREPOSITIONS = """
از به با در بر برای تا بی جز بدون درباره دربارهٔ مثل مانند همچون چون نزد سوی توسط طبق طی ضمن علیه
بجز الا میان بین زیر روی کنار پیش پس نزدیک داخل درون بیرون سر حدود نظیر همراه
"""
_CONJUNCTIONS = """
و یا اما ولی لیکن لکن که اگر اگرچه چنانچه زیرا چونکه بلکه نیز هم سپس پس وقتی هنگامی تااینکه
اینکه آنکه چنانکه همچنین بنابراین لذا درحالیکه وگرنه ولو خواه یعنی
"""
_PRONOUNS = """
من تو او ما شما ایشان آنها آن‌ها آنان اینها این‌ها اینان وی خود خویش خویشتن این آن همین همان چنین چنان
آنچه هرچه هر هیچ همه همهٔ یکدیگر همدیگر دیگر دیگری دیگران برخی بعضی کسی چیزی
م ت ش مان تان شان ام ات اش
"""
_QUESTIONS = "آیا چه چرا چگونه چطور کجا کدام چند چقدر کی کیست چیست کجاست"
# The same, as written in everyday Persian (chat, comments, spoken questions).
_QUESTIONS_SPOKEN = "چی چیه کیه کدوم کدومه کجان کجایی چطوری چجوری چطوره چنده چقدره"
_MODALS = "باید نباید شاید"
_POSTPOSITIONS = "را رو"
_ADVERBS = "نیز هنوز فقط تنها حتی خیلی بسیار البته اکنون حالا همواره همیشه دیگر هم نه بله آری گاه"
_AFFIXES = "می نمی ها های ای ی"  # detached affixes that found no host

# Auxiliaries: every form of بودن and شدن, the bare future (خواهم … خواهند), the copula and its clitics.
_AUX_PAST = ("بود", "شد")
_AUX_PRESENT = ("باش", "شو")
_PAST_ENDINGS = ("", "م", "ی", "یم", "ید", "ند")
_PRESENT_ENDINGS = ("م", "ی", "د", "یم", "ید", "ند")
_PERFECT_ENDINGS = ("", "ام", "ای", "است", "ایم", "اید", "اند")
_COPULA = "است هست نیست ام ای ایم اید اند"
_SPOKEN_ENDINGS = ("م", "ی", "ه", "یم", "ین", "ن")


def _auxiliary_forms() -> set[str]:
    forms: set[str] = set()
    for past in _AUX_PAST:
        for neg in ("", "ن"):
            forms.add(neg + past + "ن")  # infinitive
            for aspect in ("", "می", "نمی")[: 1 if neg else 3]:
                forms.update(neg + aspect + past + e for e in _PAST_ENDINGS)
            forms.update(neg + past + "ه" + e for e in _PERFECT_ENDINGS)
    for present in _AUX_PRESENT:
        for prefix in ("", "ن", "ب", "می", "نمی"):
            forms.update(prefix + present + e for e in _PRESENT_ENDINGS)
        forms.update(("ب" + present, "ن" + present))  # imperatives: بشو، نباش
    for neg in ("", "ن"):
        forms.update(neg + "خواه" + e for e in _PRESENT_ENDINGS)
    for stem in ("هست", "نیست"):
        forms.update(stem + e for e in _PAST_ENDINGS)
    # As spoken and written in chat: میشه، نمیشن، بشه، باشه، هستن (ه for د, ن for ند, ین for ید).
    for prefix in ("می", "نمی", "ب", "ن"):
        forms.update(prefix + "ش" + e for e in _SPOKEN_ENDINGS)
    for stem in ("باش", "نباش"):
        forms.update(stem + e for e in ("ه", "ن", "ین"))
    for stem in ("هست", "نیست"):  # not هسته: that is a word (nucleus)
        forms.update(stem + e for e in ("ن", "ین"))
    return forms


def _build() -> frozenset[str]:
    words = " ".join(
        (_PREPOSITIONS, _CONJUNCTIONS, _PRONOUNS, _QUESTIONS, _POSTPOSITIONS, _ADVERBS, _AFFIXES, _MODALS)
    )
    words += " " + _QUESTIONS_SPOKEN
    words += " " + _COPULA
    keys = {fold_key(w) for w in words.split()} | {fold_key(w) for w in _auxiliary_forms()}
    return frozenset(k for k in keys if k)


STOP_KEYS: frozenset[str] = _build()


def is_function_word(word: str) -> bool:
    """True when a written word (any spelling: ZWNJ, Arabic letters, diacritics, the colloquial spelling of
    a function word such as اونا or دیگه) is a function word."""
    from .lexicon import lexicon  # the lexicon reads STOP_KEYS when it loads: imported late, no cycle

    key = fold_key(word)
    formal = lexicon().informal.get(key, "")
    if formal and all(w in STOP_KEYS for w in formal.split()):
        return True
    return key in STOP_KEYS or word.lower() in ENGLISH_STOPWORDS
