"""Dictionary translations between profile languages: read from FreeDict's dictd files (a tiny pair written
here, and the installed ones when present), and used by lexical matching across languages."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from rag import bilingual
from rag.lexical import Lexical, QueryTerms

_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(n: int) -> str:
    out = ""
    while True:
        out = _DIGITS[n % 64] + out
        n //= 64
        if not n:
            return out


def _write_dict(folder: Path, name: str, entries: list[str]) -> None:
    """A dictd dictionary as FreeDict ships it: gzip'd bodies, an index of base64 offsets and lengths."""
    body, index, offset = b"", [], 0
    for entry in ["00-database-info\nA test dictionary\n", *entries]:
        data = entry.encode("utf-8")
        index.append(f"{entry.split(chr(10))[0].split(' /')[0]}\t{_b64(offset)}\t{_b64(len(data))}")
        body, offset = body + data, offset + len(data)
    (folder / f"{name}.dict.dz").write_bytes(gzip.compress(body))
    (folder / f"{name}.index").write_text("\n".join(index) + "\n", encoding="utf-8")


@pytest.fixture
def tiny_pair(tmp_path, monkeypatch):
    folder = tmp_path / "dictd"
    folder.mkdir()
    _write_dict(folder, "freedict-eng-deu", [
        "gift /ɡɪft/\nGeschenk <neut>, Gabe <fem> [formal]\n         Note: a present\n",
        "mayor /mˈeə/\nBürgermeister <masc>\n",
        "to give up /tə ɡɪv ʌp/\naufgeben\n",  # a phrase: left out
    ])
    _write_dict(folder, "freedict-deu-eng", [
        "Brief /bɾiːf/\nletter, epistle\n",  # read inverted: letter -> Brief
        "Rathaus /ʁaːthaʊs/\ntown hall <n>\n",  # a phrase translation: left out
    ])
    monkeypatch.setattr(bilingual, "DICT_DIRS", (folder,))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bilingual.forget()
    yield folder
    bilingual.forget()


def test_a_pair_reads_both_dictionaries(tiny_pair):
    table = bilingual.translations("eng", "deu")
    assert table["gift"] == ("Geschenk", "Gabe")  # tags and domains gone, the note too
    assert table["mayor"] == ("Bürgermeister",)
    assert table["letter"] == ("Brief",) and table["epistle"] == ("Brief",)  # the reverse dictionary, inverted
    assert "to give up" not in table and "town hall" not in table


def test_a_pair_is_cached_and_the_cache_follows_the_files(tiny_pair, tmp_path, monkeypatch):
    first = bilingual.translations("eng", "deu")
    assert len(list((tmp_path / "cache" / "rag" / "bilingual").glob("eng-deu-*.json"))) == 1
    bilingual.forget()
    with monkeypatch.context() as m:  # a second process reads the cache, not the dictionaries
        m.setattr(bilingual, "_entries", lambda *a: (_ for _ in ()).throw(AssertionError("parsed again")))
        assert bilingual.translations("eng", "deu") == first
    _write_dict(tiny_pair, "freedict-eng-deu", ["gift /ɡɪft/\nPräsent\n"])  # an updated dictionary
    bilingual.forget()
    assert bilingual.translations("eng", "deu")["gift"] == ("Präsent",)
    assert len(list((tmp_path / "cache" / "rag" / "bilingual").glob("eng-deu-*.json"))) == 1  # the old one went


@pytest.mark.parametrize("damage", ["not gzip", "truncated", "bad offsets"])
def test_a_damaged_dictionary_is_skipped(tiny_pair, damage):
    dz, index = tiny_pair / "freedict-eng-deu.dict.dz", tiny_pair / "freedict-eng-deu.index"
    if damage == "not gzip":
        dz.write_bytes(b"plain text")
    elif damage == "truncated":
        dz.write_bytes(dz.read_bytes()[:20])
    else:
        index.write_text("gift\t!!\t??\nmayor\n", encoding="utf-8")
    table = bilingual.translations("eng", "deu")
    assert "gift" not in table and table["letter"] == ("Brief",)  # the other half of the pair still counts


def test_inflected_words_find_their_headword(tiny_pair):
    lex = Lexical.build(GERMAN, ["de", "de"])
    assert lex.terms("the mayors", "en").bridged["de"]["mayors"] == ("burgermeist",)


def test_a_stop_word_of_the_articles_language_still_translates(tiny_pair):
    """English "war" is a German stop word; over German articles it must still find "Krieg"."""
    _write_dict(tiny_pair, "freedict-eng-deu", ["war /wɔː/\nKrieg <masc>\n"])
    bilingual.forget()
    lex = Lexical.build(["Der Krieg endete im Mai.", "Der Frieden kam im Mai."], ["de", "de"])
    terms = lex.terms("When did the war end?", "en")
    assert terms.bridged["de"]["war"] == ("krieg",)
    scores = lex.bridged_scores(terms, "de")
    assert scores[0] > scores[1] == 0


def test_no_dictionary_no_translations(tiny_pair):
    assert bilingual.translations("eng", "fra") == {}


GERMAN = ["Der Bürgermeister bekam zum Abschied ein Geschenk aus Holz.",
          "Der Bürgermeister bekam am Montag einen Brief aus Berlin."]


def test_translated_words_meet_the_articles_words(tiny_pair):
    lex = Lexical.build(GERMAN, ["de", "de"])
    terms = lex.terms("Which gift did the mayor get?", "en")
    assert set(terms.bridged) == {"de"}
    scores = lex.bridged_scores(terms, "de")
    assert scores[0] > scores[1] > 0  # both name the mayor, only the first the gift
    assert lex.coverage(terms, GERMAN[0], "de") > lex.coverage(terms, GERMAN[1], "de")
    assert lex.absent_share(terms) < lex.absent_share(lex.terms("Which present did the mayor get?", "en"))


def test_alternatives_count_once(tiny_pair):
    """A word's translations are alternatives: a text scores by the best of them, not by their sum."""
    lex = Lexical.build(["Ein Geschenk und eine Gabe für den Gast.", "Ein Brief für den Gast, im Haus."], ["de", "de"])
    terms = lex.terms("the gift", "en")
    each = [lex.scores(QueryTerms({s: (s,)}))[0] for s in terms.bridged["de"]["gift"]]
    assert len(each) == 2 and min(each) > 0
    assert lex.bridged_scores(terms, "de")[0] == pytest.approx(max(each))


def test_same_language_needs_no_bridge(tiny_pair):
    lex = Lexical.build(GERMAN, ["de", "de"])
    terms = lex.terms("Welches Geschenk bekam der Bürgermeister?", "de")
    assert terms.bridged == {} and lex.bridged_scores(terms, "de") is None


@pytest.mark.skipif(not any((d / "freedict-eng-deu.index").is_file() for d in bilingual.DICT_DIRS),
                    reason="FreeDict eng-deu is not installed (make installs it)")
def test_the_installed_dictionary():
    table = bilingual.translations("eng", "deu")
    assert "Krieg" in table["war"] and "Geschenk" in table["gift"]


def test_an_english_question_meets_german_articles_through_the_dictionary(tiny_pair, tmp_path):
    """End to end: the lexical side ranks the German passage holding the translated words first. The file
    named last would come last on a tie, so only the translations can put it first."""
    from rag import Assistant, Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a_brief.txt").write_text("Post aus Berlin\n\n" + GERMAN[1] + " Er las ihn sofort.\n", encoding="utf-8")
    (corpus / "b_markt.txt").write_text("Wochenmarkt\n\nAm Samstag verkauften die Bauern Äpfel und Birnen auf dem "
                                        "Marktplatz.\n", encoding="utf-8")
    (corpus / "z_abschied.txt").write_text("Abschied\n\n" + GERMAN[0] + " Er dankte allen.\n", encoding="utf-8")
    settings = Settings.load(env={}, corpus_dir=str(corpus), index_dir=str(tmp_path / "index"))
    passages = Assistant(settings).retrieve("Which gift did the mayor get?", top_k=3)
    by_source = {p.chunk.source: p for p in passages}
    assert by_source["z_abschied.txt"].lexical_rank == 1 and by_source["a_brief.txt"].lexical_rank == 2
    assert passages[0].chunk.source == "z_abschied.txt"
