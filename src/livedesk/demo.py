"""Demo data that makes the whitepaper's examples real: a physiotherapy clinic, a car-lease
company and a webshop, two operators serving all three, one business user each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import typer
from sqlalchemy import func, select

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role, User
from livedesk.businesses.models import Business, Widget
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.errors import Invalid
from livedesk.settings import Settings

DEMO_PASSWORD = "livedesk-demo"

DEMO_BUSINESSES: list[dict[str, Any]] = [
    {
        "slug": "fysio-vitaal",
        "name": "Fysiotherapie Vitaal",
        "widget_key": "demo-fysio",
        "guidelines": {
            "tone": "Warm en rustig; spreek de bezoeker aan met 'u'.",
            "never_promise": "Geen diagnose of behandeladvies via de chat; geen vergoeding "
            "toezeggen zonder polis te kennen.",
            "escalation": "Spoed of ernstige klachten: huisarts of 112. Vragen over facturen: "
            "administratie@fysio-vitaal.example, 030-123 45 67.",
        },
        "faq": [
            (
                "Heb ik een verwijzing van de huisarts nodig?",
                "Nee, u kunt zonder verwijzing bij ons terecht (directe toegankelijkheid). Bij de "
                "eerste afspraak doen we een korte screening. Sommige verzekeraars vragen wel om "
                "een verwijzing voor vergoeding: kijk dat even na in uw polis.",
            ),
            (
                "Wordt fysiotherapie vergoed?",
                "Fysiotherapie wordt vergoed uit de aanvullende verzekering, afhankelijk van uw "
                "pakket. Bij sommige chronische aandoeningen vergoedt de basisverzekering vanaf de "
                "21e behandeling.",
            ),
            (
                "Hoe maak ik een afspraak?",
                "Bel 030-123 45 67 of plan online via onze website. Meestal kunt u binnen een "
                "week terecht.",
            ),
            (
                "Hoe kan ik een afspraak afzeggen?",
                "Afzeggen kan tot 24 uur van tevoren kosteloos, telefonisch of per e-mail. Later "
                "afzeggen brengen we in rekening.",
            ),
            (
                "Wat moet ik meenemen naar de eerste afspraak?",
                "Neem een geldig legitimatiebewijs, uw zorgpasje en eventueel een verwijzing of "
                "verslagen van eerdere behandelingen mee. Een handdoek is handig.",
            ),
        ],
    },
    {
        "slug": "autolease-noord",
        "name": "AutoLease Noord",
        "widget_key": "demo-lease",
        "guidelines": {
            "tone": "Zakelijk en vlot; 'je' mag.",
            "never_promise": "Geen maandprijzen of levertijden toezeggen: een offerte komt van "
            "de accountmanager. Geen fiscaal advies.",
            "escalation": "Offertes en contractvragen: sales@autolease-noord.example, "
            "050-765 43 21.",
        },
        "faq": [
            (
                "Hoe zit het met de bijtelling?",
                "De bijtelling is een percentage van de cataloguswaarde van de auto dat bij je "
                "inkomen wordt opgeteld. Voor elektrische auto's geldt een lager percentage tot "
                "een bepaalde cataloguswaarde. Het exacte percentage hangt af van het jaar van de "
                "eerste toelating.",
            ),
            (
                "Kan ik de BTW terugvragen bij private lease?",
                "Bij private lease kun je de BTW niet terugvragen: de maandprijs is inclusief BTW. "
                "Bij zakelijke (financial of operational) lease kan een ondernemer de BTW meestal "
                "wel verrekenen.",
            ),
            (
                "Wat is het verschil tussen operational en financial lease?",
                "Bij operational lease huur je de auto inclusief onderhoud, verzekering en "
                "wegenbelasting; de auto blijft van ons. Bij financial lease word je economisch "
                "eigenaar en betaal je die kosten zelf.",
            ),
            (
                "Kan ik mijn leasecontract eerder beëindigen?",
                "Ja, tussentijds beëindigen kan. Daarvoor rekenen we een afkoopsom die afhangt "
                "van de resterende looptijd.",
            ),
            (
                "Wat gebeurt er bij schade?",
                "Meld schade binnen 48 uur via onze schadelijn. Bij operational lease is de auto "
                "verzekerd; het eigen risico staat in je contract.",
            ),
        ],
    },
    {
        "slug": "webshop-zonnig",
        "name": "Zonnig Wonen Webshop",
        "widget_key": "demo-shop",
        "guidelines": {
            "tone": "Vriendelijk en behulpzaam; 'je'.",
            "never_promise": "Geen levering op een vaste dag beloven; geen kortingscodes geven.",
            "escalation": "Retouren en klachten: klantenservice@zonnigwonen.example.",
        },
        "faq": [
            (
                "Wat zijn de verzendkosten?",
                "Binnen Nederland kost verzenden € 4,95; vanaf € 50 is het gratis.",
            ),
            (
                "Hoe lang is de levertijd?",
                "Op werkdagen vóór 20:00 besteld is meestal de volgende werkdag in huis.",
            ),
            (
                "Kan ik mijn bestelling retourneren?",
                "Je kunt binnen 30 dagen retourneren. Meld je retour aan via je account; het "
                "retourlabel kost € 3,95.",
            ),
            (
                "Welke betaalmethoden accepteren jullie?",
                "iDEAL, creditcard, PayPal en achteraf betalen.",
            ),
            (
                "Waar is mijn pakket?",
                "Je ontvangt een track-and-tracecode per e-mail zodra je pakket onderweg is.",
            ),
        ],
    },
]

DEMO_OPERATORS = [("sanne", "Sanne", 6), ("daan", "Daan", 3)]


@dataclass
class Seeded:
    created: bool
    businesses: list[tuple[str, str, str]] = field(default_factory=list)  # name, slug, widget key
    logins: list[tuple[str, str]] = field(default_factory=list)  # username, role


async def seed_demo(settings: Settings) -> Seeded:
    """Seeds an empty database; a database that already has businesses is left alone."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            seeded = Seeded(created=not await session.scalar(select(func.count(Business.id))))
            if seeded.created:
                await _seed(session, settings)
            for business in await session.scalars(select(Business).order_by(Business.name)):
                key = await session.scalar(
                    select(Widget.public_key).where(Widget.business_id == business.id).limit(1)
                )
                seeded.businesses.append((business.name, business.slug, key or ""))
            for user in await session.scalars(select(User).order_by(User.role, User.username)):
                seeded.logins.append((user.username, user.role))
        return seeded
    finally:
        await engine.dispose()


async def _seed(session, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    base = settings.base_url
    business_ids = []
    for spec in DEMO_BUSINESSES:
        business = Business(slug=spec["slug"], name=spec["name"], guidelines=spec["guidelines"])
        session.add(business)
        await session.flush()
        business_ids.append(business.id)
        session.add(
            Widget(
                business_id=business.id,
                public_key=spec["widget_key"],
                name=f"{spec['name']} website",
                allowed_origins=[
                    base,
                    f"http://localhost:{settings.port}",
                    f"http://127.0.0.1:{settings.port}",
                ],
                settings={
                    "prechat": {
                        "fields": [{"name": "name", "label": "Naam", "required": False}],
                        "gdpr_notice": "We bewaren dit gesprek om je vraag te beantwoorden.",
                    }
                },
            )
        )
        session.info.setdefault("demo_faq", {})[business.id] = spec["faq"]
        await do_create_user(
            session,
            username=f"{spec['slug']}-klant",
            password=DEMO_PASSWORD,
            role=Role.BUSINESS_USER,
            display_name=f"{spec['name']} (klant)",
            business_id=business.id,
        )
    for username, name, capacity in DEMO_OPERATORS:
        await do_create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            role=Role.OPERATOR,
            display_name=name,
            serves=business_ids,
            max_concurrent=capacity,
            languages=["nl", "en"],
        )
    await do_create_user(
        session,
        username="supervisor",
        password=DEMO_PASSWORD,
        role=Role.SUPERVISOR,
        display_name="Supervisor",
    )
    await do_create_user(
        session,
        username="admin",
        password=DEMO_PASSWORD,
        role=Role.PROVIDER_ADMIN,
        display_name="Beheerder",
    )
    from livedesk.knowledge.service import seed_faq  # the FAQ domain owns its tables

    seed_hook = session.info.get("seed_faq") or seed_faq
    if seed_hook:
        await seed_hook(session, session.info["demo_faq"])


def print_tour(settings: Settings, seeded: Seeded) -> None:
    base = settings.base_url
    typer.echo("")
    typer.echo("Livedesk demo " + ("(freshly seeded)" if seeded.created else "(existing data)"))
    typer.echo(f"  Operator console   {base}/console")
    typer.echo(f"  Supervisor floor   {base}/console/floor")
    typer.echo(f"  Capacity planner   {base}/plan")
    typer.echo(f"  API docs           {base}/docs")
    for name, _slug, key in seeded.businesses:
        typer.echo(f"  Visitor demo page  {base}/demo/{key}   ({name})")
    typer.echo(f"  Logins (password '{DEMO_PASSWORD}'):")
    for username, role in seeded.logins:
        typer.echo(f"    {username:<24} {role}")
    typer.echo("")


async def create_user_by_slugs(
    settings: Settings,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None,
    business_slugs: list[str],
    max_concurrent: int,
    languages: list[str],
) -> User:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            ids = []
            for slug in business_slugs:
                business_id = await session.scalar(select(Business.id).where(Business.slug == slug))
                if business_id is None:
                    raise Invalid(f"no business with slug {slug!r}")
                ids.append(business_id)
            is_business_user = Role(role) == Role.BUSINESS_USER
            if is_business_user and len(ids) != 1:
                raise Invalid("a business user needs exactly one --business")
            return await do_create_user(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                business_id=ids[0] if is_business_user else None,
                serves=ids if not is_business_user else None,
                max_concurrent=max_concurrent,
                languages=languages,
            )
    finally:
        await engine.dispose()
