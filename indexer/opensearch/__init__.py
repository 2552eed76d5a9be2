"""Kavosh's index on an OpenSearch cluster: the client, the pre-analysed documents, the writer.

`--index http://HOST:PORT[,HOST2:PORT]/NAME` names an index on a cluster; anything else is a folder
(the embedded Whoosh index). `is_cluster_url` is the one place that tells them apart.
"""

from __future__ import annotations

_SCHEMES = ("http://", "https://")


def is_cluster_url(index: object) -> bool:
    """Whether an `--index` value names an OpenSearch index rather than a folder."""
    return isinstance(index, str) and index.lower().startswith(_SCHEMES)
