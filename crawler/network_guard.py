"""Refuse requests to private, loopback, link-local and other non-public addresses (SSRF).

A profile names public sites, but a page can link or redirect anywhere, and a name can
resolve to an address inside the network the crawler runs in (a router, a cloud metadata
service at 169.254.169.254, a database on localhost). Every request, robots.txt and
redirects included, is checked before it is sent: its host is resolved with Scrapy's own
cached resolver (the address then connected to is the one checked) and refused unless
every address is public. The demo and the tests, which serve sites on 127.0.0.1, opt in
with `private_network = true` in a profile's `[settings]` or `--private-network` on
`crawler crawl` (setting `PRIVATE_NETWORK_ALLOWED`). Where one process crawls for many
profiles (a fleet worker), a request carries its own profile's opt-in in
`meta['private_network']`; the robots.txt of a host so opted in is allowed too.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future

SETTING = "PRIVATE_NETWORK_ALLOWED"
HINT_SETTING = "PRIVATE_NETWORK_HINT"  # how the user at hand allows private networks
PROFILE_HINT = "a profile allows it with `private_network = true` under [settings]"
META = "private_network"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressRefused(IgnoreRequest):
    """A request whose host is, or resolves to, a non-public address."""


def is_public(address: Address) -> bool:
    """Whether `address` is globally routable (not private, loopback, link-local, …)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def literal_address(host: str) -> Address | None:
    """The address a host name spells, if it is one (`[::1]` and `127.0.0.1` are)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def refusal(host: str, address: Address, hint: str = PROFILE_HINT) -> str:
    return f"refused {host}: {address} is not a public address ({hint})"


class PrivateNetworkGuard:
    """Downloader middleware: raise `PrivateAddressRefused` for a non-public destination."""

    def __init__(self, allowed: bool, hint: str = PROFILE_HINT) -> None:
        self.allowed = allowed
        self.hint = hint
        self.opted_in: set[str] = set()  # host:port a request's own opt-in allowed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateNetworkGuard:
        settings = crawler.settings
        return cls(settings.getbool(SETTING), settings.get(HINT_SETTING) or PROFILE_HINT)

    async def process_request(self, request: Request) -> None:
        if self.allowed:
            return None
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        if request.meta.get(META):
            self.opted_in.add(parts.netloc)
            return None
        if parts.netloc in self.opted_in and parts.path == "/robots.txt":
            return None
        address = literal_address(host)
        if address is None:
            from twisted.internet import reactor

            try:
                resolved = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
            except Exception:
                return None
            address = ipaddress.ip_address(resolved)
        if not is_public(address):
            raise PrivateAddressRefused(refusal(host, address, self.hint))
        return None
