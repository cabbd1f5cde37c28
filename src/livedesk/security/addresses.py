"""Where outbound requests may go: never to this host, its private networks or the cloud's
metadata service, unless the provider allow-lists a network on purpose.

Lead webhooks are URLs a business types in, so a delivery must not become a way to reach what
only the server can reach (SSRF). The check runs on the addresses a name resolves to, at the
moment of connecting, and the connection then goes to exactly the address that was checked: a
name that answers with a public address when the route is saved and with 127.0.0.1 when the lead
is sent (DNS rebinding) is still refused. TLS and the Host header keep the original name.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from livedesk import i18n
from livedesk.errors import Invalid

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
# (host, port) -> every address the name resolves to.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

# Refused IPv4 ranges and the word the log uses for each (RFC 6890 and the IANA registry).
_V4_REFUSED: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), why)
    for net, why in (
        ("0.0.0.0/8", "unspecified"),  # "this network"; 0.0.0.0 reaches the local host
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),  # cloud metadata services live here
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),  # deprecated 6to4 relay anycast
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),  # and 255.255.255.255, the broadcast address
    )
)
_V6_REFUSED: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), why)
    for net, why in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "reserved"),  # IPv4-compatible addresses (deprecated)
        ("64:ff9b:1::/48", "private"),  # local-use NAT64
        ("100::/64", "reserved"),  # discard-only
        ("2001::/32", "reserved"),  # Teredo tunnels
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),  # deprecated, still routed by some stacks
        ("ff00::/8", "multicast"),
    )
)
_V6_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64 = IPv6Network("64:ff9b::/96")  # well-known prefix: the last 32 bits are an IPv4 address
_MAPPED = IPv6Network("::ffff:0:0/96")


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries to (mapped, 6to4, NAT64), if any."""
    if address in _MAPPED:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """None for a public unicast address; otherwise why it is refused ("loopback", "private"…).

    IPv6 addresses that lead to an IPv4 address (IPv4-mapped, 6to4, NAT64) are judged by it.
    """
    if isinstance(address, IPv6Address):
        address = address.ipv4_mapped or address  # ::ffff:127.0.0.1 is 127.0.0.1 on a dual stack
    if isinstance(address, IPv4Address):
        for net, why in _V4_REFUSED:
            if address in net:
                return why
        return None if address.is_global else "reserved"
    inner = embedded_ipv4(address)
    if inner is not None:
        carried = refusal_reason(inner)
        return None if carried is None else f"{carried} (via {address})"
    for net6, why in _V6_REFUSED:
        if address in net6:
            return why
    if address not in _V6_GLOBAL_UNICAST or not address.is_global:
        return "reserved"
    return None


def parse_networks(text: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    """`"10.1.0.0/16, 192.168.5.7"` → networks; a bare address is a network of one.

    Raises ValueError naming the entry that is not an address or network."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    out: list[IPNetwork] = []
    for item in items:
        try:
            out.append(ip_network(item.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network") from None
    return tuple(out)


def is_allowed(address: IPAddress, allow: Sequence[IPNetwork] = ()) -> str | None:
    """None when a connection to `address` may be made; otherwise the reason it may not.

    An allow-listed network wins over every rule (the provider delivers to its own systems)."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, IPv6Address) and (inner := embedded_ipv4(address)) is not None:
        candidates.append(inner)
    for candidate in candidates:
        if any(candidate.version == net.version and candidate in net for net in allow):
            return None
    return refusal_reason(address)


class AddressNotAllowed(Exception):
    """Every address a host resolves to is refused. The message has the detail (for the
    provider's staff and the logs); `public_message` is what a business may see."""

    public_message = "address not allowed"

    def __init__(self, host: str, refused: Sequence[tuple[IPAddress, str]]) -> None:
        self.host = host
        self.refused = list(refused)
        detail = ", ".join(f"{ip} ({why})" for ip, why in self.refused) or "no address"
        super().__init__(f"{host} is not an allowed destination: {detail}")


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """getaddrinfo in the event loop's executor; an IP literal in any form the C library
    accepts (127.1, 0x7f000001, 2130706433) comes back as the address it means."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for family, _, _, _, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in out:
            out.append(address)
    return out


async def vet(
    host: str,
    port: int,
    allow: Sequence[IPNetwork] = (),
    resolver: Resolver = system_resolver,
) -> list[IPAddress]:
    """The addresses of `host` a connection may go to, in resolver order.

    Raises AddressNotAllowed when there are none, OSError (socket.gaierror) when the name does
    not resolve."""
    addresses = await resolver(host, port)
    allowed: list[IPAddress] = []
    refused: list[tuple[IPAddress, str]] = []
    for address in addresses:
        why = is_allowed(address, allow)
        if why is None:
            allowed.append(address)
        else:
            refused.append((address, why))
    if not allowed:
        raise AddressNotAllowed(host, refused)
    return allowed


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves the name itself, vets every address and
    connects to a vetted one. httpcore still does TLS with the URL's host name (SNI and
    certificate check) and httpx still sends it as the Host header."""

    def __init__(
        self,
        allow: Sequence[IPNetwork] = (),
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow = tuple(allow)
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await vet(host, port, self.allow, self.resolver)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError as exc:  # the name does not resolve (now): worth another try later
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressNotAllowed(path, [])

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its request and error mapping), on a connection pool whose every
    connection goes through GuardedBackend. Takes no proxy: a proxy would connect for us, to
    addresses we never see."""

    def __init__(
        self,
        *,
        allow: Sequence[IPNetwork] = (),
        resolver: Resolver = system_resolver,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),
        verify: ssl.SSLContext | bool = True,
        http2: bool = False,
    ) -> None:
        context = _ssl_context(verify)
        super().__init__(limits=limits, verify=context, http2=http2, trust_env=False)
        # httpx keeps its httpcore pool in `_pool` and sends every request through it; the
        # replacement differs only in its network backend (the SSRF tests fail if that stops).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=GuardedBackend(allow, resolver),
        )


@functools.cache
def _system_ssl_context() -> ssl.SSLContext:
    """One per process: loading the CA bundle costs tens of ms of CPU (on the event loop, when
    a client is made at start-up), and a context may be shared by every client."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


def _ssl_context(verify: ssl.SSLContext | bool) -> ssl.SSLContext:
    if verify is True:
        return _system_ssl_context()
    return httpx.create_ssl_context(verify=verify, trust_env=False)


def guarded_client(
    *,
    allow: Sequence[IPNetwork] = (),
    resolver: Resolver = system_resolver,
    limits: httpx.Limits | None = None,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """An httpx client for URLs that outsiders choose: vetted addresses, no redirects, no
    proxies or credentials from the environment."""
    limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
    return httpx.AsyncClient(
        transport=GuardedTransport(allow=allow, resolver=resolver, limits=limits, verify=verify),
        follow_redirects=False,
        trust_env=False,
    )


# -- checking a URL when it is saved -----------------------------------------------------------

URL_NOT_ALLOWED_MESSAGE = (
    "this address is not allowed: deliveries cannot go to loopback, private, link-local or "
    "other internal addresses"
)
# The same as a field error code, for FieldError({"url": "url_not_allowed"}) and friends.
i18n.register(
    {
        "nl": {
            "url_not_allowed": "Dit adres is niet toegestaan: leveringen naar loopback-, privé-, "
            "link-local- en andere interne adressen zijn niet mogelijk."
        },
        "en": {
            "url_not_allowed": "This address is not allowed: deliveries cannot go to loopback, "
            "private, link-local or other internal addresses."
        },
    }
)


async def webhook_url_error(
    url: str,
    allow: Sequence[IPNetwork] = (),
    *,
    resolver: Resolver = system_resolver,
    timeout: float = 3.0,
) -> str | None:
    """None when deliveries to `url` may be attempted; otherwise a message for the url field.

    Refuses an address literal in a refused range and a name whose every address is refused.
    A name that does not resolve (yet), or not in time, is accepted: each delivery is checked
    again when it connects. The message is the same for every refusal, so a business learns
    nothing about the provider's internal names from it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "an http:// or https:// URL"
    try:
        async with asyncio.timeout(timeout):
            await vet(parts.hostname, port, allow, resolver)
    except AddressNotAllowed:
        return URL_NOT_ALLOWED_MESSAGE
    except (OSError, TimeoutError, UnicodeError):
        return None
    return None


async def require_allowed_webhook_url(
    url: str | None,
    allow: Sequence[IPNetwork] = (),
    *,
    resolver: Resolver = system_resolver,
    field: str = "url",
    language: str | None = None,
) -> None:
    """Raises Invalid (422) with a field-level error in the shape the leads API uses; with a
    `language`, a refused address's message is in it."""
    if url is None:
        return
    message = await webhook_url_error(url, allow, resolver=resolver)
    if message == URL_NOT_ALLOWED_MESSAGE and language is not None:
        message = i18n.text("url_not_allowed", language) or message
    if message is not None:
        raise Invalid(
            "The delivery route is not valid",
            code="invalid",
            data={"errors": [{"loc": ["body", field], "msg": message, "type": "url_not_allowed"}]},
        )
