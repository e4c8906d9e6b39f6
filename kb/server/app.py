"""The ASGI application of `kb serve` (FastAPI): a JSON API under /api and web pages, over a pool
of KnowledgeBases. Both translate requests into `kb.service` calls and nothing more.

Safety, as the server may be reachable by others:
- Only files the index holds are served: /source takes a meeting's `source` as a key, looks it up
  among the index's meetings and reads the path the index recorded (`kb.service.source_file`); no
  path from a request reaches the file system, and a text file is shown as escaped lines, never
  served as HTML.
- Limits: query length, k, items around, filter length (`kb.service`), and a time limit per
  request (`timeout`, 504 past it).
- With a token (`kb serve --token`, required to listen beyond the loopback address), every
  request must carry it: `Authorization: Bearer TOKEN`, or the cookie a browser gets by opening
  any page once with `?token=TOKEN`. Without one, the server answers only requests addressed to a
  loopback name (the Host header), so a web page elsewhere cannot read it by rebinding its own
  name to 127.0.0.1.
- Pages allow scripts and styles from the server only (Content-Security-Policy), are never framed,
  and send no Referer.

Errors are `{"error": "one line"}` in the API (400 bad input, 401 no token, 404 not in the index,
503 no usable index, 504 too slow, 500 unexpected) and a page with that line on the web side.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' parameter types.
import hmac
import ipaddress
import os
import re
import threading
from pathlib import Path
from typing import Annotated, Any, Callable, Literal
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb import service
from kb.errors import KBError
from kb.lexical import matching_words
from kb.readers import read_document
from kb.search import DEFAULT_MODE, MODES
from kb.server import i18n
from kb.server.pool import KnowledgeBasePool, Timeout

HERE = Path(__file__).resolve().parent
DEFAULT_TIMEOUT = 10.0
TOKEN_COOKIE = "kb_token"
# Lists offered for completion in the search form; an index with more offers none of them (typing
# still works: the filters match names and meetings by their words).
MOST_CHOICES = 400
K_CHOICES = (5, 10, 20, 50, 100)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

Mode = Literal[MODES]  # kb.search's modes, an enum in the OpenAPI document
Text = Annotated[str | None, Query(max_length=service.MAX_FILTER_CHARS)]


def described(description: str):
    """An optional text parameter of at most MAX_FILTER_CHARS characters, described for the docs."""
    return Annotated[str | None, Query(max_length=service.MAX_FILTER_CHARS, description=description)]


def create_app(pool: KnowledgeBasePool, token: str | None = None, timeout: float = DEFAULT_TIMEOUT,
               root: Path | None = None, log: Callable[[str], None] | None = None) -> FastAPI:
    """The application over `pool`. `root` is the folder relative source names are read from
    (the one `kb index` ran in; default the working folder)."""
    root = Path(root or Path.cwd())
    log = log or (lambda message: None)
    app = FastAPI(
        title="kb",
        summary="Search meeting minutes by meaning, in Swedish or English",
        description="The JSON API of `kb serve`. Every item carries its date, meeting, organisation, speaker, "
                    "section, source file, line range and page (PDF), and a `citation` line. Errors are "
                    '`{"error": "one line"}`.',
        version=_version(),
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["highlight"] = highlight
    templates.env.globals["url"] = url
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    facets = _Facets()

    async def run(work: Callable[..., Any]) -> Any:
        return await pool.run(work, timeout)

    # -- guard, headers, unexpected errors ----------------------------------------------------------

    @app.middleware("http")
    async def guard(request: Request, call_next):
        refused = _refusal(request, token)
        if refused is not None:
            return refused
        if token and request.query_params.get("token") and request.method == "GET" and not _is_api(request):
            # Opened with ?token=: keep it in a cookie and drop it from the address bar.
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            response = RedirectResponse(request.url.path + ("?" + query if query else ""), status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        else:
            try:
                response = await call_next(request)
            except Exception as e:  # noqa: BLE001 - never a traceback to a client; one line to the log
                if os.environ.get("KB_DEBUG"):
                    raise
                message = f"unexpected {type(e).__name__}: {service.one_line(e)[:300]}; please report it"
                log(f"error: {request.url.path}: {message}")
                response = _error_response(request, 500, message, templates)
        for name, value in SECURITY_HEADERS.items():
            if name not in response.headers and not response.headers.get("content-type", "").startswith("application/pdf"):
                response.headers[name] = value
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        message = {404: f"no such page: {request.url.path}", 405: f"{request.method} is not allowed here"}.get(
            error.status_code, str(error.detail))
        return _error_response(request, error.status_code, message, templates)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError):
        problems = "; ".join(f"{_where(problem['loc'])}: {problem['msg']}" for problem in error.errors())
        return _error_response(request, 400, service.one_line(problems), templates)

    for kind in (KBError, ValueError, Timeout):
        app.add_exception_handler(kind, lambda request, error: _error_response(request, *_status(error), templates))

    # -- JSON API -----------------------------------------------------------------------------------

    @app.get("/api/health", tags=["api"], summary="Whether the server can answer, and the index generation it reads")
    async def health() -> dict:
        def check(kb):
            info = service.stats(kb)
            return {"status": "ok", "generation": info["generation"], "meetings": info["meetings"],
                    "items": info["items"], "model": info["model"]}

        return await run(check)

    @app.get("/api/search", tags=["api"], summary="Search the minutes, best first")
    async def api_search(
        q: Annotated[str, Query(description=f"The question or words, Swedish or English (at most "
                                            f"{service.MAX_QUERY_CHARS} characters).")] = "",
        k: Annotated[int, Query(ge=1, le=service.MAX_K, description="How many hits.")] = 5,
        mode: Annotated[Mode, Query(description="hybrid (meaning and words; the default), dense (by meaning) "
                                                "or lexical (the words themselves).")] = DEFAULT_MODE,
        org: described("Only items by this organisation (whole words, any case, English aliases).") = None,
        speaker: described("Only items by this speaker (whole words).") = None,
        since: described("Only meetings on or after this date, YYYY-MM-DD.") = None,
        until: described("Only meetings on or before this date, YYYY-MM-DD.") = None,
        meeting: described("Only this meeting: its date, part of its title, or its file.") = None,
        attendee: described("Only meetings this person attended.") = None,
    ) -> dict:
        """`{"query", "mode", "k", "hits"}`; each hit as `kb search --json` prints it, with `citation`."""
        return await run(lambda kb: service.search(kb, q, k=k, mode=mode, org=org, speaker=speaker, since=since,
                                                   until=until, meeting=meeting, attendee=attendee))

    @app.get("/api/items/{item_id}", tags=["api"], summary="An item with the items around it, and its meeting")
    async def api_item(
        item_id: int,
        around: Annotated[int, Query(ge=0, le=service.MAX_AROUND, description="Items either side.")] = 2,
    ) -> dict:
        """`{"item", "before", "after", "meeting"}`; the meeting with its attendance (present, absent)."""
        return await run(lambda kb: service.item(kb, item_id, around=around))

    @app.get("/api/meetings", tags=["api"], summary="Every meeting, by date")
    async def api_meetings() -> dict:
        return await run(service.meetings)

    @app.get("/api/meeting", tags=["api"], summary="One meeting with all its items in order and its attendance")
    async def api_meeting(
        m: Annotated[str, Query(max_length=service.MAX_FILTER_CHARS,
                                description="The meeting: its date (YYYY-MM-DD), part of its title, or its file "
                                            "(`source`, which always picks one).")] = "",
    ) -> dict:
        """`{"meeting", "items"}`. A name that fits several meetings is a 404 listing them."""
        return await run(lambda kb: service.meeting(kb, m))

    @app.get("/api/timeline", tags=["api"], summary="What an organisation or person said, oldest first")
    async def api_timeline(
        party: Annotated[str, Query(max_length=service.MAX_FILTER_CHARS,
                                    description="An organisation or person, as /api/parties names them.")] = "",
        q: Annotated[str | None, Query(description="Only their k items most relevant to this question.")] = None,
        k: Annotated[int, Query(ge=1, le=service.MAX_K, description="With q: how many items.")] = 10,
    ) -> dict:
        """`{"party", "query", "items"}`."""
        return await run(lambda kb: service.timeline(kb, party, query=q, k=k))

    @app.get("/api/parties", tags=["api"], summary="Organisations and speakers, with their items and dates")
    async def api_parties() -> dict:
        """`{"organisations": [...], "speakers": [...]}`, each `{"name", "items", "first", "last"}`, most items first."""
        return await run(service.parties)

    @app.get("/api/stats", tags=["api"], summary="What the index holds")
    async def api_stats() -> dict:
        return await run(service.stats)

    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    async def api_docs(request: Request):
        """The OpenAPI document as a page, made here: no script from elsewhere, works offline."""
        return page(request, "docs.html", {"spec": app.openapi()})

    # -- pages --------------------------------------------------------------------------------------

    def page(request: Request, template: str, context: dict, status: int = 200) -> HTMLResponse:
        lang = _language(request)
        other = "en" if lang == "sv" else "sv"
        response = templates.TemplateResponse(request, template, {
            "lang": lang, "t": i18n.TEXT[lang], "switch": str(request.url.include_query_params(lang=other)),
            "modes": MODES, "default_mode": DEFAULT_MODE, "k_choices": K_CHOICES, **context}, status_code=status)
        if request.query_params.get("lang") in i18n.LANGUAGES:
            response.set_cookie(i18n.COOKIE, lang, samesite="lax", max_age=365 * 86400)
        return response

    async def page_facets() -> dict:
        try:
            return await run(facets.get)
        except (KBError, ValueError, Timeout):
            return {}

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    async def home(
        request: Request, q: str | None = None, k: Annotated[int, Query(ge=1, le=service.MAX_K)] = 10,
        mode: str = DEFAULT_MODE, org: Text = None, speaker: Text = None, since: Text = None, until: Text = None,
        meeting: Text = None, attendee: Text = None,
    ):
        form = {"q": q or "", "k": k, "mode": mode, "org": org or "", "speaker": speaker or "", "since": since or "",
                "until": until or "", "meeting": meeting or "", "attendee": attendee or ""}
        context, status = {"form": form, "facets": await page_facets(), "results": None, "error": None}, 200
        if q is not None:
            try:
                context["results"] = await run(lambda kb: service.search(
                    kb, q, k=k, mode=mode, org=org, speaker=speaker, since=since, until=until, meeting=meeting,
                    attendee=attendee))
            except (KBError, ValueError, Timeout) as e:
                status, context["error"] = _status(e)
        return page(request, "search.html", context, status)

    @app.get("/meeting", include_in_schema=False, response_class=HTMLResponse)
    async def meeting_page(request: Request, m: Text = None, q: str | None = None):
        found = await run(lambda kb: service.meeting(kb, m))
        return page(request, "meeting.html", {"found": found, "q": q or "", "facets": await page_facets()})

    @app.get("/timeline", include_in_schema=False, response_class=HTMLResponse)
    async def timeline_page(request: Request, party: Text = None, q: str | None = None,
                            k: Annotated[int, Query(ge=1, le=service.MAX_K)] = 20):
        facets_now = await page_facets()
        context, status = {"party": party or "", "q": q or "", "k": k, "facets": facets_now, "found": None,
                           "error": None}, 200
        if party and party.strip():
            try:
                context["found"] = await run(lambda kb: service.timeline(kb, party, query=q, k=k))
            except (KBError, ValueError, Timeout) as e:
                status, context["error"] = _status(e)
        return page(request, "timeline.html", context, status)

    @app.get("/source", include_in_schema=False)
    async def source_page(request: Request, file: Text = None, lines: str | None = None,
                          view: str | None = None):
        """A minutes file the index holds: a PDF as itself (open at a page with #page=N), any
        other file (and a PDF with view=text) as its numbered lines as kb read them."""
        def read(kb):
            found = service.source_file(kb, file, root=root)
            if found.pdf and view != "text":
                return found, None
            return found, read_document(found.path, found.data, kb.limits).lines

        found, document_lines = await run(read)
        if document_lines is None:
            return Response(found.data, media_type="application/pdf", headers={
                "Content-Disposition": f"inline; filename*=UTF-8''{_quote(found.path.name)}",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})
        first, last = _line_range(lines)
        return page(request, "source.html", {"found": found, "lines": document_lines, "first": first, "last": last,
                                             "facets": await page_facets()})

    return app


class _Facets:
    """What the search form offers for completion (organisations, speakers, meetings) and the
    counts in the footer, read once per index generation rather than on every page."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cached: tuple[tuple, dict] | None = None

    def get(self, kb) -> dict:
        key = (str(kb.index_dir), service.generation(kb))
        with self._lock:
            if self._cached and self._cached[0] == key:
                return self._cached[1]
        parties = service.parties(kb)
        meetings = service.meetings(kb)["meetings"]
        value = {
            "organisations": [p["name"] for p in parties["organisations"]][:MOST_CHOICES],
            "speakers": [p["name"] for p in parties["speakers"]][:MOST_CHOICES],
            "meetings": meetings if len(meetings) <= MOST_CHOICES else [],
            "parties": parties,
            "counts": {"meetings": len(meetings), "items": sum(m["items"] for m in meetings)},
        }
        with self._lock:
            self._cached = (key, value)
        return value


# -- helpers ----------------------------------------------------------------------------------------


def _refusal(request: Request, token: str | None) -> Response | None:
    """A response refusing the request, or None to let it through (see the module's docstring)."""
    if token:
        given = request.headers.get("authorization", "")
        given = given[7:].strip() if given[:7].lower() == "bearer " else ""
        given = given or request.cookies.get(TOKEN_COOKIE) or request.query_params.get("token") or ""
        if hmac.compare_digest(given.encode(), token.encode()):
            return None
        message = ("this server needs its token: send `Authorization: Bearer TOKEN`, or open the page once with "
                   "?token=TOKEN")
        response = JSONResponse({"error": message}, status_code=401) if _is_api(request) else \
            Response(f"401: {message}\n", status_code=401, media_type="text/plain; charset=utf-8")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    host = _hostname(request.headers.get("host", ""))
    if _is_loopback(host):
        return None
    message = (f"this server answers only at a loopback address (127.0.0.1, localhost), not {host or '(no Host)'!r}; "
               "to listen for others, start it with --host and --token")
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=403)
    return Response(f"403: {message}\n", status_code=403, media_type="text/plain; charset=utf-8")


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") and request.url.path != "/api/docs"


def _status(error: Exception) -> tuple[int, str]:
    """The HTTP status of one of kb's errors, and its one line."""
    message = service.one_line(error)
    if isinstance(error, service.NotFound):
        return 404, message
    if isinstance(error, Timeout):
        return 504, message
    if isinstance(error, KBError):
        return 503, message  # no index, a damaged one, its model missing: the server cannot answer
    return 400, message


def _error_response(request: Request, status: int, message: str, templates: Jinja2Templates) -> Response:
    if _is_api(request) or not request.headers.get("accept", "").count("text/html"):
        return JSONResponse({"error": message}, status_code=status)
    lang = _language(request)
    return templates.TemplateResponse(request, "error.html", {
        "lang": lang, "t": i18n.TEXT[lang], "switch": str(request.url.include_query_params(lang="en" if lang == "sv" else "sv")),
        "status": status, "message": message, "facets": {}}, status_code=status)


def _where(location) -> str:
    parts = [str(part) for part in location if part not in ("query", "path", "body")]
    return ".".join(parts) or "request"


def _language(request: Request) -> str:
    return i18n.choose(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE),
                       request.headers.get("accept-language"))


def _line_range(text: str | None) -> tuple[int, int]:
    """(first, last) from "64-69" or "64"; (0, 0) for none or nonsense (nothing is marked)."""
    try:
        first, _, last = (text or "").partition("-")
        first_line = int(first)
        return first_line, int(last) if last else first_line
    except ValueError:
        return 0, 0


def _quote(name: str) -> str:
    return quote(name, safe="")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("kb")
    except Exception:  # noqa: BLE001 - running from a checkout without metadata
        return "0"


def url(path: str, fragment: str | None = None, **params: Any) -> str:
    """A link within the server: parameters that are None or empty are left out."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return path + ("?" + query if query else "") + ("#" + fragment if fragment else "")


def highlight(text: str | None, query: str | None) -> Markup:
    """The text, escaped, with the words the query matches (same stem, as the command line
    highlights them) in <mark>: bold and underlined as well as coloured, so they show without
    colour too."""
    text = text or ""
    words = matching_words(text, query) if query and query.strip() else set()
    if not words:
        return escape(text)
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b")
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last:match.start()]), Markup("<mark>"), escape(match.group(0)), Markup("</mark>")]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
