"""Report figures from plain records (pure: no I/O; the timezone comes in with the period).

Counting rules, the same for every figure and table:

* A chat counts in the local day and hour it was **queued**, whatever happened after: a chat
  crossing midnight or an hour boundary counts where it arrived, its handle time too.
* Outcomes (chats.py) partition the chats offered: answered + missed + abandoned +
  closed_unanswered + open = offered.
* The first-reply target is each chat's business contract's `first_reply_seconds`;
  `within_target_share` is of the chats that waited for a person (answered, missed or
  abandoned): a visitor who left counts as not answered in time, as in the planner.
* The heatmap's `missed` grid counts the chats whose visitor left without an operator's reply
  (missed + abandoned): the peaks the whitepaper warns about.
* Leads, offline messages and FAQ growth count on the local day they were created/approved;
  the lead rate is leads filed from chats ÷ answered chats.
* Operator time (occupancy.py) is cut to the period.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from livedesk.reports.chats import ABANDONED, ANSWERED, MISSED, OUTCOMES, ChatFacts, chat_facts
from livedesk.reports.occupancy import operator_time
from livedesk.reports.records import (
    FaqRecord,
    LeadRecord,
    OperatorRecord,
    Period,
    Records,
    Scope,
)

# (label, lower bound included, upper bound excluded) in seconds
WAIT_BUCKETS: tuple[tuple[str, float, float | None], ...] = (
    ("0-30s", 0, 30),
    ("30-60s", 30, 60),
    ("1-2min", 60, 120),
    ("2-5min", 120, 300),
    (">5min", 300, None),
)
REPLY_BUCKETS: tuple[tuple[str, float, float | None], ...] = (
    ("0-15s", 0, 15),
    ("15-30s", 15, 30),
    ("30-60s", 30, 60),
    ("1-2min", 60, 120),
    ("2-5min", 120, 300),
    (">5min", 300, None),
)
OFFLINE_KIND = "offline_message"
OFFLINE_SOURCE = "offline_form"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(q * 1000) * len(ordered) // 1000))  # ceil(q·n) without float drift
    return ordered[min(rank, len(ordered)) - 1]


def _r(x: float | None, places: int = 1) -> float | None:
    return None if x is None else round(x, places)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def bucket_of(seconds: float, buckets: tuple[tuple[str, float, float | None], ...]) -> str:
    for label, lo, hi in buckets:
        if seconds >= lo and (hi is None or seconds < hi):
            return label
    return buckets[0][0]  # a negative duration (clock skew) counts as the shortest


def is_offline(lead: LeadRecord) -> bool:
    return lead.source == OFFLINE_SOURCE or lead.kind == OFFLINE_KIND


# -- selecting what counts ---------------------------------------------------------------------


def all_facts(records: Records) -> list[ChatFacts]:
    return [f for f in (chat_facts(c) for c in records.chats) if f is not None]


def counted_chats(facts: Iterable[ChatFacts], period: Period, scope: Scope) -> list[ChatFacts]:
    """The chats queued in the period, of the scope's business and responsible operator."""
    return [
        f
        for f in facts
        if period.contains(f.queued_at)
        and (scope.business_id is None or f.chat.business_id == scope.business_id)
        and (scope.operator_id is None or f.responsible == scope.operator_id)
    ]


def _leads(records: Records, period: Period, scope: Scope) -> list[LeadRecord]:
    return [
        lead
        for lead in records.leads
        if period.contains(lead.created_at)
        and (scope.business_id is None or lead.business_id == scope.business_id)
        and (scope.operator_id is None or lead.created_by == scope.operator_id)
    ]


def _faq(records: Records, period: Period, scope: Scope) -> list[FaqRecord]:
    return [
        f
        for f in records.faq
        if period.contains(f.at)
        and (scope.business_id is None or f.business_id == scope.business_id)
        and (scope.operator_id is None or f.by == scope.operator_id)
    ]


def _operators(records: Records, scope: Scope) -> list[OperatorRecord]:
    if scope.operator_id is None:
        return list(records.operators)
    return [o for o in records.operators if o.id == scope.operator_id]


# -- the figures -------------------------------------------------------------------------------


def chat_counts(chats: list[ChatFacts]) -> dict[str, int]:
    tally = Counter(f.outcome for f in chats)
    return {"offered": len(chats), **{o: tally[o] for o in OUTCOMES}}


def abandoned_by_wait(chats: list[ChatFacts]) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str]] = Counter(
        (bucket_of(f.wait_seconds, WAIT_BUCKETS), f.outcome)
        for f in chats
        if f.outcome in (ABANDONED, MISSED) and f.wait_seconds is not None
    )
    return [
        {"bucket": b, ABANDONED: counts[b, ABANDONED], MISSED: counts[b, MISSED]}
        for b, _, _ in WAIT_BUCKETS
    ]


def first_reply(chats: list[ChatFacts]) -> dict[str, Any]:
    times = [f.first_reply_seconds for f in chats if f.first_reply_seconds is not None]
    within = sum(1 for f in chats if f.within_target)
    waited = sum(1 for f in chats if f.waited_for_a_person)
    buckets = Counter(bucket_of(t, REPLY_BUCKETS) for t in times)
    return {
        "count": len(times),
        "within_target": within,
        "waited_for_a_person": waited,
        "within_target_share": _share(within, waited),
        "mean": _r(_mean(times)),
        "p50": _r(percentile(times, 0.5)),
        "p90": _r(percentile(times, 0.9)),
        "buckets": [{"bucket": b, "count": buckets[b]} for b, _, _ in REPLY_BUCKETS],
    }


def handle_time(chats: list[ChatFacts]) -> dict[str, Any]:
    times = [f.handle_seconds for f in chats if f.handle_seconds is not None]
    return {
        "count": len(times),
        "mean": _r(_mean(times)),
        "p50": _r(percentile(times, 0.5)),
        "p90": _r(percentile(times, 0.9)),
    }


def heatmap(chats: list[ChatFacts], period: Period) -> dict[str, list[list[int]]]:
    """7 × 24 counts by local weekday (0 = Monday) and hour of arrival."""
    arrivals = [[0] * 24 for _ in range(7)]
    missed = [[0] * 24 for _ in range(7)]
    for f in chats:
        local = period.local(f.queued_at)
        arrivals[local.weekday()][local.hour] += 1
        if f.outcome in (MISSED, ABANDONED):
            missed[local.weekday()][local.hour] += 1
    return {"arrivals": arrivals, "missed": missed}


def csat(chats: list[ChatFacts], period: Period) -> dict[str, Any]:
    rated = sorted(
        (f for f in chats if f.chat.rating is not None),
        key=lambda f: f.chat.rating.at,  # type: ignore[union-attr]
    )
    scores = [f.chat.rating.score for f in rated]  # type: ignore[union-attr]
    tally = Counter(scores)
    comments = [
        {
            "conversation_id": f.chat.id,
            "business_id": f.chat.business_id,
            "score": f.chat.rating.score,
            "comment": f.chat.rating.comment,
            "at": period.local(f.chat.rating.at).isoformat(),
        }
        for f in rated
        if f.chat.rating is not None and (f.chat.rating.comment or "").strip()
    ]
    return {
        "count": len(scores),
        "mean": _r(_mean([float(s) for s in scores]), 2),
        "satisfied_share": _share(tally[4] + tally[5], len(scores)),
        "scores": [{"score": s, "count": tally[s]} for s in range(1, 6)],
        "comments": comments,
    }


def leads(chats: list[ChatFacts], found: list[LeadRecord]) -> dict[str, Any]:
    filed = [lead for lead in found if not is_offline(lead)]
    answered = sum(1 for f in chats if f.outcome == ANSWERED)
    kinds = Counter(lead.kind for lead in filed)
    return {
        "count": len(filed),
        "from_chats": sum(1 for lead in filed if lead.from_chat),
        "accepted": sum(1 for lead in filed if lead.status == "accepted"),
        "lead_rate": _share(sum(1 for lead in filed if lead.from_chat), answered),
        "by_kind": [{"kind": k, "count": kinds[k]} for k in sorted(kinds)],
    }


def bot(chats: list[ChatFacts]) -> dict[str, int]:
    return {
        "answered": sum(1 for f in chats if f.bot_answered),
        "handed_over": sum(1 for f in chats if f.bot_handed_over),
    }


def days(chats: list[ChatFacts], found: list[LeadRecord], period: Period) -> list[dict[str, Any]]:
    rows: dict[date, dict[str, Any]] = {
        d: {
            "date": d.isoformat(),
            "offered": 0,
            ANSWERED: 0,
            MISSED: 0,
            ABANDONED: 0,
            "within_target": 0,
            "offline_messages": 0,
            "leads": 0,
        }
        for d in period.days()
    }
    for f in chats:
        row = rows[period.local(f.queued_at).date()]
        row["offered"] += 1
        if f.outcome in (ANSWERED, MISSED, ABANDONED):
            row[f.outcome] += 1
        row["within_target"] += f.within_target
    for lead in found:
        rows[period.local(lead.created_at).date()][
            "offline_messages" if is_offline(lead) else "leads"
        ] += 1
    return list(rows.values())


def occupancy(
    records: Records, facts: list[ChatFacts], period: Period, scope: Scope
) -> dict[str, Any]:
    """Operator time of the scope: its business's chats (all chats provider-wide) held by its
    operators (the query loads the operators serving the business), or one operator's."""
    holds = [
        h
        for f in facts
        if scope.business_id is None or f.chat.business_id == scope.business_id
        for h in f.holds
        if scope.operator_id is None or h.operator_id == scope.operator_id
    ]
    t = operator_time(
        holds, records.presence, _operators(records, scope), period.start, period.end, records.now
    )
    return {
        "online_seconds": _r(t.online_seconds),
        "held_seconds": _r(t.held_seconds),
        "capacity_seconds": _r(t.capacity_seconds),
        "occupancy": _r(t.occupancy, 4),
        "concurrency_mean": _r(t.concurrency_mean, 2),
        "concurrency_peak": t.peak,
    }


def summary(records: Records, period: Period, scope: Scope) -> dict[str, Any]:
    """Every figure of the scope over the period (see the module's counting rules)."""
    facts = all_facts(records)
    chats = counted_chats(facts, period, scope)
    found = _leads(records, period, scope)
    faq = Counter(f.kind for f in _faq(records, period, scope))
    return {
        "chats": chat_counts(chats),
        "abandoned_by_wait": abandoned_by_wait(chats),
        "offline_messages": sum(1 for lead in found if is_offline(lead)),
        "bot": bot(chats),
        "first_reply": first_reply(chats),
        "handle_time": handle_time(chats),
        "occupancy": occupancy(records, facts, period, scope),
        "heatmap": heatmap(chats, period),
        "csat": csat(chats, period),
        "leads": leads(chats, found),
        "faq": {
            "entries_added": faq["entry_added"],
            "proposals_approved": faq["proposal_approved"],
        },
        "days": days(chats, found, period),
    }


def operator_rows(records: Records, period: Period, scope: Scope) -> list[dict[str, Any]]:
    """One row per operator (of the scope's business, when it has one)."""
    facts = all_facts(records)
    everyone = counted_chats(facts, period, Scope(scope.business_id))
    rows = []
    for op in sorted(_operators(records, scope), key=lambda o: (o.name.lower(), o.id)):
        own = Scope(scope.business_id, op.id)
        chats = [f for f in everyone if f.responsible == op.id]
        counts = chat_counts(chats)
        reply = first_reply(chats)
        rating = csat(chats, period)
        rows.append(
            {
                "operator_id": op.id,
                "name": op.name,
                "offers_received": sum(1 for f in everyone if op.id in f.offered_to),
                "accepted": sum(1 for f in everyone if op.id in f.accepted_by),
                **{k: counts[k] for k in ("offered", ANSWERED, MISSED, ABANDONED)},
                "within_target": reply["within_target"],
                "within_target_share": reply["within_target_share"],
                "first_reply_p50": reply["p50"],
                "handle_time_mean": handle_time(chats)["mean"],
                **occupancy(records, facts, period, own),
                "csat_count": rating["count"],
                "csat_mean": rating["mean"],
                "leads": leads(chats, _leads(records, period, own))["count"],
            }
        )
    return rows
