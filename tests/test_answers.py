"""End to end, question to cited answer, on the real model and a real on-disk index: the contract every
answer keeps, whatever the corpus and the question."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag import Assistant, Settings
from rag.errors import QuestionError
from rag.profiles import detect, profile

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "evals" / "questions.jsonl").read_text(
    encoding="utf-8").splitlines() if line.strip()]
SAMPLE = QUESTIONS[::8]  # English and German, about the seeds
OFF_TOPIC = "How high is Mount Everest?"


def check_contract(a, corpus_dir: Path, max_sentences: int = Settings.model_fields["max_sentences"].default) -> None:
    """What holds for every extractive answer."""
    assert a.backend == "extractive" and a.error is None and a.passages
    assert 0.0 <= a.confidence <= 1.0
    if a.abstained:
        assert a.citations == [] and not a.grounded
        assert a.text == profile(detect(a.question)).no_answer
        return
    assert a.citations and a.grounded and len(a.citations) <= max_sentences
    assert [c.marker for c in a.citations] == list(range(1, len(a.citations) + 1))
    assert sorted(int(m) for m in re.findall(r"\[(\d+)\]", a.text)) == [c.marker for c in a.citations]
    given = {p.chunk.id: p.chunk for p in a.passages}
    for c in a.citations:
        raw = (corpus_dir / c.source).read_text(encoding="utf-8")  # the cited file exists
        assert raw[c.start:c.end] == c.quote  # the offsets point at the quoted text
        assert c.quote in c.passage and c.quote in a.text and f"[{c.marker}]" in a.text
        assert c.chunk_id in given and given[c.chunk_id].source == c.source
        assert all((corpus_dir / other).is_file() for other in c.also_in)
    assert len({c.quote for c in a.citations}) == len(a.citations)  # each sentence quoted once


@pytest.mark.parametrize("question", SAMPLE + [OFF_TOPIC, "¿Qué altura tiene el Aconcagua?"])
def test_answers_keep_the_contract(assistant, seeds_dir, question):
    check_contract(assistant.ask(question), seeds_dir, assistant.settings.max_sentences)


@pytest.mark.parametrize("question", SAMPLE[:4] + [OFF_TOPIC])
def test_the_same_question_gets_the_same_answer(assistant, question):
    first, again = assistant.ask(question), assistant.ask(question)
    assert (first.text, first.citations, first.abstained, first.confidence) == \
           (again.text, again.citations, again.abstained, again.confidence)
    assert [p.chunk.id for p in first.passages] == [p.chunk.id for p in again.passages]


def test_flagship_question(assistant, seeds_dir):
    """The README's example: an English question answered by quoting the German article that holds it."""
    a = assistant.ask("Which bombers did Kim inspect?")
    check_contract(a, seeds_dir)
    assert not a.abstained and any(c.source == "000_c3f8bdba9f1897a0.txt" for c in a.citations), a.text


def test_off_topic_abstains_without_citations(assistant):
    a = assistant.ask(OFF_TOPIC)
    assert a.abstained and a.citations == [] and not a.grounded
    assert a.confidence < assistant.settings.abstain_below
    assert a.text == profile("en").no_answer and a.passages  # what retrieval found is still there


def test_abstain_below_sets_the_threshold(assistant, settings):
    never = Assistant(settings.replace(abstain_below=0.0)).warm_up()  # the session's index, opened again
    always = Assistant(settings.replace(abstain_below=1.0)).warm_up()
    assert not never.ask(OFF_TOPIC).abstained and never.ask(OFF_TOPIC).citations
    answer = always.ask("Which bombers did Kim inspect?")
    assert answer.abstained and answer.citations == []


def test_max_sentences_and_top_k(assistant, settings, seeds_dir):
    one = Assistant(settings.replace(max_sentences=1)).warm_up()
    for question in SAMPLE:
        check_contract(one.ask(question), seeds_dir, max_sentences=1)
    for k in (1, 3, 8):
        a = assistant.ask("Which bombers did Kim inspect?", top_k=k)
        assert len(a.passages) == k and [p.rank for p in a.passages] == list(range(1, k + 1))


def test_cross_lingual_retrieval(assistant):
    """English and German questions reach the German article that answers them."""
    for question in ("Which bombers did Kim inspect?", "Welche Bomber hat Kim besichtigt?"):
        passages = assistant.retrieve(question, top_k=5)
        assert any(p.chunk.source.startswith("000") and "Tu-160" in p.chunk.text for p in passages), question


@pytest.mark.parametrize("question,message", [("", "empty"), ("   ", "empty"), (None, "empty"),
                                              ("x" * 5000, "5000 characters")])
def test_bad_questions_get_clear_messages(assistant, question, message):
    with pytest.raises(QuestionError, match=message):
        assistant.ask(question)
    with pytest.raises(QuestionError, match=message):
        assistant.retrieve(question)


@pytest.mark.parametrize("question", ["Wie hoch ist der Kilimandscharo?",
                                      "Welche Zutaten braucht man für einen Käsekuchen?",
                                      "Which team won the Premier League last season?"])
def test_off_topic_question_in_a_conversation_abstains(assistant, question):
    assert assistant.ask(question).abstained  # asked on its own, it abstains
    a = assistant.chat(question, [("Wo traf Kim Jong Un Wladimir Putin?", "…")])
    assert a.abstained and a.citations == [], a.text


@pytest.mark.parametrize("question", [
    "Which team won the Premier League last season?", "How tall is Mount Everest?",
    "What is the capital of Australia?", "Who won the 2022 FIFA World Cup?", "Wie hoch ist der Kilimandscharo?",
    "¿Quién ganó el Mundial de 2022?",
])
def test_off_topic_question_after_a_real_answer_abstains(assistant, question):
    """As above, after a real answer instead of a placeholder: a new chat user's first topic switch. A
    follow-up's sentences score partly by the conversation, and that must not carry an unrelated question."""
    first = "Which bombers did Kim inspect?"
    a = assistant.chat(question, [(first, assistant.ask(first).text)])
    assert a.abstained and a.citations == [], a.text


@pytest.mark.parametrize("first, follow_up, fact", [
    ("Wo traf Kim Jong Un Wladimir Putin?", "Und an welchem Tag?", "Mittwoch"),
    ("How did North Korea's state news agency describe the mood during the visit?",
     "And what kind of new era did it proclaim?", "neuen Ära"),
])
def test_a_follow_up_reads_the_chat_s_own_last_answer(assistant, first, follow_up, fact):
    """A follow-up that says little on its own ("And on which day?"), after the chat's own answer (German
    quotes, as the chat passes it on): its first quote holds the fact, often in the sentence already quoted."""
    a = assistant.chat(follow_up, [(first, assistant.ask(first).text)])
    assert a.citations and fact in a.citations[0].quote, a.text


@pytest.mark.parametrize("no_answer", ["The articles don't answer this question.",
                                       "Die Artikel beantworten diese Frage nicht."])
def test_an_abstention_in_the_history_names_nothing(assistant, no_answer):
    """After an answer that said the articles don't answer, a follow-up reads in the last question alone: the
    no-answer sentence is not searched as if it were a claim."""
    first, then = "Wie heißt die Tochter von Kim Jong Un?", "And which bombers did he inspect?"
    after = assistant.chat(then, [(first, no_answer)])
    assert after.text == assistant.chat(then, [(first, "")]).text
    assert [p.chunk.id for p in after.passages] == [p.chunk.id for p in assistant.chat(then, [(first, "")]).passages]


@pytest.mark.parametrize("first, second", [
    ("Wo traf Kim Jong Un Wladimir Putin?", "Which bombers did Kim inspect?"),
    ("Which bombers did Kim inspect?", "What did Kim receive as a farewell gift?"),
    ("Which fighter jets are built in Komsomolsk-on-Amur?", "Wer ist Matthew Miller?"),
])
def test_a_new_question_is_not_answered_with_the_last_answer(assistant, first, second):
    """A question that stands on its own, asked after another, quotes no sentence of the previous answer that
    it would not quote on its own."""
    said = assistant.ask(first)
    alone = {c.quote for c in assistant.ask(second).citations}
    again = {c.quote for c in assistant.chat(second, [(first, said.text)]).citations}
    assert not (again & {c.quote for c in said.citations}) - alone


def test_stream_yields_text_then_answer(assistant):
    items = list(assistant.stream("Which bombers did Kim inspect?"))
    *pieces, final = items
    assert pieces and all(isinstance(p, str) for p in pieces) and "".join(pieces) == final.text
    assert final.citations and final.text == assistant.ask("Which bombers did Kim inspect?").text


WIRE = "Die Regierung in Lissabon hat am Montag den Bau einer neuen Brücke über den Tejo beschlossen."


def test_wire_copy_is_cited_once(tmp_path):
    """A sentence that two agencies' articles share is quoted once, and the other article is named."""
    corpus = tmp_path / "wire"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"Neue Brücke für Lissabon\n\n{WIRE} Sie soll 2030 fertig sein.\n", encoding="utf-8")
    (corpus / "b.txt").write_text(f"Portugal baut\n\nWie die Agentur meldet: {WIRE} Die Kosten sind unklar.\n",
                                  encoding="utf-8")
    (corpus / "c.txt").write_text("Wetter in Porto\n\nIn Porto regnete es am Wochenende ununterbrochen. "
                                  "Die Feuerwehr pumpte viele Keller aus.\n", encoding="utf-8")
    bot = Assistant(Settings.load(env={}, corpus_dir=str(corpus), index_dir=str(tmp_path / "index")))
    a = bot.ask("Was hat die Regierung in Lissabon am Montag beschlossen?")
    check_contract(a, corpus)
    wire = [c for c in a.citations if c.quote == WIRE]
    assert len(wire) == 1, a.text
    assert wire[0].also_in == tuple({"a.txt", "b.txt"} - {wire[0].source})


def test_answer_function_builds_its_index(tmp_path, seeds_dir, monkeypatch):
    """`from rag import answer` works in a fresh folder: the first call builds the index."""
    import rag.assistant as module

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(seeds_dir))
    module.default_assistant.cache_clear()
    try:
        from rag import answer

        a = answer("Which bombers did Kim inspect?")
        check_contract(a, seeds_dir)
        assert (tmp_path / "index" / "chroma.sqlite3").exists()
    finally:
        module.default_assistant.cache_clear()
