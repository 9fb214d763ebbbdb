"""The answer as the reader sees it (ui/render.py, ui/sources.py): the lead before the quotes, quotes
labelled with their language and placed weekdays, the weak-match cue, unsupported LLM sentences marked, one
source card per article with all its quotes, and the full article with the cited sentences highlighted."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("gradio")

from rag.profiles import profile  # noqa: E402
from rag.types import Answer, ArticleInfo, ArticleView, Citation  # noqa: E402
from ui import render, sources  # noqa: E402
from tests.llm_fixtures import *  # noqa: E402, F403 - the stand-in LLM server

A_TEXT = "Der Gast kam am Dienstag an. Am Mittwoch traf er den Präsidenten. <b>Danach</b> reiste er ab."
# file offsets of the three sentences of a.txt
A_SENTENCES = ((0, 28, "Der Gast kam am Dienstag an."), (29, 66, "Am Mittwoch traf er den Präsidenten."),
               (67, 95, "<b>Danach</b> reiste er ab."))


def _cite(marker, source="a.txt", sentence=1, language="de", date="2023-09-14", **extra) -> Citation:
    start, end, quote = (A_SENTENCES[sentence] if source == "a.txt" else (0, 20, "Ein Satz aus B steht."))
    return Citation(marker=marker, source=source, title=f"Title {source}", date=date, passage=quote, quote=quote,
                    start=start, end=end, chunk_id=f"{source}-{sentence}", language=language, **extra)


def _answer(citations, language="en", backend="extractive", text=None, **extra) -> Answer:
    text = text if text is not None else " ".join(f"{c.quote} [{c.marker}]" for c in citations)
    return Answer(question="When did he meet the president?", text=text, citations=citations, abstained=False,
                  backend=backend, language=language, **extra)


def _article(source):
    if source != "a.txt":
        raise KeyError(source)
    info = ArticleInfo(source="a.txt", title="Der Besuch", date="2023-09-14", language="de", chunks=1,
                       outlet="Die Zeitung")
    return ArticleView(info=info, sentences=A_SENTENCES)


def test_one_card_per_article_with_all_its_quotes():
    cites = [_cite(1, sentence=1), _cite(2, source="b.txt"), _cite(3, sentence=2)]
    body = sources.sources_section(_answer(cites), 4, {}).body
    cards = re.findall(r'<article class="rag-card" id="art-4-\d" data-source="([^"]+)"', body)
    assert cards == ["a.txt", "b.txt"]  # in the order of their first marker, each once
    a_card = body[body.index('data-source="a.txt"'):body.index('data-source="b.txt"')]
    assert 'id="src-4-1"' in a_card and 'id="src-4-3"' in a_card and 'id="src-4-2"' not in a_card
    assert a_card.count('<mark class="rag-quote">') == 2


def test_the_card_shows_title_outlet_and_date_and_each_quote_its_date():
    body = sources.sources_section(_answer([_cite(1), _cite(2, sentence=2)]), 1, {}, _article).body
    assert '<span class="rag-title">Der Besuch</span>' in body  # the article's title, not a sentence
    assert re.search(r'class="rag-meta">Die Zeitung · 2023-09-14 · <span class="rag-file">a.txt</span>', body)
    assert body.count('<p class="rag-hl-meta">2023-09-14') == 2  # the date next to each quote


def test_the_full_article_is_folded_with_the_cited_sentences_highlighted():
    body = sources.sources_section(_answer([_cite(2, sentence=1)]), 1, {}, _article).body
    full = body[body.index('<details class="rag-full">'):]
    assert '<summary>Full article</summary>' in full
    assert '<mark class="rag-cited" data-cite="2">Am Mittwoch traf er den Präsidenten.</mark>' in full
    assert "Der Gast kam am Dienstag an." in full and "<mark class=\"rag-cited\" data-cite=\"2\">Der" not in full
    assert "&lt;b&gt;Danach&lt;/b&gt;" in full and "<b>" not in full  # article text stays text


def test_without_the_indexed_article_the_searched_passages_stand_in():
    c = _cite(1)
    body = sources.sources_section(_answer([c]), 1, {}, _article_gone).body
    assert "Full article" not in body and '<mark class="rag-quote">' in body


def _article_gone(source):
    raise KeyError(source)


@pytest.mark.parametrize("question_language, label", [
    ("en", "quoted from the German article"),
    ("es", "citado del artículo en alemán"),
    ("fr", "cité de l'article en allemand"),
    ("it", "quoted from the German article"),  # no profile: English
])
def test_a_quote_in_another_language_says_so(question_language, label):
    a = _answer([_cite(1)], language=question_language)
    assert render.md_text(label) in render.answer_markdown(a, 1)
    assert render.h(label) in sources.sources_section(a, 1, {}).body


def test_a_quote_in_the_question_s_language_has_no_label():
    a = _answer([_cite(1)], language="de")
    assert "zitiert" not in render.answer_markdown(a, 1) and "quoted" not in render.answer_markdown(a, 1)


def test_a_weekday_is_placed_by_the_article_date():
    from rag.dates import weekdays

    c = _cite(1, days=weekdays(A_SENTENCES[1][2], "2023-09-14", "de"))
    a = _answer([c])
    assert "Mittwoch = Wed 13 Sep 2023" in sources.sources_section(a, 1, {}).body
    assert render.md_text("Mittwoch = Wed 13 Sep 2023") in render.answer_markdown(a, 1)


def test_a_quote_that_points_back_shows_the_sentence_before_it_muted():
    c = _cite(1, context=A_SENTENCES[0][2])
    message = render.answer_markdown(_answer([c]), 1)
    assert message.index('<span class="rag-context">Der Gast kam am Dienstag an.</span>') < message.index("Mittwoch")
    assert '<span class="rag-context">Der Gast kam am Dienstag an.</span> <mark' in \
        sources.sources_section(_answer([c]), 1, {}).body


def test_the_lead_comes_before_the_quotes():
    a = _answer([_cite(1)], lead="Mittwoch")
    message = render.answer_markdown(a, 1)
    assert message.startswith('<strong class="rag-lead">Mittwoch</strong>')


@pytest.mark.parametrize("language", ["en", "de", "es", "fr"])
def test_a_weak_answer_says_check_the_sources(language):
    weak = render.answer_markdown(_answer([_cite(1)], language=language, weak=True), 1)
    assert 'class="rag-badge rag-weak"' in weak and render.md_text(profile(language).weak_match) in weak
    sure = render.answer_markdown(_answer([_cite(1)], language=language), 1)
    assert "rag-weak" not in sure


@pytest.mark.parametrize("language", ["en", "de", "es", "fr"])
def test_an_abstention_speaks_the_question_s_language(language):
    words = profile(language)
    answer = _answer([], language, text=words.no_answer)
    message = render.answer_markdown(Answer(**{**answer.__dict__, "abstained": True}), 1)
    assert render.md_text(words.not_found) in message and render.md_text(words.no_answer) in message
    assert language == "en" or "Not in the articles" not in message


def test_llm_sentences_without_a_valid_citation_are_marked_unsupported():
    cites = [_cite(1), _cite(3, source="b.txt")]
    text = "He met the president on Wednesday [1][3]. He also met the Pope.\n- A list item [3]\n- Another item"
    from rag.lead import first_sentence

    message = render.answer_markdown(_answer(cites, backend="openai", text=text, lead=first_sentence(text)), 7)
    assert 'href="#src-7-1"' in message and 'href="#src-7-3"' in message  # the model's numbers, kept
    unsupported = re.findall(r'<span class="rag-unsupported">(.*?)</span> <span class="rag-nosource">no source</span>',
                             message)
    assert unsupported == ["He also met the Pope.", "Another item"]
    assert "\n- " in message  # the list stays a list
    assert 'class="rag-lead"' not in message  # an LLM's lead is its first sentence, not repeated


def test_an_llm_answer_that_cites_everything_has_no_mark():
    message = render.answer_markdown(_answer([_cite(2)], backend="ollama", text="He met him [2]. Then he left [2]."), 1)
    assert "rag-unsupported" not in message


@pytest.mark.parametrize("text", ["", "One.", "Zwei Sätze. Drei!", "am 13. September.", "a\n\nb", "🚀 [1]."])
def test_claims_give_the_text_back(text):
    assert "".join(render.claims(text)) == text


def test_a_marker_used_for_two_sentences_anchors_once():
    cites = [_cite(1, sentence=0), _cite(1, sentence=1)]
    body = sources.sources_section(_answer(cites, backend="openai", text="x [1]. y [1]."), 2, {}).body
    assert body.count('id="src-2-1"') == 1 and body.count('<mark class="rag-quote">') == 2


def test_streamed_marker_numbers_stay_and_an_uncited_sentence_is_marked(llm_settings, server, assistant):
    """Through a stand-in OpenAI server: the model writes [1] and [3]; the final answer keeps [1] and [3]
    (what the reader saw streaming), and its uncited sentence shows as unsupported."""
    from rag import Assistant

    a = Assistant(llm_settings.replace(backend="openai", model="tiny", base_url=server.url + "/v1",
                                       rewrite_query=False)).warm_up()
    reply = "Kim saw the bombers at Knewitschi [1][3]. He also met the Pope."
    server.script(reply)
    *pieces, final = list(a.stream("Which bombers did Kim inspect?"))
    streamed = sorted(set(re.findall(r"\[(\d+)\]", "".join(pieces))))
    assert streamed == ["1", "3"]
    assert final.text.startswith("Kim saw the bombers at Knewitschi [1][3].")
    assert sorted({c.marker for c in final.citations}) == [1, 3]
    assert final.lead == "Kim saw the bombers at Knewitschi."
    message = render.answer_markdown(final, 1)
    assert 'href="#src-1-1"' in message and 'href="#src-1-3"' in message
    assert re.search(r'<span class="rag-unsupported">He also met the Pope\.</span> '
                     r'<span class="rag-nosource">no source</span>', message)
