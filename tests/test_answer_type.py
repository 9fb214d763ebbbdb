import pytest

from rag import answer_type


@pytest.mark.parametrize("question, kind", [
    ("How much did the new spaceport cost?", "money"),
    ("Wie viel Geld hat Russland bezahlt?", "money"),
    ("How old is Sergei Shoigu?", "age"),
    ("Wie alt ist Putin?", "age"),
    ("How far did the missiles fly?", "distance"),
    ("Wie weit ist Moskau entfernt?", "distance"),
    ("How fast can the Kinzhal fly?", "speed"),
    ("What top speed does the missile reach?", "speed"),
    ("Mit welcher Geschwindigkeit fliegt die Kinschal?", "speed"),
    ("Welche Höchstgeschwindigkeit erreicht die Kinschal?", "speed"),
    ("How long did the meeting last?", "duration"),
    ("Wie lange dauerte die Zugfahrt?", "duration"),
    ("When did Kim arrive?", "time"),
    ("In which year were the resolutions passed?", "year"),
    ("In welchem Monat reist Lawrow?", "month"),
    ("On what exact date will Putin travel?", "date"),
    ("An welchem Datum reist Putin?", "date"),
    ("On which dates did the satellite launches fail?", "date"),
    ("What is the maximum range of the Kinzhal?", "distance"),
    ("Welche Daten sammelt der Satellit?", None),  # data, not dates
    ("At what exact time did the missiles fly?", "clock"),
    ("Seit wann ist Kim in Russland?", "time"),
    ("Wie hoch sind die Kosten für einen Su-57?", "money"),
    ("Wie groß ist die Reichweite der Kinschal?", "distance"),
    ("Aus wie vielen Waggons bestand der Zug?", "number"),
    ("What model of rifle did Putin give Kim?", "name"),
    ("Welchen Drohnentyp lieferte der Iran?", "name"),
    ("Who is the director of the aircraft factory?", "name"),
    ("What type of weapons did Kim see?", None),  # a common noun answers it
    ("In welchem Jahr wurde das Modell der Su-57 gebaut?", "year"),
    ("An welchem Tag reiste Kim ab?", "time"),
    ("How many drones did Kim get?", "number"),
    ("Wie viele Bomber sah Kim?", "number"),
    ("What is the name of the governor who gave Kim the drones?", "name"),
    ("Wie heißt die Universität?", "name"),
    ("Which bombers did Kim inspect?", None),
    ("When Kim's train arrived, what was waiting on the platform?", None),  # "when" as a conjunction
    ("What did Kim drink to when he raised his glass?", None),
    ("", None),
])
def test_expected_kind(question, kind):
    assert answer_type.expected(question) == kind


@pytest.mark.parametrize("kind, sentence, question, ok", [
    ("number", "Kim bekam fünf Kamikaze-Drohnen.", "How many drones did Kim get?", True),
    ("number", "Am Freitag traf er in Komsomolsk ein.", "How many carriages has the train?", False),
    ("number", "Die zwei Raketen flogen weit.", "How many of the two missiles hit?", False),  # only the question's number
    ("number", "Dort werden Su-57 gebaut.", "How many people live there?", False),  # a model name is no count
    ("money", "Der Bau kostete 2,5 Milliarden Dollars.", "How much did it cost?", True),
    ("money", "Das kostete 2,5 Milliarden Dollar.", "How much did it cost?", True),
    ("money", "Der Bau kostete viel Geld.", "How much did it cost?", False),
    ("age", "Der 39-Jährige reiste im Zug.", "How old is Kim?", True),
    ("age", "Kim reiste im Zug.", "How old is Kim?", False),
    ("distance", "Beide seien rund 650 Kilometer weit geflogen.", "How far did they fly?", True),
    ("distance", "Beide seien weit geflogen.", "How far did they fly?", False),
    ("speed", "Die Rakete fliegt mit bis zu 12.000 Kilometern pro Stunde.", "How fast?", True),
    ("speed", "Sie erreicht Mach 10.", "How fast?", True),
    ("speed", "Sie fliegt 1000 km pro Stunde.", "How fast?", True),
    ("speed", "Beide seien rund 650 Kilometer weit geflogen.", "How fast did they fly?", False),  # a distance
    ("duration", "Putin begrüßte ihn mit einem 40-sekündigen Händedruck.", "How long was the handshake?", True),
    ("duration", "Kim hält sich seit Dienstag in Russland auf.", "How long did the talks last?", False),
    ("time", "Lawrow werde im Oktober Nordkorea besuchen.", "When will Lavrov visit?", True),
    ("time", "Zuletzt wurden solche Resolutionen 2017 verabschiedet.", "In which year?", True),
    ("time", "Lawrow werde Nordkorea besuchen.", "When will Lavrov visit?", False),
    ("date", "Putin nahm am 13. September teil.", "On what date?", True),
    ("date", "Kim traf am Donnerstag ein.", "On what date?", False),  # a weekday is no date
    ("month", "Lawrow werde im Oktober Nordkorea besuchen.", "In which month?", True),
    ("month", "Schoigu war im Sommer in Nordkorea.", "In which month?", False),
    ("year", "Rund 2000 Kilometer legte der Zug zurück.", "In which year?", False),
    ("clock", "Die 2 am Mittwoch gestarteten Raketen.", "At what time?", False),  # German "am" is no a.m.
    ("clock", "Die Raketen starteten um 11.43 Uhr.", "At what time?", True),
    ("clock", "Die Raketen starteten am Mittwoch.", "At what time?", False),
    ("distance", "Er schoss einen Elfmeter.", "How far?", False),
    ("distance", "Sie flogen 650 Kilometern weit.", "How far?", True),
    (None, "Irgendein Satz.", "Which bombers?", True),
])
def test_sentence_holds_an_answer(kind, sentence, question, ok):
    assert answer_type.holds(kind, sentence, question) is ok


@pytest.mark.parametrize("question, subject", [
    ("What was the name of the anti-submarine destroyer that Kim boarded?", ("anti-submarine", "destroyer")),
    ("What is the name of the governor of Primorye?", ("governor",)),
    ("What is the name of Kim Jong Un's armored train?", ("armored", "train")),  # not the possessor's
    ("What is the name of the country's leader?", ("leader",)),
    ("What is the name of the ship Kim's delegation boarded?", ("ship",)),  # a possessor further on stays
    ("What is the name of the university Kim was expected to visit?", ("university",)),
    ("Wie hieß der Zerstörer, an dessen Bord Kim ging?", ("zerstörer",)),
    ("Wie heißt die Tochter von Kim Jong Un?", ("tochter",)),
    ("Wie hieß der russische Zerstörer?", ("zerstörer",)),
    ("What model of rifle did Putin give Kim?", ("rifle",)),
    ("Which strategic bomber models did Kim see?", ("strategic", "bomber")),
    ("What is the designation of the missiles North Korea fired?", ("missiles",)),
    ("Welchen Drohnentyp lieferte der Iran?", ("drohnen",)),
    ("Who is the head of North Korea's munitions industry?", ("head",)),
    ("What is the name of the governor of the region?", ("governor",)),
    ("What is the name of the destroyer boarded by Kim?", ("destroyer",)),
    ("Welches Modell der Drohne wurde geliefert?", ("drohne",)),
    ("Welche Prototypen gibt es?", ()),
    ("Which bombers did Kim inspect?", ()),
])
def test_named_subject(question, subject):
    assert answer_type.named(question) == subject


@pytest.mark.parametrize("question, owner", [
    ("Who is the head of the Russian navy who walked Kim through the warship?", "navy"),
    ("Who is the head of North Korea's munitions industry?", "industry"),  # past the possessor
    ("Who is the head of North Korea's munitions industry travelling with Kim?", "industry"),
    ("Who is the head of the navy and what did he show Kim?", "navy"),  # the next question is no owner
    ("Who is the commander of the fleet Kim met?", "fleet"),  # a name starts a new phrase
    ("Wer ist der Chef der russischen Marine?", "marine"),
    ("What is the name of the airfield where Kim saw the bombers?", None),
    ("Which bombers did Kim inspect?", None),
])
def test_owner_of_a_role(question, owner):
    assert answer_type.owner(question) == owner


def test_name_near_its_anchor():
    known = {"gouverneur", "der", "region", "nach", "angaben", "von", "schenkte"}.__contains__
    tokens = "Nach Angaben von Tass schenkte der Gouverneur Oleg Koschemjako Kim Drohnen".split()
    anchors = {6}  # Gouverneur
    assert answer_type.has_name_near(tokens, anchors, lambda t: known(t.lower()), {"kim"})
    without = "Nach Angaben von Tass schenkte der Gouverneur der Region Kim Drohnen".split()
    # Tass is a name, but three words before the governor; Kim is in the question
    assert not answer_type.has_name_near(without, anchors, lambda t: known(t.lower()), {"kim"})


@pytest.mark.parametrize("question, n", [
    ("How many missiles did North Korea fire, and how far did they fly?", 2),
    ("Welcher Minister saß an Putins Seite – und in welchem Monat reist er?", 2),
    ("When Kim's train arrived, what was waiting?", 1),
    ("Which bombers and fighter jets did Kim inspect?", 1),  # one question about two things
    ("When Kim arrived, and was greeted, what followed?", 1),  # English "was" is no German question word
])
def test_compound_questions_split(question, n):
    parts = answer_type.parts(question)
    assert len(parts) == n and "".join(parts) == question
