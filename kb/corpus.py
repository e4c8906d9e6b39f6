"""Which files of a corpus folder are minutes to index, and which are skipped and why.

The walk never leaves the corpus unless asked: a symbolic link whose target lies outside the
corpus folder is skipped with a line saying so (`follow_symlinks=True`, `kb index
--follow-symlinks`, follows it), so a link to a private file cannot put its text into an index
others may read. Links inside the corpus are followed (a link to a file is then the same content
twice, which the update indexes once); links to folders inside it are not (their files are indexed
where they are). Link loops, broken links, FIFOs, sockets and devices, names that are not valid
UTF-8 and hidden names that look like minutes are listed as skipped, never opened. Hidden folders
(.git) and files the corpus's .kbignore names are passed over silently.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KBError
from kb.readers import is_supported

IGNORE_FILE = ".kbignore"


@dataclass(frozen=True)
class CorpusFile:
    path: Path  # what to read: the file, or for a followed link the file it points to
    link: bool  # reached through a symbolic link


@dataclass
class CorpusListing:
    files: dict[str, CorpusFile]  # by the name the index knows it by (corpus/sub/file.txt)
    skipped: list[dict]  # {"file", "problem"}


def list_corpus(corpus: Path, follow_symlinks: bool = False) -> CorpusListing:
    listing = CorpusListing({}, [])
    root = corpus.resolve()
    ignored = ignore_patterns(corpus)
    seen = {_identity(root)}
    stack = [(corpus, False)]  # folders to list, and whether they were reached through a link
    while stack:
        folder, through_link = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name, reverse=True)
        except OSError as e:
            listing.skipped.append({"file": display_name(folder), "problem": f"cannot read the folder: {e.strerror or e}"})
            continue
        for entry in entries:
            _visit(corpus, root, Path(entry.path), entry, ignored, follow_symlinks, seen, stack, listing, through_link)
    listing.files = dict(sorted(listing.files.items()))
    listing.skipped.sort(key=lambda skip: skip["file"])
    return listing


def files_to_add(paths: list[str | Path]) -> CorpusListing:
    """Files named one by one (`kb add`): each must be a file; one of a type kb does not read is
    listed as skipped, as in a corpus folder."""
    listing = CorpusListing({}, [])
    for given in paths:
        path = Path(given)
        if not path.is_file():
            problem = "a folder; `kb index FOLDER` indexes a folder" if path.is_dir() else "no such file"
            raise KBError(f"{display_name(path)}: {problem}")
        if not is_supported(path):
            listing.skipped.append({"file": display_name(path), "problem": f"unsupported file type {path.suffix or '(none)'}"})
            continue
        listing.files[path.as_posix()] = CorpusFile(path, path.is_symlink())
    return listing


def _visit(corpus, root, path, entry, ignored, follow_symlinks, seen, stack, listing, through_link) -> None:
    name = entry.name
    rel = path.as_posix()

    def skip(problem: str) -> None:
        listing.skipped.append({"file": display_name(path), "problem": problem})

    if name == IGNORE_FILE:
        return
    if name.startswith("."):
        if name.startswith("..") or (is_supported(path) and not entry.is_dir()):
            skip("hidden (its name starts with '.'); rename it to index it")
        return
    relative = path.relative_to(corpus).as_posix()
    if any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in ignored):
        return
    if display_name(path) != rel:
        skip("the file name is not valid UTF-8; rename it to index it")
        return
    link = entry.is_symlink()
    target = path
    if link:
        try:
            target = path.resolve(strict=True)
        except FileNotFoundError:
            skip(f"broken symbolic link (to {display_name(Path(os.readlink(path)))})")
            return
        except (RuntimeError, OSError) as e:  # Python raises RuntimeError for a loop, or OSError ELOOP
            skip("symbolic link loop" if isinstance(e, RuntimeError) or getattr(e, "errno", None) == errno.ELOOP
                 else f"cannot follow the link: {getattr(e, 'strerror', None) or e}")
            return
        if not target.is_relative_to(root) and not follow_symlinks:
            skip(f"symbolic link to {display_name(target)}, outside the corpus; kb index --follow-symlinks follows it")
            return
    try:
        info = os.stat(target)
    except OSError as e:
        skip(f"cannot read: {e.strerror or e}")
        return
    if stat.S_ISDIR(info.st_mode):
        if link and target.is_relative_to(root):
            skip("link to a folder inside the corpus; its files are indexed where they are")
        elif _identity(target, info) in seen:
            skip("link to a folder already listed (a loop)")
        else:
            seen.add(_identity(target, info))
            stack.append((path, link or through_link))
        return
    if not stat.S_ISREG(info.st_mode):
        skip(f"not a regular file ({_kind(info.st_mode)})")
        return
    if not is_supported(path):
        skip(f"unsupported file type {path.suffix or '(none)'}")
        return
    listing.files[rel] = CorpusFile(target if link else path, link or through_link)


def _identity(path: Path, info: os.stat_result | None = None) -> tuple[int, int]:
    info = info or os.stat(path)
    return info.st_dev, info.st_ino


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def display_name(path: Path | str) -> str:
    """The path as text that can be stored and printed: bytes that are not UTF-8 (kept by
    Python as surrogates) shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def ignore_patterns(corpus: Path) -> list[str]:
    """Glob patterns, one a line, of files in the corpus that are not minutes (notes, licences):
    matched against the path inside the corpus and against the file name."""
    path = corpus / IGNORE_FILE
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
