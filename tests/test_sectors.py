"""The industries and subjects a question names (knowledge/sectors.py) and the evidence rules that came
with them: the industry or subject must be named in the passages, in either language."""

from __future__ import annotations

import pytest

from knowledge.answer import Candidate
from knowledge.answer_types import answer_patterns
from knowledge.evidence import missing_amount, missing_count, missing_date, missing_evidence, missing_sectors
from knowledge.models import Hit
from knowledge.named import names, uses
from knowledge.sectors import sectors


def _sentence(text: str) -> Candidate:
    hit = Hit(chunk_id="c", source="doc.txt", title="Cluster", text=text, score=0.9)
    return Candidate(text, hit, 0, 0, 0.0, 0.9, 1.0)


ENERGY = "ecoplus betreibt Technopole; neu eingezogen ist die Erneuerbare Energie Consulting GmbH."


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Welches Netzwerk vertritt die Spielwarenhersteller in der Region Nürnberg-Fürth?", ["toys"]),
        ("Gibt es in Franken einen Verband, der kleine Brauereien vernetzt?", ["beverages"]),
        ("Which cluster brings Scottish whisky distilleries together?", ["beverages"]),
        # narrower than energy: renewable energy in the passages does not answer a question on solar panels
        ("Welche Zuschüsse gibt es für eine Photovoltaikanlage auf unserer Halle?", ["solar"]),
        ("How do I get an EU Blue Card for a developer I want to hire?", ["visas and residence"]),
        ("Was muss ich bei der Gewerbeanmeldung beachten?", ["registering a business"]),
        ("Wie schreibe ich eine Steuerbilanz?", ["tax"]),
        ("Bekommen wir Kurzarbeitergeld?", ["labour law"]),
    ],
)
def test_an_industry_or_subject_the_passages_never_name_is_missing(question: str, missing: list[str]) -> None:
    assert missing_sectors(question, ENERGY.lower()) == missing


@pytest.mark.parametrize(
    "question",
    [
        "Which energy companies moved into the Technopol?",  # energy is named
        "Wer steuert das Netzwerk, und wer hat es gegründet?",  # "steuert" is no tax
        "Which drugmaker has its largest production site in Alsace?",
        "How many firms did the cluster start with?",
    ],
)
def test_ordinary_questions_name_no_missing_subject(question: str) -> None:
    assert missing_sectors(question, ENERGY.lower()) == []


def test_a_subject_is_found_in_either_language() -> None:
    assert [s.name for s in sectors("Welche Brauereien sind Mitglied?")] == ["beverages"]
    assert missing_sectors("Which breweries are members?", "zehn brauereien aus franken") == []
    assert missing_sectors("Gibt es Photovoltaik-Projekte?", "three solar parks were built") == []


def test_paying_to_be_a_member_asks_for_a_fee() -> None:
    members = [_sentence("By 2007 the organisation counted 256 paying members.")]
    budget = [_sentence("BioValley had a budget of 2.2 million euros, which paid for services to members.")]
    question = "How much does a company pay per year to be a member of the alliance?"
    assert missing_amount(question, [*members, *budget]) == ["amount of fee"]
    fee = [_sentence("Members pay an annual fee of 1,500 euros.")]
    assert missing_amount(question, fee) == []


def test_since_when_something_exists_needs_a_dated_start() -> None:
    place = _sentence("Neben dem Forschungszentrum gibt es dort das Gründerzentrum riz up.")
    assert missing_date("Seit wann gibt es das Gründerzentrum riz up?", [place]) == ["date of the start"]
    since = _sentence("Das Gründerzentrum riz up gibt es seit 2012 in Wiener Neustadt.")
    assert missing_date("Seit wann gibt es das Gründerzentrum riz up?", [since]) == []
    # since when someone holds a role is no start of the organisation
    manager = _sentence("Frank Bösenberg ist seit Dezember 2018 Clustermanager.")
    assert missing_date("Who manages Silicon Saxony, and since when?", [manager]) == []


def test_names_and_counts_across_languages() -> None:
    # a long name may end differently in the other language; "US" is a country, not a name
    assert uses("the bmbf programme bioindustry 2021", "BioIndustrie")
    assert not uses("the bmbf programme bioindustry 2021", "HYPOS")
    assert names("How long has the US drugmaker Eli Lilly been manufacturing in Alsace?") == []
    projects = [_sentence("The 26 collaborative projects that followed had more than 20 million euros.")]
    assert missing_count("Wie viele Verbundvorhaben folgten auf den Wettbewerb?", projects) == []
    passage = _sentence("After the BioIndustry 2021 competition, 26 collaborative projects followed.")
    question = "Wie viele Verbundvorhaben folgten auf den Wettbewerb BioIndustrie 2021?"
    assert missing_evidence(question, [passage.hit], [passage]) == []


def test_the_quote_ranking_favours_a_seat_for_where_questions() -> None:
    patterns = answer_patterns("In which city is the Software-Cluster coordinated?")
    assert any(
        p.search("Die Koordinierungsstelle des Software-Clusters sitzt in Darmstadt.") for p in patterns
    )


def test_a_why_question_needs_a_cause_or_a_purpose() -> None:
    merged = _sentence(
        "Ende Februar 2019 beschlossen Carbon Composites und CFK Valley, zu Composites United zu fusionieren."
    )
    question = "Warum haben sich Carbon Composites und CFK Valley zusammengeschlossen?"
    assert missing_evidence(question, [merged.hit], [merged]) == ["reason"]
    renamed = _sentence(
        "Zum Jahresbeginn 2018 erhielt er einen neuen Namen, um die Raumfahrt stärker zu vertreten."
    )
    assert missing_evidence("Weshalb wurde der Verein umbenannt?", [renamed.hit], [renamed]) == []


def test_an_offer_or_service_the_passages_never_name_is_missing() -> None:
    text = "lisavienna supports life science companies in vienna with funding advice and events."
    assert missing_sectors("Does LISAvienna run a mentoring programme for founders?", text) == ["mentoring"]
    assert missing_sectors("Vergibt der Verein Stipendien an Studierende?", text) == ["scholarships"]
    assert missing_sectors("How do I register a trademark in Switzerland?", text) == [
        "trademarks and patents"
    ]


def test_share_questions_apprentices_and_places_next_to_the_passages() -> None:
    share = _sentence("The state funded external networks at 100 percent of their costs for three years.")
    question = "How much of an outside network's costs did the state cover?"
    assert missing_evidence(question, [share.hit], [share]) == []
    apprentices = _sentence("Das Ausbildungszentrum bot ab Herbst 2009 Ausbildungsplätze für 30 Lehrlinge.")
    assert missing_count("Für wie viele Azubis bot die Lehrwerkstatt Platz?", [apprentices]) == []
    model = _sentence("The partners trained a large language model for the Nordic languages.")
    nearby = Hit(source="doc.txt", title="AI Sweden", text="The head office is in Gothenburg.", score=0.0)
    question = "Wie heißt das Sprachmodell, das in Göteborg entwickelt wurde?"
    assert missing_evidence(question, [model.hit], [model]) == ["Gothenburg"]
    assert missing_evidence(question, [model.hit], [model], [nearby]) == []


def test_german_adjectives_of_place_translate_to_the_place() -> None:
    from knowledge.places import place_of_word
    from knowledge.sectors import translation

    assert place_of_word("luxemburgischen") == place_of_word("luxemburg")
    assert place_of_word("nürnberger") == place_of_word("nürnberg")
    assert place_of_word("bayer") is None  # the company, not Bavaria
    assert place_of_word("technische") is None
    luxembourg = translation("luxemburgischen")
    assert luxembourg is not None and luxembourg.search("the luxembourg automobility cluster")
    assert translation("bioökonomie") is not None


def test_a_predecessor_or_successor_needs_a_succession_of_the_named_person() -> None:
    new_head = _sentence(
        "2017 startete der Verein mit neuem Geschäftsführer: Rico Chmelik führt die Geschäfte."
    )
    question = "Who was managing director of the association before Rico Chmelik?"
    assert missing_evidence(question, [new_head.hit], [new_head]) == ["succession of chmelik"]
    other = _sentence("On 1 November 2021 Anette Steenberg succeeded Petter Hartman as CEO.")
    question = "Who led the alliance as chief executive before Stig Jørgensen?"
    assert missing_evidence(question, [other.hit], [other]) == ["succession of jørgensen"]
    named = _sentence(
        "Die Geschäftsführerin Dr. Barbara Jörg wurde verabschiedet; ihr Nachfolger ist Dr. Martin Thul."
    )
    assert missing_evidence("Who succeeded Barbara Jörg as head of the cluster?", [named.hit], [named]) == []
    # "vor Ort" is a place, not a person
    assert missing_evidence("Wer leitet den Verein vor Ort?", [named.hit], [named]) == []
