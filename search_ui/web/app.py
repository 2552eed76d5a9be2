"""The search page and JSON API: one Flask blueprint over a shared `SearchEngine`, and the app factory.

The engine does the searching, the escaping of snippets and documents, and the switch to a new index
generation; this module only turns requests into engine calls and engine answers into pages or JSON, and
makes sure that no user input can produce a traceback (bad parameters are 400, unknown things 404).

Errors by kind, mapped to statuses in one place (`create_app`): `BadRequest` and `FilterError` 400 with
their code, `QueryRefused` 400 (the page says why), `KavoshIndexError` (missing, damaged, another version,
the cluster down) 503 with a log line, and any other exception, a bug, 500 with its traceback in the log
and only the Persian status sentence for the user.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, ValidationError

from indexer.errors import KavoshIndexError
from indexer.sources import PAGE_BREAK
from search_ui.ranking.compile import BadRequest, QueryRefused
from search_ui.results.filters import FilterError, Filters, make_filters
from search_ui.results.jalali import format_number, format_timestamp, persian_digits
from search_ui.web import page_text

PAGE_SIZE = 10  # results per page on the HTML page
MAX_LIMIT = 100  # the largest `limit` the API accepts
MAX_PAGE = 1000  # deeper pages cost a full top-(page*limit) collection and nobody reads them
MAX_QUERY = 1000  # characters: the parser cuts a longer query there and says so (search_ui.query.parse)
MAX_RAW_QUERY = 4 * MAX_QUERY  # what is read of `q` at all, so a huge URL costs no more than a long query
SUGGEST_LIMIT = 8
FIRST_MATCH_ID = "first-match"
# What a user is told when the index cannot be read: never its path or the exception (those go to the log).
INDEX_UNAVAILABLE = "the index cannot be read and needs a rebuild"

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


_ID_ESCAPES = str.maketrans({"/": "~2F", "\\": "~5C", "~": "~7E"})


class DocIdConverter(BaseConverter):
    """A document id in a URL, whatever its characters, as one path segment that no browser or server
    rewrites: `/`, `\\` and `~` are written `~2F`, `~5C`, `~7E`, and an id made only of dots has them as
    `~2E`, so no empty, `.` or `..` segment is merged or normalised away. Older links with plain slashes
    still open."""

    regex = ".+"
    part_isolating = False
    _UNESCAPE = re.compile("~(2F|5C|7E|2E)", re.IGNORECASE)

    def to_python(self, value: str) -> str:
        if not value:
            raise ValidationError()
        return self._UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)

    def to_url(self, value: str) -> str:
        text = str(value).translate(_ID_ESCAPES)
        if not text.strip("."):
            text = text.replace(".", "~2E")
        return quote(text, safe="~!$&'()*+,;=:@")


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
    """Trust the engine's escaped HTML (only `<mark>` is markup in it), with bidi controls made visible and
    a page break (the form feed between two pages of a PDF, e.g. inside a snippet) shown as a line break,
    so the words on either side do not run together."""
    return Markup(str(value).translate(_BIDI_VISIBLE).replace(PAGE_BREAK, "\n"))


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
        value = None
    if value is None or not low <= value <= high:
        raise BadRequest(f"bad-{name}", page_text.out_of_range(name, low, high))
    return value


def _query_arg(required: bool) -> str:
    """`q`, stripped; a query longer than MAX_QUERY is cut by the parser with a notice, not refused."""
    if not _query_string_is_utf8():  # e.g. %ff%fe: Werkzeug would hand it over as the text "%FF%FE"
        raise BadRequest("bad-encoding", page_text.BAD_ENCODING)
    query = request.args.get("q", "")[:MAX_RAW_QUERY].strip()
    if required and not query:
        raise BadRequest("missing-q", page_text.MISSING_QUERY)
    return query


def _query_string_is_utf8() -> bool:
    """Whether the URL's parameters, once %-decoded, are UTF-8 text."""
    try:
        unquote_to_bytes(request.query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _filters_arg() -> Filters:
    """The filters and sort in the URL (`folder` and `format` may repeat); FilterError when unusable."""
    args = request.args
    return make_filters(
        args.getlist("folder")[:50],
        args.getlist("format")[:50],
        args.get("from", "")[:40],
        args.get("to", "")[:40],
        args.get("sort", "")[:20],
    )


def _search(query: str, page: int, limit: int, filters: Filters | None = None) -> dict:
    if filters is None:
        return _engine().search(query, page=page, limit=limit)
    return _engine().search(query, page=page, limit=limit, filters=filters)


def _page_numbers(page: int, last: int) -> list[int]:
    """A short window of page numbers around the current page, for the paging links."""
    return list(range(max(1, page - 2), min(last, page + 2) + 1))


# --- the page ------------------------------------------------------------------------------------------


@bp.get("/")
def search_page() -> Any:
    """The search box, and the ranked results when `q` is given (works with plain GET, no JavaScript).

    The results always come with their facets (folders, formats) and the filters in the URL, so a
    filtered search can be bookmarked; links keep the filters (see `page_url`)."""
    query = _query_arg(required=False)
    page = _int_arg("page", 1, 1, MAX_PAGE)
    filters = _filters_arg()
    if not query:
        return render_template("index.html", q="", result=None, health=_engine().health(), filters=filters)
    result = _search(query, page, PAGE_SIZE, filters)
    last = min(MAX_PAGE, max(1, math.ceil(result["total"] / PAGE_SIZE)))
    return render_template(
        "index.html",
        q=query,
        result=result,
        page=page,
        last_page=last,
        pages=_page_numbers(page, last),
        filters=filters,
        shown=page_text.shown_range(page, PAGE_SIZE, len(result["hits"])),
    )


@bp.get("/help")
def help_page() -> Any:
    """The query syntax with examples."""
    return render_template("help.html", q="")


@bp.get("/doc/<docid:doc_id>")
def document_page(doc_id: str) -> Any:
    """One whole document, every match of `q` highlighted and the first one given an anchor; a paged
    document (PDF) page by page, each page with its heading and anchor (`#page-12`)."""
    query = _query_arg(required=False)
    notice = ""
    try:
        doc = _engine().document(doc_id, query=query)
    except QueryRefused as err:
        doc, notice = _engine().document(doc_id, query=""), str(err)
    if doc is None:
        return _error(404, "سندی با این شناسه در نمایه نیست.", code="unknown-document")
    html = page_text.without_title_line(str(doc["html"]), doc.get("title", ""), doc.get("format", ""))
    # A paged document (PDF) is shown page by page, each page under its heading and anchor (#page-12).
    paged = bool(doc.get("pages"))
    parts = page_text.marked_pages(html) if paged else [html]
    first = next((i for i, part in enumerate(parts) if "<mark>" in part), None)
    if first is not None:
        parts[first] = parts[first].replace("<mark>", f'<mark id="{FIRST_MATCH_ID}">', 1)
    return render_template(
        "doc.html",
        q=query,
        doc=doc,
        body=None if paged else show_html(parts[0]),
        pages=[show_html(part) for part in parts] if paged else None,
        notice=notice,
        date=format_timestamp(doc.get("date", doc.get("mtime"))),
        autofocus=False,  # focusing the box would scroll away from the first match
    )


# --- the API -------------------------------------------------------------------------------------------


@bp.get("/api/search")
def api_search() -> Any:
    """The same object as `kavosh search --json`."""
    query = _query_arg(required=True)
    page = _int_arg("page", 1, 1, MAX_PAGE)
    limit = _int_arg("limit", PAGE_SIZE, 1, MAX_LIMIT)
    filters = _filters_arg()
    wanted = filters.active or request.args.get("facets", "") in ("1", "true")
    return jsonify(_search(query, page, limit, filters if wanted else None))


@bp.get("/api/suggest")
def api_suggest() -> Any:
    """Completions for the last word of `q` (an empty list for an empty `q`)."""
    query = _query_arg(required=False)
    suggestions = _engine().suggest(query, limit=SUGGEST_LIMIT) if query else []
    return jsonify({"query": query, "suggestions": suggestions})


@bp.get("/api/doc/<docid:doc_id>")
def api_document(doc_id: str) -> Any:
    """One document with its text and, when `q` is given, its highlighted HTML."""
    query = _query_arg(required=False)
    doc = _engine().document(doc_id, query=query)
    if doc is None:
        return _error(404, "سندی با این شناسه در نمایه نیست.", code="unknown-document")
    return jsonify(doc)


@bp.get("/healthz")
def healthz() -> Any:
    """Whether the index is loaded, with its document count and generation (503 while it is not)."""
    health = _engine().health()
    return jsonify(health), 200 if health.get("loaded") else 503


# --- errors and headers --------------------------------------------------------------------------------


def _error(status: int, message: str, q: str = "", code: str | None = None) -> Any:
    """An error as JSON `{"error": CODE, "message", "status"}` or as a Persian page.

    A message that is not Persian (Werkzeug's, or a technical one) is replaced by the status's Persian
    text; the JSON keeps it as `detail`."""
    persian = message if page_text.is_persian(message) else page_text.status_message(status)
    if _wants_json():
        body = {"error": code or page_text.status_code(status), "message": persian, "status": status}
        if persian != message:
            body["detail"] = message
        return jsonify(body), status
    return render_template("error.html", status=status, message=persian, q=q), status


def _bad_parameter(err: BadRequest | FilterError) -> Any:
    return _error(400, str(err), q=request.args.get("q", "")[:MAX_QUERY], code=err.code)


def _refused(err: QueryRefused) -> Any:
    if _wants_json():
        return jsonify({"error": "refused", "message": str(err), "status": 400, "refused": True}), 400
    query = request.args.get("q", "")[:MAX_RAW_QUERY]
    return render_template("index.html", q=query, result=None, refused=str(err)), 400


def _index_unavailable(err: KavoshIndexError) -> Any:
    current_app.logger.error("index unavailable (%s): %s", type(err).__name__, err)
    return _error(503, INDEX_UNAVAILABLE)


def _internal_error(err: Exception) -> Any:
    """A bug: its traceback goes to the log, the user gets only the status's Persian sentence."""
    if isinstance(err, HTTPException):  # Flask hands HTTP errors to the most specific handler first
        return _http_error(err)
    current_app.logger.error(
        "internal error on %s (%s): %s", request.path, type(err).__name__, err, exc_info=err
    )
    return _error(500, page_text.status_message(500))


def _http_error(err: HTTPException) -> Any:
    return _error(err.code or 500, err.description or err.name)


def _add_security_headers(response: Any) -> Any:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):  # results and documents are private and change on update
        response.headers["Cache-Control"] = "no-store"
    location = response.headers.get("Location")
    if location:  # redirects stay on this site, whatever Host header the request carried
        parts = urlsplit(location)
        response.headers["Location"] = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return response


def create_app(index_dir: str | os.PathLike[str], engine: Any = None) -> Flask:
    """The Flask app serving the index in `index_dir` (pass `engine` to share or replace the engine)."""
    if engine is None:
        from search_ui.engines.choose import open_engine

        engine = open_engine(index_dir)  # a folder (Whoosh) or an OpenSearch URL
    app = Flask(__name__)
    app.config["KAVOSH_INDEX"] = os.fspath(index_dir)
    app.extensions["kavosh_engine"] = engine
    app.json.ensure_ascii = False  # Persian stays readable in the JSON
    app.json.sort_keys = False  # keep the engine's key order
    app.url_map.converters["docid"] = DocIdConverter
    app.register_blueprint(bp)
    # Errors by kind to statuses, the one place (see the module's docstring).
    app.register_error_handler(BadRequest, _bad_parameter)  # 400
    app.register_error_handler(FilterError, _bad_parameter)  # 400
    app.register_error_handler(QueryRefused, _refused)  # 400
    app.register_error_handler(KavoshIndexError, _index_unavailable)  # 503
    app.register_error_handler(HTTPException, _http_error)  # 404, 405, …
    app.register_error_handler(Exception, _internal_error)  # 500
    app.after_request(_add_security_headers)
    app.jinja_env.filters.update(text=show_text, path=show_path, fa=persian_digits, num=format_number)
    app.jinja_env.filters.update(
        quoted=page_text.quoted, jalali=format_timestamp, fadigits=page_text.persian_numerals
    )
    app.jinja_env.globals.update(first_match=FIRST_MATCH_ID, show_html=show_html, page_url=page_text.page_url)
    app.jinja_env.globals.update(input_dir=page_text.input_dir, folder_name=page_text.folder_name)
    app.jinja_env.globals.update(page_label=page_text.page_label, page_anchor=page_text.page_anchor)
    app.jinja_env.globals.update(page_count=page_text.page_count, empty_page=page_text.EMPTY_PAGE)
    return app
