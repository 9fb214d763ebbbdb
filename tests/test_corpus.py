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


PAGE = Path(__file__).resolve().parent / "pages" / "zoo_page.html"


def test_saved_news_page_gives_text_and_metadata(tmp_path):
    (tmp_path / "zoo.html").write_bytes(PAGE.read_bytes())
    (tmp_path / "zoo.htm").write_bytes(PAGE.read_bytes().replace(b"Zeraphina", b"Amani"))
    got = {a.source: a for a in load_corpus(tmp_path).articles}
    a = got["zoo.html"]
    assert (a.title, a.outlet, a.author, a.date, a.language) == (
        "Giraffe Zeraphina delights Pyongyang zoo", "The Daily Example", "Jane Reporter", "2023-09-14", "en")
    assert "forty kilograms of acacia leaves" in a.text and "her & her calf, which was born in March" in a.text
    for junk in ("Subscribe", "Cookie", "__pwned", "<p", "World"):  # menus, footer, script and tags stay behind
        assert junk not in a.text
    assert "Amani" in got["zoo.htm"].text
    # offsets count in the extracted text; chunks carry the outlet and author into the index
    from rag.chunks import chunk_article
    from rag.corpus import html_text

    text, _ = html_text(PAGE.read_bytes())
    for c in chunk_article(a):
        assert (c.outlet, c.author) == ("The Daily Example", "Jane Reporter")
        assert all(text[s:e] == t for (s, e), t in zip(c.sentences, c.sentence_texts))


def test_html_charset_and_pages_without_text(tmp_path):
    page = ('<html><head><meta charset="iso-8859-1"><title>Käse aus Thüringen</title></head><body><article>'
            '<p>Die Käserei in Thüringen stellt jeden Tag zweihundert Laibe Bergkäse her, sagte der Betreiber.</p>'
            '<p>Der Käse reift sechs Monate in einem Stollen unter dem Dorf, bevor er verkauft wird.</p>'
            '</article></body></html>')
    (tmp_path / "kaese.html").write_bytes(page.encode("latin-1"))
    (tmp_path / "menu.html").write_text("<html><body><script>var x = 1;</script></body></html>")
    result = load_corpus(tmp_path)
    assert [a.source for a in result.articles] == ["kaese.html"]
    assert "zweihundert Laibe Bergkäse" in result.articles[0].text
    assert [(Path(p).name, why) for p, why in result.skipped] == [("menu.html", "no article text found in the HTML")]


def test_symlink_loops_and_dangling_links_are_reported(tmp_path):
    (tmp_path / "good.txt").write_text("Kim besuchte Wladiwostok.", encoding="utf-8")
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    result = load_corpus(tmp_path)
    assert [a.source for a in result.articles] == ["good.txt"]
    assert sorted((Path(p).name, why) for p, why in result.skipped) == [
        ("a.txt", "a symbolic link loop"), ("b.txt", "a symbolic link loop"), ("gone.md", "a broken symbolic link")]
    with pytest.raises(CorpusError, match="symbolic link loop"):
        load_corpus(tmp_path / "a.txt")
