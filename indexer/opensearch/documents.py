"""Kavosh documents as OpenSearch sees them: pre-analysed term fields, the original text, the mapping.

Kavosh's own analyzer runs in Python: `title` and `body` hold the terms it emits in index mode (one term a
position, joined by single spaces) and OpenSearch's `whitespace` analyzer only splits them again, so phrase
positions are Kavosh's. Never OpenSearch's `persian` analyzer. `title_vocab`/`body_vocab` hold each
document's distinct terms as keywords kept only as doc values (not searchable: 11% smaller on qa-ir): the
index's vocabulary (prefix expansion, did-you-mean, completions) read back with a terms aggregation. The
original title and text live in `_source` only.
"""

from __future__ import annotations

from analyzers import ANALYZER_VERSION, PersianAnalyzer
from indexer.storage.schema import SCHEMA_VERSION, folder_of

FIELDS = ("title", "body")
# Kavosh's ranking (search_ui.ranking.compile.Ranking's defaults; a test keeps them equal): BM25's k1, and the
# title length the title's norm pivots on. A file without a title gets its first line as title, so the average
# title length means little, and OpenSearch's BM25 only knows the average: the title similarity's k1 is scaled
# by average/pivot instead (`title_k1`), which gives the same saturation as Kavosh's pivot.
K1 = 1.2
TITLE_PIVOT = 4.0
VOCAB = {"title": "title_vocab", "body": "body_vocab"}
# What this module writes into a generation (its `_meta` and manifest): an index written before the current
# mapping is rebuilt by `kavosh index` and refused by the engine. 2: `folder`/`folders` keywords and an
# indexed `date`, for filters, facets and sort by date.
MAPPING_VERSION = 2
_analyzer: PersianAnalyzer | None = None


def analyzer() -> PersianAnalyzer:
    """This process's analyzer (built on first use: worker processes build their own)."""
    global _analyzer
    if _analyzer is None:
        _analyzer = PersianAnalyzer()
    return _analyzer


def terms(text: str) -> list[str]:
    """The index-mode terms of `text`, in position order (stopwords kept: phrases stay exact)."""
    return [t.text for t in analyzer()(text or "", mode="index", positions=True, removestops=False) if t.text]


def source(
    doc_id: str, path: str, title: str, body: str, mtime: float, fmt: str, date: int, pages: list[int] | None
) -> dict:
    """The JSON document sent to OpenSearch for one Kavosh document (`date`: its own, else its file's time;
    `pages`: where the pages of a paged document start in its text)."""
    title_terms, body_terms = terms(title), terms(body)
    folder = folder_of(path)
    return {
        "id": doc_id,
        "path": path,
        "folder": folder,
        "folders": ancestors(folder),
        "format": fmt,
        "mtime": mtime,
        "date": date,
        "pages": pages,
        "title_text": title,
        "content": body,
        "title": " ".join(title_terms),
        "body": " ".join(body_terms),
        "title_vocab": sorted(set(title_terms)),
        "body_vocab": sorted(set(body_terms)),
    }


def ancestors(folder: str) -> list[str]:
    """A folder and every folder above it (a/b/c: a, a/b, a/b/c): one term query on them finds a folder's
    documents with its subfolders', as `search_ui.results.filters.in_folder` does ("" for the top folder)."""
    parts = folder.split("/") if folder else []
    return ["/".join(parts[: i + 1]) for i in range(len(parts))] or [""]


def analyze_batch(batch: list[tuple]) -> list[dict]:
    """`source` for many documents: the unit of work of a `--procs` worker process."""
    return [source(*args) for args in batch]


def title_k1(average_title_terms: float) -> float:
    """The title similarity's k1 that makes k1 * length / average equal Kavosh's k1 * length / pivot."""
    return round(K1 * max(average_title_terms, 0.1) / TITLE_PIVOT, 4)


def index_body(
    shards: int, replicas: int, k1: float = K1, title_b: float = 1.0, body_b: float = 0.75
) -> dict:
    """Settings and mapping of one generation's concrete index (refresh off: the writer turns it on)."""
    keyword = {"type": "keyword"}
    # the vocabulary is only aggregated (doc values), never searched: frequencies come from title/body
    vocab = {"type": "keyword", "index": False}
    stored_only = {"type": "keyword", "index": False, "doc_values": False}
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": "-1",
                "similarity": {
                    "kavosh_title": {"type": "BM25", "k1": k1, "b": title_b},
                    "kavosh_body": {"type": "BM25", "k1": k1, "b": body_b},
                },
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {
                "kavosh": {
                    "analyzer_version": ANALYZER_VERSION,
                    "schema_version": SCHEMA_VERSION,
                    "mapping_version": MAPPING_VERSION,
                }
            },
            "_source": {"excludes": ["title", "body", "title_vocab", "body_vocab", "folders"]},
            "properties": {
                "id": keyword,
                "path": keyword,
                "folder": keyword,  # the facet's value
                "folders": keyword,  # the filter's: see `ancestors`
                "format": keyword,
                "mtime": {"type": "double", "index": False},
                "date": {"type": "long"},  # filtered by range, sorted on, its min and max aggregated
                "pages": {"type": "integer", "index": False},
                "title_text": stored_only,
                "content": {"type": "text", "index": False},
                "title": {"type": "text", "analyzer": "whitespace", "similarity": "kavosh_title"},
                "body": {"type": "text", "analyzer": "whitespace", "similarity": "kavosh_body"},
                "title_vocab": vocab,
                "body_vocab": vocab,
            },
        },
    }
