"""The search page and JSON API: one Flask blueprint over a shared `SearchEngine`, and the app factory.

The engine does the searching, the escaping of snippets and documents, and the switch to a new index
generation; this module only turns requests into engine calls and engine answers into pages or JSON, and
makes sure that no user input can produce a traceback (bad parameters are 400, unknown things 404).
"""

from __future__ import annotations

import math
import os
import unicodedata
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from indexer.store import KavoshIndexError
from search_ui.engine import QueryRefused
from search_ui.jalali import format_number, format_timestamp, persian_digits

PAGE_SIZE = 10  # results per page on the HTML page
MAX_LIMIT = 100  # the largest `limit` the API accepts
MAX_PAGE = 1000  # deeper pages cost a full top-(page*limit) collection and nobody reads them
MAX_QUERY = 1000  # characters; longer queries are refused before they reach the engine
SUGGEST_LIMIT = 8
FIRST_MATCH_ID = "first-match"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # queries travel in URLs: never hand them to another site
    "X-Frame-Options": "DENY",
}

# Embedding, override and isolate controls can reorder what a reader sees around them (spoofing a path
# or a title), so the page shows them as visible code points. ZWNJ, LRM and RLM are ordinary Persian
# typography and stay as they are.
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_VISIBLE = str.maketrans({c: f"[U+{ord(c):04X}]" for c in _BIDI_CONTROLS})

bp = Blueprint("kavosh", __name__)


class BadParameter(ValueError):
    """A query-string parameter that is missing or out of range (answered with 400)."""


def show_text(value: Any) -> Markup:
    """Escape plain text from a document or a query for HTML, with bidi controls made visible."""
    return Markup(str(escape(value)).translate(_BIDI_VISIBLE))


def show_path(value: Any) -> Markup:
    """A file path with each name isolated, in the direction of its first letter, so the parts keep order."""
    text = str(value or "")
    first = next(
        (unicodedata.bidirectional(c) for c in text if unicodedata.bidirectional(c) in ("L", "R", "AL")), "L"
    )
    parts = Markup("/").join(Markup("<bdi>") + show_text(part) + Markup("</bdi>") for part in text.split("/"))
    return (
        Markup('<bdi dir="{}" class="path">').format("ltr" if first == "L" else "rtl")
        + parts
        + Markup("</bdi>")
    )


def show_html(value: str) -> Markup:
    """Trust the engine's escaped HTML (only `<mark>` is markup in it), with bidi controls made visible."""
    return Markup(str(value).translate(_BIDI_VISIBLE))


def _engine() -> Any:
    return current_app.extensions["kavosh_engine"]


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"parameter {name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadParameter(f"parameter {name} must be between {low} and {high}, got {value}")
    return value


def _query_arg(required: bool) -> str:
    query = request.args.get("q", "").strip()
    if required and not query:
        raise BadParameter("parameter q (the query) is required")
    if len(query) > MAX_QUERY:
        raise BadParameter(f"the query is longer than {MAX_QUERY} characters")
    return query


def _search(query: str, page: int, limit: int) -> dict:
    try:
        return _engine().search(query, page=page, limit=limit)
    except QueryRefused:
        raise
    except ValueError as err:  # the engine's own bounds on page/limit
        raise BadParameter(str(err)) from None


def _page_numbers(page: int, last: int) -> list[int]:
    """A short window of page numbers around the current page, for the paging links."""
    return list(range(max(1, page - 2), min(last, page + 2) + 1))


# --- the page ------------------------------------------------------------------------------------------


@bp.get("/")
def search_page() -> Any:
    """The search box, and the ranked results when `q` is given (works with plain GET, no JavaScript)."""
    query = _query_arg(required=False)
    page = _int_arg("page", 1, 1, MAX_PAGE)
    if not query:
        return render_template("index.html", q="", result=None, health=_engine().health())
    result = _search(query, page, PAGE_SIZE)
    last = min(MAX_PAGE, max(1, math.ceil(result["total"] / PAGE_SIZE)))
    return render_template(
        "index.html", q=query, result=result, page=page, last_page=last, pages=_page_numbers(page, last)
    )


@bp.get("/help")
def help_page() -> Any:
    """The query syntax with examples."""
    return render_template("help.html", q="")


@bp.get("/doc/<path:doc_id>")
def document_page(doc_id: str) -> Any:
    """One whole document, every match of `q` highlighted and the first one given an anchor."""
    query = _query_arg(required=False)
    notice = ""
    try:
        doc = _engine().document(doc_id, query=query)
    except QueryRefused as err:
        doc, notice = _engine().document(doc_id, query=""), str(err)
    if doc is None:
        return _error(404, "سندی با این شناسه در نمایه نیست.")
    html = str(doc["html"]).replace("<mark>", f'<mark id="{FIRST_MATCH_ID}">', 1)
    return render_template(
        "doc.html",
        q=query,
        doc=doc,
        body=show_html(html),
        notice=notice,
        date=format_timestamp(doc.get("mtime")),
        autofocus=False,  # focusing the box would scroll away from the first match
    )


# --- the API -------------------------------------------------------------------------------------------


@bp.get("/api/search")
def api_search() -> Any:
    """The same object as `kavosh search --json`."""
    query = _query_arg(required=True)
    page = _int_arg("page", 1, 1, MAX_PAGE)
    limit = _int_arg("limit", PAGE_SIZE, 1, MAX_LIMIT)
    return jsonify(_search(query, page, limit))


@bp.get("/api/suggest")
def api_suggest() -> Any:
    """Completions for the last word of `q` (an empty list for an empty `q`)."""
    query = _query_arg(required=False)
    suggestions = _engine().suggest(query, limit=SUGGEST_LIMIT) if query else []
    return jsonify({"query": query, "suggestions": suggestions})


@bp.get("/api/doc/<path:doc_id>")
def api_document(doc_id: str) -> Any:
    """One document with its text and, when `q` is given, its highlighted HTML."""
    query = _query_arg(required=False)
    doc = _engine().document(doc_id, query=query)
    if doc is None:
        return _error(404, f"no document with id {doc_id!r}")
    return jsonify(doc)


@bp.get("/healthz")
def healthz() -> Any:
    """Whether the index is loaded, with its document count and generation (503 while it is not)."""
    health = _engine().health()
    return jsonify(health), 200 if health.get("loaded") else 503


# --- errors and headers --------------------------------------------------------------------------------


def _error(status: int, message: str, q: str = "") -> Any:
    if _wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", status=status, message=message, q=q), status


def _bad_parameter(err: BadParameter) -> Any:
    return _error(400, str(err), q=request.args.get("q", "")[:MAX_QUERY])


def _refused(err: QueryRefused) -> Any:
    if _wants_json():
        return jsonify({"error": str(err), "status": 400, "refused": True}), 400
    query = request.args.get("q", "")
    return render_template("index.html", q=query, result=None, refused=str(err)), 400


def _index_unavailable(err: KavoshIndexError) -> Any:
    current_app.logger.error("index unavailable: %s", err)
    return _error(503, f"the index is not available: {err}")


def _http_error(err: HTTPException) -> Any:
    return _error(err.code or 500, err.description or err.name)


def _add_security_headers(response: Any) -> Any:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_app(index_dir: str | os.PathLike[str], engine: Any = None) -> Flask:
    """The Flask app serving the index in `index_dir` (pass `engine` to share or replace the engine)."""
    if engine is None:
        from search_ui.engines import open_engine

        engine = open_engine(index_dir)  # a folder (Whoosh) or an OpenSearch URL
    app = Flask(__name__)
    app.config["KAVOSH_INDEX"] = os.fspath(index_dir)
    app.extensions["kavosh_engine"] = engine
    app.json.ensure_ascii = False  # Persian stays readable in the JSON
    app.json.sort_keys = False  # keep the engine's key order
    app.register_blueprint(bp)
    app.register_error_handler(BadParameter, _bad_parameter)
    app.register_error_handler(QueryRefused, _refused)
    app.register_error_handler(KavoshIndexError, _index_unavailable)
    app.register_error_handler(HTTPException, _http_error)
    app.after_request(_add_security_headers)
    app.jinja_env.filters.update(text=show_text, path=show_path, fa=persian_digits, num=format_number)
    app.jinja_env.globals.update(first_match=FIRST_MATCH_ID, show_html=show_html)
    return app
