"""What the report pages and the monthly mail say, Dutch first, and how they write numbers:
1.029, 12,5 %, €12.936,00 in Dutch; 1,029, 12.5%, €12,936.00 in English (pure)."""

from __future__ import annotations

from typing import Any

from livedesk.planning.numbers import num

LANGUAGES = ("nl", "en")

# key -> (Dutch, English): column and figure names
LABELS: dict[str, tuple[str, str]] = {
    "figure": ("Cijfer", "Figure"),
    "value": ("Waarde", "Value"),
    "offered": ("Chats aangeboden", "Chats offered"),
    "answered": ("Beantwoord", "Answered"),
    "missed": ("Gemist (aanbod niet aangenomen)", "Missed (offer not taken)"),
    "abandoned": ("Weggegaan voor antwoord", "Left before an answer"),
    "closed_unanswered": ("Gesloten zonder antwoord", "Closed without an answer"),
    "open": ("Nog open", "Still open"),
    "offline_messages": ("Offline berichten", "Offline messages"),
    "bot_answered": ("Beantwoord door de FAQ-bot", "Answered by the FAQ bot"),
    "bot_handed_over": ("Door de bot doorgegeven", "Handed over by the bot"),
    "within_target": ("Op tijd beantwoord", "Answered in time"),
    "within_target_share": ("Deel op tijd beantwoord", "Share answered in time"),
    "first_reply_mean": ("Eerste antwoord, gemiddeld", "First reply, mean"),
    "first_reply_p50": ("Eerste antwoord, mediaan", "First reply, median"),
    "first_reply_p90": ("Eerste antwoord, 90% binnen", "First reply, 90% within"),
    "handle_time_mean": ("Duur van een chat, gemiddeld", "Handle time, mean"),
    "handle_time_p50": ("Duur van een chat, mediaan", "Handle time, median"),
    "handle_time_p90": ("Duur van een chat, 90% binnen", "Handle time, 90% within"),
    "online_seconds": ("Online tijd van medewerkers", "Agents' online time"),
    "held_seconds": ("Tijd in gesprek", "Time in chats"),
    "occupancy": ("Bezetting", "Occupancy"),
    "concurrency_mean": ("Chats tegelijk, gemiddeld", "Chats at once, mean"),
    "concurrency_peak": ("Chats tegelijk, hoogste", "Chats at once, peak"),
    "csat_count": ("Beoordelingen", "Ratings"),
    "csat_mean": ("Gemiddelde beoordeling (1–5)", "Mean rating (1–5)"),
    "satisfied_share": ("Tevreden (4 of 5)", "Satisfied (4 or 5)"),
    "leads": ("Leads", "Leads"),
    "leads_accepted": ("Leads geaccepteerd", "Leads accepted"),
    "lead_rate": ("Leads per beantwoorde chat", "Leads per answered chat"),
    "faq_entries_added": ("FAQ-vragen toegevoegd", "FAQ entries added"),
    "faq_proposals_approved": ("FAQ-voorstellen goedgekeurd", "FAQ proposals approved"),
    "date": ("Datum", "Date"),
    "weekday": ("Dag", "Day"),
    "hour": ("Uur", "Hour"),
    "arrivals": ("Binnengekomen", "Arrivals"),
    "bucket": ("Wachttijd", "Wait"),
    "reply_bucket": ("Tijd tot het eerste antwoord", "Time to the first reply"),
    "count": ("Aantal", "Count"),
    "score": ("Score", "Score"),
    "comment": ("Opmerking", "Comment"),
    "at": ("Tijdstip", "Time"),
    "conversation_id": ("Gesprek", "Conversation"),
    "kind": ("Soort", "Kind"),
    "operator_id": ("Id", "Id"),
    "name": ("Medewerker", "Agent"),
    "offers_received": ("Aangeboden gekregen", "Offers received"),
    "accepted": ("Aangenomen", "Accepted"),
    "sales_lead": ("Verkoopkans", "Sales lead"),
    "callback_request": ("Terugbelverzoek", "Callback request"),
    "question_for_business": ("Vraag voor het bedrijf", "Question for the business"),
}
WEEKDAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
WEEKDAYS_SHORT = {
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
BUCKETS = {
    "0-30s": "0–30 s",
    "30-60s": "30–60 s",
    "1-2min": "1–2 min",
    "2-5min": "2–5 min",
    ">5min": "> 5 min",
    "0-15s": "0–15 s",
    "15-30s": "15–30 s",
}
MONTHS = {
    "nl": (
        "januari februari maart april mei juni juli augustus september oktober november december"
    ).split(),
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
}


def label(key: str, lang: str) -> str:
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "nl" else pair[1]


def bucket_label(bucket: str) -> str:
    return BUCKETS.get(bucket, bucket)


def percent(share: float, lang: str, decimals: int = 1) -> str:
    """12,5 % in Dutch (a space before the sign, as Dutch style writes it), 12.5% in English."""
    text = num(share * 100, decimals, lang)
    return f"{text} %" if lang == "nl" else f"{text}%"


def duration(seconds: float, lang: str) -> str:
    """42 s; 5 min 10 s; 12,5 uur (12.5 h) from two hours on."""
    if seconds < 60:
        return f"{num(seconds, 0, lang)} s"
    if seconds < 7200:
        minutes, rest = divmod(int(seconds + 0.5), 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return f"{num(seconds / 3600, 1, lang)} {'uur' if lang == 'nl' else 'h'}"


def fmt(value: Any, kind: str, lang: str) -> str:
    """A figure for people; – for a figure without data (no chats, no ratings)."""
    if value is None:
        return "–"
    if kind == "share":
        return percent(float(value), lang)
    if kind == "seconds":
        return duration(float(value), lang)
    if kind == "decimal":
        return num(float(value), 2, lang)
    if kind == "count":
        return num(int(value), 0, lang)
    return str(value)


def month_name(year: int, month: int, lang: str) -> str:
    return f"{MONTHS[lang][month - 1]} {year}"
