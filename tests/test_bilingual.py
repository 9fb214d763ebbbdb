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
    bilingual.translations.cache_clear()
    yield folder
    bilingual.translations.cache_clear()


def test_a_pair_reads_both_dictionaries(tiny_pair):
    table = bilingual.translations("eng", "deu")
    assert table["gift"] == ("Geschenk", "Gabe")  # tags and domains gone, the note too
    assert table["mayor"] == ("Bürgermeister",)
    assert table["letter"] == ("Brief",) and table["epistle"] == ("Brief",)  # the reverse dictionary, inverted
    assert "to give up" not in table and "town hall" not in table


def test_a_pair_is_cached_and_the_cache_follows_the_files(tiny_pair, tmp_path):
    bilingual.translations("eng", "deu")
    cached = list((tmp_path / "cache" / "rag" / "bilingual").glob("eng-deu-*.pkl"))
    assert len(cached) == 1
    _write_dict(tiny_pair, "freedict-eng-deu", ["gift /ɡɪft/\nPräsent\n"])  # an updated dictionary
    bilingual.translations.cache_clear()
    assert bilingual.translations("eng", "deu")["gift"] == ("Präsent",)


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
