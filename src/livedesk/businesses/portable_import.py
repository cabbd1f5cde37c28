"""Importing a `livedesk-business/1` document: all of it checked first, then written in one
unit of work through the back office's own actions, so a file is held to the browser's rules
and every change is in the audit log.

A new slug creates the business. An existing one is refused unless `replace`: then the business
is updated in place. Widgets are matched by public key (updated, or created; a widget the file
no longer lists is deactivated, never deleted, as its conversations hang on it), opening hours
and contract are replaced, canned responses matched by shortcut (the rest deleted), FAQ entries
by question (the rest archived, with their history). A section the file leaves out stays as it
is. Any problem, found while checking or raised by an action, rolls everything back.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.audit.actions import record_change
from livedesk.businesses import actions as B
from livedesk.businesses.models import Business, Widget
from livedesk.businesses.portable import FORMAT, Document, ImportRefused, Path, Problem, read
from livedesk.businesses.portable_check import Content, check_document, field_path
from livedesk.businesses.schemas import BusinessUpdate
from livedesk.businesses.widget_schemas import WidgetCreate, WidgetUpdate
from livedesk.canned import actions as C
from livedesk.canned.models import CannedResponse
from livedesk.canned.schemas import CannedUpdate
from livedesk.errors import ApiError, FieldError
from livedesk.knowledge import io as kio
from livedesk.knowledge.models import FaqEntry, FaqStatus
from livedesk.knowledge.service import Embedded, KnowledgeService, entry_data
from livedesk.runtime import Runtime
from livedesk.security.actors import SYSTEM_ACTOR, StaffActor
from livedesk.settings import Settings

T = TypeVar("T")

COMMAND_LINE = SYSTEM_ACTOR
# Vectors are left to the server: text written here has none until a server starts and
# computes the missing ones (KnowledgeService.start), as for the FAQ's own seed.
NO_VECTOR = Embedded(None, None)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    replace: bool = False  # update a business with the same slug in place
    new_widget_keys: bool = False  # a key another business holds: give the widget a new one
    dry_run: bool = False  # import_text: check against the database, then roll back


@dataclass(slots=True)
class ImportResult:
    slug: str
    business_id: str
    replaced: bool
    counts: dict[str, int] = field(default_factory=dict)
    new_keys: dict[str, str] = field(default_factory=dict)  # the file's key -> the widget's
    faq_written: list[FaqEntry] = field(default_factory=list)  # for a live index, after commit


async def import_document(
    session: AsyncSession,
    document: Document,
    options: ImportOptions,
    knowledge: KnowledgeService,
    actor: StaffActor = COMMAND_LINE,
) -> ImportResult:
    """Writes the document in the caller's unit of work, or raises ImportRefused with every
    problem (the caller's transaction then rolls back)."""
    content = check_document(document)
    slug = content.business.slug
    existing = await session.scalar(select(Business).where(Business.slug == slug))
    problems: list[Problem] = []
    if existing is not None and not options.replace:
        problems.append(document.problem(("business", "slug"), "portable_slug_exists", slug=slug))
    taken = await _keys_of_others(session, content, existing)
    if taken and not options.new_widget_keys:
        for spec in content.widgets or []:
            if spec.public_key in taken:
                path = (*spec.path, "public_key")
                problems.append(document.problem(path, "portable_key_taken", key=spec.public_key))
    if problems:
        raise ImportRefused(problems)
    writer = _Writer(session, document, actor, knowledge)
    result = await writer.write(content, existing, taken)
    if writer.problems:
        raise ImportRefused(writer.problems)
    record_change(
        session,
        actor,
        entity="business",
        entity_id=result.business_id,
        action="import",
        business_id=result.business_id,
        after={"format": FORMAT, "replace": result.replaced, **result.counts},
    )
    return result


async def _keys_of_others(
    session: AsyncSession, content: Content, existing: Business | None
) -> set[str]:
    keys = [spec.public_key for spec in content.widgets or []]
    if not keys:
        return set()
    rows = await session.execute(
        select(Widget.public_key, Widget.business_id).where(Widget.public_key.in_(keys))
    )
    return {key for key, owner in rows if existing is None or owner != existing.id}


class _Writer:
    """Runs the actions section by section; an action's refusal becomes a problem at the
    document's path (and line), and the other sections still run so all are reported."""

    def __init__(
        self,
        session: AsyncSession,
        document: Document,
        actor: StaffActor,
        knowledge: KnowledgeService,
    ) -> None:
        self.session = session
        self.document = document
        self.actor = actor
        self.knowledge = knowledge
        self.problems: list[Problem] = []

    async def attempt(self, path: Path, action: Awaitable[T]) -> T | None:
        try:
            return await action
        except FieldError as exc:
            for name, code in exc.fields.items():
                self.problems.append(
                    self.document.problem((*path, *field_path(name)), code, **exc.values)
                )
        except ApiError as exc:
            values = {k: v for k, v in exc.data.items() if isinstance(v, int | str)}
            self.problems.append(self.document.problem(path, exc.code, exc.message, **values))
        return None

    async def write(
        self, content: Content, existing: Business | None, taken: set[str]
    ) -> ImportResult:
        business = await self.attempt(("business",), self.business(content, existing))
        if business is None:  # nothing else can be written without it
            raise ImportRefused(self.problems)
        result = ImportResult(business.slug, business.id, replaced=existing is not None)
        if content.widgets is not None:
            result.new_keys = await self.widgets(business, content, taken)
            result.counts["widgets"] = len(content.widgets)
        if content.opening_hours is not None:
            hours = content.opening_hours
            action = B.do_set_opening_hours(self.session, self.actor, business, hours)
            await self.attempt(("opening_hours",), action)
        if content.contract is not None:
            contract = B.do_set_contract(self.session, self.actor, business, content.contract)
            await self.attempt(("contract",), contract)
        if content.canned is not None:
            await self.canned(business, content)
            result.counts["canned_responses"] = len(content.canned)
        if content.faq is not None:
            result.faq_written = await self.faq(business, content.faq)
            result.counts["faq"] = len(content.faq)
        return result

    async def business(self, content: Content, existing: Business | None) -> Business:
        data = content.business
        if existing is None:
            business = await B.do_create_business(self.session, self.actor, data)
        else:  # the fields the file gives; the slug is how it was found
            named = data.model_fields_set - {"slug"}
            update = BusinessUpdate(**{name: getattr(data, name) for name in named})
            business = await B.do_update_business(self.session, self.actor, existing, update)
        if content.is_active is not None:
            await B.do_set_business_active(self.session, self.actor, business, content.is_active)
        return business

    async def widgets(
        self, business: Business, content: Content, taken: set[str]
    ) -> dict[str, str]:
        rows = await self.session.scalars(select(Widget).where(Widget.business_id == business.id))
        current = {w.public_key: w for w in rows}
        listed = {spec.public_key for spec in content.widgets or []}
        new_keys: dict[str, str] = {}
        for spec in content.widgets or []:
            widget = current.get(spec.public_key)
            if widget is None:
                keep = None if spec.public_key in taken else spec.public_key
                created = B.do_create_widget(
                    self.session, self.actor, business, spec.data, public_key=keep
                )
                widget = await self.attempt(spec.path, created)
                if widget is None:
                    continue
                if keep is None:
                    new_keys[spec.public_key] = widget.public_key
            else:
                update = WidgetUpdate(**_named(spec.data))
                await self.attempt(
                    spec.path, B.do_update_widget(self.session, self.actor, widget, update)
                )
            if spec.is_active is not None:
                await B.do_set_widget_active(self.session, self.actor, widget, spec.is_active)
        for key, widget in sorted(current.items()):
            if key not in listed:
                await B.do_set_widget_active(self.session, self.actor, widget, False)
        return new_keys

    async def canned(self, business: Business, content: Content) -> None:
        rows = await self.session.scalars(
            select(CannedResponse).where(CannedResponse.business_id == business.id)
        )
        current = {c.shortcut: c for c in rows}
        listed = {spec.data.shortcut for spec in content.canned or []}
        for shortcut, item in sorted(current.items()):
            if shortcut not in listed:
                await C.do_delete_canned(self.session, self.actor, item)
        for spec in content.canned or []:
            existing = current.get(spec.data.shortcut)
            if existing is None:
                create = spec.data.model_copy(update={"business_id": business.id})
                action: Awaitable[Any] = C.do_create_canned(self.session, self.actor, create)
            else:
                fields = spec.data.model_dump(include={"title", "body", "language"})
                update = CannedUpdate(**fields)
                action = C.do_update_canned(self.session, self.actor, existing, update)
            await self.attempt(spec.path, action)
        await self.session.flush()

    async def faq(self, business: Business, rows: list[kio.EntryData]) -> list[FaqEntry]:
        """Rows find their entry by question, so an entry keeps its history: live rows first,
        each taking the live entry (or reviving an archived one), then archived rows, each
        taking an archived entry (or archiving a live one no row took). Unchanged entries are
        left alone; a live entry the file lacks is archived."""
        entries = await self.session.scalars(
            select(FaqEntry).where(FaqEntry.business_id == business.id).order_by(FaqEntry.id)
        )
        live: dict[str, FaqEntry] = {}
        archived: dict[str, list[FaqEntry]] = {}
        for entry in entries:
            key = entry.question.casefold()
            if entry.status == FaqStatus.ARCHIVED:
                archived.setdefault(key, []).append(entry)
            else:
                live[key] = entry
        written: list[FaqEntry] = []
        for row in sorted(rows, key=lambda r: r.status == FaqStatus.ARCHIVED):
            key = row.question.casefold()
            twins = archived.get(key) or []
            if row.status == FaqStatus.ARCHIVED:
                target = twins.pop() if twins else live.pop(key, None)
            else:
                target = live.pop(key, None) or (twins.pop() if twins else None)
            written.append(await self.write_entry(business, row, target))
        for entry in live.values():
            row = entry_data(entry)
            row.status = FaqStatus.ARCHIVED
            written.append(await self.write_entry(business, row, entry))
        return written

    async def write_entry(
        self, business: Business, row: kio.EntryData, entry: FaqEntry | None
    ) -> FaqEntry:
        written, _ = await self.knowledge.write_entry(
            self.session,
            self.actor,
            business.id,
            row,
            entry,
            action="imported",
            embedded=NO_VECTOR,
            check_unique=False,  # the check made questions unique among live entries
        )
        return written


def _named(data: WidgetCreate) -> dict[str, Any]:
    """The fields the file gives a widget, for an update."""
    values = {name: getattr(data, name) for name in data.model_fields_set}
    return {name: value for name, value in values.items() if value is not None}


# ---- the command line and the demo -------------------------------------------------------


async def import_text(
    settings: Settings, text: str, name: str, options: ImportOptions
) -> ImportResult:
    """Reads, checks and imports one file in its own transaction (rolled back for a dry run).
    The runtime is not started: only its database sessions are used."""
    runtime = Runtime.create(settings)
    knowledge = KnowledgeService(runtime, use_embeddings=False)
    try:
        return await _import_in_transaction(runtime, read(text, name=name), options, knowledge)
    finally:
        await runtime.engine.dispose()


class _RollBack(Exception):
    def __init__(self, result: ImportResult) -> None:
        self.result = result


async def _import_in_transaction(
    runtime: Runtime, document: Document, options: ImportOptions, knowledge: KnowledgeService
) -> ImportResult:
    try:
        async with runtime.transaction() as session:
            result = await import_document(session, document, options, knowledge)
            if options.dry_run:
                raise _RollBack(result)
    except _RollBack as rolled_back:
        return rolled_back.result
    return result
