"""Public widget endpoints (called cross-origin from client websites) and business reads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from livedesk.businesses.access import access_business_by_id, list_businesses, widget_by_public_key
from livedesk.businesses.models import Business, Widget
from livedesk.conversations.models import Visitor
from livedesk.db import utcnow
from livedesk.deps import ActorDep, RuntimeDep, SessionDep
from livedesk.errors import Forbidden
from livedesk.security.origins import is_same_origin, origin_allowed
from livedesk.security.tokens import InvalidToken, issue_visitor_token, read_visitor_token

router = APIRouter(tags=["widget"])


class SessionIn(BaseModel):
    # A visitor coming back (another page of the same site) presents the token they hold.
    token: str | None = Field(default=None, max_length=2000)


def _cors(request: Request, response: Response, widget: Widget) -> None:
    origin = request.headers.get("origin")
    if origin is None:
        return  # same-origin or a non-browser client
    if not (
        origin_allowed(origin, widget.allowed_origins)
        or is_same_origin(origin, request.headers.get("host"), request.url.scheme)
    ):
        raise Forbidden("this website may not use the widget", code="origin_not_allowed")
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"


@router.options("/api/v1/widget/{key}/{rest:path}", include_in_schema=False)
async def widget_preflight(key: str, rest: str, request: Request, session: SessionDep) -> Response:
    widget = await widget_by_public_key(session, key)
    response = Response(status_code=204)
    _cors(request, response, widget)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = "content-type, authorization"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


def widget_config(widget: Widget, business: Business) -> dict[str, Any]:
    return {
        "widget": widget.public_key,
        "business": {"name": business.name},
        "language": widget.language,
        "settings": widget.settings,
        "opening_hours": business.opening_hours,
    }


@router.get("/api/v1/widget/{key}/config")
async def get_widget_config(
    key: str, request: Request, response: Response, session: SessionDep
) -> dict[str, Any]:
    widget = await widget_by_public_key(session, key)
    _cors(request, response, widget)
    business = await session.get(Business, widget.business_id)
    assert business is not None
    return widget_config(widget, business)


@router.post("/api/v1/widget/{key}/session")
async def create_visitor_session(
    key: str,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    body: SessionIn | None = None,
) -> dict[str, Any]:
    """A signed visitor token bound to this widget; an existing valid token keeps its visitor."""
    async with runtime.transaction() as session:
        widget = await widget_by_public_key(session, key)
        _cors(request, response, widget)
        visitor = None
        if body and body.token:
            try:
                claims = read_visitor_token(runtime.visitor_token_key, body.token)
            except InvalidToken:
                claims = None
            if claims and claims.widget_id == widget.id:
                visitor = await session.get(Visitor, claims.visitor_id)
        if visitor is None:
            visitor = Visitor(business_id=widget.business_id, widget_id=widget.id)
            session.add(visitor)
            await session.flush()
        else:
            visitor.last_seen_at = utcnow()
        business = await session.get(Business, widget.business_id)
        assert business is not None
    token = issue_visitor_token(
        runtime.visitor_token_key, widget.id, visitor.id, runtime.settings.visitor_token_ttl_seconds
    )
    return {"token": token, "visitor_id": visitor.id, "config": widget_config(widget, business)}


def business_payload(business: Business) -> dict[str, Any]:
    return {
        "id": business.id,
        "slug": business.slug,
        "name": business.name,
        "language": business.language,
        "timezone": business.timezone,
        "guidelines": business.guidelines,
        "opening_hours": business.opening_hours,
        "contract": business.contract,
    }


@router.get("/api/v1/businesses", tags=["businesses"])
async def get_businesses(actor: ActorDep, session: SessionDep) -> list[dict[str, Any]]:
    return [business_payload(b) for b in await list_businesses(session, actor)]


@router.get("/api/v1/businesses/{business_id}", tags=["businesses"])
async def get_business(business_id: str, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    return business_payload(await access_business_by_id(session, actor, business_id))
