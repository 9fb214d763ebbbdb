"""Language profiles: detection picks the profile, and a language without one gets the neutral profile."""

import pytest

from rag.profiles import NEUTRAL, PROFILES, detect, profile


@pytest.mark.parametrize("text, code", [
    ("Der Bundestag hat am Donnerstag ein neues Gesetz über die Förderung der Wärmepumpen beschlossen.", "de"),
    ("The parliament passed a new law on heat pumps on Thursday after a long debate.", "en"),
    ("El parlamento aprobó el jueves una nueva ley sobre las bombas de calor tras un largo debate.", "es"),
    ("Le parlement a adopté jeudi une nouvelle loi sur les pompes à chaleur après un long débat.", "fr"),
])
def test_detect_picks_the_profile(text, code):
    assert detect(text) == code
    assert profile(detect(text)) is PROFILES[code] and profile(code).code == code


@pytest.mark.parametrize("code", ["xx", "", None, "zh"])
def test_a_language_without_a_profile_is_neutral(code):
    assert profile(code) == NEUTRAL
    assert NEUTRAL.stem(["Häuser", "running"]) == ["Häuser", "running"]  # no stemming
    assert not NEUTRAL.stopwords


def test_too_short_to_tell():
    assert detect("") == "" and detect("Kim") == ""


def test_every_profile_speaks_its_language():
    """The abstention text of each profile is written in that profile's language."""
    for code, p in PROFILES.items():
        assert detect(p.no_answer) == code, (code, p.no_answer)
    assert len({p.no_answer for p in PROFILES.values()}) == len(PROFILES)


@pytest.mark.parametrize("code", list(PROFILES))
def test_every_profile_carries_the_answer_wording(code):
    p = profile(code)
    assert len(p.weekdays) == 7 and len(set(p.weekdays)) == 7
    assert p.pronouns and p.ask_number and p.ask_name and p.joiners
    assert p.weak_match and p.no_source and p.nouns_capitalised is not None
    for other in PROFILES:  # each profile names every profile language in its own label
        label = p.quoted(other)
        assert "{" not in label and label != p.quoted_from_other.format(code=other)


@pytest.mark.parametrize("question, quote, label", [
    ("en", "de", "quoted from the German article"),
    ("de", "en", "zitiert aus dem englischen Artikel"),
    ("es", "fr", "citado del artículo en francés"),
    ("fr", "es", "cité de l'article en espagnol"),
    ("xx", "de", "quoted from the German article"),  # no profile: English wording
    ("en", "qq", "quoted from an article in another language (qq)"),
])
def test_quote_language_labels(question, quote, label):
    assert profile(question).quoted(quote) == label
