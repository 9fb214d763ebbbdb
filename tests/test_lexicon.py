"""The FreeDict reader, on a hand-made two-entry dictionary in dictd format."""

from tests.conftest import write_dictd

from rag.lexicon import load_lexicon


def test_translations_skip_abbreviations_notes_and_examples(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    base = tmp_path / "eng-deu"
    write_dictd(base, [
        ("station", "station /stˈeɪʃən/\nBahnhof <masc>Bhf.,  /bˌiːˌeɪtʃˈɛf/\n"
                    '      "long-distance railway station"  - Fernbahnhof\n'),
        ("station", "station /stˈeɪʃən/\nBahnstation <fem>, Station <fem> [transp.]\n   Note: Haltestelle\n"),
        ("north korea", "north korea\nNordkorea <neut>\n"),
    ])
    lexicon = load_lexicon(str(base))
    assert lexicon.translate("stations") == ("Bahnhof", "Bahnstation", "Station")  # plural found, no "Bhf."
    assert lexicon.translate("north korea") == ("Nordkorea",)
    assert lexicon.translate("hotel") == ()
    assert lexicon.is_german_word("Bahnhofs") and lexicon.is_german_word("Hauptbahnhof")
    load_lexicon.cache_clear()
    assert load_lexicon(str(base)).table == lexicon.table  # read back from the cache
    assert list((tmp_path / "cache" / "rag").glob("lexicon-*.pkl"))


def test_no_dictionary_is_none(tmp_path):
    assert load_lexicon(str(tmp_path / "missing")) is None
    assert load_lexicon("") is None
