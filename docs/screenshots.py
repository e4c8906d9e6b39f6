"""The README's screenshots of `kb serve`, taken in headless Chromium (Debian's; see tests/browser.py).

The index: the seed minutes (corpus/) and the ten annual meetings of the Långasand association
(eval/corpora/langasand-arsmote, real minutes; see its PROVENANCE.md), indexed with the real model.
Pictures: the search page with "what did Almi say about bridge loans", the meeting view opened
from its first hit (in Swedish), a timeline of one person across the annual meetings, and the
search page on a phone-sized screen.

    .venv/bin/python docs/screenshots.py          # writes docs/serve-*.png
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chromium, chromium_path, kb_serve  # noqa: E402

QUESTION = "what did Almi say about bridge loans"
PERSON = "Börje Tönsgård"


def main() -> None:
    from kb import KnowledgeBase

    work = Path(tempfile.gettempdir()) / "kb-screens"  # kept: a second run indexes nothing new
    minutes = work / "minutes"
    (minutes / "langasand").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "corpus" / "2020-12-14_naringslivsdialog.txt", minutes)
    for path in sorted((ROOT / "eval" / "corpora" / "langasand-arsmote").glob("*.docx")):
        shutil.copy(path, minutes / "langasand" / path.name)
    os.chdir(work)  # sources are recorded as given (minutes/...), and kb serve reads them from here
    with KnowledgeBase(work / "index", log=lambda message: None) as kb:
        kb.update(Path("minutes"), progress=False)
    executable = chromium_path()
    if executable is None:
        sys.exit("Chromium is missing: apt-get install -y chromium")
    with kb_serve(work / "index", work) as address, chromium(executable) as browser:
        desktop = browser.new_context(locale="en-GB", viewport={"width": 1000, "height": 820})
        page = desktop.new_page()
        page.goto(address + "?" + f"q={QUESTION.replace(' ', '+')}&k=5")
        page.wait_for_selector("ol.hits article")
        shot(page, "serve-search.png")

        page.locator("ol.hits article").first.locator("a.meeting").click()
        page.wait_for_url("**/meeting?**")
        page.get_by_role("link", name="På svenska").click()
        page.wait_for_load_state()
        page.evaluate("document.querySelector(location.hash).scrollIntoView({block: 'center'})")
        shot(page, "serve-meeting.png")
        page.get_by_role("link", name="In English").click()

        page.goto(address + f"timeline?party={PERSON.replace(' ', '+')}")
        page.wait_for_selector("ol.timeline article")
        shot(page, "serve-timeline.png")
        desktop.close()

        phone = browser.new_context(locale="sv-SE", viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                    is_mobile=True, has_touch=True)
        page = phone.new_page()
        page.goto(address + "?" + f"q={QUESTION.replace(' ', '+')}&k=5")
        page.wait_for_selector("ol.hits article")
        shot(page, "serve-phone.png")
        phone.close()


def shot(page, name: str) -> None:
    path = ROOT / "docs" / name
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
