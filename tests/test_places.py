"""Places in questions and passages, in German, English and local forms (knowledge/places.py)."""

from __future__ import annotations

from knowledge.places import missing_places, places_named


def _usual(question: str) -> list[str]:
    return [places[0].names[0] for places in places_named(question)]


def test_places_are_found_by_any_of_their_names() -> None:
    assert _usual("Which robotics cluster operates in Odense, Denmark?") == ["Odense", "Denmark"]
    assert _usual("Was kostet die Mitgliedschaft im maritimen Cluster in Bremen?") == ["Bremen"]
    assert _usual("Welche Förderung gibt es im Allgäu?") == ["Allgäu"]
    # the longest name wins: Upper Austria is not Austria
    assert _usual("Which cluster is in Upper Austria?") == ["Oberösterreich"]
    # lower-case words are no places, nor are everyday words that are also towns
    assert _usual("Welche Halle hat der Cluster in essen gemietet?") == []


def test_passages_name_a_place_in_any_language_and_form() -> None:
    assert missing_places("How big is life science in Vienna?", ["Die Wiener Life-Science-Branche"]) == []
    assert missing_places("Wer leitet den Cluster in Tyrol?", ["Der Tiroler Cluster ..."]) == []
    assert missing_places("Who manages the aerospace cluster in Toulouse?", ["Cluster in Bayern"]) == [
        "Toulouse"
    ]
    # a long name also inside a compound
    assert missing_places("Seit wann gibt es das Medical Valley in Franken?", ["IHK für Mittelfranken"]) == []
    # a place inside a camel-case name
    assert (
        missing_places(
            "Wann startete der Cluster im Ruhrgebiet?", ["Fünf Jahre EffizienzCluster LogistikRuhr"]
        )
        == []
    )


def test_a_country_is_named_by_a_place_in_it() -> None:
    question = "Which locations form Germany's national hydrogen centre?"
    assert missing_places(question, ["Neben Chemnitz gehören Duisburg und Pfeffenhausen dazu."]) == []
    assert missing_places(question, ["Der Standort Linz in Oberösterreich."]) == ["Germany"]
    # with every=False, one named place is enough
    two = "Clusters in Styria and Tyrol?"
    assert missing_places(two, ["Die Steiermark ..."]) == ["Tirol"]
    assert missing_places(two, ["Die Steiermark ..."], every=False) == []


def test_everyday_words_are_no_places() -> None:
    for question in (
        "Can start-ups become members?",
        "Unter welchem Namen tritt der Cluster auf?",
        "Welche Cluster gibt es im Norden?",
        "Waren auch Hochschulen beteiligt?",
        "Dabei war auch Julia, dort in der Mitte.",
        "Fahren Sie mit dem Zug?",
    ):
        assert _usual(question) == [], question
    assert _usual("Welche Firmen sitzen in Krems und Tulln?") == ["Krems an der Donau", "Tulln"]
