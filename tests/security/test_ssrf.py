"""Lead webhooks cannot reach this host or its networks (SSRF), checked on the resolved address
when connecting. A real listener on 127.0.0.1 (and ::1) shows that an unguarded client does
reach it through every spelling used here, and that the guarded one never opens a connection."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpx
import pytest
from security_helpers import Listener, listening
from sqlalchemy import select

from livedesk import i18n
from livedesk.db import make_engine, make_sessionmaker, read_only, unit_of_work
from livedesk.errors import Invalid
from livedesk.leads.delivery import Outcome, error_for_viewer, send_webhook
from livedesk.leads.models import DeliveryRoute, OutboxItem
from livedesk.leads.settings import LeadsSettings
from livedesk.security.addresses import (
    URL_NOT_ALLOWED_MESSAGE,
    AddressNotAllowed,
    IPAddress,
    guarded_client,
    is_allowed,
    parse_networks,
    refusal_reason,
    require_allowed_webhook_url,
    system_resolver,
    webhook_url_error,
)
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, LiveServer, World, running

LOOPBACK_NETS = parse_networks("127.0.0.0/8, ::1")

# -- every refused class -----------------------------------------------------------------------

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # the cloud metadata service
    ("100.64.0.1", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("255.255.255.255", "reserved"),
    ("240.0.0.1", "reserved"),
    ("192.0.0.8", "reserved"),
    ("192.0.2.1", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("ff0e::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("2001::1", "reserved"),  # Teredo
    ("::7f00:1", "reserved"),  # IPv4-compatible
    ("100::1", "reserved"),
    ("64:ff9b:1::1", "private"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
    ("::ffff:10.1.2.3", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
    ("64:ff9b::7f00:1", "loopback"),
    ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
    ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
    ("3fff::1", "documentation"),
    ("4000::1", "reserved"),  # outside global unicast 2000::/3
]

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "2a00:1450:4001:82b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of a public address
    "2002:808:808::1",  # 6to4 of a public address
]


@pytest.mark.parametrize(("address", "why"), REFUSED)
def test_every_non_public_class_is_refused(address: str, why: str) -> None:
    reason = refusal_reason(ip_address(address))
    assert reason is not None and reason.startswith(why), reason
    assert is_allowed(ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_public_unicast_is_allowed(address: str) -> None:
    assert refusal_reason(ip_address(address)) is None


def test_allow_list_opens_only_its_networks() -> None:
    allow = parse_networks("10.1.0.0/16, 192.168.5.7")
    assert is_allowed(ip_address("10.1.200.3"), allow) is None
    assert is_allowed(ip_address("::ffff:10.1.200.3"), allow) is None  # the same address
    assert is_allowed(ip_address("192.168.5.7"), allow) is None
    assert is_allowed(ip_address("192.168.5.8"), allow) == "private"
    assert is_allowed(ip_address("10.2.0.1"), allow) == "private"
    assert is_allowed(ip_address("127.0.0.1"), allow) == "loopback"
    with pytest.raises(ValueError, match="not-a-net"):
        parse_networks("10.0.0.0/8, not-a-net")


def test_allow_list_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEDESK_WEBHOOK_ALLOW_NETWORKS", "10.1.0.0/16,fd00::/8")
    assert [str(n) for n in LeadsSettings().webhook_allowed_networks] == ["10.1.0.0/16", "fd00::/8"]
    monkeypatch.setenv("LIVEDESK_WEBHOOK_ALLOW_NETWORKS", "10.1.0.0/16, intranet")
    with pytest.raises(ValueError, match="intranet"):
        LeadsSettings()
    monkeypatch.delenv("LIVEDESK_WEBHOOK_ALLOW_NETWORKS")
    assert LeadsSettings().webhook_allowed_networks == ()


# -- a real listener ---------------------------------------------------------------------------


def spellings(port: int) -> list[str]:
    """URLs that all lead to 127.0.0.1:port (the C library reads 127.1, decimal, hex, octal)."""
    return [
        f"http://127.0.0.1:{port}/hook",
        f"http://127.1:{port}/hook",
        f"http://2130706433:{port}/hook",
        f"http://0x7f000001:{port}/hook",
        f"http://0177.1:{port}/hook",  # octal
        f"http://0.0.0.0:{port}/hook",  # Linux connects this to the local host
        f"http://[::ffff:127.0.0.1]:{port}/hook",
        f"http://localhost:{port}/hook",
        f"http://LocalHost:{port}/hook",
    ]


async def test_unguarded_client_reaches_the_listener_through_every_spelling(
    listener: Listener,
) -> None:
    """The control: without the guard each of these URLs really connects (else the next test
    would prove nothing)."""
    async with httpx.AsyncClient(trust_env=False, timeout=5) as plain:
        for url in spellings(listener.port):
            before = listener.connections
            r = await plain.post(url, content=b"{}")
            assert r.status_code == 200, url
            assert listener.connections == before + 1, url


async def test_guarded_client_never_connects_to_a_refused_address(listener: Listener) -> None:
    async with guarded_client() as client:
        for url in spellings(listener.port):
            with pytest.raises(AddressNotAllowed) as caught:
                await client.post(url, content=b"{}", timeout=5)
            assert "(loopback)" in str(caught.value) or "(unspecified)" in str(caught.value)
    await asyncio.sleep(0.05)  # a connection that was made anyway would have been counted
    assert listener.connections == 0


async def test_ipv6_loopback_is_refused_and_really_listening() -> None:
    async with listening("::1") as v6:
        url = f"http://[::1]:{v6.port}/hook"
        async with httpx.AsyncClient(trust_env=False, timeout=5) as plain:
            assert (await plain.get(url)).status_code == 200
        async with guarded_client() as client:
            with pytest.raises(AddressNotAllowed, match=r"::1 \(loopback\)"):
                await client.get(url, timeout=5)
        assert v6.connections == 1  # the control's, no other


def fake_dns(table: dict[str, list[str]], *, fallback: bool = False) -> Any:
    """A resolver answering from `table` (and, with fallback, the system's for other names)."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[IPAddress]:
        calls.append(host)
        if host in table:
            return [ip_address(a) for a in table[host]]
        if fallback:
            return await system_resolver(host, port)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


async def test_a_name_that_resolves_to_loopback_is_refused(listener: Listener) -> None:
    """A public-looking name whose DNS answers 127.0.0.1 (or 127.0.0.1 among public ones)."""
    resolver = fake_dns(
        {
            "hooks.example.com": ["127.0.0.1"],
            "mixed.example.com": ["::1", "127.0.0.1", "10.0.0.1"],
        }
    )
    async with guarded_client(resolver=resolver) as client:
        for host in ("hooks.example.com", "mixed.example.com"):
            with pytest.raises(AddressNotAllowed, match=host):
                await client.post(f"http://{host}:{listener.port}/hook", timeout=5)
    assert listener.connections == 0
    assert resolver.calls == ["hooks.example.com", "mixed.example.com"]


async def test_rebinding_is_caught_at_connection_time(listener: Listener) -> None:
    """The name resolves to a public address when the route is saved and to loopback when the
    delivery connects: the check that counts is the one at connection time."""
    answers = {"rebind.example.com": ["93.184.215.14"]}
    resolver = fake_dns(answers)
    url = f"http://rebind.example.com:{listener.port}/hook"
    assert await webhook_url_error(url, resolver=resolver) is None  # looks fine when saved
    answers["rebind.example.com"] = ["127.0.0.1"]
    async with guarded_client(resolver=resolver) as client:
        with pytest.raises(AddressNotAllowed):
            await client.post(url, timeout=5)
    assert listener.connections == 0


async def test_allow_listed_network_connects_to_the_vetted_address(listener: Listener) -> None:
    """Allow-listed: the connection goes to the address that was checked, and the request keeps
    the name it was sent to (Host header; TLS would use it for SNI the same way)."""
    resolver = fake_dns({"receiver.internal": ["127.0.0.1"]}, fallback=True)
    async with guarded_client(allow=LOOPBACK_NETS, resolver=resolver) as client:
        r = await client.post(f"http://receiver.internal:{listener.port}/hook", content=b"{}")
        assert r.status_code == 200
        r = await client.post(f"http://127.1:{listener.port}/hook", content=b"{}")
        assert r.status_code == 200
    assert listener.connections == 2
    assert f"host: receiver.internal:{listener.port}".encode() in listener.requests[0].lower()
    # Allow-listing loopback opens loopback only.
    async with guarded_client(allow=LOOPBACK_NETS, resolver=fake_dns({"x": ["10.0.0.1"]})) as c:
        with pytest.raises(AddressNotAllowed, match="private"):
            await c.get(f"http://x:{listener.port}/")


@pytest.fixture
def receiver_cert(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the name receiver.test only (made with openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl for a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=receiver.test",
         "-addext", "subjectAltName=DNS:receiver.test"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_tls_goes_to_the_vetted_address_under_the_original_name(
    receiver_cert: tuple[Path, Path],
) -> None:
    """The certificate is for receiver.test, not for 127.0.0.1: the handshake succeeds only if
    SNI and the certificate check use the name while the socket goes to the checked address."""
    cert, key = receiver_cert
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    names: list[str | None] = []
    server_side.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment,misc,return-value]
    async with listening(ssl=server_side) as tls:
        client_side = ssl.create_default_context(cafile=str(cert))
        resolver = fake_dns({"receiver.test": ["127.0.0.1"]}, fallback=True)
        async with guarded_client(allow=LOOPBACK_NETS, resolver=resolver, verify=client_side) as c:
            r = await c.post(f"https://receiver.test:{tls.port}/hook", content=b"{}", timeout=5)
            assert r.status_code == 200
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await c.post(f"https://127.0.0.1:{tls.port}/hook", timeout=5)  # not its name
        async with guarded_client(resolver=resolver, verify=client_side) as c:
            with pytest.raises(AddressNotAllowed):
                await c.post(f"https://receiver.test:{tls.port}/hook", timeout=5)
    assert names[0] == "receiver.test"
    assert b"host: receiver.test:" in tls.requests[0].lower()
    assert len(tls.requests) == 1


async def test_an_unresolvable_name_is_a_retryable_connect_error() -> None:
    async with guarded_client(resolver=fake_dns({})) as client:
        with pytest.raises(httpx.ConnectError, match="cannot resolve"):
            await client.get("http://nowhere.invalid/")


# -- through the webhook sender ----------------------------------------------------------------


class _Item:
    """The fields send_webhook reads from an outbox row."""

    def __init__(self, url: str) -> None:
        self.id = "d1"
        self.event = "lead.created"
        self.business_id = "b1"
        self.created_at = "2026-01-01T00:00:00Z"
        self.payload: dict[str, Any] = {}
        self.idempotency_key = "lead.created:x"
        self.target = {"url": url}


async def test_send_webhook_refuses_permanently_and_shows_the_business_a_generic_error(
    listener: Listener,
) -> None:
    async with guarded_client() as client:
        url = f"http://localhost:{listener.port}/hook"
        outcome = await send_webhook(client, _Item(url), "secret", 5)  # type: ignore[arg-type]
    assert listener.connections == 0
    assert outcome.delivered is False and outcome.permanent is True
    assert outcome.status_code is None
    assert outcome.error is not None and "127.0.0.1 (loopback)" in outcome.error
    # The provider's staff see where it went; the business only that it was not allowed.
    assert error_for_viewer(outcome.error, staff=True) == outcome.error
    assert error_for_viewer(outcome.error, staff=False) == "adres niet toegestaan"
    assert error_for_viewer(outcome.error, staff=False, language="en") == "address not allowed"
    assert error_for_viewer("HTTP 500", staff=False) == "HTTP 500"
    assert error_for_viewer(None, staff=False) is None


async def test_redirects_are_not_followed(listener: Listener) -> None:
    """An allow-listed receiver that redirects (here: to another allow-listed listener) gets a
    permanent failure; the redirect target is never contacted."""
    async with listening() as target:
        listener.status = 307
        listener.headers = {"location": f"http://127.0.0.1:{target.port}/elsewhere"}
        async with guarded_client(allow=LOOPBACK_NETS) as client:
            item = _Item(f"http://127.0.0.1:{listener.port}/hook")
            outcome = await send_webhook(client, item, "secret", 5)  # type: ignore[arg-type]
        assert outcome == Outcome(
            False, permanent=True, status_code=307, error="HTTP 307 (permanent)"
        )
        assert listener.connections == 1
        assert target.connections == 0


# -- end to end: the dispatcher of a running server --------------------------------------------


async def _webhook_route(settings: Settings, business_id: str, url: str) -> None:
    """Straight into the database, as a route saved before URLs were checked would be."""
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            session.add(
                DeliveryRoute(business_id=business_id, kind="webhook", url=url, secret="s" * 32)
            )
    finally:
        await engine.dispose()


async def _outbox(settings: Settings) -> list[OutboxItem]:
    engine = make_engine(settings)
    try:
        async with read_only(make_sessionmaker(engine)) as session:
            return list(await session.scalars(select(OutboxItem)))
    finally:
        await engine.dispose()


async def _file_lead(server: LiveServer, world: World, settings: Settings) -> None:
    from leads.leads_helpers import make_chat

    cid = await make_chat(settings, world.a, ["Ik wil een offerte"])
    async with server.http() as http:
        r = await http.post(
            "/api/v1/auth/login", json={"username": world.a.operator, "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        r = await http.post(
            f"/api/v1/conversations/{cid}/leads",
            json={"email": "jan@example.nl", "intent": "offerte"},
        )
        assert r.status_code == 201, r.text


async def test_the_dispatcher_refuses_a_saved_loopback_route(
    settings: Settings, world: World, listener: Listener
) -> None:
    from leads.leads_helpers import fast_settings

    await _webhook_route(settings, world.a.business_id, f"http://localhost:{listener.port}/h")
    server = LiveServer(settings)
    server.app.state.leads_settings = fast_settings()
    await server.start()
    try:
        await _file_lead(server, world, settings)
        for _ in range(200):
            items = [i for i in await _outbox(settings) if i.channel == "webhook"]
            if items and items[0].state == "failed":
                break
            await asyncio.sleep(0.05)
    finally:
        await server.stop()
    [item] = items
    assert item.state == "failed" and item.flagged
    assert item.last_error is not None and "127.0.0.1 (loopback)" in item.last_error
    assert item.attempts == 1  # permanent: not retried against the same address
    assert listener.connections == 0


# -- checking the URL when a route is saved ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:5432/",
        "http://[::1]:6379/",
        "http://10.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "https://[fd00::1]/hook",
        "http://[::ffff:192.168.0.1]/",
    ],
)
async def test_saving_a_route_to_an_internal_address_is_refused(url: str) -> None:
    assert await webhook_url_error(url) == URL_NOT_ALLOWED_MESSAGE
    with pytest.raises(Invalid) as caught:
        await require_allowed_webhook_url(url)
    assert caught.value.status_code == 422
    [error] = caught.value.data["errors"]
    assert error["loc"] == ["body", "url"] and error["type"] == "url_not_allowed"
    assert "127.0.0.1" not in error["msg"]  # the business learns nothing about our network
    with pytest.raises(Invalid) as caught:
        await require_allowed_webhook_url(url, language="nl")
    assert caught.value.data["errors"][0]["msg"] == i18n.text("url_not_allowed", "nl")
    assert i18n.text("url_not_allowed", "nl") != i18n.text("url_not_allowed", "en")


async def test_saving_a_route_accepts_public_allow_listed_and_unresolvable_names() -> None:
    resolver = fake_dns(
        {"hooks.example.com": ["93.184.215.14"], "db.internal": ["10.0.0.5"], "i": ["10.1.0.9"]}
    )
    assert await webhook_url_error("https://hooks.example.com/x", resolver=resolver) is None
    assert await webhook_url_error("https://not-yet.example.com/", resolver=resolver) is None
    assert await webhook_url_error("http://db.internal/", resolver=resolver) is not None
    allow = parse_networks("10.1.0.0/16")
    assert await webhook_url_error("http://i/", allow, resolver=resolver) is None
    assert await webhook_url_error("http://10.1.2.3:8080/", allow) is None
    assert await webhook_url_error("ftp://example.com/") is not None
    await require_allowed_webhook_url(None)  # an e-mail route has no URL


ROUTE_CHECK_WIRED = "require_allowed_webhook_url" in "".join(
    (Path(__file__).parents[2] / "src/livedesk/leads" / name).read_text()
    for name in ("actions.py", "views.py")
)


@pytest.mark.skipif(not ROUTE_CHECK_WIRED, reason="route creation does not check URLs yet")
async def test_the_routes_api_refuses_internal_webhook_urls(
    settings: Settings, world: World
) -> None:
    async with running(settings) as server, server.http() as http:
        r = await http.post(
            "/api/v1/auth/login", json={"username": world.a.business_user, "password": PASSWORD}
        )
        assert r.status_code == 200
        path = f"/api/v1/businesses/{world.a.business_id}/delivery-routes"
        r = await http.post(path, json={"kind": "webhook", "url": "http://127.1:5432/"})
        assert r.status_code == 422, r.text
        assert r.json()["data"]["errors"][0]["loc"] == ["body", "url"]
        r = await http.post(path, json={"kind": "webhook", "url": "http://93.184.215.14/hook"})
        assert r.status_code == 201, r.text
