"""Kavosh's storage is written against whoosh-reloaded 2.7.5's private internals: any other Whoosh must fail
loudly at import with the pin's message, never run slower or wrong."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.storage import whoosh_private
from indexer.storage.whoosh_private import W3PostingsWriter, WhooshVersionError, check_surface, check_version

ROOT = Path(__file__).resolve().parents[1]
PIN_MESSAGE = "Kavosh needs whoosh-reloaded 2.7.5 exactly"


def _import_with_whoosh_version(version: tuple, statement: str) -> subprocess.CompletedProcess:
    """Run `statement` in a fresh interpreter whose imported Whoosh reports `version`."""
    code = f"import whoosh; whoosh.__version__ = {version!r}\n{statement}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_setup_cfg_pins_the_version_the_code_names() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    requires = [line.strip() for line in config["options"]["install_requires"].splitlines() if line.strip()]
    (pin,) = [line for line in requires if line.startswith("whoosh")]
    assert pin == "whoosh-reloaded==" + ".".join(map(str, whoosh_private.WHOOSH_VERSION))


def test_the_installed_whoosh_passes() -> None:
    check_version()
    check_surface()


@pytest.mark.parametrize("version", [(2, 7, 4), (2, 7, 6), (2, 8, 0), (3, 0, 0)])
def test_another_version_is_refused_with_the_pin_message(version: tuple) -> None:
    with pytest.raises(WhooshVersionError, match=PIN_MESSAGE) as caught:
        check_version(version)
    assert ".".join(map(str, version)) + " is installed" in str(caught.value)
    assert "pip install whoosh-reloaded==2.7.5" in str(caught.value)


@pytest.mark.parametrize(
    "statement",
    [
        "import indexer",
        "import search_ui",
        "import search_ui.engines.folder",
        "import search_ui.web.app",
        "import sys; sys.argv = ['kavosh', 'check', '--help']; "
        "from search_ui.commands.main import main; main()",
    ],
)
def test_importing_with_another_whoosh_fails_at_once(statement: str) -> None:
    proc = _import_with_whoosh_version((2, 7, 6), statement)
    assert proc.returncode != 0
    assert "WhooshVersionError" in proc.stderr and PIN_MESSAGE in proc.stderr
    assert "Whoosh 2.7.6 is installed" in proc.stderr
    same = _import_with_whoosh_version((2, 7, 5), statement)  # the same statement with the pinned version
    assert same.returncode == 0, same.stderr


def test_a_missing_internal_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(W3PostingsWriter, "_mini_ids")
    with pytest.raises(WhooshVersionError, match="W3PostingsWriter has no _mini_ids"):
        check_surface()


def test_the_storage_modules_take_whoosh_internals_only_from_whoosh_private() -> None:
    """One module names the private surface: the others import Whoosh's codec classes from it."""
    for module in sorted((ROOT / "indexer").rglob("*.py")):
        if module.name == "whoosh_private.py":
            continue
        text = module.read_text(encoding="utf-8")
        assert "whoosh.codec" not in text and "from whoosh import columns" not in text, module.name
