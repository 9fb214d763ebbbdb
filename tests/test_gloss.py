"""The English gloss: word choice on a hand-made German-English dictionary, the real one on a seed sentence,
and the gloss vectors kept in step with the chunks in a real Chroma collection."""

import pytest

from rag.gloss import load_glossary
from rag.lexicon import Lexicon
from tests.conftest import write_dictd

ENTRIES = [
    ("zug", "Zug /tsˈuːk/ <masc, n, sg>\nstrain <n>\n   Synonyms: {Beanspruchung}\n"),
    ("zug", "Zug /tsˈuːk/ <masc, n, sg>\nmove <n>, play <n>\n"),
    ("zug", "Zug /tsˈuːk/ <masc, n, sg>\ntrain <n>\n         Note: railway\n"),
    ("besuch", "Besuch <masc>\nvisit <n>, call <n>\n"),
    ("verteidigung", "Verteidigung <fem>\ndefence <n> [Br.] , defense <n> [Am.]\n"),
    ("minister", "Minister <masc>\nminister <n>\n"),
    ("beenden", "beenden <v>\nend <v>, finish sth. <v>\n"),
]
BACK = {"train": ("Eisenbahnzug", "Zug"), "visit": ("Besuch",), "call": ("Anruf", "Ruf"), "move": ("Umzug", "Bewegung"),
        "play": ("Spiel",), "strain": ("Belastung",), "defence": ("Verteidigung",), "defense": ("Abwehr", "Verteidigung"),
        "minister": ("Minister",), "end": ("Ende",), "finish": ("beenden",)}


@pytest.fixture()
def glossary(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_dictd(tmp_path / "deu-eng", ENTRIES)
    load_glossary.cache_clear()
    yield load_glossary(str(tmp_path / "deu-eng"), Lexicon(BACK))
    load_glossary.cache_clear()


def test_words_take_the_sense_that_translates_back(glossary):
    # "move" and "play" are commoner English words than "train", but only "train" translates back to Zug
    assert glossary.gloss("Kim reiste mit dem Zug zum Besuch") == "Kim reiste train visit"
    assert glossary.gloss("Zug") == "train"


def test_compounds_inflections_numbers_and_names(glossary):
    assert glossary.gloss("Verteidigungsminister Schoigu") == "defense minister Schoigu"  # commoner, translates back
    assert glossary.gloss("Sie beendet 2023 den Besuch") == "finish 2023 visit"  # beendet -> beenden
    assert glossary.gloss("") == ""


def test_table_is_cached_and_missing_dictionary_is_none(glossary, tmp_path):
    assert list((tmp_path / "cache" / "rag").glob("glossary-*.pkl"))
    load_glossary.cache_clear()
    assert load_glossary(str(tmp_path / "deu-eng")).table == glossary.table
    assert load_glossary(str(tmp_path / "missing")) is None and load_glossary("") is None


def test_real_dictionary_glosses_a_seed_sentence(assistant):
    glossary = assistant._glossary()
    if glossary is None:
        pytest.skip("FreeDict deu-eng is not installed (`make install` installs dict-freedict-deu-eng)")
    words = glossary.gloss("Auf dem Knewitschi-Flugfeld wurden Kim strategische Bombenflugzeuge der Typen "
                           "Tu-160, Tu-95MS und TU-22M3 vorgeführt.").split()
    assert {"strategic", "bombs", "planes", "Tu-160", "TU-22M3"} <= set(words)  # Bombenflugzeuge: its two parts
    assert "der" not in words and "und" not in words


def test_gloss_vectors_follow_the_chunks(assistant, tmp_path):
    """Added once, not again; a removed chunk's vector goes; another model's vectors are replaced."""
    from rag.indexer import gloss_ready, sync_gloss
    from rag.store import Store, open_client

    glossary = assistant._glossary() or pytest.skip("FreeDict deu-eng is not installed")
    chunks = assistant.chunks[:6]
    store = Store(open_client(tmp_path / "index"), "articles-gloss")
    assert sync_gloss(chunks, store, assistant.embedder, glossary) == 6
    assert gloss_ready(store, assistant.embedder, chunks)
    assert sync_gloss(chunks, store, assistant.embedder, glossary) == 0
    assert sync_gloss(chunks[:4], store, assistant.embedder, glossary) == 0
    assert store.count() == 4 and not gloss_ready(store, assistant.embedder, chunks)
    assert gloss_ready(store, assistant.embedder, chunks[:4])
    assert not gloss_ready(store, assistant.embedder, chunks[1:5])  # as many vectors, not the same chunks
    store.write_manifest({"model": "another/model"})
    assert sync_gloss(chunks[:4], store, assistant.embedder, glossary) == 4


def test_gloss_finds_what_the_plain_vectors_miss(assistant):
    """An English paraphrase of German text: the plain MiniLM vectors rank the passage far down, the gloss
    vectors near the top (the train that brought Kim: "gepanzerten Sonderzug")."""
    retriever = assistant._retriever
    if retriever.gloss is None:
        pytest.skip("FreeDict deu-eng is not installed")
    question = "Kim left the railway station on his armoured special train"
    target = next(i for i, cid in enumerate(retriever.order) if "Sonderzug" in retriever.chunks[cid].text)
    rank = lambda sims: int((sims > sims[target]).sum()) + 1  # noqa: E731
    plain, glossed = rank(retriever._similarities(retriever.store, question)), rank(
        retriever._similarities(retriever.gloss, question))
    assert glossed <= 3 < plain, (glossed, plain)


def test_an_index_without_glosses_gets_them_on_load(tmp_path, seeds_dir, assistant):
    """An index built before glosses existed (or with them off) gains them on the next load; --rebuild
    starts them afresh."""
    from rag import Assistant, Settings
    from rag.indexer import gloss_ready

    if assistant._glossary() is None:
        pytest.skip("FreeDict deu-eng is not installed")
    settings = Settings.load(env={}, corpus_dir=str(seeds_dir), index_dir=str(tmp_path / "index"))
    Assistant(settings.replace(glossary="")).index()
    later = Assistant(settings)
    store = later._store(create=False)
    assert later._gloss_store(store).count() == 0
    later.warm_up()
    assert later._retriever.gloss is not None
    assert gloss_ready(later._gloss_store(store), later.embedder, store.all_chunks())
    report = later.index(rebuild=True)
    assert report.glossed == report.chunks
