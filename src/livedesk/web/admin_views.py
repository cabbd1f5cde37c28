"""The back office at /admin: one shell page; the browser routes between its pages itself.

Every path under /admin gets the same page (so a reload or a shared link lands where it
pointed); which pages a user may see is decided by the API behind them, not here."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from livedesk.security.headers import APP_POLICY

TEMPLATE = Path(__file__).parent / "templates" / "admin.html"

# The app pages' policy, plus frames from this server: a widget's page shows its live preview
# (/admin/preview/{key}) in an iframe. The shell itself is never framed.
SHELL_POLICY = "; ".join(
    f"{name.replace('_', '-')} {value}"
    for name, value in {**APP_POLICY, "frame_src": "'self'", "frame_ancestors": "'none'"}.items()
)

# Paths under /admin that are other pages, not the shell: the widget preview is its own page
# (framed by the shell), so an unknown key there is a 404, never the back office in a frame.
NOT_THE_SHELL = ("preview/",)

router = APIRouter(include_in_schema=False)


def _shell() -> HTMLResponse:
    return HTMLResponse(
        TEMPLATE.read_text("utf-8"),
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": SHELL_POLICY,
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
        },
    )


@router.get("/admin")
@router.get("/admin/")
async def admin_home() -> HTMLResponse:
    return _shell()


@router.get("/admin/{path:path}")
async def admin_page(path: str) -> Response:
    if path.startswith(NOT_THE_SHELL):
        return Response(status_code=404)
    return _shell()
