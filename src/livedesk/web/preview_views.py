"""The back office's live preview of a widget: `GET /admin/preview/{widget_key}`.

A small page that embeds the widget in preview mode: opened, dressed as the widget is saved, with
placeholder content instead of a chat. The back office frames it and posts unsaved settings to
it (widget/preview.js), so the page may be framed by this origin only. It never opens a visitor
session: its policy allows no fetch or socket at all (`connect-src 'none'`).

For provider admins and supervisors (the session cookie); anyone else signed in gets 403, a
visitor who is not signed in is sent to the login page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from livedesk import i18n
from livedesk.accounts.actions import actor_for_token
from livedesk.accounts.models import Role
from livedesk.businesses.access import access_business_by_id, widget_by_public_key
from livedesk.businesses.models import Business, Widget
from livedesk.businesses.widget_views import widget_config
from livedesk.deps import SessionDep, bearer_or_cookie
from livedesk.errors import NotFound
from livedesk.security.actors import StaffActor

TEMPLATE = Path(__file__).parent / "templates" / "widget_preview.html"
PREVIEWERS = frozenset({Role.PROVIDER_ADMIN, Role.SUPERVISOR})
# Which view the panel opens in: what a new visitor sees first (""), or one named.
VIEWS = frozenset({"", "chat", "prechat", "offline"})

POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",  # the widget styles its shadow root with a constructed stylesheet
        "img-src 'self' https:",  # the business's logo: an https URL anywhere
        "connect-src 'none'",  # no visitor session, no socket
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "SAMEORIGIN",  # for browsers that predate frame-ancestors
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}

i18n.register(
    {
        "nl": {
            "preview_title": "Voorbeeld: {name}",
            "preview_intro": "Zo ziet de widget eruit voor bezoekers. Hier start geen gesprek.",
            "preview_forbidden": "Dit voorbeeld is alleen voor beheerders en supervisors.",
            "preview_not_found": "Deze widget bestaat niet.",
        },
        "en": {
            "preview_title": "Preview: {name}",
            "preview_intro": "This is how visitors see the widget. No conversation starts here.",
            "preview_forbidden": "This preview is for provider admins and supervisors only.",
            "preview_not_found": "This widget does not exist.",
        },
    }
)

router = APIRouter(include_in_schema=False)


async def _signed_in(request: Request, session: AsyncSession) -> StaffActor | None:
    secret = bearer_or_cookie(request)
    return await actor_for_token(session, secret) if secret else None


def _text(code: str, language: str, **values: Any) -> str:
    return i18n.text(code, language, code, **values) or code


def _page(language: str, title: str, intro: str, script: str = "", status: int = 200) -> Response:
    page = (
        TEMPLATE.read_text("utf-8")
        .replace("{{lang}}", html.escape(language))
        .replace("{{title}}", html.escape(title))
        .replace("{{intro}}", html.escape(intro))
        .replace("{{script}}", script)
    )
    return HTMLResponse(page, status_code=status, headers=HEADERS)


def _embed(widget: Widget, business: Business, view: str, accept_language: str | None) -> str:
    # What the public config endpoint gives a visitor (the same defaults filled in), as data.
    config = json.dumps(widget_config(widget, business, accept_language), ensure_ascii=False)
    return (
        f'<script src="/widget.js" data-widget="{html.escape(widget.public_key)}" '
        f'data-preview="{html.escape(view)}" data-config="{html.escape(config)}"></script>'
    )


@router.get("/admin/preview/{widget_key}")
async def widget_preview(
    widget_key: str, request: Request, session: SessionDep, view: str = ""
) -> Response:
    actor = await _signed_in(request, session)
    if actor is None:
        next_url = quote(request.url.path, safe="/")
        return RedirectResponse(f"/console/login?next={next_url}", status_code=303)
    language = actor.language if actor.language in ("nl", "en") else "nl"
    if actor.role not in PREVIEWERS:
        message = _text("preview_forbidden", language)
        return _page(language, message, "", status=403)
    try:
        widget = await widget_by_public_key(session, widget_key)
        business = await access_business_by_id(session, actor, widget.business_id)
    except NotFound:
        message = _text("preview_not_found", language)
        return _page(language, message, "", status=404)
    title = _text("preview_title", language, name=f"{business.name} · {widget.name}")
    intro = _text("preview_intro", language)
    view = view if view in VIEWS else ""
    embed = _embed(widget, business, view, request.headers.get("accept-language"))
    return _page(language, title, intro, embed)
