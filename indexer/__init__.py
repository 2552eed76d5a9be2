"""Schema, folder loading, generations and the `kavosh index` command.

Importing the package checks the installed Whoosh against the pinned release first
(indexer.storage.whoosh_private): with another version every command fails at once, with a message saying what
to install.
"""

from indexer.storage import whoosh_private  # noqa: F401  (the check runs on import)
