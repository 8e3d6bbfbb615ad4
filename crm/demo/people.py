"""Who shops at the demo store: names per language, and where customers live.

Every city carries its IANA time zone and an approximate UTC offset. The offset (standard time,
daylight saving ignored) only places orders and deliveries at plausible local hours; using it
instead of `zoneinfo` keeps generation free of any file access.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    time_zone: str
    utc_offset_hours: int
    # '#' becomes a digit, '@' an upper-case letter.
    postcode_pattern: str


@dataclass(frozen=True)
class Country:
    name: str
    language: str
    names: str  # key into NAMES
    weight: int
    phone_pattern: str
    house_number_first: bool
    cities: tuple[City, ...]


@dataclass(frozen=True)
class NamePool:
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    # Languages with gendered surnames (Polish) list the female forms here, index-aligned.
    female_surnames: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    """A generated customer's identity and address, before it becomes a row."""

    name: str
    first_name: str
    surname: str
    phone: str
    country: str
    language: str
    city: str
    postcode: str
    street: str
    time_zone: str
    utc_offset_hours: int


def _names(female: str, male: str, surnames: str, female_surnames: str = "") -> NamePool:
    return NamePool(
        tuple(female.split(",")),
        tuple(male.split(",")),
        tuple(surnames.split(",")),
        tuple(female_surnames.split(",")) if female_surnames else (),
    )


NAMES: dict[str, NamePool] = {
    "en": _names(
        "Emma,Olivia,Sophie,Charlotte,Amelia,Grace,Hannah,Lucy,Emily,Chloe,Megan,Ella",
        "James,Oliver,Harry,George,Jack,Thomas,William,Daniel,Samuel,Michael,Ethan,Ryan",
        "Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Walker,Wright,Clarke,Hughes,"
        "Murphy,Kelly,Miller,Anderson,Moore,Baker",
    ),
    "sg": _names(
        "Wei Ling,Hui Min,Mei Xin,Priya,Nur Aisyah,Jia Hui,Shu Fen,Kavitha",
        "Wei Jie,Jun Hao,Zhi Wei,Arjun,Muhammad Hafiz,Kai Wen,Rajesh,Jia Le",
        "Tan,Lim,Lee,Ng,Ong,Wong,Goh,Chua,Koh,Teo,Nair,Pillai,Rahman",
    ),
    "de": _names(
        "Anna,Lena,Laura,Julia,Sophie,Katharina,Sabine,Monika,Petra,Hannah,Lea,Claudia",
        "Lukas,Jonas,Maximilian,Felix,Stefan,Thomas,Andreas,Michael,Jürgen,Tobias,Florian,Paul",
        "Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Koch,Richter,"
        "Klein,Wolf,Schröder,Neumann,Braun,Zimmermann",
    ),
    "fr": _names(
        "Camille,Léa,Manon,Chloé,Inès,Sarah,Julie,Émilie,Claire,Nathalie,Aurélie,Margaux",
        "Lucas,Hugo,Louis,Gabriel,Thomas,Nicolas,Julien,Antoine,Pierre,Mathieu,Théo,François",
        "Martin,Bernard,Dubois,Thomas,Robert,Richard,Petit,Durand,Leroy,Moreau,Simon,Laurent,"
        "Lefèvre,Michel,Garcia,Fournier,Girard,Mercier",
    ),
    "es": _names(
        "Lucía,María,Paula,Laura,Marta,Carmen,Sofía,Elena,Ana,Cristina,Alba,Isabel",
        "Hugo,Pablo,Javier,Alejandro,Daniel,David,Carlos,Sergio,Manuel,Adrián,Diego,Jorge",
        "García,Rodríguez,González,Fernández,López,Martínez,Sánchez,Pérez,Gómez,Martín,Jiménez,"
        "Ruiz,Hernández,Díaz,Moreno,Álvarez,Romero,Navarro",
    ),
    "it": _names(
        "Giulia,Francesca,Chiara,Sara,Martina,Valentina,Alessia,Elena,Federica,Silvia,Anna,Laura",
        "Marco,Alessandro,Luca,Andrea,Matteo,Francesco,Lorenzo,Giuseppe,Davide,Simone,Paolo,Stefano",
        "Rossi,Russo,Ferrari,Esposito,Bianchi,Romano,Colombo,Ricci,Marino,Greco,Bruno,Gallo,Conti,"
        "De Luca,Costa,Giordano,Mancini,Rizzo",
    ),
    "pl": _names(
        "Anna,Katarzyna,Magdalena,Agnieszka,Joanna,Zofia,Aleksandra,Natalia,Ewa,Marta,Julia,Karolina",
        "Jakub,Piotr,Krzysztof,Tomasz,Paweł,Michał,Kacper,Marcin,Łukasz,Adam,Mateusz,Wojciech",
        "Nowak,Kowalski,Wiśniewski,Wójcik,Kowalczyk,Kamiński,Lewandowski,Zieliński,Szymański,"
        "Woźniak,Dąbrowski,Kozłowski",
        "Nowak,Kowalska,Wiśniewska,Wójcik,Kowalczyk,Kamińska,Lewandowska,Zielińska,Szymańska,"
        "Woźniak,Dąbrowska,Kozłowska",
    ),
    "nl": _names(
        "Emma,Sanne,Lotte,Anouk,Fleur,Eva,Lisa,Iris,Sophie,Femke,Maartje,Noor",
        "Daan,Sem,Lucas,Thijs,Jesse,Bram,Ruben,Lars,Stijn,Joost,Pieter,Tim",
        "de Jong,Jansen,de Vries,van den Berg,van Dijk,Bakker,Janssen,Visser,Smit,Meijer,de Boer,"
        "Mulder,de Groot,Bos,Vos,Peters,Hendriks,van Leeuwen",
    ),
}

STREETS: dict[str, tuple[str, ...]] = {
    "en": ("High Street", "Station Road", "Church Lane", "Park Avenue", "Victoria Road", "Mill Lane",
           "Green Street", "Oak Drive", "King Street", "Queens Road"),
    "de": ("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Lindenweg", "Bergstraße",
           "Goethestraße", "Kirchplatz", "Am Markt", "Rosenweg"),
    "fr": ("rue de la République", "avenue Victor Hugo", "rue du Moulin", "boulevard Voltaire",
           "rue des Lilas", "place de l'Église", "rue Pasteur", "allée des Tilleuls"),
    "es": ("Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol", "Paseo del Prado",
           "Calle de Alcalá", "Plaza de España", "Calle Nueva"),
    "it": ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Via Verdi", "Piazza del Duomo",
           "Via Mazzini", "Via dei Mille"),
    "pl": ("ul. Długa", "ul. Polna", "ul. Kwiatowa", "ul. Lipowa", "ul. Mickiewicza", "ul. Słoneczna",
           "al. Jerozolimskie", "ul. Ogrodowa"),
    "nl": ("Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Prinsengracht", "Julianastraat",
           "Lindenlaan", "Schoolstraat"),
}  # fmt: skip


def _cities(*specs: tuple[str, str, int, str]) -> tuple[City, ...]:
    return tuple(City(*spec) for spec in specs)


COUNTRIES: tuple[Country, ...] = (
    Country("Germany", "de", "de", 22, "+49 ### #######", False, _cities(
        ("Berlin", "Europe/Berlin", 1, "10###"), ("Hamburg", "Europe/Berlin", 1, "20###"),
        ("München", "Europe/Berlin", 1, "80###"), ("Köln", "Europe/Berlin", 1, "50###"),
        ("Frankfurt am Main", "Europe/Berlin", 1, "60###"), ("Leipzig", "Europe/Berlin", 1, "04###"))),
    Country("Austria", "de", "de", 4, "+43 ### ######", False, _cities(
        ("Wien", "Europe/Vienna", 1, "1##0"), ("Graz", "Europe/Vienna", 1, "80##"),
        ("Linz", "Europe/Vienna", 1, "40##"))),
    Country("Switzerland", "de", "de", 2, "+41 ## ### ## ##", False, _cities(
        ("Zürich", "Europe/Zurich", 1, "80##"), ("Basel", "Europe/Zurich", 1, "40##"),
        ("Bern", "Europe/Zurich", 1, "30##"))),
    Country("United Kingdom", "en", "en", 14, "+44 #### ######", True, _cities(
        ("London", "Europe/London", 0, "SW# #@@"), ("Manchester", "Europe/London", 0, "M## #@@"),
        ("Bristol", "Europe/London", 0, "BS# #@@"), ("Leeds", "Europe/London", 0, "LS# #@@"),
        ("Edinburgh", "Europe/London", 0, "EH# #@@"))),
    Country("Ireland", "en", "en", 2, "+353 ## ### ####", True, _cities(
        ("Dublin", "Europe/Dublin", 0, "D0# @###"), ("Cork", "Europe/Dublin", 0, "T12 @###"))),
    Country("United States", "en", "en", 6, "+1 ### ### ####", True, _cities(
        ("New York", "America/New_York", -5, "100##"), ("Boston", "America/New_York", -5, "021##"),
        ("Chicago", "America/Chicago", -6, "606##"), ("Seattle", "America/Los_Angeles", -8, "981##"))),
    Country("Singapore", "en", "sg", 2, "+65 #### ####", True, _cities(
        ("Singapore", "Asia/Singapore", 8, "######"),)),
    Country("France", "fr", "fr", 12, "+33 # ## ## ## ##", True, _cities(
        ("Paris", "Europe/Paris", 1, "750##"), ("Lyon", "Europe/Paris", 1, "6900#"),
        ("Marseille", "Europe/Paris", 1, "130##"), ("Toulouse", "Europe/Paris", 1, "310##"),
        ("Nantes", "Europe/Paris", 1, "440##"))),
    Country("Belgium", "fr", "fr", 3, "+32 ### ## ## ##", True, _cities(
        ("Bruxelles", "Europe/Brussels", 1, "10#0"), ("Liège", "Europe/Brussels", 1, "40#0"))),
    Country("Spain", "es", "es", 9, "+34 ### ### ###", False, _cities(
        ("Madrid", "Europe/Madrid", 1, "280##"), ("Barcelona", "Europe/Madrid", 1, "080##"),
        ("Valencia", "Europe/Madrid", 1, "460##"), ("Sevilla", "Europe/Madrid", 1, "410##"))),
    Country("Italy", "it", "it", 9, "+39 ### ### ####", False, _cities(
        ("Roma", "Europe/Rome", 1, "001##"), ("Milano", "Europe/Rome", 1, "201##"),
        ("Torino", "Europe/Rome", 1, "101##"), ("Napoli", "Europe/Rome", 1, "801##"),
        ("Bologna", "Europe/Rome", 1, "401##"))),
    Country("Poland", "pl", "pl", 7, "+48 ### ### ###", False, _cities(
        ("Warszawa", "Europe/Warsaw", 1, "0#-###"), ("Kraków", "Europe/Warsaw", 1, "3#-###"),
        ("Wrocław", "Europe/Warsaw", 1, "5#-###"), ("Gdańsk", "Europe/Warsaw", 1, "80-###"))),
    Country("Netherlands", "nl", "nl", 8, "+31 # ########", False, _cities(
        ("Amsterdam", "Europe/Amsterdam", 1, "10## @@"), ("Rotterdam", "Europe/Amsterdam", 1, "30## @@"),
        ("Utrecht", "Europe/Amsterdam", 1, "35## @@"), ("Eindhoven", "Europe/Amsterdam", 1, "56## @@"))),
)  # fmt: skip

_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"
# Letters NFKD does not decompose into a base letter plus accent.
_ASCII_EXTRAS = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "æ": "ae", "œ": "oe"})


def fill_pattern(rng: random.Random, pattern: str) -> str:
    """Replaces '#' with random digits and '@' with random letters."""
    out = []
    for char in pattern:
        if char == "#":
            out.append(str(rng.randrange(10)))
        elif char == "@":
            out.append(rng.choice(_LETTERS))
        else:
            out.append(char)
    return "".join(out)


def email_local_part(text: str) -> str:
    """'Schröder' -> 'schroder', 'van den Berg' -> 'vandenberg': safe in any mail system."""
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRAS))
    return "".join(char for char in folded.lower() if char.isascii() and char.isalnum())


def make_person(rng: random.Random) -> Person:
    """A random customer from a weighted country, with a name that fits its language."""
    country = rng.choices(COUNTRIES, weights=[country.weight for country in COUNTRIES])[0]
    city = rng.choice(country.cities)
    pool = NAMES[country.names]
    female = rng.random() < 0.5
    first = rng.choice(pool.female if female else pool.male)
    surname_index = rng.randrange(len(pool.surnames))
    surname = (pool.female_surnames if female and pool.female_surnames else pool.surnames)[surname_index]
    number = str(rng.randint(1, 120))
    street_name = rng.choice(STREETS[country.language])
    street = f"{number} {street_name}" if country.house_number_first else f"{street_name} {number}"
    return Person(
        name=f"{first} {surname}",
        first_name=first,
        surname=surname,
        phone=fill_pattern(rng, country.phone_pattern),
        country=country.name,
        language=country.language,
        city=city.name,
        postcode=fill_pattern(rng, city.postcode_pattern),
        street=street,
        time_zone=city.time_zone,
        utc_offset_hours=city.utc_offset_hours,
    )
