"""The client portal at /portal: one shell page; the browser routes between its pages itself,
so every address under /portal can be reloaded or shared. Which data a user may see is decided
by the API behind the pages, not here."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

TEMPLATE = Path(__file__).parents[1] / "web" / "templates" / "portal.html"

router = APIRouter(include_in_schema=False)


def _shell() -> HTMLResponse:
    return HTMLResponse(
        TEMPLATE.read_text("utf-8"),
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
        },
    )


@router.get("/portal")
@router.get("/portal/")
async def portal_home() -> HTMLResponse:
    return _shell()


@router.get("/portal/{path:path}")
async def portal_page(path: str) -> HTMLResponse:
    return _shell()
