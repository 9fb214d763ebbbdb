"""The answer's lead (rag/lead.py): what holds for any corpus, edge cases, and one hand-worked example each
for numbers, names and dates in a language that capitalises nouns and in one that does not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag.lead import answer_spans, first_sentence, lead

ROOT = Path(__file__).resolve().parent.parent

GERMAN = ("Auf dem Flugfeld wurden dem Gast strategische Bombenflugzeuge der Typen An-12, Il-76MD und "
          "An-124 vorgeführt, erklärte das Ministerium in der Hauptstadt.")
ENGLISH = "The treaty was signed by Maria Lopez and Jean Dupont in Geneva on 14 March 1998."


def _pieces(text: str) -> list[str]:
    return [p for p in text.split(", ") if p]


@pytest.mark.parametrize("question, quotes", [
    ("Which aircraft were shown to the guest?", [GERMAN]),
    ("Who signed the treaty?", [ENGLISH]),
    ("When was the treaty signed?", [ENGLISH]),
    ("How many people came?", ["Rund 12.000 Menschen kamen am Samstag zur Kundgebung vor dem Rathaus."]),
    ("¿Quién ganó?", ["Ganó el equipo de Carlos Pérez Gómez por 3 a 1 en el estadio."]),
    ("Qui a gagné ?", ["L'équipe de Marie Curie a gagné 2 à 0 devant 40 000 spectateurs."]),
    ("In which year?", ["東京で 2023 年に大会が開かれた。"]),
    ("When is the 🚀 launch?", ["🚀 Launch at 10:42 UTC from Pad 39A."]),
    ("How many?", ["Über 12 Änderungen in Österreich und Übersee."]),
])
def test_every_piece_of_a_lead_is_verbatim_in_one_quote(question, quotes):
    text = lead(question, quotes)
    assert text, "each example holds a name or a number"
    for piece in _pieces(text):
        assert any(piece in q for q in quotes), piece


@pytest.mark.parametrize("question, quotes", [
    ("🚀?", ["🚀 Launch at 10:42 UTC from Pad 39A."]),
    ("Who?", ["ÜBERALL Änderungen in Österreich und Übersee."]),
    ("What happened?", ["東京で 2023 年に大会が開かれた。"]),
])
def test_a_lead_of_odd_text_is_verbatim_or_empty(question, quotes):
    for piece in _pieces(lead(question, quotes)):
        assert any(piece in q for q in quotes), piece


def test_a_clock_time_is_one_piece():
    assert lead("What time did it start?", ["It started at 10:42 UTC."]) == "10:42 UTC"


@pytest.mark.parametrize("question, quotes", [
    ("Which bombers?", []),
    ("Which bombers?", [""]),
    ("", ["   "]),
    ("Why did they go?", ["they went because it was time to go home again."]),  # nothing but common words
])
def test_no_lead_without_a_name_or_number(question, quotes):
    assert lead(question, quotes) == ""


def test_numbers_and_model_names_win_in_a_language_that_capitalises_nouns():
    # German capitalises every noun: "Flugfeld", "Gast", "Bombenflugzeuge" are not names; the models are
    for languages in (["de"], None):  # from the profile, or measured on the text
        assert lead("Which aircraft were shown to the guest?", [GERMAN], quote_languages=languages) == \
            "An-12, Il-76MD und An-124"


def test_a_two_word_name_is_an_answer_in_english():
    assert "Maria Lopez and Jean Dupont" in lead("Who signed the treaty?", [ENGLISH], quote_languages=["en"])


def test_a_when_question_prefers_the_date():
    assert lead("When was the treaty signed?", [ENGLISH], quote_languages=["en"]).startswith("14 March 1998")


def test_what_the_question_already_says_is_no_answer():
    # the question names Geneva and Maria Lopez; the lead brings what it does not know
    text = lead("Who signed with Maria Lopez in Geneva?", [ENGLISH], quote_languages=["en"])
    assert "Geneva" not in text and "Maria" not in text and "Jean Dupont" in text


def test_a_name_spelt_the_other_language_s_way_counts_as_asked():
    quote = "Nahe Warschau wurde der Vertrag von Anna Nowak unterzeichnet."
    assert "Warschau" not in lead("Who signed the treaty near Warsaw?", [quote])


def test_a_number_brings_its_unit():
    assert lead("How fast were the winds?", ["Winds reached 110 mph near the coast."]) == "110 mph"


def test_the_strongest_quote_wins_not_the_first():
    weak = "Der Besuch fand auf dem Flugplatz statt, wie das Ministerium mitteilte."
    spans = answer_spans("Which aircraft were shown?", [weak, GERMAN])
    assert spans and spans[0].quote == 1


@pytest.mark.parametrize("text, expected", [
    ("The bombers were Tu-160 and Tu-95MS [1]. They flew [2].", "The bombers were Tu-160 and Tu-95MS."),
    ("Am 13. September traf er Putin [1]. Danach reiste er ab.", "Am 13. September traf er Putin."),
    ("No full stop [3]", "No full stop"),
    ("", ""),
])
def test_an_llm_lead_is_its_first_sentence_without_markers(text, expected):
    assert first_sentence(text) == expected


def test_leads_on_the_seed_questions_keep_the_contract(assistant):
    """Over every reported seed question: no lead when abstained; otherwise each piece is in a quote."""
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    for q in questions[::3]:
        a = assistant.ask(q)
        if a.abstained:
            assert a.lead == ""
            continue
        for piece in _pieces(a.lead):
            assert any(piece in c.quote for c in a.citations), (q, piece)


def test_the_bombers_lead_names_the_three_types_before_the_quotes(assistant):
    """The acceptance example of issue 15: an English question, German articles."""
    a = assistant.ask("Which bombers did Kim inspect?")
    assert not a.abstained
    for name in ("Tu-160", "Tu-95MS", "Tu-22M3"):
        assert re.search(re.escape(name), a.lead, re.I), (name, a.lead)  # the article writes "TU-22M3"
    from ui import render

    message = render.answer_markdown(a, 1)
    first_quote = message.index("[1]")
    assert all(message.lower().index(n.lower()) < first_quote for n in ("Tu-160", "Tu-95MS", "Tu-22M3"))


def test_a_lone_common_noun_is_no_lead_where_nouns_are_capitalised():
    """"Who ...?" wants a name, but in German a capitalised noun alone is none: no lead beats a wrong one."""
    quote = "Eine solche Kooperation sei ziemlich beunruhigend, sagte der Sprecher am Abend."
    assert lead("Who called it worrying?", [quote], quote_languages=["de"]) == ""


@pytest.mark.parametrize("question", ["On which day did he arrive?", "An welchem Tag kam er an?",
                                      "¿Qué día llegó?"])
def test_which_day_asks_for_a_day(question):
    quotes = ["Kim war am Dienstag mit dem Zug in Russland angekommen.",
              "Er besuchte den Weltraumbahnhof Wostotschny im Fernen Osten."]
    assert lead(question, quotes, quote_languages=["de", "de"]) == "Dienstag"


def test_a_number_brings_its_noun_where_nouns_are_capitalised():
    quote = "Beide seien rund 650 Kilometer weit geflogen, teilte das Militär mit."
    assert lead("How far did they fly?", [quote], quote_languages=["de"]) == "650 Kilometer"
