"""The rooms of DESIGN.md hold: every import of `analyzers/`, `indexer/` and `search_ui/`, parsed with `ast`,
goes only where the table "What each room may import" allows, and every module is in a room of that table.
The table is the one statement of the rules; this test reads it rather than repeating it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analyzers", "indexer", "search_ui")
ORDER = {
    name: i for i, name in enumerate(PACKAGES)
}  # data flows to the left: search_ui → indexer → analyzers
# The analyzer's internals, and the only modules allowed to read them (DESIGN.md, "Why the lines fall").
ANALYZER_INTERNALS_READERS = {
    "indexer.sources.wordcheck",
    "search_ui.query.prefixes",
    "search_ui.ranking.spelling",
}
# Modules of `analyzers` that are no internals of the analysis: the seam every room's compiled speed-ups
# are loaded through (analyzers.native.load, KAVOSH_PURE_PYTHON; DESIGN.md, "Compiled speed-ups").
ANALYZER_SEAMS = {"analyzers.native"}


def read_rules(design: str) -> dict[str, set[str]]:
    """room -> rooms it may import, from DESIGN.md's table (`| `room` | `a`, `b` |`, — for none)."""
    rules: dict[str, set[str]] = {}
    for line in design.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and re.fullmatch(r"`[\w.]+`", cells[0]):
            rules[cells[0].strip("`")] = set(re.findall(r"`([\w.]+)`", cells[1]))
    return rules


RULES = read_rules((ROOT / "DESIGN.md").read_text(encoding="utf-8"))


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def is_module(name: str) -> bool:
    where = ROOT.joinpath(*name.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


# Rooms that are a package's own `__init__` only, not everything below it.
INIT_ONLY = {"indexer", "search_ui"}


def room_of(module: str) -> str | None:
    """The longest room of the table that is `module` or holds it."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        room = ".".join(parts[:n])
        if room in RULES and (room not in INIT_ONLY or room == module):
            return room
    return None


def imports_of(path: Path, source: str) -> list[tuple[int, str]]:
    """(line, project module imported) for every import in the file, functions' bodies included; `from
    package import name` counts as `package.name` when that is a module."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against this module's package
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((node.lineno, full if is_module(full) else base))
    return [(line, name) for line, name in found if name.split(".")[0] in PACKAGES]


SOURCES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_table_was_read() -> None:
    assert {"analyzers", "indexer.storage", "search_ui.query", "search_ui.commands"} <= RULES.keys()
    assert RULES["indexer.errors"] == set() and "search_ui.query" in RULES["search_ui.ranking"]
    assert len(SOURCES) > 50


def test_every_room_named_in_the_table_exists_and_may_import_only_rooms() -> None:
    for room, allowed in RULES.items():
        assert is_module(room), f"DESIGN.md names a room {room} that does not exist"
        assert allowed <= RULES.keys(), f"{room} may import {allowed - RULES.keys()}, which are not rooms"
        assert room not in allowed


def violations(path: Path, source: str) -> list[str]:
    """What in `source` (the text of the module at `path`) breaks the table, one line each."""
    module = module_name(path)
    room = room_of(module)
    if room is None:
        return [f"{module} is in no room of DESIGN.md's table: add it there"]
    found = []
    for line, name in imports_of(path, source):
        target = room_of(name)
        where = f"{path.relative_to(ROOT)}:{line} imports {name}"
        top, target_top = module.split(".")[0], name.split(".")[0]
        if target is None:
            found.append(f"{where}, which is in no room")
        elif ORDER[target_top] > ORDER[top]:
            found.append(f"{where}: upward, against search_ui → indexer → analyzers")
        elif target != room and target not in RULES[room]:
            found.append(f"{where}: room {room} may not import {target}")
        if (
            name.startswith("analyzers.")
            and top != "analyzers"
            and module not in ANALYZER_INTERNALS_READERS
            and name not in ANALYZER_SEAMS
        ):
            found.append(f"{where}: only `from analyzers import …` here")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_rooms(path: Path) -> None:
    assert violations(path, path.read_text(encoding="utf-8")) == []


def test_the_checker_finds_forbidden_imports() -> None:
    """The rules catch a room reaching sideways, a package importing upward and an analyzer internal read
    from elsewhere, even inside a function (so the test above cannot pass by reading nothing)."""
    parse = ROOT / "search_ui" / "query" / "parse.py"
    bad = "\n\ndef _later():\n    from search_ui.web import app\n    from analyzers.lexicon import lexicon\n"
    found = violations(parse, parse.read_text(encoding="utf-8") + bad)
    assert any("room search_ui.query may not import search_ui.web" in f for f in found)
    assert any("imports analyzers.lexicon: only `from analyzers import …` here" in f for f in found)
    schema = ROOT / "indexer" / "storage" / "schema.py"
    found = violations(schema, "import search_ui.results.jalali\n")
    assert found == [
        "indexer/storage/schema.py:1 imports search_ui.results.jalali: upward, against "
        "search_ui → indexer → analyzers"
    ]
    assert violations(ROOT / "indexer" / "nowhere.py", "") == [
        "indexer.nowhere is in no room of DESIGN.md's table: add it there"
    ]
