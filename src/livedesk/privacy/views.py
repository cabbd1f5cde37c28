"""The privacy API.

- `GET/PUT /api/v1/businesses/{id}/retention`: the business's retention periods. Provider admins
  change them; supervisors and the business's own users read them (the business is the
  controller and must know); operators get 403.
- `GET /api/v1/privacy/purges`: what the retention purge removed, run by run.
- `POST /api/v1/privacy/subjects/search|export|erase`: a visitor's rights.
Everything under /privacy is for provider admins only: it reaches across businesses.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from livedesk.accounts.models import Role
from livedesk.businesses.access import access_business_by_id
from livedesk.deps import ActorDep, AdminDep, RuntimeDep, SessionDep
from livedesk.errors import Forbidden
from livedesk.jsonutil import JsonResponse
from livedesk.privacy import rights
from livedesk.privacy.actions import do_set_retention, retention_of
from livedesk.privacy.models import PurgeCount, PurgeRun
from livedesk.privacy.schemas import (
    ErasureOut,
    PurgeRunOut,
    RetentionIn,
    RetentionOut,
    SubjectFound,
    SubjectQueryIn,
)

router = APIRouter(tags=["privacy"])
RETENTION = "/api/v1/businesses/{business_id}/retention"
SUBJECTS = "/api/v1/privacy/subjects"


@router.get(RETENTION)
async def get_retention(business_id: str, actor: ActorDep, session: SessionDep) -> RetentionOut:
    if actor.role == Role.OPERATOR:
        raise Forbidden("for provider admins, supervisors and the business itself")
    business = await access_business_by_id(session, actor, business_id)
    retention, updated_at = await retention_of(session, business.id)
    return RetentionOut.of(business.id, retention, updated_at)


@router.put(RETENTION)
async def put_retention(
    business_id: str, body: RetentionIn, actor: AdminDep, runtime: RuntimeDep
) -> RetentionOut:
    """The purge applies the new periods from its next run on; what it already removed stays
    removed when a period grows."""
    async with runtime.transaction() as session:
        business = await access_business_by_id(session, actor, business_id)
        row = await do_set_retention(session, actor, business, body)
        retention, updated_at = await retention_of(session, business.id)
    return RetentionOut.of(row.business_id, retention, updated_at)


@router.get("/api/v1/privacy/purges")
async def list_purges(
    actor: AdminDep,
    session: SessionDep,
    business_id: str | None = Query(None, max_length=32, description="only this business"),
    limit: int = Query(20, ge=1, le=200),
) -> list[PurgeRunOut]:
    """Newest first: each run with what it removed or anonymised, per business and kind."""
    runs = list(
        await session.scalars(select(PurgeRun).order_by(PurgeRun.started_at.desc()).limit(limit))
    )
    query = select(PurgeCount).where(PurgeCount.run_id.in_([r.id for r in runs]))
    if business_id is not None:
        query = query.where(PurgeCount.business_id == business_id)
    counts: dict[str, list[PurgeCount]] = {}
    for count in await session.scalars(query):
        counts.setdefault(count.run_id, []).append(count)
    return [PurgeRunOut.of(run, counts.get(run.id, [])) for run in runs]


@router.post(SUBJECTS + "/search")
async def search_subject(
    body: SubjectQueryIn, actor: AdminDep, runtime: RuntimeDep
) -> SubjectFound:
    """Everything held about one visitor, by e-mail address, phone number or visitor id: what
    `erase` would change."""
    return await rights.search(runtime, actor, rights.check_query(body))


@router.post(SUBJECTS + "/export")
async def export_subject(body: SubjectQueryIn, actor: AdminDep, runtime: RuntimeDep) -> Any:
    """The visitor's data as one JSON document (livedesk-subject/1), as stored."""
    document = await rights.export(runtime, actor, rights.check_query(body))
    name = f"subject-{document['request_id']}.json"
    # Personal data: no browser or proxy cache keeps a copy.
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return JsonResponse(document, headers=headers)


@router.post(SUBJECTS + "/erase")
async def erase_subject(body: SubjectQueryIn, actor: AdminDep, runtime: RuntimeDep) -> ErasureOut:
    """Erase the visitor's personal data; the rows stay for reports. Repeating it changes
    nothing more."""
    return await rights.erase(runtime, actor, rights.check_query(body))
