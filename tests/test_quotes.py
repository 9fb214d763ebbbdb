"""A quote that points back ("Am Mittwoch traf er ...") carries the sentence before it (rag/quotes.py)."""

from __future__ import annotations

import pytest

from rag.quotes import points_back, with_antecedents
from rag.types import Chunk, Citation, Passage

SENTENCES = ((0, 30, "Der Gast kam am Dienstag an."), (31, 66, "Am Mittwoch traf er den Präsidenten."),
             (67, 90, "Die Gespräche dauerten lange."))


def _chunk(first: int, last: int) -> Chunk:
    part = SENTENCES[first:last + 1]
    return Chunk(id=f"c{first}", source="a.txt", title="T", date=None, start=part[0][0], end=part[-1][1],
                 text=" ".join(t for _, _, t in part), sentences=tuple((a, b) for a, b, _ in part),
                 sentence_texts=tuple(t for _, _, t in part), n_tokens=10, language="de")


def _cite(i: int, marker: int = 1, language: str = "de") -> Citation:
    a, b, t = SENTENCES[i]
    return Citation(marker=marker, source="a.txt", title="T", date=None, passage=t, quote=t, start=a, end=b,
                    chunk_id="c", language=language)


@pytest.mark.parametrize("quote, language, expected", [
    ("Am Mittwoch traf er den Präsidenten.", "de", True),
    ("Er traf den Präsidenten.", "de", True),
    ("He met the president.", "en", True),
    ("Ella llegó el martes.", "es", True),
    ("Il est arrivé mardi.", "fr", True),
    ("Der Gast kam am Dienstag an und traf ihn.", "de", False),  # the pronoun comes late: the name is there
    ("The president met the guest.", "en", False),
    ("He met the president.", "xx", False),  # no profile, no pronoun list
    ("", "de", False),
])
def test_points_back(quote, language, expected):
    assert points_back(quote, language) is expected


def test_the_sentence_before_comes_from_the_passage():
    (c,) = with_antecedents([_cite(1)], [Passage(_chunk(0, 2), 1.0, 1)])
    assert c.context == "Der Gast kam am Dienstag an." and c.quote == SENTENCES[1][2]  # the quote is untouched


def test_at_a_chunk_start_the_sentence_before_comes_from_the_article():
    asked = []

    def sentences_of(source):
        asked.append(source)
        return SENTENCES

    (c,) = with_antecedents([_cite(1)], [Passage(_chunk(1, 2), 1.0, 1)], sentences_of)
    assert c.context == "Der Gast kam am Dienstag an." and asked == ["a.txt"]


def test_no_context_when_the_sentence_before_is_quoted_too_or_unknown():
    both = with_antecedents([_cite(0, 1), _cite(1, 2)], [Passage(_chunk(0, 2), 1.0, 1)])
    assert [c.context for c in both] == ["", ""]

    def gone(source):
        raise KeyError(source)

    (c,) = with_antecedents([_cite(1)], [Passage(_chunk(1, 2), 1.0, 1)], gone)
    assert c.context == ""


def test_a_quote_that_names_its_subject_is_left_alone():
    (c,) = with_antecedents([_cite(2)], [Passage(_chunk(0, 2), 1.0, 1)])
    assert c.context == ""
