"""Markdown is indexed and shown as the text a reader sees (issue 14): no `#`, `**`, `-` or link targets in
the stored text, snippets or documents, and highlights sit exactly on the words."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from indexer.build import index_folder
from indexer.sources.loader import Doc, FileEntry, parse_file
from indexer.sources.markdown import read_markdown
from search_ui.engines.folder import SearchEngine

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
NOTE = """---
title: "یادداشت سفر"
date: 1402/10/12
---
# سفر به **کاشان**

- باغ _فین_ و حمام
- خانه‌ی [بروجردی‌ها](https://example.org/boroujerdi)

1. نخست
2. دوم

> گفته‌ای از `سهراب` سپهری

```
کد بی‌قالب
```
"""
MARKUP = re.compile(r"^\s*(#|[-*+] |\d+\. |>)|\*\*|__|`|\]\(|https?://", re.MULTILINE)


def test_visible_text_of_markdown() -> None:
    found = read_markdown(NOTE)
    assert found.title == "یادداشت سفر"
    assert found.date == 1704153600.0  # 12 Dey 1402 = 2 January 2024
    lines = [line for line in found.text.split("\n") if line]
    assert lines == [
        "سفر به کاشان",
        "باغ فین و حمام",
        "خانه‌ی بروجردی‌ها",
        "نخست",
        "دوم",
        "گفته‌ای از سهراب سپهری",
        "کد بی‌قالب",
    ]


def test_title_is_first_heading_without_front_matter() -> None:
    data = "پیش‌گفتار\n\n## آشپزی **ایرانی** ##\n\nمتن".encode()
    [doc] = parse_file(FileEntry("b.md", "/x/b.md", "md", len(data), 0), data)
    assert isinstance(doc, Doc) and doc.title == "آشپزی ایرانی" and doc.date is None
    assert read_markdown("date: 2024-01-01\n\nبی عنوان").title == "date: 2024-01-01"


@pytest.fixture(scope="module")
def samples_engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    index_dir = tmp_path_factory.mktemp("md") / "idx"
    index_folder(SAMPLES, index_dir)
    return SearchEngine(index_dir)


@pytest.mark.parametrize("path", sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.md")))
def test_samples_markdown_documents_carry_no_markup(samples_engine: SearchEngine, path: str) -> None:
    document = samples_engine.document(path)
    assert document is not None and document["text"]
    assert not MARKUP.search(document["text"]), document["text"][:200]
    assert not MARKUP.search(document["title"])


@pytest.mark.parametrize("query", ["زعفران", "فردوسی", "ابریشم"])
def test_snippets_of_markdown_hits_carry_no_markup_and_mark_the_words(
    samples_engine: SearchEngine, query: str
) -> None:
    hits = [h for h in samples_engine.search(query, limit=50)["hits"] if h["path"].endswith(".md")]
    assert hits, query
    for hit in hits:
        plain = re.sub(r"</?mark>", "", hit["snippet"])
        assert "**" not in plain and not re.search(r"(^|\s)#{1,6}\s", plain), plain
        assert set(re.findall(r"<mark>(.*?)</mark>", hit["snippet"])) == {query}
        # the document view marks the same words in the stored (visible) text, and only them
        document = samples_engine.document(hit["id"], query)
        assert set(re.findall(r"<mark>(.*?)</mark>", document["html"])) == {query}
        assert html.unescape(re.sub(r"</?mark>", "", document["html"])) == document["text"]
