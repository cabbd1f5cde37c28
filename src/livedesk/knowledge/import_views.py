"""The FAQ as a file: export as CSV, JSON or Markdown, and import all-or-nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from livedesk.businesses.access import access_business_by_id
from livedesk.deps import ActorDep, RuntimeDep, SessionDep
from livedesk.errors import Invalid
from livedesk.knowledge import io as kio
from livedesk.knowledge.actions import do_import_entries
from livedesk.knowledge.models import FaqEntry, FaqStatus
from livedesk.knowledge.schemas import MAX_IMPORT_BYTES
from livedesk.knowledge.service import entry_data

router = APIRouter(prefix="/api/v1/businesses/{business_id}/faq", tags=["faq"])


@router.get("/export")
async def export(
    business_id: str,
    actor: ActorDep,
    session: SessionDep,
    format: str = Query("json", pattern="^(csv|json|markdown)$"),
    status: FaqStatus | None = None,
) -> Response:
    business = await access_business_by_id(session, actor, business_id)
    query = select(FaqEntry).where(FaqEntry.business_id == business_id)
    if status is not None:
        query = query.where(FaqEntry.status == status)
    rows = await session.scalars(query.order_by(FaqEntry.created_at, FaqEntry.id))
    body, media, ext = kio.export(
        format, {"slug": business.slug, "name": business.name}, [entry_data(r) for r in rows]
    )
    return Response(
        body.encode("utf-8"),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="faq-{business.slug}.{ext}"'},
    )


@router.post("/import")
async def import_entries(
    business_id: str,
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    format: str = Query(..., pattern="^(csv|json|markdown)$"),
    dry_run: bool = False,
) -> dict[str, Any]:
    """All or nothing: every bad row is reported with its line number and nothing is stored.
    Rows update the entry with their id (of this business) or, without one, the entry with
    the same question; other rows are new entries."""
    await access_business_by_id(session, actor, business_id)
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid("the file is larger than 5 MB", code="too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text", code="invalid_import") from None
    rows = kio.validate_rows(kio.parse(format, text))
    return await do_import_entries(runtime, session, actor, business_id, rows, dry_run=dry_run)
