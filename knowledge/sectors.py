"""The industries and subjects a question may be about, each as German and English texts name it.

A question about the toy industry is not answered by passages about plastics, nor one about an EU Blue
Card by passages about a software cluster, whatever else they share: the evidence check
(knowledge/evidence.py) wants every industry or subject the question names in the passages. The
industries follow the divisions of the EU's classification of economic activities (NACE Rev. 2) that
clusters organise around, plus the technology fields clusters name themselves by (hydrogen, photonics,
artificial intelligence); the subjects are what members ask of a business service that cluster documents
seldom cover (visas, tax, labour law, registering a business). Each pattern matches at the start of a
word; `\\w*` before a stem lets it end a German compound ("Möbelindustrie", "Spielwarenhersteller").
"""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.asked import COUNTED, PRICED, Concept, make_concept
from knowledge.places import place_of_word
from knowledge.places import stem as place_stem

# Narrower than energy, and part of it: a question about solar panels is not answered by "renewable energy".
_SOLAR = r"photovolta|\w*solar|\bpv\b|pv-\w+"
_WIND = r"wind (?:power|energy|farms?|turbines?|parks?)|\w*windenergie|\w*windkraft|\w*windpark"

SECTORS = (
    make_concept(
        "aerospace", r"aerospace|aviation|aircraft|\w*luftfahrt|\w*raumfahrt|space industry|\w*flugzeug"
    ),
    make_concept(
        "automotive", r"automotive|\w*automobil|\w*fahrzeug|vehicles?\b|\bcars?\b|\w*autoindustrie|kfz"
    ),
    make_concept("mobility", r"\w*mobility|\w*mobilität"),
    make_concept("biotech", r"biotech|\w*biotechnolog|life.?science|\w*biowissenschaft|pharma"),
    make_concept(
        "medical technology", r"medtech|medical (?:technology|devices?)|\w*medizintechnik|\w*medizinprodukt"
    ),
    make_concept("health", r"\w*gesundheit|health"),
    make_concept("chemicals", r"\w*chemi|chemical"),
    make_concept("plastics", r"plastics?\b|\w*kunststoff|polymer"),
    make_concept("hydrogen", r"hydrogen|\w*wasserstoff|fuel cells?|\w*brennstoffzell"),
    make_concept("energy", rf"energy|\w*energie|renewables?|{_SOLAR}|{_WIND}"),
    make_concept("solar", _SOLAR),
    make_concept("wind energy", _WIND),
    make_concept("geothermal", r"geotherm|\w*erdwärme"),
    make_concept("nuclear", r"nuclear|\w*kernenergie|\w*kernkraft|\w*atomkraft|\w*atomenergie"),
    make_concept("oil and gas", r"\boil\b|petroleum|\w*erdöl|natural gas|\w*erdgas|refiner|\w*raffinerie"),
    make_concept("batteries", r"batter(?:y|ies)|\w*batterie|\w*akkus?\b"),
    make_concept("logistics", r"logistic|\w*logistik|freight|\w*güterverkehr|supply chain"),
    make_concept(
        "maritime", r"maritim|shipping|shipbuilding|\w*schifffahrt|\w*schiffbau|\w*hafen|ports?\b|offshore"
    ),
    make_concept(
        "microelectronics",
        r"micro.?electronic|\w*mikroelektronik|semiconductor|\w*halbleiter|\bchips?\b|\w*chipindustrie|"
        r"electronic|\w*elektronik",
    ),
    make_concept(
        "electrical engineering",
        r"electrical (?:engineering|industry|equipment)|\w*elektrotechnik|\w*elektroindustrie",
    ),
    make_concept("optics", r"optic|\w*optik|photonic|\w*photonik|laser"),
    make_concept("quantum technology", r"quantum|\w*quanten"),
    make_concept(
        "software",
        r"software|information technology|\w*informatik|ict\b|\bikt\b|"
        r"(?-i:IT)(?:-| )(?:branche|industr|sector|cluster|services|wirtschaft|unternehmen|compan)",
    ),
    make_concept(
        "artificial intelligence",
        r"artificial intelligence|\bai\b|\bki\b|künstliche intelligenz|machine learning|intelligent systems",
    ),
    make_concept(
        "cybersecurity",
        r"cyber ?security|\w*cybersicherheit|it-sicherheit|it security|informationssicherheit",
    ),
    make_concept("telecommunications", r"telecom|\w*telekommunikation|\w*mobilfunk|mobile networks?"),
    make_concept("robotics", r"robot"),
    make_concept("drones", r"drones?\b|\w*drohne"),
    make_concept(
        "fintech", r"fintech|financial (?:services|technology)|\w*finanzdienst|banking|(?<!daten)banken"
    ),
    make_concept("insurance", r"insurance|insurer|\w*versicherung|\w*versicherer"),
    make_concept("real estate", r"real estate|\w*immobilien"),
    make_concept("retail", r"retail|\w*einzelhandel|e-commerce|\w*onlinehandel|\w*versandhandel"),
    make_concept(
        "games",
        r"video ?games?|computer ?games?|\bgames?\b|\bgaming|\w*spiele(?:industrie|branche|entwickl)|\w*computerspiel",
    ),
    make_concept(
        "media",
        r"media (?:industry|sector|companies|cluster)|\w*medien(?:wirtschaft|branche|industrie)|film industry|"
        r"\w*filmwirtschaft|broadcast|\w*rundfunk|publishing|\w*verlagswesen",
    ),
    make_concept("music", r"music|\w*musik"),
    make_concept(
        "creative industries", r"creative industr|\w*kreativwirtschaft|design\b|\w*kultur- und kreativ"
    ),
    make_concept("bioeconomy", r"bio-?econom|\w*bioökonom|bio-based|\w*biobasiert"),
    make_concept("food", r"\bfood|\w*lebensmittel|\w*ernährung|nutrition|agri|\w*landwirtschaft"),
    make_concept(
        "beverages",
        r"beverage|drinks industry|\w*getränke|brew|\w*brauerei|\w*brauer\b|\bbeers?\b|\bbier\b|\w*biere\b|"
        r"distill|\w*brennerei|whisk|spirits\b|mineral water|\w*mineralwasser",
    ),
    make_concept("wine", r"\bwines?\b|winegrow|vineyard|viticult|\w*weinbau|\bwein\w*|\w*winzer"),
    make_concept("fishing", r"fisher|fishing|\w*fischerei|aquacult|\w*aquakultur"),
    make_concept("wood", r"\bwood|timber|forestry|\w*holz|\w*forst"),
    make_concept(
        "paper and printing",
        r"paper industry|\w*papierindustrie|\w*papierfabrik|pulp\b|\w*zellstoff|printing industry|\w*druckindustrie|\w*druckerei",
    ),
    make_concept("furniture", r"furniture|\w*möbel"),
    make_concept(
        "glass and ceramics", r"glass\b|glas\b|\w*glasindustrie|\w*glashütte|glassworks|ceramic|\w*keramik"
    ),
    make_concept("textiles", r"textile|\w*textil|fashion|\w*mode(?:branche|industrie)|apparel|clothing"),
    make_concept("leather and footwear", r"leather|\w*leder|footwear|shoes?\b|\w*schuh"),
    make_concept("toys", r"toys?\b|toymak|\w*spielwaren|\w*spielzeug"),
    make_concept("sports goods", r"sporting goods|sports? (?:equipment|goods)|\w*sportartikel"),
    make_concept(
        "jewellery and watches",
        r"jewel|\w*schmuck(?:industrie|branche|hersteller|waren)|\w*goldschmied|watchmak|watch industry|"
        r"\w*uhrenindustrie|\w*uhrmacher",
    ),
    make_concept("cosmetics", r"cosmetic|\w*kosmetik"),
    make_concept("tourism", r"touris|\w*tourismus|hotel|\w*gastgewerbe|hospitality"),
    make_concept(
        "construction",
        r"construction industry|\w*bauwirtschaft|\w*bauindustrie|\w*baugewerbe|building industry",
    ),
    make_concept("crafts", r"\w*handwerk|crafts(?:men|manship)?\b|craft (?:trades|businesses)"),
    make_concept(
        "mechanical engineering", r"mechanical engineering|\w*maschinenbau|machine building|machinery"
    ),
    make_concept("metal", r"\bmetal|\w*metall|\bsteel|\w*stahl"),
    make_concept(
        "mining and raw materials", r"mining\b|\w*bergbau|\bmines\b|quarr|\w*rohstoff|raw materials"
    ),
    make_concept("railway", r"railway|\brail\b|\w*bahntechnik|\w*schienen"),
    make_concept(
        "water",
        r"water (?:management|supply|industry|technolog)|\w*wasserwirtschaft|\w*wassertechnik|waste ?water|\w*abwasser|drinking water|\w*trinkwasser",
    ),
    make_concept(
        "recycling",
        r"recycl|\w*kreislaufwirtschaft|circular economy|waste management|\w*abfall|\w*entsorgung",
    ),
    make_concept("defence", r"defen[cs]e|\w*verteidigung|\w*rüstung|military|\w*militär"),
)

# Subjects of a business service rather than of a cluster: a question about one needs passages naming it.
SUBJECTS = (
    make_concept(
        "visas and residence",
        r"\bvisas?\b|\w*visum|blue card|blauen? karte|work permits?|\w*arbeitserlaubnis|\w*aufenthaltstitel|"
        r"\w*aufenthaltserlaubnis|residence permits?|immigration|\w*einwanderung|\w*zuwanderung",
    ),
    make_concept(
        "tax",
        r"\btax(?:es|ation)?\b|tax (?:return|office|advi)|\w*steuer(?:n|recht|berat\w*|erklärung|bilanz|last|satz)?\b|"
        r"\w*finanzamt|\bvat\b",
    ),
    make_concept(
        "labour law",
        r"\w*kurzarbeit|short-time work|\w*arbeitsrecht|labou?r law|employment law|\w*kündigungsschutz|dismissal|"
        r"\w*tarifvertr|collective agreement|minimum wage|\w*mindestlohn|parental leave|\w*elternzeit",
    ),
    make_concept(
        "registering a business",
        r"\w*gewerbeanmeldung|\w*gewerbeschein|\w*handelsregister|company regist|business regist|"
        r"register (?:a|my|our) (?:company|business)|trade licen[cs]e",
    ),
    make_concept("pensions", r"pensions?\b|\w*rentenversicherung|\w*altersvorsorge|retirement"),
    make_concept(
        "trademarks and patents",
        r"trademarks?\b|\w*markenrecht|\w*markenanmeld|\w*markenschutz|patent (?:application|attorney|office)|"
        r"\w*patentanmeld|\w*patentanwalt|\w*patentamt",
    ),
    make_concept("mentoring", r"mentor|\w*mentoring"),
    make_concept("scholarships", r"scholarship|\w*stipendi|fellowships?\b|bursar"),
)


_NAMED = (*SECTORS, *SUBJECTS)


def sectors(question: str) -> list[Concept]:
    """The industries and subjects a question names."""
    return [c for c in _NAMED if c.named_in(question)]


# Every concept a question's word may name, for matching it across languages in retrieval.
CONCEPTS = (*COUNTED, *PRICED, *_NAMED)


@lru_cache(maxsize=4096)
def translation(word: str) -> re.Pattern[str] | None:
    """How texts in either language name a place or a known thing a (lower-cased) word names, None if
    neither: "Saxony-Anhalt" is "Sachsen-Anhalt", "participants" are "Teilnehmer"."""
    places = place_of_word(word) if len(word) >= 4 else None
    if places:
        stems = sorted({place_stem(name) for place in places for name in place.names})
        return re.compile(rf"(?<![^\W\d_])(?:{'|'.join(re.escape(stem) for stem in stems)})")
    for concept in CONCEPTS:
        if concept.pattern.match(word):
            return concept.pattern
    return None
