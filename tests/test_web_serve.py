"""`kavosh serve`: a real waitress process on 127.0.0.1, and a clear message when there is no index."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from test_web_corpus import DOCUMENTS, build_index

from search_ui.commands import cli
from search_ui.server import _is_loopback

KAVOSH = Path(sys.executable).with_name("kavosh")


def test_serve_without_an_index_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "nothing"), "--port", "0"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "index" in result.output.lower()


def test_serve_rejects_a_bad_port(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path), "--port", "70000"])
    assert result.exit_code == 2 and "70000" in result.output


def test_serve_answers_on_loopback_by_default(tmp_path):
    _, index_dir = build_index(tmp_path)
    proc = subprocess.Popen(
        [str(KAVOSH), "serve", "--index", str(index_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, (line, proc.stderr.read() if proc.poll() is not None else "")
        url = f"http://127.0.0.1:{match.group(1)}"
        with urllib.request.urlopen(url + "/healthz", timeout=10) as resp:
            assert json.load(resp)["documents"] == DOCUMENTS
            assert resp.headers["Server"] == "kavosh"  # waitress, not Werkzeug's development server
        with urllib.request.urlopen(url + "/?q=" + urllib.parse.quote("کتابخانه"), timeout=10) as resp:
            assert "<mark>" in resp.read().decode("utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_only_loopback_addresses_count_as_local():
    assert all(_is_loopback(h) for h in ("127.0.0.1", "127.8.9.1", "::1", "localhost"))
    assert not any(_is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org"))
