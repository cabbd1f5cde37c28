"""Demo data that makes the whitepaper's examples real: a physiotherapy clinic, a car-lease
company and a webshop, two operators serving all three, one business user each.

The businesses are data files (`demo_data/<slug>.yaml`, the `livedesk business export` format)
seeded through the same import as `livedesk business import`. The people and the shared canned
responses stay here: they are not part of that format (accounts span businesses and carry
passwords; shared responses belong to no business), and a handful of calls to the actions
`livedesk createuser` and the back office use is smaller than a second file format with its
own checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import typer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.actions import do_create_user
from livedesk.accounts.models import Role, User
from livedesk.businesses import portable
from livedesk.businesses.models import Business, Widget
from livedesk.businesses.portable_import import COMMAND_LINE, ImportOptions, import_document
from livedesk.canned.actions import do_create_canned
from livedesk.canned.schemas import CannedCreate
from livedesk.db import make_engine, make_sessionmaker, unit_of_work
from livedesk.errors import Invalid
from livedesk.knowledge.service import KnowledgeService
from livedesk.runtime import Runtime
from livedesk.settings import Settings

DEMO_PASSWORD = "livedesk-demo"
DEMO_DATA = Path(__file__).parent / "demo_data"
DEMO_BUSINESSES: list[Path] = sorted(DEMO_DATA.glob("*.yaml"))
DEMO_OPERATORS = [("sanne", "Sanne", 6), ("daan", "Daan", 3)]
# Shared canned responses belong to no business, so to no business's file.
DEMO_SHARED_CANNED = [
    (
        "groet",
        "Begroeting",
        "Goedemiddag, u spreekt met {operator}. Waarmee kan ik u helpen?",
        "nl",
    ),
    (
        "even-zoeken",
        "Even zoeken",
        "Een moment geduld alstublieft, ik zoek het even voor u uit.",
        "nl",
    ),
    (
        "doorverwijzen",
        "Doorverwijzen",
        "Deze vraag kan ik helaas niet via de chat beantwoorden. Ik zet uw vraag door naar een "
        "collega, die neemt contact met u op.",
        "nl",
    ),
    (
        "afsluiten",
        "Afsluiten",
        "Kan ik u verder nog ergens mee helpen? Anders wens ik u een fijne dag!",
        "nl",
    ),
    ("greeting", "Greeting", "Hello, this is {operator}. How can I help you?", "en"),
    ("closing", "Closing", "Is there anything else I can help you with? Have a nice day!", "en"),
]


@dataclass
class Seeded:
    created: bool
    businesses: list[tuple[str, str, str]] = field(default_factory=list)  # name, slug, widget key
    logins: list[tuple[str, str]] = field(default_factory=list)  # username, role


async def seed_demo(settings: Settings) -> Seeded:
    """Seeds an empty database; a database that already has businesses is left alone."""
    runtime = Runtime.create(settings)  # not started: its sessions and write gate only
    try:
        async with runtime.transaction() as session:
            seeded = Seeded(created=not await session.scalar(select(func.count(Business.id))))
            if seeded.created:
                await _seed(session, settings, KnowledgeService(runtime, use_embeddings=False))
            for business in await session.scalars(select(Business).order_by(Business.name)):
                key = await session.scalar(
                    select(Widget.public_key)
                    .where(Widget.business_id == business.id)
                    .order_by(Widget.public_key)
                    .limit(1)
                )
                seeded.businesses.append((business.name, business.slug, key or ""))
            for user in await session.scalars(select(User).order_by(User.role, User.username)):
                seeded.logins.append((user.username, user.role))
        return seeded
    finally:
        await runtime.engine.dispose()


def demo_origins(settings: Settings) -> list[str]:
    """The demo's widgets may be embedded wherever this server answers (any port it runs on)."""
    base = urlsplit(settings.base_url)
    origins = [
        f"{base.scheme}://{base.netloc}",
        f"http://localhost:{settings.port}",
        f"http://127.0.0.1:{settings.port}",
    ]
    return list(dict.fromkeys(origins))


async def _seed(session: AsyncSession, settings: Settings, knowledge: KnowledgeService) -> None:
    business_ids = []
    for path in DEMO_BUSINESSES:
        document = portable.read(path.read_text("utf-8"), name=path.name)
        for widget in document.data.get("widgets") or []:
            widget["allowed_origins"] = demo_origins(settings)
        imported = await import_document(session, document, ImportOptions(), knowledge)
        business_ids.append(imported.business_id)
        name = document.data["business"]["name"]
        await do_create_user(
            session,
            username=f"{imported.slug}-klant",
            password=DEMO_PASSWORD,
            role=Role.BUSINESS_USER,
            display_name=f"{name} (klant)",
            business_id=imported.business_id,
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
    for shortcut, title, body, language in DEMO_SHARED_CANNED:
        shared = CannedCreate(shortcut=shortcut, title=title, body=body, language=language)
        await do_create_canned(session, COMMAND_LINE, shared)


def print_tour(settings: Settings, seeded: Seeded) -> None:
    base = settings.base_url
    typer.echo("")
    typer.echo("Livedesk demo " + ("(freshly seeded)" if seeded.created else "(existing data)"))
    typer.echo(f"  Operator console   {base}/console")
    typer.echo(f"  Supervisor floor   {base}/console/floor")
    typer.echo(f"  Back office        {base}/admin")
    typer.echo(f"  Client portal      {base}/portal")
    typer.echo(f"  Reports            {base}/reports")
    typer.echo(f"  Statements         {base}/billing")
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
