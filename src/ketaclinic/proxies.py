"""The client's address behind trusted reverse proxies.

``X-Forwarded-For`` is believed only as far as it was written by a proxy the clinic
configured (``KETACLINIC_TRUSTED_PROXIES``, addresses or CIDR networks): walking the header
from the right, every hop that is itself a trusted proxy is skipped, and the first address
that is not one is the client. A request straight from anywhere else is that address, whatever
headers it carries, so a client cannot claim another address to dodge the lockout or to
write a false one into the audit trail. django-axes (lockout), the audit trail and the rate
limits all ask this one function.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The configured proxies as networks (a bare address is a network of one)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, behind the trusted proxies."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            parsed = _address(hop)
            return str(parsed) if parsed is not None else peer
    return str(_address(hops[0])) if hops and _address(hops[0]) else peer
