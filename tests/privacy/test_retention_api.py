"""A business's retention periods over HTTP: defaults, changes by provider admins only, the audit
trail, bad input, and who may read them."""

from __future__ import annotations

from roles_testing import AccessCheck, LoginAs

from livedesk_testing import Tenant, World

PERIODS = {"transcripts_months": 18, "offline_messages_months": 3, "leads_months": 36}


async def test_defaults_then_a_change_that_is_audited(
    admin: str, world: World, login_as: LoginAs
) -> None:
    url = f"/api/v1/businesses/{world.a.business_id}/retention"
    async with await login_as(admin) as http:
        got = (await http.get(url)).json()
        assert got == {
            "business_id": world.a.business_id,
            "transcripts_months": 12,
            "offline_messages_months": 6,
            "leads_months": 24,
            "is_default": True,
            "updated_at": None,
        }
        r = await http.put(url, json=PERIODS)
        assert r.status_code == 200, r.text
        assert {k: r.json()[k] for k in PERIODS} == PERIODS and r.json()["is_default"] is False
        assert {k: (await http.get(url)).json()[k] for k in PERIODS} == PERIODS
        # The other business keeps the defaults.
        other = (await http.get(f"/api/v1/businesses/{world.b.business_id}/retention")).json()
        assert other["transcripts_months"] == 12 and other["is_default"] is True

        audit = await http.get(
            "/api/v1/audit", params={"business_id": world.a.business_id, "entity": "retention"}
        )
        [entry] = audit.json()
        assert entry["action"] == "update" and entry["actor"]["name"] == "Admin"
        assert entry["before"] == {
            "leads_months": 24,
            "offline_messages_months": 6,
            "transcripts_months": 12,
        }
        assert entry["after"] == {
            "leads_months": 36,
            "offline_messages_months": 3,
            "transcripts_months": 18,
        }
        # The same periods again change nothing and add no entry.
        assert (await http.put(url, json=PERIODS)).status_code == 200
        again = await http.get(
            "/api/v1/audit", params={"business_id": world.a.business_id, "entity": "retention"}
        )
        assert len(again.json()) == 1


async def test_bad_periods_name_the_field_and_keep_what_was_saved(
    admin: str, world: World, login_as: LoginAs
) -> None:
    url = f"/api/v1/businesses/{world.a.business_id}/retention"
    async with await login_as(admin) as http:
        assert (await http.put(url, json=PERIODS)).status_code == 200
        r = await http.put(
            url,
            json={**PERIODS, "transcripts_months": 0, "leads_months": "lang"},
            headers={"Accept-Language": "nl"},
        )
        assert r.status_code == 422
        fields = r.json()["data"]["fields"]
        assert set(fields) == {"transcripts_months", "leads_months"}
        assert fields["transcripts_months"] == "Dit moet minstens 1 zijn."
        r = await http.put(
            url,
            json={"transcripts_months": 121, "offline_messages_months": 1},
            headers={"Accept-Language": "en"},
        )
        assert r.status_code == 422
        assert r.json()["data"]["fields"] == {
            "transcripts_months": "This must be at most 120.",
            "leads_months": "This field is required.",
        }
        r = await http.put(url, json={**PERIODS, "forever": True})
        assert r.status_code == 422 and "forever" in r.json()["data"]["fields"]
        got = (await http.get(url)).json()
        assert {k: got[k] for k in PERIODS} == PERIODS


async def test_who_may_read_and_change_retention(access_check: AccessCheck) -> None:
    def read(tenant: Tenant) -> tuple[str, str, None]:
        return "GET", f"/api/v1/businesses/{tenant.business_id}/retention", None

    def change(tenant: Tenant) -> tuple[str, str, dict[str, int]]:
        return "PUT", f"/api/v1/businesses/{tenant.business_id}/retention", PERIODS

    # The business is the controller: its own users read its periods; operators have no need.
    assert (
        await access_check(
            read,
            {
                "admin": (200, 200),
                "supervisor": (200, 200),
                "operator": (403, 403),
                "business_user": (200, 404),
                "anonymous": (401, 401),
            },
        )
        == []
    )
    assert (
        await access_check(
            change,
            {
                "admin": (200, 200),
                "supervisor": (403, 403),
                "operator": (403, 403),
                "business_user": (403, 403),
                "anonymous": (401, 401),
            },
        )
        == []
    )


async def test_an_unknown_business_is_not_found(admin: str, login_as: LoginAs) -> None:
    async with await login_as(admin) as http:
        assert (await http.get("/api/v1/businesses/nope/retention")).status_code == 404
        assert (
            await http.put("/api/v1/businesses/nope/retention", json=PERIODS)
        ).status_code == 404
