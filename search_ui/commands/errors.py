"""How the commands end on an error, by kind, in one place (`kavosh search`, `evaluate` and `serve`).

Exit status 2 with one line for what the user can act on: a bad parameter (`BadRequest`), a refused query
(`QueryRefused`), an index that is missing, damaged, of another version or unreachable
(`indexer.errors.KavoshIndexError`, whose message says whether to rebuild). Anything else is a bug in
Kavosh: exit status 3, one line saying so, and its traceback in the log (at `traceback_level`: debug for
the one-shot commands, shown with `kavosh --verbose`; error for the server, whose log is read later).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from indexer.errors import KavoshIndexError
from search_ui.ranking.compile import BadRequest, QueryRefused

EXIT_USER = 2  # the user's input or index: a bad parameter, a refused query, no usable index
EXIT_INTERNAL = 3  # a bug, told apart from 1 (no results) and 2

log = logging.getLogger("kavosh")


def fail(message: str) -> None:
    """One `error:` line on stderr and exit status 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USER)


@contextmanager
def user_errors(traceback_level: int = logging.DEBUG) -> Iterator[None]:
    """Index and query problems become one clear line and exit status 2, a bug one line and exit status 3
    with its traceback logged, never a traceback on the terminal nor a bug called a missing index."""
    try:
        yield
    except (KavoshIndexError, QueryRefused, BadRequest) as err:
        fail(str(err))
    except Exception as err:
        log.log(traceback_level, "internal error", exc_info=err)
        click.echo(
            f"error: internal error ({type(err).__name__}: {err}); this is a bug in Kavosh, please report it "
            "(kavosh --verbose shows where)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
