""" "What would doing this in-house cost you?": the planner run on the business's own measured
traffic, for the service level in its contract, beside what its statements say it paid.

Pure: the caller loads the records (`queries.traffic_records`) and the statements. The traffic
is the planner's own estimate (`planning.estimate.estimate_inputs`: arrivals per hour of the
week, handle time, patience from abandonment); the opening hours are the business's weekly
schedule widened to whole hours (the planner plans per hour).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from livedesk.billing.statement import euros
from livedesk.billing.terms import BillingTerms
from livedesk.billing.usage import Month
from livedesk.planning.costs import exact, price_to_dict, to_cents
from livedesk.planning.estimate import ConversationRecord, Estimates, estimate_inputs
from livedesk.planning.numbers import num, pct
from livedesk.planning.scenario import DAYS, Plan, Scenario, plan
from livedesk.routing.hours import Schedule


@dataclass(frozen=True)
class Paid:
    month: Month
    subtotal: Decimal  # without VAT: in-house salaries carry none either
    total: Decimal


def planner_opening(schedule: Schedule) -> dict[str, str | None]:
    """The weekly schedule as the planner's per-day whole hours ("08:00-18:00,19:00-20:00"):
    an hour open for any part counts as open; a night crossing midnight continues on the next
    day. Date exceptions are left out: the plan is for a typical week."""
    hours: list[set[int]] = [set() for _ in DAYS]
    for day, intervals in enumerate(schedule.weekly):
        for interval in intervals:
            first, end = interval.span()  # minutes from the day's midnight; end may pass 1440
            for hour in range(first // 60, -(-end // 60)):
                hours[(day + hour // 24) % 7].add(hour % 24)
    return {name: _ranges(sorted(open_hours)) for name, open_hours in zip(DAYS, hours, strict=True)}


def _ranges(hours: list[int]) -> str | None:
    runs: list[list[int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1][1] = hour + 1
        else:
            runs.append([hour, hour + 1])
    return ",".join(f"{a:02d}:00-{b:02d}:00" for a, b in runs) or None


def in_house_scenario(
    estimates: Estimates,
    schedule: Schedule,
    contract: dict[str, Any],
    terms: BillingTerms | None,
    lang: str = "nl",
) -> Scenario:
    """The planner's scenario: measured traffic, the contract's first-reply target, the
    business's opening hours, and its price model as the outsourcing side."""
    return Scenario.from_dict(
        {
            **estimates.scenario_fields(),
            "opening": planner_opening(schedule),
            "target_sl": float(contract.get("first_reply_share", 0.8)),
            "answer_within_s": float(contract.get("first_reply_seconds", 30)),
            "prices": [price_to_dict(terms.price_model())] if terms else [],
            "lang": lang,
        }
    )


def compare_in_house(
    records: Sequence[ConversationRecord],
    *,
    weeks: float,
    tz: ZoneInfo,
    months: Sequence[Month],
    schedule: Schedule,
    contract: dict[str, Any],
    terms: BillingTerms | None,
    paid: Sequence[Paid],
    lang: str = "nl",
) -> dict[str, Any]:
    """Raises PlanningInputError when there is nothing to plan from (no chats, never open)."""
    estimates = estimate_inputs(records, weeks=weeks, tz=tz)
    result = plan(in_house_scenario(estimates, schedule, contract, terms, lang))
    s = result.summary
    average = to_cents(sum((p.subtotal for p in paid), Decimal(0)) / len(paid)) if paid else None
    in_house = to_cents(exact(s["monthly_cost_in_house"]))
    return {
        "months": [str(m) for m in months],
        "traffic": {
            "chats": len(records),
            "weeks": round(weeks, 2),
            "chats_per_week": s["chats_per_week"],
            "aht_min": _rounded(estimates.aht_min),
            "patience_min": _rounded(estimates.patience_min),
            "concurrency": result.scenario.concurrency,
            "notes": estimates.notes,
        },
        "target": {
            "service_level": result.scenario.target_sl,
            "answer_within_s": result.scenario.answer_within_s,
        },
        "in_house": {
            "monthly_cost": in_house,
            "scheduled_hours_per_week": s["scheduled_hours_per_week"],
            "fte": s["fte"],
            "fte_with_absence": s["fte_with_absence"],
            "peak_operators": s["peak_operators"],
            "service_level": s["service_level"],
            "abandon": s["abandon"],
            "hourly_cost": to_cents(exact(s["hourly_cost"])),
        },
        "outsourcing_planned": [
            {
                "kind": o["kind"],
                "label": o["label"],
                "monthly_cost": to_cents(exact(o["monthly_cost"])),
            }
            for o in result.outsourcing
        ],
        "paid": [{"month": str(p.month), "subtotal": p.subtotal, "total": p.total} for p in paid],
        "paid_per_month": average,
        "difference_per_month": None if average is None else in_house - average,
        "explanation": explain(result, estimates, months, in_house, average, lang),
    }


PEOPLE = {"nl": ("medewerkers", "medewerker"), "en": ("people", "person")}
MONTH_NAMES = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november "
    "december".split(),
    "en": "January February March April May June July August September October November "
    "December".split(),
}


def period_text(months: Sequence[Month], lang: str = "nl") -> str:
    """ "maart 2026", "januari 2026 t/m maart 2026" / "January 2026 to March 2026"."""
    if not months:
        return ""
    names = [f"{MONTH_NAMES[lang][m.month - 1]} {m.year}" for m in (months[0], months[-1])]
    if len(months) == 1:
        return names[0]
    return f"{names[0]} {'t/m' if lang == 'nl' else 'to'} {names[1]}"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def explain(
    result: Plan,
    estimates: Estimates,
    months: Sequence[Month],
    in_house: Decimal,
    average: Decimal | None,
    lang: str,
) -> str:
    """A few plain sentences for the business owner: what was measured, what it takes to
    answer as fast yourself, what that costs beside what you paid, and what euros leave out."""
    s, sc = result.summary, result.scenario
    aht = num(estimates.aht_min if estimates.aht_min is not None else sc.aht_min, 1, lang)
    values = {
        "period": period_text(months, lang),
        "salary": "€" + num(sc.gross_salary_month, 0, lang),
        "employer": pct(sc.employer_factor - 1, 0, lang),
        "chats": num(s["chats_per_week"], 0, lang),
        "aht": aht,
        "share": pct(sc.target_sl, 0, lang),
        "seconds": num(sc.answer_within_s, 0, lang),
        "fte": num(s["fte_with_absence"], 2, lang),
        "peak": s["peak_operators"],
        "people": PEOPLE[lang][s["peak_operators"] == 1],
        "cost": euros(in_house, lang),
        "paid": euros(average, lang) if average is not None else "",
        "diff": euros(abs(in_house - average), lang) if average is not None else "",
    }
    texts = EXPLANATION[lang]
    parts = [texts["measured"], texts["staffing"]]
    if average is not None:
        parts.append(texts["paid"])
        parts.append(texts["dearer"] if in_house > average else texts["cheaper"])
    parts.append(texts["beyond"])
    return " ".join(part.format(**values) for part in parts)


EXPLANATION: dict[str, dict[str, str]] = {
    "nl": {
        "measured": "We hebben gekeken naar de chats van jouw bedrijf in {period}: gemiddeld "
        "{chats} chats per week, die elk ongeveer {aht} minuten duurden, en hoe lang bezoekers "
        "bleven wachten voordat ze weggingen.",
        "staffing": "Wil je zelf {share} van de chats binnen {seconds} seconden beantwoorden, "
        "zoals in je contract staat, dan heb je {fte} fte nodig (vakantie en ziekte "
        "meegerekend), met op het drukste uur {peak} {people} tegelijk aan het werk. Met een "
        "bruto maandsalaris van {salary} plus {employer} werkgeverslasten kost dat ongeveer "
        "{cost} per maand.",
        "paid": "Je betaalde in die tijd gemiddeld {paid} per maand, zonder btw.",
        "dearer": "Zelf chatten zou je dus ongeveer {diff} per maand meer kosten.",
        "cheaper": "Zelf chatten zou dus ongeveer {diff} per maand goedkoper zijn.",
        "beyond": "Niet alles zit in euro's: zelf chatten houdt de regie en de kennis van je "
        "eigen mensen in huis; uitbesteden geeft dekking op alle openingsuren en vangt drukke "
        "momenten op zonder dat je extra personeel hoeft aan te nemen en in te werken.",
    },
    "en": {
        "measured": "We looked at your business's chats in {period}: {chats} chats a week on "
        "average, each lasting about {aht} minutes, and how long visitors waited before they "
        "left.",
        "staffing": "To answer {share} of chats within {seconds} seconds yourself, as your "
        "contract says, you would need {fte} FTE (holidays and sickness included), with {peak} "
        "{people} at work at once in the busiest hour. At a gross salary of {salary} a month "
        "plus {employer} employer's costs that comes to about {cost} a month.",
        "paid": "You paid {paid} a month on average over those months, without VAT.",
        "dearer": "Chatting in-house would cost you about {diff} a month more.",
        "cheaper": "Chatting in-house would be about {diff} a month cheaper.",
        "beyond": "Not everything is in euros: in-house keeps control and your own people's "
        "knowledge; outsourcing covers every opening hour and absorbs busy moments without "
        "hiring and training extra staff.",
    },
}
