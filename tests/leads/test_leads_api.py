"""Leads over HTTP: filing from a chat, drafts, the offline form, review, export and scoping."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from leads_helpers import client_for, make_chat
from sqlalchemy import update

from livedesk.businesses.models import Business
from livedesk.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from livedesk.leads.models import Lead
from livedesk.settings import Settings

from livedesk_testing import ORIGIN_A, LiveServer, World, visitor_token


async def test_draft_prefills_and_operator_files_lead(
    live: LiveServer, world: World, settings: Settings
) -> None:
    cid = await make_chat(
        settings,
        world.a,
        [
            "Hallo, mijn naam is Jan de Vries en ik wil een offerte voor een leasecontract",
            "Bel me op 06-12345678 of mail jan.devries@example.nl.",
        ],
        prechat={"naam": ""},
    )
    async with await client_for(live, world.a.operator) as op:
        draft = (await op.get(f"/api/v1/conversations/{cid}/lead-draft")).json()
        assert draft["email"] == "jan.devries@example.nl"
        assert draft["phone"] == "0612345678"
        assert draft["name"] == "Jan de Vries"
        assert "offerte" in draft["intent"]

        r = await op.post(
            f"/api/v1/conversations/{cid}/leads",
            json={
                **{k: draft[k] for k in ("name", "email", "phone", "intent")},
                "kind": "callback_request",
                "notes": "belt na 17u",
            },
        )
        assert r.status_code == 201, r.text
        lead = r.json()
        assert lead["kind"] == "callback_request" and lead["status"] == "new"
        assert lead["conversation_id"] == cid and lead["source"] == "operator"

        got = (await op.get(f"/api/v1/leads/{lead['id']}")).json()
        assert [h["to"] for h in got["history"]] == ["new"]

    # The operator of the other business cannot see the chat, the draft or the lead.
    async with await client_for(live, world.b.operator) as other:
        assert (await other.get(f"/api/v1/conversations/{cid}/lead-draft")).status_code == 404
        r = await other.post(f"/api/v1/conversations/{cid}/leads", json={"email": "x@y.nl"})
        assert r.status_code == 404
        assert (await other.get(f"/api/v1/leads/{lead['id']}")).status_code == 404
        assert (await other.get(f"/api/v1/leads/{lead['id']}/deliveries")).status_code == 404
        assert (await other.get("/api/v1/leads")).json()["items"] == []
        listed = await other.get("/api/v1/leads", params={"business_id": world.a.business_id})
        assert listed.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    # A business user reads its own leads but does not file them.
    async with await client_for(live, world.a.business_user) as biz:
        assert [x["id"] for x in (await biz.get("/api/v1/leads")).json()["items"]] == [lead["id"]]
        r = await biz.post(f"/api/v1/conversations/{cid}/leads", json={"email": "a@b.nl"})
        assert r.status_code == 403


async def test_lead_validation_and_qualification_fields(
    live: LiveServer, world: World, settings: Settings
) -> None:
    cid = await make_chat(settings, world.a, ["Ik zoek een auto"])
    fields = [
        {"key": "kenteken", "label": "Kenteken", "type": "text", "required": True},
        {
            "key": "gewenste_looptijd",
            "label": "Gewenste looptijd",
            "type": "choice",
            "choices": ["24", "36", "48"],
        },
        {"key": "km_per_jaar", "label": "Km per jaar", "type": "number"},
    ]
    async with await client_for(live, world.a.business_user) as biz:
        r = await biz.put(
            f"/api/v1/businesses/{world.a.business_id}/lead-settings",
            json={"qualification_fields": fields, "review_window_days": 7},
        )
        assert r.status_code == 200, r.text
        assert r.json()["review_window_days"] == 7
        bad = await biz.put(
            f"/api/v1/businesses/{world.a.business_id}/lead-settings",
            json={"qualification_fields": [{"key": "Bad Key", "label": "x"}]},
        )
        assert bad.status_code == 422
    async with await client_for(live, world.b.business_user) as other:
        r = await other.put(
            f"/api/v1/businesses/{world.a.business_id}/lead-settings",
            json={"review_window_days": 1},
        )
        assert r.status_code == 404
    async with await client_for(live, world.a.operator) as op:
        assert (
            await op.put(
                f"/api/v1/businesses/{world.a.business_id}/lead-settings",
                json={"review_window_days": 1},
            )
        ).status_code == 403
        url = f"/api/v1/conversations/{cid}/leads"
        r = await op.post(url, json={"name": "Piet", "intent": "auto"})
        assert r.status_code == 422
        locs = {tuple(e["loc"]) for e in r.json()["data"]["errors"]}
        assert ("body", "email") in locs and ("body", "qualification", "kenteken") in locs

        r = await op.post(
            url,
            json={
                "email": "niet-een-adres",
                "phone": "12",
                "qualification": {
                    "kenteken": "AB-123-C",
                    "gewenste_looptijd": "12",
                    "kleur": "rood",
                },
            },
        )
        errors = {tuple(e["loc"]): e["type"] for e in r.json()["data"]["errors"]}
        assert errors == {
            ("body", "email"): "email",
            ("body", "phone"): "phone",
            ("body", "qualification", "gewenste_looptijd"): "choice",
            ("body", "qualification", "kleur"): "unknown",
        }

        r = await op.post(
            url,
            json={
                "phone": "+31 6 1234 5678",
                "qualification": {
                    "kenteken": "AB-123-C",
                    "gewenste_looptijd": "36",
                    "km_per_jaar": "15000",
                },
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["phone"] == "+31612345678"
        assert r.json()["qualification"] == {
            "kenteken": "AB-123-C",
            "gewenste_looptijd": "36",
            "km_per_jaar": 15000,
        }


async def test_offline_form_cors_validation_and_rate_limit(live: LiveServer, world: World) -> None:
    url = f"/api/v1/widget/{world.a.widget_key}/offline"
    token = await visitor_token(live, world.a.widget_key, ORIGIN_A)
    async with live.http(headers={"origin": ORIGIN_A}) as http:
        pre = await http.options(url, headers={"access-control-request-method": "POST"})
        assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == ORIGIN_A

        r = await http.post(
            url, json={"name": "Els", "email": "els@", "question": "", "consent": False}
        )
        assert r.status_code == 422
        assert r.headers["access-control-allow-origin"] == ORIGIN_A  # readable by the widget
        errors = {e["loc"][-1]: e["type"] for e in r.json()["data"]["errors"]}
        assert errors == {"email": "email", "question": "required", "consent": "consent"}

        r = await http.post(url, json={"email": 12})
        assert r.status_code == 422 and r.json()["data"]["errors"][0]["loc"] == ["body", "email"]
        assert r.headers["access-control-allow-origin"] == ORIGIN_A

        question = "Wat kost onderhoud?\n" + "x" * 5000  # long text arrives whole
        r = await http.post(
            url,
            json={
                "name": "Els",
                "email": "els@example.nl",
                "question": question,
                "consent": True,
                "token": token,
            },
        )
        assert r.status_code == 201, r.text
        assert r.headers["access-control-allow-origin"] == ORIGIN_A
        lead_id = r.json()["lead_id"]

    async with live.http(headers={"origin": "https://evil.example"}) as http:
        r = await http.post(url, json={"email": "a@b.nl", "question": "q", "consent": True})
        assert r.status_code == 403 and r.json()["code"] == "origin_not_allowed"

    async with await client_for(live, world.a.business_user) as biz:
        lead = (await biz.get(f"/api/v1/leads/{lead_id}")).json()
        assert lead["kind"] == "offline_message" and lead["intent"] == question.strip()
        assert lead["consent"] is True and lead["source"] == "offline_form"
    async with await client_for(live, world.b.business_user) as other:
        assert (await other.get(f"/api/v1/leads/{lead_id}")).status_code == 404

    # The per-IP limit: with a burst of 2 and no refill, the third quick message is refused.
    service = live.runtime.extensions["leads"]
    service.settings.offline_burst = 2
    service.settings.offline_per_ip_per_minute = 0.5  # no refill within the test
    service._buckets.clear()
    async with live.http() as http:
        codes = [
            (
                await http.post(url, json={"email": "a@b.nl", "question": "q", "consent": True})
            ).status_code
            for _ in range(3)
        ]
    assert codes == [201, 201, 429]


async def test_review_window_status_history(
    live: LiveServer, world: World, settings: Settings
) -> None:
    cid = await make_chat(settings, world.a, ["Interesse"])
    async with await client_for(live, world.a.operator) as op:
        ids = [
            (
                await op.post(
                    f"/api/v1/conversations/{cid}/leads", json={"email": f"v{i}@example.nl"}
                )
            ).json()["id"]
            for i in range(3)
        ]
        # Operators do not review.
        r = await op.post(f"/api/v1/leads/{ids[0]}/review", json={"decision": "accepted"})
        assert r.status_code == 403
    async with await client_for(live, world.b.business_user) as other:
        r = await other.post(f"/api/v1/leads/{ids[0]}/review", json={"decision": "accepted"})
        assert r.status_code == 404
    async with await client_for(live, world.a.business_user) as biz:
        r = await biz.post(f"/api/v1/leads/{ids[0]}/review", json={"decision": "accepted"})
        assert r.status_code == 200 and r.json()["status"] == "accepted"
        r = await biz.post(f"/api/v1/leads/{ids[0]}/review", json={"decision": "disputed"})
        assert r.status_code == 422  # a reason is required
        r = await biz.post(
            f"/api/v1/leads/{ids[0]}/review",
            json={"decision": "disputed", "reason": "bestaande klant"},
        )
        assert [(h["from"], h["to"]) for h in r.json()["history"]] == [
            (None, "new"),
            ("new", "accepted"),
            ("accepted", "disputed"),
        ]
        assert r.json()["history"][-1]["reason"] == "bestaande klant"

        r = await biz.post(
            f"/api/v1/leads/{ids[1]}/review", json={"decision": "rejected", "reason": "spam"}
        )
        assert r.json()["status"] == "rejected"
        r = await biz.post(f"/api/v1/leads/{ids[1]}/review", json={"decision": "accepted"})
        assert r.status_code == 409 and r.json()["code"] == "invalid_review"

        # Fifteen days later the default 14-day window has closed.
        engine = make_engine(settings)
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await session.execute(
                update(Lead)
                .where(Lead.id == ids[2])
                .values(created_at=utcnow() - timedelta(days=15))
            )
        await engine.dispose()
        r = await biz.post(
            f"/api/v1/leads/{ids[2]}/review", json={"decision": "rejected", "reason": "te laat"}
        )
        assert r.status_code == 409 and r.json()["code"] == "review_window_closed"
        assert r.json()["data"]["window_days"] == 14
        # …unless the business has a longer window.
        await biz.put(
            f"/api/v1/businesses/{world.a.business_id}/lead-settings",
            json={"review_window_days": 30},
        )
        r = await biz.post(
            f"/api/v1/leads/{ids[2]}/review", json={"decision": "rejected", "reason": "te laat"}
        )
        assert r.status_code == 200

        statuses = await biz.get("/api/v1/leads", params={"status": "rejected"})
        assert sorted(x["id"] for x in statuses.json()["items"]) == sorted(ids[1:])


async def test_list_pagination_filters_and_export(
    live: LiveServer, world: World, settings: Settings
) -> None:
    cid_a = await make_chat(settings, world.a, ["a"])
    cid_b = await make_chat(settings, world.b, ["b"])
    async with await client_for(live, "super") as sup:
        for i in range(5):
            r = await sup.post(
                f"/api/v1/conversations/{cid_a}/leads",
                json={
                    "email": f"a{i}@example.nl",
                    "kind": "sales_lead",
                    "intent": '=HYPERLINK("http://x")' if i == 0 else "ok",
                },
            )
            assert r.status_code == 201
        await sup.post(
            f"/api/v1/conversations/{cid_b}/leads",
            json={"phone": "0201234567", "kind": "question_for_business"},
        )
        page1 = (await sup.get("/api/v1/leads", params={"limit": 4})).json()
        page2 = (await sup.get("/api/v1/leads", params={"limit": 4, "offset": 4})).json()
        assert page1["total"] == 6 and len(page1["items"]) == 4 and len(page2["items"]) == 2
        assert not {x["id"] for x in page1["items"]} & {x["id"] for x in page2["items"]}
        only_b = (await sup.get("/api/v1/leads", params={"kind": "question_for_business"})).json()
        assert [x["business_id"] for x in only_b["items"]] == [world.b.business_id]
        future = (utcnow() + timedelta(hours=1)).isoformat()
        assert (await sup.get("/api/v1/leads", params={"from": future})).json()["total"] == 0
        bad = await sup.get("/api/v1/leads", params={"from": "2026-01-01"})  # no zone
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_period"

    async with await client_for(live, world.a.business_user) as biz:
        assert (await biz.get("/api/v1/leads")).json()["total"] == 5
        r = await biz.get("/api/v1/leads/export", params={"business_id": world.a.business_id})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert len(rows) == 5 and {row["email"] for row in rows} == {
            f"a{i}@example.nl" for i in range(5)
        }
        assert any(row["intent"].startswith("'=HYPERLINK") for row in rows)  # defused
        r = await biz.get(
            "/api/v1/leads/export",
            params={
                "business_id": world.a.business_id,
                "format": "json",
                "to": (utcnow() - timedelta(days=1)).isoformat(),
            },
        )
        assert r.json() == []
        # Another business's export is not found, not forbidden.
        r = await biz.get("/api/v1/leads/export", params={"business_id": world.b.business_id})
        assert r.status_code == 404


async def test_route_management_permissions(live: LiveServer, world: World) -> None:
    base = f"/api/v1/businesses/{world.a.business_id}/delivery-routes"
    async with await client_for(live, world.a.operator) as op:
        assert (await op.get(base)).status_code == 403
        r = await op.post(base, json={"kind": "email", "emails": ["x@example.nl"]})
        assert r.status_code == 403
    async with await client_for(live, world.b.business_user) as other:
        assert (await other.get(base)).status_code == 404
        r = await other.post(base, json={"kind": "email", "emails": ["x@example.nl"]})
        assert r.status_code == 404
    async with await client_for(live, world.a.business_user) as biz:
        r = await biz.post(base, json={"kind": "email", "emails": ["kapot"]})
        assert r.status_code == 422
        r = await biz.post(base, json={"kind": "webhook", "url": "ftp://x"})
        assert r.status_code == 422
        r = await biz.post(base, json={"kind": "webhook", "url": "https://crm.example/hook"})
        assert r.status_code == 201 and len(r.json()["secret"]) >= 32
        route = r.json()
    async with await client_for(live, "super") as sup:
        r = await sup.patch(
            f"{base}/{route['id']}", json={"rotate_secret": True, "send_transcripts": True}
        )
        assert r.json()["secret"] != route["secret"] and r.json()["send_transcripts"] is True
        assert (await sup.delete(f"{base}/{route['id']}")).status_code == 204
        assert (await sup.get(base)).json()["items"][0]["active"] is False
    async with await client_for(live, world.b.business_user) as other:
        r = await other.patch(f"{base}/{route['id']}", json={"active": True})
        assert r.status_code == 404
        assert (await other.get("/api/v1/deliveries/flagged")).json()["items"] == []


async def test_a_switched_off_business_takes_no_offline_messages(
    live: LiveServer, world: World
) -> None:
    url = f"/api/v1/widget/{world.a.widget_key}/offline"
    message = {"name": "Els", "email": "els@example.nl", "question": "Open?", "consent": True}
    async with live.runtime.transaction() as session:
        business = await session.get(Business, world.a.business_id)
        business.is_active = False
    async with live.http(headers={"origin": ORIGIN_A, "accept-language": "nl"}) as http:
        r = await http.post(url, json=message)
    assert r.status_code == 409 and r.json()["code"] == "business_inactive"
    assert r.json()["message"].startswith("Deze chat is op dit moment niet beschikbaar")
    assert r.headers["access-control-allow-origin"] == ORIGIN_A  # the widget can say why
    async with await client_for(live, world.a.business_user) as biz:
        assert (await biz.get("/api/v1/leads")).json()["items"] == []
