"""Uploading and downloading attachments.

An upload is the file's bytes as the request body (no multipart), with its name in `?name=`;
the answer's id then goes into a `send` frame on the socket (docs/protocol.md), so a file
message is ordered, retried and stored once like any other. The console uploads with its login;
the widget with its visitor token as a Bearer header, cross-origin from the client's site.

Downloads go to whoever may read the conversation: its visitor (the token in `?token=`, as an
<img> cannot send a header), the provider's staff who see its business, and the business's own
people. A file is always `Content-Disposition: attachment` and `nosniff` with a sandboxing
Content-Security-Policy; only an image's thumbnail (a JPEG or PNG this server made) is inline.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.models import Role
from livedesk.attachments import actions, limits
from livedesk.attachments.access import access_attachment
from livedesk.attachments.schemas import UPLOAD_BODY, AttachmentOut
from livedesk.attachments.storage import AttachmentSettings, Storage
from livedesk.businesses.access import widget_by_public_key
from livedesk.businesses.models import Widget
from livedesk.businesses.widget_views import client_host, cors_for_widget
from livedesk.conversations.access import access_conversation_by_id
from livedesk.conversations.models import Conversation
from livedesk.conversations.participants import is_joined_expert
from livedesk.deps import ActorDep, RuntimeDep, bearer_or_cookie, current_actor, get_runtime
from livedesk.errors import ApiError, Forbidden, NotFound, Unauthorized
from livedesk.i18n import request_language
from livedesk.jsonutil import JsonResponse
from livedesk.runtime import Runtime
from livedesk.security.actors import Actor, VisitorActor
from livedesk.security.tokens import InvalidToken, read_visitor_token

router = APIRouter(tags=["attachments"])
NAME = Query(None, max_length=255, description="the file's name on the uploader's device")
# Nothing in a file may run or load anything, even opened on its own.
FILE_POLICY = "default-src 'none'; sandbox"


def settings_of(request: Request) -> AttachmentSettings:
    return request.app.state.attachment_settings  # type: ignore[no-any-return]


def storage_of(request: Request) -> Storage:
    return request.app.state.attachment_storage  # type: ignore[no-any-return]


async def _read_upload(request: Request) -> bytes:
    """The body, refused from its declared length before a byte is read where it says."""
    settings = settings_of(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise actions.too_large(settings)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > settings.max_bytes:
            raise actions.too_large(settings)
    return bytes(data)


async def _store(
    request: Request, runtime: Runtime, conversation: Conversation, kind: str, who: str
) -> AttachmentOut:
    settings = settings_of(request)
    checked = await actions.check_upload(await _read_upload(request), settings)
    async with runtime.transaction() as session:
        current = await session.get(Conversation, conversation.id)
        assert current is not None
        if kind == "visitor":
            size = len(checked.data)
            await limits.check_conversation_quota(session, current.id, size, settings)
            wait = limits.address_budget(request.app).take(client_host(request), size)
            if wait:
                raise limits.rate_limited(wait)
        attachment = await actions.do_add_attachment(
            session,
            storage_of(request),
            current,
            checked,
            name=request.query_params.get("name"),
            uploader_kind=kind,
            uploader_id=who,
        )
    return AttachmentOut.of(attachment)


@router.post(
    "/api/v1/conversations/{conversation_id}/attachments",
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses={413: {"description": "attachment_too_large"}, 415: {"description": "type"}},
)
async def upload_as_staff(
    conversation_id: str,
    request: Request,
    actor: ActorDep,
    runtime: RuntimeDep,
    name: str | None = NAME,
) -> AttachmentOut:
    """A file from the console (or a joined expert), to send into this conversation."""
    async with runtime.reading() as session:
        conversation = await access_conversation_by_id(session, actor, conversation_id)
        if actor.role == Role.BUSINESS_USER and not await is_joined_expert(
            session, conversation_id, actor.user_id
        ):
            raise Forbidden("join the conversation as the business's expert first")
    return await _store(request, runtime, conversation, "staff", actor.user_id)


@router.post(
    "/api/v1/widget/{key}/conversations/{conversation_id}/attachments",
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses={
        409: {"description": "attachment_quota: the conversation's upload limit"},
        413: {"description": "attachment_too_large"},
        415: {"description": "type"},
        429: {"description": "attachment_rate: too many bytes from this address"},
    },
)
async def upload_as_visitor(
    key: str,
    conversation_id: str,
    request: Request,
    runtime: RuntimeDep,
    name: str | None = NAME,
) -> Any:
    """A file from the visitor (their token as `Authorization: Bearer`), into their own open
    conversation. Errors are readable by the widget's page (CORS) and in its language."""
    widget: Widget | None = None
    try:
        async with runtime.reading() as session:
            widget = await widget_by_public_key(session, key)
            response = JsonResponse(None, status_code=201)
            cors_for_widget(request, response, widget)
            visitor = _visitor(runtime, request.headers.get("authorization", "")[7:], widget)
            conversation = await session.scalar(
                select(Conversation).where(
                    Conversation.id == conversation_id,
                    Conversation.visitor_id == visitor.visitor_id,
                )
            )
        if conversation is None:
            raise NotFound("conversation not found")
        out = await _store(request, runtime, conversation, "visitor", visitor.visitor_id)
    except ApiError as exc:
        error = JsonResponse(
            exc.to_dict(request_language(request.headers.get("accept-language"))),
            status_code=exc.status_code,
        )
        if "retry_after" in exc.data:
            error.headers["Retry-After"] = str(exc.data["retry_after"])
        if widget is not None and exc.code != "origin_not_allowed":
            cors_for_widget(request, error, widget)
        return error
    response.body = response.render(out.model_dump())
    response.headers["content-length"] = str(len(response.body))
    return response


def _visitor(runtime: Runtime, token: str, widget: Widget) -> VisitorActor:
    try:
        claims = read_visitor_token(runtime.visitor_token_keys, token.strip())
    except InvalidToken:
        raise Unauthorized("a visitor token is required", code="unauthorized") from None
    if claims.widget_id != widget.id:
        raise Unauthorized("a visitor token is required", code="unauthorized")
    return VisitorActor(claims.visitor_id, widget.id, widget.business_id)


async def reader(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    token: Annotated[str | None, Query(max_length=2000, description="a visitor's token")] = None,
) -> Actor:
    """The visitor whose token is in `?token=`, or else the logged-in user."""
    if token is None or bearer_or_cookie(request):
        return await current_actor(request, runtime)
    async with runtime.reading() as session:
        try:
            claims = read_visitor_token(runtime.visitor_token_keys, token)
        except InvalidToken:
            raise Unauthorized("log in first", code="unauthorized") from None
        widget = await session.get(Widget, claims.widget_id)
    if widget is None:
        raise Unauthorized("log in first", code="unauthorized")
    return VisitorActor(claims.visitor_id, widget.id, widget.business_id)


ReaderDep = Annotated[Actor, Depends(reader)]


async def _file(
    request: Request, runtime: Runtime, actor: Actor, attachment_id: str, thumbnail: bool
) -> FileResponse:
    session: AsyncSession
    async with runtime.reading() as session:
        attachment = await access_attachment(session, actor, attachment_id)
    storage = storage_of(request)
    path = storage.path(attachment.id, thumbnail=thumbnail)
    media_type = attachment.thumbnail_type if thumbnail else attachment.content_type
    if media_type is None or not await asyncio.to_thread(path.is_file):
        raise NotFound("attachment not found", code="attachment_not_found")
    return FileResponse(
        path,
        media_type=media_type,
        filename=attachment.name,
        content_disposition_type="inline" if thumbnail else "attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": FILE_POLICY,
            # Asked again each time (a 304 by its ETag): an erased file must not live on in a
            # cache.
            "Cache-Control": "private, no-cache",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get("/api/v1/attachments/{attachment_id}", response_class=Response)
async def download(
    attachment_id: str, request: Request, runtime: RuntimeDep, actor: ReaderDep
) -> FileResponse:
    """The file itself, always as a download."""
    return await _file(request, runtime, actor, attachment_id, thumbnail=False)


@router.get("/api/v1/attachments/{attachment_id}/thumbnail", response_class=Response)
async def thumbnail(
    attachment_id: str, request: Request, runtime: RuntimeDep, actor: ReaderDep
) -> FileResponse:
    """An image's thumbnail, shown inline (<img>); 404 for a PDF."""
    return await _file(request, runtime, actor, attachment_id, thumbnail=True)
