"""Abstention from evidence, on held-out-like traps over the sample index (local model, no LLM)."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.answer import Candidate
from knowledge.assistant import Assistant
from knowledge.config import Settings
from knowledge.evidence import (
    about_asked,
    missing_amount,
    missing_count,
    missing_date,
    missing_evidence,
    missing_leader,
    missing_names,
    missing_numbers,
    missing_roles,
    missing_sectors,
    missing_types,
)
from knowledge.models import Hit
from knowledge.named import phrases
from knowledge.places import missing_places


@pytest.fixture(scope="module")
def assistant(indexed_settings: Settings) -> Assistant:
    """The assistant over the shared sample index."""
    return Assistant.from_settings(indexed_settings)


@pytest.mark.parametrize(
    "question",
    [
        # the topic is in the documents, the asked year is not
        "Wie viel Fördergeld bekommt der Cross-Cluster Space im Jahr 2031?",
        "How many members did the Hamburg clusters have in 1987?",
        # the topic is not in the documents
        "Wie lautet die Telefonnummer von Dr. Anna Vogel?",
        "What is the annual membership fee?",
        # a place the documents never name, typed on a Mac: "ü" as "u" plus a combining diaeresis
        unicodedata.normalize("NFD", "Wer leitet den Cluster in Zürich?"),
    ],
)
def test_traps_abstain(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained and answer.sources == []


@pytest.mark.parametrize(
    "question",
    [
        "Wann startete das Projekt Cross-Cluster Space Hamburg?",
        "When did the Cross-Cluster Space Hamburg project start?",
        "Seit 2023: worauf konzentriert sich das Nachfolgeprojekt des Co-Learning Space?",
    ],
)
def test_answerable_questions_do_not_abstain(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained and answer.sources


def _hit(text: str, title: str = "Cluster") -> Hit:
    return Hit(source="doc.txt", title=title, text=text, score=0.9, url=None, chunk_id="c1")


def test_asked_kind_of_fact_must_be_in_the_closest_sentences() -> None:
    closest = ["Der Cluster wurde 2006 gegründet.", "Er hat 200 Mitglieder."]
    assert missing_types("Wie hoch ist der jährliche Mitgliedsbeitrag?", closest) == ["money"]
    assert missing_types("Wie hoch ist der Mitgliedsbeitrag?", [*closest, "Er beträgt 500 Euro."]) == []
    assert missing_types("How much does a stand cost?", ["A stand costs EUR 1,200."]) == []
    assert missing_types("Unter welcher Telefonnummer erreiche ich sie?", closest) == ["phone"]
    assert missing_types("What email address do I use?", ["Write to info@cluster.de."]) == []
    assert missing_types("Zu welchen Uhrzeiten ist geöffnet?", ["Geöffnet von 9:00 bis 17 Uhr."]) == []
    assert missing_types("What is the cluster's postal address?", closest) == ["address"]
    assert missing_types("Wie lautet die Adresse?", ["Das Büro liegt in der Hafenstraße 7."]) == []
    assert missing_types("Wie lautet die Anschrift?", ["Kontakt: 20457 Hamburg"]) == []
    assert missing_types(
        "On what date was the last Aviation Day held?", ["The Aviation Day takes place yearly."]
    ) == ["date"]
    assert (
        missing_types("An welchem Tag startete der Cluster?", ["Er startete am 2. Juni 2010 in Schwerte."])
        == []
    )
    assert missing_types("What date did it open?", ["It opened on 20 October 2017."]) == []
    # questions that ask for no such kind need nothing
    assert missing_types("Welchen Beitrag leisten Cluster zur Innovation?", closest) == []


def test_roles_and_places_must_be_named_in_the_passages() -> None:
    text = "die erste clustermanagerin war jutta rinner. der cluster sitzt in linz, oberösterreich."
    assert missing_roles("Wer ist heute Clustermanager des Kunststoff-Clusters?", text) == []
    assert missing_roles("Who chairs the board?", text)
    assert missing_roles("Who chairs the board?", "vorstandsvorsitzender ist dr. joachim wicke.") == []
    assert missing_places("Which cluster is in Upper Austria?", [text]) == []
    assert missing_places("Welches Netzwerk unterstützt die Holzindustrie in Tirol?", [text]) == ["Tirol"]
    assert (
        missing_places("How big is life science in Vienna?", ["Die Life-Science-Branche in Wien ..."]) == []
    )


def _sentence(text: str, passage: str | None = None, title: str = "Cluster") -> Candidate:
    return Candidate(text, _hit(passage or text, title), 0, 0, 0.0, 0.9, 1.0)


def test_missing_evidence_combines_the_checks() -> None:
    hits = [_hit("Die Cluster-Offensive Bayern wurde 2006 ins Leben gerufen.", "Cluster-Offensive Bayern")]
    closest = [_sentence(hits[0].text)]
    assert missing_evidence("Seit wann gibt es die Cluster-Offensive in Bavaria?", hits, closest) == []
    assert missing_evidence("Was kostete die Cluster-Offensive 2007?", hits, closest) == [
        "2007",
        "money",
        "amount of price",
    ]
    assert missing_evidence("Anything?", [], []) == ["passages"]
    assert missing_evidence("Who runs the Cluster-Offensive in Toulouse?", hits, closest) == [
        "leader",
        "Toulouse",
    ]


def test_a_count_must_count_the_asked_thing() -> None:
    members = [_sentence("Mit 240 Gästen feierte der Cluster; heute hat er 185 Mitglieder.")]
    assert missing_count("Wie viele Beschäftigte hat die Clustermanagement GmbH?", members) == [
        "count of employees"
    ]
    assert missing_count("How many members does the cluster have?", members) == []
    assert missing_count("How many guests came to the party?", members) == []
    jobs = [_sentence("Allein dort sind rund 600 direkte Arbeitsplätze entstanden.")]
    assert missing_count("Wie viele Jobs sind dort entstanden?", jobs) == []
    # an amount of money counts nothing
    money = [_sentence("Each province provided 750,000 euros of start-up financing.")]
    assert missing_count("How many start-ups have been founded?", money) == ["count of start-ups"]
    assert missing_count("Was macht der Cluster?", members) == []


def test_an_amount_must_be_of_the_asked_kind() -> None:
    funding = [_sentence("Der Bund fördert den Cluster mit bis zu 40 Millionen Euro.")]
    assert missing_amount("Wie hoch ist der jährliche Mitgliedsbeitrag?", funding) == ["amount of fee"]
    assert missing_amount("What is the members' combined turnover?", funding) == ["amount of turnover"]
    turnover = [_sentence("Die Mitglieder setzen zusammen 14,2 Milliarden Euro um; der Umsatz wächst.")]
    assert missing_amount("What is the members' combined turnover?", turnover) == []
    fee = [_sentence("Der Mitgliedsbeitrag beträgt 500 Euro im Jahr.")]
    assert missing_amount("Was kostet die Mitgliedschaft, wie hoch ist der Beitrag?", fee) == []


def test_the_evidence_must_be_about_what_the_question_names() -> None:
    vienna = _sentence(
        "The community counts about 41,000 employees.", "Vienna's life sciences in the western part ..."
    )
    stern = _sentence(
        "Die Management GmbH hat 30 Mitarbeiter.", "Die BioRegio STERN Management GmbH in Stuttgart ..."
    )
    question = "How many employees does BioRegio STERN Management GmbH have?"
    assert not about_asked(question, vienna)  # "western" is not STERN
    assert about_asked(question, stern)
    assert missing_count(question, [vienna]) == ["count of employees"]
    assert missing_count(question, [vienna, stern]) == []
    # a country is named by a place in it
    assert about_asked("How many firms are in Switzerland's parks?", _sentence("200 Firmen.", "In Bern ..."))
    assert not about_asked(
        "How many firms are in Switzerland's parks?", _sentence("200 Firmen.", "In Linz ...")
    )
    # a national text seldom names its country: a passage that names no place may be about it
    national = _sentence("Zur ersten Runde gingen 38 Bewerbungen ein.")
    assert about_asked("How many applications did Germany's competition get?", national)


def test_a_start_must_be_dated_in_a_passage_about_it() -> None:
    founded = _sentence(
        "Gegründet wurde das Zentrum Wasserstoff.Bayern, kurz H2.B, am 5. September 2019 in Nürnberg."
    )
    assert missing_evidence("Wann wurde H2.B gegründet?", [founded.hit], [founded]) == []
    other = _sentence("2019 kamen viele Gäste; der Verein wächst.")
    assert missing_evidence("Wann wurde H2.B gegründet?", [other.hit], [other]) == [
        "date of the start",
        "H2.B",
    ]
    assert missing_evidence("When was the cluster founded?", [other.hit], [other]) == ["date of the start"]


def test_the_evidence_must_fit_the_asked_unit_year_and_time() -> None:
    region = _sentence(
        "Die Region zählt 330 Firmen mit mehr als 12.500 Beschäftigten.", "MedicalMountains in Tuttlingen"
    )
    question = "How many people work for the MedicalMountains cluster management?"
    assert missing_count(question, [region]) == ["count of employees"]
    team = _sentence("Im Clustermanagement arbeiten zwölf Mitarbeiter.", "MedicalMountains in Tuttlingen")
    assert missing_count(question, [region, team]) == []
    # a count dated in another year than the asked one
    later = _sentence(
        "Im Jahr 2019 hatte der Verband rund 50 Mitglieder.", "Der Verband wurde 2005 gegründet."
    )
    assert missing_count("How many members did it have when founded in 2005?", [later]) == [
        "count of members"
    ]
    assert missing_count("How many members did it have in 2019?", [later]) == []
    # a count that looks like a year
    members = _sentence("Im Jahr 2019 zählte der Verein rund 2000 Mitglieder.")
    assert missing_count("Wie viele Mitglieder hatte der Verein 2019?", [members]) == []
    # an undated amount in a passage about another year: the start-up budget is not the 2024 budget
    start = _sentence(
        "Für den Start stellte die Staatsregierung zehn Millionen Euro in Aussicht.", "Gegründet 2019."
    )
    elsewhere = _hit("Im Jahr 2024 eröffnete ein anderes Zentrum.")
    assert missing_evidence("What is the centre's budget for 2024?", [start.hit, elsewhere], [start]) == [
        "money"
    ]
    assert missing_evidence("What was the centre's budget in 2019?", [start.hit], [start]) == []
    # a role placed in the past does not say who holds it now
    first = _sentence(
        "The first cluster manager was Matthias Fink.",
        "Cluster Life Sciences Tirol. The first cluster manager was Matthias Fink.",
    )
    assert missing_evidence("Who is the current cluster manager in Tyrol?", [first.hit], [first]) == [
        "current cluster[- ]?manager"
    ]
    assert missing_evidence("Who was the first cluster manager in Tyrol?", [first.hit], [first]) == []


def test_amounts_in_words_and_things_inside_compounds() -> None:
    sales = [_sentence("The sector generates annual sales of more than three billion euros.")]
    assert missing_amount("How much turnover does the sector make?", sales) == []
    grant = [
        _sentence("Das Land fördert das Clustermanagement seit 2007."),
        _sentence("In das neue Institut investierte das Land 32,5 Millionen Euro."),
    ]
    assert missing_amount("Wie viel Fördergeld umfasste der Bescheid?", grant) == ["amount of funding"]
    # what someone earns is a salary
    managers = [_sentence("The cluster manager leads a team of five.")]
    assert missing_amount("What does a cluster manager typically earn?", managers) == ["amount of salary"]
    # "how much" with a kind of amount asks for money
    stages = [_sentence("Under INTERREG II, BioValley had a budget of 2.2 million euros.")]
    assert missing_amount("How much EU funding did BioValley receive under INTERREG IV?", stages) == [
        "amount of funding"
    ]
    funded = [_sentence("Under INTERREG IV the EU funded BioValley with 3 million euros.")]
    assert missing_amount("How much EU funding did BioValley receive under INTERREG IV?", funded) == []
    assert missing_amount("Wie viele Projekte wurden gefördert?", stages) == []  # how many, not how much
    # what something costs: an amount next to a price, a charge or a period
    invested = [_sentence("In die Zentren hat das Land mehr als 136 Millionen Euro investiert.")]
    assert missing_amount("How much does a coworking desk cost per month?", invested) == ["amount of price"]
    desk = [_sentence("Ein Coworking-Platz kostet 250 Euro im Monat.")]
    assert missing_amount("How much does a coworking desk cost per month?", desk) == []
    fee = [_sentence("Der Jahresbeitrag beträgt 500 Euro.")]
    assert missing_amount("Wie viel kostet die Mitgliedschaft im Jahr?", fee) == []
    buses = [_sentence("Bis 2025 will sie rund 170 Brennstoffzellenbusse einsetzen.")]
    assert missing_count("Wie viele Busse mit Brennstoffzelle sind geplant?", buses) == []


def test_an_industry_the_question_names_must_be_named_in_the_passages() -> None:
    plastics = "der kunststoff-cluster in oberösterreich zählt 400 unternehmen."
    assert missing_sectors("Which network supports the plastics industry in Upper Austria?", plastics) == []
    assert missing_sectors("Welche Netzwerke gibt es für die Möbelindustrie in Polen?", plastics) == [
        "furniture"
    ]
    assert missing_sectors("Who heads the fintech cluster in Singapore?", "partners in singapore") == [
        "fintech"
    ]
    assert missing_sectors("Welches Netzwerk vertritt die Glasindustrie im Bayerischen Wald?", plastics) == [
        "glass and ceramics"
    ]
    # "it" is a pronoun, not the IT industry
    assert missing_sectors("When did it open, and what did it cost?", plastics) == []


def test_checks_stay_fast_and_read_ordinary_sentences() -> None:
    import time

    from knowledge.asked import COUNT, COUNTED, near

    started = time.perf_counter()
    for junk in ("Mitglieder " + "-" * 2000, "Beitrag " + "." * 2000):
        assert not near(COUNT, COUNTED[1].pattern).search(junk)
    assert time.perf_counter() - started < 1.0  # one way to split a gap: no backtracking blow-up
    fee = [
        _sentence("SMEs pay an annual fee of 500 euros."),
        _sentence("Mitgliedsbeitrag: 500,- EUR pro Jahr."),
    ]
    assert missing_amount("How high is the membership fee?", fee[:1]) == []
    assert missing_amount("Wie hoch ist der Mitgliedsbeitrag?", fee[1:]) == []
    assert missing_count("How many partners are there?", [_sentence("We have 14 European partners.")]) == []
    chair = _sentence("Anna Vogel chairs the board; she was elected in 2022.")
    assert missing_evidence("Who is the current chair?", [chair.hit], [chair]) == []
    head = _sentence("Geschäftsführer Jan Weber erstellt den Jahresbericht.")
    assert missing_evidence("Wer ist heute Geschäftsführer?", [head.hit], [head]) == []


def test_names_must_be_used_in_the_passages() -> None:
    assert missing_names("What does HOLM rent out?", "das house of logistics & mobility (holm) ...") == []
    assert missing_names("Who heads BioRegio STERN?", "vienna's western district ...") == [
        "BioRegio",
        "STERN",
    ]
    # hyphenated German compounds and legal forms are not names
    assert missing_names("Wer leitet die Cyber-Valley-Forschungsgruppen der GmbH?", "cyber valley") == []


def test_who_leads_needs_a_leader_in_a_passage_about_the_asked_thing() -> None:
    krems = _sentence("In Krems liegt der Schwerpunkt auf Biotechnologie.", "Das Technopol Krems ...")
    assert missing_leader("Wer leitet das Technopol in Krems?", [krems]) == ["leader"]
    led = _sentence("Geleitet wird das Technopol von Anna Berger.", "Das Technopol Krems ...")
    assert missing_leader("Wer leitet das Technopol in Krems?", [krems, led]) == []
    elsewhere = _sentence("Geleitet wird das Technopol von Anna Berger.", "Das Technopol Tulln ...")
    assert missing_leader("Who runs the technopole in Krems?", [krems, elsewhere]) == ["leader"]
    assert missing_leader("Was erforscht das Technopol in Krems?", [krems]) == []


def test_a_multi_word_name_the_passages_use_decides_what_a_passage_is_about() -> None:
    cyber = _sentence("Cyber Valley was launched in 2016.", title="Cyber Valley")
    medicon = _sentence(
        "Between 1997 and 2006, 118 life science start-ups were founded.", title="Medicon Valley"
    )
    question = "How many start-ups have been founded out of Cyber Valley so far?"
    assert phrases(question) == ("Cyber Valley",)
    assert missing_evidence(question, [cyber.hit, medicon.hit], [cyber, medicon]) == ["count of start-ups"]
    assert missing_evidence("How many start-ups came out of Medicon Valley?", [medicon.hit], [medicon]) == []
    # places are no such names, and a German question's nouns count only where the passages use them
    assert phrases("Which network supports the plastics industry in Upper Austria?") == ()
    assert not about_asked("Wie viele Mitglieder hat der Verein Silicon Saxony?", cyber)


def test_numbers_may_stand_in_the_passage_next_to_the_answer() -> None:
    answer = _hit("Außerdem vereinbarte der Verein eine Kooperation mit dem Kunststoffcluster PolymerMat.")
    before = _hit("Ins vierte Quartal 2017 startete der Verein mit neuer Adresse.")
    question = "Mit welchen Netzwerken hat der Verein 2017 eine Zusammenarbeit vereinbart?"
    assert missing_numbers(question, [answer]) == ["2017"]
    assert missing_numbers(question, [answer], nearby=[before]) == []


def test_counts_in_words_and_kinds_of_amount_in_other_words() -> None:
    fair = [_sentence("At the fair in Besançon in 2006, around sixty Swiss companies exhibited.")]
    assert missing_count("Wie viele Schweizer Aussteller waren 2006 in Besançon?", fair) == []
    sales = [_sentence("The members' combined 2008 sales of 65 billion euros supported a large R&D budget.")]
    assert missing_amount("How much did the members turn over together in 2008?", sales) == []
    # a period names no price in the question, but may state one in the answer
    budget = [
        _sentence("Für die Initiative stehen in den kommenden Jahren 6,4 Millionen Euro zur Verfügung.")
    ]
    assert missing_amount("How much money is earmarked for the initiative each year?", budget) == []
    each = [_sentence("Each participating industrial company contributes 25,000 euros a year.")]
    assert missing_amount("How much does a member company have to pay? What does it cost?", each) == []


def test_review_cases_that_must_not_abstain_or_must() -> None:
    mail = _sentence("Contact: info@cluster-bw.de, phone +49 711 123456.")
    assert missing_evidence("What is the e-mail address of the cluster management?", [mail.hit], [mail]) == []
    fees = _sentence("The fee is 300 euros.", title="Fees 2024")
    assert missing_amount("What is the membership fee in 2024?", [fees]) == []
    hypos = _sentence("HYPOS coordinates the project with ten partners.", title="HYPOS")
    assert missing_leader("Who is the lead partner of HYPOS?", [hypos]) == []
    assert missing_leader("Which region leads in hydrogen research?", [hypos]) == []
    assert missing_date("When is the HYPOS office open?", [hypos]) == []
    assert missing_types("On what date is the fair?", ["The fair opens on May 17th."]) == []
    assert missing_types("What date was it?", ["It took place on 2024-05-17."]) == []
    assert (
        missing_types("Wer hat den Innovationspreis verdient?", ["Die Jury wählte das Team aus Jena."]) == []
    )
    hyphen = _sentence("Seit dem Start wurden 30 Start-ups gegründet.", title="Das Cyber-Valley in Tübingen")
    assert missing_count("How many start-ups came out of Cyber Valley?", [hyphen]) == []
    robots = [_sentence("The exhibition showed 40 robots.")]
    assert missing_count("How many visitors came to the exhibition?", robots) == ["count of participants"]
