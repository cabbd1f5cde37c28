"""The web front ends: the visitor widget (one script tag on any website), the operator console,
the supervisor floor and a demo client website. Plain JS modules and CSS, no build step.

Static assets live in web/static and are served at /static by the app; the widget's own files
are also served here with CORS (a client website imports the chat panel lazily as a module)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from livedesk.businesses.access import widget_by_public_key
from livedesk.businesses.models import Business
from livedesk.deps import SessionDep

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
WIDGET_FILES = {"panel.js", "forms.js", "preview.js", "i18n.js", "dom.js", "widget.css"}

router = APIRouter(include_in_schema=False)

# Optional endpoints other domains add; the front ends show a feature only when its route exists.
OPTIONAL_ROUTES = {
    "availability": ("GET", "/api/v1/widget/{key}/availability"),
    "offline": ("POST", "/api/v1/widget/{key}/offline"),
    "transcript": ("POST", "/api/v1/widget/{key}/transcript"),
    "floor": ("GET", "/api/v1/floor"),
    "faq_search": ("GET", "/api/v1/businesses/{business_id}/faq/search"),
    "faq_proposals": ("POST", "/api/v1/conversations/{conversation_id}/faq-proposals"),
    "leads": ("POST", "/api/v1/conversations/{conversation_id}/leads"),
    "lead_draft": ("GET", "/api/v1/conversations/{conversation_id}/lead-draft"),
}


def _js(path: Path, *, cors: bool) -> Response:
    headers = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    if cors:
        headers["Access-Control-Allow-Origin"] = "*"
    media = "text/css" if path.suffix == ".css" else "text/javascript"
    return FileResponse(path, media_type=f"{media}; charset=utf-8", headers=headers)


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every API route, from the OpenAPI document (it sees included routers
    however FastAPI stores them), plus plain routes as a fallback.

    A schema that cannot be built raises: reporting features as missing would hide the fault
    (the front ends would quietly drop them) instead of surfacing it."""
    have: set[tuple[str, str]] = set()
    for path, ops in app.openapi().get("paths", {}).items():
        have.update((method.upper(), path) for method in ops)
    for route in app.routes:
        if isinstance(route, Route) and route.methods:
            have.update((method, route.path) for method in route.methods)
    return have


def capabilities(app: FastAPI) -> dict[str, bool]:
    have = _routes(app)

    # A route is there only if its path is registered with a parameter name we do not know:
    # compare on the path with every {param} collapsed.
    def shape(path: str) -> str:
        out, depth = [], 0
        for ch in path:
            if ch == "{":
                depth += 1
                out.append("{}")
            elif ch == "}":
                depth -= 1
            elif not depth:
                out.append(ch)
        return "".join(out)

    shapes = {(m, shape(p)) for m, p in have}
    return {name: (m, shape(p)) in shapes for name, (m, p) in OPTIONAL_ROUTES.items()}


@router.get("/widget.js")
async def widget_loader() -> Response:
    """The one-line embed: a small classic script; the chat panel loads on first open."""
    return _js(STATIC / "widget" / "widget.js", cors=True)


@router.get("/widget/{name}")
async def widget_asset(name: str) -> Response:
    if name not in WIDGET_FILES:
        return Response(status_code=404)
    return _js(STATIC / "widget" / name, cors=True)


@router.get("/ui/capabilities")
async def ui_capabilities(request: Request) -> Response:
    """Which optional endpoints this server has, so the front ends hide what is not there."""
    body = json.dumps(capabilities(request.app))
    return Response(
        body,
        media_type="application/json",
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
    )


def _page(name: str) -> HTMLResponse:
    return HTMLResponse(
        (TEMPLATES / name).read_text("utf-8"),
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
        },
    )


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    """Someone who types only host:port lands on the console (its login when signed out)."""
    return RedirectResponse("/console", status_code=307)


@router.get("/console")
@router.get("/console/")
@router.get("/console/login")
async def console_page() -> HTMLResponse:
    return _page("console.html")


@router.get("/console/floor")
async def floor_page() -> HTMLResponse:
    return _page("floor.html")


@router.get("/demo/{key}")
async def demo_page(key: str, request: Request, session: SessionDep) -> HTMLResponse:
    """A small Dutch client website that embeds the widget with the one-line script."""
    widget = await widget_by_public_key(session, key)
    business = await session.get(Business, widget.business_id)
    name = business.name if business else "Demo"
    page = request.query_params.get("page", "home")
    if page not in DEMO_PAGES:
        page = "home"
    base = str(request.base_url).rstrip("/")
    template = (TEMPLATES / "demo.html").read_text("utf-8")
    nav = "".join(
        f'<a href="?page={p}"{" aria-current=page" if p == page else ""}>{html.escape(t)}</a>'
        for p, (t, _) in DEMO_PAGES.items()
    )
    title, text = DEMO_PAGES[page]
    filled = (
        template.replace("{{name}}", html.escape(name))
        .replace("{{title}}", html.escape(title))
        .replace("{{nav}}", nav)
        .replace("{{text}}", html.escape(text))
        .replace(
            "{{script}}",
            f'<script src="{html.escape(base)}/widget.js" '
            f'data-widget="{html.escape(key)}" async></script>',
        )
    )
    return HTMLResponse(filled, headers={"Cache-Control": "no-store"})


DEMO_PAGES: dict[str, tuple[str, str]] = {
    "home": (
        "Welkom",
        "Fijn dat u er bent. Op deze website vindt u alles over onze diensten, "
        "tarieven en openingstijden. Heeft u een vraag? Klik rechtsonder op de "
        "chatknop: een medewerker helpt u graag.",
    ),
    "diensten": (
        "Onze diensten",
        "Wij helpen particulieren en bedrijven met persoonlijk "
        "advies. Bekijk ons aanbod of stel uw vraag in de chat.",
    ),
    "contact": (
        "Contact",
        "Bel ons op werkdagen tussen 9:00 en 17:00, mail ons, of chat met ons tot 23:00 's avonds.",
    ),
}
