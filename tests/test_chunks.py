"""Chunk sizes, sentence offsets, overlap and stable ids."""

from pathlib import Path

import pytest

from rag.chunks import chunk_article, split_sentences, token_counter
from rag.corpus import clean, load_corpus

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def articles():
    return load_corpus(SEEDS).articles


def test_chunks_fit_and_point_at_the_file(articles):
    count = token_counter()
    for a in articles:
        raw = Path(a.path).read_text(encoding="utf-8")
        chunks = chunk_article(a, 160, 40)
        assert len(chunks) >= 3
        for c in chunks:
            assert count(c.text) == c.n_tokens <= 160
            for (s, e), text in zip(c.sentences, c.sentence_texts):
                assert raw[s:e] == text
            assert (c.start, c.end) == (c.sentences[0][0], c.sentences[-1][1])


def test_bomber_sentence_is_one_sentence(articles):
    a = next(a for a in articles if a.source.startswith("000"))
    sentences = [s for c in chunk_article(a) for s in c.sentence_texts]
    assert ("Auf dem Knewitschi-Flugfeld wurden Kim strategische Bombenflugzeuge der Typen Tu-160, Tu-95MS und "
            "TU-22M3 vorgeführt.") in sentences


def test_overlap_repeats_trailing_sentences(articles):
    chunks = chunk_article(articles[3], 160, 40)
    assert any(set(a.sentences) & set(b.sentences) for a, b in zip(chunks, chunks[1:]))
    no_overlap = chunk_article(articles[3], 160, 0)
    assert not any(set(a.sentences) & set(b.sentences) for a, b in zip(no_overlap, no_overlap[1:]))


def test_ids_are_content_hashes(articles):
    first = [c.id for c in chunk_article(articles[0])]
    assert first == [c.id for c in chunk_article(articles[0])]
    assert len(set(first)) == len(first)
    changed = clean(Path(articles[0].path).read_text(encoding="utf-8") + "\n\nEin neuer Absatz am Ende.", articles[0].source)
    assert set(first[:-1]) <= {c.id for c in chunk_article(changed)}


def test_headings_do_not_fuse_with_sentences():
    text = "Gemeinsam gegen Imperialismus\n\nBeide Länder würden kämpfen. Das sagte Kim."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Gemeinsam gegen Imperialismus", "Beide Länder würden kämpfen.", "Das sagte Kim."]


def test_overlong_sentence_is_cut_at_words():
    a = clean("Wort " * 400 + "Ende.", "long.txt")
    chunks = chunk_article(a, 50, 10)
    assert all(c.n_tokens <= 50 for c in chunks)
    assert "".join(c.text.replace(" ", "") for c in chunk_article(a, 50, 0)) == a.text.replace(" ", "")
