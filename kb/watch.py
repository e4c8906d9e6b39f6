"""`kb watch`: keep the index in step with a corpus folder while minutes come and go.

The library does the work (`KnowledgeBase.update`); this only waits for the folder to settle (no
event and no file changing size for a while), so a file still being copied or saved is read once,
whole, instead of half-written. A file that cannot be read is skipped by the update and never
stops the watch; an update that fails as a whole (a full disk) is reported, and the next change
tries again.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from kb.errors import KBError, NoIndexError
from kb.knowledge_base import KnowledgeBase, UpdateSummary

QUIET_SECONDS = 1.5
POLL_SECONDS = 0.2
# Every update reads the files, which raises "opened" and "closed_no_write": those are not changes.
CHANGES = {"created", "modified", "deleted", "moved", "closed"}


class _LastChange(FileSystemEventHandler):
    """When the corpus last changed (ignoring the index folder, should it live inside)."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir.resolve()
        self.at: float | None = None

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in CHANGES and not Path(event.src_path).resolve().is_relative_to(self.index_dir):
            self.at = time.monotonic()


def watch(
    kb: KnowledgeBase,
    corpus: str | Path,
    on_update: Callable[[UpdateSummary], None],
    stop: threading.Event | None = None,
    quiet: float = QUIET_SECONDS,
    follow_symlinks: bool = False,
) -> None:
    """Update now, then after each change once the corpus has been quiet for `quiet` seconds.

    Runs until `stop` is set or KeyboardInterrupt; an update cut short leaves the old index intact.
    """
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise NoIndexError(f"{corpus}: no such corpus folder")
    stop = stop or threading.Event()
    changes = _LastChange(kb.index_dir)
    observer = Observer()
    observer.schedule(changes, str(corpus), recursive=True)
    observer.start()
    try:
        handled = changes.at  # before the first update, so that changes during it are seen
        on_update(kb.update(corpus, progress=False, follow_symlinks=follow_symlinks))
        sizes, steady_since = None, 0.0
        while not stop.wait(POLL_SECONDS):
            latest = changes.at
            if latest == handled:
                continue
            now = _sizes(corpus)
            if now != sizes:
                sizes, steady_since = now, time.monotonic()
            if time.monotonic() - max(latest, steady_since) < quiet:
                continue
            handled = latest
            try:
                summary = kb.update(corpus, progress=False, follow_symlinks=follow_symlinks)
            except KBError as e:
                kb.log(f"warning: this update failed, the index holds the last finished one: {e}")
                continue
            on_update(summary)
    finally:
        observer.stop()
        observer.join()


def _sizes(corpus: Path) -> dict[Path, tuple[int, int]]:
    """Size and modification time of every file: both move while a file is being written."""
    sizes = {}
    for path in corpus.rglob("*"):
        try:
            stat = path.stat()
        except OSError:  # removed while we looked
            continue
        sizes[path] = (stat.st_size, stat.st_mtime_ns)
    return sizes
