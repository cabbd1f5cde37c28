"""The session cookie is Secure whenever the browser reached us over HTTPS: directly, or through
a TLS-terminating proxy that says so, and then only a proxy listed in LIVEDESK_TRUSTED_PROXIES
(none by default; uvicorn alone would believe 127.0.0.1)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from security_helpers import running_live

from livedesk.security.proxies import uvicorn_proxy_options
from livedesk.settings import Settings

from livedesk_testing import PASSWORD, World


def session_cookie(response: httpx.Response) -> str:
    [header] = [
        h for h in response.headers.get_list("set-cookie") if h.startswith("livedesk_session=")
    ]
    return header


def attributes(header: str) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in header.split(";")[1:]}


async def login_cookie(http: httpx.AsyncClient, world: World, **headers: str) -> set[str]:
    r = await http.post(
        "/api/v1/auth/login",
        json={"username": world.a.operator, "password": PASSWORD},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return attributes(session_cookie(r))


def test_trusted_proxies_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert uvicorn_proxy_options(Settings()) == {"proxy_headers": False}
    monkeypatch.setenv("LIVEDESK_TRUSTED_PROXIES", "10.0.0.2, 10.1.0.0/16 ::1")
    settings = Settings()
    assert settings.trusted_proxy_list == ["10.0.0.2", "10.1.0.0/16", "::1"]
    assert uvicorn_proxy_options(settings) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.2", "10.1.0.0/16", "::1"],
    }
    monkeypatch.setenv("LIVEDESK_TRUSTED_PROXIES", "10.0.0.2, proxy.local")
    with pytest.raises(ValueError, match=r"proxy\.local"):
        Settings()


async def test_forwarded_proto_is_ignored_without_a_trusted_proxy(
    settings: Settings, world: World
) -> None:
    async with running_live(settings) as server, server.http() as http:
        assert "secure" not in await login_cookie(http, world)
        # Anyone could send this header; from an untrusted peer it changes nothing.
        assert "secure" not in await login_cookie(http, world, **{"x-forwarded-proto": "https"})


async def test_secure_behind_a_trusted_tls_proxy(settings: Settings, world: World) -> None:
    settings.trusted_proxies = "127.0.0.1"
    async with running_live(settings) as server, server.http() as http:
        cookie = await login_cookie(http, world, **{"x-forwarded-proto": "https"})
        assert {"secure", "httponly", "samesite"} <= cookie
        assert "secure" not in await login_cookie(http, world, **{"x-forwarded-proto": "http"})
        assert "secure" not in await login_cookie(http, world)
        r = await http.post("/api/v1/auth/logout", headers={"x-forwarded-proto": "https"})
        assert "secure" in attributes(session_cookie(r))  # the deletion matches the cookie


async def test_a_proxy_not_in_the_list_is_not_believed(settings: Settings, world: World) -> None:
    settings.trusted_proxies = "10.9.9.9"  # the test client connects from 127.0.0.1
    async with running_live(settings) as server, server.http() as http:
        assert "secure" not in await login_cookie(http, world, **{"x-forwarded-proto": "https"})


async def test_cookie_secure_setting_forces_it(settings: Settings, world: World) -> None:
    settings.cookie_secure = True
    async with running_live(settings) as server, server.http() as http:
        assert "secure" in await login_cookie(http, world)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl for a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_secure_over_direct_https(
    settings: Settings, world: World, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    async with running_live(settings, ssl_certfile=str(cert), ssl_keyfile=str(key)) as server:
        context = ssl.create_default_context(cafile=str(cert))
        url = f"https://127.0.0.1:{server.port}"
        async with httpx.AsyncClient(base_url=url, verify=context, timeout=10) as https:
            assert "secure" in await login_cookie(https, world)
