"""The answer as a reader sees it in a real browser (desktop and phone): the lead before the quotes, the
weak-match cue, one card per article, and the full article with its cited sentences highlighted.
Screenshots go to the test's temporary folder."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("gradio")
pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.test_ui_browser import BOMBERS, ask, browser, open_page  # noqa: E402, F401 - the browser fixture

WEAK = "What did Kim receive as a farewell gift?"  # answered, with a confidence below the cue's threshold


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_lead_before_quotes_and_one_card_per_article(browser, app_url, tmp_path, width, height):  # noqa: F811
    page, remote = open_page(browser, app_url, width, height)
    ask(page, BOMBERS, 1)
    bot = page.locator("#rag-chat [data-testid=bot]").last
    lead = bot.locator("strong.rag-lead")
    expect(lead).to_be_visible()
    for name in ("Tu-160", "Tu-95MS", "Tu-22M3"):
        expect(lead).to_contain_text(re.compile(re.escape(name), re.I))
    first_marker = bot.locator("a.rag-cite").first
    assert lead.bounding_box()["y"] < first_marker.bounding_box()["y"]  # the lead comes before the quotes
    page.screenshot(path=str(tmp_path / f"lead-{width}.png"), full_page=True)

    cards = page.locator("#rag-sources #turn-1 article.rag-card:not(.rag-uncited)")
    sources = cards.evaluate_all("cs => cs.map(c => c.dataset.source)")
    assert sources and len(sources) == len(set(sources))  # one card per article
    card = cards.first
    card.scroll_into_view_if_needed()
    card.locator("details.rag-full > summary").click()
    cited = card.locator("details.rag-full mark.rag-cited")
    expect(cited.first).to_be_visible()
    quotes = card.locator("mark.rag-quote").all_inner_texts()
    assert set(cited.all_inner_texts()) == set(quotes)  # the full article marks exactly the quoted sentences
    card.screenshot(path=str(tmp_path / f"card-{width}.png"))
    assert remote == []


def test_a_weak_match_says_so(browser, app_url, tmp_path):  # noqa: F811
    page, remote = open_page(browser, app_url)
    ask(page, WEAK, 1)
    cue = page.locator("#rag-chat [data-testid=bot]").last.locator(".rag-weak")
    expect(cue).to_be_visible()
    expect(cue).to_contain_text("Weak match: check the sources")
    page.screenshot(path=str(tmp_path / "weak.png"), full_page=True)
    assert remote == []
