"""The canned-responses API: the console reads a business's (own + shared) for the `/` list;
provider admins create, change and delete them in the back office."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from livedesk.canned.access import access_canned_by_id, scoped_canned
from livedesk.canned.actions import (
    canned_out,
    do_create_canned,
    do_delete_canned,
    do_update_canned,
)
from livedesk.canned.schemas import CannedCreate, CannedOut, CannedUpdate
from livedesk.deps import ActorDep, AdminDep, RuntimeDep, SessionDep

router = APIRouter(prefix="/api/v1/canned-responses", tags=["canned responses"])

REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Business users (reading); anyone but a provider admin (changing)"},
    404: {"description": "No such business or response, or one this operator does not serve"},
}


@router.get("", responses=REFUSALS)
async def list_canned(
    actor: ActorDep,
    session: SessionDep,
    business_id: str | None = Query(
        None,
        max_length=32,
        description="that business's own and the shared ones; left out: every one you may see",
    ),
) -> list[CannedOut]:
    """Shared ones first, then by shortcut."""
    query = await scoped_canned(session, actor, business_id)
    return [canned_out(item) for item in await session.scalars(query)]


@router.post("", status_code=201, responses=REFUSALS)
async def create_canned(body: CannedCreate, actor: AdminDep, runtime: RuntimeDep) -> CannedOut:
    async with runtime.transaction() as session:
        return canned_out(await do_create_canned(session, actor, body))


@router.patch("/{canned_id}", responses=REFUSALS)
async def update_canned(
    canned_id: str, body: CannedUpdate, actor: AdminDep, runtime: RuntimeDep
) -> CannedOut:
    async with runtime.transaction() as session:
        item = await access_canned_by_id(session, actor, canned_id)
        return canned_out(await do_update_canned(session, actor, item, body))


@router.delete("/{canned_id}", status_code=204, responses=REFUSALS)
async def delete_canned(canned_id: str, actor: AdminDep, runtime: RuntimeDep) -> Response:
    async with runtime.transaction() as session:
        item = await access_canned_by_id(session, actor, canned_id)
        await do_delete_canned(session, actor, item)
    return Response(status_code=204)
