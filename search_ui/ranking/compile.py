"""Parsed query tree -> Whoosh query, with the stopword policy, bounded prefixes and the proximity boost.

The tree is analyzed first, once (`search_ui.query.analysis.analyze_parsed`: detached affixes and spaced
compounds joined, every word and phrase carrying its tokens); compiling reads those tokens and never calls
the analyzer. A word that analyzes to several terms (a compound split into parts) is searched as that
sequence. Keyword stopwords are dropped unless nothing else is left; inside a phrase they stay. A prefix
stands for the indexed words starting with the typed letters (`search_ui.query.prefixes`); it is refused when
one letter.

Every query has a budget (`Limits`), so its cost is bounded whatever was typed: identical clauses are merged
(a word written 64 times is searched once, weighted 64 times), the prefixes of a query together expand to at
most `PREFIX_CAP` terms, the postings the query would read are counted before anything is read, and a
deadline is checked while it runs. Over budget, the query is refused with `QueryTooExpensive`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.query.spans import SpanNear2
from whoosh.reading import IndexReader

from search_ui.query import prefixes
from search_ui.query.analysis import analyze_parsed
from search_ui.query.parse import MUST, NOT, SHOULD, Clause, Group, ParsedQuery, Phrase, Word
from search_ui.ranking.bm25f import FieldsAny, FieldsPhrase, FieldsTerm, doc_frequency, idf
from search_ui.ranking.rescue import notice, reread
from search_ui.ranking.spelling import Speller, typed_form

PREFIX_CAP = 2000
MIN_PREFIX = 2
FIELDS = ("title", "body")


class BadRequest(ValueError):
    """A parameter that is missing or out of range (page, limit, an undecodable query): 400 on the page,
    exit 2 on the command line. `code` is a stable English code for programs (the API's `error`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class QueryRefused(Exception):
    """A query Kavosh will not run (e.g. a one-letter prefix), with a message fit for a user (400 on the
    page, exit 2 on the command line)."""


class QueryTooExpensive(QueryRefused):
    """A query over its budget (terms, postings or time): refused as a whole, never answered in part."""


@dataclass(frozen=True)
class Limits:
    """What one query may cost. The defaults leave every qa-ir question and the sample queries far below
    (measured with bench/hostile.py); hostile queries stop at about `seconds`."""

    postings: int = 2_000_000  # postings (document entries of terms) a query may read, estimated up front
    seconds: float = 2.0  # wall time from compiling to the last hit scored


class Budget:
    """The running cost of one query against its `Limits`; raises QueryTooExpensive when over.

    Postings are charged when the query is compiled (from document frequencies, before anything is read),
    so an over-budget query is refused at once; time is checked by the scorers and the collector as they
    run. `clock` is injectable so tests can prove the deadline without timing anything."""

    def __init__(self, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.deadline = clock() + limits.seconds
        self.postings = 0
        self.terms = 0  # prefix expansions, query-wide (capped at PREFIX_CAP)

    def spend(self, postings: int) -> None:
        """Charge postings the query will read, then check the time."""
        self.postings += postings
        if self.postings > self.limits.postings:
            raise QueryTooExpensive(
                f"این پرس‌وجو بیش از اندازه پرهزینه است (بیش از {self.limits.postings:,} ردیف نمایه را "
                "می‌خواند)؛ واژه‌های کمتر یا دقیق‌تری بنویسید."
            )
        self.check_time()

    def check_time(self) -> None:
        if self.clock() > self.deadline:
            raise QueryTooExpensive(
                f"این پرس‌وجو بیش از اندازه پرهزینه است (بیش از {self.limits.seconds:g} ثانیه)؛ "
                "واژه‌های کمتر یا دقیق‌تری بنویسید."
            )


@dataclass(frozen=True)
class Ranking:
    """The knobs of the ranking, tuned on qa-ir with `kavosh evaluate` (numbers in the commit log).

    The title is weighted above the body: a match in a title of `title_pivot` words counts as `title_boost`
    matches in a body of average length, summed with the body's before saturation (BM25F). The title's
    length is fully normalized (`title_b` 1) against a fixed typical title length rather than the average:
    a file or record without a title gets its first line as title, and such lines (qa-ir: 1,265 of 1,393
    titles, 35 words on average against 2 for real ones) would make the average meaningless. So a short
    real title counts more than the body, while a long first line standing in for one counts little (it
    is in the body already)."""

    title_boost: float = 2.0  # the title's weight inside the BM25F sum (its frequency next to the body's)
    k1: float = 1.2
    b: float = 0.75
    title_b: float = 1.0
    title_pivot: float = 4.0  # the title length its norm pivots on (0: the average title length)
    prox_boost: float = 1.5  # the most a pair of query words found close together adds
    prox_rarity: float = 0.2  # that bonus is this share of the rarer word's idf (up to prox_boost)
    prox_slop: int = 4
    prox_window: int = 1  # pairs of query words up to this far apart in the query

    def bm25f(self) -> dict:
        """The keyword arguments of `search_ui.ranking.bm25f`'s scorers for this ranking."""
        return {
            "weights": {"title": self.title_boost, "body": 1.0},
            "K1": self.k1,
            "B": {"title": self.title_b, "body": self.b},
            "pivot": {"title": self.title_pivot} if self.title_pivot else {},
        }


@dataclass
class Compiled:
    """A Whoosh query plus what the highlighter and did-you-mean need to know about it."""

    query: wq.Query | None
    notices: list[str] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)  # every term to mark in the text
    sequences: set[tuple[str, ...]] = field(default_factory=set)  # multi-term runs marked as one span
    keywords: list[str] = field(default_factory=list)  # top-level content terms, in order
    unknown: list[Word] = field(default_factory=list)  # words with no term in the index
    budget: Budget = field(default_factory=Budget)  # what running it may still cost


def _flat(queries: list[wq.Query]) -> list[wq.Query]:
    """Inline plain Or sub-queries: the same scores (sums), a shallower tree."""
    out: list[wq.Query] = []
    for q in queries:
        if type(q) is wq.Or and q.boost == 1.0 and not q.scale and not q.minmatch:
            out.extend(q.subqueries)
        else:
            out.append(q)
    return out


def proximity_bonus(parent, a: str, b: str, ranking: Ranking) -> float:
    """What query terms `a` and `b` found close together add to a document's score: a share of the rarer
    term's idf, bounded by `prox_boost`. Two common words side by side (سال، کشور) add little; a flat bonus
    let them outrank the only document holding a rare word (qa-ir MRR@10 0.8439 -> 0.8460, ParsiNLU
    0.7230 -> 0.7281). `parent` is a searcher or reader (document counts over the whole index)."""
    rarer = min(idf(parent, [a], FIELDS), idf(parent, [b], FIELDS))
    return min(ranking.prox_rarity * rarer, ranking.prox_boost)


def proximity_pairs(keywords: list[str], window: int = 1) -> list[tuple[str, str]]:
    """Distinct pairs of different query terms at most `window` apart in the query."""
    pairs: list[tuple[str, str]] = []
    for i, a in enumerate(keywords):
        for b in keywords[i + 1 : i + 1 + window]:
            if a != b and (a, b) not in pairs and (b, a) not in pairs:
                pairs.append((a, b))
    return pairs


def _mark(out: Compiled, sequences) -> None:
    """Record term sequences the highlighter marks: each term, and a run of several as one span."""
    for seq in sequences:
        out.terms.update(seq)
        if len(seq) > 1:
            out.sequences.add(tuple(seq))


class Compiler:
    """Compiles one parsed query against one index reader (one generation)."""

    def __init__(
        self,
        reader: IndexReader,
        ranking: Ranking = Ranking(),
        budget: Budget | None = None,
        speller: Speller | None = None,
    ) -> None:
        self.reader = reader
        self.ranking = ranking
        self.budget = budget or Budget()
        self.speller = speller or Speller(FIELDS)  # the engine's keeps its terms for the generation

    def _fields(self, terms: list[str], fieldname: str | None) -> wq.Query:
        """One word's terms (or a phrase's) as a query over both fields, or over `fieldname` alone (`title:`),
        scored by the same BM25F either way. Its postings are charged to the budget now."""
        params = self.ranking.bm25f()
        if fieldname:
            params["weights"] = {fieldname: params["weights"].get(fieldname, 1.0)}
        self.budget.spend(
            sum(doc_frequency(self.reader, f, t) for f in params["weights"] for t in set(terms))
        )
        if len(terms) == 1:
            q = FieldsTerm(terms[0], **params)
        else:
            q = FieldsPhrase(terms, **params)
        q.budget = self.budget
        return q

    def _known(self, terms) -> bool:
        return any(doc_frequency(self.reader, f, t) for f in FIELDS for t in terms)

    def _prefix(self, word: Word, out: Compiled) -> wq.Query | None:
        """Every indexed word starting with the typed letters (search_ui.query.prefixes), each scored by the
        same BM25F as a word; a word the index holds as several terms is matched as that sequence."""
        if not word.tokens:
            return None
        if len(prefixes.typed_key(word.text)) < MIN_PREFIX:
            raise QueryRefused(
                f"پیشوند «{word.text}*» بسیار کوتاه است؛ برای جستجوی پیشوندی دست‌کم {MIN_PREFIX} حرف بنویسید."
            )
        fields = [word.field] if word.field else list(FIELDS)
        room = PREFIX_CAP - self.budget.terms  # the cap holds for all the prefixes of a query together
        try:
            found = prefixes.sequences(self.reader, word.text, fields, room)
        except prefixes.TooManyTerms:
            raise QueryTooExpensive(
                f"پیشوند «{word.text}*» با بیش از {PREFIX_CAP:,} واژه‌ی نمایه جور می‌شود (همه‌ی پیشوندهای "
                "یک پرس‌وجو روی هم)؛ پیشوند بلندتری بنویسید."
            ) from None
        self.budget.terms += len(found)
        _mark(out, found)
        alts = [self._fields(list(seq), word.field) for seq in sorted(found)]
        return FieldsAny(alts) if alts else wq.NullQuery

    def _word(self, word: Word, occur: str, drop_stops: bool, top: bool, out: Compiled) -> wq.Query | None:
        if word.prefix:
            return self._prefix(word, out)
        toks = word.tokens
        if not toks:
            return None
        if occur == SHOULD and drop_stops and all(t.stopped for t in toks):
            return None
        if occur == SHOULD and drop_stops:
            toks = [t for t in toks if not t.stopped]  # چه سالی, بوجود: the words that carry the meaning
        spellings = [tuple(t.term for t in toks), *word.spellings]
        if occur != NOT and not self._known([t for seq in spellings for t in seq]):
            out.unknown.append(word)
            reading = reread(word, self._known, self.speller, self.reader)
            if reading is not None:
                said = notice(typed_form(word), reading)
                if said and said not in out.notices:
                    out.notices.append(said)
                if not reading.sequences:
                    return None  # function words only (ازکی): dropped like them
                spellings.extend(reading.sequences)
        _mark(out, spellings)
        self._note(word, occur, top, out)
        return self._spellings(spellings, word.field)

    def _spellings(self, spellings: list[tuple[str, ...]], fieldname: str | None) -> wq.Query:
        """A word's or phrase's terms as typed, or, when it has other spellings (همزمان / هم زمان), each
        of them searched and a document scored for those it holds."""
        if len(spellings) == 1:
            return self._fields(list(spellings[0]), fieldname)
        return FieldsAny([self._fields(list(seq), fieldname) for seq in spellings])

    @staticmethod
    def _note(word: Word, occur: str, top: bool, out: Compiled) -> None:
        """Record a top-level word for the proximity pairs (again for each repetition)."""
        if top and occur != NOT:
            out.keywords.extend(t.term for t in word.tokens if not t.stopped)

    def _repeat(self, clause: Clause, q: wq.Query | None, top: bool, out: Compiled) -> None:
        """The same clause written again: not searched again, but a word or phrase weighs once more (the sum
        the copies would have scored); repeating anything else changes nothing."""
        if q is None or clause.occur == NOT:
            return
        if isinstance(q, FieldsTerm):
            q.boost += 1.0
        if isinstance(clause.node, Word) and not clause.node.prefix:
            self._note(clause.node, clause.occur, top, out)

    def _phrase(self, phrase: Phrase, out: Compiled) -> wq.Query | None:
        if not phrase.tokens:
            return None
        spellings = [tuple(t.term for t in phrase.tokens), *phrase.spellings]  # stopwords kept
        _mark(out, spellings)
        return self._spellings(spellings, phrase.field)

    def _level(
        self, clauses: tuple[Clause, ...], drop_stops: bool, out: Compiled, top: bool
    ) -> wq.Query | None:
        buckets: dict[str, list[wq.Query]] = {SHOULD: [], MUST: [], NOT: []}
        seen: dict[Clause, wq.Query | None] = {}
        for clause in clauses:
            if clause in seen:  # identical clauses are merged: a query's cost never grows with copies
                self._repeat(clause, seen[clause], top, out)
                continue
            node = clause.node
            if isinstance(node, Group):
                q = self._level(node.clauses, drop_stops, out, top=False)
            elif isinstance(node, Phrase):
                q = self._phrase(node, out)
            else:
                q = self._word(node, clause.occur, drop_stops, top, out)
            seen[clause] = q
            if q is not None:
                buckets[clause.occur].append(q)
        if top and buckets[SHOULD] + buckets[MUST]:
            buckets[SHOULD].extend(self._proximity(out.keywords))
        return self._combine(buckets, out, top)

    def _proximity(self, keywords: list[str]) -> list[wq.Query]:
        """Optional clauses rewarding query terms (neighbours in the query, or next-but-one with a window of
        2) that occur within `prox_slop` positions of each other in the body: `proximity_bonus` per pair
        (adding one for exact order measured no better on qa-ir)."""
        r = self.ranking
        if r.prox_boost <= 0:
            return []
        pairs = proximity_pairs(keywords, r.prox_window)
        out: list[wq.Query] = []
        for a, b in pairs:
            self.budget.spend(doc_frequency(self.reader, "body", a) + doc_frequency(self.reader, "body", b))
            near = SpanNear2([wq.Term("body", a), wq.Term("body", b)], slop=r.prox_slop, ordered=False)
            out.append(wq.ConstantScoreQuery(near, proximity_bonus(self.reader, a, b, r)))
        return out

    def _combine(self, buckets: dict[str, list[wq.Query]], out: Compiled, top: bool) -> wq.Query | None:
        should, must, nots = _flat(buckets[SHOULD]), buckets[MUST], _flat(buckets[NOT])
        core: wq.Query | None
        if must:
            core = must[0] if len(must) == 1 else wq.And(must)
            if should:
                core = wq.AndMaybe(core, should[0] if len(should) == 1 else wq.Or(should))
        elif should:
            core = should[0] if len(should) == 1 else wq.Or(should)
        elif nots:
            core = wq.Every()
            if top:
                out.notices.append("پرس‌وجو فقط واژه‌های کنارگذاشته داشت؛ همه‌ی اسناد بدون آن‌ها آمده‌اند.")
        else:
            return None
        if nots:
            core = wq.AndNot(core, nots[0] if len(nots) == 1 else wq.Or(nots))
        return core

    def compile(self, parsed: ParsedQuery) -> Compiled:
        """Build the Whoosh query; raises QueryRefused for a one-letter prefix, QueryTooExpensive for a query
        over its budget."""
        out = Compiled(query=None, notices=list(parsed.notices), budget=self.budget)
        parsed = analyze_parsed(parsed)
        drop = self._has_content(parsed)
        if not drop and parsed.clauses:
            stop_words = [a for o, a in parsed.atoms() if o != NOT and isinstance(a, Word) and a.tokens]
            if stop_words:
                out.notices.append("پرس‌وجو فقط واژه‌های بسیار پرکاربرد داشت؛ همان‌ها جستجو شدند.")
        out.query = self._level(parsed.clauses, drop, out, top=True)
        if out.query is None and parsed.clauses:
            out.notices.append("پرس‌وجو واژه‌ای برای جستجو نداشت (فقط نشانه‌های نگارشی).")
        return out

    @staticmethod
    def _has_content(parsed: ParsedQuery) -> bool:
        """Whether something other than stopword-only keywords is left to search."""
        for occur, atom in parsed.atoms():
            if occur == NOT:
                continue
            toks = atom.tokens
            if not toks:
                continue
            if isinstance(atom, Phrase) or atom.prefix or occur == MUST:
                return True
            if not all(t.stopped for t in toks):
                return True
        return False
