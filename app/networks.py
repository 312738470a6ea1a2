"""Which network a client's address stands for, when attempts are counted per address.

Threat (docs/threat-model.md, A2 and A3): every allowance counted "per network address" (staff
sign-in attempts, wrong come-back codes, the web chat's flood allowance and its new cases) is
worth only as much as an address is hard to change. An IPv4 address is: a household, a refuge
or a college sits behind one. An IPv6 address is not: a home connection or the cheapest
rented server is given a whole /64 (2^64 addresses) and may use any of them, a new one per
request, so counting each address on its own counts nothing. The /64 is what one IPv4
address stands for (one site's network), so IPv6 is counted per /64; a survivor on that
network shares its allowance exactly as they would share an IPv4 address behind one router.

Pure and dependency-free (the standard library's `ipaddress`), so every layer may use it.
"""

from __future__ import annotations

import ipaddress

# An IPv6 site's network (RFC 4291's interface identifier is the low 64 bits).
IPV6_PREFIX = 64


def network_of(address: str) -> str:
    """The network `address` is counted as: an IPv4 address itself; an IPv6 address's /64
    ("2001:db8:1:2::/64"); an IPv4-mapped IPv6 address ("::ffff:192.0.2.1") as the IPv4
    address it carries. A zone ("fe80::1%eth0") is left out. Anything that is not an address
    (a test's or a misconfigured proxy's text) is returned unchanged: still one counter."""
    text = address.strip()
    try:
        parsed = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)
