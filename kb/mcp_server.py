"""`kb mcp`: the knowledge base as tools for an assistant, over the Model Context Protocol (stdio).

An assistant (Claude Desktop, an IDE, any MCP client) starts `kb mcp --index DIR` and calls its
tools: search the minutes, read an item with its neighbours, read a whole meeting with its
attendance, follow an organisation or person over time, list the parties and meetings. Each tool
is one call to `kb.KnowledgeBase`; this module only translates arguments in and results out, so
an assistant gets what `kb ... --json` prints, plus a `citation` line per item, because an
answer drawn from minutes is only useful if the reader can find it in the source.

Errors a user can act on (an empty query, an unknown item id, a bad date, no index) come back as
a tool error whose text is the library's one line, so the assistant can correct its call; the
server keeps serving. Anything unexpected is one line too, never a traceback.
"""

# No `from __future__ import annotations`: the SDK reads each tool's parameter types (and their
# descriptions) from its signature, and these are built inside build_server.
import threading
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

from kb.errors import KBError
from kb.knowledge_base import KnowledgeBase
from kb.search import DEFAULT_MODE, MODES, Filters
from kb.service import (  # the same checks and citations as kb serve's
    cited,
    date,
    given,
    one_line,
)

INSTRUCTIONS = """\
Meeting minutes (Swedish, often with English questions asked of them), cut into items: one per
agenda point or per organisation's or speaker's contribution. Use `search` first; questions may be
in Swedish or English. Use `get_item` for an item's neighbours when a hit needs context, and
`get_meeting` for a whole meeting with who attended. When you answer from the minutes, cite each
claim with its item's `citation` (meeting, date, source file, lines, page where there is one), and
say who said it (organisation, speaker): the minutes are the record, your summary is not."""

# How an item is to be cited: the same words in every tool's description.
CITE = ("Every item carries date, meeting, organisation, speaker, section, title, decision, source "
        "(the minutes file), line_start-line_end, page (PDF only) and item_id; cite it by its `citation` "
        "(meeting, date, file, lines, page) and say who said it.")

Mode = Literal[MODES]  # the modes kb.search knows, as an enum in the tool's schema


def serve(index_dir: str | Path, model: str | None = None, log: Callable[[str], None] | None = None) -> None:
    """Serve the index at `index_dir` over stdio until the client closes the connection. The
    index and the query model are opened first, so a missing index or model fails at once with
    its one line, before any client waits on a server that cannot answer."""
    server = build_server(index_dir, model=model, log=log)
    try:
        server.run("stdio")
    finally:
        server.knowledge_base.close()


def build_server(index_dir: str | Path, model: str | None = None, log: Callable[[str], None] | None = None):
    """The MCP server with kb's tools over one KnowledgeBase (opened and checked here)."""
    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
        from mcp.types import ToolAnnotations
        from pydantic import Field, ValidationError
    except ImportError:
        raise KBError("`kb mcp` needs the MCP SDK: pip install 'kb[mcp]' (the `mcp` package, version 2)") from None

    kb = KnowledgeBase(index_dir, model=model, log=log)
    kb.stats()  # no index, or a damaged one, is said now
    kb.embedder.prepare_query()  # the query model too: a missing one fails now, not at the first question

    # One call at a time: the SDK runs each call on a worker thread, and a KnowledgeBase (one
    # SQLite connection, its cached vector file) serves one caller at a time.
    lock = threading.Lock()

    def answer(call: Callable[[], Any]) -> Any:
        with lock:
            try:
                return call()
            except (KBError, ValueError) as e:
                raise ToolError(one_line(str(e))) from None
            except Exception as e:  # never a traceback to the client; the message says what broke
                raise ToolError(f"unexpected {type(e).__name__}: {one_line(str(e))[:300]}; please report it") from None

    class Server(MCPServer):
        async def call_tool(self, name, arguments, context=None):
            """As the SDK's, with arguments that fail validation said in one line ("k: Input should
            be greater than or equal to 1"), not pydantic's report of several."""
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as e:
                if not isinstance(e.__cause__, ValidationError):
                    raise
                problems = "; ".join(f"{'.'.join(map(str, error['loc'])) or 'arguments'}: {error['msg']}"
                                     for error in e.__cause__.errors())
                raise ToolError(f"Error executing tool {name}: {one_line(problems)}") from None

    server = Server("kb", instructions=INSTRUCTIONS, log_level="WARNING")
    server.knowledge_base = kb  # for serve() to close, and for tests
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
    Text = lambda description: Annotated[str | None, Field(description=description)]  # noqa: E731

    def search(
        query: Annotated[str, Field(description="The question or words to look for, in Swedish or English.")],
        k: Annotated[int, Field(ge=1, le=100, description="How many items to return.")] = 5,
        mode: Annotated[Mode, Field(description="hybrid (the default): by meaning, with a bonus for the "
                                                  "question's own words; dense: by meaning alone; lexical: by the "
                                                  "words themselves (exact names, numbers).")] = DEFAULT_MODE,
        organisation: Text("Only items by this organisation (whole words, any case; English names such as "
                           "'the employment service' work).") = None,
        speaker: Text("Only items by this speaker (whole words: 'Berg' is not 'Blomberg').") = None,
        since: Text("Only meetings on or after this date, YYYY-MM-DD.") = None,
        until: Text("Only meetings on or before this date, YYYY-MM-DD.") = None,
        meeting: Text("Only this meeting: its date (YYYY-MM-DD), or part of its title or file name.") = None,
        attendee: Text("Only meetings this person attended, as the attendance lists name them.") = None,
    ) -> dict[str, Any]:
        def call():
            filters = Filters(org=given(organisation), speaker=given(speaker), since=date("since", since),
                              until=date("until", until), meeting=given(meeting), attendee=given(attendee))
            return {"hits": [cited(hit) for hit in kb.search(query, k=k, mode=mode, filters=filters)]}

        return answer(call)

    def get_item(
        item_id: Annotated[int, Field(description="The item's id (`item_id` in a search result).")],
        around: Annotated[int, Field(ge=0, le=50, description="How many items to include either side of it.")] = 2,
    ) -> dict[str, Any]:
        def call():
            hits = kb.show(item_id, around=around)
            meeting = kb.meeting_of(item_id)
            position = next(i for i, hit in enumerate(hits) if hit.item_id == item_id)
            return {"item": cited(hits[position]), "before": [cited(hit) for hit in hits[:position]],
                    "after": [cited(hit) for hit in hits[position + 1:]], "meeting": meeting}

        return answer(call)

    def get_meeting(
        meeting: Annotated[str, Field(description="The meeting: its date (YYYY-MM-DD), part of its title, or its "
                                                   "file (`source` in a result, which always picks one meeting).")],
    ) -> dict[str, Any]:
        def call():
            found, items = kb.meeting(meeting)
            return {"meeting": found, "items": [cited(hit) for hit in items]}

        return answer(call)

    def timeline(
        party: Annotated[str, Field(description="An organisation or person, as `list_parties` names them (whole "
                                                 "words, any case).")],
        query: Text("Only their items most relevant to this question (then at most k of them).") = None,
        k: Annotated[int, Field(ge=1, le=100, description="With a query: how many items.")] = 10,
    ) -> dict[str, Any]:
        def call():
            return {"items": [cited(hit) for hit in kb.timeline(party, query=given(query), k=k)]}

        return answer(call)

    def list_parties() -> dict[str, Any]:
        return answer(kb.parties)

    def list_meetings() -> dict[str, Any]:
        return answer(lambda: {"meetings": kb.stats()["meetings_list"]})

    tools = [
        (search, "Search the meeting minutes for the items (agenda points, contributions) that answer a "
                 "question, best first, optionally only those of an organisation, speaker, date range, meeting "
                 "or attendee. `reason` says when an item gained from the question naming its organisation or "
                 "speaker. " + CITE),
        (get_item, "Read one item with the items around it in its meeting (context for a search hit), and the "
                   "meeting's title, date, source and attendance (present, absent). " + CITE),
        (get_meeting, "Read a whole meeting: its title, date, body, source, next meeting, who attended and who "
                      "was absent, and all its items in order. A name that fits several meetings is an error "
                      "listing them; call again with one's file. " + CITE),
        (timeline, "What an organisation or person said or presented, meeting by meeting, oldest first: all of "
                   "their items, or with a query the k most relevant ones, in date order. " + CITE),
        (list_parties, "The organisations and speakers the minutes name, each with its number of items and the "
                       "dates of its first and last meeting: the names the filters and `timeline` accept."),
        (list_meetings, "The meetings in the knowledge base: date, title, body, source file, number of items."),
    ]
    for function, description in tools:
        server.add_tool(function, description=description, annotations=read_only)
    return server
