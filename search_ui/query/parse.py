"""The Kavosh query language: a small tokenizer and parser that never raises.

It turns what a user typed into a tree of clauses (words, phrases, groups with should/must/not) and a list of
notices, in Persian, saying how malformed input was changed. It knows nothing about the index: turning the
tree into Whoosh queries (stopwords, prefix expansion) is `search_ui.ranking.compile`'s job, after
`search_ui.query.analysis` gives every word its terms.

Syntax: words (optional, ranked), "phrase" «عبارت» “phrase”, +word / AND (required), -word / NOT
(excluded), OR, parentheses, title:word (also عنوان:word), word* (prefix).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from typing import NamedTuple

MAX_QUERY_CHARS = 1000
MAX_ATOMS = 64
MAX_DEPTH = 8

SHOULD, MUST, NOT = "should", "must", "not"

# Opening quote -> the closing quotes that end it.
QUOTES = {'"': '"', "«": "»", "“": '”"', "„": '“”"'}
# Quotes that only ever close (» ”): one with no opening quote before it is dropped, with a notice.
CLOSING_ONLY = frozenset("".join(QUOTES.values())) - frozenset(QUOTES)
FIELD_NAMES = {"title": "title", "عنوان": "title", "body": "body", "متن": "body"}
OPERATORS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR", "NOT": "NOT"}
# Invisible characters that a word may legitimately carry (ZWNJ, ZWJ) are kept; bidi controls are dropped.
_KEEP_FORMAT = {"\u200c", "\u200d"}


class QueryToken(NamedTuple):
    """One term the analyzer gives for a query word, its stopword mark kept (keywords drop stopwords)."""

    term: str
    stopped: bool


@dataclass(frozen=True)
class Word:
    """One query word as typed. `prefix` when it ended in `*`. `tokens` are its terms, set once by
    `search_ui.query.analysis.analyze_parsed` (None until then); every later step reads them from here."""

    text: str
    field: str | None = None
    prefix: bool = False
    tokens: tuple[QueryToken, ...] | None = None
    spellings: tuple[tuple[str, ...], ...] = ()  # the terms of its other spellings (یکشنبه: یک شنبه)


@dataclass(frozen=True)
class Phrase:
    """Quoted words that must appear in this order; `tokens` as for `Word`."""

    text: str
    field: str | None = None
    tokens: tuple[QueryToken, ...] | None = None
    spellings: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Group:
    """A parenthesized sub-query."""

    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class Clause:
    occur: str  # SHOULD, MUST or NOT
    node: Word | Phrase | Group


@dataclass
class ParsedQuery:
    """The parse tree of a query plus the notices explaining every change made to the input."""

    clauses: tuple[Clause, ...]
    notices: list[str] = field(default_factory=list)
    analyzed: bool = False  # words joined and every word and phrase given its tokens (analyze_parsed)

    def atoms(self) -> list[tuple[str, Word | Phrase]]:
        """Every word and phrase with its effective occurrence, depth first."""
        out: list[tuple[str, Word | Phrase]] = []
        _collect(self.clauses, SHOULD, out)
        return out


def _collect(clauses: tuple[Clause, ...], outer: str, out: list) -> None:
    for clause in clauses:
        occur = NOT if NOT in (clause.occur, outer) else clause.occur
        if isinstance(clause.node, Group):
            _collect(clause.node.clauses, occur, out)
        else:
            out.append((occur, clause.node))


@dataclass
class _Tok:
    kind: str  # WORD PHRASE LPAREN RPAREN AND OR NOT MOD FIELD
    text: str = ""
    prefix: bool = False
    attached: bool = False  # a MOD or FIELD glued to the next token ("-(", 'title:"')


class _Notes:
    """Collects notices once each, in order."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


def clean(text: str, notes: _Notes) -> str:
    """Replace control characters by spaces and cut an overlong query at a word boundary."""
    if not isinstance(text, str):
        text = str(text)
    out = []
    removed = False
    for ch in text:
        cat = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif cat in ("Cc", "Cs", "Co", "Cn") or (cat == "Cf" and ch not in _KEEP_FORMAT):
            out.append(" ")
            removed = removed or cat != "Cf"  # bidi marks are invisible: drop them silently
        else:
            out.append(ch)
    cleaned = "".join(out)
    if removed:
        notes.add("نویسه‌های کنترلی نامرئی از پرس‌وجو حذف شدند.")
    if len(cleaned) > MAX_QUERY_CHARS:
        cut = cleaned.rfind(" ", 0, MAX_QUERY_CHARS)
        cleaned = cleaned[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS]
        notes.add(f"پرس‌وجو بیش از {MAX_QUERY_CHARS:,} نویسه بود و کوتاه شد.")
    return cleaned


def _word_token(chunk: str, notes: _Notes) -> _Tok | None:
    """A bare chunk as a word: a trailing * marks a prefix; other wildcards are not supported."""
    prefix = chunk.endswith("*")
    body = chunk.rstrip("*")
    if "*" in body:
        notes.add("ستاره (*) فقط در پایان واژه (برای پیشوند) پذیرفته می‌شود و بقیه نادیده گرفته شد.")
        body = body.replace("*", " ").strip()
    if not body:
        if prefix:
            notes.add("ستاره‌ی تنها (*) معنایی ندارد و نادیده گرفته شد.")
        return None
    return _Tok("WORD", body, prefix=prefix)


def tokenize(text: str, notes: _Notes) -> list[_Tok]:
    """Split a cleaned query into tokens; unclosed quotes and closing quotes that close nothing are dropped
    with a notice (a dropped quote still separates the words on either side)."""
    toks: list[_Tok] = []
    i, n = 0, len(text)
    stops = set(" ()") | set(QUOTES) | CLOSING_ONLY
    while i < n:
        ch = text[i]
        if ch == " ":
            i += 1
        elif ch in "()":
            toks.append(_Tok("LPAREN" if ch == "(" else "RPAREN"))
            i += 1
        elif ch in QUOTES:
            closers = QUOTES[ch]
            end = next((j for j in range(i + 1, n) if text[j] in closers), -1)
            if end < 0:
                notes.add("گیومه‌ی بسته‌نشده نادیده گرفته شد و واژه‌های پس از آن جداگانه جستجو شدند.")
                i += 1
                continue
            inner = text[i + 1 : end].strip()
            if inner:
                toks.append(_Tok("PHRASE", inner))
            else:
                notes.add("گیومه‌ی خالی نادیده گرفته شد.")
            i = end + 1
        elif ch in CLOSING_ONLY:
            notes.add("گیومه‌ی بسته‌ای که گیومه‌ی بازی پیش از آن نبود نادیده گرفته شد.")
            i += 1
        else:
            j = i
            while j < n and text[j] not in stops:
                j += 1
            chunk = text[i:j]
            glued = j < n and text[j] not in " )"  # "-(", 'title:"', "-»" are glued to what follows
            i = j
            _chunk_tokens(chunk, glued, toks, notes)
    return toks


def _chunk_tokens(chunk: str, glued: bool, toks: list[_Tok], notes: _Notes) -> None:
    if chunk in OPERATORS:
        toks.append(_Tok(OPERATORS[chunk]))
        return
    mod = ""
    while chunk and chunk[0] in "+-":
        mod = mod or chunk[0]
        chunk = chunk[1:]
    if mod:
        toks.append(_Tok("MOD", mod, attached=bool(chunk) or glued))
    name, sep, rest = chunk.partition(":")
    if sep and name.lower() in FIELD_NAMES:
        toks.append(_Tok("FIELD", FIELD_NAMES[name.lower()], attached=bool(rest) or glued))
        chunk = rest
    if chunk:
        tok = _word_token(chunk, notes)
        if tok:
            toks.append(tok)


class _Parser:
    def __init__(self, toks: list[_Tok], notes: _Notes) -> None:
        self.toks = toks
        self.pos = 0
        self.notes = notes
        self.atoms = 0

    def level(self, depth: int) -> tuple[Clause, ...]:
        clauses: list[Clause] = []
        mod = ""
        negate = need = False
        field_name: str | None = None
        pending_or = False
        while self.pos < len(self.toks):
            tok = self.toks[self.pos]
            self.pos += 1
            if tok.kind == "RPAREN":
                if depth > 0:
                    break
                self.notes.add("پرانتز بسته‌ی اضافی نادیده گرفته شد.")
                continue
            if tok.kind in ("AND", "OR"):
                if not clauses:
                    self.notes.add(f"عملگر {tok.kind} بدون واژه‌ای پیش از آن نادیده گرفته شد.")
                elif tok.kind == "AND":
                    need = True
                    if clauses[-1].occur == SHOULD:
                        clauses[-1] = replace(clauses[-1], occur=MUST)
                else:
                    pending_or = True
                continue
            if tok.kind == "NOT":
                negate = True
                continue
            if tok.kind == "MOD":
                if not tok.attached:
                    self.notes.add(f"نشانه‌ی {tok.text} تنها و بی‌واژه نادیده گرفته شد.")
                    continue
                mod = tok.text
                continue
            if tok.kind == "FIELD":
                if not tok.attached:
                    self.notes.add("نام فیلد بدون واژه پس از آن نادیده گرفته شد.")
                    continue
                field_name = tok.text
                continue
            node: Word | Phrase | Group | None
            if tok.kind == "LPAREN":
                if depth + 1 > MAX_DEPTH:
                    self.notes.add("پرانتزهای بسیار تودرتو ساده شدند.")
                    continue
                inner = self.level(depth + 1)
                node = Group(_with_field(inner, field_name)) if inner else None
                if not inner:
                    self.notes.add("پرانتز خالی نادیده گرفته شد.")
            elif self.atoms >= MAX_ATOMS:
                self.notes.add(f"فقط {MAX_ATOMS} واژه‌ی نخست پرس‌وجو به کار رفت.")
                node = None
            else:
                self.atoms += 1
                if tok.kind == "PHRASE":
                    node = Phrase(tok.text, field_name)
                else:
                    node = Word(tok.text, field_name, tok.prefix)
            if node is not None:
                if negate or mod == "-":
                    occur = NOT
                elif need or mod == "+":
                    occur = MUST
                else:
                    occur = SHOULD
                clauses.append(Clause(occur, node))
            mod, negate, need, field_name, pending_or = "", False, False, None, False
        else:
            if depth > 0:
                self.notes.add("پرانتز بسته‌نشده در پایان پرس‌وجو بسته شد.")
        if mod or negate or need or pending_or or field_name:
            self.notes.add("عملگری در پایان پرس‌وجو بی‌واژه ماند و نادیده گرفته شد.")
        return tuple(clauses)


def _with_field(clauses: tuple[Clause, ...], field_name: str | None) -> tuple[Clause, ...]:
    """Apply `title:(…)` to every word and phrase inside the group that names no field itself."""
    if field_name is None:
        return clauses
    out = []
    for c in clauses:
        node = c.node
        if isinstance(node, Group):
            node = Group(_with_field(node.clauses, field_name))
        elif node.field is None:
            node = replace(node, field=field_name)
        out.append(Clause(c.occur, node))
    return tuple(out)


def parse(text: str) -> ParsedQuery:
    """Parse a query; never raises. Malformed parts are repaired or dropped, each with a notice."""
    notes = _Notes()
    cleaned = clean(text, notes)
    toks = tokenize(cleaned, notes)
    clauses = _Parser(toks, notes).level(0)
    return ParsedQuery(clauses, notes.items)


def unparse(clauses: tuple[Clause, ...]) -> str:
    """The query language text for a tree (used to write did-you-mean suggestions)."""
    parts = []
    for c in clauses:
        node = c.node
        if isinstance(node, Group):
            body = "(" + unparse(node.clauses) + ")"
        elif isinstance(node, Phrase):
            body = (f"{node.field}:" if node.field else "") + f"«{node.text}»"
        else:
            body = (f"{node.field}:" if node.field else "") + node.text + ("*" if node.prefix else "")
        parts.append({MUST: "+", NOT: "-"}.get(c.occur, "") + body)
    return " ".join(parts)
