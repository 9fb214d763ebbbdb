"""The chat in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Skipped without chromium unless UI_BROWSER_REQUIRED=1 (CI sets it). Every page records the requests it
makes; anything not addressed to the test server is blocked and fails the test, so the app provably loads
nothing from the internet (fonts, CDNs, images in answers).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("gradio")
playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from rag.profiles import profile  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.test_ui import GIRAFFE, PAGE, own_copy  # noqa: E402
from ui.app import launch  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BOMBERS = "Which bombers did Kim inspect?"
ARTICLE_000 = "000_c3f8bdba9f1897a0.txt"
TIMEOUT_MS = 60_000
HOSTILE = """date 2023-09 Giraffe <b onmouseover="window.__pwned='title'">Zeraphina</b> begeistert den Zoo von Pjöngjang

Die Giraffe Zeraphina frisst im Zoo von Pjöngjang jeden Tag <script>window.__pwned = "script"</script> vierzig \
Kilogramm Akazienblätter <img src="http://203.0.113.7/x.png" onerror="window.__pwned = 'img'"> und Heu aus der \
Provinz, siehe [Bild](http://203.0.113.7/pixel.png) und ![Foto](http://203.0.113.7/foto.png)

Die Pfleger nennen Zeraphina die größte Giraffe Asiens; mehr unter <a href="javascript:window.__pwned='a'">hier</a>.
"""
pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        why = "Debian's chromium is not installed: apt-get install chromium"
        pytest.fail(why) if os.environ.get("UI_BROWSER_REQUIRED") else pytest.skip(why)
    with playwright.sync_playwright() as p:
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        b = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield b
        b.close()


@pytest.fixture(scope="module")
def hostile_url(settings, seeds_dir, tmp_path_factory):
    """An app over the seeds plus an article full of markup and a wire copy of article 000."""
    from rag import Assistant

    corpus = tmp_path_factory.mktemp("hostile_corpus")
    for f in seeds_dir.iterdir():
        shutil.copy(f, corpus / f.name)
    (corpus / "005_hostile.txt").write_text(HOSTILE, encoding="utf-8")
    paragraphs = (corpus / ARTICLE_000).read_text(encoding="utf-8").split("\n\n")
    wire = "date 2023-09 Kim besichtigt Atombomber in Russland\n\n" + "\n\n".join(paragraphs[1:4])
    (corpus / "006_wire.txt").write_text(wire, encoding="utf-8")
    s = settings.replace(corpus_dir=str(corpus), index_dir=str(tmp_path_factory.mktemp("hostile_index")),
                         port=free_port())
    demo = launch(Assistant(s), s, prevent_thread_lock=True, quiet=True)
    yield demo.local_url
    demo.close()


def open_page(browser, url: str, width: int = 1400, height: int = 1000) -> tuple[Page, list[str]]:
    """A page on ``url`` that blocks and records every request to another address."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    here = urlsplit(url).netloc
    remote: list[str] = []

    def gate(route):
        u = urlsplit(route.request.url)
        if u.scheme in ("data", "blob") or u.netloc == here:
            route.continue_()
        else:
            remote.append(route.request.url)
            route.abort()

    page.route("**/*", gate)
    page.goto(url)
    return page, remote


def ask(page: Page, question: str, turn: int) -> str:
    """Type a question, wait for its sources section, return the final answer's text."""
    box = page.locator("#rag-question textarea")
    box.fill(question)
    box.press("Enter")
    expect(page.locator(f"#rag-sources #turn-{turn}")).to_be_attached()
    return page.locator("#rag-chat [data-testid=bot]").last.inner_text()


def test_bombers_answer_sources_and_citation_click(browser, app_url, tmp_path):
    page, remote = open_page(browser, app_url)
    answer = ask(page, BOMBERS, 1)
    assert "[1]" in answer
    cited = page.locator("#rag-sources .rag-card:not(.rag-uncited)")
    from_000 = cited.filter(has_text=ARTICLE_000).first
    expect(from_000).to_be_visible()
    expect(from_000.locator("mark.rag-quote").first).to_be_visible()
    quote = from_000.locator("mark.rag-quote").first.inner_text()
    assert quote.split()[0] in answer  # the highlighted sentence is the one quoted in the answer
    if "Tu-160" not in answer:  # the extractive answer may quote another sentence; the passage was searched
        page.locator("#rag-sources details.rag-more > summary").first.click()
    expect(page.locator("#rag-sources .rag-card", has_text="Tu-160").first).to_be_visible()
    # click a marker: its card is highlighted and scrolled into view
    marker = page.locator("#rag-chat a.rag-cite").last
    target = marker.get_attribute("href")
    assert re.fullmatch(r"#src-1-\d+", target)
    page.locator("#rag-sources").evaluate("e => e.scrollIntoView({block: 'end'})")
    marker.click()
    expect(page.locator(target)).to_have_class(re.compile(r"\brag-active\b"))
    expect(page.locator(target)).to_be_in_viewport()
    expect(marker).to_have_class(re.compile(r"\brag-active\b"))
    shot = tmp_path / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    assert remote == []
    page.close()


def test_conversation_examples_topk_abstention_error(browser, app_url):
    page, remote = open_page(browser, app_url)
    expect(page.locator("#rag-backend input")).to_have_value("extractive")
    page.get_by_role("button", name=BOMBERS).click()
    expect(page.locator("#rag-sources #turn-1")).to_be_attached()
    # fewer passages: a follow-up with top-k 1 cites one passage and lists no others
    topk = page.locator("#rag-topk input[type=number]")
    topk.fill("1")
    topk.press("Enter")
    ask(page, "Und wo traf Kim Putin?", 2)
    turn2 = page.locator("#rag-sources #turn-2")
    expect(turn2.locator("details.rag-more")).to_have_count(0)
    assert len(set(turn2.locator(".rag-card .rag-meta").all_inner_texts())) == 1
    expect(page.locator("#rag-sources #turn-1")).not_to_have_attribute("open", "")  # older turns fold away
    # a library error is a chat message, not a traceback
    box = page.locator("#rag-question textarea")
    box.fill("Warum? " * 400)
    box.press("Enter")
    error = page.locator("#rag-chat .rag-error").last
    expect(error).to_be_visible()
    expect(page.locator("#rag-chat [data-testid=bot]").last).to_contain_text("limit is 2000")
    expect(page.locator("#rag-chat [data-testid=user]").last).to_contain_text(re.compile(r"Warum.* … \(\d+ characters\)"))
    assert "Traceback" not in page.content()
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#rag-chat [data-testid=bot]")).to_have_count(0)
    # "the articles don't say" has its own look, in the chat and in the panel, in the question's language
    ask(page, "¿Qué altura tiene el Aconcagua?", 1)
    expect(page.locator("#rag-chat .rag-abstained").last).to_be_visible()
    expect(page.locator("#rag-chat [data-testid=bot]").last).to_contain_text(profile("es").no_answer)
    expect(page.locator("#rag-sources #turn-1 .rag-abstain-note")).to_be_visible()
    assert remote == []
    page.close()


def test_hostile_article_is_shown_as_text(browser, hostile_url, tmp_path):
    page, remote = open_page(browser, hostile_url)
    question = ("Was frisst die Giraffe Zeraphina? ![q](http://203.0.113.7/q.png) "
                "<img src=x onerror=\"window.__pwned='q'\">")
    answer = ask(page, question, 1)
    assert "<script>" in answer and "[Bild](http://203.0.113.7/pixel.png)" in answer
    card = page.locator("#rag-sources .rag-card", has_text="005_hostile.txt").first
    expect(card).to_be_visible()
    expect(card.locator("mark.rag-quote")).to_contain_text('<script>window.__pwned = "script"</script>')
    expect(card).to_contain_text("<b onmouseover=")  # the title, as text
    expect(page.locator("#rag-chat [data-testid=user]").last).to_contain_text("![q](http://203.0.113.7/q.png)")
    card.hover()
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src*="203.0.113.7"], img[src="x"], a[href^="javascript:"]').count() == 0
    assert not page.evaluate("[...document.scripts].some(s => s.textContent.includes('__pwned'))")
    # wire copy: the cited sentence also appears in another article, which the card names (a new conversation:
    # in this one the question would be read as a follow-up about the giraffe)
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#rag-chat [data-testid=bot]")).to_have_count(0)
    ask(page, BOMBERS, 1)
    wire = page.locator("#rag-sources #turn-1 .rag-wire").first
    expect(wire).to_be_visible()
    expect(wire).to_contain_text(re.compile(r"00[06]_"))
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    assert remote == []  # nothing in the article, question or answer loaded anything
    page.close()


# --- own articles, affordances, phone and accessibility ----------------------------------------------------

DESKTOP, PHONE = (1440, 900), (390, 844)


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_function("!document.querySelector('[data-testid=status-tracker]:not(.hide), .pending, .generating')")
    page.wait_for_timeout(300)  # transitions (a highlighted card, the sheet) come to rest
    found = Axe().run(page).response["violations"]
    return [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:5]}" for v in found
            if v["impact"] in ("serious", "critical")]


def bots(page: Page):
    return page.locator("#rag-chat [data-testid=bot]")


@pytest.fixture(scope="module")
def own_url(assistant, settings, seeds_dir, tmp_path_factory):
    """An app over its own copy of the corpus and index (this module adds an article)."""
    from rag import Assistant

    s = own_copy(settings, seeds_dir, tmp_path_factory)
    demo = launch(Assistant(s), s, prevent_thread_lock=True, quiet=True)
    yield demo.local_url
    demo.close()


def test_upload_article_list_scope_copy_reload_clear(browser, own_url, tmp_path):
    page, remote = open_page(browser, own_url, *DESKTOP)
    expect(page.get_by_role("textbox", name="Your question")).to_be_visible()  # announced with its label
    assert serious_violations(page) == []
    page.get_by_role("tab", name="Articles").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(PAGE))
    expect(page.locator("#rag-upload-status")).to_contain_text("Added zoo_page.html", timeout=120_000)
    row = page.locator('#rag-articles tr[data-source="zoo_page.html"]')
    for cell in ("Giraffe Zeraphina delights Pyongyang zoo", "The Daily Example", "2023-09-14", "en", "added here"):
        expect(row).to_contain_text(cell)
    expect(page.locator("#rag-articles tbody tr")).to_have_count(6)
    # the list fits its column: long titles and file names wrap instead of pushing the table out
    table, box = page.evaluate("() => [document.querySelector('table.rag-articles').getBoundingClientRect().right,"
                               " document.querySelector('#rag-articles').getBoundingClientRect().right]")
    assert table <= box + 1, (table, box)
    page.screenshot(path=str(tmp_path / "articles.png"), full_page=True)
    assert serious_violations(page) == []
    # limit the next question to the new article
    page.locator("#rag-scope input").click()
    page.get_by_role("option", name=re.compile("Giraffe Zeraphina")).click()
    page.keyboard.press("Escape")
    answer = ask(page, GIRAFFE, 1)
    assert "forty kilograms" in answer
    cards = page.locator("#rag-sources #turn-1 .rag-card .rag-meta")
    expect(cards.first).to_be_visible()  # the Sources tab is shown again for the answer
    assert all("zoo_page.html" in m for m in cards.all_inner_texts())
    page.screenshot(path=str(tmp_path / "scoped_answer.png"), full_page=True)
    assert serious_violations(page) == []
    # copy: the answer and its sources, as text
    page.get_by_role("button", name="Copy answer with sources").click()
    expect(page.locator("#rag-live")).to_have_text("Answer and sources copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "forty kilograms" in copied and "Sources:" in copied and "(zoo_page.html)" in copied
    # a reload keeps the conversation; a new conversation empties it, also for the next reload
    page.reload()
    expect(bots(page)).to_have_count(1)
    expect(bots(page).last).to_contain_text("forty kilograms")
    expect(page.locator("#rag-sources #turn-1")).to_be_attached()
    page.get_by_role("button", name="New conversation").click()
    expect(bots(page)).to_have_count(0)
    expect(page.locator("#rag-sources #turn-1")).to_have_count(0)
    page.reload()
    expect(page.locator("#rag-question textarea")).to_be_visible()
    page.wait_for_function("document.querySelector('#rag-backend input') !== null")
    expect(bots(page)).to_have_count(0)
    assert remote == []
    page.close()


def test_phone_marker_opens_a_bottom_sheet_with_a_way_back(browser, app_url, tmp_path):
    page, remote = open_page(browser, app_url, *PHONE)
    assert serious_violations(page) == []
    ask(page, BOMBERS, 1)
    marker = page.locator("#rag-chat a.rag-cite").first
    marker.click()
    sheet = page.locator("dialog#rag-sheet")
    expect(sheet).to_be_visible()
    active = sheet.locator(".rag-active mark.rag-quote")  # the article's card, the clicked marker's quote marked
    expect(active).to_be_visible()
    target = marker.get_attribute("href")
    assert active.inner_text() == page.locator(f"#rag-sources {target} mark.rag-quote").inner_text()
    expect(sheet).to_contain_text(ARTICLE_000)
    box = sheet.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0] + 1 and box["y"] + box["height"] <= PHONE[1] + 1
    page.screenshot(path=str(tmp_path / "phone_sheet.png"))
    assert serious_violations(page) == []
    page.get_by_role("button", name="Back to the answer").click()
    expect(sheet).to_be_hidden()
    assert page.evaluate("document.activeElement.classList.contains('rag-cite')")  # back at the marker
    page.screenshot(path=str(tmp_path / "phone_answer.png"), full_page=True)
    assert serious_violations(page) == []
    assert remote == []
    page.close()


@pytest.fixture(scope="module")
def gated_url(settings):
    """An app whose openai backend is a stand-in server that holds every answer until the test lets it go."""
    from rag import Assistant
    from tests.gated_llm import GatedLLM

    server = GatedLLM(model="gated").start()
    s = settings.replace(base_url=server.url, model="gated", retries=0, timeout=120, rewrite_query=False,
                         port=free_port())
    demo = launch(Assistant(s), s, prevent_thread_lock=True, quiet=True)
    yield demo.local_url, server
    server.open()
    demo.close()
    server.stop()


def test_stop_limits_and_empty_questions(browser, gated_url, tmp_path):
    url, server = gated_url
    page, remote = open_page(browser, url, *DESKTOP)
    # the backend menu offers what answers now and says why the others don't
    page.locator("#rag-backend input").click()
    expect(page.get_by_role("option", name=re.compile(r"^openai"))).to_be_visible()
    expect(page.get_by_role("option", name=re.compile(r"^ollama"))).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.locator("#rag-backends")).to_contain_text("ollama")
    # the limit shows while typing; a refused question keeps its text; an empty one does nothing
    box = page.locator("#rag-question textarea")
    long = "Warum? " * 400
    box.fill(long)
    expect(page.locator("#rag-count")).to_contain_text("2799 / 2000 characters")
    expect(page.locator("#rag-count")).to_have_class(re.compile(r"\brag-over\b"))
    box.press("Enter")
    expect(bots(page).last).to_contain_text("limit is 2000")
    expect(box).to_have_value(long)
    box.fill("")
    box.press("Enter")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_timeout(1500)  # give a wrongly sent question time to show: none may
    expect(bots(page)).to_have_count(1)
    # Stop during an answer
    page.locator("#rag-backend input").click()
    page.get_by_role("option", name=re.compile(r"^openai")).click()
    box.fill(BOMBERS)
    box.press("Enter")
    stop = page.get_by_role("button", name="Stop")
    expect(stop).to_be_visible()
    assert server.wait_for(1)
    stop.click()
    expect(bots(page).last).to_have_text("Stopped.")
    expect(stop).to_be_hidden()
    expect(page.get_by_role("button", name="Ask")).to_be_visible()
    page.screenshot(path=str(tmp_path / "stopped.png"), full_page=True)
    assert remote == []
    page.close()
