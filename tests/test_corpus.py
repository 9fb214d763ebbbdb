"""Cleaning, dates, offsets and unreadable files."""

from pathlib import Path

import pytest

from rag.corpus import clean, load_corpus
from rag.errors import CorpusError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def articles():
    result = load_corpus(SEEDS)
    assert not result.skipped
    return {a.source[:3]: a for a in result.articles}


@pytest.mark.parametrize("prefix,date", [("000", None), ("001", "2023-09"), ("002", "2023-09"), ("003", None),
                                         ("004", "2023-09-13")])
def test_dates(articles, prefix, date):
    assert articles[prefix].date == date


def test_junk_lines_are_removed(articles):
    a = articles["004"]
    assert "ttn-de-23" not in a.text
    assert "Schreibe einen Kommentar" not in a.text
    assert "1694609902" not in a.text
    assert "Bild AFP" not in a.text and "Bild ANP" not in a.text
    assert a.title == "Putin verhätschelt Kim Jong-un in der Hoffnung auf mehr Munition"
    assert "date 2023-09" not in articles["001"].text
    assert articles["001"].text.startswith("Seoul. Der nordkoreanische Staatschef")


def test_real_text_is_kept(articles):
    assert "Über den Autor" in articles["004"].text  # headings and author boxes are text
    assert "Westen besorgt über Zusammenarbeit der Diktatoren" in articles["000"].text


def test_offsets_point_into_the_file(articles):
    for a in articles.values():
        raw = Path(a.path).read_text(encoding="utf-8")
        for clean_start, source_start, length in a.segments:
            assert a.text[clean_start:clean_start + length] == raw[source_start:source_start + length]
        i = a.text.index("Kim")
        assert raw[a.to_source(i):a.to_source(i) + 3] == "Kim"


@pytest.mark.parametrize("raw,kept", [
    ("", None),
    ("\n \n", None),
    ("x", "x"),
    ("Kim 🚀 besucht Russland.", "Kim 🚀 besucht Russland."),
    ("\ufeffÜber Straßen und Flüsse.", "Über Straßen und Flüsse."),
    ("Titel\n\nText.\n\nText.\n", "Titel\n\nText."),
])
def test_edge_cases(raw, kept):
    a = clean(raw, "x.txt")
    assert (a.text if a else None) == kept


def test_bad_files_are_reported_and_skipped(tmp_path):
    (tmp_path / "good.txt").write_text("Kim besuchte Wladiwostok.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Kim besuchte Wladiwostok und aß Käse.".encode("latin-1"))
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    result = load_corpus(tmp_path)
    assert [a.source for a in result.articles] == ["good.txt"]
    assert sorted((Path(p).name, why) for p, why in result.skipped) == [("empty.txt", "empty"),
                                                                        ("latin1.txt", "not UTF-8 text")]


def test_missing_folder_names_the_path(tmp_path):
    with pytest.raises(CorpusError, match="nowhere"):
        load_corpus(tmp_path / "nowhere")


def test_byte_order_mark_keeps_offsets(tmp_path):
    raw = "\ufeffTitel hier\r\n\r\nKim besucht Russland. Er traf Putin.\r\n"
    (tmp_path / "bom.txt").write_bytes(raw.encode("utf-8"))
    a = load_corpus(tmp_path).articles[0]
    text = (tmp_path / "bom.txt").read_bytes().decode("utf-8")
    i = a.text.index("Kim")
    assert a.title == "Titel hier" and text[a.to_source(i):a.to_source(i) + 20] == "Kim besucht Russland"
