"""Kavosh's compiled speed-ups: C versions of a few hot loops, each equal to a Python reference that stays.

`make install` builds them (setup.py; a C compiler is part of the development set-up). Where one is
missing, or `KAVOSH_PURE_PYTHON=1` is set (to compare speeds, or to rule the C out when hunting a bug), the
Python reference runs instead, giving the same results: the tests hold each pair equal."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

PURE_PYTHON_ENV = "KAVOSH_PURE_PYTHON"


def pure_python() -> bool:
    """Whether the environment asks for the Python references only."""
    return os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0")


def load(name: str) -> ModuleType | None:
    """The compiled module `name`, or None when it is not built or pure Python is asked for."""
    if pure_python():
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
