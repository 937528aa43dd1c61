"""Requests to addresses people type in (a chat webhook): https to public addresses only.

The rule is checked when such an address is saved and again on every request. A request
resolves the host name once, refuses it when ANY address it resolves to is not public, and
connects to one of the checked addresses (pinned): a DNS answer that changes between the check
and the connection (DNS rebinding) cannot reach an internal host. The request still speaks to
the name: its Host header, the TLS server name (SNI) and the certificate check are the name's.
Redirects are never followed and the environment's proxies are not used.

Tests run their receivers on the loopback over plain http: they list those hosts in the
``WEBHOOK_ALLOWED_HOSTS_FOR_TESTS`` setting, which no settings module reads from the
environment and production sets empty.
"""

import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Instance metadata services (AWS, GCP, Azure, OpenStack; AWS over IPv6; Alibaba; Oracle).
CLOUD_METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
# Blocks of the IANA special-purpose registries that are not public, named here because
# ``ipaddress`` calls some of them global: site-local in every Python, others in the 3.12
# releases before its tables were corrected (3.12.4). Where a block holds a few global anycast
# services (PCP and TURN in 192.0.0.0/24; AMT, AS112 and ORCHIDv2 in 2001::/23) the whole block
# is refused: no chat webhook lives there.
SPECIAL_PURPOSE: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(network), kind)
    for network, kind in (
        ("100.64.0.0/10", gettext_noop("a carrier-grade NAT address")),  # shared address space
        ("192.0.0.0/24", gettext_noop("an IETF protocol address")),
        ("192.88.99.0/24", gettext_noop("a 6to4 relay address")),
        ("198.18.0.0/15", gettext_noop("a benchmarking address")),
        ("192.0.2.0/24", gettext_noop("a documentation address")),
        ("198.51.100.0/24", gettext_noop("a documentation address")),
        ("203.0.113.0/24", gettext_noop("a documentation address")),
        ("fec0::/10", gettext_noop("a site-local address")),
        ("64:ff9b:1::/48", gettext_noop("a local-use NAT64 address")),
        ("2001:2::/48", gettext_noop("a benchmarking address")),
        ("2001::/23", gettext_noop("an IETF protocol address")),  # Teredo 2001::/32 too
        ("2001:db8::/32", gettext_noop("a documentation address")),
        ("3fff::/20", gettext_noop("a documentation address")),
    )
)


class DestinationRefused(Exception):
    """The address is not one Crisis Desk sends to; the message tells the person why."""


def _not_public(reason: str) -> DestinationRefused:
    return DestinationRefused(
        _("Only public https addresses are allowed: %(reason)s") % {"reason": reason}
    )


class HostUnresolved(Exception):
    """The host name does not resolve now; a later attempt may succeed."""


@dataclass(frozen=True)
class Destination:
    """Where a request may go: the URL's host and every address it resolved to, all checked."""

    host: str
    addresses: tuple[IPAddress, ...]


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_refusal(address: IPAddress) -> str | None:
    """Why a request may not go to this address (as "a … address"), or None when it is public.

    Public means what ``ipaddress`` calls global, less the special-purpose blocks above; an
    IPv6 address that stands for an IPv4 one (mapped, NAT64, 6to4) is judged by that one.
    """
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_refusal(embedded)
    if address in CLOUD_METADATA:
        return _("a cloud metadata address")
    if address.is_unspecified:
        return _("an unspecified address")
    if address.is_loopback:
        return _("a loopback address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_multicast:
        return _("a multicast address")
    for network, kind in SPECIAL_PURPOSE:
        if address in network:
            return _(kind)
    if address.is_reserved:
        return _("a reserved address")
    if address.is_private:
        return _("a private network address")
    if not address.is_global:
        return _("a special-purpose address")
    return None


def _allowed_for_tests(host: str) -> bool:
    return host in getattr(settings, "WEBHOOK_ALLOWED_HOSTS_FOR_TESTS", ())


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _host_and_port(url: str) -> tuple[str, int]:
    """The URL's host and port when its scheme and (literal) address may be used."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(_("The port of this address is not a number.")) from exc
    if not host:
        raise DestinationRefused(_("Give a complete address, starting with https://."))
    exempt = _allowed_for_tests(host)
    if parts.scheme.lower() != "https" and not exempt:
        raise _not_public(_("use https:// (nothing is sent unencrypted)."))
    literal = _literal_address(host)
    refusal = address_refusal(literal) if literal is not None and not exempt else None
    if refusal is not None:
        raise _not_public(_("%(host)s is %(kind)s.") % {"host": host, "kind": refusal})
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise HostUnresolved(
            _("%(host)s does not resolve: %(error)s") % {"host": host, "error": exc}
        ) from exc
    # Each address once, in the resolver's order; an IPv6 zone ("%eth0") is not part of it.
    addresses = tuple(
        dict.fromkeys(ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers)
    )
    if not addresses:
        raise HostUnresolved(_("%(host)s does not resolve.") % {"host": host})
    return addresses


def destination_check(url: str) -> Destination:
    """Resolve the URL's host and check every address; refuse unless all are public."""
    host, port = _host_and_port(url)
    addresses = _resolve(host, port)
    if not _allowed_for_tests(host):
        for address in addresses:
            refusal = address_refusal(address)
            if refusal is not None:
                raise _not_public(
                    _("%(host)s resolves to %(address)s, %(kind)s.")
                    % {"host": host, "address": address, "kind": refusal}
                )
    return Destination(host=host, addresses=addresses)


def public_url_check(url: str) -> None:
    """For saving an address: refuse it when it is not https or reaches a non-public address.

    A host name that does not resolve now is accepted: every request checks it again.
    """
    try:
        prepared = requests.Request("POST", url).prepare()
    except (requests.RequestException, ValueError) as exc:
        raise DestinationRefused(_("Enter a valid URL.")) from exc
    with contextlib.suppress(HostUnresolved):
        destination_check(str(prepared.url))


class PinnedAddressAdapter(HTTPAdapter):
    """Connects to one given address while the request keeps its host name: the Host header,
    the TLS server name (SNI) and the certificate's host name check all use the name."""

    def __init__(self, *, host: str, address: IPAddress) -> None:
        self.host = host
        self.address = address
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> "tuple[_HostParams, _PoolKwargs]":
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params["host"] != self.host:
            raise ValueError(f"this connection is pinned for {self.host}, not for {request.url}")
        host_params["host"] = str(self.address)
        if host_params["scheme"] == "https":
            # urllib3 takes it (SNI and the certificate check); the stubs list requests' keys.
            pool_kwargs["server_hostname"] = self.host  # type: ignore[typeddict-unknown-key]
        return host_params, pool_kwargs

    def add_headers(self, request: requests.PreparedRequest, **kwargs: Any) -> None:
        request.headers["Host"] = urlsplit(str(request.url)).netloc.rpartition("@")[2]


def public_post(url: str, *, json: Any, timeout: float) -> requests.Response:
    """POST JSON to a checked public address of the URL's host; redirects are not followed.

    Raises DestinationRefused (for good), HostUnresolved (for now), or any ``requests`` error.
    """
    with requests.Session() as session:
        session.trust_env = False  # a proxy would resolve the name again, unchecked
        request = session.prepare_request(requests.Request("POST", url, json=json))
        destination = destination_check(str(request.url))
        adapter = PinnedAddressAdapter(host=destination.host, address=destination.addresses[0])
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session.send(request, timeout=timeout, allow_redirects=False)
