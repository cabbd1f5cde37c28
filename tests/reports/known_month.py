"""A known month for the report tests: October 2026 for business alpha (Europe/Amsterdam), with
the DST change of Sunday 25 October (02:00–03:00 local happens twice), chats crossing an hour
boundary and midnight, a chat from 30 September still held when October begins, bot chats,
ratings (one comment is an HTML attack), leads, offline messages, FAQ growth and presence.

Every time is written in UTC with the local time beside it: CEST is UTC+2 until 25 October
01:00 UTC, CET is UTC+1 after. The expected figures (test_reports_known_month.py) are worked
out by hand from these comments, not computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from livedesk.accounts.models import User
from livedesk.businesses.models import Business
from livedesk.conversations.models import (
    Conversation,
    ConversationEvent,
    Message,
    Rating,
    Visitor,
)
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.knowledge.models import FaqBotState, FaqEntry, FaqProposal
from livedesk.leads.models import Lead
from livedesk.routing.models import PresenceLog
from livedesk.settings import Settings

from livedesk_testing import World

SCRIPT = "<script>alert(1)</script> te traag"


def utc(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class Chat:
    name: str
    business: str  # "a" | "b"
    events: list[tuple[str, str | None, datetime]]  # (kind, "op"/None, at)
    state: str
    bot_messages: int = 0
    bot_answers: int | None = None  # None: no FaqBotState row
    human_requested: datetime | None = None
    rating: tuple[int, str | None, datetime] | None = None


OP = "op"  # the business's operator (op-alpha for "a", op-beta for "b")

CHATS = [
    # C1 Thu 1 Oct 10:00 CEST: answered in 20 s, handled 610 s, rated 5 with a comment.
    Chat(
        "C1",
        "a",
        [
            ("queued", None, utc(10, 1, 8, 0, 0)),
            ("offered", OP, utc(10, 1, 8, 0, 2)),
            ("accepted", OP, utc(10, 1, 8, 0, 10)),
            ("first_reply", OP, utc(10, 1, 8, 0, 20)),
            ("closed", OP, utc(10, 1, 8, 10, 20)),
        ],
        "closed",
        rating=(5, "Top service", utc(10, 1, 8, 11)),
    ),
    # C2 Thu 1 Oct 10:05 CEST: first reply after 60 s (late), held 08:05:50–08:15:00 (550 s),
    # overlapping C1: two chats at once. Rated 2 with a script tag as its comment.
    Chat(
        "C2",
        "a",
        [
            ("queued", None, utc(10, 1, 8, 5, 0)),
            ("offered", OP, utc(10, 1, 8, 5, 5)),
            ("accepted", OP, utc(10, 1, 8, 5, 50)),
            ("first_reply", OP, utc(10, 1, 8, 6, 0)),
            ("closed", OP, utc(10, 1, 8, 15, 0)),
        ],
        "closed",
        rating=(2, SCRIPT, utc(10, 1, 8, 16)),
    ),
    # C3 Thu 1 Oct 10:45 CEST: left the queue after 20 s, never offered.
    Chat(
        "C3",
        "a",
        [("queued", None, utc(10, 1, 8, 45, 0)), ("abandoned", None, utc(10, 1, 8, 45, 20))],
        "abandoned",
    ),
    # C4 Thu 1 Oct 11:00 CEST: offered twice to op-alpha, missed after 105 s.
    Chat(
        "C4",
        "a",
        [
            ("queued", None, utc(10, 1, 9, 0, 0)),
            ("offered", OP, utc(10, 1, 9, 0, 3)),
            ("offer_expired", OP, utc(10, 1, 9, 0, 33)),
            ("offered", OP, utc(10, 1, 9, 1, 0)),
            ("missed", None, utc(10, 1, 9, 1, 45)),
        ],
        "missed",
    ),
    # C5 Sun 25 Oct 02:30 CEST (the first 02:30 of the DST day): answered in 15 s, 610 s.
    Chat(
        "C5",
        "a",
        [
            ("queued", None, utc(10, 25, 0, 30, 0)),
            ("offered", OP, utc(10, 25, 0, 30, 1)),
            ("accepted", OP, utc(10, 25, 0, 30, 5)),
            ("first_reply", OP, utc(10, 25, 0, 30, 15)),
            ("closed", OP, utc(10, 25, 0, 40, 15)),
        ],
        "closed",
    ),
    # C6 Sun 25 Oct 02:30 CET (the second 02:30): left after 400 s.
    Chat(
        "C6",
        "a",
        [("queued", None, utc(10, 25, 1, 30, 0)), ("abandoned", None, utc(10, 25, 1, 36, 40))],
        "abandoned",
    ),
    # C7 Sat 31 Oct 23:50 CET, across midnight: accepted without an offer, first reply after
    # exactly 30 s (in time), closed 00:20 CET on 1 November: handle time 1796 s, of which
    # 22:50:04–23:00:00 UTC (596 s) lies in October.
    Chat(
        "C7",
        "a",
        [
            ("queued", None, utc(10, 31, 22, 50, 0)),
            ("accepted", OP, utc(10, 31, 22, 50, 4)),
            ("first_reply", OP, utc(10, 31, 22, 50, 30)),
            ("closed", OP, utc(10, 31, 23, 20, 0)),
        ],
        "closed",
    ),
    # C8 Tue 13 Oct 09:59:50 CEST, across the hour: counts at 09:00; reply after 25 s, 295 s.
    Chat(
        "C8",
        "a",
        [
            ("queued", None, utc(10, 13, 7, 59, 50)),
            ("offered", OP, utc(10, 13, 7, 59, 52)),
            ("accepted", OP, utc(10, 13, 8, 0, 5)),
            ("first_reply", OP, utc(10, 13, 8, 0, 15)),
            ("closed", OP, utc(10, 13, 8, 5, 0)),
        ],
        "closed",
    ),
    # C9 Wed 30 Sep 23:55 CEST: September's, but held 22:00:00–22:10:00 UTC into October
    # (600 s of October's occupancy). Its rating is September's too.
    Chat(
        "C9",
        "a",
        [
            ("queued", None, utc(9, 30, 21, 55, 0)),
            ("accepted", OP, utc(9, 30, 21, 55, 10)),
            ("first_reply", OP, utc(9, 30, 21, 55, 20)),
            ("closed", OP, utc(9, 30, 22, 10, 0)),
        ],
        "closed",
        rating=(1, "september", utc(9, 30, 22, 11)),
    ),
    # C10 Mon 5 Oct 21:00 CEST: the FAQ bot answered (2 bot messages, 1 answer); staff closed
    # it without an operator's reply.
    Chat(
        "C10",
        "a",
        [("queued", None, utc(10, 5, 19, 0, 0)), ("closed", None, utc(10, 5, 19, 5, 0))],
        "closed",
        bot_messages=2,
        bot_answers=1,
    ),
    # C11 Mon 5 Oct 21:10 CEST: the bot fell back, the visitor asked for a person, op-alpha
    # took it: reply after 60 s, handled 19:10:40–19:20:00 (560 s). Rated 4 without comment.
    Chat(
        "C11",
        "a",
        [
            ("queued", None, utc(10, 5, 19, 10, 0)),
            ("offered", OP, utc(10, 5, 19, 10, 31)),
            ("accepted", OP, utc(10, 5, 19, 10, 40)),
            ("first_reply", OP, utc(10, 5, 19, 11, 0)),
            ("closed", OP, utc(10, 5, 19, 20, 0)),
        ],
        "closed",
        bot_messages=1,
        bot_answers=0,
        human_requested=utc(10, 5, 19, 10, 30),
        rating=(4, None, utc(10, 5, 19, 21)),
    ),
    # C12 Fri 30 Oct 11:00 CET: still waiting.
    Chat("C12", "a", [("queued", None, utc(10, 30, 10, 0, 0))], "queued"),
    # B1 Fri 2 Oct 14:00 CEST, business beta (first-reply target 60 s): reply after 45 s.
    Chat(
        "B1",
        "b",
        [
            ("queued", None, utc(10, 2, 12, 0, 0)),
            ("offered", OP, utc(10, 2, 12, 0, 1)),
            ("accepted", OP, utc(10, 2, 12, 0, 5)),
            ("first_reply", OP, utc(10, 2, 12, 0, 45)),
            ("closed", OP, utc(10, 2, 12, 10, 0)),
        ],
        "closed",
    ),
]

# (name, business, kind, source, status, by operator?, chat, created at)
LEADS = [
    ("L1", "a", "sales_lead", "operator", "accepted", True, "C1", utc(10, 1, 8, 9)),
    # 02:45 CET on the DST day
    ("L2", "a", "offline_message", "offline_form", "new", False, None, utc(10, 25, 1, 45)),
    ("L3", "a", "callback_request", "operator", "new", True, "C11", utc(10, 5, 19, 19)),
    # 23:59 CEST on 30 September and 00:30 CET on 1 November: not October's
    ("L4", "a", "offline_message", "offline_form", "new", False, None, utc(9, 30, 21, 59)),
    ("L5", "a", "offline_message", "offline_form", "new", False, None, utc(10, 31, 23, 30)),
]

# FAQ entries created (3 Oct; 31 Oct 23:30 CET; 1 Nov 00:30 CET: not October's)
FAQ_ENTRIES = [utc(10, 3, 10), utc(10, 31, 22, 30), utc(10, 31, 23, 30)]
# proposals: (status, decided at): approved 10 Oct; pending; approved 30 Sep (September's)
PROPOSALS = [
    ("approved", utc(10, 10, 12)),
    ("pending", None),
    ("approved", utc(9, 30, 12)),
]
# op-alpha's presence: online since 30 Sep 23:00 CEST until 1 Oct 12:00 CEST (12 h of it in
# October), online across the DST change 24 Oct 23:00 – 25 Oct 02:00 UTC (3 h), and online
# 31 Oct 22:00 UTC – 1 Nov 00:00 UTC (1 h of it in October): 57,600 s online in October.
PRESENCE = [
    (utc(9, 30, 21), "offline", "online"),
    (utc(10, 1, 10), "online", "offline"),
    (utc(10, 24, 23), "offline", "online"),
    (utc(10, 25, 2), "online", "away"),
    (utc(10, 31, 22), "away", "online"),
    (utc(11, 1, 0), "online", "offline"),
]


@dataclass
class Seeded:
    conversations: dict[str, str] = field(default_factory=dict)  # chat name -> id
    operators: dict[str, str] = field(default_factory=dict)  # "a"/"b" -> user id


async def seed_known_month(settings: Settings, world: World) -> Seeded:
    engine = make_engine(settings)
    seeded = Seeded()
    tenants = {"a": world.a, "b": world.b}
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            for key, tenant in tenants.items():
                seeded.operators[key] = str(
                    await session.scalar(select(User.id).where(User.username == tenant.operator))
                )
            beta = await session.get(Business, world.b.business_id)
            assert beta is not None
            beta.contract = {**beta.contract, "first_reply_seconds": 60}
            for chat in CHATS:
                tenant = tenants[chat.business]
                operator = seeded.operators[chat.business]
                visitor = Visitor(business_id=tenant.business_id, widget_id=tenant.widget_id)
                session.add(visitor)
                await session.flush()
                conversation = Conversation(
                    business_id=tenant.business_id,
                    widget_id=tenant.widget_id,
                    visitor_id=visitor.id,
                    state=chat.state,
                    queued_at=chat.events[0][2],
                    created_at=chat.events[0][2],
                )
                session.add(conversation)
                await session.flush()
                seeded.conversations[chat.name] = conversation.id
                for kind, who, at in chat.events:
                    session.add(
                        ConversationEvent(
                            business_id=tenant.business_id,
                            conversation_id=conversation.id,
                            kind=kind,
                            operator_id=operator if who == OP else None,
                            at=at,
                        )
                    )
                await _chat_extras(session, chat, conversation)
            await _leads_faq_presence(session, seeded, world)
    finally:
        await engine.dispose()
    return seeded


async def _chat_extras(session: object, chat: Chat, conversation: Conversation) -> None:
    add = session.add  # type: ignore[attr-defined]
    start = chat.events[0][2]
    add(
        Message(
            conversation_id=conversation.id,
            business_id=conversation.business_id,
            seq=1,
            author_kind="visitor",
            body="Hallo",
            created_at=start,
        )
    )
    for i in range(chat.bot_messages):
        add(
            Message(
                conversation_id=conversation.id,
                business_id=conversation.business_id,
                seq=2 + i,
                author_kind="bot",
                author_name="Automatisch antwoord",
                body="Een antwoord uit de FAQ",
                created_at=start,
            )
        )
    if chat.bot_answers is not None:
        add(
            FaqBotState(
                conversation_id=conversation.id,
                business_id=conversation.business_id,
                answers=chat.bot_answers,
                fallback_sent=chat.bot_answers == 0,
                human_requested_at=chat.human_requested,
            )
        )
    if chat.rating is not None:
        score, comment, at = chat.rating
        add(
            Rating(
                conversation_id=conversation.id,
                business_id=conversation.business_id,
                score=score,
                comment=comment,
                created_at=at,
            )
        )


async def _leads_faq_presence(session: object, seeded: Seeded, world: World) -> None:
    add = session.add  # type: ignore[attr-defined]
    alpha = world.a.business_id
    for _name, _b, kind, source, status, by_operator, chat, at in LEADS:
        add(
            Lead(
                business_id=alpha,
                conversation_id=seeded.conversations[chat] if chat else None,
                kind=kind,
                source=source,
                status=status,
                created_by=seeded.operators["a"] if by_operator else None,
                intent="Wil een offerte",
                created_at=at,
            )
        )
    for i, at in enumerate(FAQ_ENTRIES):
        add(
            FaqEntry(
                business_id=alpha,
                question=f"Vraag {i}",
                answer="Antwoord",
                status="published",
                created_by=seeded.operators["a"],
                created_at=at,
                updated_at=at,
            )
        )
    for i, (status, decided) in enumerate(PROPOSALS):
        add(
            FaqProposal(
                business_id=alpha,
                question=f"Voorstel {i}",
                answer="Antwoord",
                status=status,
                proposed_by=seeded.operators["a"],
                proposed_at=utc(9, 29, 12),
                decided_at=decided,
            )
        )
    for at, old, new in PRESENCE:
        add(
            PresenceLog(operator_id=seeded.operators["a"], at=at, old=old, new=new, reason="manual")
        )


QUESTION = "Kan ik met <b>bitcoin</b> betalen?"


async def a_question_answered_without_the_faq(settings: Settings, world: World) -> None:
    """In alpha's first October chat the visitor asks, later, what the FAQ has no answer to,
    and the operator answers it."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            chat = await session.scalar(
                select(Conversation)
                .where(
                    Conversation.business_id == world.a.business_id,
                    Conversation.created_at >= datetime(2026, 10, 1, tzinfo=UTC),
                )
                .order_by(Conversation.created_at)
                .limit(1)
            )
            assert chat is not None
            for seq, kind, body in ((50, "visitor", QUESTION), (51, "operator", "Nee.")):
                session.add(
                    Message(
                        conversation_id=chat.id,
                        business_id=chat.business_id,
                        seq=seq,
                        author_kind=kind,
                        body=body,
                        created_at=chat.created_at,
                    )
                )
    finally:
        await engine.dispose()
