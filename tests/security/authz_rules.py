"""The rule table of the authorization matrix (test_authorization_matrix.py).

Each group is a path prefix with a default rule; every operation is listed in its group (None:
the group's default), so a new endpoint fails the matrix until it is listed here. A rule gives,
for anonymous, provider admin, supervisor, A's operator and A's business user in that order, the
expected status class: "ok" (2xx) or a status; "x/y" is x for business A's things and y for
business B's. Where the allowed callers meet a state the world cannot avoid (a delivery that has
not failed, an operator who is offline) the rule names that status: they got past the checks of
who may call.
"""

from __future__ import annotations

ROLES = ("anonymous", "provider_admin", "supervisor", "operator", "business_user")

Op = tuple[str, str]
Rule = dict[str, str]  # role → expectation


def r(spec: str) -> Rule:
    """`r("401 ok ok 403 ok/404")`: one expectation per role, in ROLES order."""
    values = spec.split()
    assert len(values) == len(ROLES), spec
    return dict(zip(ROLES, values, strict=True))


PUBLIC = r("ok ok ok ok ok")
ANY_USER = r("401 ok ok ok ok")  # answers only about the caller's own things
# The provider's staff for every business; the operator serving it and its own people.
PEOPLE_OF = r("401 ok ok ok/404 ok/404")
MANAGERS = r("401 ok ok 403 403")  # provider admins and supervisors
ADMINS = r("401 ok 403 403 403")
# Managers, and the business's own people for their business (not operators).
MANAGERS_AND_CLIENT = r("401 ok ok 403/404 ok/404")
# The client's portal: the provider's managers see every business, a business user their own.
PORTAL = r("401 ok ok 403 ok/404")
STAFF_OF = r("401 ok ok ok/404 403")  # provider staff serving the business, not its users
# A logged-in caller sending its cookie from a client's site is refused as cross-site (the
# cookie is SameSite=Strict: a browser would not send it there at all).
WIDGET = r("ok 403 403 403 403")

GROUPS: dict[str, tuple[Rule, dict[str, Rule | None]]] = {
    "": (
        PUBLIC,
        {
            "GET /healthz": None,
            "GET /readyz": None,
            "GET /plan": None,
            "GET /plan/static/{name}": None,
        },
    ),
    "/api/v1/auth": (
        ANY_USER,
        {
            "POST /login": r("401 401 401 401 401"),  # a wrong password, whoever asks
            "POST /logout": PUBLIC,
            "POST /password": r("422 422 422 422 422"),  # an unknown link, whoever asks
            "GET /me": None,
            "GET /tokens": None,
            "POST /tokens": None,
            "DELETE /tokens/{token_id}": r("401 404 404 ok/404 404"),  # A's operator's token
        },
    ),
    # Files in a chat: whoever reads the conversation (its visitor too, by token: see
    # tests/attachments). Uploads need a file: allowed callers get past the checks to a 422.
    "/api/v1/attachments": (
        PEOPLE_OF,
        {"GET /{attachment_id}": None, "GET /{attachment_id}/thumbnail": None},
    ),
    "/api/v1/audit": (MANAGERS, {"GET ": None}),
    "/api/v1/billing": (
        MANAGERS,
        {
            "GET /statements": None,
            "GET /statements.csv": None,
            "GET /statements/{business_id}": PORTAL,
            "GET /usage": PORTAL,
            # Allowed callers get 409: the world's businesses have no usage to compare.
            "GET /in-house/{business_id}": r("401 409 409 403 409/404"),
        },
    ),
    "/api/v1/businesses": (
        ADMINS,
        {
            "GET ": ANY_USER,
            "POST ": None,
            "GET /{business_id}": PEOPLE_OF,
            "PATCH /{business_id}": None,
            "POST /{business_id}/activate": None,
            "POST /{business_id}/deactivate": None,
            "GET /{business_id}/contract": MANAGERS,
            "PUT /{business_id}/contract": None,
            "GET /{business_id}/contract/history": MANAGERS,
            "GET /{business_id}/opening-hours": MANAGERS,
            "PUT /{business_id}/opening-hours": None,
            "GET /{business_id}/opening-hours/preview": MANAGERS,
            "GET /{business_id}/portal-settings": PEOPLE_OF,
            "PUT /{business_id}/portal-settings": None,
            "GET /{business_id}/retention": PORTAL,
            "PUT /{business_id}/retention": None,
            "GET /{business_id}/widgets": MANAGERS,
            "POST /{business_id}/widgets": None,
            "GET /{business_id}/lead-settings": PEOPLE_OF,
            "PUT /{business_id}/lead-settings": MANAGERS_AND_CLIENT,
            "GET /{business_id}/delivery-routes": MANAGERS_AND_CLIENT,
            "POST /{business_id}/delivery-routes": MANAGERS_AND_CLIENT,
            "PATCH /{business_id}/delivery-routes/{route_id}": MANAGERS_AND_CLIENT,
            "DELETE /{business_id}/delivery-routes/{route_id}": MANAGERS_AND_CLIENT,
        },
    ),
    # The FAQ is the business's: its people and the provider's staff read it, the managers and
    # the business edit it; proposals are decided by the business itself.
    "/api/v1/businesses/{business_id}/faq": (
        PEOPLE_OF,
        {
            "GET ": None,
            "POST ": MANAGERS_AND_CLIENT,
            "GET /export": None,
            "POST /import": MANAGERS_AND_CLIENT,
            "GET /search": None,
            "GET /settings": None,
            "PUT /settings": r("401 ok 403 403/404 ok/404"),
            "GET /suggestion-log": None,
            "GET /learned": None,
            "DELETE /learned/{evidence_id}": MANAGERS_AND_CLIENT,
            "GET /confused": None,
            "GET /gaps": None,
            "GET /proposals": None,
            "GET /proposals/{proposal_id}": None,
            "POST /proposals/{proposal_id}/approve": r("401 403 403 403/404 ok/404"),
            "POST /proposals/{proposal_id}/reject": r("401 403 403 403/404 ok/404"),
            "GET /{faq_id}": None,
            "PATCH /{faq_id}": MANAGERS_AND_CLIENT,
            "DELETE /{faq_id}": MANAGERS_AND_CLIENT,
            "GET /{faq_id}/revisions": None,
            "POST /{faq_id}/revisions/{version}/restore": MANAGERS_AND_CLIENT,
        },
    ),
    "/api/v1/canned-responses": (
        ADMINS,
        {
            "GET ": r("401 ok ok ok 403"),
            "POST ": None,
            "PATCH /{canned_id}": None,
            "DELETE /{canned_id}": None,
        },
    ),
    "/api/v1/conversations": (
        PEOPLE_OF,
        {
            "GET ": ANY_USER,  # filtered to what the caller may see
            "GET /search": STAFF_OF,
            "GET /{conversation_id}": None,
            "GET /{conversation_id}/messages": None,
            "GET /{conversation_id}/lead-draft": r("401 ok ok ok/404 403/404"),
            "POST /{conversation_id}/leads": r("401 ok ok ok/404 403/404"),
            "GET /{conversation_id}/transfer-targets": STAFF_OF,
            "POST /{conversation_id}/faq-proposals": STAFF_OF,
            "POST /{conversation_id}/faq-evidence": STAFF_OF,
            # Only the business's own people join a chat as its experts; leaving one they have
            # not joined is a 409 for them, and refused for everyone else.
            "POST /{conversation_id}/join": r("401 403 403 403/404 ok/404"),
            "POST /{conversation_id}/leave": r("401 403 403 403/404 409/404"),
            # A business user only as a joined expert.
            "POST /{conversation_id}/attachments": r("401 422 422 422/404 403/404"),
            # Seq 1 is not a bot suggestion: staff get past the checks to a 404.
            "POST /{conversation_id}/suggestions/{seq}/used": r("401 404 404 404 403"),
        },
    ),
    "/api/v1/deliveries": (
        MANAGERS_AND_CLIENT,
        {
            "GET /flagged": r("401 ok ok 403 ok"),  # filtered to the caller's business
            "POST /{delivery_id}/retry": r("401 409 409 403 409/404"),  # it has not failed
        },
    ),
    "/api/v1/floor": (
        MANAGERS,
        {
            "GET ": r("401 ok ok ok 403"),
            "POST /conversations/{conversation_id}/assign": r("401 409 409 403 403"),  # offline
            "POST /operators/{operator_id}/presence": None,
        },
    ),
    "/api/v1/knowledge": (ANY_USER, {"GET /settings": None}),
    "/api/v1/leads": (
        PEOPLE_OF,
        {
            "GET ": ANY_USER,  # filtered to what the caller may see
            "GET /export": None,
            "GET /{lead_id}": None,
            "GET /{lead_id}/deliveries": None,
            "POST /{lead_id}/review": MANAGERS_AND_CLIENT,
        },
    ),
    "/api/v1/plan": (PUBLIC, {"GET ": None, "POST ": None, "GET /chart/{name}.svg": None}),
    "/api/v1/portal": (
        PORTAL,
        {
            "GET /features": ANY_USER,
            "GET /configuration": None,
            "GET /counts": None,
            "GET /today": None,
            "GET /transcripts": None,
            "GET /transcripts/export": None,
            "GET /transcripts/{conversation_id}": None,
            "GET /change-requests": r("401 ok ok 403 ok"),
            "POST /change-requests": r("401 403 403 403 ok/404"),  # the business asks
            "GET /change-requests/{request_id}": None,
            "POST /change-requests/{request_id}/approve": ADMINS,
            "POST /change-requests/{request_id}/reject": ADMINS,
        },
    ),
    "/api/v1/privacy": (
        ADMINS,
        {
            "GET /purges": None,
            "POST /subjects/search": None,
            "POST /subjects/export": None,
            "POST /subjects/erase": None,
        },
    ),
    "/api/v1/reports": (
        PEOPLE_OF,
        {
            "GET /summary": None,
            "GET /heatmap": None,
            "GET /routing": None,
            "GET /{table}.csv": None,
            "GET /operators": STAFF_OF,
            "GET /bot": PORTAL,  # per business: not for operators
        },
    ),
    "/api/v1/users": (
        MANAGERS,
        {
            "GET ": None,
            "POST ": None,
            "GET /{user_id}": None,
            "PATCH /{user_id}": None,
            "POST /{user_id}/activate": None,
            "POST /{user_id}/deactivate": None,
            "PUT /{user_id}/operator": None,
            # The target has no e-mail address: a 422 naming the field, for those allowed.
            "POST /{user_id}/password-link": r("401 422 422 403 403"),
        },
    ),
    "/api/v1/widget/{key}": (
        WIDGET,
        {
            "GET /config": PUBLIC,
            "GET /availability": PUBLIC,
            "POST /session": None,
            "POST /offline": None,
            "POST /transcript": r("404 403 403 403 403"),  # an unknown visitor token
            "POST /conversations/{conversation_id}/attachments": r("401 403 403 403 403"),
        },
    ),
    "/api/v1/widgets": (
        ADMINS,
        {
            "GET /{widget_id}": MANAGERS,
            "PATCH /{widget_id}": None,
            "POST /{widget_id}/activate": None,
            "POST /{widget_id}/deactivate": None,
        },
    ),
}


def _rules() -> dict[Op, Rule]:
    rules: dict[Op, Rule] = {}
    for prefix, (default, operations) in GROUPS.items():
        for key, rule in operations.items():
            method, _, rest = key.partition(" ")
            op = (method, prefix + rest)
            assert op not in rules, f"{op} listed twice"
            rules[op] = rule or default
    return rules


RULES = _rules()


def expected_status(op: Op, role: str, side: str) -> str:
    value = RULES[op][role]
    own, _, other = value.partition("/")
    return own if side == "own" or not other else other
