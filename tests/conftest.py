"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from opensearch_cluster import opensearch_cluster  # noqa: F401  (the session's OpenSearch cluster fixture)

from indexer.build import index_folder


@pytest.fixture(scope="session")
def build_index(tmp_path_factory) -> Callable[[Mapping[str, str], str], Path]:
    """A factory: write `{relative name: text}` into a fresh folder, index it, return the index folder."""

    def build(docs: Mapping[str, str], name: str = "docs") -> Path:
        root = tmp_path_factory.mktemp(name)
        folder = root / "docs"
        for rel, text in docs.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
        index_folder(folder, root / "index", rebuild=True)
        return root / "index"

    return build
