"""HTTP API of the leads domain: the widget's offline form and transcript request (public,
cross-origin) and the console's leads, review, export, deliveries, routes and fields."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from livedesk import jsonutil
from livedesk.businesses.access import (
    UNAVAILABLE,
    access_business_by_id,
    inactive_code,
    widget_by_public_key,
)
from livedesk.businesses.models import Business, Widget
from livedesk.businesses.widget_views import cors_for_widget as _cors
from livedesk.conversations.models import Conversation
from livedesk.conversations.visitors import do_ensure_visitor
from livedesk.db import utcnow
from livedesk.deps import MAX_OFFSET, ActorDep, RuntimeDep, SessionDep
from livedesk.errors import ApiError, Conflict, Invalid, NotFound
from livedesk.jsonutil import JsonResponse
from livedesk.leads import access, actions, drafts, schemas
from livedesk.leads.delivery import error_for_viewer
from livedesk.leads.models import DeliveryRoute, Lead, LeadKind, LeadStatus, OutboxItem, OutboxState
from livedesk.leads.schemas import (
    LeadIn,
    LeadSettingsIn,
    OfflineIn,
    ReviewIn,
    RouteIn,
    RoutePatch,
    TranscriptRequestIn,
    check_field_definitions,
)
from livedesk.leads.service import EXTENSION, LeadsService
from livedesk.runtime import Runtime
from livedesk.security.actors import StaffActor, VisitorActor
from livedesk.security.addresses import require_allowed_webhook_url
from livedesk.security.language import preferred_language
from livedesk.security.tokens import InvalidToken, read_visitor_token

router = APIRouter(tags=["leads"])
widget_router = APIRouter(tags=["widget"])
M = TypeVar("M", bound=BaseModel)


def service_of(runtime: Runtime) -> LeadsService:
    return runtime.extensions[EXTENSION]  # type: ignore[no-any-return]


# -- public widget endpoints -------------------------------------------------------------------


async def _parse(request: Request, model: type[M]) -> M:
    """Parse here rather than in FastAPI, so the 422 still carries the CORS headers."""
    try:
        raw = await request.body()
        return model.model_validate(jsonutil.loads(raw) if raw else {})
    except jsonutil.JSONDecodeError:
        raise Invalid(
            "The body is not JSON",
            code="invalid",
            data={"errors": [{"loc": ["body"], "msg": "not JSON", "type": "json"}]},
        ) from None
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        raise Invalid("Some fields need attention", data={"errors": errors}) from None


def _with_cors(request: Request, widget: Widget | None, exc: ApiError) -> JsonResponse:
    """The error in the visitor's language, readable by the widget's page."""
    language = preferred_language(request.headers.get("accept-language"))
    response = JsonResponse(exc.to_dict(language), status_code=exc.status_code)
    if widget is not None:
        try:
            _cors(request, response, widget)
        except ApiError:
            pass
    return response


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@widget_router.post("/api/v1/widget/{key}/offline", status_code=201)
async def post_offline_message(key: str, request: Request, runtime: RuntimeDep) -> Response:
    """The offline form. Stored (and its delivery queued) before we answer 201."""
    widget = None
    try:
        async with runtime.reading() as session:
            widget = await widget_by_public_key(session, key)
        response = JsonResponse(None, status_code=201)
        _cors(request, response, widget)
        service = service_of(runtime)
        wait = service.rate_limited(f"offline:{_client_ip(request)}")
        if wait:
            raise ApiError(
                "Too many messages from this address; try again shortly",
                code="rate_limited",
                status_code=429,
                data={"retry_after_seconds": round(wait, 1)},
            )
        data = await _parse(request, OfflineIn)
        async with runtime.transaction() as session:
            business = await session.get(Business, widget.business_id)
            assert business is not None
            refused = inactive_code(widget, business)
            if refused is not None:  # a switched-off chat takes no messages either
                raise Conflict(UNAVAILABLE["en"], code=refused)
            conversation_id = await _visitor_conversation(runtime, session, widget, data.token)
            lead = await actions.do_create_offline_lead(
                session,
                business,
                data,
                language=(data.language or widget.language)[:8],
                conversation_id=conversation_id,
            )
        service.wake()
    except ApiError as exc:
        return _with_cors(request, widget, exc)
    response.body = response.render({"lead_id": lead.id, "status": "received"})
    response.headers["content-length"] = str(len(response.body))
    return response


async def _visitor_conversation(
    runtime: Runtime, session: Any, widget: Widget, token: str | None
) -> str | None:
    """Link the form to the visitor's latest chat on this widget, if they had one; a visitor
    with a session is stored from their first message on."""
    if not token:
        return None
    try:
        claims = read_visitor_token(runtime.visitor_token_keys, token)
    except InvalidToken:
        return None
    if claims.widget_id != widget.id:
        return None
    visitor = VisitorActor(claims.visitor_id, widget.id, widget.business_id)
    await do_ensure_visitor(session, visitor)
    conversation_id: str | None = await session.scalar(
        select(Conversation.id)
        .where(Conversation.visitor_id == claims.visitor_id, Conversation.widget_id == widget.id)
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )
    return conversation_id


@widget_router.post("/api/v1/widget/{key}/transcript", status_code=202)
async def post_transcript_request(key: str, request: Request, runtime: RuntimeDep) -> Response:
    """The visitor asks for their own transcript by e-mail (their token proves who they are)."""
    widget = None
    try:
        async with runtime.reading() as session:
            widget = await widget_by_public_key(session, key)
        response = JsonResponse(None, status_code=202)
        _cors(request, response, widget)
        service = service_of(runtime)
        if wait := service.rate_limited(f"transcript:{_client_ip(request)}"):
            raise ApiError(
                "Too many requests from this address; try again shortly",
                code="rate_limited",
                status_code=429,
                data={"retry_after_seconds": round(wait, 1)},
            )
        data = await _parse(request, TranscriptRequestIn)
        try:
            claims = read_visitor_token(runtime.visitor_token_keys, data.token)
        except InvalidToken:
            raise NotFound("conversation not found") from None
        if claims.widget_id != widget.id:
            raise NotFound("conversation not found")
        async with runtime.transaction() as session:
            item = await actions.do_request_visitor_transcript(
                session,
                business_id=widget.business_id,
                visitor_id=claims.visitor_id,
                widget_id=widget.id,
                email=data.email,
                conversation_id=data.conversation_id,
            )
        service.wake()
    except ApiError as exc:
        return _with_cors(request, widget, exc)
    response.body = response.render({"status": "queued", "delivery_id": item.id})
    response.headers["content-length"] = str(len(response.body))
    return response


# -- leads from a chat -------------------------------------------------------------------------


@router.post("/api/v1/conversations/{conversation_id}/leads", status_code=201)
async def post_lead(
    conversation_id: str, body: LeadIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    async with runtime.transaction() as session:
        lead = await actions.do_create_lead_from_chat(session, actor, conversation_id, body)
        payload = schemas.lead_payload(lead)
    service_of(runtime).wake()
    return payload


@router.get("/api/v1/conversations/{conversation_id}/lead-draft")
async def get_lead_draft(
    conversation_id: str, actor: ActorDep, session: SessionDep
) -> dict[str, Any]:
    return await drafts.draft_from_chat(session, actor, conversation_id)


# -- reading, reviewing, exporting -------------------------------------------------------------


@router.get("/api/v1/leads")
async def list_leads(
    actor: ActorDep,
    session: SessionDep,
    business_id: str | None = None,
    kind: LeadKind | None = None,
    status: LeadStatus | None = None,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    query = access.filtered_leads(
        actor,
        business_id=business_id,
        kind=kind,
        status=status,
        start=schemas.parse_period(start, "from"),
        end=schemas.parse_period(end, "to"),
    )
    total = await access.count(session, query)
    rows = await session.scalars(
        query.order_by(Lead.created_at.desc(), Lead.id).limit(limit).offset(offset)
    )
    return {
        "items": [schemas.lead_payload(lead) for lead in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


EXPORT_COLUMNS = (
    "id",
    "created_at",
    "kind",
    "status",
    "source",
    "name",
    "email",
    "phone",
    "intent",
    "notes",
    "consent",
    "language",
    "page_url",
    "conversation_id",
    "reviewed_at",
    "review_reason",
)


def _cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    else:  # datetimes as ISO 8601, like the JSON export
        text = str(jsonutil.loads(jsonutil.dumps(value)))
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/api/v1/leads/export")
async def export_leads(
    actor: ActorDep,
    session: SessionDep,
    business_id: str,
    format: Literal["csv", "json"] = "csv",
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    kind: LeadKind | None = None,
    status: LeadStatus | None = None,
) -> Response:
    await access_business_by_id(session, actor, business_id)
    config = await actions.lead_config(session, business_id)
    query = access.filtered_leads(
        actor,
        business_id=business_id,
        kind=kind,
        status=status,
        start=schemas.parse_period(start, "from"),
        end=schemas.parse_period(end, "to"),
    )
    leads = list(await session.scalars(query.order_by(Lead.created_at)))
    filename = f"leads-{business_id}"
    if format == "json":
        return JsonResponse(
            [schemas.lead_payload(lead) for lead in leads],
            headers={"Content-Disposition": f'attachment; filename="{filename}.json"'},
        )
    keys = [f["key"] for f in config.qualification_fields]
    known = set(keys)
    extra = sorted({k for lead in leads for k in lead.qualification if k not in known})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*EXPORT_COLUMNS, *(f"q:{k}" for k in [*keys, *extra])])
    for lead in leads:
        row = [_cell(getattr(lead, c)) for c in EXPORT_COLUMNS]
        row += [_cell(lead.qualification.get(k)) for k in [*keys, *extra]]
        writer.writerow(row)
    return Response(
        out.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


@router.get("/api/v1/leads/{lead_id}")
async def get_lead(lead_id: str, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    lead = await access.access_lead_by_id(session, actor, lead_id)
    history = await access.lead_history(session, lead.id)
    return {
        **schemas.lead_payload(lead),
        "history": [schemas.status_change_payload(c) for c in history],
    }


@router.post("/api/v1/leads/{lead_id}/review")
async def review_lead(
    lead_id: str, body: ReviewIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    window = service_of(runtime).settings.default_review_window_days
    async with runtime.transaction() as session:
        lead = await actions.do_review_lead(
            session, actor, lead_id, body.decision, body.reason, default_window=window
        )
        history = await access.lead_history(session, lead.id)
        return {
            **schemas.lead_payload(lead),
            "history": [schemas.status_change_payload(c) for c in history],
        }


def delivery_payload(
    item: OutboxItem, actor: StaffActor, attempts: list[Any] | None = None
) -> dict[str, Any]:
    """A business sees that an address was refused, not which internal address it was."""

    def error(text: str | None) -> str | None:
        return error_for_viewer(text, staff=actor.is_staff, language=actor.language)

    out: dict[str, Any] = {
        "id": item.id,
        "lead_id": item.lead_id,
        "conversation_id": item.conversation_id,
        "route_id": item.route_id,
        "channel": item.channel,
        "event": item.event,
        "state": item.state,
        "flagged": item.flagged,
        "attempt_count": item.attempts,
        "next_attempt_at": item.next_attempt_at if item.state == OutboxState.PENDING else None,
        "last_error": error(item.last_error),
        "idempotency_key": item.idempotency_key,
        "created_at": item.created_at,
        "delivered_at": item.delivered_at,
    }
    if attempts is not None:
        out["attempts"] = [
            {
                "number": a.number,
                "outcome": a.outcome,
                "status_code": a.status_code,
                "error": error(a.error),
                "started_at": a.started_at,
                "finished_at": a.finished_at,
            }
            for a in attempts
        ]
    return out


@router.get("/api/v1/leads/{lead_id}/deliveries")
async def get_lead_deliveries(lead_id: str, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    lead = await access.access_lead_by_id(session, actor, lead_id)
    rows = await access.deliveries_of_lead(session, lead.id)
    return {"items": [delivery_payload(item, actor, attempts) for item, attempts in rows]}


# -- what needs a human ------------------------------------------------------------------------


@router.get("/api/v1/deliveries/flagged")
async def get_flagged(
    actor: ActorDep, session: SessionDep, business_id: str | None = None
) -> dict[str, Any]:
    access.require_manager(actor)
    query = select(OutboxItem).where(
        OutboxItem.flagged.is_(True), OutboxItem.state == OutboxState.FAILED
    )
    if actor.business_ids is not None:
        query = query.where(OutboxItem.business_id.in_(actor.business_ids))
    if business_id is not None:
        query = query.where(OutboxItem.business_id == business_id)
    rows = await session.scalars(query.order_by(OutboxItem.created_at).limit(500))
    return {"items": [delivery_payload(item, actor) for item in rows]}


@router.post("/api/v1/deliveries/{delivery_id}/retry")
async def retry_delivery(delivery_id: str, actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
    """A human fixed the receiver: try again now (same idempotency key)."""
    access.require_manager(actor)
    async with runtime.transaction() as session:
        item = await session.get(OutboxItem, delivery_id)
        # A system mail (no business) is the provider's own: only provider-wide staff see it.
        if item is None or not actor.can_see_business(item.business_id or ""):
            raise NotFound("delivery not found")
        if item.state != OutboxState.FAILED:
            raise Conflict(
                "only a failed delivery can be retried",
                code="not_failed",
                data={"state": item.state},
            )
        item.state, item.flagged = OutboxState.PENDING, False
        item.next_attempt_at = utcnow()
        item.created_at = utcnow()  # a fresh give-up horizon
        payload = delivery_payload(item, actor)
    service_of(runtime).wake()
    return payload


# -- configuration -----------------------------------------------------------------------------


@router.get("/api/v1/businesses/{business_id}/lead-settings")
async def get_lead_settings(
    business_id: str, actor: ActorDep, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    window = service_of(runtime).settings.default_review_window_days
    return schemas.config_payload(await actions.lead_config(session, business_id, window))


@router.put("/api/v1/businesses/{business_id}/lead-settings")
async def put_lead_settings(
    business_id: str, body: LeadSettingsIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    window = service_of(runtime).settings.default_review_window_days
    async with runtime.transaction() as session:
        await access_business_by_id(session, actor, business_id)
        access.require_manager(actor)
        fields = (
            check_field_definitions(body.qualification_fields)
            if body.qualification_fields is not None
            else None
        )
        config = await actions.do_update_config(
            session,
            business_id,
            review_window_days=body.review_window_days,
            fields=fields,
            default_window=window,
        )
        return schemas.config_payload(config)


@router.get("/api/v1/businesses/{business_id}/delivery-routes")
async def list_routes(business_id: str, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    await access_business_by_id(session, actor, business_id)
    access.require_manager(actor)
    rows = await session.scalars(
        select(DeliveryRoute)
        .where(DeliveryRoute.business_id == business_id)
        .order_by(DeliveryRoute.created_at)
    )
    return {"items": [schemas.route_payload(r) for r in rows]}


@router.post("/api/v1/businesses/{business_id}/delivery-routes", status_code=201)
async def create_route(
    business_id: str, body: RouteIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await _check_webhook_url(runtime, actor, body.url)  # resolves names: before the transaction
    async with runtime.transaction() as session:
        await access_business_by_id(session, actor, business_id)
        access.require_manager(actor)
        return schemas.route_payload(await actions.do_create_route(session, business_id, body))


@router.patch("/api/v1/businesses/{business_id}/delivery-routes/{route_id}")
async def update_route(
    business_id: str, route_id: str, body: RoutePatch, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    await _check_webhook_url(runtime, actor, body.url)
    async with runtime.transaction() as session:
        await access_business_by_id(session, actor, business_id)
        access.require_manager(actor)
        route = await access.access_route(session, business_id, route_id)
        return schemas.route_payload(await actions.do_update_route(session, route, body))


async def _check_webhook_url(runtime: Runtime, actor: StaffActor, url: str | None) -> None:
    """A business may not point deliveries at the provider's own network (loopback, private,
    link-local… addresses); each delivery is checked again when it connects."""
    allow = service_of(runtime).settings.webhook_allowed_networks
    await require_allowed_webhook_url(url, allow, language=actor.language)


@router.delete("/api/v1/businesses/{business_id}/delivery-routes/{route_id}", status_code=204)
async def delete_route(
    business_id: str, route_id: str, actor: ActorDep, runtime: RuntimeDep
) -> Response:
    """Deactivates: deliveries already owed to this route are still made (and logged)."""
    async with runtime.transaction() as session:
        await access_business_by_id(session, actor, business_id)
        access.require_manager(actor)
        route = await access.access_route(session, business_id, route_id)
        await actions.do_deactivate_route(session, route)
    return Response(status_code=204)
