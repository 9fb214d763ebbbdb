"""Convert the XQuAD development half into this project's eval format (corpora + JSONL question sets).

Why: the hand-written evals only cover the news articles the project was built on. XQuAD gives
parallel, professionally translated German/English/Spanish Wikipedia paragraphs with questions, so
retrieval and answers can be measured on text the project was not written for: English questions
over German text (the project's own case), German over German, English over Spanish, English over
English, an unanswerable mix made by indexing only some of the articles, and a near-miss mix made by
indexing every article less two of its paragraphs (questions about a subject the articles cover, whose answer
was in a paragraph left out), and a sentence near-miss mix made by deleting the sentence that answers a third
of the questions (the paragraph around it stays: the question's subject is all there, its fact is not).

Usage: python evals/convert_xquad.py [--src DIR] [--out DIR]. Deterministic: same input, same output.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
from pathlib import Path

LANGS = ("de", "en", "es")
SENTENCE_ENDS = (". ", "? ", "! ", "\n")
REACH = 40  # evidence: characters of context kept on each side of the answer, at most
SETS = {"en-de": ("en", "de"), "de-de": ("de", "de"), "en-es": ("en", "es"), "en-en": ("en", "en")}


def slug(title: str) -> str:
    ascii_title = title.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")


def file_name(index: int, en_title: str) -> str:
    return f"{index:02d}_{slug(en_title)}.txt"


def article_text(article: dict) -> str:
    """Title line, blank line, then the contexts verbatim, separated by one blank line."""
    title = article["title"].replace("_", " ")
    return "\n\n".join([title] + [p["context"] for p in article["paragraphs"]]) + "\n"


def locate(context: str, text: str, start: int) -> int | None:
    if context[start:start + len(text)] == text:
        return start
    found = context.find(text)
    return found if found >= 0 else None


def evidence(context: str, start: int, end: int) -> str:
    """Whole-word window of up to REACH characters around context[start:end], inside its sentence."""
    before = [context.rfind(s, 0, start) for s in SENTENCE_ENDS]
    after = [context.find(s, end - 1) for s in SENTENCE_ENDS]
    floor = max([at + len(s) for at, s in zip(before, SENTENCE_ENDS) if at >= 0], default=0)
    ceil = min([at + 1 for at in after if at >= 0], default=len(context))  # keeps the "." of ". "
    lo, hi = max(floor, start - REACH), min(ceil, end + REACH)
    if lo > floor and not context[lo - 1].isspace() and not context[lo].isspace():  # lo cuts a word
        gap = re.search(r"\s", context[lo:start])
        if gap:  # inward: drop the partial word
            lo += gap.end()
        else:  # the answer itself starts inside a word: take the whole word
            while lo > floor and not context[lo - 1].isspace():
                lo -= 1
    if hi < ceil and not context[hi - 1].isspace() and not context[hi].isspace():  # hi cuts a word
        gaps = [m.start() for m in re.finditer(r"\s", context[end:hi])]
        if gaps:
            hi = end + gaps[-1]
        else:
            while hi < ceil and not context[hi].isspace():
                hi += 1
    return context[lo:hi].strip()


def split_articles(en: list[dict]) -> dict[str, list[int]]:
    """Sort by sha256 of the English title: first 12 are dev, the rest test (split order)."""
    order = sorted(range(len(en)), key=lambda i: hashlib.sha256(en[i]["title"].encode()).hexdigest())
    half = len(order) // 2
    return {"dev": order[:half], "test": order[half:]}


def questions(article: dict) -> list[tuple[int, tuple[dict, str]]]:
    """(position in the article, question, context) in file order."""
    return list(enumerate((q, p["context"]) for p in article["paragraphs"] for q in p["qas"]))


def build_rows(data: dict[str, list[dict]], en: list[dict], articles: list[int], q_lang: str, a_lang: str,
               prefix: str) -> tuple[list[tuple[tuple[int, int], dict]], int]:
    """Answerable rows, keyed by (article index, position) for file order, and the number skipped."""
    rows, skipped = [], 0
    for i in sorted(articles):
        for (pos, (q, _)), (_, (a, context)) in zip(questions(data[q_lang][i]), questions(data[a_lang][i])):
            assert q["id"] == a["id"], (q["id"], a["id"])
            found = [(t["text"], locate(context, t["text"], t["answer_start"])) for t in a["answers"]]
            found = [(text, start) for text, start in found if start is not None]
            if not found:
                skipped += 1
                continue
            text, start = found[0]
            rows.append(((i, pos), {
                "id": f"{prefix}-{q['id']}", "question": q["question"],
                "answers": [list(dict.fromkeys(t for t, _ in found))], "sources": [file_name(i, en[i]["title"])],
                "evidence": [evidence(context, start, start + len(text))], "answerable": True}))
    return rows, skipped


def unanswerable_row(prefix: str, q: dict) -> dict:
    return {"id": f"{prefix}-{q['id']}", "question": q["question"], "answers": [], "sources": [], "evidence": [],
            "answerable": False}


def in_file_order(keyed: list[tuple]) -> list[dict]:
    """Rows keyed by (article, position), in that order, without their keys."""
    return [row for _, row in sorted(keyed, key=lambda r: r[0])]


def balanced(missing: list, pool: list, rng: random.Random) -> list[dict]:
    """The unanswerable rows with as many answerable ones drawn from ``pool``, in file order."""
    return in_file_order(missing + rng.sample(pool, min(len(missing), len(pool))))


def unanswerable_rows(data: dict[str, list[dict]], en: list[dict], articles: list[int]) -> tuple[list[dict], int]:
    """100 English questions answerable from the first 8 articles (split order), 100 from the last 4."""
    answerable, skipped = build_rows(data, en, articles[:-4], "en", "de", "xq-un-en-de")
    asked = [((i, pos), q) for i in sorted(articles[-4:]) for pos, (q, _) in questions(en[i])]
    rng = random.Random(13)
    rows = rng.sample(answerable, 100)
    if len(asked) < 100:
        print(f"  note: only {len(asked)} questions in the 4 missing articles; all are used")
    rows += [(key, unanswerable_row("xq-un-en-de", q)) for key, q in rng.sample(asked, min(100, len(asked)))]
    return in_file_order(rows), skipped


GAPS = 2  # paragraphs left out of each article for the near-miss mix


def left_out(articles: list[int], count: int) -> dict[int, set[int]]:
    """Which paragraphs of each article the near-miss corpus leaves out (fixed seed)."""
    rng = random.Random(17)
    return {i: set(rng.sample(range(count), GAPS)) for i in sorted(articles)}


def nearmiss_rows(data: dict[str, list[dict]], en: list[dict], articles: list[int]) -> tuple[list[dict], dict[int, str]]:
    """English questions about the German paragraphs left out (unanswerable, unless the answer appears in
    what is kept), and as many about the paragraphs kept (answerable), in file order; with each article's
    text without those paragraphs."""
    gaps = left_out(articles, len(en[articles[0]]["paragraphs"]))
    texts = {i: article_text({**data["de"][i], "paragraphs": [p for n, p in enumerate(data["de"][i]["paragraphs"])
                                                               if n not in gaps[i]]}) for i in articles}
    kept_text = "\n".join(p["context"] for i in articles for n, p in enumerate(data["de"][i]["paragraphs"])
                          if n not in gaps[i]).casefold()
    answerable, _ = build_rows(data, en, articles, "en", "de", "xq-nm-en-de")
    inside, missing = [], []
    for i in sorted(articles):
        pos = 0
        for n, (q_par, a_par) in enumerate(zip(en[i]["paragraphs"], data["de"][i]["paragraphs"])):
            for q, a in zip(q_par["qas"], a_par["qas"]):
                if n in gaps[i] and not any(t["text"].casefold() in kept_text for t in a["answers"]):
                    missing.append(((i, pos), unanswerable_row("xq-nm-en-de", q)))
                elif n not in gaps[i]:
                    inside.append((i, pos))
                pos += 1
    kept = set(inside)
    return balanced(missing, [row for row in answerable if row[0] in kept], random.Random(17)), texts


SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„“\"(])")


def sentence_spans(context: str) -> list[tuple[int, int]]:
    """Start and end of each sentence of a paragraph (a plain splitter: the converter needs no model)."""
    starts = [0] + [m.end() for m in SENTENCE.finditer(context)]
    return [(a, b) for a, b in zip(starts, starts[1:] + [len(context)])]


def gapped_rows(data: dict[str, list[dict]], en: list[dict], articles: list[int]) -> tuple[list[dict], dict[int, str]]:
    """English questions over German paragraphs with the sentence that answers a third of them deleted
    (unanswerable, unless the answer appears elsewhere), and as many whose answer still stands; with each
    article's text after the deletions."""
    rng = random.Random(23)
    answerable, _ = build_rows(data, en, articles, "en", "de", "xq-sn-en-de")
    texts, missing, kept_keys = {}, [], set()
    for i in sorted(articles):
        paragraphs, chosen = [], []
        pos = 0
        for q_par, a_par in zip(en[i]["paragraphs"], data["de"][i]["paragraphs"]):
            context, spans, drop = a_par["context"], sentence_spans(a_par["context"]), set()
            for q, a in zip(q_par["qas"], a_par["qas"]):
                at = locate(context, a["answers"][0]["text"], a["answers"][0]["answer_start"])
                if at is not None and rng.random() < 1 / 3:
                    drop |= {n for n, (lo, hi) in enumerate(spans) if lo < at + len(a["answers"][0]["text"]) and at < hi}
                    chosen.append(((i, pos), q, a))
                pos += 1
            if len(drop) >= len(spans):  # a paragraph never disappears whole: keep its first sentence
                drop.discard(0)
            paragraphs.append({"context": "".join(context[lo:hi] for n, (lo, hi) in enumerate(spans)
                                                  if n not in drop).strip()})
        texts[i] = article_text({"title": data["de"][i]["title"], "paragraphs": paragraphs})
        for key, q, a in chosen:
            if not any(t["text"].casefold() in texts[i].casefold() for t in a["answers"]):
                missing.append((key, unanswerable_row("xq-sn-en-de", q)))
        kept_keys |= {key for key, _, _ in chosen}
    pool = [(key, row) for key, row in answerable if key not in kept_keys and key[0] in texts
            and all(e in texts[key[0]] for e in row["evidence"])]
    return balanced(missing, pool, rng), texts


def check(rows: list[dict], corpus: Path) -> None:
    for row in rows:
        for source in row["sources"]:
            text = (corpus / source).read_text(encoding="utf-8")
            assert all(e in text for e in row["evidence"]), row["id"]
            assert all(any(alt in text for alt in fact) for fact in row["answers"]), row["id"]
        assert row["answerable"] == bool(row["answers"]) == bool(row["sources"]) == bool(row["evidence"]), row["id"]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8", newline="\n")


def main() -> None:
    here = Path(__file__).resolve()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=here.parents[1].parent / "shared/data/xquad-dev")
    parser.add_argument("--out", type=Path, default=here.parent / "xquad")
    args = parser.parse_args()
    data = {lang: json.loads((args.src / f"xquad.{lang}.dev.json").read_text(encoding="utf-8"))["data"]
            for lang in LANGS}
    en = data["en"]
    assert all(len(data[lang]) == len(en) for lang in LANGS)
    splits = split_articles(en)
    shutil.rmtree(args.out / "corpus", ignore_errors=True)
    for split, articles in splits.items():
        folders = {f"{lang}-{split}": (lang, articles) for lang in LANGS}
        folders[f"de-{split}-part"] = ("de", articles[:-4])
        for folder, (lang, members) in folders.items():
            (args.out / "corpus" / folder).mkdir(parents=True)
            for i in members:
                (args.out / "corpus" / folder / file_name(i, en[i]["title"])).write_text(
                    article_text(data[lang][i]), encoding="utf-8", newline="\n")
        for name, (q_lang, a_lang) in SETS.items():
            keyed, skipped = build_rows(data, en, articles, q_lang, a_lang, f"xq-{name}")
            rows = [row for _, row in keyed]
            check(rows, args.out / "corpus" / f"{a_lang}-{split}")
            write_jsonl(args.out / f"{name}.{split}.jsonl", rows)
            print(f"{name}.{split}.jsonl: {len(rows)} questions, {skipped} skipped")
        rows, skipped = unanswerable_rows(data, en, articles)
        check(rows, args.out / "corpus" / f"de-{split}-part")
        write_jsonl(args.out / f"unanswerable.{split}.jsonl", rows)
        n_ans = sum(r["answerable"] for r in rows)
        print(f"unanswerable.{split}.jsonl: {len(rows)} questions ({n_ans} answerable, "
              f"{len(rows) - n_ans} unanswerable), {skipped} skipped")
        for name, folder, make in (("sentence-nearmiss", "sentences", gapped_rows), ("nearmiss", "gaps", nearmiss_rows)):
            rows, texts = make(data, en, articles)
            corpus = args.out / "corpus" / f"de-{split}-{folder}"
            corpus.mkdir(parents=True)
            for i, text in texts.items():
                (corpus / file_name(i, en[i]["title"])).write_text(text, encoding="utf-8", newline="\n")
            check(rows, corpus)
            write_jsonl(args.out / f"{name}.{split}.jsonl", rows)
            n_ans = sum(r["answerable"] for r in rows)
            print(f"{name}.{split}.jsonl: {len(rows)} questions ({n_ans} answerable, {len(rows) - n_ans} unanswerable)")

if __name__ == "__main__":
    main()
