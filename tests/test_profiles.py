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
