"""How the authorization matrix calls an operation: its path filled from the two-business world,
the query parameters it requires, and a minimal valid body, so that a caller who is allowed gets
past validation to the real answer."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from authz_world import AuthzWorld, make_chat

Op = tuple[str, str]  # (METHOD, path template)
MONTH = "2026-11"
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}
_counter = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


# Query parameters an operation requires, given the side's ids.
QUERY: dict[Op, Callable[[dict[str, str]], dict[str, str]]] = {
    ("GET", "/api/v1/billing/statements"): lambda p: {"month": MONTH},
    ("GET", "/api/v1/billing/statements.csv"): lambda p: {"month": MONTH},
    ("GET", "/api/v1/billing/statements/{business_id}"): lambda p: {"month": MONTH},
    ("GET", "/api/v1/billing/usage"): lambda p: {"business_id": p["business_id"], "month": MONTH},
    ("GET", "/api/v1/billing/in-house/{business_id}"): lambda p: {"month": MONTH},
    ("POST", "/api/v1/businesses/{business_id}/faq/import"): lambda p: {"format": "json"},
    ("GET", "/api/v1/businesses/{business_id}/faq/search"): lambda p: {"q": "afspraak"},
    ("GET", "/api/v1/leads/export"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/leads"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/audit"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/conversations"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/conversations/search"): lambda p: {
        "business_id": p["business_id"],
        "q": "afspraak",
    },
    ("GET", "/api/v1/reports/heatmap"): lambda p: {**PERIOD, "business_id": p["business_id"]},
    ("GET", "/api/v1/reports/operators"): lambda p: {**PERIOD, "business_id": p["business_id"]},
    ("GET", "/api/v1/reports/summary"): lambda p: {**PERIOD, "business_id": p["business_id"]},
    ("GET", "/api/v1/reports/bot"): lambda p: {**PERIOD, "business_id": p["business_id"]},
    ("GET", "/api/v1/reports/{table}.csv"): lambda p: {**PERIOD, "business_id": p["business_id"]},
    ("GET", "/api/v1/reports/routing"): lambda p: {
        "business_id": p["business_id"],
        "start": "2026-11-01T00:00:00Z",
        "end": "2026-11-30T00:00:00Z",
    },
    ("GET", "/api/v1/portal/transcripts"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/portal/today"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/portal/counts"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/portal/configuration"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/portal/transcripts/export"): lambda p: {"business_id": p["business_id"]},
    ("GET", "/api/v1/businesses/{business_id}/opening-hours/preview"): lambda p: {
        "date": "2026-12-01"
    },
}

HOURS = {"weekly": {"mon": [["09:00", "17:00"]]}, "exceptions": {}}
CONTRACT = {
    "first_reply_seconds": 30,
    "first_reply_share": 0.8,
    "max_queue_wait_seconds": 120,
    "outside_hours": "offline_form",
    "overflow": "offline_form",
    "priority": 0,
}
FAQ_FILE = [{"question": "Openingstijden?", "answer": "Van negen tot vijf."}]

# A minimal valid body per operation that takes one, given the side's ids.
BODIES: dict[Op, Callable[[dict[str, str]], Any]] = {
    ("POST", "/api/v1/auth/login"): lambda p: {"username": "nobody", "password": "wrong"},
    ("POST", "/api/v1/auth/password"): lambda p: {"token": "no-such-link", "password": "x" * 12},
    ("POST", "/api/v1/auth/tokens"): lambda p: {"name": "matrix"},
    ("POST", "/api/v1/plan"): lambda p: {},  # every input has a default
    ("POST", "/api/v1/businesses"): lambda p: {"name": "Nieuw BV", "slug": _unique("nieuw-")},
    ("PATCH", "/api/v1/businesses/{business_id}"): lambda p: {"name": "Hernoemd BV"},
    ("PUT", "/api/v1/businesses/{business_id}/contract"): lambda p: CONTRACT,
    ("PUT", "/api/v1/businesses/{business_id}/opening-hours"): lambda p: HOURS,
    ("PUT", "/api/v1/businesses/{business_id}/lead-settings"): lambda p: {"review_window_days": 7},
    ("PUT", "/api/v1/businesses/{business_id}/portal-settings"): lambda p: {
        "experts_may_join": True
    },
    ("PUT", "/api/v1/businesses/{business_id}/faq/settings"): lambda p: {"bot_enabled": True},
    ("PUT", "/api/v1/businesses/{business_id}/retention"): lambda p: {
        "transcripts_months": 12,
        "offline_messages_months": 6,
        "leads_months": 24,
    },
    ("POST", "/api/v1/businesses/{business_id}/widgets"): lambda p: {"name": "Tweede site"},
    ("PATCH", "/api/v1/widgets/{widget_id}"): lambda p: {"name": "Hernoemd"},
    ("POST", "/api/v1/businesses/{business_id}/delivery-routes"): lambda p: {
        "kind": "email",
        "emails": ["leads@example.nl"],
    },
    ("PATCH", "/api/v1/businesses/{business_id}/delivery-routes/{route_id}"): lambda p: {
        "name": "verkoop"
    },
    ("POST", "/api/v1/businesses/{business_id}/faq"): lambda p: {
        "question": _unique("Parkeren bij vestiging "),  # a duplicate question is a 409
        "answer": "Achter het pand.",
    },
    ("PATCH", "/api/v1/businesses/{business_id}/faq/{faq_id}"): lambda p: {"answer": "Gratis."},
    ("POST", "/api/v1/businesses/{business_id}/faq/import"): lambda p: FAQ_FILE,
    ("POST", "/api/v1/businesses/{business_id}/faq/proposals/{proposal_id}/approve"): lambda p: {},
    ("POST", "/api/v1/businesses/{business_id}/faq/proposals/{proposal_id}/reject"): lambda p: {},
    ("POST", "/api/v1/canned-responses"): lambda p: {
        "business_id": p["business_id"],
        "shortcut": _unique("kort"),
        "title": "Kort",
        "body": "Een moment.",
    },
    ("PATCH", "/api/v1/canned-responses/{canned_id}"): lambda p: {"title": "Langer"},
    ("POST", "/api/v1/conversations/{conversation_id}/faq-proposals"): lambda p: {
        "question": _unique("Fietsenstalling "),
        "answer": "Naast de ingang.",
    },
    ("POST", "/api/v1/conversations/{conversation_id}/leads"): lambda p: {
        "kind": "sales_lead",
        "name": "Ann",
        "email": "ann@example.nl",
        "intent": "offerte",
        "consent": True,
    },
    ("POST", "/api/v1/conversations/{conversation_id}/faq-evidence"): lambda p: {
        "seq": 1,
        "faq_id": p["faq_id"],
        "body": "Vijftig euro.",
    },
    ("POST", "/api/v1/conversations/{conversation_id}/suggestions/{seq}/used"): lambda p: {
        "faq_id": p["faq_id"]
    },
    ("POST", "/api/v1/floor/conversations/{conversation_id}/assign"): lambda p: {
        "operator_id": p["operator_id"]
    },
    ("POST", "/api/v1/floor/operators/{operator_id}/presence"): lambda p: {"state": "away"},
    ("POST", "/api/v1/leads/{lead_id}/review"): lambda p: {"decision": "accepted"},
    ("POST", "/api/v1/portal/change-requests"): lambda p: {
        "kind": "guidelines",
        "business_id": p["business_id"],
        "guidelines": {"tone": "vriendelijk"},
    },
    ("POST", "/api/v1/portal/change-requests/{request_id}/approve"): lambda p: {"note": ""},
    ("POST", "/api/v1/portal/change-requests/{request_id}/reject"): lambda p: {"note": "nee"},
    ("POST", "/api/v1/users"): lambda p: {
        "username": _unique("nieuw"),
        "display_name": "Nieuw",
        "role": "operator",
        "operator": {"businesses": [p["business_id"]]},
    },
    ("PATCH", "/api/v1/users/{user_id}"): lambda p: {"display_name": "Andere naam"},
    ("PUT", "/api/v1/users/{user_id}/operator"): lambda p: {
        "businesses": [p["business_id"]],
        "max_concurrent": 3,
    },
    ("POST", "/api/v1/privacy/subjects/search"): lambda p: {
        "email": "nobody@example.nl",
        "business_id": p["business_id"],
    },
    ("POST", "/api/v1/privacy/subjects/export"): lambda p: {
        "email": "nobody@example.nl",
        "business_id": p["business_id"],
    },
    ("POST", "/api/v1/privacy/subjects/erase"): lambda p: {
        "email": "nobody@example.nl",
        "business_id": p["business_id"],
    },
    ("POST", "/api/v1/widget/{key}/session"): lambda p: {},
    ("POST", "/api/v1/widget/{key}/offline"): lambda p: {
        "name": "Ann",
        "email": "ann@example.nl",
        "question": "Bel me",
        "consent": True,
    },
    ("POST", "/api/v1/widget/{key}/transcript"): lambda p: {
        "token": "no-such-token",
        "email": "ann@example.nl",
    },
}

# Path parameters that differ from the world's for one operation.
PATHS: dict[Op, dict[str, str]] = {("GET", "/plan/static/{name}"): {"name": "plan.js"}}

# Operations that use their object up (delete it, decide it, change its state): each call gets
# a fresh one, so that who may call them does not depend on who called first.
FRESH: dict[Op, tuple[str, ...]] = {
    ("DELETE", "/api/v1/businesses/{business_id}/faq/{faq_id}"): ("faq_id",),
    ("POST", "/api/v1/businesses/{business_id}/faq/{faq_id}/revisions/{version}/restore"): (
        "faq_id",
    ),
    ("DELETE", "/api/v1/canned-responses/{canned_id}"): ("canned_id",),
    ("DELETE", "/api/v1/businesses/{business_id}/faq/learned/{evidence_id}"): ("evidence_id",),
    ("DELETE", "/api/v1/businesses/{business_id}/delivery-routes/{route_id}"): ("route_id",),
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): ("token_id",),
    ("POST", "/api/v1/businesses/{business_id}/faq/proposals/{proposal_id}/approve"): (
        "proposal_id",
    ),
    ("POST", "/api/v1/businesses/{business_id}/faq/proposals/{proposal_id}/reject"): (
        "proposal_id",
    ),
    ("POST", "/api/v1/portal/change-requests/{request_id}/approve"): ("request_id",),
    ("POST", "/api/v1/portal/change-requests/{request_id}/reject"): ("request_id",),
    ("POST", "/api/v1/leads/{lead_id}/review"): ("lead_id",),
}

# Undone after each call (as the provider admin), so the world stays as it was.
UNDO: dict[Op, str] = {
    (
        "POST",
        "/api/v1/businesses/{business_id}/deactivate",
    ): "/api/v1/businesses/{business_id}/activate",
    ("POST", "/api/v1/widgets/{widget_id}/deactivate"): "/api/v1/widgets/{widget_id}/activate",
    ("POST", "/api/v1/users/{user_id}/deactivate"): "/api/v1/users/{user_id}/activate",
}


async def params_for(world: AuthzWorld, op: Op, side: str) -> dict[str, str]:
    """The side's ids, with a fresh conversation for anything that changes one and fresh
    objects for the operations that use theirs up."""
    params = {**world.side(side), **PATHS.get(op, {})}
    method, path = op
    if method != "GET" and "{conversation_id}" in path:
        params["conversation_id"] = await make_chat(world.server, world.tenant(side))
    for name in FRESH.get(op, ()):
        params[name] = await world.factories[name](side)
    return params
