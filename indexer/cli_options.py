"""The click options several `kavosh` commands share, written once: where the index is, a count (processes,
shards, replicas) and an input file. `kavosh index` and `check` use them here, `search`, `evaluate` and
`serve` from `search_ui.commands`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

CLUSTER_HELP = (
    "an index on an OpenSearch cluster: http://HOST:PORT[,HOST2:PORT]/NAME (https too; user and password "
    "from KAVOSH_OPENSEARCH_USER and KAVOSH_OPENSEARCH_PASSWORD)"
)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def index_option(folder: str, cluster: bool = True) -> Decorator:
    """`--index` (required, given to the command as `index_dir`, a str: a Path would fold a URL's "//").
    `folder` says what the folder is; with `cluster` the help adds the OpenSearch form."""
    return click.option(
        "--index",
        "index_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=str),
        help=f"{folder}, or {CLUSTER_HELP}." if cluster else f"{folder}.",
    )


def count_option(name: str, help: str, default: int = 0, minimum: int = 0) -> Decorator:
    """A whole number from `minimum` up, its default shown in --help."""
    return click.option(name, type=click.IntRange(min=minimum), default=default, show_default=True, help=help)


def input_file_option(name: str, dest: str, help: str, required: bool = False) -> Decorator:
    """A file that must exist, read by the command (queries, judgements)."""
    return click.option(
        name, dest, required=required, type=click.Path(exists=True, dir_okay=False), help=help
    )
