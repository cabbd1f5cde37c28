"""Small Dutch FAQ fixtures for two businesses (written for these tests)."""

from __future__ import annotations

from livedesk.knowledge.index import FaqDoc

BAKKER = [
    (
        "b1",
        "Wat zijn de openingstijden van de winkel?",
        "We zijn open van maandag tot en met zaterdag van 7:00 tot 18:00 uur. Op zondag gesloten.",
    ),
    (
        "b2",
        "Kan ik een taart bestellen voor een verjaardag?",
        "Ja, bestel taarten minimaal twee dagen van tevoren in de winkel of telefonisch.",
    ),
    (
        "b3",
        "Bezorgen jullie brood aan huis?",
        "We bezorgen op werkdagen in het dorp; de bezorgkosten zijn € 2,50 per levering.",
    ),
    (
        "b4",
        "Hebben jullie glutenvrij brood?",
        "Glutenvrij brood bakken we op dinsdag en vrijdag. Reserveer het een dag eerder.",
    ),
]
GARAGE = [
    (
        "g1",
        "Hoe maak ik een afspraak voor de APK-keuring?",
        "Plan uw APK-keuring online of bel de werkplaats. De keuring duurt ongeveer een uur.",
    ),
    (
        "g2",
        "Kan ik een vervangende auto krijgen tijdens de reparatie?",
        "Ja, tegen een vergoeding van € 15 per dag krijgt u een leenauto mee.",
    ),
    (
        "g3",
        "Wanneer moet ik mijn winterbanden laten wisselen?",
        "Wissel winterbanden rond oktober en zomerbanden rond april; wij slaan uw banden op.",
    ),
]


def make_docs() -> list[FaqDoc]:
    docs = [FaqDoc(i, "bakker", q, a) for i, q, a in BAKKER]
    docs += [FaqDoc(i, "garage", q, a) for i, q, a in GARAGE]
    return docs
