"""The `kb serve` page in a real headless Chromium (Debian's, driven by Playwright), over the seed
minutes indexed with the real model (the session's shared index), served by `kb serve` started as
a user starts it.

A person asks "what did Almi say about bridge loans", sees Almi's item first with its date,
follows the link to the meeting view, opens the source at the item's lines, follows Almi to its
timeline and switches the language; with the keyboard alone; and on a phone-sized screen.

Chromium missing: in CI (CI=true) the test fails, saying how to install it (.ci/run installs it,
so a failure there means the install broke); elsewhere it is skipped with that reason, so a
developer without Chromium can still run the rest of the suite.
"""

import os

import pytest

from tests.browser import chromium, chromium_path, kb_serve

pytestmark = pytest.mark.model
QUESTION = "what did Almi say about bridge loans"


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser test: .ci/run installs both)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the playwright package is missing: pip install -e '.[test]'")
    executable = chromium_path()
    if executable is None:
        _missing("Chromium is missing: apt-get install -y chromium")
    with chromium(executable) as launched:
        yield launched


@pytest.fixture(scope="module")
def server(real_kb):
    with kb_serve(real_kb.index_dir) as address:
        yield address


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 1100, "height": 900})
    yield context.new_page()
    context.close()


def search(page, server: str, question: str = QUESTION):
    page.goto(server)
    page.get_by_label("Question or words").fill(question)
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits article")
    return page.locator("ol.hits article").first


def test_almis_bridge_loan_item_comes_first_with_its_date(page, server):
    first = search(page, server)
    assert page.url.startswith(server + "?q=what+did+Almi")
    assert first.locator("time").inner_text() == "2020-12-14"
    assert first.locator(".who").inner_text() == "Almi – Martin Hellström"
    assert "Brygglånen går ut vid årsskiftet" in first.inner_text()
    assert first.locator("mark").first.inner_text() == "Almi"  # the words the question matches
    assert "Section: Organisationer" in first.inner_text()
    assert "lines 64–69" in first.locator("a.source").inner_text()


def test_from_the_hit_to_its_meeting_its_source_and_the_timeline(page, server):
    first = search(page, server)
    item_id = first.get_attribute("id")
    first.locator("a.meeting").click()
    page.wait_for_url("**/meeting?**")
    assert page.url.endswith("#" + item_id)
    assert page.locator("h1").inner_text() == "Anteckningar näringslivsdialog"
    target = page.locator(f"#{item_id}")
    assert "Brygglånen går ut vid årsskiftet" in target.inner_text() and target.is_visible()
    assert page.evaluate("document.activeElement.id") == item_id  # the keyboard goes on from the item
    items = page.locator("ol.items article")
    assert items.count() > 10 and items.nth(0).locator("time").inner_text() == "2020-12-14"
    page.get_by_role("link", name="På svenska").click()  # the language changes, the place stays
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sv" and page.url.endswith("#" + item_id)
    page.get_by_role("link", name="In English").click()
    page.wait_for_load_state()
    target = page.locator(f"#{item_id}")

    target.locator("a.source").click()
    page.wait_for_url("**/source?**")
    marked = page.locator("tr.marked")
    assert marked.count() == 6 and marked.first.get_attribute("id") == "L64"
    assert "Brygglånen går ut vid årsskiftet" in page.locator("table.source").inner_text()

    page.go_back()
    page.locator(f"#{item_id} .who a", has_text="Almi").click()
    page.wait_for_url("**/timeline?party=Almi")
    assert page.locator("h1").inner_text() == "Timeline: Almi"
    assert "Brygglånen går ut vid årsskiftet" in page.locator("ol.timeline").inner_text()


def test_switching_language_and_the_browsers_own(page, browser, server):
    search(page, server)
    page.get_by_role("link", name="På svenska").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("button", name="Sök").is_visible()
    assert page.locator("ol.hits article").first.locator(".who").inner_text() == "Almi – Martin Hellström"
    assert "rad 64–69" in page.locator("ol.hits article a.source").first.inner_text()
    page.goto(server)  # the choice is remembered
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_role("link", name="In English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"

    swedish = browser.new_context(locale="sv-SE")
    try:
        fresh = swedish.new_page()
        fresh.goto(server)
        assert fresh.locator("html").get_attribute("lang") == "sv"
        assert fresh.get_by_label("Fråga eller ord").is_visible()
    finally:
        swedish.close()


def test_with_the_keyboard_alone(page, server):
    page.goto(server + "?q=x")  # a page whose search box is not focused yet
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.press("Control+A")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits article")
    # Tab from the search box reaches the first hit's links, each with a visible focus ring.
    page.locator("#q").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('meeting')"):
            break
    else:
        pytest.fail("Tab never reached a hit's meeting link")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    page.wait_for_url("**/meeting?**")


def test_on_a_phone_sized_screen(browser, server):
    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="en-GB")
    try:
        page = phone.new_page()
        first = search(page, server)
        assert first.locator("time").inner_text() == "2020-12-14"
        # Nothing wider than the screen: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = page.get_by_label("Question or words").bounding_box()
        assert box["width"] >= 200 and box["height"] >= 40  # big enough to tap
    finally:
        phone.close()
