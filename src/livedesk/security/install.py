"""Puts the HTTP hardening into an app: security headers, request body caps, refusing
cookie-carrying requests from foreign pages, and refusing text no database can store.

`create_app` calls `install_security(app)` once, after the routes are in place. The login
throttle needs no installing (the login view makes it on first use), and the trusted-proxy
setting is the server's business: see security/proxies.py.
"""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.security.bodylimit import BodyLimitMiddleware, BodyTooLarge, body_too_large_handler
from livedesk.security.cross_site import CrossSiteMiddleware
from livedesk.security.headers import DocsPages, SecurityHeadersMiddleware
from livedesk.security.text_input import TextInputMiddleware


def install_security(app: FastAPI) -> None:
    if getattr(app.state, "security_installed", False):
        return
    app.state.security_installed = True
    # Added last = outermost: the headers also go on the 413s and 403s answered below them.
    # Innermost: text no database can store is refused once the body caps have applied.
    app.add_middleware(TextInputMiddleware)
    app.add_middleware(CrossSiteMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, docs=DocsPages(app))
    # A streamed body that passes its cap mid-read surfaces in the endpoint as this exception.
    app.add_exception_handler(BodyTooLarge, body_too_large_handler)


install = install_security  # the shape of every domain's install(app)
