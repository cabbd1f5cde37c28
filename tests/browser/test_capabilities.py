"""The widget and the console show a feature only when /ui/capabilities reports its route. On a
full server every feature is there, a route that is gone is reported gone, and a schema that
cannot be built is an error rather than a server that quietly lost its features."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.web.views import capabilities

from livedesk_testing import LiveServer

# Listed here, not read from the server: a feature that disappears must fail this test.
EXPECTED = (
    "availability",
    "offline",
    "transcript",
    "floor",
    "faq_search",
    "faq_proposals",
    "leads",
    "lead_draft",
)


async def test_a_full_server_reports_every_feature(server: LiveServer) -> None:
    async with server.http() as http:
        r = await http.get("/ui/capabilities")
    assert r.status_code == 200, r.text
    assert r.json() == dict.fromkeys(EXPECTED, True)


def test_a_missing_route_is_reported_missing() -> None:
    app = FastAPI()

    @app.get("/api/v1/widget/{widget_key}/availability")  # another parameter name: same route
    async def availability(widget_key: str) -> dict[str, Any]:
        return {}

    assert capabilities(app) == {name: name == "availability" for name in EXPECTED}


def test_a_broken_schema_is_an_error_not_missing_features() -> None:
    app = FastAPI()

    def broken_schema() -> dict[str, Any]:
        raise RuntimeError("the OpenAPI document cannot be built")

    app.openapi = broken_schema  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="cannot be built"):
        capabilities(app)
