"""`kb serve`: the JSON API and the pages through FastAPI's test client (no socket), on an index
built with the fake "hashing" embedder (it ranks by the words themselves, so a question naming
Almi finds Almi's items). Every endpoint; bad input (empty query, huge k, unknown id, a path
that tries to leave the index); the token and Host checks; a new index generation picked up
without a restart; a search while another process holds the writer lock; the time limit.
What a person sees in a real browser, with the real model, is tests/test_serve_browser.py."""

import threading
import time

import pytest

from tests.conftest import SEED

pytest.importorskip("fastapi", reason="`kb serve` needs fastapi (in the test extra)")

from fastapi.testclient import TestClient  # noqa: E402

from kb import service  # noqa: E402
from kb.search import DEFAULT_MODE  # noqa: E402
from kb.server.app import create_app  # noqa: E402
from kb.server.pool import KnowledgeBasePool  # noqa: E402

SECOND_MINUTES = """Protokoll styrelsemöte 18 januari 2021

Plats: Stadshuset, Östersund
Närvarande: Anna Berg, Olof Lind
Frånvarande: Lars Nilsson

▪ Almi, Martin Hellström
– Brygglånen har förlängts till sommaren
– Efterfrågan på investeringslån ökar

▪ LRF, Anders Blomberg
– Skogsbruket går starkt, höga virkespriser
"""
THIRD_MINUTES = """Anteckningar näringslivsdialog 15 februari 2021

▪ Handelskammaren, Karin Berg
– Exporten av sågade trävaror till Kina ökar kraftigt
"""


@pytest.fixture
def index(kb_factory, corpus, tmp_path):
    (corpus / "2021-01-18_styrelse.txt").write_text(SECOND_MINUTES, encoding="utf-8")
    kb = kb_factory()
    kb.update(corpus, progress=False)
    kb.close()
    return tmp_path / "index"


@pytest.fixture
def serve(index, monkeypatch, tmp_path):
    """A test client over `create_app` on the index; keyword arguments go to create_app."""
    monkeypatch.chdir(tmp_path)  # sources are recorded as the test gave them: absolute paths
    opened = []

    def make(size=2, **options):
        pool = KnowledgeBasePool(index, size=size)
        pool.open()
        # Entered: one event loop for all its requests, as under uvicorn (else one per request).
        client = TestClient(create_app(pool, **options), base_url="http://127.0.0.1").__enter__()
        opened.append((client, pool))
        return client

    yield make
    for client, pool in opened:
        client.__exit__(None, None, None)
        pool.close()


@pytest.fixture
def client(serve):
    return serve()


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def error(response, status: int) -> str:
    """The one-line error of a failed request, which must have this status."""
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert message and "\n" not in message and "Traceback" not in message
    return message


# -- every endpoint ---------------------------------------------------------------------------------


def test_search_finds_almis_item_with_everything_to_cite_it(client):
    found = ok(client.get("/api/search", params={"q": "Vad sa Almi om brygglånen?", "k": 3}))
    assert found["query"] == "Vad sa Almi om brygglånen?" and found["mode"] == DEFAULT_MODE and found["k"] == 3
    top = found["hits"][0]
    assert top["organisation"] == "Almi" and top["date"] in ("2020-12-14", "2021-01-18")
    assert set(top) >= {"rank", "score", "item_id", "text", "date", "meeting", "organisation", "speaker", "section",
                        "title", "decision", "source", "line_start", "line_end", "page", "reason", "citation"}
    assert top["citation"].startswith(f"{top['meeting']}, {top['date']}, {top['source']}, lines ")


def test_search_with_every_filter_and_mode(client):
    def organisations(**params):
        return {hit["organisation"] for hit in ok(client.get("/api/search", params={"q": "brygglånen", "k": 20,
                                                                                   **params}))["hits"]}

    assert organisations(org="almi") == {"Almi"}
    assert organisations(speaker="Blomberg") == {"LRF"}
    dates = lambda **params: {hit["date"] for hit in ok(client.get("/api/search", params={"q": "lån", "k": 50, **params}))["hits"]}  # noqa: E731
    assert dates(since="2021-01-01") == {"2021-01-18"}
    assert dates(until="2020-12-31") == {"2020-12-14"}
    assert dates(meeting="2021-01-18") == {"2021-01-18"}
    assert dates(attendee="Olof Lind") == {"2021-01-18"}
    assert dates(attendee="Lind Olof") == {"2021-01-18"}  # as lists that give the surname first read
    assert dates(org="", speaker="", since="") == {"2020-12-14", "2021-01-18"}  # empty fields are no filter
    for mode in ("dense", "hybrid", "lexical"):
        hits = ok(client.get("/api/search", params={"q": "Almi brygglånen", "mode": mode}))["hits"]
        assert hits and hits[0]["organisation"] == "Almi", mode


def test_item_with_its_neighbours_and_meeting(client):
    top = ok(client.get("/api/search", params={"q": "Almi brygglånen", "meeting": "2020-12-14"}))["hits"][0]
    shown = ok(client.get(f"/api/items/{top['item_id']}", params={"around": 1}))
    assert shown["item"]["item_id"] == top["item_id"] and "citation" in shown["item"]
    assert len(shown["before"]) == 1 and len(shown["after"]) == 1
    assert shown["before"][0]["line_end"] < top["line_start"] < shown["after"][0]["line_start"]
    assert shown["meeting"]["date"] == "2020-12-14" and shown["meeting"]["next_meeting"] == "2021-01-18"


def test_meeting_with_its_items_and_attendance(client):
    found = ok(client.get("/api/meeting", params={"m": "2021-01-18"}))
    assert found["meeting"]["present"] == ["Anna Berg", "Olof Lind"]
    assert found["meeting"]["absent"] == ["Lars Nilsson"]
    assert found["meeting"]["place"] == "Stadshuset, Östersund"
    assert [item["organisation"] for item in found["items"]] == ["Almi", "LRF"]
    by_file = ok(client.get("/api/meeting", params={"m": found["meeting"]["source"]}))
    assert by_file == found
    listed = ok(client.get("/api/meetings"))["meetings"]
    assert [m["date"] for m in listed] == ["2020-12-14", "2021-01-18"]


def test_timeline_parties_stats_and_health(client):
    timeline = ok(client.get("/api/timeline", params={"party": "Almi"}))
    assert timeline["party"] == "Almi" and timeline["query"] is None
    assert [item["date"] for item in timeline["items"]] == ["2020-12-14", "2021-01-18"]
    asked = ok(client.get("/api/timeline", params={"party": "Almi", "q": "förlängts sommaren", "k": 1}))
    assert len(asked["items"]) == 1 and asked["query"] == "förlängts sommaren"
    parties = ok(client.get("/api/parties"))
    almi = next(p for p in parties["organisations"] if p["name"] == "Almi")
    assert almi == {"name": "Almi", "items": 2, "first": "2020-12-14", "last": "2021-01-18"}
    assert any(p["name"] == "Anders Blomberg" for p in parties["speakers"])
    stats = ok(client.get("/api/stats"))
    assert stats["meetings"] == 2 and stats["items"] > 10 and stats["model"] == "hashing" and stats["generation"] == 1
    assert ok(client.get("/api/health")) == {"status": "ok", "generation": 1, "meetings": 2, "items": stats["items"],
                                             "model": "hashing"}


def test_openapi_document_and_its_page(client):
    spec = ok(client.get("/api/openapi.json"))
    assert set(spec["paths"]) == {"/api/health", "/api/search", "/api/items/{item_id}", "/api/meetings",
                                  "/api/meeting", "/api/timeline", "/api/parties", "/api/stats"}
    mode = next(p for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "mode")
    assert mode["schema"]["enum"] == ["dense", "hybrid", "lexical"]
    page = client.get("/api/docs")
    assert page.status_code == 200 and "GET /api/search" in page.text and "/api/openapi.json" in page.text
    assert "cdn" not in page.text.lower()  # works offline: nothing loaded from elsewhere


# -- bad input --------------------------------------------------------------------------------------


def test_bad_input_is_one_line_with_the_command_lines_message(client, run, index):
    assert error(client.get("/api/search", params={"q": "   "}), 400) == "the query is empty"
    assert error(client.get("/api/search"), 400) == "the query is empty"
    assert "less than or equal to 100" in error(client.get("/api/search", params={"q": "lån", "k": 10**12}), 400)
    assert error(client.get("/api/search", params={"q": "lån", "k": 0}), 400).startswith("k:")
    assert error(client.get("/api/search", params={"q": "lån", "k": "many"}), 400).startswith("k:")
    assert "at most 1000" in error(client.get("/api/search", params={"q": "lån " * 400}), 400)
    assert error(client.get("/api/search", params={"q": "lån", "mode": "fuzzy"}), 400).startswith("mode:")
    assert error(client.get("/api/search", params={"q": "lån", "since": "2020-13-01"}), 400) == \
        "since: '2020-13-01' is not a date; give YYYY-MM-DD"
    assert "is after until" in error(client.get("/api/search", params={"q": "lån", "since": "2021-01-01",
                                                                        "until": "2020-01-01"}), 400)
    assert error(client.get("/api/search", params={"q": "lån", "org": "x" * 201}), 400).startswith("org:")
    # An unknown item: the API says what `kb show` says.
    message = error(client.get("/api/items/987654"), 404)
    cli = run("show", "987654", "--index", str(index))
    assert cli.exit_code != 0 and cli.stderr.strip() == f"Error: {message}"
    assert error(client.get("/api/items/-1"), 404).startswith("no item -1 in the index")
    assert error(client.get(f"/api/items/{2**70}"), 404).startswith(f"no item {2**70}")
    assert error(client.get("/api/items/seven"), 400).startswith("item_id:")
    assert "around" in error(client.get("/api/items/1", params={"around": 10**6}), 400)
    assert error(client.get("/api/meeting", params={"m": "1999-01-01"}), 404).startswith("no meeting matches")
    assert error(client.get("/api/meeting"), 400).startswith("no meeting named")
    assert "matches 2 meetings" in error(client.get("/api/meeting", params={"m": "txt"}), 404)
    assert "no organisation or speaker called 'Nobody'" in error(
        client.get("/api/timeline", params={"party": "Nobody"}), 404)
    assert error(client.get("/api/timeline"), 400).startswith("no organisation or person named")
    assert error(client.get("/api/nothing-here"), 404) == "no such page: /api/nothing-here"
    assert error(client.post("/api/search", params={"q": "lån"}), 405) == "POST is not allowed here"


@pytest.mark.parametrize("name", [
    "../../../../etc/passwd", "/etc/passwd", "..%2F..%2Fetc%2Fpasswd", "corpus/../../../etc/passwd", "",
    "2020-12-14_naringslivsdialog.txt",  # a real file's bare name is not how the index knows it
])
def test_source_serves_only_files_the_index_holds(client, name, monkeypatch):
    opened = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k))
    response = client.get("/source", params={"file": name})
    assert response.status_code in (400, 404), response.text
    assert "root:" not in response.text
    assert not any("passwd" in path for path in opened)


def test_source_shows_the_items_lines(client):
    top = ok(client.get("/api/search", params={"q": "Almi brygglånen", "meeting": "2020-12-14"}))["hits"][0]
    page = client.get("/source", params={"file": top["source"], "lines": f"{top['line_start']}-{top['line_end']}"},
                      headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    marked = page.text.split('class="marked"')
    assert len(marked) - 1 == top["line_end"] - top["line_start"] + 1
    assert f'id="L{top["line_start"]}" class="marked"' in page.text and "Brygglånen går ut vid årsskiftet" in page.text
    assert "changed since it was indexed" not in page.text


def test_source_of_a_pdf_is_the_pdf_and_a_changed_file_says_so(kb_factory, tmp_path, serve, index):
    from tests.fixtures.render import write_pdf

    pdf = write_pdf(tmp_path / "corpus" / "2021-02-15.pdf", [THIRD_MINUTES.splitlines()[:2], THIRD_MINUTES.splitlines()[2:]])
    kb = kb_factory(index)
    kb.update(tmp_path / "corpus", progress=False)
    kb.close()
    client = serve()
    hit = ok(client.get("/api/search", params={"q": "exporten trävaror Kina", "k": 1}))["hits"][0]
    assert hit["source"] == str(pdf) and hit["page"] == 2
    served = client.get("/source", params={"file": hit["source"]})
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    assert served.content == pdf.read_bytes()
    text = client.get("/source", params={"file": hit["source"], "view": "text"}, headers={"Accept": "text/html"})
    assert text.status_code == 200 and "Exporten av sågade trävaror" in text.text
    seed = tmp_path / "corpus" / SEED.name
    seed.write_text(seed.read_text(encoding="utf-8") + "\nEn rad till\n", encoding="utf-8")
    changed = client.get("/source", params={"file": str(seed)}, headers={"Accept": "text/html"})
    assert changed.status_code == 200 and "changed since it was indexed" in changed.text
    seed.unlink()
    gone = client.get("/source", params={"file": str(seed)})
    assert gone.status_code == 404 and "indexed but not found" in gone.json()["error"]


# -- access -----------------------------------------------------------------------------------------


def test_token_is_checked_on_every_request(serve):
    client = serve(token="s3cret-token")
    for path in ("/api/health", "/api/search?q=lån", "/", "/static/kb.css", "/api/openapi.json", "/source?file=x"):
        response = client.get(path)
        assert response.status_code == 401, path
    assert "Bearer" in error(client.get("/api/health"), 401)
    assert client.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert ok(client.get("/api/health", headers={"Authorization": "Bearer s3cret-token"}))["status"] == "ok"
    assert ok(client.get("/api/health", params={"token": "s3cret-token"}))["status"] == "ok"
    # A browser opens a page once with ?token=: it gets a cookie, and the token leaves the address.
    opened = client.get("/?q=lån&token=s3cret-token", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/?q=l%C3%A5n"
    assert "httponly" in opened.headers["set-cookie"].lower() and "samesite=strict" in opened.headers["set-cookie"].lower()
    assert client.get("/?q=lån").status_code == 200  # the client kept the cookie
    client.cookies.clear()
    assert client.get("/?q=lån").status_code == 401


def test_without_a_token_only_loopback_names_are_answered(client):
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.2"):
        assert client.get("/api/health", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8000", "192.168.1.5:8000", "127.0.0.1.evil.example"):
        assert "loopback" in error(client.get("/api/health", headers={"Host": host}), 403), host


def test_listening_beyond_loopback_needs_a_token(run, index):
    from kb.errors import KBError
    from kb.server import check_address

    check_address("127.0.0.1", None)
    check_address("::1", None)
    check_address("0.0.0.0", "a-token")
    for host in ("0.0.0.0", "192.168.1.5", "example.org"):
        with pytest.raises(KBError, match="--token"):
            check_address(host, None)
    result = run("serve", "--index", str(index), "--host", "0.0.0.0")
    assert result.exit_code != 0 and result.stderr.count("\n") == 1 and "--token" in result.stderr


def test_security_headers(client):
    response = client.get("/", headers={"Accept": "text/html"})
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


# -- a live index -----------------------------------------------------------------------------------


def test_a_new_generation_is_picked_up_without_a_restart(client, kb_factory, index, tmp_path):
    question = {"q": "exporten trävaror Kina", "k": 1, "speaker": "Karin Berg"}
    assert ok(client.get("/api/search", params=question))["hits"] == []
    before = ok(client.get("/api/health"))["generation"]
    (tmp_path / "corpus" / "2021-02-15.txt").write_text(THIRD_MINUTES, encoding="utf-8")
    writer = kb_factory(index)
    writer.update(tmp_path / "corpus", progress=False)
    hit = ok(client.get("/api/search", params=question))["hits"][0]
    assert hit["date"] == "2021-02-15" and hit["speaker"] == "Karin Berg"
    assert ok(client.get("/api/health"))["generation"] == before + 1
    assert "Karin Berg" in {p["name"] for p in ok(client.get("/api/parties"))["speakers"]}
    # A rebuild numbers the items anew: an old id is gone (never another item), the new one works.
    old_id = hit["item_id"]
    writer.update(tmp_path / "corpus", rebuild=True, progress=False)
    assert error(client.get(f"/api/items/{old_id}"), 404).startswith(f"no item {old_id}")
    hit = ok(client.get("/api/search", params=question))["hits"][0]
    assert ok(client.get(f"/api/items/{hit['item_id']}"))["item"]["speaker"] == "Karin Berg"


def test_an_index_made_anew_under_the_same_name_is_picked_up(client, kb_factory, index, tmp_path):
    import shutil

    assert ok(client.get("/api/stats"))["meetings"] == 2
    shutil.rmtree(index)
    only = tmp_path / "only"
    only.mkdir()
    (only / "2021-02-15.txt").write_text(THIRD_MINUTES, encoding="utf-8")
    kb_factory(index).update(only, progress=False)
    assert ok(client.get("/api/stats"))["meetings"] == 1
    assert ok(client.get("/api/search", params={"q": "exporten Kina", "k": 1}))["hits"][0]["date"] == "2021-02-15"


def test_searches_go_on_while_an_update_holds_the_writer_lock(client, index):
    from kb.locking import writer_lock

    with writer_lock(index / "write.lock", wait=False, log=lambda message: None):
        for _ in range(3):
            assert ok(client.get("/api/search", params={"q": "Almi brygglånen"}))["hits"]
        assert ok(client.get("/api/health"))["status"] == "ok"


def test_concurrent_requests_each_get_a_knowledge_base_of_their_own(serve):
    client = serve(size=3)
    answers, failures = [], []

    def ask(n):
        try:
            for _ in range(5):
                answers.append(ok(client.get("/api/search", params={"q": f"Almi brygglånen {n}", "k": 2})))
        except Exception as e:  # noqa: BLE001 - collected, asserted below
            failures.append(e)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(answers) == 30
    assert all(answer["hits"][0]["organisation"] == "Almi" for answer in answers)


def test_a_slow_request_is_an_error_after_the_timeout(serve, monkeypatch):
    client = serve(timeout=0.3)
    real_search = service.search

    def slow(*args, **kwargs):
        time.sleep(1.5)
        return real_search(*args, **kwargs)

    monkeypatch.setattr(service, "search", slow)
    started = time.monotonic()
    message = error(client.get("/api/search", params={"q": "Almi"}), 504)
    assert message.startswith("the request took longer than 0.3 s") and time.monotonic() - started < 1.4
    monkeypatch.setattr(service, "search", real_search)
    assert ok(client.get("/api/search", params={"q": "Almi brygglånen"}))["hits"]  # the server goes on


def test_an_unexpected_failure_is_one_line_without_a_traceback(client, monkeypatch):
    def broken(kb):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr(service, "parties", broken)
    assert error(client.get("/api/parties"), 500) == "unexpected RuntimeError: something broke; please report it"


# -- pages ------------------------------------------------------------------------------------------


def test_search_page_shows_hits_with_highlighted_words_and_links(client):
    page = client.get("/", params={"q": "Almi brygglånen", "k": 5}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    first = page.text.split("<article", 2)[1]
    assert "<mark>Almi</mark>" in first and "<mark>Brygglånen</mark>" in first
    assert 'href="/timeline?party=Almi"' in first and 'href="/timeline?party=Martin+Hellstr%C3%B6m"' in first
    assert "/meeting?m=" in first and "#item-" in first and "/source?file=" in first and "lines=" in first
    assert "<time" in first


def test_pages_escape_what_the_minutes_and_the_query_hold(client):
    page = client.get("/", params={"q": "<script>alert(1)</script> Almi"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<script>alert" not in page.text and "&lt;script&gt;" in page.text


def test_meeting_and_timeline_pages(client):
    meeting = client.get("/meeting", params={"m": "2021-01-18"}, headers={"Accept": "text/html"})
    assert meeting.status_code == 200
    assert "Anna Berg, Olof Lind" in meeting.text and "Lars Nilsson" in meeting.text
    assert "<dt>Place</dt><dd>Stadshuset, Östersund</dd>" in meeting.text
    assert meeting.text.index("Brygglånen har förlängts") < meeting.text.index("Skogsbruket går starkt")
    timeline = client.get("/timeline", params={"party": "Almi"}, headers={"Accept": "text/html"})
    assert timeline.status_code == 200
    assert timeline.text.index("2020-12-14") < timeline.text.index("2021-01-18")
    listing = client.get("/timeline", headers={"Accept": "text/html"})
    assert listing.status_code == 200 and 'href="/timeline?party=Almi"' in listing.text
    missing = client.get("/meeting", params={"m": "1999-01-01"}, headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "no meeting matches" in missing.text and "<html" in missing.text


def test_page_language_follows_the_browser_and_can_be_switched(client):
    swedish = client.get("/", headers={"Accept": "text/html", "Accept-Language": "sv-SE,sv;q=0.9,en;q=0.8"})
    assert '<html lang="sv">' in swedish.text and ">Sök</button>" in swedish.text and "In English" in swedish.text
    english = client.get("/", headers={"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9,sv;q=0.5"})
    assert '<html lang="en">' in english.text and ">Search</button>" in english.text
    assert '<html lang="en">' in client.get("/", headers={"Accept": "text/html", "Accept-Language": "de"}).text
    switched = client.get("/", params={"lang": "en"}, headers={"Accept": "text/html", "Accept-Language": "sv"})
    assert '<html lang="en">' in switched.text and "kb_lang=en" in switched.headers["set-cookie"]
    kept = client.get("/", headers={"Accept": "text/html", "Accept-Language": "sv"})
    assert '<html lang="en">' in kept.text  # the choice is remembered over the browser's


def test_accept_language_weights():
    from kb.server.i18n import from_accept_language

    assert from_accept_language("sv-SE,sv;q=0.9,en;q=0.8") == "sv"
    assert from_accept_language("en-GB;q=0.8,sv;q=0.95") == "sv"
    assert from_accept_language("de-DE,de;q=0.9") is None
    assert from_accept_language("sv;q=0,en") == "en"
    assert from_accept_language("sv;q=nonsense") is None
