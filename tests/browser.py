"""A real `kb serve` and a real headless Chromium, for the page's browser test and the README's
screenshots (docs/screenshots.py).

Chromium is Debian's (/usr/bin/chromium, `apt-get install -y chromium`; .ci/run installs it),
driven by Playwright's Python API; Playwright's own browser download is not used (it cannot be
fetched here). Chromium is started with a fresh profile and without its background traffic
(updates, sync, QUIC), which it would otherwise try at once and which this machine refuses.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def kb_serve(index_dir: Path, cwd: Path = ROOT, *extra: str, env: dict | None = None) -> Iterator[str]:
    """`kb serve --index index_dir --port 0` in a new process, as a user starts it; yields its
    address (from the line it prints) and stops it at the end."""
    process = subprocess.Popen([sys.executable, "-m", "kb", "serve", "--index", str(index_dir), "--port", "0", *extra],
                               cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    try:
        deadline, seen = time.monotonic() + 120, []
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                raise RuntimeError(f"kb serve stopped: {''.join(seen)}")
            seen.append(line)
            found = re.search(r"at (http://\S+?/) ", line)
            if found:
                break
        else:
            raise RuntimeError(f"kb serve did not start in 120 s: {''.join(seen)}")
        yield found.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def chromium(executable: str) -> Iterator:
    """A headless Chromium (Playwright's Browser) on Debian's binary, with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
