"""Where a webhook may go: http(s) URLs whose every address is public, unless an operator's
allowlist (BIDBRIDGE_WEBHOOK_ALLOWED_NETWORKS) permits a private, loopback or link-local one.

The check runs at delivery time, on the addresses the name resolves to then, and the request is
sent to the address that was checked (the name stays in Host and in TLS's SNI), so a name that
resolves to a public address when added and to 127.0.0.1 later is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL may not be called; the message says why (shown in the delivery's lastError)."""


def parse_networks(text: str) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in text.split(",") if part.strip())


def url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as an endpoint, in words; None when it is well formed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("https", "http"):
        return "must start with https:// (or http://)"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    if parts.fragment:
        return "must not have a #fragment"
    if port == 0:
        return "has port 0"
    return None


def _blocked(ip: IpAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified or not ip.is_global)


@dataclass(frozen=True)
class Target:
    url: str  # the URL with the checked address in place of the name
    host_header: str
    sni_hostname: str | None  # https: the name the certificate must carry


def resolve(url: str, allowed: tuple[IpNetwork, ...]) -> Target:
    """The address to send to, checked; TargetRefused when none may be used."""
    problem = url_problem(url)
    if problem:
        raise TargetRefused(f"the URL {problem}")
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"the host {host} does not resolve: {exc}") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    refused = [ip for ip in addresses
               if _blocked(ip) and not any(ip in net for net in allowed if ip.version == net.version)]
    if refused or not addresses:
        # Every address must pass: a name with one public and one private address is refused.
        raise TargetRefused(f"{host} resolves to {', '.join(map(str, refused))}: private, "
                            "loopback, link-local and reserved addresses are refused unless the "
                            "operator allows them (BIDBRIDGE_WEBHOOK_ALLOWED_NETWORKS)")
    ip = addresses[0]
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = f"{literal}:{port}"
    default_port = (parts.scheme == "https" and port == 443) or (parts.scheme == "http" and port == 80)
    host_header = host if default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if default_port else f"[{host}]:{port}"
    path = parts.path or "/"
    pinned = f"{parts.scheme}://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")
    return Target(pinned, host_header, host if parts.scheme == "https" else None)
