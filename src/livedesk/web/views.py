"""The web front ends: the visitor widget (one script tag on any website), the operator console,
the supervisor floor and a demo client website. Plain JS modules and CSS, no build step.

Static assets live in web/static and are served from memory, gzipped when the client takes it,
with ETags (assets.py): at /static/… for this server's own pages, and with CORS at /widget.js
(the loader, at its stable URL with a short max-age), /widget/… and /shared/… (the panel's
modules and those the console shares, imported lazily by client websites under content-hashed
names that are cached for a year)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from livedesk.businesses.access import widget_by_public_key
from livedesk.businesses.models import Business
from livedesk.deps import SessionDep
from livedesk.web.assets import IMMUTABLE, AssetTree, asset_response

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
ASSETS = AssetTree(STATIC)
# What a client website may load cross-origin: the widget's scripts and stylesheets, and the
# modules shared with the console. Anything else (or anything deeper) is a 404.
WIDGET_FILES = {p.name for p in (STATIC / "widget").glob("*") if p.suffix in (".js", ".css")}
SHARED_FILES = {p.name for p in (STATIC / "shared").glob("*") if p.suffix in (".js", ".css")}
LOADER_CACHE = "public, max-age=300"  # on client pages: a new release reaches them in minutes

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


def _asset(request: Request, path: str, *, cors: bool, plain_cache: str) -> Response:
    """An asset by its plain name (`plain_cache`) or its current hashed name (a year)."""
    found = ASSETS.get(path)
    if found is None:
        return Response(status_code=404)
    asset, hashed = found
    return asset_response(
        request, asset, cache_control=IMMUTABLE if hashed else plain_cache, cors=cors
    )


def _listed(name: str, allowed: set[str]) -> bool:
    """`panel.js` or `panel.<hash>.js` for a listed `panel.js`."""
    stem, _, suffix = name.rpartition(".")
    plain = f"{stem.rpartition('.')[0]}.{suffix}" if "." in stem else name
    return name in allowed or plain in allowed


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


@router.api_route("/widget.js", methods=["GET", "HEAD"])
async def widget_loader(request: Request) -> Response:
    """The one-line embed: a small classic script at a stable URL (so a short max-age); it
    names the panel's modules by their hashed names, and the panel loads on first open."""
    return _asset(request, "widget/widget.js", cors=True, plain_cache=LOADER_CACHE)


@router.api_route("/widget/{name}", methods=["GET", "HEAD"])
async def widget_asset(name: str, request: Request) -> Response:
    if not _listed(name, WIDGET_FILES):
        return Response(status_code=404)
    return _asset(request, f"widget/{name}", cors=True, plain_cache=LOADER_CACHE)


@router.api_route("/shared/{name}", methods=["GET", "HEAD"])
async def shared_asset(name: str, request: Request) -> Response:
    """Modules the widget and the console share (the reconnecting socket, translations)."""
    if not _listed(name, SHARED_FILES):
        return Response(status_code=404)
    return _asset(request, f"shared/{name}", cors=True, plain_cache=LOADER_CACHE)


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
async def static_asset(path: str, request: Request) -> Response:
    """This server's own pages' files: revalidated on every use (ETag, 304), gzipped."""
    if ".." in path.split("/"):
        return Response(status_code=404)
    return _asset(request, path, cors=False, plain_cache="no-cache")


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
