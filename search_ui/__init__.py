"""Query parsing, ranked search, snippets, the JSON API and the page.

`create_app` is imported on first use (PEP 562), so the command-line tools do not pay for Flask.
"""

from __future__ import annotations

from typing import Any

import indexer  # noqa: F401  (checks the Whoosh pin: any other Whoosh stops here, with the version to install)

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from search_ui.web.app import create_app

        return create_app
    raise AttributeError(f"module 'search_ui' has no attribute {name!r}")
