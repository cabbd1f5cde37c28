"""The plan's advice in plain language: what it costs, which option is cheaper, and the
whitepaper's trade-offs that are not in euros."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from livedesk.planning.numbers import money, num

if TYPE_CHECKING:
    from livedesk.planning.scenario import Plan


def recommend(p: Plan) -> str:
    """Plain-language advice naming cost and the whitepaper's non-cost trade-offs."""
    s, lang = p.summary, p.scenario.lang
    inhouse = s["monthly_cost_in_house"]
    best = min(p.outsourcing, key=lambda o: o["monthly_cost"]) if p.outsourcing else None
    vol = s["chats_per_month"]
    fmt = money
    if lang == "nl":
        text = (
            f"Bij {num(vol, 0, lang)} chats per maand kost zelf chatten {fmt(inhouse, lang)} per "
            f"maand ({num(s['fte_with_absence'], 2, lang)} fte incl. afwezigheid, piek "
            f"{s['peak_operators']} medewerkers tegelijk)."
        )
        if best:
            diff = inhouse - best["monthly_cost"]
            cheaper = "uitbesteden" if diff > 0 else "zelf chatten"
            text += (
                f" De goedkoopste uitbesteding is {best['label']}: "
                f"{fmt(best['monthly_cost'], lang)} per maand; {cheaper} is "
                f"{fmt(abs(diff), lang)} per maand goedkoper."
            )
            text += _be_text(best, lang)
        text += (
            " Kijk ook naar wat niet in euro's zit. Zelf chatten houdt de regie en de kennis "
            "van eigen medewerkers over het bedrijf en de producten in huis. Uitbesteden geeft "
            "dekking van 09:00 tot 23:00 op alle dagen, professionele chatoperators die getraind "
            "zijn in converteren en leads genereren, en opvang van piekmomenten zonder extra "
            "personeel. Kan het chatten zonder extra personeel naast het eigen werk, dan is "
            "zelf chatten goedkoper, maar reken met minstens 10 minuten per chat."
        )
        return text
    text = (
        f"At {num(vol, 0, lang)} chats a month, chatting in-house costs {fmt(inhouse, lang)} a "
        f"month ({num(s['fte_with_absence'], 2, lang)} FTE incl. absence, peak "
        f"{s['peak_operators']} operators at once)."
    )
    if best:
        diff = inhouse - best["monthly_cost"]
        cheaper = "outsourcing" if diff > 0 else "in-house"
        text += (
            f" The cheapest outsourcing option is {best['label']}: "
            f"{fmt(best['monthly_cost'], lang)} a month; {cheaper} is {fmt(abs(diff), lang)} "
            "a month cheaper."
        )
        text += _be_text(best, lang)
    text += (
        " Weigh what is not in euros too. In-house keeps control and your own staff's "
        "knowledge of the company and products. Outsourcing gives coverage from 09:00 to "
        "23:00 every day, professional operators trained to convert visitors and generate "
        "leads, and peak handling without hiring. If existing staff can take the chats "
        "alongside their work without extra hires, in-house is cheaper, but count at least "
        "10 minutes per chat."
    )
    return text


def _be_text(best: dict[str, Any], lang: str) -> str:
    be = [b for b in best["break_even"] if b["cheaper_above"] == "in_house"]
    if not be:
        if lang == "nl":
            return " Binnen het doorgerekende bereik wordt zelf chatten niet goedkoper."
        return " Within the range computed, in-house never becomes cheaper."
    v = be[0]["volume"]
    if lang == "nl":
        return f" Zelf chatten wordt goedkoper vanaf ongeveer {num(v, 0, lang)} chats per maand."
    return f" In-house becomes cheaper from about {num(v, 0, lang)} chats a month."
