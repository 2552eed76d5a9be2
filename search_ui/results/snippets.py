"""Exact highlights: `<mark>` on the original characters of every matched word, everything else escaped.

The analyzer runs over the ORIGINAL text and reports each token's span; a token whose term is among the
query's terms is marked exactly on text[start:end] (all of the word, with its diacritics and ZWNJ, none of
its neighbours). Runs of tokens forming a query phrase, or the parts of one split compound, are marked as
one span. Huge documents are read in chunks, and only chunks that can contain a match (a cheap folded
substring test) are analyzed, so the work stays bounded while fragments may come from anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html import escape

from analyzers import FOLD_TABLE, PART_BREAKS, fold_key
from search_ui.query.analysis import spans

CHUNK = 65536
FOLD_OVER = 200_000  # documents longer than this are pre-filtered chunk by chunk (the whole-document view)
SNIPPET_CHUNK = 4096  # a snippet reads small chunks, pre-filtered from this length on,
SNIPPET_FOLD_OVER = 8192
SNIPPET_MARKS = 40  # and stops once it has this many matches to choose fragments from
MAX_MARKS = 10_000
CONTEXT = 90  # characters of context on each side of a match in a fragment
FRAGMENTS = 3
LEAD = 240  # characters shown when nothing in the body matched

MAX_FOLDS = 20_000  # distinct characters whose fold is remembered (a hostile text cannot grow it further)


class _Folds(dict):
    """The analyzer's fold table (analyzers.FOLD_TABLE) with ZWNJ-like part breaks removed (the analyzer
    joins a word's parts), as a `str.translate` table: any other character is folded once by the analyzer's
    own `fold_key` and remembered, so presentation forms, circled numbers and new letters agree too."""

    def __missing__(self, code: int) -> str | None:
        out = fold_key(chr(code))
        if len(self) < MAX_FOLDS:
            self[code] = out
        return out


_FOLDS = _Folds({**FOLD_TABLE, **dict.fromkeys(map(ord, PART_BREAKS), None)})
HAMZA_YA = "\u0626"  # folded by its neighbours (مسئول = مسوول, هیئت = هیات): its words go to `fold_key`
_SPACE = re.compile(r"\s")
_PIECES = re.compile(r"\w{2,}")


def fold(text: str) -> str:
    """The analyzer's fold of every word of `text` (separators kept), only to pre-select chunks of huge
    documents (never used for matching): a chunk is analyzed when its fold holds a piece of a term."""
    hamza = text.find(HAMZA_YA)
    if hamza < 0:
        return text.translate(_FOLDS)
    out, pos = [], 0
    while hamza >= 0:  # each word holding hamza on ya, from the whitespace before it to the one after
        start = hamza
        while start > pos and not text[start - 1].isspace():
            start -= 1
        space = _SPACE.search(text, hamza)
        end = space.start() if space else len(text)
        out.append(text[pos:start].translate(_FOLDS))
        out.append(fold_key(text[start:end]))
        pos = end
        hamza = text.find(HAMZA_YA, end)
    out.append(text[pos:].translate(_FOLDS))
    return "".join(out)


def _chunks(text: str, size: int) -> Iterator[tuple[int, str]]:
    """The text in pieces of about `size` characters, cut at whitespace (never inside a word)."""
    pos, n = 0, len(text)
    while pos < n:
        end = min(n, pos + size)
        if end < n:
            cut = text.rfind(" ", pos + size // 2, end)
            if cut < 0:
                cut = max(text.rfind("\n", pos + size // 2, end), -1)
            end = cut + 1 if cut >= 0 else end
        yield pos, text[pos:end]
        pos = end


def _hints(terms: Iterable[str]) -> list[str]:
    return sorted({p for t in terms for p in _PIECES.findall(fold(t))})


def find_marks(
    text: str,
    terms: set[str],
    sequences: set[tuple[str, ...]] = frozenset(),
    max_marks: int = MAX_MARKS,
    chunk_size: int | None = None,
    fold_over: int | None = None,
) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans of `text` to mark.

    Texts longer than `fold_over` are read in chunks of `chunk_size`, and only the chunks whose folded form
    contains a piece of a query term are analyzed (a term the analyzer derives from a differently spelled
    word, e.g. a verb's lemma, can be missed there: hence the high default for the whole-document view)."""
    if not terms or not text:
        return []
    chunk_size = chunk_size or CHUNK
    fold_over = FOLD_OVER if fold_over is None else fold_over
    hints = _hints(terms) if len(text) > fold_over else []
    starts = {seq[0] for seq in sequences}
    marks: list[tuple[int, int]] = []
    for base, chunk in _chunks(text, chunk_size):
        if hints:
            folded = fold(chunk)
            if not any(h in folded for h in hints):
                continue
        toks = list(spans(chunk, base))
        i = 0
        while i < len(toks):
            tok = toks[i]
            span = None
            if tok.term in starts:
                for seq in sorted(sequences, key=len, reverse=True):
                    run = toks[i : i + len(seq)]
                    if len(run) == len(seq) and all(t.term == s for t, s in zip(run, seq, strict=True)):
                        span = (tok.start, run[-1].end)
                        i += len(seq)
                        break
            if span is None:
                i += 1
                if tok.term in terms:
                    span = (tok.start, tok.end)
            if span:
                marks.append(span)
        if len(marks) >= max_marks:
            break
    return _merge(marks)


def _merge(marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(marks):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def render(text: str, marks: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escaped HTML of text[start:end] with the marks inside it wrapped in <mark>."""
    end = len(text) if end is None else end
    parts = []
    pos = start
    for m_start, m_end in marks:
        if m_end <= start or m_start >= end:
            continue
        m_start, m_end = max(m_start, start), min(m_end, end)
        parts.append(escape(text[pos:m_start], quote=False))
        parts.append("<mark>" + escape(text[m_start:m_end], quote=False) + "</mark>")
        pos = m_end
    parts.append(escape(text[pos:end], quote=False))
    return "".join(parts)


def highlight_all(text: str, terms: set[str], sequences: set[tuple[str, ...]] = frozenset()) -> str:
    """The whole text escaped, every match in <mark> (the document view)."""
    return render(text, find_marks(text, terms, sequences))


def _word_edge(text: str, pos: int, forward: bool) -> int:
    """Move `pos` outwards to the nearest whitespace so a fragment never starts or ends mid-word."""
    n = len(text)
    if forward:
        limit = min(n, pos + 30)
        while pos < limit and not text[pos].isspace():
            pos += 1
        return pos
    limit = max(0, pos - 30)
    while pos > limit and not text[pos - 1].isspace():
        pos -= 1
    return pos


def snippet(text: str, terms: set[str], sequences: set[tuple[str, ...]] = frozenset()) -> str:
    """Up to FRAGMENTS fragments of the original text around its best match clusters, as escaped HTML. A
    page break (form feed) of a paged document is a line break there, for the JSON and the terminal too."""
    return _snippet(text, terms, sequences).replace("\f", "\n")


def _snippet(text: str, terms: set[str], sequences: set[tuple[str, ...]]) -> str:
    marks = (
        find_marks(text, terms, sequences, SNIPPET_MARKS, SNIPPET_CHUNK, SNIPPET_FOLD_OVER) if terms else []
    )
    if not marks:
        lead = text[:LEAD]
        cut = _word_edge(text, len(lead), forward=False) if len(text) > LEAD else len(lead)
        return escape(text[: cut or LEAD].strip(), quote=False) + (" …" if len(text) > LEAD else "")
    windows: list[list] = []  # [start, end, marks in window, distinct texts]
    for m_start, m_end in marks:
        start, end = max(0, m_start - CONTEXT), min(len(text), m_end + CONTEXT)
        word = text[m_start:m_end]
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
            windows[-1][2] += 1
            windows[-1][3].add(word)
        else:
            windows.append([start, end, 1, {word}])
    best = sorted(windows, key=lambda w: (-len(w[3]), -w[2], w[0]))[:FRAGMENTS]
    parts = []
    for start, end, _, _ in sorted(best):
        start = _word_edge(text, start, forward=False)
        end = _word_edge(text, end, forward=True)
        html = render(text, marks, start, end).strip()
        parts.append(("… " if start > 0 else "") + html + (" …" if end < len(text) else ""))
    return " ".join(parts).replace("… …", "…")
