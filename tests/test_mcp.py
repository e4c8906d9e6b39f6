"""`kb mcp` through the MCP SDK's own client over stdio: the server runs as `python -m kb mcp` in a
subprocess, as an assistant's client would start it.

The index is built with the fake "hashing" embedder: it ranks by the words themselves, so a
question naming Almi finds Almi's items (its name is in their text and context line, and the
attribution rule adds its bonus) without any semantic matching. These tests check the protocol
layer (the tools, their arguments, what each result carries for a citation, errors as one-line
tool errors); ranking quality is tested with the real model elsewhere, and once here through MCP
(marked `model`, on the session's shared real index).
"""

import os
import sys
from pathlib import Path

import anyio
import pytest

from kb.search import MODES
from tests.conftest import SECOND_MINUTES, SEED

pytest.importorskip("mcp", reason="the `mcp` extra is not installed")

from mcp import ClientSession, StdioServerParameters, stdio_client  # noqa: E402

ALMI_ITEM = "Brygglånen går ut vid årsskiftet"


def call_server(index_dir: Path, errlog: Path, calls):
    """Start `kb mcp --index index_dir` and run `calls(session)` against it; returns its result."""

    async def main():
        params = StdioServerParameters(command=sys.executable, args=["-m", "kb", "mcp", "--index", str(index_dir)],
                                       env=dict(os.environ), cwd=str(Path(__file__).resolve().parent.parent))
        with open(errlog, "w") as err:
            async with stdio_client(params, errlog=err) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await calls(session)

    return anyio.run(main)


async def result(session, tool: str, **arguments) -> dict:
    """A tool's structured result; the call must have succeeded."""
    answer = await session.call_tool(tool, arguments)
    assert not answer.is_error, answer.content[0].text
    return answer.structured_content


async def error(session, tool: str, **arguments) -> str:
    """A tool's error text; the call must have failed, with one line saying why."""
    answer = await session.call_tool(tool, arguments)
    assert answer.is_error
    text = answer.content[0].text
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.fixture
def two_meetings(kb_factory, corpus, tmp_path):
    (corpus / "2021-01-18.txt").write_text(SECOND_MINUTES, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    kb.close()
    return tmp_path / "index", corpus


def test_tools_over_stdio(two_meetings, tmp_path):
    index_dir, corpus = two_meetings

    async def calls(session):
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        found = await result(session, "search", query="what did Almi say about bridge loans", k=5)
        almi = next(hit for hit in found["hits"] if ALMI_ITEM in hit["text"])
        item = await result(session, "get_item", item_id=almi["item_id"], around=1)
        meeting = await result(session, "get_meeting", meeting=almi["source"])
        filtered = await result(session, "search", query="bridge loans", organisation="Almi", since="2021-01-01")
        timeline = await result(session, "timeline", party="almi")
        parties = await result(session, "list_parties")
        return tools, found, almi, item, meeting, filtered, timeline, parties

    tools, found, almi, item, meeting, filtered, timeline, parties = call_server(index_dir, tmp_path / "err", calls)

    assert {"search", "get_item", "get_meeting", "timeline", "list_parties", "list_meetings"} <= set(tools)
    assert all("cite it by its `citation`" in tools[name].description
               for name in ("search", "get_item", "get_meeting", "timeline"))
    search_arguments = set(tools["search"].input_schema["properties"])
    assert {"query", "k", "mode", "organisation", "speaker", "since", "until", "meeting", "attendee"} <= search_arguments
    assert all(tool.annotations.read_only_hint for tool in tools.values())
    assert tools["search"].input_schema["properties"]["mode"]["enum"] == list(MODES)

    # Almi's item, with all a citation needs.
    assert (almi["organisation"], almi["speaker"], almi["date"]) == ("Almi", "Martin Hellström", "2020-12-14")
    assert almi["source"] == f"{corpus}/{SEED.name}" and almi["meeting"]
    assert 0 < almi["line_start"] <= almi["line_end"] and "page" in almi
    assert almi["citation"] == (f"{almi['meeting']}, 2020-12-14, {corpus}/{SEED.name}, "
                                f"lines {almi['line_start']}-{almi['line_end']}")
    assert [hit["rank"] for hit in found["hits"]] == list(range(1, len(found["hits"]) + 1))

    # The item with one neighbour either side, in the meeting's order, and its meeting.
    assert item["item"]["item_id"] == almi["item_id"] and item["item"]["citation"] == almi["citation"]
    assert len(item["before"]) == 1 and len(item["after"]) == 1
    assert item["before"][0]["line_end"] < almi["line_start"] <= almi["line_end"] < item["after"][0]["line_start"]
    assert item["meeting"]["source"] == almi["source"] and item["meeting"]["date"] == "2020-12-14"

    # The whole meeting, named by its file: every item of it in order, none of the other meeting.
    assert meeting["meeting"]["source"] == almi["source"] and {"present", "absent"} <= set(meeting["meeting"])
    assert len(meeting["items"]) == 18 and almi["item_id"] in [hit["item_id"] for hit in meeting["items"]]
    starts = [hit["line_start"] for hit in meeting["items"]]
    assert starts == sorted(starts) and {hit["source"] for hit in meeting["items"]} == {almi["source"]}

    # Filters narrow: Almi since 2021 is the January item only.
    assert [(hit["organisation"], hit["date"]) for hit in filtered["hits"]] == [("Almi", "2021-01-18")]
    # Almi over time, oldest first, in any case as typed.
    assert [hit["date"] for hit in timeline["items"]] == ["2020-12-14", "2021-01-18"]
    assert all(hit["organisation"] == "Almi" for hit in timeline["items"])
    assert "Almi" in [entry["name"] for entry in parties["organisations"]]


def test_bad_input_is_a_one_line_tool_error_and_the_server_goes_on(two_meetings, tmp_path):
    index_dir, corpus = two_meetings

    async def calls(session):
        errors = {
            "empty query": await error(session, "search", query="  "),
            "unknown item": await error(session, "get_item", item_id=999999),
            "huge item": await error(session, "get_item", item_id=10**30),
            "k of 0": await error(session, "search", query="Almi", k=0),
            "bad date": await error(session, "search", query="Almi", since="2020-13-01"),
            "no meeting": await error(session, "get_meeting", meeting="1999-01-01"),
            "two meetings": await error(session, "get_meeting", meeting="näringslivsdialog"),
            "unknown party": await error(session, "timeline", party="Nobody Atall"),
        }
        after = await result(session, "search", query="Almi", k=1)
        return errors, after

    errors, after = call_server(index_dir, tmp_path / "err", calls)
    assert errors["empty query"] == "Error executing tool search: the query is empty"
    assert "no item 999999" in errors["unknown item"]
    assert "no item 1000000000000000000000000000000" in errors["huge item"]
    assert "k: " in errors["k of 0"] and "greater than or equal to 1" in errors["k of 0"]
    assert "since: '2020-13-01' is not a date; give YYYY-MM-DD" in errors["bad date"]
    assert "no meeting matches '1999-01-01'" in errors["no meeting"]
    assert "matches 2 meetings" in errors["two meetings"]
    assert f"{corpus}/{SEED.name}" in errors["two meetings"] and f"{corpus}/2021-01-18.txt" in errors["two meetings"]
    assert "Nobody Atall" in errors["unknown party"]
    assert after["hits"][0]["organisation"] == "Almi"  # still serving after the errors
    assert "Traceback" not in (tmp_path / "err").read_text()


def test_an_unexpected_failure_is_one_line_too(two_meetings, monkeypatch):
    """A bug in kb reaches the assistant as one line naming it, not as a traceback or a bare
    "Error executing tool"; called in-process, so the failure can be planted."""
    from mcp.server.mcpserver.exceptions import ToolError

    from kb.mcp_server import build_server

    server = build_server(two_meetings[0], log=lambda message: None)

    def broken(*args, **kwargs):
        raise RuntimeError("planted\nfailure")

    monkeypatch.setattr(server.knowledge_base, "search", broken)
    with pytest.raises(ToolError) as raised:
        anyio.run(server.call_tool, "search", {"query": "Almi"})
    server.knowledge_base.close()
    assert str(raised.value) == "Error executing tool search: unexpected RuntimeError: planted failure; please report it"


def test_kb_mcp_without_an_index_says_so_in_one_line(run, tmp_path):
    outcome = run("mcp", "--index", str(tmp_path / "nowhere"))
    assert outcome.exit_code == 1
    assert outcome.output.strip().splitlines() == [
        f"Error: no index in {tmp_path / 'nowhere'}/ yet; run `kb index CORPUS --index {tmp_path / 'nowhere'}` first"
    ]


def test_kb_mcp_without_the_sdk_names_the_extra(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mcp.server.mcpserver", None)  # as if the package were not installed
    outcome = run("mcp", "--index", str(tmp_path / "index"))
    assert outcome.exit_code == 1
    assert outcome.output.strip().splitlines() == [
        "Error: `kb mcp` needs the MCP SDK: pip install 'kb[mcp]' (the `mcp` package, version 2)"
    ]


def test_meeting_by_date_title_or_file(kb_factory, corpus):
    """The library call behind get_meeting: a name that fits one meeting gives it whole; one that
    fits several lists them; the full file name picks its meeting even when it fits others."""
    (corpus / "2021-01-18.txt").write_text(SECOND_MINUTES, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    meeting, items = kb.meeting("2021-01-18")
    assert meeting["date"] == "2021-01-18" and meeting["next_meeting"] is None
    assert [hit.organisation for hit in items] == ["Almi", "LRF"] and [hit.rank for hit in items] == [1, 2]
    meeting, items = kb.meeting(f"{corpus}/{SEED.name}")
    assert meeting["date"] == "2020-12-14" and len(items) == 18
    with pytest.raises(ValueError, match="matches 2 meetings"):
        kb.meeting("Anteckningar")
    with pytest.raises(ValueError, match="no meeting named"):
        kb.meeting(" ")


@pytest.mark.model
def test_the_issue_question_through_mcp_with_the_real_model(real_kb, tmp_path):
    """The first question of the issue, asked through MCP of the real model's index: Almi's item first."""

    async def calls(session):
        return await result(session, "search", query="what did Almi say about bridge loans", k=1)

    found = call_server(real_kb.index_dir, tmp_path / "err", calls)
    assert ALMI_ITEM in found["hits"][0]["text"] and found["hits"][0]["organisation"] == "Almi"
