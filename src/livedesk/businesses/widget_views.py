"""Public widget endpoints, called cross-origin from client websites.

Nothing about a widget is cached in the process: every request reads it from the database, so a
change in the back office reaches the next visitor on every process at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from livedesk import i18n
from livedesk.businesses.access import UNAVAILABLE, inactive_code, widget_by_public_key
from livedesk.businesses.models import Business, Widget
from livedesk.businesses.widget_schemas import widget_sections
from livedesk.db import new_id
from livedesk.deps import RuntimeDep, SessionDep
from livedesk.errors import ApiError, Conflict, Forbidden
from livedesk.jsonutil import JsonResponse
from livedesk.security.language import preferred_language
from livedesk.security.origins import is_same_origin, origin_allowed
from livedesk.security.session_limit import session_limiter
from livedesk.security.throttle import retry_after_seconds
from livedesk.security.tokens import InvalidToken, issue_visitor_token, read_visitor_token

router = APIRouter(tags=["widget"])

i18n.register(
    {
        "nl": {
            "origin_not_allowed": "Deze website mag de chat niet gebruiken.",
            "no_origin": "Dit verzoek zegt niet van welke website het komt en is geweigerd.",
        },
        "en": {
            "origin_not_allowed": "This website may not use the chat.",
            "no_origin": "This request does not say which website it comes from and was refused.",
        },
    }
)


class SessionIn(BaseModel):
    # A visitor coming back (another page of the same site) presents the token they hold.
    token: str | None = Field(default=None, max_length=2000)


def cors_for_widget(request: Request, response: Response, widget: Widget) -> None:
    """Let the pages the widget is embedded on read the answer; refuse any other site."""
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


def visitor_language(widget: Widget, business: Business, accept_language: str | None) -> str:
    """The widget's fixed language, or for "auto" the visitor's browser (the business's
    language when the browser asks for neither)."""
    if widget.language in ("nl", "en"):
        return widget.language
    fallback = business.language if business.language in ("nl", "en") else "nl"
    return preferred_language(accept_language, default=fallback)


def _visitor_settings(widget: Widget, language: str) -> dict[str, Any]:
    """The stored settings plus what the widget script read before the back office existed:
    one `label` per pre-chat field and the notice as `prechat.gdpr_notice`."""
    sections = widget_sections(widget.settings)
    out = {**(widget.settings or {}), **{k: v.model_dump() for k, v in sections.items()}}
    for section in ("prechat", "offline_form"):
        for field in out[section]["fields"]:
            field["label"] = field[f"label_{language}"] or field["label_nl"] or field["label_en"]
    if out["privacy"]["text"]:
        out["prechat"]["gdpr_notice"] = out["privacy"]["text"]
    return out


def widget_config(
    widget: Widget, business: Business, accept_language: str | None = None
) -> dict[str, Any]:
    language = visitor_language(widget, business, accept_language)
    refused = inactive_code(widget, business)
    return {
        "widget": widget.public_key,
        # The form of address every widget text uses in Dutch ("u" or "je").
        "business": {"name": business.name, "form_of_address": business.form_of_address},
        "language": widget.language,
        "visitor_language": language,
        "active": refused is None,
        "message": UNAVAILABLE[language] if refused else None,
        "settings": _visitor_settings(widget, language),
        "opening_hours": business.opening_hours,
    }


@router.options("/api/v1/widget/{key}/{rest:path}", include_in_schema=False)
async def widget_preflight(key: str, rest: str, request: Request, session: SessionDep) -> Response:
    widget = await widget_by_public_key(session, key)
    response = Response(status_code=204)
    cors_for_widget(request, response, widget)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = "content-type, authorization"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


@router.get("/api/v1/widget/{key}/config")
async def get_widget_config(
    key: str, request: Request, response: Response, session: SessionDep
) -> dict[str, Any]:
    """Answers for a switched-off widget too (`active: false` and the `message` to show)."""
    widget = await widget_by_public_key(session, key)
    cors_for_widget(request, response, widget)
    business = await session.get(Business, widget.business_id)
    assert business is not None
    response.headers["Cache-Control"] = "no-store"
    return widget_config(widget, business, request.headers.get("accept-language"))


def _refusal(request: Request, widget: Widget, business: Business, code: str) -> JsonResponse:
    """409 with the visitor's message, readable cross-origin (the CORS headers are set)."""
    language = visitor_language(widget, business, request.headers.get("accept-language"))
    error = Conflict(UNAVAILABLE[language], code=code)
    response = JsonResponse(error.to_dict(language), status_code=error.status_code)
    cors_for_widget(request, response, widget)
    return response


def _session_limited(request: Request, widget: Widget, business: Business, wait: float) -> Any:
    """429 in the error shape with Retry-After, readable by the widget's page."""
    seconds = retry_after_seconds(wait)
    language = visitor_language(widget, business, request.headers.get("accept-language"))
    error = ApiError("too many sessions", code="rate_limited", data={"retry_after": seconds})
    response = JsonResponse(
        error.to_dict(language), status_code=429, headers={"Retry-After": str(seconds)}
    )
    cors_for_widget(request, response, widget)
    return response


def _require_origin(request: Request) -> None:
    """Browsers name the page in `Origin` on every POST, same-origin ones too; a request without
    it is a script, which gets no sessions. A browser that leaves it out on a same-origin
    request still says so in `Sec-Fetch-Site`, which a page cannot set."""
    if request.headers.get("origin") is None and (
        request.headers.get("sec-fetch-site") != "same-origin"
    ):
        raise Forbidden("this request does not say which website it comes from", code="no_origin")


@router.post(
    "/api/v1/widget/{key}/session",
    responses={
        403: {"description": "origin_not_allowed, or no_origin: a request without Origin"},
        409: {"description": "business_inactive or widget_inactive, with the message"},
        429: {"description": "rate_limited: too many sessions from this address or widget"},
    },
)
async def create_visitor_session(
    key: str,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    body: SessionIn | None = None,
) -> Any:
    """A signed visitor token bound to this widget; an existing valid token keeps its visitor.
    Stores nothing: the visitor's row is made when they start a chat or leave a message."""
    _require_origin(request)
    widget = await widget_by_public_key(session, key)
    cors_for_widget(request, response, widget)
    business = await session.get(Business, widget.business_id)
    assert business is not None
    refused = inactive_code(widget, business)
    if refused is not None:
        return _refusal(request, widget, business, refused)
    visitor_id = _returning_visitor(runtime, widget, body)
    if visitor_id is None:  # only new visitors count: a returning one costs nothing
        wait = session_limiter(request.app).take(client_host(request), widget.id)
        if wait:
            return _session_limited(request, widget, business, wait)
        visitor_id = new_id()
    token = issue_visitor_token(
        runtime.visitor_token_key, widget.id, visitor_id, runtime.settings.visitor_token_ttl_seconds
    )
    config = widget_config(widget, business, request.headers.get("accept-language"))
    return {"token": token, "visitor_id": visitor_id, "config": config}


def _returning_visitor(runtime: Any, widget: Widget, body: SessionIn | None) -> str | None:
    """The visitor id of a valid token this widget issued, or None."""
    if not (body and body.token):
        return None
    try:
        claims = read_visitor_token(runtime.visitor_token_keys, body.token)
    except InvalidToken:
        return None
    return claims.visitor_id if claims.widget_id == widget.id else None


def client_host(request: Request) -> str | None:
    return request.client.host if request.client else None
