"""Dates at the head of an article, in the common forms of the profile languages, and page furniture."""

import pytest

from rag.corpus import clean
from rag.dates import day_label, weekdays


@pytest.mark.parametrize("head,date", [
    ("2023-09-13", "2023-09-13"),
    ("2023-09-13T10:00:00Z", "2023-09-13"),
    ("13. September 2023", "2023-09-13"),
    ("13 de septiembre de 2023", "2023-09-13"),
    ("Sept. 13, 2023", "2023-09-13"),
    ("September 13, 2023, 10:42 am", "2023-09-13"),
    ("13 sept. 2023", "2023-09-13"),
    ("Datum: 13.09.2023", "2023-09-13"),
    ("Published: 2024-03-05", "2024-03-05"),
    ("date 2023-09", "2023-09"),
    ("März 2024", "2024-03"),
    ("Publié le 13 septembre 2023 à 10h30", "2023-09-13"),
    ("13. September 2023, 10.42 Uhr", "2023-09-13"),
    ("Fecha: 13/09/2023", "2023-09-13"),
    ("Published on March 5, 2024 at 10:00 pm", "2024-03-05"),
])
def test_a_date_line_is_the_date_and_leaves_the_text(head, date):
    a = clean(f"The headline\n{head}\nThe first sentence of the article.\n", "a.txt")
    assert a.date == date
    assert a.text == "The headline\n\nThe first sentence of the article."


def test_a_unix_timestamp_headline_is_the_date():
    a = clean("1694609902 Putin meets Kim\nThe first sentence.\n", "a.txt")
    assert a.date == "2023-09-13" and a.text == "The first sentence."


@pytest.mark.parametrize("text", [
    "Mai 2023 war ein guter Monat für die Börse.",  # a date that opens a sentence is text
    "13. September 2023: Kim reist nach Russland.",
    "2023-09-13 is the day the talks began.",
    "Am 13. September 2023 traf Kim Putin.",
])
def test_a_date_inside_a_sentence_stays(text):
    a = clean(f"{text}\nMore.\n", "a.txt")
    assert a.date is None and a.text.startswith(text)


@pytest.mark.parametrize("line", ["Photo: Reuters/Getty Images", "Foto: AFP", "Leave a comment", "Comentarios",
                                  "Kommentar schreiben", "Partager"])
def test_credits_and_page_furniture_go(line):
    a = clean(f"Headline\nFirst sentence.\n{line}\nLast sentence.\n", "a.txt")
    assert line not in a.text and "Last sentence." in a.text


@pytest.mark.parametrize("line", ["The Source Of All Evil", "The image shows a cat.", "Share prices fell sharply."])
def test_text_that_looks_like_furniture_stays(line):
    a = clean(f"Headline\nFirst sentence.\n{line}\n", "a.txt")
    assert line in a.text


@pytest.mark.parametrize("sentence, date, language, expected", [
    ("Am Mittwoch traf er Putin.", "2023-09-14", "de", (("Mittwoch", "2023-09-13"),)),  # the day before
    ("On Thursday he left.", "2023-09-14", "en", (("Thursday", "2023-09-14"),)),  # the day itself
    ("El viernes llegó.", "2023-09-14", "es", (("viernes", "2023-09-08"),)),  # last week's Friday
    ("Lundi et mardi, il a parlé.", "2023-09-14", "fr", (("Lundi", "2023-09-11"), ("mardi", "2023-09-12"))),
    ("Am Mittwoch traf er Putin.", "2023-09", "de", ()),  # only a month: a weekday cannot be placed
    ("Am Mittwoch traf er Putin.", None, "de", ()),
    ("On Mittwoch he left.", "2023-09-14", "en", ()),  # the article's own language's names only
    ("Sundays are quiet.", "2023-09-14", "en", ()),  # a word, not the weekday
    ("", "2023-09-14", "en", ()),
    ("Am Mittwoch traf er Putin.", "2023-02-30", "de", ()),  # not a day
])
def test_weekdays_are_placed_by_the_article_date(sentence, date, language, expected):
    assert weekdays(sentence, date, language) == expected


@pytest.mark.parametrize("iso, language, label", [
    ("2023-09-13", "en", "Wed 13 Sep 2023"), ("2024-02-29", "en", "Thu 29 Feb 2024"),
    ("2023-09-13", "xx", "Wed 13 Sep 2023"),  # no profile: English names
])
def test_day_label(iso, language, label):
    assert day_label(iso, language) == label
