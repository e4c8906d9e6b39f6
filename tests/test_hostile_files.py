"""Hostile and odd files in the corpus (issue 10, items 1-7, 23, 24): links out of the corpus are not
followed unless asked, the index is for its owner only, kb writes through no link and deletes only
what it made, one bad file never stops the rest, every file costs at most what the limits allow, and
whatever is skipped is listed once, by name, with the reason. Every file is made here, small."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import stat
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest

from kb import KnowledgeBase, Limits
from kb.readers import DEFAULT_LIMITS, read_document
from tests.conftest import SEED

SECRET = "Hemligt lösenord bläckfisk 4711"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def problems(summary) -> dict[str, str]:
    return {Path(skip["file"]).name: skip["problem"] for skip in summary.skipped}


@contextmanager
def deadline(seconds: int = 60):
    """Fail instead of hanging (a FIFO opened for reading would wait for a writer for ever)."""
    def expired(*_):
        raise TimeoutError("kb hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, change) -> bytes:
    """The .docx with `change(name, content) -> content` applied to its members, and any extra
    members `change(None, None)` returns as a dict."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, content in (change(None, None) or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def pdf_with_stream(content: bytes, flate: bool = False) -> bytes:
    """A one-page PDF whose page content stream is `content` (deflated with flate)."""
    stream = zlib.compress(content, 9) if flate else content
    filters = b" /Filter /FlateDecode" if flate else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


TEXT_PAGE = b"BT /F1 12 Tf 72 720 Td (Protokoll 2024-01-15) Tj 0 -20 Td (Almi, Martin Hellstrom) Tj ET"


# -- 1. links out of the corpus, and an index for its owner only --------------------------------


def test_a_link_out_of_the_corpus_is_skipped_unless_asked_for(kb_factory, corpus, tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    (private / "shadow.txt").write_text(f"Protokoll 2024-01-15\n\n▪ Almi, Martin Hellström\n– {SECRET}\n", encoding="utf-8")
    (corpus / "s.txt").symlink_to(private / "shadow.txt")
    (corpus / "outside").symlink_to(private, target_is_directory=True)
    kb = kb_factory()
    summary = kb.update(corpus, progress=False)
    found = problems(summary)
    assert found["s.txt"] == f"symbolic link to {private}/shadow.txt, outside the corpus; kb index --follow-symlinks follows it"
    assert found["outside"].startswith("symbolic link to") and "outside the corpus" in found["outside"]
    assert summary.added == [f"{corpus}/{SEED.name}"]
    assert not any("bläckfisk" in hit.text for hit in kb.search("bläckfisk lösenord", k=50, mode="lexical"))

    followed = kb.update(corpus, progress=False, follow_symlinks=True)
    assert f"{corpus}/s.txt" in followed.added  # the link and the folder link hold the same text:
    assert problems(followed) == {"shadow.txt": f"same content as {corpus}/s.txt; indexed once, there"}
    assert "bläckfisk" in kb.search("bläckfisk lösenord", k=1, mode="lexical")[0].text


def test_a_link_inside_the_corpus_is_followed(kb_factory, corpus):
    (corpus / "sub").mkdir()
    (corpus / "sub" / "other.txt").write_text("Protokoll 2024-01-15\n\n▪ LRF, Anders Blomberg\n– Skogen växer\n", encoding="utf-8")
    (corpus / "alias.txt").symlink_to(corpus / "sub" / "other.txt")
    (corpus / "subalias").symlink_to(corpus / "sub", target_is_directory=True)
    summary = kb_factory().update(corpus, progress=False)
    assert sorted(summary.added) == [f"{corpus}/{SEED.name}", f"{corpus}/sub/other.txt"]
    assert problems(summary) == {
        "alias.txt": f"same content as {corpus}/sub/other.txt; indexed once, there",
        "subalias": "link to a folder inside the corpus; its files are indexed where they are",
    }


def test_the_index_is_for_its_owner_only_and_a_shared_one_stays_shared(kb_factory, corpus, tmp_path):
    old_umask = os.umask(0o022)
    try:
        kb = kb_factory()
        kb.update(corpus, progress=False)
    finally:
        os.umask(old_umask)
    mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
    assert mode(kb.index_dir) == 0o700
    modes = {path.name: mode(path) for path in kb.index_dir.iterdir()}
    assert {"kb.sqlite", "vectors.1.faiss", "write.lock"} <= set(modes)  # and SQLite's -wal and -shm while open
    assert set(modes.values()) == {0o600}
    (kb.index_dir / "kb.sqlite").chmod(0o640)  # the owner shares it with the group
    (corpus / "new.txt").write_text("Protokoll 2024-02-01\n\n▪ LRF, Anders Blomberg\n– Skogen växer\n", encoding="utf-8")
    kb.update(corpus, progress=False)
    assert mode(kb.index_dir / "vectors.2.faiss") == 0o640


# -- 2. no writing through links, no deleting what kb did not make -------------------------------


def test_links_planted_in_the_index_folder_are_never_written_through_nor_deleted(kb_factory, corpus, tmp_path):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    index = kb.index_dir
    for name in ("vectors.2.faiss.tmp", "vectors.2.faiss.x.tmp", "vectors.9.faiss"):
        (index / name).symlink_to(victim)
    (index / "vectors.notes").write_text("not kb's")
    (index / "vectors.7.faiss").write_bytes(b"left by an interrupted update")
    (corpus / "new.txt").write_text("Protokoll 2024-02-01\n\n▪ LRF, Anders Blomberg\n– Skogen växer\n", encoding="utf-8")
    kb.update(corpus, progress=False)
    assert victim.read_text() == "precious\n"
    names = sorted(path.name for path in index.iterdir() if not path.name.startswith("kb.sqlite-"))
    assert names == ["kb.sqlite", "vectors.2.faiss", "vectors.2.faiss.tmp", "vectors.2.faiss.x.tmp",
                     "vectors.9.faiss", "vectors.notes", "write.lock"]
    assert not (index / "vectors.2.faiss").is_symlink()
    assert kb_factory(index).check().ok


def test_a_lock_file_or_store_journal_planted_as_a_link_is_refused_not_written(run, corpus, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    index = tmp_path / "index"
    index.mkdir()
    (index / "write.lock").symlink_to(victim)
    result = run("index", str(corpus))
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "write.lock is a symbolic link, which kb never makes; remove it" in result.stderr
    assert victim.read_text() == "precious\n"
    (index / "write.lock").unlink()
    (index / "kb.sqlite-wal").symlink_to(victim)
    result = run("index", str(corpus))
    assert result.exit_code == 1 and "kb.sqlite-wal is a symbolic link" in result.stderr
    assert victim.read_text() == "precious\n"


# -- 3. one bad file never stops the rest --------------------------------------------------------


def test_hostile_files_are_skipped_by_name_and_the_rest_is_indexed(run, corpus, tmp_path):
    depth = 100_000
    deep = pdf_with_stream(TEXT_PAGE + b" " + b"[" * depth + b"]" * depth)
    (corpus / "deep.pdf").write_bytes(deep)
    long_node = docx_bytes(["Protokoll", "Almi, Martin Hellström"])
    long_node = rezip(long_node, lambda name, content: content if name != "word/document.xml"
                      else content.replace(b"<w:t>Protokoll</w:t>", b"<w:t>" + b"a" * (11 * 2**20) + b"</w:t>"))
    (corpus / "huge-node.docx").write_bytes(long_node)
    (corpus / os.fsdecode(b"bad\xffname.txt")).write_text("Protokoll 2024-01-15\n\n▪ Almi, Martin\n– Lån\n", encoding="utf-8")
    result = run("index", str(corpus), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    skipped = {Path(skip["file"]).name: skip["problem"] for skip in summary["skipped"]}
    assert skipped["bad\\xffname.txt"] == "the file name is not valid UTF-8; rename it to index it"
    assert skipped["huge-node.docx"].startswith("unreadable Word file: ")
    assert f"{corpus}/{SEED.name}" in summary["added"]
    assert "deep.pdf" in skipped or f"{corpus}/deep.pdf" in summary["added"]  # read or refused, never fatal
    again = run("index", str(corpus))
    assert again.exit_code == 0 and "skipped: " in again.stdout and "bad\\xffname.txt" in again.stdout
    assert "Traceback" not in again.output


def test_any_failure_of_a_reader_skips_that_file_only(kb_factory, corpus, monkeypatch):
    import kb.pipeline as module

    real = module.read_document
    (corpus / "recursive.txt").write_text("Protokoll\n\nnågot\n", encoding="utf-8")
    (corpus / "broken.txt").write_text("Protokoll\n\nannat\n", encoding="utf-8")
    (corpus / "memory.txt").write_text("Protokoll\n\ntredje\n", encoding="utf-8")

    def failing(path, *args, **kwargs):
        if path.name == "recursive.txt":
            raise RecursionError("maximum recursion depth exceeded")
        if path.name == "broken.txt":
            raise KeyError("/Root")
        if path.name == "memory.txt":
            raise MemoryError()
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, "read_document", failing)
    summary = kb_factory().update(corpus, progress=False)
    assert problems(summary) == {
        "recursive.txt": "unreadable: its structure nests too deeply",
        "broken.txt": "unreadable (KeyError: '/Root')",
        "memory.txt": "too large to read in the memory there is",
    }
    assert summary.added == [f"{corpus}/{SEED.name}"] and summary.items_total == 18


def test_watch_goes_on_past_bad_files_and_failed_updates(kb_factory, corpus, monkeypatch):
    import threading

    from kb.errors import DiskFullError
    from kb.watch import watch

    kb = kb_factory()
    updates, stop, calls = [], threading.Event(), []
    real_update = KnowledgeBase.update

    def update(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DiskFullError("disk full while writing index/kb.sqlite")
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(KnowledgeBase, "update", update)

    def changes():
        import time

        while len(updates) < 1:
            time.sleep(0.05)
        (corpus / "bad.docx").write_bytes(b"PK\x03\x04 not a zip at all")
        time.sleep(1.0)
        (corpus / "good.txt").write_text("Protokoll 2024-02-01\n\n▪ LRF, Anders Blomberg\n– Skogen växer\n", encoding="utf-8")
        deadline_at = time.monotonic() + 30
        while len(updates) < 2 and time.monotonic() < deadline_at:
            time.sleep(0.05)
        stop.set()

    threading.Thread(target=changes, daemon=True).start()
    with deadline(60):
        watch(kb, corpus, updates.append, stop=stop, quiet=0.3)
    assert len(calls) >= 3  # the second update failed, the watch went on
    last = updates[-1]
    assert f"{corpus}/good.txt" in last.added or f"{corpus}/good.txt" in last.unchanged
    assert "bad.docx" in problems(last)


# -- 4. limits per file ----------------------------------------------------------------------------


def test_the_default_limits_are_sane():
    assert 64 * 2**20 <= DEFAULT_LIMITS.max_file_bytes <= 2**30
    assert 10**6 <= DEFAULT_LIMITS.max_text_chars <= 5 * 10**7


def test_a_word_zip_bomb_and_a_flood_of_paragraphs_are_refused_before_parsing(kb_factory, corpus):
    limits = Limits(max_file_bytes=8 * 2**20, max_text_chars=100_000)
    plain = docx_bytes(["Protokoll 2024-01-15", "Almi, Martin Hellström", "Brygglånen"])
    bomb = rezip(plain, lambda name, content: {"word/media/image1.png": b"\0" * (20 * 2**20)} if name is None else content)
    assert len(bomb) < 200_000
    (corpus / "bomb.docx").write_bytes(bomb)
    paragraphs = "".join(f"<w:p><w:r><w:t>Stycke {n} om ingenting</w:t></w:r></w:p>" for n in range(30_000)).encode()
    flood = rezip(plain, lambda name, content: content if name != "word/document.xml"
                  else content.replace(b"<w:body>", b"<w:body>" + paragraphs))
    (corpus / "flood.docx").write_bytes(flood)
    (corpus / "fine.docx").write_bytes(plain)
    kb = KnowledgeBase(kb_factory().index_dir, model="hashing", log=lambda m: None, limits=limits)
    try:
        summary = kb.update(corpus, progress=False)
    finally:
        kb.close()
    found = problems(summary)
    assert re.fullmatch(r"unpacks to 2\d MB, over the limit of 8 MB per file \(kb index --max-file-mb\)", found["bomb.docx"])
    assert found["flood.docx"].startswith("more than 100,000 characters of text (")
    assert found["flood.docx"].endswith("the limit per file (kb index --max-text-mb)")
    assert f"{corpus}/fine.docx" in summary.added


def test_a_pdf_stream_that_inflates_past_the_limit_is_refused(tmp_path):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(pdf_with_stream(TEXT_PAGE + b" " + b"%" + b" " * (20 * 2**20) + b"\n", flate=True))
    assert path.stat().st_size < 100_000
    with pytest.raises(Exception) as caught:
        read_document(path, limits=Limits(max_file_bytes=8 * 2**20))
    assert str(caught.value) == (f"{path}: a compressed stream in it unpacks to more than 8 MB, the limit "
                                 "(kb index --max-file-mb)")
    small = tmp_path / "small.pdf"
    small.write_bytes(pdf_with_stream(TEXT_PAGE, flate=True))
    assert [line.text for line in read_document(small).lines if line.text] == ["Protokoll 2024-01-15", "Almi, Martin Hellstrom"]


def test_text_past_the_limit_and_files_past_the_size_limit_are_refused(tmp_path):
    from fpdf import FPDF

    from kb.errors import DocumentError

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    for page in range(10):
        pdf.add_page()
        pdf.cell(0, 6, f"Punkt {page}: Almi rapporterar om brygglån och likviditet i länet", new_x="LMARGIN", new_y="NEXT")
    long_pdf = tmp_path / "long.pdf"
    pdf.output(str(long_pdf))
    with pytest.raises(DocumentError, match=r"more than 200 characters of text by page 4, the limit per file"):
        read_document(long_pdf, limits=Limits(max_text_chars=200))
    text = tmp_path / "long.txt"
    text.write_text("Protokoll\n\n" + "ord " * 1000, encoding="utf-8")
    with pytest.raises(DocumentError, match="more than 1,000 characters of text, the limit per file"):
        read_document(text, limits=Limits(max_text_chars=1000))
    with pytest.raises(DocumentError, match=r"too large: 4,011 bytes, over the limit of 1,000 bytes per file"):
        read_document(text, limits=Limits(max_file_bytes=1000))


def test_the_limits_are_set_on_the_command_line(run, corpus):
    (corpus / "big.txt").write_text("Protokoll 2024-01-15\n\n" + "Almi sade något om lån. " * 50_000, encoding="utf-8")
    result = run("index", str(corpus), "--max-text-mb", "1", "--json")
    skipped = json.loads(result.stdout)["skipped"]
    assert skipped == [{"file": f"{corpus}/big.txt", "problem": "more than 1,000,000 characters of text, the limit per "
                                                                "file (kb index --max-text-mb)"}]
    result = run("index", str(corpus), "--max-file-mb", "1", "--json")
    assert json.loads(result.stdout)["skipped"][0]["problem"].startswith("too large: 1 MB, over the limit of 1 MB")


# -- 5. a file with text but no items says so ------------------------------------------------------


def test_a_pdf_whose_lines_are_all_page_furniture_is_skipped_saying_why(run, corpus, tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    for page in range(30):
        pdf.add_page()
        pdf.cell(0, 6, "Kommunstyrelsen protokoll 2024-03-18", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 6, f"Sida {page + 1} av 30", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(corpus / "furniture.pdf"))
    result = run("index", str(corpus))
    assert (f"skipped: {corpus}/furniture.pdf: no items found in its 60 line(s) of text "
            "(60 repeat on its pages as page headers and footers do)") in result.stdout


# -- 6. decoding -----------------------------------------------------------------------------------


def test_utf8_with_stray_bytes_and_nuls_late_in_the_file_keeps_its_utf8_and_loses_its_nuls(kb_factory, corpus):
    head = "Protokoll 2024-01-15\n\n" + "".join(f"▪ Almi, Martin Hellström\n– Punkt {n} för företagen i länet\n" for n in range(200))
    assert len(head.encode()) > 8192
    tail = "▪ LRF, Anders Blomberg\n– Skogsbruket går starkt för bönderna".encode() + b" \x96 h\xf6ga priser\x00\x00\n"
    (corpus / "mixed.txt").write_bytes(head.encode() + tail)
    kb = kb_factory()
    summary = kb.update(corpus, progress=False)
    assert f"{corpus}/mixed.txt" in summary.added
    texts = [hit.text for hit in kb.search("skogsbruket bönderna", k=3, mode="lexical")]
    assert "Skogsbruket går starkt för bönderna – höga priser" in texts[0]
    rows = kb.store.db.execute("SELECT text FROM items").fetchall()
    assert not any("\x00" in row[0] or "Ã" in row[0] for row in rows)


def test_utf16_with_a_byte_order_mark_is_read():
    from kb.readers.text import decode_text

    text = "Protokoll 2024-01-15\n\nFörslag till beslut\n"
    assert decode_text(Path("x.txt"), text.encode("utf-16")) == text
    assert decode_text(Path("x.txt"), "Mötet öppnades\n".encode("mac_roman")) == "Mötet öppnades\n"


# -- 7. what is not a plain file is listed, never opened -------------------------------------------


def test_fifos_link_loops_broken_links_and_dot_dot_names_are_listed_as_skipped(run, corpus):
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "dangling.txt").symlink_to(corpus / "nowhere.txt")
    (corpus / "..minutes.txt").write_text("Protokoll\n\nnågot\n", encoding="utf-8")
    (corpus / ".draft.md").write_text("# Protokoll\n\nnågot\n", encoding="utf-8")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD.txt").write_text("ref\n")
    with deadline(60):
        result = run("index", str(corpus), "--json")
    skipped = {Path(skip["file"]).name: skip["problem"] for skip in json.loads(result.stdout)["skipped"]}
    assert skipped == {
        "pipe.txt": "not a regular file (a FIFO)",
        "loop.txt": "symbolic link loop",
        "dangling.txt": f"broken symbolic link (to {corpus}/nowhere.txt)",
        "..minutes.txt": "hidden (its name starts with '.'); rename it to index it",
        ".draft.md": "hidden (its name starts with '.'); rename it to index it",
    }


# -- 24. each skip once, no library chatter, a line per file ---------------------------------------


def test_each_skip_is_printed_once_and_each_file_on_its_own_line(run, corpus, capfd):
    (corpus / "2021-01-18.txt").write_text("Protokoll 2021-01-18\n\n▪ LRF, Anders Blomberg\n– Skogen växer\n", encoding="utf-8")
    (corpus / "notes.xlsx").write_bytes(b"whatever")
    (corpus / "bad-header.pdf").write_bytes(b"garbage before the header\n" + pdf_with_stream(TEXT_PAGE)[:-6])
    (corpus / "no-eof.pdf").write_bytes(pdf_with_stream(TEXT_PAGE).replace(b"%%EOF", b""))
    result = run("index", str(corpus))
    captured = capfd.readouterr()
    assert result.stdout.count("notes.xlsx") == 1 and "notes.xlsx" not in result.stderr
    lines = result.stdout.splitlines()
    assert f"added: {corpus}/2020-12-14_naringslivsdialog.txt" in lines and f"added: {corpus}/2021-01-18.txt" in lines
    assert result.stderr == "" and captured.err == ""  # neither kb's warnings nor pdfminer's
