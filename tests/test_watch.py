"""`kb watch`: the index follows the corpus folder, reading a file only once it has stopped changing.
On the fake "hashing" embedder."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

from kb.watch import watch
from tests.conftest import ROOT, SEED, seed_variant

NEW_MINUTES = "Anteckningar näringslivsdialog 18 januari 2021\n\n▪ LRF, Anders Blomberg\n– Skogsbruket går starkt\n"
WAIT = 30  # seconds before a test gives up waiting for an update; never reached when all is well


class Watching:
    """`watch` in a thread; its updates come out of a queue."""

    def __init__(self, kb, corpus, quiet):
        self.updates = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=watch, args=(kb, corpus, self.updates.put, self.stop, quiet))
        self.thread.start()

    def next(self):
        return self.updates.get(timeout=WAIT)

    def close(self):
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


def test_watch_follows_files_added_changed_and_removed(kb_factory, corpus):
    kb = kb_factory()
    watching = Watching(kb, corpus, quiet=0.3)
    try:
        assert watching.next().items_total == 18  # brought up to date at start
        (corpus / "copy.txt").write_text(seed_variant(), encoding="utf-8")
        assert watching.next().added == [f"{corpus}/copy.txt"]
        (corpus / "copy.txt").write_text(NEW_MINUTES, encoding="utf-8")
        changed = watching.next()
        assert changed.changed == [f"{corpus}/copy.txt"] and changed.items_total == 19
        (corpus / "copy.txt").unlink()
        removed = watching.next()
        assert removed.removed == [f"{corpus}/copy.txt"] and removed.items_total == 18
    finally:
        watching.close()
    assert kb.check().ok


def test_a_file_still_being_written_is_read_once_it_is_whole(kb_factory, corpus):
    kb = kb_factory()
    watching = Watching(kb, corpus, quiet=1.0)
    try:
        watching.next()
        lines = seed_variant().splitlines(keepends=True)
        with open(corpus / "slow.txt", "w", encoding="utf-8") as f:
            for start in range(0, len(lines), len(lines) // 8):
                f.write("".join(lines[start : start + len(lines) // 8]))
                f.flush()
                time.sleep(0.1)
        update = watching.next()
        assert update.added == [f"{corpus}/slow.txt"] and update.items_total == 36
        assert watching.updates.empty()
    finally:
        watching.close()


def test_the_command_picks_up_a_copied_file_and_stops_cleanly_on_ctrl_c(tmp_path, corpus):
    env = {**os.environ, "KB_MODEL": "hashing", "KB_INDEX": str(tmp_path / "index")}
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "watch", str(corpus), "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        first = json.loads(lines.get(timeout=WAIT))
        assert first["added"] == [f"{corpus}/{SEED.name}"] and first["items_total"] == 18
        (corpus / "copied.txt").write_text(seed_variant(), encoding="utf-8")
        second = json.loads(lines.get(timeout=WAIT))
        assert second["added"] == [f"{corpus}/copied.txt"] and second["items_total"] == 36
        process.send_signal(signal.SIGINT)
        assert process.wait(WAIT) == 0
    finally:
        process.kill()
    stderr = process.stderr.read()
    assert "watching" in stderr and "stopped" in stderr and "Traceback" not in stderr
