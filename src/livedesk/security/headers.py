"""Security headers on every HTTP response: a strict Content-Security-Policy on HTML pages, no
framing, no MIME sniffing, no referrer leaving the site.

The console, the floor, the planner and the widget are plain ES modules and stylesheets from
this server: no inline script, no inline style, nothing from elsewhere. Three kinds of page need
more, each named here:

- `/demo/*` plays a client's website: its own inline <style>, one inline onclick, and the
  widget, whose launcher puts a <style> element in its shadow root;
- `/docs` (Swagger UI) and `/redoc` load their scripts and styles from the CDN FastAPI uses and
  start with an inline script, allowed by its hash (computed from FastAPI's own page builder);
- pages meant to be framed (the back office's widget preview): FRAMEABLE. A page that sets its
  own Content-Security-Policy and X-Frame-Options keeps them; the list is the fallback.

Pure ASGI, and WebSocket scopes pass through untouched (the chat sockets do not even reach it:
LivedeskApp hands them to their endpoints before any middleware).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _policy(**directives: str) -> str:
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


def sha256_source(text: str) -> str:
    """A CSP hash source for an inline script or handler: 'sha256-…'."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"


# Path prefix → frame-ancestors sources, for pages whose point is to be shown in a frame.
FRAMEABLE: Mapping[str, str] = {"/admin/preview/": "'self'"}  # the back office frames it

_APP_DIRECTIVES = {
    "default_src": "'none'",
    "script_src": "'self'",
    "style_src": "'self'",
    "img_src": "'self'",
    "font_src": "'self'",
    "connect_src": "'self'",  # fetch and the same-origin WebSockets
    "media_src": "'self'",
    "manifest_src": "'self'",
    "form_action": "'self'",
    "base_uri": "'none'",
}
APP_POLICY = _APP_DIRECTIVES  # the console, floor and planner pages

# The demo client website's one inline handler (web/templates/demo.html): allowed by its hash
# only. If the template changes, tests/security/test_headers.py says so.
DEMO_INLINE_HANDLERS = ("this.textContent='Bedankt!'",)
DEMO_POLICY = {
    **_APP_DIRECTIVES,
    "script_src": "'self' 'unsafe-hashes' " + " ".join(map(sha256_source, DEMO_INLINE_HANDLERS)),
    "style_src": "'self' 'unsafe-inline'",
    # A client's site shows the widget's logo, which the back office takes as any https URL.
    "img_src": "'self' https:",
}

DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_DIRECTIVES = {
    "default_src": "'none'",
    "script_src": f"'self' {DOCS_CDN}",
    "style_src": f"'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com",
    "img_src": "'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
    "font_src": "'self' https://fonts.gstatic.com",
    "connect_src": "'self'",
    "worker_src": "blob:",  # ReDoc's search
    "form_action": "'self'",
    "base_uri": "'none'",
}

# Everything that is not HTML: nothing may load from it or frame it. SVG is a document too when
# opened on its own; the planner's charts carry their own <style>.
OTHER_POLICY = {"default_src": "'none'"}
SVG_POLICY = {"default_src": "'none'", "style_src": "'unsafe-inline'"}


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_scripts(html: str) -> list[str]:
    parser = _InlineScripts()
    parser.feed(html)
    parser.close()
    return parser.scripts


class DocsPages:
    """The API documentation pages of a FastAPI app and their policy: the inline scripts FastAPI
    writes into them are allowed by hash, per root path (the scripts name the OpenAPI URL)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths = frozenset(
            p
            for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
            if p and app.openapi_url
        )
        self._policies: dict[str, str] = {}

    def pages(self, root_path: str) -> Iterator[str]:
        from fastapi.openapi.docs import (
            get_redoc_html,
            get_swagger_ui_html,
            get_swagger_ui_oauth2_redirect_html,
        )

        app = self.app
        openapi_url = root_path + app.openapi_url
        if app.docs_url:
            redirect = app.swagger_ui_oauth2_redirect_url
            yield bytes(
                get_swagger_ui_html(
                    openapi_url=openapi_url,
                    title=f"{app.title} - Swagger UI",
                    oauth2_redirect_url=root_path + redirect if redirect else None,
                    init_oauth=app.swagger_ui_init_oauth,
                    swagger_ui_parameters=app.swagger_ui_parameters,
                ).body
            ).decode()
            if redirect:
                yield bytes(get_swagger_ui_oauth2_redirect_html().body).decode()
        if app.redoc_url:
            yield bytes(
                get_redoc_html(openapi_url=openapi_url, title=f"{app.title} - ReDoc").body
            ).decode()

    def policy(self, root_path: str) -> str:
        policy = self._policies.get(root_path)
        if policy is None:
            hashes = sorted(
                {sha256_source(s) for page in self.pages(root_path) for s in inline_scripts(page)}
            )
            directives = dict(DOCS_DIRECTIVES)
            directives["script_src"] = " ".join([DOCS_DIRECTIVES["script_src"], *hashes])
            policy = self._policies[root_path] = _policy(**directives)
        return policy


class SecurityHeadersMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        docs: DocsPages | None = None,
        frameable: Mapping[str, str] = FRAMEABLE,
    ) -> None:
        self.app = app
        self.docs = docs
        self.frameable = dict(frameable)

    def _ancestors(self, path: str) -> str | None:
        for prefix, sources in self.frameable.items():
            if path.startswith(prefix):
                return sources
        return None

    def policy_for(self, path: str, root_path: str, content_type: str) -> str:
        ancestors = self._ancestors(path)
        frame = {"frame_ancestors": ancestors or "'none'"}
        if content_type.startswith("text/html"):
            if self.docs is not None and path in self.docs.paths:
                return self.docs.policy(root_path) + "; " + _policy(**frame)
            page = DEMO_POLICY if path.startswith("/demo/") else APP_POLICY
            return _policy(**page, **frame)
        if content_type.startswith("image/svg+xml"):
            return _policy(**SVG_POLICY, **frame)
        return _policy(**OTHER_POLICY, **frame)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path = scope.get("root_path", "")
        path = scope["path"]
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :] or "/"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                content_type = headers.get("content-type", "").lower()
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = self.policy_for(
                        path, root_path, content_type
                    )
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if self._ancestors(path) is None:
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
