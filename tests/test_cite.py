"""Citation markers in LLM answers: parsing, checking against the given passages, locating quotes."""

from __future__ import annotations

import pytest

from rag.chunks import chunk_article
from rag.cite import WireCopy, find_quote, parse_markers, verify
from rag.corpus import load_corpus
from rag.types import Passage
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def chunks():
    return [c for a in load_corpus(SEEDS).articles for c in chunk_article(a)]


def _passage(chunks, *needles) -> list[Passage]:
    """One passage per needle: the first chunk that contains it, numbered in order."""
    out = []
    for n, needle in enumerate(needles, 1):
        out.append(Passage(next(c for c in chunks if needle in c.text), score=1.0, rank=n))
    return out


@pytest.fixture(scope="module")
def given(chunks):
    # [1] the Komsomolsk factory, [2] the bombers at Knewitschi
    return _passage(chunks, "in dem Su-35- und Su-57- Kampfjets gebaut werden", "auf dem Flugplatz Knewitschi")


def _file_text(source: str) -> str:
    return (SEEDS / source).read_text(encoding="utf-8")


@pytest.mark.parametrize("text, expected", [
    ("Kim [1].", [[1]]),
    ("a [1][2] b [3]", [[1], [2], [3]]),
    ("a [1, 2] b [2; 3] c [1 und 2]", [[1, 2], [2, 3], [1, 2]]),
    ("a [Passage 2] b [Quelle 3] c [source 1]", [[2], [3], [1]]),
    ("no markers at all", []),
    ("a [x] b [] c [1a] d [[1]]", [[1]]),
    ("", []),
])
def test_parse_markers(text, expected):
    assert [numbers for _, _, numbers in parse_markers(text)] == expected


def test_valid_markers_cite_the_best_sentence(given):
    v = verify("Kim visited a plant where Su-35 and Su-57 fighter jets are built [1]. "
               "He saw bombers at Knewitschi near Wladiwostok [2].", given)
    assert v.text == ("Kim visited a plant where Su-35 and Su-57 fighter jets are built [1]. "
                      "He saw bombers at Knewitschi near Wladiwostok [2].")
    assert [c.marker for c in v.citations] == [1, 2]
    assert v.citations[0].source == "001_56473d0c55bd317a.txt"
    assert "Su-35" in v.citations[0].quote and "Knewitschi" in v.citations[1].quote
    for c in v.citations:  # every quote is the exact text at its file offsets
        assert _file_text(c.source)[c.start:c.end] == c.quote
    assert v.grounded and v.dropped == []


def test_invalid_markers_are_removed_and_the_rest_keep_their_numbers(given):
    """What streamed as [2] stays [2]: a marker's number never changes once the reader has seen it."""
    v = verify("Bombers were shown at Knewitschi [2]. Kim met the Pope [7]. Jets: Su-35 [0][1].", given)
    assert v.text == "Bombers were shown at Knewitschi [2]. Kim met the Pope. Jets: Su-35 [1]."
    assert [(c.marker, c.source) for c in v.citations] == [(1, "001_56473d0c55bd317a.txt"),
                                                           (2, "000_c3f8bdba9f1897a0.txt")]
    assert sorted(v.dropped) == ["[0] (no such passage)", "[7] (no such passage)"]
    assert "Su-35" in v.citations[0].quote and v.citations[0].quote != v.citations[0].passage  # one sentence


def test_answer_without_markers_is_ungrounded(given):
    v = verify("Kim visited a factory in Komsomolsk.", given)
    assert v.citations == [] and not v.grounded and v.text == "Kim visited a factory in Komsomolsk."


def test_only_invalid_markers_is_ungrounded(given):
    v = verify("Kim visited Paris [3] [4].", given)
    assert v.text == "Kim visited Paris." and not v.grounded


def test_quote_in_the_cited_passage_is_located_exactly(given):
    v = verify('The agency reported a plant „in dem Su-35- und Su-57- Kampfjets gebaut werden“ [1].', given)
    (c,) = v.citations
    assert c.quote == "in dem Su-35- und Su-57- Kampfjets gebaut werden"
    assert _file_text(c.source)[c.start:c.end] == c.quote


def test_quote_with_other_spacing_case_and_quote_marks_is_found(given):
    v = verify('He was shown bombers "AUF DEM   Flugplatz Knewitschi nahe Wladiwostok" [2].', given)
    (c,) = v.citations
    assert c.quote == "auf dem Flugplatz Knewitschi nahe Wladiwostok"
    assert _file_text(c.source)[c.start:c.end] == c.quote


def test_quote_from_another_given_passage_moves_the_citation(given):
    v = verify('Kim saw bombers "auf dem Flugplatz Knewitschi nahe Wladiwostok" [1].', given)
    (c,) = v.citations
    assert c.source == given[1].chunk.source and c.marker == 1 and v.text.endswith("[1].")


def test_quote_that_is_in_no_passage_drops_the_marker(given):
    v = verify('Kim said "we will conquer the moon together next year" [1]. Jets: Su-35 and Su-57 [1].', given)
    assert v.dropped == ["[1] (quote not in any passage)"]
    assert v.text == 'Kim said "we will conquer the moon together next year". Jets: Su-35 and Su-57 [1].'
    assert len(v.citations) == 1 and "Su-35" in v.citations[0].quote


def test_same_passage_cited_twice_for_the_same_sentence_is_one_citation(given):
    v = verify("Su-35 jets are built in Komsomolsk [1]. Su-57 jets are built in Komsomolsk too [1].", given)
    assert len(v.citations) == 1 and v.text.count("[1]") == 2


@pytest.mark.parametrize("quote", ["", "   ", "Ü", "🚀 rockets", "nicht im Text enthalten"])
def test_find_quote_edge_cases(given, quote):
    assert find_quote(quote, given[0].chunk) is None


def test_find_quote_offsets_survive_sharp_s(chunks):
    c = next(c for c in chunks if "Großstadt im äußersten Osten" in c.text)
    s, a, b = find_quote("im äußersten Osten Russlands", c)
    assert c.sentence_texts[s][a:b] == "im äußersten Osten Russlands"


def test_wire_copy_is_named(tmp_path):
    """A sentence that two outlets carry, one lightly edited, is cited once and the other article named."""
    from rag import Assistant, Settings

    corpus = tmp_path / "wire"
    corpus.mkdir()
    shared = "The harbour authority said the new ferry line to the northern islands will open in the spring"
    (corpus / "first.txt").write_text("Ferry line announced\n\n" + shared + ".\n\nTickets will cost twelve euros.\n",
                                      encoding="utf-8")
    (corpus / "second.txt").write_text("Islands get a ferry\n\n" + shared + " on Monday.\n\n"
                                       "Local hotels expect more visitors.\n", encoding="utf-8")
    (corpus / "other.txt").write_text("Council budget\n\nThe city council approved a budget for new bicycle lanes "
                                      "along the river.\n", encoding="utf-8")
    bot = Assistant(Settings.load(env={}, corpus_dir=str(corpus), index_dir=str(tmp_path / "index")))
    a = bot.ask("When will the ferry line to the northern islands open?")
    quoting = [c for c in a.citations if "ferry line to the northern islands" in c.quote]
    assert len(quoting) == 1, a.text  # cited once, not once per outlet
    other = {"first.txt", "second.txt"} - {quoting[0].source}
    assert quoting[0].also_in == tuple(other)
    assert all("ferry" in c.quote or not c.also_in for c in a.citations)


def test_quote_after_a_dotted_capital_i_keeps_its_offsets():
    """'İ'.lower() is two characters: matching must not shift the offsets behind it."""
    from rag.corpus import clean

    raw = "Erdoğan traf in İstanbul den Gast. Er sagte „Erdoğan am Montag in Ankara“ zu Reportern."
    chunk = chunk_article(clean(raw, "tr.txt"))[0]
    found = find_quote("erdoğan am montag in ankara", chunk)
    assert found is not None
    i, a, b = found
    assert chunk.sentence_texts[i][a:b] == "Erdoğan am Montag in Ankara"


def test_credentials_in_a_url_never_reach_messages():
    from rag.backends.base import without_credentials

    assert without_credentials("http://user:pw@127.0.0.1:9/v1") == "http://127.0.0.1:9/v1"
    assert without_credentials("https://api.example.org/v1") == "https://api.example.org/v1"
