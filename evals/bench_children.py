"""The phases of ``evals/bench.py``, each run in a fresh interpreter: ``bench.py --child PHASE JOB.json`` prints
its figures as one JSON line. The project is driven through its public interface only (``Assistant``,
``Settings``, ``index``, ``ask``, ``retrieve``, ``embedder``); the quickstart is LlamaIndex's, as documented.

Times are wall seconds (``seconds``) and CPU seconds of all the process's threads (``cpu``); latencies are wall
milliseconds per call; memory is bytes (peak: ``ru_maxrss``; warm: the resident set after the timed calls).
"""

from __future__ import annotations

import copy
import json
import random
import resource
import time

import bench_corpora as corpora


def run(phase: str, job_file: str) -> int:
    with open(job_file, encoding="utf-8") as f:
        job = json.load(f)
    quickstart = job.get("system") == "quickstart"
    phases = {"import": (import_floor, import_floor), "index": (index, qs_index), "floor": (floor, floor),
              "serve": (serve, qs_serve)}
    print(json.dumps(phases[phase][quickstart](job)), flush=True)
    return 0


def import_floor(job: dict) -> dict:
    import chromadb  # noqa: F401
    import llama_index.core  # noqa: F401
    import sentence_transformers  # noqa: F401
    import torch  # noqa: F401

    return {"seconds": time.time() - job["spawned"], "cpu": _now()[1]}


# indexing
def index(job: dict) -> dict:
    bot = _assistant(job)
    bot.embedder.warm_up(passages=True)  # loading the model is start-up, not indexing
    tally = Tally(job["sample"], bot.embedder.dim)
    real = count_passages(bot.embedder, tally, job["standin"])
    start = _now()
    report = bot.index()
    out = {**_since(start), "chunks": report.chunks, "articles": report.articles, "texts": tally.count,
           "peak_rss": _peak()}
    return tally.extrapolated(out, real) if job["standin"] else out


def qs_index(job: dict) -> dict:
    import chromadb
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    tally = Tally(job["sample"])

    class CountedHF(HuggingFaceEmbedding):
        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            if job["standin"]:
                return tally.stand_in(texts).tolist()
            tally.see(texts)
            return super()._get_text_embeddings(texts)

    embed = CountedHF(model_name=job["minilm"])  # loads the model: not indexing
    tally.dim = len(embed.get_query_embedding("a"))
    collection = chromadb.PersistentClient(path=job["index"]).get_or_create_collection("quickstart")
    start = _now()
    documents = SimpleDirectoryReader(job["corpus"]).load_data()
    VectorStoreIndex.from_documents(
        documents, storage_context=StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection)),
        embed_model=embed, transformations=[SentenceSplitter(chunk_size=job["chunk_tokens"], chunk_overlap=job["chunk_overlap"])])
    out = {**_since(start), "chunks": collection.count(), "articles": len(documents), "texts": tally.count,
           "peak_rss": _peak()}

    def encode(texts: list[str]) -> None:
        step = embed.embed_batch_size
        for i in range(0, len(texts), step):
            HuggingFaceEmbedding._get_text_embeddings(embed, texts[i:i + step])

    return tally.extrapolated(out, encode) if job["standin"] else out


class Tally:
    """Counts the texts an indexer embeds and keeps a fixed-seed sample of them; at L, answers stand-in vectors
    and later times the real model on the sample to extrapolate what embedding everything would have cost."""

    def __init__(self, sample: int, dim: int = 0) -> None:
        self.count, self.size, self.sample, self.dim = 0, sample, [], dim
        self.rng, self.vectors, self.spent = random.Random(corpora.SEED), None, {"seconds": 0.0, "cpu": 0.0}

    def see(self, texts: list[str]) -> None:
        for t in texts:  # reservoir sampling: every text has the same chance
            self.count += 1
            if len(self.sample) < self.size:
                self.sample.append(t)
            elif (j := self.rng.randrange(self.count)) < self.size:
                self.sample[j] = t

    def stand_in(self, texts: list[str]):
        start = _now()
        self.see(texts)
        self.vectors = self.vectors or corpora.StandInVectors(self.dim)
        out = self.vectors(texts)
        for k, v in _since(start).items():
            self.spent[k] += v
        return out

    def extrapolated(self, measured: dict, encode) -> dict:
        """``measured`` with the stand-in's time replaced by the real model's on every text, from the sample."""
        start = _now()
        encode(self.sample)
        per_text = {k: v / max(len(self.sample), 1) for k, v in _since(start).items()}
        return {**measured, "sample": len(self.sample), "measured": {k: measured[k] for k in per_text},
                **{k: measured[k] - self.spent[k] + per_text[k] * self.count for k in per_text}}


def count_passages(embedder, tally: Tally, standin: bool):
    """Make ``embedder.embed_passages`` count its texts, or (``standin``) answer them with stand-in vectors;
    returns the real method. The instance itself is patched, so whatever part of the assistant holds it
    uses the patch. Queries always go to the real model."""
    real = embedder.embed_passages

    def embed_passages(texts: list[str], batch_size: int = 32):
        if standin:
            return tally.stand_in(texts)
        tally.see(texts)
        return real(texts, batch_size)

    embedder.embed_passages = embed_passages
    return real


# the floor: raw encode of the same chunk texts by the same model + a Chroma add of them
def floor(job: dict) -> dict:
    if job["system"] == "quickstart":
        from llama_index.core import SimpleDirectoryReader
        from llama_index.core.node_parser import SentenceSplitter
        from sentence_transformers import SentenceTransformer

        splitter = SentenceSplitter(chunk_size=job["chunk_tokens"], chunk_overlap=job["chunk_overlap"])
        texts = [n.get_content() for n in splitter(SimpleDirectoryReader(job["corpus"]).load_data())]
        model = SentenceTransformer(job["minilm"], device="cpu")
        dim = (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()

        def encode(batch: list[str]):
            return model.encode(batch, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    else:
        bot = _assistant(job)
        texts = corpora.chunk_texts(job["corpus"], bot.settings.chunk_tokens, bot.settings.chunk_overlap)
        bot.embedder.warm_up(passages=True)
        encode, dim = bot.embedder.embed_passages, bot.embedder.dim
    import chromadb

    client = chromadb.PersistentClient(path=job["floor_db"])
    collection = client.create_collection("floor", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    if job["standin"]:
        sample = random.Random(corpora.SEED).sample(texts, min(job["sample"], len(texts)))
        start = _now()
        encode(sample)
        encoded = {k: v * len(texts) / len(sample) for k, v in _since(start).items()}
        vectors = corpora.StandInVectors(dim)(texts)
    else:
        start = _now()
        vectors = encode(texts)
        encoded = _since(start)
    start, step = _now(), min(5000, client.get_max_batch_size())
    for i in range(0, len(texts), step):
        collection.add(ids=[str(j) for j in range(i, min(i + step, len(texts)))], embeddings=vectors[i:i + step],
                       documents=texts[i:i + step])
    added = _since(start)
    return {**{k: encoded[k] + added[k] for k in added}, "encode": encoded, "add": added, "texts": len(texts)}


# start-up to the first answer, then warm latency and memory
def serve(job: dict) -> dict:
    bot = _assistant(job)
    bot.ask(job["first"])
    out = {"startup": time.time() - job["spawned"], "startup_cpu": _now()[1]}
    # a copy of the embedder is another key to its query cache: every floor embedding is computed
    return {**out, **_warm(job, bot.ask, bot.retrieve, lambda: copy.copy(bot.embedder).embed_query, bot.settings.top_k)}


def qs_serve(job: dict) -> dict:
    import chromadb
    from llama_index.core import Settings, VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    Settings.llm = MockLLM()  # no LLM: the query engine retrieves and returns the nodes (response_mode="no_text")
    embed = HuggingFaceEmbedding(model_name=job["minilm"])
    collection = chromadb.PersistentClient(path=job["index"]).get_collection("quickstart")
    index = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=collection), embed_model=embed)
    engine = index.as_query_engine(response_mode="no_text", similarity_top_k=job["top_k"])
    retriever = index.as_retriever(similarity_top_k=job["top_k"])
    engine.query(job["first"])
    out = {"startup": time.time() - job["spawned"], "startup_cpu": _now()[1]}
    return {**out, **_warm(job, engine.query, retriever.retrieve, lambda: embed.get_query_embedding, job["top_k"])}


def _warm(job: dict, answer, retrieve, query_embedder, top_k: int) -> dict:
    """Warm latency (ms) of ``answer`` and ``retrieve``, each call followed by the floor on the same question
    (one query embedding, then a Chroma top-k over the floor's collection of the same chunks), so both see the
    same load on a shared machine; then warm and peak RSS. The floor's collection is not the system's: the
    memory it adds, measured when it is opened, is taken off."""
    import chromadb
    import psutil

    process, peak_before = psutil.Process(), _peak()
    before = process.memory_info().rss
    collection = chromadb.PersistentClient(path=job["floor_db"]).get_collection("floor")
    _floor(collection, query_embedder(), job["first"], top_k)  # loads the floor's vectors
    extra = max(process.memory_info().rss - before, 0)
    out: dict = {"answer": [], "retrieve": [], "embed": [], "floor": []}
    for kind, call in (("answer", answer), ("retrieve", retrieve)):
        for q in job[kind]:
            start = time.perf_counter()
            call(q)
            out[kind].append((time.perf_counter() - start) * 1000)
            embedded, total = _floor(collection, query_embedder(), q, top_k)
            out["embed"].append(embedded)
            out["floor"].append(total)
    return {**out, "warm_rss": process.memory_info().rss - extra, "peak_rss": max(peak_before, _peak() - extra),
            "floor_rss": extra}


def _floor(collection, embed, question: str, top_k: int) -> tuple[float, float]:
    """Milliseconds for one query embedding, and for it plus a Chroma top-k."""
    start = time.perf_counter()
    vector = embed(question)
    middle = time.perf_counter()
    collection.query(query_embeddings=[list(map(float, vector))], n_results=top_k)
    return (middle - start) * 1000, (time.perf_counter() - start) * 1000


def _assistant(job: dict):
    from rag import Assistant, Settings

    return Assistant(Settings.load(index_dir=job["index"], corpus_dir=job["corpus"], **_model(job)))


def _model(job: dict) -> dict:
    return {"embedding_model": job["model"]} if job["model"] else {}


def _now() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), r.ru_utime + r.ru_stime


def _since(start: tuple[float, float]) -> dict:
    wall, cpu = _now()
    return {"seconds": wall - start[0], "cpu": cpu - start[1]}


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
